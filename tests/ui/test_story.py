"""Stories at the keyboard: start, an inject arrives, a decision with a rationale, a lapsed deadline, the debrief."""

from __future__ import annotations

from textual.widgets import DataTable, RadioSet, TextArea

from simulator.events import DecisionTimedOut, StateChanged
from ui.dialogs import ConfirmDialog, DecisionDialog, HotwashDialog, RolePicker
from ui.screens.debrief import DebriefScreen
from ui.screens.facilitator import FacilitatorScreen
from ui.screens.participant import ParticipantScreen
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox
from ui.widgets.state_board import StateBoard


async def test_facilitator_starts_and_the_harbour_master_decides_with_a_rationale(make_app):
    app, session, clock = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        assert isinstance(app.screen, FacilitatorScreen)
        assert session.status == "ready"
        await pilot.press("space")
        assert session.status == "running"
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        assert any("Bunker hose parted" in line.plain for line in feed.shown_lines())

        await pilot.press("r")
        assert isinstance(app.screen, RolePicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen) and app.screen.viewer == "harbour-master"
        assert app.screen.query_one(Inbox).row_count == 1

        clock.step(2)  # two real seconds at 60x: two scenario minutes pass
        session.tick()
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        await pilot.pause()
        assert "08:00" in str(dialog.query_one("#countdown").render())
        await pilot.press("enter")  # the first option: deploy the terminal boom
        assert dialog.query_one(RadioSet).pressed_button is not None
        dialog.query_one(TextArea).focus()
        await pilot.press(*"on site now")
        await pilot.click("#ok")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        record = session.exercise.decisions["containment"]
        assert record.status == "made" and record.option == "boom"
        made = [e for e in session.exercise.events if e.type == "decision_made"]
        assert made[0].rationale == "on site now"
        assert "Decided: You chose" in str(app.screen.query_one("#detail-status").render())

        # The world reacts: the boom goes in; the state board of the role shows it.
        assert any(isinstance(e, StateChanged) and e.var == "boom_m" for e in session.exercise.events)
        board = app.screen.query_one(StateBoard)
        assert board.rows["boom_m"].history[-1] == 250


