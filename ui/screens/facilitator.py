"""Exercise control: the clock, the open decisions, the live MSEL, the feed of everything, the world state
board and the latest messages."""

from __future__ import annotations

from rich.text import Text
from textual import events as textual_events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header

from simulator.events import EventBase
from simulator.session import PACES, Session
from simulator.visibility import FACILITATOR
from ui.describe import inject_detail
from ui.dialogs import ChoiceDialog, DetailDialog, EventDialog, InjectDialog, ObserveDialog
from ui.text import literal, one_line, pace_label
from ui.widgets.clock import ClockBar, ConsoleFooter
from ui.widgets.decisions import DecisionList, MessageLog, PendingStrip
from ui.widgets.feed import Feed
from ui.widgets.msel_table import MselTable
from ui.widgets.state_board import StateBoard

PACE = Binding.Group("Pace", compact=True)
WIDE_FROM = 120
"""Columns from which the world state sits beside the MSEL and feed (the app's breakpoint)."""
NARROW_HINT = "w: world state, decisions, messages"
WORLD_HINT = "w: back to the MSEL and feed"
CLOCK_ACTIONS = {"toggle_clock", "faster", "slower", "jump", "inject"}
"""What the end of the exercise stops: the clock and sending injects (observations go on)."""
CLOCK_KEYS = {"space": "toggle_clock", "plus": "faster", "equals_sign": "faster", "minus": "slower"}
CLOCK_KEYS |= {"n": "jump", "i": "inject"}


