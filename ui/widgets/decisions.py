"""Exercise control's view of decisions and messages: a one-line strip of open decisions with their
countdowns (always on screen, whatever the size), the full list beside the world state, and the
latest messages between roles."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from simulator.engine import DecisionRecord
from simulator.events import EventBase, MessageSent
from simulator.session import Session
from simulator.visibility import FACILITATOR
from ui.text import clock, countdown, literal, names, one_line, option_label, short, who

URGENT = 120
"""Seconds left under which a countdown turns red."""
CLOSED_SHOWN = 3
"""Decisions made or lapsed most recently, listed under the open ones."""
MESSAGES_SHOWN = 20


def still_open(session: Session, record: DecisionRecord) -> bool:
    """Whether a decision can still be taken. The log leaves a decision nobody took "open" when the
    exercise ends; it closed with the clock, and no countdown or "press d" should say otherwise."""
    return record.status == "open" and not session.ended


def open_decisions(session: Session, viewer: str = FACILITATOR) -> list[DecisionRecord]:
    """Open decisions `viewer` may take (every one for exercise control), the soonest deadline first
    (those without one last); none once the exercise has ended."""
    records = [r for r in session.decisions_for(viewer) if still_open(session, r)]
    return sorted(records, key=lambda r: (r.deadline is None, r.deadline or 0.0, r.opened_at))


def _left(record: DecisionRecord, now: float) -> tuple[str, str]:
    if record.deadline is None:
        return "open", "bold yellow"
    left = record.deadline - now
    return countdown(left), "bold red" if left < URGENT else "bold yellow"


def prompt_of(session: Session, decision: str) -> str:
    try:
        return session.scenario.decision(decision)[1].prompt
    except KeyError:
        return decision


class PendingStrip(Static):
    """One line: every open decision's countdown and who decides, soonest first; then what closed.

    On a participant's console (`viewer` a role) only the decisions that role may take, and no names
    unless others share the decision: the countdown stays in view whatever tab or item is open.
    """

    DEFAULT_CSS = """
    PendingStrip { height: 1; padding: 0 1; background: $boost; }
    """

    def __init__(self, session: Session, viewer: str = FACILITATOR, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.viewer = viewer
        self._drawn: Text | None = None

    def on_mount(self) -> None:
        self.refresh_strip()

    def refresh_strip(self) -> None:
        """Redraw from the session (only when the line changed)."""
        session = self.session
        viewer = self.viewer
        now = session.scenario_time()
        pending = open_decisions(session, viewer)
        line = Text(no_wrap=True, overflow="ellipsis")
        if not pending:
            line.append("No decision open" if viewer == FACILITATOR else "No decision open for you", style="dim")
        else:
            line.append("⚑ ", style="bold yellow")
        for n, record in enumerate(pending):
            if n:
                line.append("  │  ", style="dim")
            left, style = _left(record, now)
            line.append(left, style=style)
            line.append(" ")
            # The status leads and the names are short: on a narrow screen the cut falls on the text.
            if viewer == FACILITATOR:
                line.append(names(session.scenario, record.by, 18))
                line.append(": ", style="dim")
            elif len(record.by) > 1:
                others = [r for r in record.by if r != viewer]
                line.append(f"(with {names(session.scenario, others, 18)}) ", style="dim")
            line.append(short(prompt_of(session, record.id), 40 if viewer == FACILITATOR else 60), style="dim")
        records = session.decisions_for(viewer)
        made = sum(1 for r in records if r.status == "made")
        lapsed = sum(1 for r in records if r.status == "timed_out")
        cut = sum(1 for r in records if r.status == "open") if session.ended else 0
        if made or lapsed or cut:
            line.append("   ")
            line.append(f"✔ {made} made", style="green")
            if lapsed:
                line.append(f" ✘ {lapsed} lapsed", style="bold red")
            if cut:
                line.append(f" ■ {cut} left open at the end", style="dim")
        if line != self._drawn:
            self._drawn = line
            self.update(line)


class DecisionList(Static):
    """Open decisions in full (who, countdown, the question), then the latest made or lapsed."""

    DEFAULT_CSS = """
    DecisionList { height: auto; border: round $primary-darken-2; border-title-color: $text; padding: 0 1; }
    """

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self._drawn: Text | None = None

    def on_mount(self) -> None:
        self.border_title = "Decisions"
        self.refresh_list()

    def refresh_list(self) -> None:
        session = self.session
        scenario = session.scenario
        now = session.scenario_time()
        pending = open_decisions(session)
        text = Text()
        if not pending:
            text.append(
                "No decision open: the exercise has ended.\n" if session.ended else "No decision open.\n", style="dim"
            )
        for record in pending:
            left, style = _left(record, now)
            text.append(f"⚑ {left:>5} ", style=style)
            text.append_text(literal(names(scenario, record.by), "bold"))
            text.append("\n        ")
            text.append_text(literal(one_line(prompt_of(session, record.id))))
            text.append("\n")
        if session.ended:
            # Taken by nobody before the end: listed first, as what the debrief will ask about.
            for record in (r for r in session.decisions_for(FACILITATOR) if r.status == "open"):
                text.append("■ LEFT OPEN ", style="bold")
                text.append_text(literal(short(prompt_of(session, record.id), 60), "dim"))
                text.append("\n")
        closed = sorted(
            (r for r in session.decisions_for(FACILITATOR) if r.status != "open"),
            key=lambda r: r.decided_at if r.decided_at is not None else (r.deadline or 0.0),
        )[-CLOSED_SHOWN:]
        for record in reversed(closed):
            if record.status == "made":
                label = option_label(scenario, record.id, record.option or "")
                text.append("✔ ", style="green")
                text.append_text(literal(f"{who(scenario, record.role or '', 24)}: {short(label, 60)}", "green"))
            else:
                text.append("✘ LAPSED ", style="bold red")
                text.append_text(literal(short(prompt_of(session, record.id), 60), "dim"))
            text.append("\n")
        text.rstrip()
        if text != self._drawn:
            self._drawn = text
            self.update(text)


class MessageLog(Static):
    """The latest messages between roles, newest first, names whole and text wrapped."""

    DEFAULT_CSS = """
    MessageLog { height: auto; padding: 0 1; }
    """

    def __init__(self, session: Session, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.messages: list[MessageSent] = []

    def on_mount(self) -> None:
        self._draw()

    def add_events(self, events: list[EventBase]) -> None:
        fresh = [e for e in events if isinstance(e, MessageSent)]
        if fresh:
            self.messages = (self.messages + fresh)[-MESSAGES_SHOWN:]
            self._draw()

    def _draw(self) -> None:
        scenario = self.session.scenario
        text = Text()
        if not self.messages:
            text.append("No messages between roles yet.", style="dim")
        for event in reversed(self.messages):
            text.append(f"{clock(event.t)} ", style="dim")
            text.append_text(literal(who(scenario, event.actor, 30), "bold magenta"))
            text.append(" → ", style="dim")
            text.append_text(literal(names(scenario, event.to, 30), "bold"))
            text.append("\n")
            if event.subject:
                text.append_text(literal(f"[{one_line(event.subject, 60)}] ", "italic"))
            text.append_text(literal(one_line(event.text, 240)))
            text.append("\n")
        text.rstrip()
        self.update(text)
