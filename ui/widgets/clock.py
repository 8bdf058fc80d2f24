"""The clock bar (state, scenario time, in-world time and pace) and the consoles' footer."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Footer, Static

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


class ConsoleFooter(Footer):
    """A compact footer; the command palette key only where there is room for it (ctrl+p works anyway)."""

    DEFAULT_CSS = """
    ConsoleFooter.-compact FooterLabel { margin-right: 1; }
    """

    WIDE = 110

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)

    def on_resize(self, event: events.Resize) -> None:
        self.show_command_palette = event.size.width >= self.WIDE
