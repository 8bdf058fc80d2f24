"""Sessions: the clock paces the exercise, every clock change is logged, and each viewer sees only its share."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from simulator.commands import AnswerHotwash, Decide, EndExercise, InjectAdHoc, Observe, SendMessage
from simulator.engine import CommandError
from simulator.events import (
    ClockChanged,
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    InjectDelivered,
    MessageSent,
    Observation,
    StateChanged,
    without_wall,
)
from simulator.loader import load_file
from simulator.replay import replay
from simulator.session import PACES, ManualClock, NotAllowed, ResumeError, Session
from simulator.store import EventStore
from simulator.visibility import FACILITATOR, can_see

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def loaded():
    return load_file(SCENARIOS / "port-drill.yaml")


def make(loaded, tmp_path: Path | None = None, pace: float = 60.0):
    clock = ManualClock()
    log = tmp_path / "run.db" if tmp_path is not None else None
    return Session(loaded, log=log, clock=clock, wall=lambda: 1_700_000_000.0, pace=pace), clock


def test_start_delivers_the_first_inject_and_logs_the_clock(loaded, tmp_path):
    session, _ = make(loaded, tmp_path)
    events = session.start()
    assert session.status == "running"
    assert any(isinstance(e, InjectDelivered) and e.inject == "hose-parted" for e in events)
    assert isinstance(events[-1], ClockChanged) and events[-1].action == "start"
    session.close()
    stored = EventStore(tmp_path / "run.db").events()
    assert [e.type for e in stored] == [e.type for e in session.exercise.events]


def test_the_clock_advances_scenario_time_at_the_pace(loaded):
    session, clock = make(loaded, pace=60.0)
    session.start()
    clock.step(15)  # 15 real seconds at 60x = 15 scenario minutes
    events = session.tick()
    assert session.exercise.now == pytest.approx(15 * 60)
    assert any(isinstance(e, InjectDelivered) and e.inject == "press-call" for e in events)


def test_pause_holds_time_and_resume_continues(loaded):
    session, clock = make(loaded)
    session.start()
    clock.step(1)
    session.pause()
    assert session.status == "paused"
    held = session.scenario_time()
    clock.step(100)
    assert session.tick() == []
    assert session.scenario_time() == held == pytest.approx(60)
    session.resume()
    clock.step(2)
    assert session.scenario_time() == pytest.approx(180)
    actions = [e.action for e in session.exercise.events if isinstance(e, ClockChanged)]
    assert actions == ["start", "pause", "resume"]


def test_speed_presets_and_jump_are_logged(loaded):
    session, _ = make(loaded, pace=60.0)
    session.start()
    session.faster()
    assert session.pace == next(p for p in PACES if p > 60)
    session.slower()
    session.slower()
    assert session.pace == 30.0
    session.jump_to_next()
    # The next thing after the start is the containment deadline at 10 minutes.
    assert session.exercise.now == pytest.approx(600)
    assert any(isinstance(e, DecisionTimedOut) for e in session.exercise.events)
    clocks = [e for e in session.exercise.events if isinstance(e, ClockChanged)]
    actions = [(e.action, e.pace) for e in clocks]
    assert actions[:4] == [("start", 60.0), ("pace", 120.0), ("pace", 60.0), ("pace", 30.0)]
    # The jump goes in legs over the leak's five-minute growth, each saying where it left and landed.
    jumps = [(e.t, e.from_t, e.to_t) for e in clocks if e.action == "jump"]
    assert jumps == [(0.0, 0.0, 300.0), (300.0, 300.0, 600.0)]
    assert all((e.from_t, e.to_t) == (None, None) for e in clocks if e.action != "jump")


def test_a_jump_lands_exactly_on_the_next_inject_and_replays(loaded, tmp_path):
    session, clock = make(loaded, tmp_path, pace=60.0)
    session.start()
    clock.step(0.4)  # 24 scenario seconds in: the jump leaves from there, not from the last event
    session.tick()
    events = session.jump_to_next()
    jump = next(e for e in events if isinstance(e, ClockChanged))
    assert (jump.t, jump.from_t) == (24.0, 24.0)
    landed = [e for e in events if isinstance(e, InjectDelivered | DecisionTimedOut)]
    assert landed and landed[0].t == session.scenario_time() == session.exercise.now
    assert max(e.to_t for e in events if isinstance(e, ClockChanged)) == landed[0].t
    # The clock is where the jump landed until real time passes.
    assert session.scenario_time() == landed[0].t
    session.close()
    # Replay raises at the first event it cannot reproduce: each leg's target is found again.
    replay(loaded, EventStore(tmp_path / "run.db").events(), seed=0)


def test_a_role_decides_only_as_itself(loaded):
    session, _ = make(loaded)
    session.start()
    decide = Decide(role="harbour-master", decision="containment", option="boom", rationale="on site")
    with pytest.raises(NotAllowed):
        session.submit("env-officer", decide)
    with pytest.raises(NotAllowed):
        session.submit("env-officer", EndExercise())
    with pytest.raises(NotAllowed):
        session.submit("harbour-master", InjectAdHoc(to=["all"], title="x"))
    events = session.submit("harbour-master", decide)
    assert any(isinstance(e, DecisionMade) for e in events)
    assert session.state_for("harbour-master")["boom_m"] == 250


def test_engine_errors_come_through_with_their_message(loaded):
    session, _ = make(loaded)
    session.start()
    with pytest.raises(CommandError, match="may not take decision"):
        session.submit("env-officer", Decide(role="env-officer", decision="containment", option="boom"))


def test_subscribers_see_only_their_share_after_it_is_logged(loaded, tmp_path):
    session, clock = make(loaded, tmp_path)
    seen: dict[str, list] = {"facilitator": [], "pcg-duty": [], "env-officer": []}
    logged_when_told: list[int] = []

    def listener(viewer):
        def hear(events):
            seen[viewer].extend(events)
            logged_when_told.append(EventStore(tmp_path / "run.db").count())

        return hear

    for viewer in seen:
        session.subscribe(viewer, listener(viewer))
    session.start()
    session.submit(FACILITATOR, Observe(text="slow to start", objective="contain"))
    session.submit("harbour-master", SendMessage(role="harbour-master", to=["coastguard"], text="spill at berth 7"))
    clock.step(11)
    session.tick()
    facilitator_types = {e.type for e in seen["facilitator"]}
    assert {"observation", "message_sent", "decision_opened", "state_changed"} <= facilitator_types
    assert not any(isinstance(e, Observation) for e in seen["pcg-duty"])
    assert any(isinstance(e, MessageSent) for e in seen["pcg-duty"])
    assert not any(isinstance(e, MessageSent) for e in seen["env-officer"])
    # oil_m3 is visible to the port team only.
    assert not any(isinstance(e, StateChanged) and e.var == "oil_m3" for e in seen["pcg-duty"])
    assert any(isinstance(e, StateChanged) and e.var == "oil_m3" for e in seen["env-officer"])
    assert not any(isinstance(e, DecisionOpened) for e in seen["env-officer"])
    assert logged_when_told == sorted(logged_when_told)
    assert all(count > 0 for count in logged_when_told)


def test_visibility_rule_for_each_kind(loaded):
    session, _ = make(loaded)
    session.start()
    session.submit(FACILITATOR, EndExercise())
    session.submit("pcg-duty", AnswerHotwash(role="pcg-duty", question="went-well", answer="radio"))
    for event in session.exercise.events:
        assert can_see(loaded.scenario, FACILITATOR, event)
    answers = [e for e in session.exercise.events if e.type == "hotwash_answered"]
    assert can_see(loaded.scenario, "pcg-duty", answers[0])
    assert not can_see(loaded.scenario, "harbour-master", answers[0])
    assert session.events_for("pcg-duty")[-1] == answers[0]
    assert "oil_m3" not in session.state_for("pcg-duty")
    assert set(session.state_for(FACILITATOR)) == {"oil_m3", "boom_m"}


def test_msel_shows_delivered_upcoming_and_conditional(loaded):
    session, _ = make(loaded)
    session.start()
    rows = {row.inject: row for row in session.msel()}
    assert rows["hose-parted"].status == "delivered"
    assert rows["press-call"].status == "upcoming" and rows["press-call"].at == 900
    assert rows["heavy-slick"].status == "conditional"


async def test_the_pacing_task_delivers_on_time_and_wakes_on_commands(loaded):
    session, clock = make(loaded, pace=60.0)
    session.start()
    task = session.launch()
    await asyncio.sleep(0)
    clock.step(10 * 60 / 60 + 0.01)  # just past the 10-minute deadline
    session.wake()
    for _ in range(20):
        await asyncio.sleep(0)
    assert any(isinstance(e, DecisionTimedOut) for e in session.exercise.events)
    session.submit(FACILITATOR, EndExercise())
    await asyncio.wait_for(task, 1)
    assert session.status == "ended"


# ----------------------------------------------------------------- resume after a crash


def crashed_run(loaded, tmp_path: Path) -> tuple[Path, Session]:
    """A logged exercise that got some way and then lost its process (nothing closed, nothing flushed late)."""
    session, clock = make(loaded, tmp_path)
    session.start()
    clock.step(3)
    session.tick()
    session.submit("harbour-master", SendMessage(role="harbour-master", to=["coastguard"], text="spill at berth 7"))
    session.submit("harbour-master", Decide(role="harbour-master", decision="containment", option="boom"))
    clock.step(14)  # past the press call at 15 minutes
    session.tick()
    # The process dies here: the log on disk is all that is left.
    return tmp_path / "run.db", session


def copy_log(source: Path, target: Path) -> Path:
    """A copy of a live log (WAL included), as a backup tool would take it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def test_a_killed_session_resumes_paused_where_the_log_stops_and_carries_on(loaded, tmp_path):
    log, dead = crashed_run(loaded, tmp_path)
    logged = EventStore(log).events()
    clock = ManualClock(500.0)
    session = Session(loaded, log=log, clock=clock, wall=lambda: 1_700_000_100.0, resume=True)
    assert session.resumed == len(logged)
    assert session.status == "paused"
    assert session.scenario_time() == pytest.approx(logged[-1].t)
    assert session.exercise.state == dead.exercise.state
    assert session.exercise.delivered == dead.exercise.delivered
    assert session.exercise.decisions["containment"].option == "boom"
    # The clock stopped when the process did: the log says so, then goes on from there.
    pause = session.exercise.events[len(logged)]
    assert isinstance(pause, ClockChanged) and pause.action == "pause" and pause.seq == len(logged) + 1
    assert session.pace == 60.0
    clock.step(30)
    assert session.tick() == []  # paused: nothing moves until the facilitator says so
    session.resume()
    clock.step(20)
    session.tick()
    session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["harbour-master"], text="on our way"))
    session.submit(FACILITATOR, EndExercise())
    session.close()
    # The log is one consistent exercise: it replays from the start, event for event.
    on_disk = EventStore(log).events()
    assert [e.seq for e in on_disk] == list(range(1, len(on_disk) + 1))
    assert on_disk == session.exercise.events
    assert on_disk[: len(logged)] == logged
    replayed = replay(loaded, on_disk, seed=0)
    assert replayed.ended and replayed.state == session.exercise.state
    actions = [e.action for e in on_disk if isinstance(e, ClockChanged)]
    assert actions == ["start", "pause", "resume"]


