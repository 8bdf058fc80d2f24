"""The live feed: every event the viewer may see, one literal line each, filterable by role or team."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from simulator.events import EventBase
from simulator.schema import Scenario
from simulator.visibility import can_see
from ui.describe import feed_line


class Feed(RichLog):
    """Appends lines in batches (one scroll per batch); a filter change rewrites the visible lines."""

    DEFAULT_CSS = """
    Feed { border: round $primary-darken-2; border-title-color: $text; }
    """

    def __init__(self, scenario: Scenario, **kwargs: object) -> None:
        super().__init__(wrap=False, markup=False, highlight=False, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.items: list[tuple[EventBase, Text]] = []
        self.filter: str = "all"
        self._roles: set[str] = set()

    def on_mount(self) -> None:
        self.border_title = "Feed"

    def add_events(self, events: list[EventBase]) -> None:
        """Append events; only those passing the filter are drawn."""
        fresh = [(event, feed_line(event, self.scenario)) for event in events]
        self.items.extend(fresh)
        self._write([line for event, line in fresh if self._passes(event)])

    def set_filter(self, who: str) -> None:
        """Show everything ("all") or only what a role, or any role of a team, saw or did."""
        self.filter = who
        if who == "all":
            self._roles = set()
        else:
            self._roles = {r.id for r in self.scenario.roles if who in (r.id, r.team)}
        self.border_title = "Feed" if who == "all" else f"Feed — {who}"
        self.clear()
        self._write([line for event, line in self.items if self._passes(event)])

    def _passes(self, event: EventBase) -> bool:
        if self.filter == "all":
            return True
        return any(can_see(self.scenario, role, event) for role in self._roles)

    def _write(self, lines: list[Text]) -> None:
        for line in lines:
            self.write(line, scroll_end=False)
        if lines and self.auto_scroll:
            self.scroll_end(animate=False, immediate=False)
