"""Sessions: the clock paces the exercise, every clock change is logged, and each viewer sees only its share."""

from __future__ import annotations

import asyncio
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
)
from simulator.loader import load_file
from simulator.session import PACES, ManualClock, NotAllowed, Session
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
    actions = [(e.action, e.pace) for e in session.exercise.events if isinstance(e, ClockChanged)]
    assert actions == [("start", 60.0), ("pace", 120.0), ("pace", 60.0), ("pace", 30.0), ("jump", 30.0)]


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
