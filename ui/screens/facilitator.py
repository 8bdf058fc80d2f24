"""Exercise control: the clock, the live MSEL, the feed of everything and the world state board."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header

from simulator.events import EventBase
from simulator.session import Session
from simulator.visibility import FACILITATOR
from ui.dialogs import ChoiceDialog, InjectDialog, ObserveDialog
from ui.text import literal
from ui.widgets.clock import ClockBar, ConsoleFooter
from ui.widgets.feed import Feed
from ui.widgets.msel_table import MselTable
from ui.widgets.state_board import StateBoard

PACE = Binding.Group("Pace", compact=True)


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
        Binding("e", "end", "End", tooltip="End the exercise, hot wash, debrief"),
        Binding("s", "toggle_dynamics", "Dynamics", show=False, tooltip="Hide or show STATE lines from dynamics"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name=FACILITATOR)
        self.session = session

    def compose(self) -> ComposeResult:
        session = self.session
        yield Header()
        yield ClockBar(session, "Exercise control")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield MselTable(session, id="msel")
                yield Feed(session.scenario, id="feed")
            with Vertical(id="side"):
                initial = {name: var.initial for name, var in session.scenario.state.items()}
                yield StateBoard(session.scenario, initial, id="state")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.title = self.session.scenario.title
        self.sub_title = "Exercise control"
        self.add_events(self.session.events_for(FACILITATOR))

    def add_events(self, events: list[EventBase]) -> None:
        """New events from the session."""
        self.query_one(MselTable).add_events(events)
        self.query_one(Feed).add_events(events)
        self.query_one(StateBoard).add_events(events)
        self.query_one(ClockBar).refresh_clock()

    def refresh_clock(self) -> None:
        """Clock tick: redraw the clock and countdowns."""
        self.query_one(ClockBar).refresh_clock()
        self.query_one(MselTable).refresh_rows()

    # ----------------------------------------------------------------- actions

    def action_toggle_clock(self) -> None:
        self.app.act(self.session.toggle)  # type: ignore[attr-defined]

    def action_faster(self) -> None:
        self.app.act(self.session.faster)  # type: ignore[attr-defined]

    def action_slower(self) -> None:
        self.app.act(self.session.slower)  # type: ignore[attr-defined]

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

    def action_end(self) -> None:
        self.app.action_end_exercise()  # type: ignore[attr-defined]
