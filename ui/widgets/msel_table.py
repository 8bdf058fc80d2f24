"""The MSEL as a live table: every inject with its status, and each decision's countdown."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from simulator.events import EventBase, InjectDelivered
from simulator.msel import msel_rows
from simulator.schema import Scenario
from simulator.session import Session
from simulator.visibility import FACILITATOR
from ui.describe import CONTINGENCY_MARK, CONTINGENCY_STYLE
from ui.text import clock, countdown, names, one_line, option_label, short, who

STATUS_STYLE = {
    "delivered": "green",
    "upcoming": "",
    "conditional": "dim",
    "cancelled": "dim strike",
    "adhoc": "cyan",
}
STATUS_MARK = {"delivered": "✔", "upcoming": " ", "conditional": "?", "cancelled": "✘", "adhoc": "+"}
DECISION_STYLE = {"open": "bold yellow", "made": "green", "timed_out": "bold red"}
ADHOC_ROWS = 100
"""Ad hoc injects kept as rows (the newest); the feed holds them all. Sizing thousands of rows costs seconds."""
STATUS_FROM = 130
"""Content width from which the status gets a column of its own (below it, only its mark before the time)."""


def triggers(scenario: Scenario) -> dict[str, str]:
    """Inject id → what brings it, in the words of the printed MSEL, for every inject without a time.

    `msel_rows` words conditions and schedules ("when: oil_m3 above 10", "scheduled by option wait of
    decision containment (+2m)"); its rows come timed injects first, by time (the scenario's
    `timed_injects` order), then the rest in file order, which is how they are matched to injects here.
    """
    order = list(scenario.timed_injects) + [i for i in scenario.injects if i.at is None]
    rows = msel_rows(scenario)
    if len(rows) != len(order):
        return {}
    return {inject.id: one_line(row.time) for inject, row in zip(order, rows, strict=True) if inject.at is None}


def widths(width: int) -> dict[str, int]:
    """Column widths for a table `width` cells wide: the status and decision columns keep their
    room and the texts (inject title, recipients) take what is left, so nothing is cut off the edge."""
    status = width >= STATUS_FROM
    fixed = {"due": 12} | ({"status": 11} if status else {})
    decision = max(14, min(30, width * 22 // 100))
    to = max(10, min(28, width * 18 // 100))
    padding = 2 * (len(fixed) + 3)
    title = max(12, width - sum(fixed.values()) - decision - to - padding)
    return fixed | {"title": title, "to": to, "decision": decision}


class MselTable(DataTable):
    """Rows keyed by inject id; cells updated in place as the exercise moves; columns fit the width.

    An inject without a time has a second line saying what brings it; enter posts `MselTable.Opened`.
    """

    DEFAULT_CSS = """
    MselTable { border: round $primary-darken-2; }
    """

    class Opened(Message):
        """The reader asked to see a row's inject whole (`event` is set for an ad hoc one)."""

        def __init__(self, inject: str, event: InjectDelivered | None) -> None:
            super().__init__()
            self.inject = inject
            self.event = event

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.session = session
        self.adhoc: list[str] = []
        """Ad hoc inject ids shown as rows, oldest first."""
        self.adhoc_events: dict[str, InjectDelivered] = {}
        self.adhoc_total = 0
        self._cells: dict[tuple[str, str], Text] = {}
        self._resort = False
        self._layout: dict[str, int] = {}
        self.triggers = triggers(session.scenario)
        """What brings each inject that has no time, in words (its row's second line)."""
        self._hidden_adhoc = ""

    def on_mount(self) -> None:
        self.border_title = "MSEL"
        self._subtitle()
        self._build(widths(max(40, self.size.width or 100)))

    def _subtitle(self) -> None:
        # The legend of the contingency mark, only where the scenario has contingency injects.
        legend = ""
        if any(i.category == "contingency" for i in self.session.scenario.injects):
            legend = f"{CONTINGENCY_MARK} contingency"
        self.border_subtitle = " · ".join(part for part in (self._hidden_adhoc, legend) if part)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        inject = str(event.row_key.value)
        self.post_message(self.Opened(inject, self.adhoc_events.get(inject)))

    def on_resize(self, event: events.Resize) -> None:
        # The content width less a vertical scrollbar's (it comes and goes with the rows).
        layout = widths(self.size.width - 2)
        if layout != self._layout:
            self._build(layout)

    def _build(self, layout: dict[str, int]) -> None:
        # Rebuilt when the width changes: a few dozen rows, and a column's width is set when it is added.
        self._layout = layout
        keep = self.cursor_row
        self.clear(columns=True)
        self._cells.clear()
        labels = {"due": "Due", "status": "Status", "title": "Inject", "to": "To", "decision": "Decision"}
        for key in ("due", "status", "title", "to", "decision"):
            if key in layout:
                self.add_column(labels[key], key=key, width=layout[key])
        blank = [""] * len(layout)
        for row in self.session.msel():
            self.add_row(*blank, key=row.inject, height=2 if row.inject in self.triggers else 1)
        for inject in self.adhoc:
            self.add_row(*blank, key=inject)
        self._resort = True
        self.refresh_rows()
        if 0 < keep < self.row_count:
            self.move_cursor(row=keep, animate=False)

    def add_events(self, events: list[EventBase]) -> None:
        """Add ad hoc injects as rows (the newest ADHOC_ROWS); everything else is redrawn by `refresh_rows`."""
        adhoc = [e for e in events if isinstance(e, InjectDelivered) and e.adhoc and e.inject not in self.adhoc_events]
        self.adhoc_total += len(adhoc)
        blank = [""] * len(self._layout)
        for event in adhoc[-ADHOC_ROWS:]:
            self.adhoc_events[event.inject] = event
            self.add_row(*blank, key=event.inject)
            self.adhoc.append(event.inject)
        while len(self.adhoc) > ADHOC_ROWS:
            gone = self.adhoc.pop(0)
            self.adhoc_events.pop(gone, None)
            self.remove_row(gone)
            for column in self._layout:
                self._cells.pop((gone, column), None)
        if adhoc:
            hidden = self.adhoc_total - len(self.adhoc)
            self._hidden_adhoc = f"{hidden:,} earlier ad hoc injects: see the feed" if hidden else ""
            self._subtitle()
            self._resort = True
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Redraw status, due time and decision countdowns from the session (only the cells that changed)."""
        if not self._layout:
            return
        session = self.session
        now = session.scenario_time()
        decisions = {r.id: r for r in session.decisions_for(FACILITATOR)}
        to_width = self._layout["to"]
        for row in session.msel():
            style = STATUS_STYLE.get(row.status, "")
            title = Text(no_wrap=True, overflow="ellipsis")
            # The marks lead: at the end of a long title they would be the part cut off.
            if row.category == "contingency":
                title.append(f"{CONTINGENCY_MARK} ", style=CONTINGENCY_STYLE)
            if row.priority in ("high", "flash"):
                title.append(f"!{row.priority} ", style="bold red")
            title.append(one_line(row.title, 200), style=style)
            trigger = self.triggers.get(row.inject)
            if trigger is not None:
                title.append(f"\n↳ {trigger}", style="dim italic")
            due = Text(clock(row.at) if row.at is not None else "when …", style="dim" if row.at is None else "")
            self._status(row.inject, row.status, due)
            self._set(row.inject, "title", title)
            recipients = Text(self._names(row.to, to_width), style=style, no_wrap=True, overflow="ellipsis")
            self._set(row.inject, "to", recipients)
            self._set(row.inject, "decision", self._decision_cell(row.decision, decisions, now))
        for inject in self.adhoc:
            event = self.adhoc_events[inject]
            self._status(inject, "adhoc", Text(clock(event.t), style="dim"))
            self._set(inject, "title", Text(one_line(event.title, 200), no_wrap=True, overflow="ellipsis"))
            self._set(inject, "to", Text(self._names(event.to, to_width), no_wrap=True, overflow="ellipsis"))
            self._set(inject, "decision", Text(""))
        if self._resort:
            self._resort = False
            # By due time ("T+HH:MM:SS" sorts as text, after the status mark); conditional rows after.
            self.sort("due", key=lambda due: (str(due)[2:].startswith("when"), str(due)[2:]))

    def _status(self, inject: str, status: str, due: Text) -> None:
        style = STATUS_STYLE.get(status, "")
        label = "ad hoc" if status == "adhoc" else status
        cell = Text(f"{STATUS_MARK.get(status, ' ')} ", style=f"bold {style}".strip())
        cell.append_text(due)
        self._set(inject, "due", cell)
        if "status" in self._layout:
            self._set(inject, "status", Text(label, style=style))

    def _set(self, row: str, column: str, value: Text) -> None:
        # Every clock tick redraws the table; a cell that did not change costs no re-render.
        if self._cells.get((row, column)) != value:
            if column == "due" and (row, column) in self._cells:
                self._resort = True
            self._cells[row, column] = value
            self.update_cell(row, column, value)

    def _names(self, roles: list[str], width: int) -> str:
        """Recipients by role name, cut to fit: whole names where they fit, else the first and how many more."""
        scenario = self.session.scenario
        full = names(scenario, roles)
        if len(full) <= width or len(roles) <= 1:
            return full
        more = f" +{len(roles) - 1}"
        return short(who(scenario, roles[0]), max(4, width - len(more))) + more

    def _decision_cell(self, decision: str | None, decisions: dict, now: float) -> Text:
        # The status comes first (the countdown, LAPSED, the choice), so a narrow column cuts only text.
        cell = Text(no_wrap=True, overflow="ellipsis")
        if decision is None:
            return cell
        record = decisions.get(decision)
        if record is None:
            cell.append("not yet open", style="dim")
            return cell
        style = DECISION_STYLE.get(record.status, "")
        if record.status == "open" and self.session.ended:
            # Nobody took it before the end: no countdown runs on a stopped clock.
            cell.append("■ left open at end", style="dim")
        elif record.status == "open":
            if record.deadline is not None:
                cell.append(f"⚑ {countdown(record.deadline - now)} left", style=style)
            else:
                cell.append("⚑ open, no deadline", style=style)
        elif record.status == "made":
            label = one_line(option_label(self.session.scenario, decision, record.option or ""), 80)
            cell.append(f"✔ {label}", style=style)
        else:
            cell.append("✘ LAPSED", style=style)
        return cell
