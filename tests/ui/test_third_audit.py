"""The third audit of the room-mode consoles (a workshop played through as trainer and participants):
each finding as a story at the keyboard."""

from __future__ import annotations

from textual.widgets import Button, Label, Static

from simulator.commands import EndExercise
from ui.dialogs import DecisionDialog
from ui.screens.participant import ParticipantScreen
from ui.widgets.decisions import DecisionList, PendingStrip
from ui.widgets.msel_table import MselTable


def plain(widget: Static) -> str:
    return str(widget.render())


# ----------------------------------------------------------------- 1. decisions left open at the end


async def test_a_decision_nobody_took_is_closed_once_the_exercise_ends(make_app):
    # port-drill opens "How do you contain the spill?" at T+0; the facilitator ends with it untaken.
    app, session, _ = make_app(started=True)
    session.submit("facilitator", EndExercise())
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        console = app.screen
        strip = console.query_one(PendingStrip)
        assert "⚑" not in plain(strip) and "left open at the end" in plain(strip)
        decisions = plain(console.query_one(DecisionList))
        assert "⚑" not in decisions and "LEFT OPEN" in decisions
        msel = console.query_one(MselTable)
        cells = [str(msel.get_row(key)[-1]) for key in msel.rows]
        assert not any("left" in c and "⚑" in c for c in cells)
        assert any("left open at end" in c for c in cells)

        await pilot.press("r", "2")  # the harbour master, who had the decision
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ParticipantScreen)
        assert "⚑" not in plain(screen.query_one(PendingStrip))
        assert "Press d" not in plain(screen.query_one("#detail-status", Static))
        await pilot.press("d")
        await pilot.pause()
        # No form for a decision that can no longer be sent; the participant is told why.
        assert not isinstance(app.screen, DecisionDialog)
        assert any("ended" in n.message for n in app._notifications)


async def test_a_decision_form_left_open_over_the_end_says_it_closed(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("r", "2", "d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        session.submit("facilitator", EndExercise())
        dialog.refresh_countdown()
        await pilot.pause()
        assert "exercise has ended" in str(dialog.query_one("#countdown", Label).render())
        assert dialog.query_one("#ok", Button).disabled
