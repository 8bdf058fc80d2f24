"""Every screen and dialog as a snapshot, with the clocks frozen so they are stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.commands import Decide, EndExercise, SendMessage
from simulator.events import InjectDelivered
from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp

MARITIME = Path(__file__).resolve().parent.parent.parent / "scenarios" / "maritime-bintan.yaml"

SIZES = [(80, 24), (160, 50)]


@pytest.fixture(autouse=True)
def no_button_flash(monkeypatch):
    """A pressed button stays highlighted for 0.2 s of wall time; a snapshot taken in that window would differ."""
    from textual.widgets import Button

    monkeypatch.setattr(Button, "_start_active_affect", lambda self: None)


def started(make_app, minutes: float = 3):
    app, session, clock = make_app(started=True)
    session.submit("harbour-master", SendMessage(role="harbour-master", to=["coastguard"], text="Spill at berth 7."))
    clock.step(minutes)
    session.tick()
    return app, session


@pytest.mark.parametrize("size", SIZES)
def test_facilitator(snap_compare, make_app, size):
    app, _ = started(make_app)
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_participant(snap_compare, make_app, size):
    app, _ = started(make_app)

    async def show(pilot):
        app.action_show("harbour-master")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show)


@pytest.mark.parametrize("size", SIZES)
def test_debrief(snap_compare, make_app, size):
    app, session = started(make_app, minutes=8)
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    session.submit("facilitator", EndExercise())

    async def show(pilot):
        app.show_debrief()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show)


DIALOGS = [
    ("decision", "harbour-master", ["d"]),
    ("confirm-decision", "harbour-master", ["d", "enter", "ctrl+s"]),
    ("compose", "env-officer", ["m"]),
    ("situation", "env-officer", ["2"]),
    ("own-actions", "env-officer", ["3"]),
    ("channel-picker", "env-officer", ["c"]),
    ("adhoc-inject", "facilitator", ["i"]),
    ("observation", "facilitator", ["o"]),
    ("role-picker", "facilitator", ["r"]),
    ("feed-filter", "facilitator", ["f"]),
    ("feed-event", "facilitator", ["tab", "enter"]),
    ("world-state", "facilitator", ["w"]),
    ("help", "facilitator", ["question_mark"]),
    ("end-confirm", "facilitator", ["e"]),
    ("hotwash", "facilitator", ["e", "y"]),
    ("after-the-end", "facilitator", ["e", "y", "escape"]),
    ("quit-confirm", "facilitator", ["ctrl+q"]),
]


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
@pytest.mark.parametrize(("viewer", "keys"), [d[1:] for d in DIALOGS], ids=[d[0] for d in DIALOGS])
def test_dialogs(snap_compare, make_app, viewer, keys, size):
    """Every dialog at the smallest supported size and a middling one: fields, buttons and footer in view."""
    app, _ = started(make_app)

    async def show(pilot):
        app.action_show(viewer)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show, press=keys)


def test_participant_in_the_light_theme(snap_compare, make_app):
    app, _ = started(make_app, minutes=11)

    async def show(pilot):
        app.theme = "textual-light"
        app.action_show("harbour-master")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 50), run_before=show)


def ended(make_app):
    app, session = started(make_app, minutes=8)
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    session.submit("facilitator", EndExercise())
    return app, session


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_rating_override_dialog(snap_compare, make_app, size):
    app, _ = ended(make_app)

    async def show(pilot):
        app.show_debrief()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show, press=["enter"])


def test_debrief_in_the_light_theme(snap_compare, make_app):
    app, _ = ended(make_app)

    async def show(pilot):
        app.theme = "textual-light"
        app.show_debrief()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 50), run_before=show)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_participant_hot_wash(snap_compare, make_app, size):
    app, _ = ended(make_app)

    async def show(pilot):
        app.action_show("env-officer")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=show, press=["w"])


def test_decision_dialog_once_the_deadline_lapses(snap_compare, make_app):
    """The form left open past the deadline says the decision is closed."""
    app, session, clock = make_app(started=True)

    async def lapse(pilot):
        app.action_show("harbour-master")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        clock.step(11)  # the containment deadline is 10 minutes in
        session.tick()
        app.screen.refresh_countdown()
        await pilot.press("ctrl+s")  # refused in the form itself
        await pilot.pause()
        app.clear_notifications()  # "1 new in the inbox" would go at a wall-clock moment
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=lapse)


def test_participant_reading_an_inject_with_an_attachment(snap_compare):
    """An attachment keeps its columns below the body, which wraps."""
    session = Session(load_file(MARITIME), clock=ManualClock(), wall=lambda: 1_777_000_000.0, pace=60.0)
    session.start()
    first = next(e for e in session.exercise.events if isinstance(e, InjectDelivered) and e.attachments)
    app = TabletopApp(session, live=False)

    async def show(pilot):
        app.action_show(first.to[0])
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 50), run_before=show)
