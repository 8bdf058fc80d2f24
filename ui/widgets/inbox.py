"""A role's inbox: injects and messages addressed to it, newest first, unread marked, filterable by channel."""

from __future__ import annotations

from dataclasses import dataclass, field

import textual
from rich.text import Text
from textual import events as textual_events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from simulator.events import EventBase, InjectDelivered, MessageSent
from simulator.schema import Scenario
from ui.text import clock, literal, one_line, short, who

TEXTUAL_VERSION = textual.__version__
FAST_RESTYLE_VERSIONS = {"8.2.8"}
"""Textual versions whose data-table caches `_restyle_row` was written against (constraints.txt pins one);
any other version takes the public, slower path."""

PRIORITY_STYLE = {"flash": "bold white on red", "high": "bold red", "normal": "", "low": "dim"}
CHANNEL_FROM = 90
"""Inbox width from which the channel has a column."""
PAGE = 200
"""Rows added at a time: the newest first, older ones when the cursor reaches the bottom. Sizing thousands
of table rows at once costs seconds."""


@dataclass
class InboxItem:
    """One thing that reached the role."""

    seq: int
    t: float
    channel: str
    priority: str
    sender: str
    title: str
    body: str
    decision: str | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    read: bool = False
    n: int = 0
    """This role's running number for the item (1 for the first that reached it)."""
    actor: str | None = None
    """The role that sent a message (None for an inject, whose sender is a name in the scenario)."""
    subject: str = ""
    """A message's subject as its sender gave it ("" for none; the title is then its text)."""

    @classmethod
    def from_event(cls, event: EventBase, role: str, scenario: Scenario | None = None) -> InboxItem | None:
        """The inbox item for an event, if it is one for `role` (a message's sender by name, given the scenario)."""
        if isinstance(event, InjectDelivered) and role in event.to:
            return cls(
                event.seq,
                event.t,
                event.channel,
                event.priority,
                event.sender,
                event.title,
                event.body,
                event.decision,
                list(event.attachments),
                list(event.to),
            )
        if isinstance(event, MessageSent) and role in event.to:
            title = event.subject or event.text
            sender = who(scenario, event.actor) if scenario is not None else event.actor
            return cls(
                event.seq,
                event.t,
                "message",
                "normal",
                sender,
                title,
                event.text,
                to=list(event.to),
                actor=event.actor,
                subject=event.subject,
            )
        return None


