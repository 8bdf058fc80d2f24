"""The debrief writes the after-action report files themselves, the same as `tabletop report` does."""

from __future__ import annotations

import json

from simulator.bundled import resolve_scenario
from simulator.cli import main as cli_main
from simulator.commands import Decide, EndExercise
from simulator.loader import load_file
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.screens.debrief import DebriefScreen


async def test_the_debrief_exports_markdown_html_and_json_reports(make_app, capsys):
    app, session, clock = make_app(started=True, log=True)
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    clock.step(8)
    session.tick()
    session.submit("facilitator", EndExercise())
    objectives = [o.text for o in session.scenario.objectives]
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        for key in ("M", "H", "J"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.click("#export-md")  # the buttons do the same
        await app.workers.wait_for_complete()
        await pilot.pause()
        log = session.log_path
        assert screen.written == [log.with_suffix(f".aar.{f}") for f in ("md", "html", "json", "md")]
        assert "AAR: " + str(log.with_suffix(".aar.md")) in str(screen.query_one("#log-line").render())
        assert any(n.title == "Exported" for n in app._notifications)
    markdown = log.with_suffix(".aar.md").read_text(encoding="utf-8")
    html = log.with_suffix(".aar.html").read_text(encoding="utf-8")
    data = json.loads(log.with_suffix(".aar.json").read_text(encoding="utf-8"))
    for text in objectives:
        assert text in markdown
        assert text in html.replace("&#39;", "'").replace("&#x27;", "'")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "harbour-master" in markdown and "boom" in markdown
    assert all(text in json.dumps(data, ensure_ascii=False) for text in objectives)
    assert cli_main(["report", str(log), "--format", "md"]) == 0
    assert capsys.readouterr().out == markdown


async def test_an_export_that_fails_says_why(make_app):
    app, session, _ = make_app(started=True, log=True)
    session.submit("facilitator", EndExercise())
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        session.log_path.with_suffix(".aar.md").mkdir()  # something in the way of the file
        await pilot.press("M")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.written == []
        assert any("The md report failed" in n.message for n in app._notifications)


async def test_the_debrief_lists_as_missed_only_what_was_judged_and_fell_short():
    # Maritime ended after ten minutes: the company's reaction was judged and missed, most never came up.
    clock = ManualClock()
    session = Session(load_file(resolve_scenario("maritime")), clock=clock, pace=1.0)
    session.start()
    clock.step(600)
    session.tick()
    session.submit("facilitator", EndExercise())
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.show_debrief()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        card = screen.card
        findings = str(screen.query_one("#findings-body").render())
        missed = findings.split("Top strengths")[0]
        expectations = [e for o in card.objectives for e in o.expectations]
        judged = [e for e in expectations if e.status in ("missed", "partial")]
        unjudged = [e for e in expectations if e.status in ("not_triggered", "open")]
        assert judged and unjudged
        for exp in judged:
            assert (exp.description or exp.id) in missed
        for exp in unjudged:
            assert (exp.description or exp.id) not in missed
