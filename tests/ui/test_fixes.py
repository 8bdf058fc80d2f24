"""Fixes found walking through the consoles: moving sparklines, keys that work where they are documented."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widgets import Sparkline

from simulator.events import StateChanged
from ui.widgets.state_board import StateBoard


def _drawn(widget) -> str:
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "".join(segment.text for strip in strips for segment in strip)


async def test_the_sparkline_redraws_when_the_state_changes(make_app):
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        board = app.screen.query_one(StateBoard)
        row = next(iter(board.rows.values()))
        sparkline = row.query_one(Sparkline)
        before = _drawn(sparkline)
        for value in (10.0, 500.0, 1.0, 900.0):
            board.add_events(
                [
                    StateChanged(
                        t=0, seq=0, wall=0.0, actor="world", var=row.var, value=value, previous=0.0, cause="test"
                    )
                ]
            )
        await pilot.pause()
        assert sparkline.data == row.history and sparkline.data is not row.history
        assert _drawn(sparkline) != before


async def test_keys_1_2_3_switch_tabs_with_the_inbox_focused(make_app):
    from textual.widgets import TabbedContent

    from ui.widgets.inbox import Inbox

    app, _, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_show("env-officer")
        await pilot.pause()
        app.screen.query_one(Inbox).focus()
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press("2")
        await pilot.pause()
        assert tabs.active == "situation"
        assert app.focused is None or "situation" in [a.id for a in app.focused.ancestors_with_self]
        await pilot.press("3")
        await pilot.pause()
        assert tabs.active == "actions"
        await pilot.press("1")
        await pilot.pause()
        assert tabs.active == "inbox"
        assert isinstance(app.focused, Inbox)


async def test_the_hot_wash_takes_typing_at_once_and_asks_before_discarding(make_app):
    from textual.widgets import TextArea

    from ui.dialogs import ConfirmDialog, HotwashDialog
    from ui.screens.debrief import DebriefScreen
    from ui.screens.facilitator import FacilitatorScreen

    app, session, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e", "y")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HotwashDialog)
        await pilot.press(*"quick boom")
        assert dialog.query_one("#q-went-well", TextArea).text == "quick boom"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.screen is dialog and dialog.query_one("#q-went-well", TextArea).text == "quick boom"
        await pilot.press("ctrl+q")  # quitting would lose the answers too
        assert isinstance(app.screen, ConfirmDialog) and "not recorded" in str(app.screen.detail)
        await pilot.press("n")
        # Escape is "Back to console", after the discard is confirmed: the debrief is not where it leads.
        await pilot.press("escape", "y")
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen)
        await pilot.press("e")  # ended: straight to the hot wash again
        assert isinstance(app.screen, HotwashDialog)
        await pilot.click("#skip")  # "Skip to debrief", nothing typed: no question asked
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert not [e for e in session.exercise.events if e.type == "hotwash_answered"]


async def test_long_hot_wash_questions_wrap(make_app, port_drill):
    from ui.dialogs import HotwashDialog

    question = port_drill.scenario.hotwash[0].model_copy(update={"text": "Why " * 60 + "end?"})
    scenario = port_drill.scenario.model_copy(update={"hotwash": [question]})
    app, _, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(HotwashDialog(scenario))
        await pilot.pause()
        label = app.screen.query_one(".question")
        assert label.size.height > 1 and label.size.width <= 100


async def test_quitting_a_running_exercise_asks_first_and_says_the_log_is_safe(make_app):
    from ui.dialogs import ConfirmDialog

    app, _, _ = make_app(started=True, log=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmDialog)
        assert "still running" in app.screen.detail and "log" in app.screen.detail
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmDialog)
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
        assert app.return_code == 0 or not app.is_running


PASTED = "Covert SSAS 1805Z. \x1b[2J\x1b]0;pwned\x07 [link=https://x]click[/link]\x00"
VISIBLE = "Covert SSAS 1805Z.  [link=https://x]click[/link]"


async def test_pasted_control_characters_never_reach_the_log(make_app):
    from textual import events
    from textual.widgets import Input, SelectionList, TextArea

    from simulator.events import InjectDelivered, MessageSent

    app, session, _ = make_app(started=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("i")
        dialog = app.screen
        dialog.query_one(SelectionList).select("harbour-master")
        title = dialog.query_one("#title", Input)
        title.value = PASTED
        body = dialog.query_one("#body", TextArea)
        body.focus()
        await pilot.pause()
        app.post_message(events.Paste(PASTED + "\nsecond line"))  # as the terminal driver sends it
        await pilot.pause()
        # What shows is already clean: nothing raw is drawn to the terminal.
        assert title.value == VISIBLE and body.text == VISIBLE + "\nsecond line"
        await pilot.click("#ok")
        await pilot.pause()
        sent = [e for e in session.exercise.events if isinstance(e, InjectDelivered) and e.adhoc][-1]
        assert (sent.title, sent.body) == (VISIBLE, VISIBLE + "\nsecond line")

        app.action_show("env-officer")
        await pilot.pause()
        await pilot.press("m")
        dialog = app.screen
        dialog.query_one(SelectionList).select("coastguard")
        dialog.query_one("#subject", Input).value = "\x1b[31mRed\x1b[0m"
        dialog.query_one("#text", TextArea).load_text(PASTED)
        await pilot.click("#ok")
        await pilot.pause()
        message = [e for e in session.exercise.events if isinstance(e, MessageSent)][-1]
        assert (message.subject, message.text) == ("Red", VISIBLE)


async def test_the_clock_holds_while_ending_is_confirmed(make_app):
    from simulator.commands import EndExercise
    from ui.dialogs import ConfirmDialog, HotwashDialog

    app, session, _ = make_app(started=True)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmDialog) and session.status == "paused"
        await pilot.press("n")
        assert session.status == "running"
        await pilot.press("e")
        session.submit("facilitator", EndExercise())  # ended meanwhile (another console, or time ran out)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, HotwashDialog)
        assert not [n for n in app._notifications if n.severity == "error"]


def test_exit_hints_give_absolute_paths_and_the_command_used(tmp_path, monkeypatch):
    from ui.commands import exit_hints

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TABLETOP_COMMAND", "python3 /abs/run.py")
    lines = exit_hints(Path("runs/x.db"), "port-drill", ended=True)
    assert lines[-1] == f"AAR: python3 /abs/run.py report {tmp_path}/runs/x.db --format html -o aar.html"
    monkeypatch.delenv("TABLETOP_COMMAND")
    lines = exit_hints(Path("runs/x.db"), "port-drill", ended=False)
    assert lines[1] == f"Resume: tabletop run port-drill --db {tmp_path}/runs/x.db --resume"
    assert lines[-1].startswith(f"AAR: tabletop report {tmp_path}/runs/x.db")


def test_the_demo_starts_gently_and_run_keeps_the_scenario_pace(monkeypatch):
    import argparse

    from ui import commands

    seen: list[argparse.Namespace] = []
    monkeypatch.setattr(commands, "_run", lambda args: seen.append(args) or 0)
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["demo"])
    args.handler(args)
    assert seen[-1].pace == commands.DEMO_PACE and "+ or -" in seen[-1].welcome
    args = parser.parse_args(["demo", "--pace", "60"])
    args.handler(args)
    assert seen[-1].pace == 60
    args = parser.parse_args(["run", "port-drill"])
    assert args.pace is None  # run: the scenario's own pace


async def test_the_welcome_notice_shows(make_app):
    app, _, _ = make_app()
    app.welcome = "Demo pace 10×"
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert any("Demo pace" in n.message for n in app._notifications)


async def test_at_80_columns_every_footer_key_shows_and_the_inbox_title_comes_first(make_app):
    from textual.widgets._footer import FooterKey

    from ui.widgets.inbox import Inbox

    app, _, _ = make_app(started=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert {k.key for k in keys} >= {"space", "n", "i", "o", "f", "e", "r", "question_mark", "ctrl+q"}
        assert all(k.region.right <= 80 and k.region.width > 0 for k in keys)
        app.action_show("harbour-master")
        await pilot.pause()
        inbox = app.screen.query_one(Inbox)
        assert [c.key.value for c in inbox.ordered_columns][:2] == ["new", "title"]
        assert inbox.get_row_at(0)[-1].plain == "1"  # the role's own count, not the log's event number


def test_bodies_reflow_but_keep_paragraphs_lists_and_tables():
    from ui.text import number, reflow

    prose = "The boom at berth 7 is holding but the tide turns at 14:10 and the sheen outside it is\n"
    body = prose + "spreading.\n\nChecklist:\n- boom\n- skimmer\n\n| a | b |\n| 1 | 2 |\n  indented\nline"
    assert reflow(body) == (
        prose.replace("\n", " ")
        + "spreading.\n\nChecklist:\n- boom\n- skimmer\n\n| a | b |\n| 1 | 2 |\n  indented\nline"
    )
    # Short lines are breaks the author meant: a greeting, a signature, a heading.
    assert reflow("Dear spokesperson,\nWe understand the tanker was seized.") == (
        "Dear spokesperson,\nWe understand the tanker was seized."
    )
    assert [number(v) for v in (84.3801, 82.8954, 2.0, 1e5, -0.001)] == ["84.38", "82.9", "2", "100000", "0"]


async def test_readable_decisions_msel_and_feed(make_app):
    from simulator.commands import Decide, InjectAdHoc
    from ui.widgets.feed import Feed
    from ui.widgets.msel_table import MselTable

    app, session, clock = make_app(started=True)
    clock.step(9)  # nine scenario minutes: the leak has grown once
    session.tick()
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    session.submit("facilitator", InjectAdHoc(to=["pcg-duty"], title="Extra"))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        feed = app.screen.query_one(Feed)
        lines = [line.plain for line in feed.shown_lines()]
        assert any("chose “Deploy the terminal's boom" in line for line in lines)
        states = [line for line in lines if "STATE" in line]
        decimals = [p.split(".")[1] for line in states for p in line.split() if p[:1].isdigit() and "." in p]
        assert states and all(len(d) <= 2 for d in decimals)
        dynamics = [e for e in session.exercise.events if e.type == "state_changed" and e.cause.startswith("dynamic:")]
        before = len(feed.shown)
        await pilot.press("s")
        assert len(feed.shown) == before - len(dynamics) and dynamics
        await pilot.press("s")
        assert len(feed.shown) == before

        msel = app.screen.query_one(MselTable)
        keys = [row.key for row in msel.ordered_rows]
        # The due time after the status mark; conditional rows ("when …") last.
        dues = [str(msel.get_cell(key, "due"))[2:] for key in keys]
        timed = [d for d in dues if not d.startswith("when")]
        assert timed == sorted(timed) and dues[: len(timed)] == timed
        assert any("Extra" in str(msel.get_cell(key, "title")) for key in keys)
        to = [str(msel.get_cell(key, "to")) for key in keys]
        assert "Harbour master" in to and "Coast guard duty officer" in to  # names, never ids
        assert not any("harbour-master" in t or "pcg-duty" in t for t in to)
        assert str(msel.get_cell("hose-parted", "decision")).startswith("✔ Deploy")  # the status leads

        app.action_show("harbour-master")
        await pilot.pause()
        assert "chose “Deploy the terminal's boom" in str(app.screen.query_one("#detail-status").render())
