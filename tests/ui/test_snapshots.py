"""Every screen and dialog as a snapshot, with the clocks frozen so they are stable."""

from __future__ import annotations

import pytest

from simulator.commands import Decide, EndExercise, SendMessage

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
