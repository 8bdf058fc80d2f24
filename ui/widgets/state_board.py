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
UNIT_WIDTH = 10
"""Widest unit shown in full ("k accounts"); longer ones are cut so the values stay in one column."""


def trend(history: list[float]) -> list[float]:
    """What the sparkline draws: a single value is a flat series (Textual draws one value as a full bar)."""
    return list(history) if len(history) > 1 else list(history) * 2


class StateRow(Horizontal):
    """Value, unit and change in a fixed column; the label wraps in its own column; then the trend."""

    DEFAULT_CSS = """
    StateRow { height: auto; }
    StateRow > .value { height: 1; }
    StateRow > .label { width: 1fr; height: auto; }
    StateRow > Sparkline { width: 10; height: 1; margin-left: 1; }
    """

    def __init__(self, scenario: Scenario, var: str, value: float, unit_width: int) -> None:
        super().__init__(id=f"state-{var}")
        self.scenario = scenario
        self.var = var
        self.history = [value]
        self.unit_width = unit_width

    def compose(self) -> ComposeResult:
        value = Static(self._value(), classes="value")
        # Width: the value (9), a space, the unit column, a space and the change arrow.
        value.styles.width = 9 + 1 + self.unit_width + 3
        yield value
        yield Static(self._label(), classes="label")
        # A copy: the widget keeps what it is given, and a list changed in place compares equal to itself.
        yield Sparkline(trend(self.history), summary_function=max)

    def _value(self) -> Text:
        spec = self.scenario.state[self.var]
        value = self.history[-1]
        text = Text(no_wrap=True)
        text.append(f"{number(value):>9}", style="bold")
        text.append(f" {one_line(spec.unit, self.unit_width):<{self.unit_width}} ")
        if len(self.history) > 1:
            change = value - self.history[-2]
            # Neutral: the scenario does not say whether up is good or bad.
            text.append("▲ " if change > 0 else "▼ " if change < 0 else "  ", style="bold")
        else:
            text.append("  ")
        return text

    def _label(self) -> Text:
        # Long labels wrap under themselves, never under the numbers.
        return Text(one_line(self.scenario.state[self.var].label, 80))

    def push(self, value: float) -> None:
        """Record a new value and redraw."""
        self.history.append(value)
        del self.history[:-HISTORY]
        self.query_one(".value", Static).update(self._value())
        self.query_one(Sparkline).data = trend(self.history)


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
        units = [len(one_line(self.scenario.state[var].unit)) for var in self.initial]
        unit_width = min(UNIT_WIDTH, max(units, default=0))
        for var, value in self.initial.items():
            row = StateRow(self.scenario, var, value, unit_width)
            self.rows[var] = row
            yield row

    def on_mount(self) -> None:
        self.border_title = "World state"

    def add_events(self, events: list[EventBase]) -> None:
        """Apply the state changes among `events`."""
        for event in events:
            if isinstance(event, StateChanged) and event.var in self.rows:
                self.rows[event.var].push(event.value)