def test_a_log_cut_between_two_events_of_one_instant_resumes(loaded, tmp_path):
    log, dead = crashed_run(loaded, tmp_path)
    full = dead.exercise.events
    # Keep the log up to the first event of the press call's instant: its companions are lost.
    cut = next(i for i, e in enumerate(full) if isinstance(e, InjectDelivered) and e.inject == "press-call")
    short = tmp_path / "short.db"
    with EventStore.create(short, EventStore(log).meta()) as store:
        store.append_many(full[: cut + 1])
    session = Session(loaded, log=short, clock=ManualClock(), wall=lambda: 1_700_000_100.0, resume=True)
    assert [without_wall(e) for e in session.exercise.events[: len(full)]] == [without_wall(e) for e in full]
    session.close()
    assert EventStore(short).count() == len(session.exercise.events)


def test_resuming_a_log_that_was_never_started_starts_it(loaded, tmp_path):
    fresh, _ = make(loaded, tmp_path)
    fresh.close()
    session = Session(loaded, log=tmp_path / "run.db", clock=ManualClock(), resume=True)
    assert session.status == "ready" and session.resumed == 0
    session.start()
    session.close()
    assert EventStore(tmp_path / "run.db").events()[0].type == "exercise_started"


def test_resuming_an_ended_exercise_shows_it_ended(loaded, tmp_path):
    session, _ = make(loaded, tmp_path)
    session.start()
    session.submit(FACILITATOR, EndExercise())
    session.close()
    again = Session(loaded, log=tmp_path / "run.db", clock=ManualClock(), resume=True)
    assert again.status == "ended"
    again.submit("pcg-duty", AnswerHotwash(role="pcg-duty", question="went-well", answer="radio"))
    again.close()
    assert EventStore(tmp_path / "run.db").events()[-1].type == "hotwash_answered"