async def test_a_deadline_lapses_a_contingency_arrives_and_the_debrief_shows_ratings(make_app):
    app, session, _clock = make_app(log=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("space")
        await pilot.press("n")  # jump: the containment deadline lapses at 10 minutes
        await pilot.pause()
        assert any(isinstance(e, DecisionTimedOut) for e in session.exercise.events)
        app.action_show("pcg-duty")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        titles = [str(inbox.get_cell(key, "title")) for key in inbox.rows]
        assert any("Slick reaching the anchorage" in title for title in titles)

        app.action_show("facilitator")
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert session.ended
        assert isinstance(app.screen, HotwashDialog)
        app.screen.query_one("#q-went-well", TextArea).focus()
        await pilot.press(*"radio discipline")
        await pilot.click("#ok")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        table = app.screen.query_one("#objectives", DataTable)
        assert table.row_count == 2
        # The rating is the first column: at 80 columns it is what must not be cut off.
        assert [c.key.value for c in table.ordered_columns][:2] == ["rating", "auto"]
        ratings = [str(table.get_cell(key, "rating")) for key in table.rows]
        assert all(r[0] in "PSMU" for r in ratings)
        findings = str(app.screen.query_one("#findings-body").render())
        assert "Missed expectations" in findings and "boom" in findings.lower()
        answers = [e for e in session.exercise.events if e.type == "hotwash_answered"]
        assert answers[0].answer == "radio discipline"


async def test_pause_pace_and_the_clock_bar(make_app):
    app, session, _clock = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("plus")
        assert session.pace == 120
        await pilot.press("minus", "minus")
        assert session.pace == 30
        await pilot.press("space")
        assert session.status == "paused"
        await pilot.pause()
        assert "PAUSED" in str(app.screen.query_one("ClockBar").render())
        actions = [e.action for e in session.exercise.events if e.type == "clock_changed"]
        assert actions == ["start", "pace", "pace", "pace", "pause"]


async def test_a_participant_messages_another_team_and_the_feed_filters(make_app):
    from textual.widgets import SelectionList

    app, session, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        app.action_show("env-officer")
        await pilot.pause()
        await pilot.press("m")
        dialog = app.screen
        dialog.query_one(SelectionList).select("coastguard")
        dialog.query_one("#text", TextArea).focus()
        await pilot.press(*"spill at berth 7")
        await pilot.click("#ok")
        await pilot.pause()
        sent = [e for e in session.exercise.events if e.type == "message_sent"]
        assert sent and sent[0].to == ["pcg-duty"]
        app.action_show("facilitator")
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        feed.set_filter("coastguard")
        shown = feed.shown_lines()
        assert any("spill at berth 7" in line.plain for line in shown)


async def test_each_role_answers_the_hot_wash_from_its_own_console_and_the_room_still_can(make_app):
    from simulator.commands import EndExercise

    app, session, _ = make_app(started=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_show("pcg-duty")
        await pilot.pause()
        await pilot.press("w")  # not yet: the exercise is running
        assert isinstance(app.screen, ParticipantScreen)
        session.submit("facilitator", EndExercise())
        await pilot.pause()
        assert any("Press w to answer the hot wash" in n.message for n in app._notifications)
        await pilot.press("w")
        dialog = app.screen
        assert isinstance(dialog, HotwashDialog)
        assert "Hot wash — " in str(dialog.query_one(".title").render())
        dialog.query_one("#q-improve", TextArea).focus()
        await pilot.press(*"call the coast guard first")
        await pilot.click("#ok")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        answers = [e for e in session.exercise.events if e.type == "hotwash_answered"]
        assert [(e.actor, e.question, e.answer) for e in answers] == [
            ("pcg-duty", "improve", "call the coast guard first")
        ]
        # Reopened, the form shows the answer given; sending it unchanged records nothing new.
        await pilot.press("w")
        assert app.screen.query_one("#q-improve", TextArea).text == "call the coast guard first"
        await pilot.click("#ok")
        await pilot.pause()
        assert len([e for e in session.exercise.events if e.type == "hotwash_answered"]) == 1

        app.action_show("facilitator")
        await pilot.pause()
        await pilot.press("e")  # already ended: straight to the room's hot wash
        assert isinstance(app.screen, HotwashDialog)
        app.screen.query_one("#q-went-well", TextArea).focus()
        await pilot.press(*"fast boom")
        await pilot.click("#ok")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        answers = [(e.actor, e.answer) for e in session.exercise.events if e.type == "hotwash_answered"]
        assert answers[-1] == ("facilitator", "fast boom")
        # Each role sees its own answers only.
        assert [e.answer for e in session.events_for("pcg-duty") if e.type == "hotwash_answered"] == [
            "call the coast guard first"
        ]


async def test_a_long_inbox_and_feed_stay_complete_while_drawing_only_a_page(make_app):
    from simulator.commands import InjectAdHoc
    from ui.widgets.msel_table import ADHOC_ROWS, MselTable

    app, session, _ = make_app(started=True)
    for n in range(450):
        session.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=f"Inject {n}"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        msel = app.screen.query_one(MselTable)
        assert len(msel.adhoc) == ADHOC_ROWS and msel.adhoc[-1] == session.exercise.events[-1].inject
        assert "350 earlier ad hoc injects" in str(msel.border_subtitle)
        feed = app.screen.query_one(Feed)
        assert len(feed.shown) == len(session.exercise.events)
        app.action_show("harbour-master")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        assert inbox.row_count == 200 and len(inbox.items) == 451
        assert "Inject 449" in str(inbox.get_row_at(0)[1])
        inbox.move_cursor(row=inbox.row_count - 2)
        await pilot.pause()
        inbox.focus()
        await pilot.press("down")  # onto the last row: the next page comes in below
        await pilot.pause()
        assert inbox.row_count == 400
        inbox.move_cursor(row=inbox.row_count - 1)
        await pilot.pause()
        assert inbox.row_count == 451 and inbox.hidden() == 0
        seqs = [int(str(inbox.get_row_at(i)[-1])) for i in range(inbox.row_count)]
        assert seqs == sorted(seqs, reverse=True)
