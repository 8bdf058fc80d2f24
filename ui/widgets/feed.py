"""The live feed: every event the viewer may see, one literal line each, filterable by role or team;
enter opens the highlighted event whole."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from simulator.events import EventBase, StateChanged
from simulator.schema import Scenario
from simulator.visibility import can_see
from ui.describe import feed_line
from ui.text import literal, who


class Feed(ScrollView, can_focus=True):
    """A virtual list: only the lines on screen are described and rendered, so thousands of events
    cost next to nothing to open or to add to. One event, one line, cut at the widget's width; the
    highlighted one (when the feed has focus) opens whole with enter.
    """

    DEFAULT_CSS = """
    Feed { border: round $primary-darken-2; border-title-color: $text; background: $surface; overflow-x: hidden; }
    Feed > .feed--cursor { background: $block-cursor-blurred-background; }
    Feed:focus > .feed--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    """

    COMPONENT_CLASSES = {"feed--cursor"}

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "ends(-1)", "Top", show=False),
        Binding("end", "ends(1)", "Bottom", show=False),
        # Not in the footer (full at 80 columns): the border says it while the feed has focus.
        Binding("enter", "open", "Open", show=False, tooltip="See the highlighted event whole"),
    ]

    class Opened(Message):
        """The reader asked to see an event whole."""

        def __init__(self, event: EventBase) -> None:
            super().__init__()
            self.event = event

    EMPTY = {
        "Feed": "Nothing yet: injects, decisions, messages and state changes appear here as they happen.",
        "My actions": "Nothing yet: what you decide, send and answer is listed here.",
    }
    """What an empty list says, by its title: a blank box reads as broken."""
    FILTERED = "Nothing here passes the filter (f changes it)."

    def __init__(self, scenario: Scenario, title: str = "Feed", empty: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.scenario = scenario
        self.title = title
        self.empty = empty if empty is not None else self.EMPTY.get(title, "Nothing yet.")
        """The line shown while nothing is listed (and nothing is hidden by a filter)."""
        """The border's title (the feed of everything, or a role's own actions)."""
        self.events: list[EventBase] = []
        """Every event, whatever the filter."""
        self.shown: list[int] = []
        """Indexes into `events` of those that pass the filter, in order."""
        self.filter: str = "all"
        self.hide_dynamics = False
        """Leave out the world's own drift (state changes caused by dynamics), which can drown the rest."""
        self.auto_scroll = True
        self.cursor = -1
        """Row (into `shown`) of the highlighted line; -1 follows the newest."""
        self.hint = ""
        """What the border's foot says besides the feed's own keys (set by the screen)."""
        self._roles: set[str] = set()
        self._lines: LRUCache[int, Text] = LRUCache(4096)
        self._strips: LRUCache[int, Strip] = LRUCache(1024)
        self._strips_width = 0
        """The width the cached strips were cut to (each line ends with an ellipsis where it is cut)."""
        self._focused = False
        """Whether the feed has focus, as the last Focus or Blur said."""

    def on_mount(self) -> None:
        self.border_title = self.title

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
        title = self.title if self.filter == "all" else f"{self.title} — {who(self.scenario, self.filter, 40)}"
        # Literal: a border title that is a string is read as markup, and team names are author text.
        self.border_title = literal(f"{title} (no dynamics)" if self.hide_dynamics else title)
        self.shown = []
        self._foot()
        self.cursor = -1
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
        was_empty = not self.shown
        self.shown.extend(indexes)
        if was_empty != (not self.shown):
            self._foot()  # the keys hint is for a list with lines in it
        self.virtual_size = Size(0, len(self.shown))
        if indexes and follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    # ----------------------------------------------------------------- cursor

    @property
    def highlighted(self) -> int:
        """Row of the highlighted line (the newest while following)."""
        return len(self.shown) - 1 if self.cursor < 0 else min(self.cursor, len(self.shown) - 1)

    def highlighted_event(self) -> EventBase | None:
        """The event of the highlighted line."""
        row = self.highlighted
        return self.events[self.shown[row]] if row >= 0 else None

    def move_cursor(self, row: int) -> None:
        """Highlight a row and keep it in view; the last row means follow the newest again."""
        if not self.shown:
            return
        row = max(0, min(row, len(self.shown) - 1))
        self.cursor = -1 if row == len(self.shown) - 1 else row
        self.auto_scroll = self.cursor < 0
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.highlighted + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.highlighted + step * max(1, self.scrollable_content_region.height - 1))

    def action_ends(self, step: int) -> None:
        self.move_cursor(0 if step < 0 else len(self.shown) - 1)

    def action_open(self) -> None:
        event = self.highlighted_event()
        if event is not None:
            self.post_message(self.Opened(event))

    def on_click(self, event: events.Click) -> None:
        # A click highlights the line under the pointer; a second click on it opens it.
        row = self.scroll_offset.y + event.y
        if 0 <= row < len(self.shown):
            if row == self.highlighted and self.has_focus:
                self.action_open()
            self.move_cursor(row)

    def set_hint(self, hint: str) -> None:
        self.hint = hint
        self._foot()

    def _foot(self) -> None:
        keys = "↑↓ enter: see an event whole" if self._focused and self.shown else ""
        self.border_subtitle = " · ".join(part for part in (keys, self.hint) if part)

    def on_focus(self) -> None:
        # This handler runs before Widget's own, which is the one that sets `has_focus`: read then, it
        # still says the opposite (the hint showed only once focus had left).
        self._focused = True
        self._foot()
        self.refresh()

    def on_blur(self) -> None:
        self._focused = False
        self._foot()
        self.refresh()

    def _cut(self, row: int, width: int) -> Text:
        # A line longer than the feed ends with an ellipsis, so a reader knows enter shows the rest.
        line = self.line(self.shown[row])
        if line.cell_len <= width:
            return line
        cut = line.copy()
        cut.truncate(width, overflow="ellipsis")
        return cut

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        style = self.rich_style
        if row >= len(self.shown):
            if row == 0:
                note = self.FILTERED if self.events else self.empty
                line = Text(note, style="dim", no_wrap=True, overflow="ellipsis")
                line.truncate(width, overflow="ellipsis")
                return (
                    Strip(line.render(self.app.console), line.cell_len).apply_style(style).crop_extend(0, width, style)
                )
            return Strip.blank(width, style)
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        if row == self.highlighted and self.has_focus:
            # The cursor line is drawn fresh (it moves); every other line comes from the cache.
            line = self._cut(row, width)
            cursor = self.get_component_rich_style("feed--cursor")
            return (
                Strip(line.render(self.app.console), line.cell_len)
                .apply_style(style + cursor)
                .crop_extend(0, width, style + cursor)
            )
        strip = self._strips.get(row)
        if strip is None:
            line = self._cut(row, width)
            strip = Strip(line.render(self.app.console), line.cell_len).apply_style(style)
            self._strips[row] = strip
        return strip.crop_extend(0, width, style)

    def notify_style_update(self) -> None:
        # A theme change restyles the background every cached line was drawn over.
        super().notify_style_update()
        self._strips.clear()
