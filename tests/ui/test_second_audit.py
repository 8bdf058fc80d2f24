"""The second audit of the room-mode consoles: each finding as a story at the keyboard."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import DataTable, RadioSet, TextArea
from textual.widgets._toast import Toast, ToastRack

from simulator.commands import EndExercise, InjectAdHoc, SendMessage
from simulator.events import ClockChanged, InjectDelivered, MessageSent, Observation, RatingOverridden
from simulator.loader import load_file
from simulator.msel import msel_rows
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.dialogs import (
    ComposeDialog,
    ConfirmDialog,
    DecisionDialog,
    DetailDialog,
    EventDialog,
    HelpScreen,
    InjectDialog,
    ObserveDialog,
    OverrideDialog,
    TickList,
)
from ui.screens.debrief import DebriefScreen
from ui.screens.participant import ParticipantScreen
from ui.widgets.decisions import PendingStrip
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox
from ui.widgets.msel_table import MselTable

MARITIME = Path(__file__).resolve().parent.parent.parent / "scenarios" / "maritime-bintan.yaml"


def line_text(widget, y: int) -> str:
    """What a line-rendering widget (the feed, a selection list) draws on row `y`."""
    return "".join(segment.text for segment in widget.render_line(y))


# ----------------------------------------------------------------- 2. the feed's focus hint


async def test_the_feed_hint_shows_while_the_feed_has_focus_and_only_then(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        assert not feed.has_focus and "enter" not in (feed.border_subtitle or "")
        await pilot.press("tab")  # from the MSEL to the feed
        await pilot.pause()
        assert feed.has_focus and "↑↓ enter: see an event whole" in (feed.border_subtitle or "")
        await pilot.press("tab")
        await pilot.pause()
        assert not feed.has_focus and "enter" not in (feed.border_subtitle or "")


# ----------------------------------------------------------------- 3. the participant's first focus


async def test_a_participant_console_opens_with_the_inbox_taking_the_arrows(make_app):
    app, session, _ = make_app(started=True)
    session.submit("env-officer", SendMessage(role="env-officer", to=["harbour-master"], text="Boom is on the quay."))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "2")  # the harbour master
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ParticipantScreen) and isinstance(app.focused, Inbox)
        newest = screen.opened
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.opened is not None and screen.opened is not newest
        assert "Bunker hose parted" in screen.opened.title


# ----------------------------------------------------------------- 4. the participant's countdowns


async def test_a_participant_sees_the_countdowns_of_its_own_decisions_at_80x24(make_app):
    app, session, clock = make_app(started=True)
    clock.step(2)  # two real seconds at 60x: two scenario minutes
    session.tick()
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("harbour-master")
        await pilot.pause()
        strip = app.screen.query_one("#role-pending", PendingStrip)
        assert strip.region.right <= 80 and strip.region.bottom <= 24 and strip.region.height == 1
        text = str(strip.render())
        assert "08:00" in text and "How do you contain the spill?" in text
        await pilot.press("3")  # on another tab the countdown stays
        await pilot.pause()
        assert strip.region.height == 1 and "08:00" in str(strip.render())
        app.action_show("env-officer")  # not this role's decision
        await pilot.pause()
        other = str(app.screen.query_one("#role-pending", PendingStrip).render())
        assert "No decision open for you" in other and "contain" not in other


# ----------------------------------------------------------------- 5. the debrief: ratings and notes


async def ended_on_debrief(make_app, pilot_size=(160, 50)):
    app, session, _ = make_app(started=True, log=True)
    session.submit("facilitator", EndExercise())
    return app, session


async def test_an_evaluator_sets_a_rating_with_a_reason_and_sees_both(make_app):
    app, session = await ended_on_debrief(make_app)
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        table = debrief.query_one("#objectives", DataTable)
        auto = str(table.get_cell("contain", "auto"))
        await pilot.press("enter")  # on the first objective row
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OverrideDialog) and dialog.objective == "contain"
        assert "Performed with some challenges" in str(dialog.query_one(RadioSet).query("Choice")[1].render())
        await pilot.press("s", "ctrl+s")
        assert "reason" in str(dialog.query_one("#error").render())  # required
        assert isinstance(app.screen, OverrideDialog)
        dialog.query_one("#reason", TextArea).focus()
        await pilot.press(*"boom went in late but held")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is debrief
        overrides = [e for e in session.exercise.events if isinstance(e, RatingOverridden)]
        assert [(e.objective, e.rating, e.reason) for e in overrides] == [
            ("contain", "S", "boom went in late but held")
        ]
        # Final and automatic side by side, the final marked as set by an evaluator.
        assert str(table.get_cell("contain", "rating")) == "S*"
        assert str(table.get_cell("contain", "auto")) == auto
        assert "boom went in late but held" in str(debrief.query_one("#findings-body").render())
        # s does the same on the highlighted row; esc with nothing typed just closes.
        await pilot.press("down", "s")
        await pilot.pause()
        assert isinstance(app.screen, OverrideDialog) and app.screen.objective == "inform"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is debrief


async def test_the_debrief_takes_an_observation_and_exports_with_lower_case_keys(make_app):
    app, session = await ended_on_debrief(make_app)
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        debrief = app.screen
        await pilot.press("o")  # as on the facilitator console
        await pilot.pause()
        assert isinstance(app.screen, ObserveDialog)
        app.screen.query_one("#text", TextArea).focus()
        await pilot.press(*"radio discipline was good", "ctrl+s")
        await pilot.pause()
        assert app.screen is debrief
        assert [e.text for e in session.exercise.events if isinstance(e, Observation)] == ["radio discipline was good"]
        for key in ("m", "h", "j"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        log = session.log_path
        assert debrief.written == [log.with_suffix(f".aar.{f}") for f in ("md", "html", "json")]
        assert "radio discipline was good" in log.with_suffix(".aar.md").read_text(encoding="utf-8")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        heads = [str(label.render()) for label in app.screen.query(".help-head")]
        assert "Debrief" in heads


# ----------------------------------------------------------------- 6. the decision form


async def test_number_keys_pick_options_and_leaving_a_typed_rationale_asks(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("harbour-master")
        await pilot.pause()
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        radios = dialog.query_one(RadioSet)
        await pilot.press("2")
        assert radios.pressed_button is not None and radios.pressed_button.name == "wait"
        await pilot.press("1")
        assert radios.pressed_button.name == "boom"
        await pilot.press("tab", *"call 2 tugs")  # in the rationale a digit is text
        assert dialog.query_one("#rationale", TextArea).text == "call 2 tugs"
        assert radios.pressed_button.name == "boom"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog) and "Discard" in app.screen.question
        await pilot.press("n")
        assert app.screen is dialog and dialog.query_one("#rationale", TextArea).text == "call 2 tugs"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        assert session.exercise.decisions["containment"].status == "open"
        await pilot.press("d", "escape")  # nothing typed: no question
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)


# ----------------------------------------------------------------- 7. contingency and conditions


async def test_the_msel_and_feed_mark_contingencies_and_word_conditions(make_app, port_drill):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        msel = app.screen.query_one(MselTable)
        heavy = str(msel.get_cell("heavy-slick", "title"))
        assert heavy.startswith("◆ !high Heavy oil") and "when: oil_m3 above 10" in heavy
        # The words are the printed MSEL's.
        printed = {row.title: row.time for row in msel_rows(port_drill.scenario)}
        assert printed["Heavy oil at the breakwater"] in heavy
        assert "scheduled by timeout of decision containment" in str(msel.get_cell("slick-spreads", "title"))
        assert msel.rows["heavy-slick"].height == 2 and msel.rows["press-call"].height == 1
        assert "◆" not in str(msel.get_cell("press-call", "title"))
        assert "◆ contingency" in (msel.border_subtitle or "")
        await pilot.press("n")  # the containment deadline lapses and the contingency inject arrives
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        contingency = [line.plain for line in feed.shown_lines() if "Slick reaching the anchorage" in line.plain]
        assert contingency and "INJECT ◆" in contingency[0]
        # Enter on an MSEL row shows the inject whole, its condition in full.
        msel.focus()
        msel.move_cursor(row=msel.get_row_index("heavy-slick"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        shown = str(app.screen.query_one("#event-detail").render())
        assert "Due: when: oil_m3 above 10" in shown and "CONTINGENCY" in shown


# ----------------------------------------------------------------- 8. recipients and replies


async def test_recipient_boxes_read_without_colour(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InjectDialog)
        recipients = app.screen.query_one(TickList)
        assert line_text(recipients, 0).startswith("[ ] Everyone")
        await pilot.press("space")
        await pilot.pause()
        assert line_text(recipients, 0).startswith("[✓] Everyone")
        assert line_text(recipients, 1).startswith("[ ] Team:")


async def test_a_message_to_everyone_says_everyone_and_reply_writes_back(make_app):
    app, session, _ = make_app(started=True)
    session.submit(
        "env-officer", SendMessage(role="env-officer", to=["all"], subject="Boom", text="Boom is on the quay.")
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        lines = [line.plain for line in app.screen.query_one(Feed).shown_lines()]
        assert any("Environmental officer → everyone: [Boom] Boom is on the quay." in line for line in lines)
        app.action_show("harbour-master")
        await pilot.pause()
        screen = app.screen
        assert "To: everyone" in str(screen.query_one("#detail-body").render())
        await pilot.press("R")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ComposeDialog)
        assert dialog.query_one(TickList).selected == ["env-officer"]
        assert dialog.query_one("#subject").value == "Re: Boom"
        assert isinstance(app.focused, TextArea)  # straight to writing
        await pilot.press(*"Thanks, deploying now.", "ctrl+s")
        await pilot.pause()
        sent = [e for e in session.exercise.events if isinstance(e, MessageSent) and e.actor == "harbour-master"]
        assert [(e.to, e.subject, e.text) for e in sent] == [(["env-officer"], "Re: Boom", "Thanks, deploying now.")]
        # An inject's sender that is not a role has no one to reply to.
        await pilot.press("down", "R")
        await pilot.pause()
        assert app.screen is screen
        assert any("not a role" in n.message for n in app._notifications)


# ----------------------------------------------------------------- 9. my actions


async def test_my_actions_end_with_an_ellipsis_and_open_whole(make_app):
    app, session, _ = make_app(started=True)
    long = "Requesting the contractor's second boom and two workboats for the eastern side. " * 3
    session.submit("env-officer", SendMessage(role="env-officer", to=["coastguard"], text=long))
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("env-officer")
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        own = app.screen.query_one("#own-log", Feed)
        assert app.focused is own
        drawn = line_text(own, 0).rstrip()
        assert drawn.endswith("…") and len(drawn) <= own.size.width
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EventDialog)
        assert long.strip() in str(app.screen.query_one("#event-detail").render())


# ----------------------------------------------------------------- 10. the small ones


async def test_the_welcome_says_to_start_the_clock_and_goes_when_it_starts(make_app):
    app, _, _ = make_app()
    app.welcome = "Demo pace 10×."
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        welcome = [n.message for n in app._notifications if n.title == "Welcome"]
        assert welcome == ["Press space to start the clock. Demo pace 10×."]
        await pilot.press("space")
        await pilot.pause()
        assert not [n for n in app._notifications if n.title == "Welcome"]


async def test_pace_keys_at_either_end_log_nothing(make_app):
    app, session, _ = make_app(started=True)
    session.set_pace(900)
    async with app.run_test(size=(100, 32)) as pilot:
        before = sum(isinstance(e, ClockChanged) for e in session.exercise.events)
        await pilot.press("plus")
        await pilot.pause()
        assert sum(isinstance(e, ClockChanged) for e in session.exercise.events) == before
        assert any("fastest" in n.message for n in app._notifications)
        await pilot.press("minus")  # a real change is still logged
        assert sum(isinstance(e, ClockChanged) for e in session.exercise.events) == before + 1
        session.set_pace(1)
        before = sum(isinstance(e, ClockChanged) for e in session.exercise.events)
        await pilot.press("minus")
        assert sum(isinstance(e, ClockChanged) for e in session.exercise.events) == before


async def test_the_quit_question_says_paused_when_paused(make_app):
    app, _, _ = make_app(started=True, log=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("space")  # pause
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "paused" in app.screen.detail and "still running" not in app.screen.detail


async def test_toasts_over_a_dialog_are_brief_and_clear_of_its_buttons(make_app):
    app, _, _ = make_app(started=True)
    # run_test hides notifications unless asked: these are what is tested.
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.action_show("harbour-master")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        app.notify("3 new in the inbox", timeout=10)
        app.notify("A second notice")
        await pilot.pause()
        assert all(n.timeout <= app.DIALOG_TOAST for n in app._notifications)
        toasts = list(dialog.query_one(ToastRack).query(Toast))
        assert toasts
        for button in dialog.query(".dialog-buttons Button"):
            assert all(not toast.region.overlaps(button.region) for toast in toasts)


async def test_the_palette_over_a_dialog_offers_only_the_dialog(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert [c.title for c in app.get_system_commands(dialog)] == ["Send inject", "Cancel"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape")
        await pilot.pause()
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert "End exercise" in names  # the console's own palette is unchanged


async def test_an_attachment_keeps_its_columns_at_160x50():
    session = Session(load_file(MARITIME), clock=ManualClock(), wall=lambda: 1.0, pace=60.0)
    session.start()
    first = next(e for e in session.exercise.events if isinstance(e, InjectDelivered) and e.attachments)
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.action_show(first.to[0])
        await pilot.pause()
        documents = app.screen.query_one("#detail-attachments")
        lines = first.attachments[0]["text"].rstrip("\n").splitlines()
        assert documents.size.height == len(lines) + 1  # the heading, then each line unwrapped
        box = app.screen.query_one("#attachments-box")
        assert box.max_scroll_x > 0 and documents.size.width >= max(len(line) for line in lines)
        body = app.screen.query_one("#detail-body")
        assert body.size.width <= app.screen.query_one("#detail").size.width  # the body still wraps
        session.submit("facilitator", InjectAdHoc(to=[first.to[0]], title="No attachment"))
        app._on_events(session.tick())
        await pilot.press("up")
        await pilot.pause()
        assert not box.display


async def test_the_feed_offers_its_keys_only_once_it_has_lines(make_app):
    app, session, _ = make_app()  # not started: nothing in the feed yet
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        feed.focus()
        await pilot.pause()
        assert feed.has_focus and "enter" not in (feed.border_subtitle or "")
        session.start()
        await pilot.pause()
        assert "↑↓ enter: see an event whole" in (feed.border_subtitle or "")