def test_resume_refuses_another_scenario_a_changed_file_a_wrong_seed_and_damage(loaded, tmp_path):
    log, _ = crashed_run(loaded, tmp_path)
    before = EventStore(log).count()
    other = load_file(SCENARIOS / "cyber-tidebreak.yaml")
    with pytest.raises(ResumeError, match="is a log of scenario 'port-drill', not 'cyber-tidebreak'"):
        Session(other, log=log, resume=True)
    with pytest.raises(ResumeError, match="was run with seed 0, not 7"):
        Session(loaded, log=log, seed=7, resume=True)

    changed_path = tmp_path / "port-drill.yaml"
    changed_path.write_text(Path(loaded.path).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    changed = load_file(changed_path)
    with pytest.raises(ResumeError, match=r"has changed since .* add --force"):
        Session(changed, log=log, resume=True)
    # --force goes on with the scenario text the log was started with, not the edited file.
    forced = Session(changed, log=log, clock=ManualClock(), resume=True, force=True)
    assert forced.status == "paused" and forced.loaded.text == loaded.text
    forced.close()

    # A log that the scenario does not reproduce (here: an edited decision) is caught by the replay.
    tampered = copy_log(log, tmp_path / "tampered.db")
    with sqlite3.connect(tampered) as db:
        db.execute("UPDATE events SET data = replace(data, '\"boom\"', '\"wait\"') WHERE type = 'decision_made'")
    with pytest.raises(ResumeError, match=r"diverges from the scenario at event \d+"):
        Session(loaded, log=tampered, resume=True)

    damaged = copy_log(log, tmp_path / "damaged.db")
    with sqlite3.connect(damaged) as db:
        db.execute("UPDATE events SET data = '{not json' WHERE seq = 3")
    with pytest.raises(ResumeError, match="event 3 is damaged"):
        Session(loaded, log=damaged, resume=True)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ResumeError, match="not a Tabletop log"):
        Session(loaded, log=garbage, resume=True)
    with pytest.raises(ResumeError, match="no such log file"):
        Session(loaded, log=tmp_path / "missing.db", resume=True)
    # Refusals leave the log as it was; only the forced resume added its pause.
    assert EventStore(log).count() == before + 1
