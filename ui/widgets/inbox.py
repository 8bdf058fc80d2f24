"""A role's inbox: injects and messages addressed to it, newest first, unread marked, filterable by channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from simulator.events import EventBase, InjectDelivered, MessageSent
from ui.text import clock, one_line

PRIORITY_STYLE = {"flash": "bold white on red", "high": "bold red", "normal": "", "low": "dim"}


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

    @classmethod
    def from_event(cls, event: EventBase, role: str) -> InboxItem | None:
        """The inbox item for an event, if it is one for `role`."""
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
            return cls(event.seq, event.t, "message", "normal", event.actor, title, event.text, to=list(event.to))
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

    def __init__(self, role: str, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.role = role
        self.items: dict[int, InboxItem] = {}
        self.channel = "all"

    def on_mount(self) -> None:
        self.border_title = "Inbox"
        self.add_column(" ", key="new", width=1)
        self.add_column("#", key="seq", width=5)
        self.add_column("Time", key="time", width=10)
        self.add_column("Channel", key="channel", width=8)
        self.add_column("From", key="from", width=18)
        self.add_column("Title", key="title")

    @property
    def unread(self) -> int:
        """How many items have not been opened."""
        return sum(1 for item in self.items.values() if not item.read)

    def channels(self) -> list[str]:
        """Channels seen so far."""
        return sorted({item.channel for item in self.items.values()})

    def add_events(self, events: list[EventBase]) -> int:
        """Add the events that are inbox items; returns how many arrived."""
        fresh = [item for e in events if (item := InboxItem.from_event(e, self.role)) is not None]
        for item in fresh:
            self.items[item.seq] = item
        shown = [item for item in fresh if self.channel in ("all", item.channel)]
        if shown:
            keep = self.cursor_row
            self._add_items(shown)
            self._update_title()
            # New rows arrive at the top: keep the reader on the item they were reading.
            if keep > 0:
                self.move_cursor(row=keep + len(shown), animate=False)
        else:
            self._update_title()
        return len(fresh)

    def _add_items(self, items: list[InboxItem]) -> None:
        for item in items:
            self.add_row(*self._cells(item), key=str(item.seq))
        self.sort("seq", key=lambda cell: int(cell.plain), reverse=True)

    def set_channel(self, channel: str) -> None:
        """Show one channel or "all"; rebuilds the rows."""
        self.channel = channel
        self.clear()
        shown = [item for item in self.items.values() if channel in ("all", item.channel)]
        self._add_items(shown)
        self._update_title()

    def current(self) -> InboxItem | None:
        """The highlighted item."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        return self.items.get(int(key)) if key is not None else None

    def mark_read(self, item: InboxItem) -> None:
        """Mark an item read and clear its dot."""
        if item.read:
            return
        item.read = True
        if str(item.seq) in self.rows:
            self.update_cell(str(item.seq), "new", "")
            self.update_cell(str(item.seq), "title", self._title(item))
        self._update_title()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        item = self.current()
        if item is not None:
            self.post_message(self.Opened(item))

    def _cells(self, item: InboxItem) -> tuple[Text, ...]:
        mark = Text("●", style="bold cyan") if not item.read else Text("")
        return (
            mark,
            Text(str(item.seq), style="dim"),
            Text(clock(item.t)),
            Text(one_line(item.channel, 8)),
            Text(one_line(item.sender, 18)),
            self._title(item),
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
        name = "Inbox" if self.channel == "all" else f"Inbox — {self.channel}"
        self.border_title = f"{name} ({unread} unread)" if unread else name
