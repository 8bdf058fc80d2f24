"""Author and participant text is shown literally: markup and escape sequences never style or break a screen."""

from __future__ import annotations

from simulator.commands import InjectAdHoc, SendMessage
from ui.screens.participant import ParticipantScreen
from ui.text import clean, clock, countdown, in_world, literal, one_line
from ui.widgets.inbox import Inbox


def test_markup_stays_literal():
    text = literal("[bold red]x[/]")
    assert text.plain == "[bold red]x[/]"
    assert text.spans == []


def test_escape_sequences_are_removed():
    assert clean("a\x1b[2Jb") == "ab"
    assert clean("\x1b]0;title\x07visible") == "visible"
    assert clean("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "link"
    assert clean("bell\x07 nul\x00 c1\x9b31m") == "bell nul c1"
    assert clean("keep\ttabs\nand lines") == "keep\ttabs\nand lines"


def test_one_line_and_times():
    assert one_line("a\n  b\x1b[1m c", 5) == "a b c"
    assert one_line("a\n  b\x1b[1m c", 4) == "a b…"
    assert clock(3725) == "T+01:02:05"
    assert countdown(-5) == "00:00" and countdown(61) == "01:01" and countdown(3661) == "1:01:01"
    assert in_world(None, 10) == ""


HOSTILE = "[bold red]x[/] \x1b[2J\x1b]0;pwned\x07[link=http://evil]y[/link]"


async def test_hostile_text_in_an_inject_and_a_message_renders_literally(make_app):
    app, session, _ = make_app(started=True)
    async with app.run_test(size=(120, 30)) as pilot:
        session.submit("facilitator", InjectAdHoc(to=["harbour-master"], title=HOSTILE, body=HOSTILE, sender=HOSTILE))
        session.submit("env-officer", SendMessage(role="env-officer", to=["harbour-master"], text=HOSTILE))
        app.action_show("harbour-master")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ParticipantScreen)
        inbox = screen.query_one(Inbox)
        titles = [str(inbox.get_cell(key, "title")) for key in inbox.rows]
        assert any("[bold red]x[/]" in title for title in titles)
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "pwned" not in svg
        assert "[bold" in svg and "[link=http://evil]y[/link]" in svg.replace("&#160;", " ")
        app.action_show("facilitator")
        await pilot.pause()
        assert "[bold" in app.export_screenshot()
