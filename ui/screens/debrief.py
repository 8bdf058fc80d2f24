"""The debrief: ratings per objective, missed expectations, strengths, improvements and AAR export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from simulator.commands import Observe, OverrideRating
from simulator.diagnostics import ScenarioError
from simulator.session import Session
from simulator.store import LogError
from simulator.visibility import FACILITATOR
from ui.dialogs import RATING_STYLE, RATING_WORDS, ObserveDialog, OverrideDialog
from ui.text import literal, one_line

__all__ = ["RATING_STYLE", "RATING_WORDS", "DebriefScreen", "export", "scorecard"]


def scorecard(session: Session) -> Any | None:
    """The scorecard of the session's log so far, or None if scoring is unavailable."""
    try:
        from simulator.scoring import score
    except ImportError:
        return None
    return score(session.scenario, session.events_for(FACILITATOR))


def export(log: Path, fmt: str, out: Path) -> Path:
    """Write the after-action report of a log, exactly as `tabletop report LOG --format FMT -o OUT` does.

    Raises LogError, ScenarioError or OSError with the reason.
    """
    from simulator.report import build_report, read_log, render

    loaded, events, meta = read_log(log)
    text = render(build_report(loaded.scenario, events, meta), fmt)
    out.write_text(text, encoding="utf-8")
    return out


