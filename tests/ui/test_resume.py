"""Resume after a crash: `tabletop run --resume` reopens a log paused where it stopped, consoles full."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from simulator.commands import Decide, SendMessage
from simulator.session import ManualClock, Session
from simulator.store import EventStore
from ui.app import TabletopApp
from ui.cli import main
from ui.screens.facilitator import FacilitatorScreen
from ui.screens.participant import ParticipantScreen
from ui.widgets.feed import Feed
from ui.widgets.inbox import Inbox
from ui.widgets.msel_table import MselTable

SCENARIO = Path(__file__).resolve().parent.parent.parent / "scenarios" / "port-drill.yaml"
FROZEN_WALL = 1_777_000_000.0


def crashed(port_drill, tmp_path):
    """A logged exercise 16 scenario minutes in whose process then died."""
    clock = ManualClock()
    session = Session(port_drill, log=tmp_path / "run.db", clock=clock, wall=lambda: FROZEN_WALL, pace=60.0)
    session.start()
    session.submit("harbour-master", SendMessage(role="harbour-master", to=["coastguard"], text="Spill at berth 7."))
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    clock.step(16)
    session.tick()
    return tmp_path / "run.db"


async def test_the_resumed_consoles_show_what_happened_before_the_crash(port_drill, tmp_path):
    log = crashed(port_drill, tmp_path)
    clock = ManualClock()
    session = Session(port_drill, log=log, clock=clock, wall=lambda: FROZEN_WALL, resume=True)
    app = TabletopApp(session, live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen)
        assert "PAUSED" in str(app.screen.query_one("ClockBar").render())
        feed = app.screen.query_one(Feed)
        lines = [line.plain for line in feed.shown_lines()]
        assert any("Bunker hose parted" in line for line in lines)
        assert any("Spill at berth 7." in line for line in lines)
        msel = app.screen.query_one(MselTable)
        assert str(msel.get_cell("press-call", "due")).startswith("✔")  # delivered
        assert any("Resumed" in n.title and "Paused at T+00:15:00" in n.message for n in app._notifications)

        app.action_show("harbour-master")
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        inbox = app.screen.query_one(Inbox)
        titles = [str(inbox.get_cell(key, "title")) for key in inbox.rows]
        assert any("Bunker hose parted" in title for title in titles)
        assert any("Boom in place" in title for title in titles)  # what the decision brought

        # The facilitator carries on: the clock runs from where the log stopped.
        app.action_show("facilitator")
        await pilot.pause()
        await pilot.press("space")
        assert session.status == "running"
        clock.step(1)
        session.tick()
        assert session.scenario_time() == 16 * 60  # the log stopped at the press call, 15 minutes in
    actions = [e.action for e in EventStore(log).events() if e.type == "clock_changed"]
    assert actions == ["start", "pause", "resume"]


def test_run_refuses_an_existing_log_without_resume_and_bad_logs_cleanly(port_drill, tmp_path, capsys):
    log = crashed(port_drill, tmp_path)
    assert main(["run", str(SCENARIO), "--db", str(log)]) == 1
    assert "already exists; add --resume to continue" in capsys.readouterr().err

    assert main(["run", "cyber", "--db", str(log), "--resume"]) == 1
    err = capsys.readouterr().err
    assert "is a log of scenario 'port-drill', not 'cyber-tidebreak'" in err and "Traceback" not in err

    damaged = tmp_path / "damaged.db"
    with sqlite3.connect(log) as src, sqlite3.connect(damaged) as dst:
        src.backup(dst)
    with sqlite3.connect(damaged) as db:
        db.execute("UPDATE events SET type = 'no_such_thing' WHERE seq = 2")
    assert main(["run", str(SCENARIO), "--db", str(damaged), "--resume"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tabletop: error: ") and "event 2 has unknown type 'no_such_thing'" in err

    assert main(["run", str(SCENARIO), "--resume"]) == 2
    assert "--resume needs the log to continue: --db FILE" in capsys.readouterr().err
    assert main(["run", str(SCENARIO), "--db", str(tmp_path / "new.db"), "--force"]) == 2
