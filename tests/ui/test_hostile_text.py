"""Escape sequences and markup in author text never reach the terminal: checked on what the app writes.

The loader refuses control characters in scenario files; the screens clean author text anyway (a
scenario kept in a log, a future loader change). This builds a scenario past the loader, with an
escape sequence, a hyperlink, an 8-bit CSI and Rich markup in every name and label a screen shows,
drives the consoles, dialogs and the debrief by keys, and reads the bytes the app sent to its driver.
"""

from __future__ import annotations

import dataclasses
import re

from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets._header import HeaderTitle

from simulator.loader import LoadedScenario
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.screens.debrief import DebriefScreen
from ui.screens.participant import ParticipantScreen

BAD = "\x1b[2J\x1b]8;;http://x\x1b\\\x9b31m[bold red]X[/]"
"""Clear the screen, open a hyperlink, an 8-bit CSI colour, and Rich markup."""
MARKUP = "[bold red]X[/]"

# What Textual itself writes: cursor moves and colours (CSI … H / m), and the mouse pointer shape
# (OSC 22). Anything else that starts a control sequence came from somewhere else.
TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;]*[Hm]|\x1b\]22;[a-z-]+\x07")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def hostile(loaded: LoadedScenario) -> LoadedScenario:
    """The scenario with BAD in its title, team and role names, state labels and units, objectives,
    hot wash questions, inject senders and titles and decision prompts (past the loader, which refuses them)."""
    scenario = loaded.scenario

    def bad(text: str) -> str:
        return f"{text} {BAD}"

    injects = []
    for inject in scenario.injects:
        update: dict[str, object] = {"from_": bad(inject.from_), "title": bad(inject.title)}
        if inject.decision is not None:
            update["decision"] = inject.decision.model_copy(update={"prompt": bad(inject.decision.prompt)})
        injects.append(inject.model_copy(update=update))
    changed = scenario.model_copy(
        update={
            "title": bad(scenario.title),
            "teams": [t.model_copy(update={"name": bad(t.name)}) for t in scenario.teams],
            "roles": [r.model_copy(update={"name": bad(r.name)}) for r in scenario.roles],
            "state": {
                k: v.model_copy(update={"label": bad(v.label), "unit": bad(v.unit)}) for k, v in scenario.state.items()
            },
            "objectives": [o.model_copy(update={"text": bad(o.text)}) for o in scenario.objectives],
            "hotwash": [q.model_copy(update={"text": bad(q.text)}) for q in scenario.hotwash],
            "injects": injects,
        }
    )
    # A copy keeps the lookups and plans built for the original: rebuilt for the changed lists.
    for cached in ("timed_injects", "recipients"):
        changed.__dict__.pop(cached, None)
    changed.model_post_init(None)
    return dataclasses.replace(loaded, scenario=changed)


class Recorder(HeadlessDriver):
    """A headless driver that keeps what the app writes to the terminal (the stock one drops it)."""

    written: list[str] = []

    @property
    def is_headless(self) -> bool:
        # Not headless to the app, so it renders and writes every update as it would to a terminal.
        return False

    def write(self, data: str) -> None:
        Recorder.written.append(data)

    def flush(self) -> None:
        """Nothing to flush: every write is recorded as it comes."""


def foreign(output: str) -> list[str]:
    """Control characters left once Textual's own sequences are taken out, with their context."""
    rest = TEXTUAL_OWN.sub("", output)
    return [repr(rest[max(0, m.start() - 20) : m.end() + 20]) for m in CONTROL.finditer(rest)]


async def test_escape_sequences_in_author_text_never_reach_the_terminal(port_drill):
    loaded = hostile(port_drill)
    scenario = loaded.scenario
    assert BAD in scenario.title and BAD in scenario.role("harbour-master").name
    session = Session(loaded, clock=ManualClock(), wall=lambda: 1.0, pace=60.0)
    session.start()
    app = TabletopApp(session, live=False)
    app.driver_class = Recorder
    Recorder.written = []
    async with app.run_test(size=(160, 50), headless=False) as pilot:
        await pilot.pause()
        # Exercise control: the header, MSEL, feed, world state, then the dialogs that list names.
        for keys in (["f"], ["o"], ["r"], ["i"], ["ctrl+p", *"Console"]):
            await pilot.press(*keys)
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("n")  # the deadline lapses: a contingency inject with a hostile sender arrives
        await pilot.pause()
        # The harbour master, whose name is hostile too: inbox, item, decision form, message, tabs.
        await pilot.press("r", "2")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        await pilot.press("down", "up", "m")
        await pilot.pause()
        await pilot.press("escape", "2")
        await pilot.pause()
        await pilot.press("3", "1")
        await pilot.pause()
        # The end: the hot wash questions, the debrief and the rating dialog.
        await pilot.press("r", "1", "e", "y")
        await pilot.pause()
        app.screen.query_one("#skip").press()
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        header = str(app.screen.query_one(HeaderTitle).render())
        await pilot.press("enter")
        await pilot.pause()
    output = "".join(Recorder.written)
    assert len(output) > 10_000  # the recorder saw the screens
    assert foreign(output) == []
    assert "http://x" not in output and "\x9b" not in output and "\x1b[2J" not in output
    # Markup in author text is shown as typed, not applied.
    assert MARKUP in TEXTUAL_OWN.sub("", output)
    assert not CONTROL.search(header) and MARKUP in header and "Debrief" in header


async def test_every_widget_and_header_shows_hostile_names_cleaned(port_drill):
    """The same scenario, widget by widget: what each renders has no control character left."""
    from textual.widgets import Label, Static

    session = Session(hostile(port_drill), clock=ManualClock(), wall=lambda: 1.0, pace=60.0)
    session.start()
    app = TabletopApp(session, live=False)

    def dirty() -> list[str]:
        texts = [str(w.render()) for w in app.screen.query(Static)] + [str(w.render()) for w in app.screen.query(Label)]
        texts += [w.border_title or "" for w in app.screen.query("*")]
        texts.append(app.format_title(app.screen.title or "", app.screen.sub_title or "").plain)
        return [t for t in texts if CONTROL.search(t)]

    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert dirty() == []
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert all(not CONTROL.search(n) for n in names)
        assert any(f"Console: Harbour master \\{MARKUP[:-3]}\\[/]" == n.strip() for n in names)
        app.action_show("harbour-master")
        await pilot.pause()
        assert dirty() == []
        await pilot.press("2")
        await pilot.pause()
        assert dirty() == []