class DebriefScreen(Screen):
    """After the exercise: how each objective went and why; evaluators set ratings and add observations."""

    # Enter on a row is the table's own (RowSelected, below); s does the same from anywhere on the screen.
    # o is the note here as on the facilitator console: the key an evaluator already knows.
    BINDINGS = [
        Binding("s", "override", "Set rating", tooltip="Set the highlighted objective's rating, with a reason"),
        Binding("o", "observe", "Note", tooltip="Record an evaluator observation"),
        # Either case: the footer shows the lower one, the upper one is what the keys were at first.
        Binding("m,M", "export('md')", "Markdown", key_display="m"),
        Binding("h,H", "export('html')", "HTML", key_display="h"),
        Binding("j,J", "export('json')", "JSON", key_display="j"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name="debrief")
        self.session = session
        self.card = scorecard(session)
        self.written: list[Path] = []
        """Report files exported from this screen, newest last."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._headline(), id="debrief-headline")
        yield DataTable(id="objectives", cursor_type="row", zebra_stripes=True)
        yield Static(_rating_key(), id="rating-key")
        with VerticalScroll(id="findings"):
            yield Static(self._findings(), id="findings-body")
        with Horizontal(id="export-bar"):
            yield Static(self._log_line(), id="log-line")
            yield Button("Markdown", id="export-md")
            yield Button("HTML", id="export-html", variant="primary")
            yield Button("JSON", id="export-json")
        yield Footer()

    def on_mount(self) -> None:
        # Cleaned here as well as in the app's header: the title is author text.
        self.title = one_line(self.session.scenario.title)
        self.sub_title = "Debrief"
        self._fill(self.app.size.width)
        self.query_one("#objectives", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        self._fill(event.size.width)

    def rescore(self) -> None:
        """Score the log again (after a rating or an observation) and redraw, keeping the highlighted row."""
        table = self.query_one("#objectives", DataTable)
        row = table.cursor_row
        self.card = scorecard(self.session)
        self._widths = None
        self._fill(self.app.size.width)
        if 0 <= row < table.row_count:
            table.move_cursor(row=row, animate=False)
        self.query_one("#debrief-headline", Static).update(self._headline())
        self.query_one("#findings-body", Static).update(self._findings())

    def _fill(self, width: int) -> None:
        """The objectives table at a width: the ratings first and short, the texts wrapping in what is left."""
        table = self.query_one("#objectives", DataTable)
        # The table's own border and scrollbar, and two cells of padding per column.
        room = max(30, width - 4 - 2 * 5)
        rating, auto, points = 8, 4, 9
        capability = max(12, (room - rating - auto - points) // 3)
        objective = max(16, room - rating - auto - points - capability)
        if getattr(self, "_widths", None) == (objective, capability):
            return
        self._widths = (objective, capability)
        table.clear(columns=True)
        table.add_column("Rating", key="rating", width=rating)
        table.add_column("Auto", key="auto", width=auto)
        table.add_column("Points", key="points", width=points)
        table.add_column("Objective", key="objective", width=objective)
        table.add_column("Capability", key="capability", width=capability)
        if self.card is None:
            return
        for item in self.card.objectives:
            # Marked whenever an evaluator set it, even to the rating the scoring gave.
            overridden = item.override_seq is not None
            table.add_row(
                _rating(item.rating, short=True, mark="*" if overridden else ""),
                _rating(item.auto_rating, short=True),
                f"{item.points:g}/{item.max_points:g}",
                literal(one_line(item.text)),
                literal(one_line(item.capability)),
                key=item.id,
                # Rows as tall as their wrapped texts: the end of an objective is as telling as its start.
                height=None,
            )

    def _headline(self) -> Text:
        card = self.card
        if card is None:
            return Text("Scoring is not available in this build.", style="bold red")
        text = Text("Overall: ", style="bold")
        text.append_text(_rating(card.overall_rating))
        text.append(f"   {card.points:g} of {card.max_points:g} points ({card.overall:.0%})")
        if card.end_reason:
            # Reasons read as sentences ("ended by the facilitator", "scenario time is up").
            text.append("   ")
            text.append_text(literal(card.end_reason, "dim"))
        return text

    def _findings(self) -> Text:
        card = self.card
        if card is None:
            return Text("")
        text = Text()
        # Only what was judged and fell short: expectations that never came up, or whose window was
        # still open when the log stopped, are not misses.
        missed = [e for o in card.objectives for e in o.expectations if e.status in ("missed", "partial")]
        text.append("Missed expectations\n", style="bold underline")
        if not missed:
            text.append("None.\n", style="dim")
        for exp in missed:
            if exp.status == "partial":
                text.append("◐ ", style="bold yellow")
            else:
                text.append("✘ ", style="bold red")
            text.append_text(literal(exp.description or exp.id, "bold"))
            text.append(" — ")
            text.append_text(literal(exp.reason))
            # Something not done has nothing in the log to point at: no "(events none)".
            if exp.evidence:
                text.append(f"  (events {', '.join(map(str, exp.evidence[:5]))})", style="dim")
            text.append("\n")
        for heading, items, mark, style in (
            ("Top strengths", card.strengths, "✔ ", "bold green"),
            ("Areas for improvement", card.improvements, "▲ ", "bold yellow"),
        ):
            text.append(f"\n{heading}\n", style="bold underline")
            if not items:
                text.append("None recorded.\n", style="dim")
            for finding in items[:5]:
                text.append(mark, style=style)
                text.append_text(literal(finding.text))
                if finding.capability:
                    text.append("  ")
                    text.append_text(literal(finding.capability, "dim"))
                text.append("\n")
        self._evaluator_ratings(text)
        return text

    def _evaluator_ratings(self, text: Text) -> None:
        rated = [o for o in self.card.objectives if o.override_seq is not None] if self.card is not None else []
        if not rated:
            return
        text.append("\nRatings set by an evaluator\n", style="bold underline")
        for item in rated:
            text.append_text(_rating(item.rating, short=True, mark="*"))
            text.append(" (scored ")
            text.append_text(_rating(item.auto_rating, short=True))
            text.append(") ")
            text.append_text(literal(one_line(item.text, 60), "bold"))
            text.append(" — ")
            text.append_text(literal(one_line(item.override_reason or "")))
            text.append("\n")

    def _log_line(self) -> Text:
        log = self.session.log_path
        return literal(f"Log: {log}" if log is not None else "No log file (not recorded)", "dim")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("export-"):
            self.action_export(event.button.id.removeprefix("export-"))

    def action_export(self, fmt: str) -> None:
        log = self.session.log_path
        if log is None:
            self.notify("This session has no log file to report on.", severity="error")
            return
        self._export(log, fmt)

    @work(thread=True, exclusive=True, group="export")
    def _export(self, log: Path, fmt: str) -> None:
        out = log.with_suffix(f".aar.{fmt}")
        try:
            written = export(log, fmt, out)
        except (LogError, ScenarioError, OSError) as exc:
            reason = one_line(str(exc), 200)
            self.app.call_from_thread(self.notify, f"The {fmt} report failed: {reason}", severity="error", markup=False)
            return
        self.app.call_from_thread(self._exported, written)

    def _exported(self, path: Path) -> None:
        self.written.append(path)
        self.notify(f"AAR written to {path}", title="Exported", timeout=8, markup=False)
        line = self._log_line()
        line.append("   AAR: ", style="bold")
        line.append_text(literal(str(path), "bold green"))
        self.query_one("#log-line", Static).update(line)

    def action_back(self) -> None:
        self.app.pop_screen()

    # ----------------------------------------------------------------- evaluator input

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_override()

    def action_override(self) -> None:
        """Set the highlighted objective's rating, with a reason, through the app (it is logged)."""
        card = self.card
        table = self.query_one("#objectives", DataTable)
        if card is None or not card.objectives or not table.row_count:
            self.notify("There is no objective to rate.", severity="warning")
            return
        row = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        item = next((o for o in card.objectives if o.id == row), None)
        if item is None:
            return

        def send(command: OverrideRating | None) -> None:
            if command is not None and self.app.submit(FACILITATOR, command):  # type: ignore[attr-defined]
                self.rescore()
                self.notify(f"Rating set: {command.rating} · {RATING_WORDS[command.rating]}.", title="Recorded")

        points = f"{item.points:g} of {item.max_points:g}"
        self.app.push_screen(OverrideDialog(item.id, item.text, item.auto_rating, item.rating, points), send)

    def action_observe(self) -> None:
        def record(command: Observe | None) -> None:
            if command is not None and self.app.submit(FACILITATOR, command):  # type: ignore[attr-defined]
                self.rescore()
                self.notify("Observation recorded.")

        self.app.push_screen(ObserveDialog(self.session.scenario), record)


def _rating(rating: str | None, short: bool = False, mark: str = "") -> Text:
    if rating is None:
        # Nothing applicable was judged: the exercise never reached this objective.
        return Text("—" if short else "— · not exercised", style="dim")
    if short:
        return Text(f"{rating}{mark}", style=RATING_STYLE.get(rating, ""))
    return Text(f"{rating} · {RATING_WORDS.get(rating, '')}", style=RATING_STYLE.get(rating, ""))


def _rating_key() -> Text:
    """What the letters mean, under the table (two lines at 80 columns)."""
    short = {"P": "without challenges", "S": "some challenges", "M": "major challenges", "U": "unable to perform"}
    text = Text()
    for n, (letter, words) in enumerate(short.items()):
        if n:
            text.append(" · ", style="dim")
        text.append(letter, style=RATING_STYLE[letter])
        text.append(f" {words}", style="dim")
    text.append(" · — not exercised · * set by an evaluator (Auto: as scored)", style="dim")
    return text