class FacilitatorScreen(Screen):
    """Everything, for exercise control."""

    viewer = FACILITATOR

    # Short descriptions, + and - as one "Pace" key group: every one of them fits an 80-column footer.
    BINDINGS = [
        Binding("space", "toggle_clock", "Clock", tooltip="Start, pause or resume the clock"),
        Binding("plus,equals_sign", "faster", "Faster", group=PACE),
        Binding("minus", "slower", "Slower", group=PACE),
        Binding("n", "jump", "Next", tooltip="Jump to the next inject"),
        Binding("i", "inject", "Inject", tooltip="Send an ad hoc inject"),
        Binding("o", "observe", "Note", tooltip="Record an observation"),
        Binding("f", "filter_feed", "Filter", tooltip="Filter the feed"),
        # Not in the footer (it is full at 80 columns): the feed's border says it where it matters.
        Binding("w", "world", "World", show=False, tooltip="The world state, decisions and messages (narrow)"),
        Binding("e", "end", "End", tooltip="End the exercise, hot wash, debrief"),
        # The same key once the exercise is over, named for what it then does.
        Binding("e", "wrap_up", "Hot wash", tooltip="The hot wash questions, then the debrief"),
        Binding("s", "toggle_dynamics", "Dynamics", show=False, tooltip="Hide or show STATE lines from dynamics"),
        # Only when serving (check_action); the welcome names it, the footer has no room left.
        Binding("p", "participants", "Participants", show=False, tooltip="Who is connected, and how each role joins"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name=FACILITATOR)
        self.session = session
        self.ready = False
        """Whether the console is composed: ticks and events before then are left to on_mount."""

    def compose(self) -> ComposeResult:
        session = self.session
        yield Header()
        yield ClockBar(session, "Exercise control")
        yield PendingStrip(session, id="pending-strip")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield MselTable(session, id="msel")
                yield Feed(session.scenario, id="feed")
            with VerticalScroll(id="side"):
                initial = {name: var.initial for name, var in session.scenario.state.items()}
                yield StateBoard(session.scenario, initial, id="state")
                yield DecisionList(session, id="decisions")
                with Vertical(id="messages"):
                    yield MessageLog(session, id="message-log")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        # Composed: its widgets can be queried from here on (`is_mounted` only turns true after this).
        self.ready = True
        self._ticked = (
            self.query_one(ClockBar),
            self.query_one(MselTable),
            self.query_one(PendingStrip),
            self.query_one(DecisionList),
        )
        # Cleaned here as well as in the app's header: a title is author text like any other.
        self.title = one_line(self.session.scenario.title)
        self.sub_title = "Exercise control"
        self.query_one("#messages").border_title = "Messages between roles"
        self.add_events(self.session.events_for(FACILITATOR))
        self._hints(self.app.size.width)

    def on_resize(self, event: textual_events.Resize) -> None:
        self._hints(event.size.width)

    def _hints(self, width: int) -> None:
        # The w key is not in the (full) footer: on a narrow screen the borders say it.
        narrow = width < WIDE_FROM
        self.query_one(Feed).set_hint(NARROW_HINT if narrow else "")
        self.query_one(StateBoard).border_subtitle = WORLD_HINT if narrow else ""

    def add_events(self, events: list[EventBase]) -> None:
        """New events from the session."""
        if not self.ready:
            # Composed later, the console reads everything from the session then (on_mount).
            return
        self.query_one(MselTable).add_events(events)
        self.query_one(Feed).add_events(events)
        self.query_one(StateBoard).add_events(events)
        self.query_one(MessageLog).add_events(events)
        self.refresh_clock()
        if self.session.ended:
            # The clock keys leave the footer once the exercise is over.
            self.refresh_bindings()

    def refresh_clock(self) -> None:
        """Clock tick: redraw the clock and countdowns."""
        if not self.ready:
            # A tick can reach a console that is current but not composed yet (switched to a moment ago).
            return
        bar, msel, strip, decisions = self._ticked
        # An app that is closing takes the widgets down before its ticker stops.
        if bar.is_attached and msel.is_attached and strip.is_attached and decisions.is_attached:
            bar.refresh_clock()
            msel.refresh_rows()
            strip.refresh_strip()
            decisions.refresh_list()

    # ----------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # After the end the clock and inject keys leave the footer; pressed anyway, on_key says why.
        ended = self.session.ended
        if action in CLOCK_ACTIONS or action == "end":
            return not ended
        if action == "wrap_up":
            return ended
        if action == "participants":
            return getattr(self.app, "server", None) is not None
        return True

    def on_key(self, event: textual_events.Key) -> None:
        # Reached only when no binding took the key: after the end, a clock key says why it does nothing.
        if event.key in CLOCK_KEYS and self.session.ended:
            event.stop()
            self.notify(
                "The exercise has ended: the clock is stopped for good. Press e for the hot wash and debrief.",
                title="Ended",
                severity="warning",
            )

    # ----------------------------------------------------------------- actions

    def action_toggle_clock(self) -> None:
        starting = not self.session.started
        if self.app.act(self.session.toggle) and starting:  # type: ignore[attr-defined]
            # The welcome says to press space: once pressed it would only cover the feed.
            self.app.clear_notifications()

    def action_faster(self) -> None:
        self._pace(1)

    def action_slower(self) -> None:
        self._pace(-1)

    def _pace(self, step: int) -> None:
        # At either end of the presets the session would log a pace change to the same pace: a no-op
        # belongs in a notice, not in the log.
        pace = self.session.pace
        further = [p for p in PACES if (p > pace if step > 0 else p < pace)]
        if not further and not self.session.ended:
            end = "fastest" if step > 0 else "slowest"
            self.notify(f"Already at the {end} pace, {pace_label(pace)}.", timeout=3)
            return
        self.app.act(self.session.faster if step > 0 else self.session.slower)  # type: ignore[attr-defined]

    def action_jump(self) -> None:
        if not self.session.started:
            self.notify("Start the exercise first (space).", severity="warning")
            return
        self.app.act(self.session.jump_to_next)  # type: ignore[attr-defined]

    def action_inject(self) -> None:
        def send(command: object) -> None:
            if command is not None and self.app.submit(FACILITATOR, command):  # type: ignore[attr-defined]
                self.notify("Inject sent.")

        self.app.push_screen(InjectDialog(self.session.scenario), send)

    def action_observe(self) -> None:
        def record(command: object) -> None:
            if command is not None and self.app.submit(FACILITATOR, command):  # type: ignore[attr-defined]
                self.notify("Observation recorded.")

        self.app.push_screen(ObserveDialog(self.session.scenario), record)

    def action_filter_feed(self) -> None:
        scenario = self.session.scenario
        choices: list[tuple[Text, str]] = [(Text("Everything"), "all")]
        choices += [(literal(f"Team: {t.name}"), t.id) for t in scenario.teams]
        choices += [(literal(f"Role: {r.name}"), r.id) for r in scenario.roles]
        feed = self.query_one(Feed)

        def chosen(value: str | None) -> None:
            if value is not None:
                feed.set_filter(value)

        self.app.push_screen(ChoiceDialog("Show the feed for", choices, feed.filter), chosen)

    def action_toggle_dynamics(self) -> None:
        hidden = self.query_one(Feed).toggle_dynamics()
        self.notify("State changes from the world's dynamics hidden." if hidden else "Dynamics shown again.")

    def action_world(self) -> None:
        """On a narrow screen, swap the MSEL and feed for the world state, decisions and messages (and back)."""
        if self.app.size.width >= WIDE_FROM:
            self.notify("The world state is beside the MSEL on a screen this wide.", timeout=3)
            return
        showing = self.toggle_class("-world").has_class("-world")
        self.query_one("#side" if showing else "#msel").focus()

    def on_feed_opened(self, message: Feed.Opened) -> None:
        self.app.push_screen(EventDialog(message.event, self.session.scenario))

    def on_msel_table_opened(self, message: MselTable.Opened) -> None:
        scenario = self.session.scenario
        if message.event is not None:
            self.app.push_screen(EventDialog(message.event, scenario))
            return
        status = next((r.status for r in self.session.msel() if r.inject == message.inject), "")
        trigger = self.query_one(MselTable).triggers.get(message.inject, "")
        self.app.push_screen(DetailDialog(inject_detail(scenario, message.inject, status, trigger)))

    def action_participants(self) -> None:
        from ui.network import participants_detail

        app = self.app
        server = getattr(app, "server", None)
        if server is not None:
            app.push_screen(DetailDialog(participants_detail(server, app.join_commands, self.session.scenario)))  # type: ignore[attr-defined]

    def action_end(self) -> None:
        self.app.action_end_exercise()  # type: ignore[attr-defined]

    def action_wrap_up(self) -> None:
        self.app.action_end_exercise()  # type: ignore[attr-defined]