class Inbox(DataTable):
    """Rows keyed by event seq; the open item is posted as `Inbox.Opened`."""

    DEFAULT_CSS = """
    Inbox { border: round $primary-darken-2; }
    """

    class Opened(Message):
        """The highlighted item changed."""

        def __init__(self, item: InboxItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, role: str, scenario: Scenario | None = None, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.role = role
        self.scenario = scenario
        self.items: dict[int, InboxItem] = {}
        self.channel = "all"
        self.limit = PAGE
        """How many of the newest items are rows; grows a page at a time as the reader scrolls down."""
        self.from_width = 18
        self.show_channel = True
        """Narrow, the channel gives its column to the title (the item and the c filter still say it)."""
        self._width = 0

    def on_mount(self) -> None:
        self.border_title = "Inbox"
        self._columns(title=44)

    def _columns(self, title: int) -> None:
        # The title first: on a narrow screen whatever does not fit is cut off on the right.
        self.add_column(" ", key="new", width=1)
        self.add_column("Title", key="title", width=title)
        self.add_column("Time", key="time", width=10)
        if self.show_channel:
            self.add_column("Channel", key="channel", width=8)
        self.add_column("From", key="from", width=self.from_width)
        # This role's own running count: the log's event numbers mean nothing to a reader.
        self.add_column("#", key="n", width=4)

    def on_resize(self, event: textual_events.Resize) -> None:
        # Columns share the width: the title takes what the others leave, the sender gets room to be read.
        # The content width less a vertical scrollbar's (it comes and goes with the rows).
        width = self.size.width - 2
        if width == self._width or width <= 0:
            return
        self._width = width
        self.from_width = max(14, min(32, width * 25 // 100))
        self.show_channel = width >= CHANNEL_FROM
        fixed = 1 + 10 + self.from_width + 4 + 2 * 5 + (8 + 2 if self.show_channel else 0)
        title = max(12, width - fixed - 2)
        keep = self.current()
        self.clear(columns=True)
        self._columns(title=title)
        shown = sorted((item for item in self.items.values() if self._passes(item)), key=lambda item: item.seq)
        self._add_items(shown[-self.limit :])
        if keep is not None and str(keep.seq) in self.rows:
            self.move_cursor(row=self.get_row_index(str(keep.seq)), animate=False)

    @property
    def unread(self) -> int:
        """How many items have not been opened."""
        return sum(1 for item in self.items.values() if not item.read)

    def channels(self) -> list[str]:
        """Channels seen so far."""
        return sorted({item.channel for item in self.items.values()})

    def add_events(self, events: list[EventBase]) -> int:
        """Add the events that are inbox items; returns how many arrived."""
        # An event seen before is skipped: a second delivery (a replay after a reconnect) is not a new item.
        fresh = [
            item
            for e in events
            if e.seq not in self.items and (item := InboxItem.from_event(e, self.role, self.scenario)) is not None
        ]
        for item in fresh:
            item.n = len(self.items) + 1
            self.items[item.seq] = item
        shown = [item for item in fresh if self._passes(item)]
        if shown:
            keep = self.cursor_row if self.row_count else None
            # Only the newest `limit` of a large batch become rows (items come in seq order).
            self._add_items(shown[-self.limit :])
            self._trim()
            # New rows arrive at the top: keep the reader on the item they were reading (the top one
            # too: the cursor left on a new row would highlight an item the detail does not show).
            if keep is not None:
                self.move_cursor(row=min(keep + len(shown), self.row_count - 1), animate=False)
        self._update_title()
        return len(fresh)

    def _passes(self, item: InboxItem) -> bool:
        return self.channel in ("all", item.channel)

    def _add_items(self, items: list[InboxItem]) -> None:
        for item in items:
            self.add_row(*self._cells(item), key=str(item.seq))
        self.sort("n", key=lambda cell: int(cell.plain), reverse=True)

    def _trim(self) -> None:
        # Drop the oldest rows past the limit: they come back a page at a time when scrolled to.
        if self.row_count <= self.limit:
            return
        for row in list(self.ordered_rows[self.limit :]):
            self.remove_row(row.key)

    def hidden(self) -> int:
        """Items of the current channel that are not rows yet."""
        return sum(1 for item in self.items.values() if self._passes(item)) - self.row_count

    def more(self) -> int:
        """Add the next page of older items at the bottom; returns how many."""
        oldest = min((int(str(key.value)) for key in self.rows), default=None)
        older = sorted(
            (item for item in self.items.values() if self._passes(item) and (oldest is None or item.seq < oldest)),
            key=lambda item: item.seq,
            reverse=True,
        )[:PAGE]
        self.limit += PAGE
        # Older than every row: appended at the bottom, the order holds without sorting again.
        for item in older:
            self.add_row(*self._cells(item), key=str(item.seq))
        self._update_title()
        return len(older)

    def set_channel(self, channel: str) -> None:
        """Show one channel or "all"; rebuilds the rows."""
        self.channel = channel
        self.limit = PAGE
        self.clear()
        shown = sorted((item for item in self.items.values() if self._passes(item)), key=lambda item: item.seq)
        self._add_items(shown[-self.limit :])
        self._update_title()

    def current(self) -> InboxItem | None:
        """The highlighted item."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        return self.items.get(int(key)) if key is not None else None

    def mark_read_before(self, seq: int) -> int:
        """Mark read every item older than log event `seq`; returns how many changed.

        Reading is not logged, so a resumed console derives it: what reached a role before the role's
        own last action (a decision, a message) was in front of whoever acted.
        """
        older = [item for item in self.items.values() if item.seq < seq and not item.read]
        for item in older:
            item.read = True
            if str(item.seq) in self.rows:
                self.update_cell(str(item.seq), "new", "")
                self.update_cell(str(item.seq), "title", self._title(item))
        self._update_title()
        return len(older)

    def mark_read(self, item: InboxItem) -> None:
        """Mark an item read and clear its dot."""
        if item.read:
            return
        item.read = True
        if str(item.seq) in self.rows:
            self._restyle_row(item)
        self._update_title()

    def _restyle_row(self, item: InboxItem) -> None:
        """Redraw one row's mark and title after it was read, repainting that row alone.

        `update_cell` bumps a counter every cached cell is keyed on: each item read re-rendered every
        visible cell of the inbox (some 270 on a full screen, most of a key press's time with thousands
        of items). Here only the read row's cached renders are dropped. It uses the data table's
        internals (Textual is pinned); without them it falls back to `update_cell`.
        """
        key = RowKey(str(item.seq))
        data = getattr(self, "_data", None)
        # Cells and rendered rows are keyed by the row key first; the row's renderables by
        # (update count, row index); lines by screen row.
        by_key = [getattr(self, name, None) for name in ("_cell_render_cache", "_row_render_cache")]
        renderables = getattr(self, "_row_renderable_cache", None)
        lines = getattr(self, "_line_cache", None)
        usable = TEXTUAL_VERSION in FAST_RESTYLE_VERSIONS and data is not None and key in data
        if not usable or renderables is None or lines is None or None in by_key:
            self._restyle_row_slowly(key, item)
            return
        try:
            index = self.get_row_index(key)
            stale = [
                (cache, cached)
                for cache, part, value in (*((c, 0, key) for c in by_key), (renderables, 1, index))
                for cached in list(cache.keys())
                if cached[part] == value
            ]
        except (KeyError, IndexError, TypeError):
            # The caches are not shaped as expected: the public way is slower but always right.
            self._restyle_row_slowly(key, item)
            return
        data[key][ColumnKey("new")] = ""
        data[key][ColumnKey("title")] = self._title(item)
        for cache, cached in stale:
            cache.discard(cached)
        # Rebuilt from the rows' caches, lines cost little.
        lines.clear()
        self.refresh_row(index)

    def _restyle_row_slowly(self, key: RowKey, item: InboxItem) -> None:
        self.update_cell(key, "new", "")
        self.update_cell(key, "title", self._title(item))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.cursor_row >= self.row_count - 1 and self.hidden() > 0:
            self.more()
        item = self.current()
        if item is not None:
            self.post_message(self.Opened(item))

    def _cells(self, item: InboxItem) -> tuple[Text, ...]:
        mark = Text("●", style="bold cyan") if not item.read else Text("")
        return (
            mark,
            self._title(item),
            Text(clock(item.t)),
            *([Text(one_line(item.channel, 8))] if self.show_channel else []),
            Text(short(item.sender, self.from_width), no_wrap=True, overflow="ellipsis"),
            Text(str(item.n), style="dim"),
        )

    def _title(self, item: InboxItem) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if item.priority in ("flash", "high"):
            text.append(f"{item.priority.upper()} ", style=PRIORITY_STYLE[item.priority])
        text.append(one_line(item.title, 120), style="" if item.read else "bold")
        if item.decision:
            text.append("  ⚑ decision", style="yellow")
        if item.attachments:
            text.append(f"  +{len(item.attachments)} attached", style="dim")
        return text

    def _update_title(self) -> None:
        unread = self.unread
        name = "Inbox" if self.channel == "all" else f"Inbox — {one_line(self.channel, 20)}"
        # Literal: a string border title is read as markup, and channels are named by the scenario.
        self.border_title = literal(f"{name} ({unread:,} unread)" if unread else name)
        hidden = self.hidden()
        self.border_subtitle = f"{hidden:,} older below: scroll down" if hidden > 0 else ""
