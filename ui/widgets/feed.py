"""The live feed: every event the viewer may see, one literal line each, filterable by role or team."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from simulator.events import EventBase, StateChanged
from simulator.schema import Scenario
from simulator.visibility import can_see
from ui.describe import feed_line


class Feed(ScrollView, can_focus=True):
    """A virtual list: only the lines on screen are described and rendered, so thousands of events
    cost next to nothing to open or to add to. One event, one line, cut at the widget's width.
    """

    DEFAULT_CSS = """
    Feed { border: round $primary-darken-2; border-title-color: $text; background: $surface; overflow-x: hidden; }
    """

    BINDINGS = [
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, scenario: Scenario, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.events: list[EventBase] = []
        """Every event, whatever the filter."""
        self.shown: list[int] = []
        """Indexes into `events` of those that pass the filter, in order."""
        self.filter: str = "all"
        self.hide_dynamics = False
        """Leave out the world's own drift (state changes caused by dynamics), which can drown the rest."""
        self.auto_scroll = True
        self._roles: set[str] = set()
        self._lines: LRUCache[int, Text] = LRUCache(4096)
        self._strips: LRUCache[int, Strip] = LRUCache(1024)

    def on_mount(self) -> None:
        self.border_title = "Feed"

    def add_events(self, events: list[EventBase]) -> None:
        """Append events; only those passing the filter are shown."""
        first = len(self.events)
        self.events.extend(events)
        self._show([first + n for n, event in enumerate(events) if self._passes(event)])

    def set_filter(self, who: str) -> None:
        """Show everything ("all") or only what a role, or any role of a team, saw or did."""
        self.filter = who
        if who == "all":
            self._roles = set()
        else:
            self._roles = {r.id for r in self.scenario.roles if who in (r.id, r.team)}
        self._rebuild()

    def toggle_dynamics(self) -> bool:
        """Hide or show state changes from the world's dynamics; returns whether they are now hidden."""
        self.hide_dynamics = not self.hide_dynamics
        self._rebuild()
        return self.hide_dynamics

    def _rebuild(self) -> None:
        title = "Feed" if self.filter == "all" else f"Feed — {self.filter}"
        self.border_title = f"{title} (no dynamics)" if self.hide_dynamics else title
        self.shown = []
        self._strips.clear()
        self.scroll_to(0, 0, animate=False)
        self._show([n for n, event in enumerate(self.events) if self._passes(event)])

    def line(self, index: int) -> Text:
        """The line of `events[index]`, described on first use."""
        text = self._lines.get(index)
        if text is None:
            text = feed_line(self.events[index], self.scenario)
            self._lines[index] = text
        return text

    def shown_lines(self) -> list[Text]:
        """Every line that passes the filter (describes them all: for tests and exports, not drawing)."""
        return [self.line(index) for index in self.shown]

    def _passes(self, event: EventBase) -> bool:
        if self.hide_dynamics and isinstance(event, StateChanged) and event.cause.startswith("dynamic:"):
            return False
        if self.filter == "all":
            return True
        return any(can_see(self.scenario, role, event) for role in self._roles)

    def _show(self, indexes: list[int]) -> None:
        follow = self.auto_scroll and (self.is_vertical_scroll_end or not self.shown)
        self.shown.extend(indexes)
        self.virtual_size = Size(0, len(self.shown))
        if indexes and follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        style = self.rich_style
        if row >= len(self.shown):
            return Strip.blank(width, style)
        strip = self._strips.get(row)
        if strip is None:
            line = self.line(self.shown[row])
            strip = Strip(line.render(self.app.console), line.cell_len).apply_style(style)
            self._strips[row] = strip
        return strip.crop_extend(0, width, style)

    def notify_style_update(self) -> None:
        # A theme change restyles the background every cached line was drawn over.
        super().notify_style_update()
        self._strips.clear()
