"""The third audit of the room-mode consoles (a workshop played through as trainer and participants):
each finding as a story at the keyboard."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Label, OptionList, Static

from simulator.commands import EndExercise, InjectAdHoc
from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.dialogs import ComposeDialog, ConfirmDialog, DecisionDialog
from ui.screens.participant import ParticipantScreen
from ui.widgets.decisions import DecisionList, PendingStrip
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox
from ui.widgets.msel_table import MselTable
from ui.widgets.state_board import StateRow

FROZEN_WALL = 1_777_000_000.0

CYBER = Path(__file__).resolve().parent.parent.parent / "scenarios" / "cyber-tidebreak.yaml"


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


# ----------------------------------------------------------------- 2. whose turn it is, from the picker


async def test_the_role_picker_says_which_roles_have_a_decision_waiting(make_app):
    app, _, _ = make_app(started=True)  # the harbour master has "How do you contain the spill?"
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]
        harbour = next(line for line in lines if "Harbour master" in line)
        assert "⚑ 1 to decide" in harbour
        assert not any("to decide" in line for line in lines if "Harbour master" not in line)


# ----------------------------------------------------------------- 3. "Cancel" on a discard question


async def test_the_discard_question_offers_to_keep_writing_not_an_ambiguous_cancel(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("r", "3", "m", "tab", "tab", "h", "i", "escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert str(dialog.query_one("#cancel", Button).label) == "Keep writing"
        await pilot.press("escape")  # keeps the text
        await pilot.pause()
        assert isinstance(app.screen, ComposeDialog)


# ----------------------------------------------------------------- 4. nothing to point at


async def test_a_missed_expectation_with_no_evidence_does_not_say_events_none(make_app):
    app, session, clock = make_app(started=True, log=True)
    clock.step(20)  # 20 minutes of scenario time at 60x: the coast guard was never told
    session.tick()
    session.submit("facilitator", EndExercise())
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "Missed expectations" in text and "(events none)" not in text


# ----------------------------------------------------------------- 5. hand-wrapped list items


async def test_a_hand_wrapped_list_item_reads_as_one_item_in_the_inbox(tmp_path):
    # The flagship's "CONFIRMED ransomware" inject lists findings wrapped by hand at 90 columns, each
    # continuation indented under the item's text; the 62-column detail pane folded them again.
    loaded = load_file(CYBER)
    session = Session(loaded, clock=ManualClock(), wall=lambda: FROZEN_WALL, pace=60.0)
    session.start()
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("n", "n")  # T+00:05:00, the CISO's flash
        await pilot.press("r", "3")  # the CISO
        await pilot.pause()
        body = str(app.screen.query_one("#detail-body", Static).render())
        assert "(PCS application tier and two file servers). Count rising" in body
        assert "\n- Lateral movement" in body  # items still start lines of their own


# ----------------------------------------------------------------- 6. reading one item repaints one row


async def test_reading_an_item_repaints_its_row_not_the_whole_inbox(make_app):
    # Marking an item read through `update_cell` invalidated every cached cell of the table: with a
    # screen of unread items each key press re-rendered all of them (a third of a second at 5,000).
    app, session, _ = make_app(started=True)
    for n in range(120):
        session.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=f"Item {n}", body="x"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("r", "2")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        calls = []
        original = inbox._get_row_renderables

        def counted(row_index: int):
            calls.append(row_index)
            return original(row_index)

        inbox._get_row_renderables = counted  # called only for cells not in the render cache
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.opened.title == "Item 118"
        assert len(set(calls)) <= 3, sorted(set(calls))  # the row left, the row read (and the header)
        # The row read has lost its dot; the next one keeps it.
        row = inbox.cursor_row
        assert "●" not in line_of(inbox, row) and "●" in line_of(inbox, row + 1)


def line_of(inbox: Inbox, row: int) -> str:
    """What the inbox draws for table row `row` (one line per row, under the header)."""
    y = row + 1 - int(inbox.scroll_y)
    return "".join(segment.text for segment in inbox.render_line(y))


# ----------------------------------------------------------------- 7. empty lists say so


async def test_an_empty_feed_or_action_log_says_what_will_appear_there(make_app):
    app, _, _ = make_app()  # not started: nothing has happened
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        assert "Nothing yet: injects, decisions" in line_text(feed, 0)
        assert line_text(feed, 1).strip() == ""
        await pilot.press("r", "2", "3")  # the harbour master's own actions
        await pilot.pause()
        own = app.screen.query_one("#own-log", Feed)
        assert "Nothing yet: what you decide" in line_text(own, 0)


async def test_a_feed_filtered_to_nothing_says_the_filter_hides_it(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        feed.set_filter("nobody")
        await pilot.pause()
        assert "passes the filter" in line_text(feed, 0)
        feed.set_filter("all")
        await pilot.pause()
        assert "passes the filter" not in line_text(feed, 0)


def line_text(widget, y: int) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


async def test_the_world_state_shows_units_of_several_words_in_full():
    session = Session(load_file(CYBER), clock=ManualClock(), wall=lambda: 1.0, pace=60.0)
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        shown = " ".join(str(row.query(Static).first().render()) for row in app.screen.query(StateRow))
        assert "k accounts" in shown and "vessels" in shown
