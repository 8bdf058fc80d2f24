"""The world state board: each variable a viewer may see, its value and its trend."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Sparkline, Static

from simulator.events import EventBase, StateChanged
from simulator.schema import Scenario
from ui.text import number, one_line

HISTORY = 60


class StateRow(Horizontal):
    """Label and value, then a sparkline of the recent values."""

    DEFAULT_CSS = """
    StateRow { height: auto; }
    StateRow > .label { width: 1fr; height: auto; }
    StateRow > Sparkline { width: 10; height: 1; }
    """

    def __init__(self, scenario: Scenario, var: str, value: float) -> None:
        super().__init__(id=f"state-{var}")
        self.scenario = scenario
        self.var = var
        self.history = [value]

    def compose(self) -> ComposeResult:
        yield Static(self._label(), classes="label")
        # A copy: the widget keeps what it is given, and a list changed in place compares equal to itself.
        yield Sparkline(list(self.history), summary_function=max)

    def _label(self) -> Text:
        spec = self.scenario.state[self.var]
        value = self.history[-1]
        # Long labels wrap onto a second line rather than losing their end.
        text = Text()
        text.append(f"{number(value):>9}", style="bold")
        text.append(f" {one_line(spec.unit, 6):<4} ")
        if len(self.history) > 1:
            change = value - self.history[-2]
            # Neutral: the scenario does not say whether up is good or bad.
            text.append("▲ " if change > 0 else "▼ " if change < 0 else "  ", style="bold")
        else:
            text.append("  ")
        text.append(one_line(spec.label, 60))
        return text

    def push(self, value: float) -> None:
        """Record a new value and redraw."""
        self.history.append(value)
        del self.history[:-HISTORY]
        self.query_one(".label", Static).update(self._label())
        self.query_one(Sparkline).data = list(self.history)


class StateBoard(VerticalScroll):
    """Rows for the variables in `initial`, updated from state-change events."""

    DEFAULT_CSS = """
    StateBoard { border: round $primary-darken-2; height: auto; max-height: 100%; }
    """

    def __init__(self, scenario: Scenario, initial: dict[str, float], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.initial = initial
        self.rows: dict[str, StateRow] = {}

    def compose(self) -> ComposeResult:
        if not self.initial:
            yield Static(Text("No world state is visible to this role.", style="dim italic"))
        for var, value in self.initial.items():
            row = StateRow(self.scenario, var, value)
            self.rows[var] = row
            yield row

    def on_mount(self) -> None:
        self.border_title = "World state"

    def add_events(self, events: list[EventBase]) -> None:
        """Apply the state changes among `events`."""
        for event in events:
            if isinstance(event, StateChanged) and event.var in self.rows:
                self.rows[event.var].push(event.value)
