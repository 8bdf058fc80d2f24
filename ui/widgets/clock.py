"""The clock bar: state, scenario time, in-world time and pace, for whoever is looking."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from simulator.session import Session
from ui.text import clock, in_world, literal, pace_label

STATUS_STYLE = {"ready": "bold black on yellow", "running": "bold black on green", "paused": "bold white on red"}


class ClockBar(Static):
    """One line: who you are, the exercise state, the clocks and the pace."""

    DEFAULT_CSS = """
    ClockBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, session: Session, who: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.who = who

    def on_mount(self) -> None:
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Redraw from the session's clock."""
        session = self.session
        t = session.scenario_time()
        status = session.status
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f" {status.upper()} ", style=STATUS_STYLE.get(status, "bold reverse"))
        line.append("  ")
        line.append(clock(t), style="bold")
        world = in_world(session.scenario.start, t)
        if world:
            line.append(f"  {world}", style="italic")
        line.append(f"  pace {pace_label(session.pace)}", style="dim")
        line.append("  │ ")
        line.append_text(literal(self.who, "bold"))
        self.update(line)
