"""The room-mode audit: each finding as a story at the keyboard that would have caught it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Label, RadioButton, Sparkline, TextArea
from textual.widgets._footer import FooterKey

from simulator.commands import Decide, EndExercise, InjectAdHoc, SendMessage
from simulator.events import ClockChanged, InjectDelivered
from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.dialogs import (
    ComposeDialog,
    ConfirmDialog,
    DecisionDialog,
    EventDialog,
    HelpScreen,
    HotwashDialog,
    InjectDialog,
    ObserveDialog,
    RolePicker,
)
from ui.screens.debrief import DebriefScreen
from ui.screens.facilitator import FacilitatorScreen
from ui.screens.participant import ParticipantScreen
from ui.widgets.decisions import DecisionList, MessageLog, PendingStrip
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox
from ui.widgets.msel_table import MselTable
from ui.widgets.state_board import StateBoard

SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"
FROZEN_WALL = 1_777_000_000.0


def inside(widget, width: int, height: int) -> bool:
    """Whether a widget is drawn whole on a screen of that size."""
    region = widget.region
    return region.width > 0 and region.height > 0 and region.right <= width and region.bottom <= height


def footer_keys(app) -> dict[str, str]:
    """The keys the footer of the current screen shows, with their descriptions."""
    return {k.key: k.description for k in app.screen.query(FooterKey)}


# ----------------------------------------------------------------- 1. crash, exit code


async def test_switching_consoles_over_and_over_while_the_clock_ticks(make_app, monkeypatch):
    monkeypatch.setattr(TabletopApp, "TICK", 0.005)
    app, _, clock = make_app()
    app.live = True  # the real ticker and pacing task, on a clock the test moves
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        for n in range(12):
            clock.step(0.5)
            # Typed ahead, as a hurried trainer does: no waiting between the keys.
            await pilot.press("r", "down", "enter", "r", "down", "enter")
            if n % 3 == 0:
                await pilot.press("r", "1")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert len(app.screen_stack) == 2  # the default screen and one console: no dialog left behind
    # Leaving run_test re-raises anything the app died of (a tick while the consoles are taken down too).


async def test_a_tick_that_reaches_a_console_before_it_is_composed_is_ignored(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("pcg-duty")  # made current now, composed a moment later
        app.refresh_clock()
        app._on_events(session.tick())
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen) and app.screen.ready
        app.refresh_clock()


def test_a_crash_exits_non_zero_and_still_says_how_to_resume(tmp_path, monkeypatch, capsys):
    from textual.app import App

    from ui.cli import main

    def boom(self) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(FacilitatorScreen, "refresh_clock", boom)
    monkeypatch.setattr(TabletopApp, "run", lambda self: App.run(self, headless=True))
    log = tmp_path / "crash.db"
    assert main(["run", "port-drill", "--db", str(log)]) == 1
    out = capsys.readouterr().out
    assert f"Log: {log.resolve()}" in out and "Resume: " in out and "--resume" in out


# ----------------------------------------------------------------- 2. dialogs at 80×24


def maritime_session() -> Session:
    loaded = load_file(SCENARIOS / "maritime-bintan.yaml")
    session = Session(loaded, clock=ManualClock(), wall=lambda: FROZEN_WALL, pace=60.0)
    session.start()
    return session


@pytest.mark.parametrize("size", [(80, 24), (100, 32)])
async def test_the_decision_form_fits_and_its_rationale_and_button_are_reachable(size):
    session = maritime_session()
    app = TabletopApp(session, live=False)
    cso = next(e.to[0] for e in session.exercise.events if isinstance(e, InjectDelivered) and e.decision)
    async with app.run_test(size=size) as pilot:
        app.action_show(cso)
        await pilot.pause()
        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, DecisionDialog)
        assert inside(dialog.query_one("#ok"), *size)  # the button is always in view
        await pilot.press("enter", "tab")
        rationale = dialog.query_one("#rationale", TextArea)
        assert app.focused is rationale
        await pilot.pause()
        assert inside(rationale, *size)  # scrolled to
        await pilot.press(*"no time")
        await pilot.press("ctrl+s")  # sends from inside the text field
        assert isinstance(app.screen, ConfirmDialog)
        assert {"ctrl+s", "y", "escape"} <= set(footer_keys(app))
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        assert isinstance(app.focused, Inbox)  # back to reading
    made = [e for e in session.exercise.events if e.type == "decision_made"]
    assert made and made[0].rationale == "no time"


@pytest.mark.parametrize(
    ("viewer", "key", "dialog", "submit"),
    [
        ("harbour-master", "d", DecisionDialog, "Decide"),
        ("env-officer", "m", ComposeDialog, "Send"),
        ("facilitator", "i", InjectDialog, "Send inject"),
        ("facilitator", "o", ObserveDialog, "Record"),
        ("facilitator", "r", RolePicker, None),
        ("facilitator", "question_mark", HelpScreen, None),
    ],
)
async def test_every_dialog_fits_80x24_and_its_footer_shows_its_own_keys(make_app, viewer, key, dialog, submit):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show(viewer)
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, dialog)
        assert inside(screen.query_one("#box"), 80, 24)
        for button in screen.query("Button"):
            assert inside(button, 80, 24)
        keys = footer_keys(app)
        assert "escape" in keys
        # The console's keys are not offered while the dialog has the keyboard.
        assert not {"space", "n", "d", "m", "r"} & set(keys) - {key}
        if submit is not None:
            assert keys["ctrl+s"] == submit


async def test_ctrl_s_sends_a_message_and_an_observation(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("env-officer")
        await pilot.pause()
        await pilot.press("m")
        await pilot.press("enter")  # the first recipient: everyone
        app.screen.query_one("#text", TextArea).focus()
        await pilot.press(*"spill at berth 7", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        app.action_show("facilitator")
        await pilot.pause()
        await pilot.press("o")
        app.screen.query_one("#text", TextArea).focus()
        await pilot.press(*"calm radio", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen)
    assert [e.type for e in session.exercise.events][-2:] == ["message_sent", "observation"]


# ----------------------------------------------------------------- 3. the facilitator console


async def test_at_80x24_open_decisions_stay_on_screen_and_w_brings_the_world_state(make_app):
    app, session, clock = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.step(2)
        app._on_events(session.tick())
        app.refresh_clock()  # the live ticker's work
        await pilot.pause()
        strip = app.screen.query_one(PendingStrip)
        assert inside(strip, 80, 24) and "08:00" in str(strip.render())
        board = app.screen.query_one(StateBoard)
        assert board.region.width == 0  # hidden on a narrow screen until asked for
        assert "w: world state" in str(app.screen.query_one(Feed).border_subtitle)
        await pilot.press("w")
        await pilot.pause()
        assert inside(board, 80, 24) and inside(app.screen.query_one(DecisionList), 80, 24)
        assert app.screen.query_one(MselTable).region.width == 0
        await pilot.press("w")
        await pilot.pause()
        assert inside(app.screen.query_one(MselTable), 80, 24)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 50)])
async def test_the_msel_decision_column_is_never_off_the_edge(make_app, size):
    app, session, clock = make_app(started=True)
    clock.step(11)  # the containment deadline (10 minutes) has lapsed
    session.tick()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        msel = app.screen.query_one(MselTable)
        used = sum(column.get_render_width(msel) for column in msel.ordered_columns)
        assert used <= msel.size.width
        assert "LAPSED" in str(msel.get_cell("hose-parted", "decision"))
        assert "LAPSED" in app.export_screenshot()


async def test_at_160x50_the_side_panel_lists_decisions_and_messages(make_app):
    app, session, _ = make_app(started=True)
    session.submit("env-officer", SendMessage(role="env-officer", to=["pcg-duty"], text="Sheen at berth 7."))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        screen = app.screen
        decisions = str(screen.query_one(DecisionList).render())
        assert "Harbour master" in decisions and "⚑" in decisions
        messages = str(screen.query_one(MessageLog).render())
        assert "Environmental officer → Coast guard duty officer" in messages and "Sheen at berth 7." in messages
        assert screen.query_one("#messages").region.bottom >= 45  # the panel's height is used


# ----------------------------------------------------------------- 4. the debrief


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_debrief_shows_every_rating_and_wraps_the_objectives(make_app, size):
    app, session, _ = make_app(started=True)
    session.submit("facilitator", EndExercise())
    async with app.run_test(size=size) as pilot:
        app.show_debrief()
        await pilot.pause()
        table = app.screen.query_one("#objectives")
        assert [c.key.value for c in table.ordered_columns][:2] == ["rating", "auto"]
        used = sum(column.get_render_width(table) for column in table.ordered_columns)
        assert used <= table.size.width
        objective = session.scenario.objectives[0].text
        # Whole, on as many lines as it takes.
        assert str(table.get_cell(session.scenario.objectives[0].id, "objective")) == objective
        if size == (80, 24):
            assert any(row.height > 1 for row in table.rows.values())


# ----------------------------------------------------------------- 5. bodies and attachments


async def test_the_demo_first_inject_keeps_its_record_lines_and_its_attachment_as_written():
    session = maritime_session()
    first = next(e for e in session.exercise.events if isinstance(e, InjectDelivered))
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.action_show(first.to[0])
        await pilot.pause()
        shown = app.screen.query_one("#detail-body").render().plain  # type: ignore[attr-defined]
        # Attachments sit in their own box below the body, unwrapped.
        attached = app.screen.query_one("#detail-attachments").render().plain  # type: ignore[attr-defined]
    records = [line for line in first.body.splitlines() if ":" in line[:20] and line.strip()]
    assert records  # the alert is one field a line
    lines = shown.splitlines()
    for record in records:
        assert record.rstrip() in lines, record
    for attachment in first.attachments:
        for line in attachment["text"].splitlines():
            assert line in attached.splitlines(), line


# ----------------------------------------------------------------- 7. after the end


async def test_after_the_end_the_clock_keys_leave_and_say_why(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert {"space", "n", "i"} <= set(footer_keys(app))
        session.submit("facilitator", EndExercise())
        app._on_events([])
        app.screen.refresh_bindings()
        await pilot.pause()
        keys = footer_keys(app)
        assert not {"space", "plus", "n", "i"} & set(keys) and keys.get("e") == "Hot wash"
        await pilot.press("space")
        assert any("has ended" in n.message for n in app._notifications)
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert "Start / pause the clock" not in names and "Jump to next inject" not in names
        assert "Hot wash and debrief" in names


# ----------------------------------------------------------------- 8. names, not ids


async def test_people_read_names_never_role_ids(make_app):
    app, session, _ = make_app(started=True)
    session.submit("env-officer", SendMessage(role="env-officer", to=["pcg-duty"], text="Sheen at berth 7."))
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        lines = [line.plain for line in feed.shown_lines()]
        for role in ("harbour-master", "env-officer", "pcg-duty"):
            assert not any(role in line for line in lines), role
        assert any("Harbour master to decide: How do you contain the spill?" in line for line in lines)
        assert any(
            line.endswith("Harbour master chose “Deploy the terminal's boom around the vessel”") for line in lines
        )
        assert any("Environmental officer → Coast guard duty officer: Sheen at berth 7." in line for line in lines)
        await pilot.press("f", "3")  # the feed for a team, picked by number
        assert feed.border_title.startswith("Feed — ") and "pcg" not in feed.border_title
        app.action_show("pcg-duty")
        await pilot.pause()
        detail = str(app.screen.query_one("#detail-body").render())
        assert "From: Environmental officer" in detail and "To: Coast guard duty officer" in detail


# ----------------------------------------------------------------- 9. the jump in the log


async def test_n_logs_where_the_jump_left_and_landed(make_app):
    app, session, clock = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        clock.step(0.5)  # thirty scenario seconds in
        await pilot.press("n")
        jumps = [e for e in session.exercise.events if isinstance(e, ClockChanged) and e.action == "jump"]
        assert jumps[0].from_t == jumps[0].t == 30.0
        landed = jumps[-1].to_t
        assert session.scenario_time() == landed
        assert any(e.t == landed and e.type == "decision_timed_out" for e in session.exercise.events)
        lines = [line.plain for line in app.screen.query_one(Feed).shown_lines()]
        assert any("jump T+00:00:30 → T+00:05:00" in line for line in lines)


# ----------------------------------------------------------------- 10. help, palette, pickers, wrapping


async def test_help_wraps_at_80_columns(make_app):
    app, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        whats = list(app.screen.query(".what"))
        assert any(label.size.height > 1 for label in whats)
        assert all(label.region.right <= 80 for label in whats)


async def test_the_palette_offers_what_each_screen_does(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        names = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Ad hoc inject", "Observation", "Filter the feed", "Jump to next inject"} <= names
        app.action_show("harbour-master")
        await pilot.pause()
        names = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Decide", "Message"} <= names and "Ad hoc inject" not in names
        session.submit("facilitator", EndExercise())
        app.show_debrief()
        await pilot.pause()
        names = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Export AAR (HTML)", "Export AAR (Markdown)", "Export AAR (JSON)"} <= names


async def test_the_role_picker_is_one_line_an_entry_and_takes_numbers():
    session = maritime_session()
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        picker = app.screen
        options = picker.query_one("#choices")
        assert options.option_count == len(session.scenario.roles) + 1
        # One line each: the list is as tall as its entries (plus its border).
        assert options.virtual_size.height == options.option_count
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen) and app.screen.viewer == session.scenario.roles[1].id


async def test_long_confirmations_and_objectives_wrap(make_app, port_drill):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(ConfirmDialog("Send decision: " + "a long option " * 10 + "?", "Rationale: " + "why " * 40))
        await pilot.pause()
        question = app.screen.query_one(".question", Label)
        assert question.size.height > 1 and question.region.right <= 100
        app.pop_screen()
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        buttons = [b for b in app.screen.query(RadioButton) if b.name]
        longest = max(port_drill.scenario.objectives, key=lambda o: len(o.text))
        shown = next(b for b in buttons if b.name == longest.id)
        assert longest.text in str(shown.label)  # whole, not cut at 60


async def test_the_inbox_gives_the_sender_room(make_app):
    app, session, _ = make_app(started=True)
    session.submit("env-officer", SendMessage(role="env-officer", to=["harbour-master"], text="On my way."))
    async with app.run_test(size=(160, 50)) as pilot:
        app.action_show("harbour-master")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        senders = [str(inbox.get_cell(key, "from")) for key in inbox.rows]
        assert "Environmental officer" in senders and "Terminal control room" in senders


async def test_enter_on_the_feed_opens_an_event_whole(make_app):
    app, session, _ = make_app(started=True)
    long = "Sheen at berth 7, " * 20
    session.submit("env-officer", SendMessage(role="env-officer", to=["pcg-duty"], text=long))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one(Feed).focus()
        await pilot.press("enter")  # the newest line
        await pilot.pause()
        assert isinstance(app.screen, EventDialog)
        shown = app.screen.query_one("#event-detail").render()
        assert long.strip() in str(shown).replace("\n", " ") or long.strip() in str(shown)
        await pilot.press("escape")
        await pilot.press("up", "up", "enter")
        assert isinstance(app.screen, EventDialog)


async def test_a_flat_trend_sits_on_the_baseline_and_labels_wrap_in_their_own_column(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        board = app.screen.query_one(StateBoard)
        for row in board.rows.values():
            drawn = "".join(s.text for strip in row.query_one(Sparkline).render_lines(row.region) for s in strip)
            if len(set(row.history)) == 1:
                assert "█" not in drawn
        labels = [row.query_one(".label") for row in board.rows.values()]
        assert len({label.region.x for label in labels}) == 1  # one column, whatever wraps


# ----------------------------------------------------------------- 11. read marks on resume


async def test_a_resumed_console_keeps_what_the_role_had_read(port_drill, tmp_path):
    clock = ManualClock()
    session = Session(port_drill, log=tmp_path / "run.db", clock=clock, wall=lambda: FROZEN_WALL, pace=60.0)
    session.start()
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    for title in ("Tug on scene", "Press at the gate"):
        session.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=title))
    clock.step(16)
    session.tick()
    session.close()
    resumed = Session(port_drill, log=tmp_path / "run.db", clock=ManualClock(), wall=lambda: FROZEN_WALL, resume=True)
    app = TabletopApp(resumed, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.action_show("harbour-master")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        first = min(inbox.items.values(), key=lambda item: item.seq)
        assert first.read  # it was in front of the harbour master, who then decided
        # What came after the last thing the role did is still news (the newest was opened on arrival).
        later = sorted((i for i in inbox.items.values() if i.seq > first.seq), key=lambda i: i.seq)
        assert later and any(not item.read for item in later)


# ----------------------------------------------------------------- 12. pasted text keeps its order


PASTE = "Body with [bold red]RED[/] and \x1b[31mcolour\x1b[0m"


async def test_a_paste_with_escapes_goes_in_at_the_cursor_in_order(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        body = app.screen.query_one("#body", TextArea)
        body.focus()
        await pilot.press(*"[link]")
        await pilot.press("left")  # the cursor inside the word, before "]"
        body.post_message(events.Paste(PASTE))
        await pilot.pause()
        await pilot.press(*"!")
        assert body.text == "[linkBody with [bold red]RED[/] and colour!]"
        title = app.screen.query_one("#title", Input)
        title.focus()
        await pilot.press(*"ab", "left")
        title.post_message(events.Paste("\x1b]0;x\x07X\x1b[2JY"))
        await pilot.pause()
        await pilot.press("z")
        assert title.value == "aXYzb"


# ----------------------------------------------------------------- 13. the hot wash's way out


async def test_the_room_hot_wash_skips_to_the_debrief_or_goes_back(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e", "y")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HotwashDialog)
        labels = [str(b.label) for b in dialog.query("Button")]
        assert labels == ["Record and debrief", "Skip to debrief", "Back to console"]
        await pilot.click("#cancel")
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen)
        await pilot.press("e")
        await pilot.click("#skip")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
