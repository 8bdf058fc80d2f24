"""A log can be replayed: after a crash the exercise resumes exactly where the log stops."""

from __future__ import annotations

import pytest

from simulator.bundled import resolve_scenario
from simulator.events import without_wall
from simulator.loader import load_file
from simulator.policies import make_policy
from simulator.replay import ReplayError, command_of, replay
from simulator.simulation import simulate
from simulator.store import EventStore


@pytest.fixture
def drill():
    return load_file(resolve_scenario("port-drill"))


def test_replaying_a_whole_log_rebuilds_the_same_world(drill):
    run = simulate(drill, make_policy("random", drill.scenario, 3), seed=3)
    exercise = replay(drill, run.events, seed=3)
    assert exercise.state == run.exercise.state
    assert exercise.delivered == run.exercise.delivered
    assert exercise.ended and exercise.events == run.events


def test_a_crashed_exercise_resumes_and_finishes_like_the_uninterrupted_one(tmp_path, drill):
    full = simulate(drill, make_policy("random", drill.scenario, 9), seed=9)
    cut = len(full.events) // 2
    # The process died after writing half of the log.
    path = tmp_path / "crashed.db"
    with EventStore.create(path, {"scenario_id": "port-drill"}) as store:
        store.append_many(full.events[:cut])
    with EventStore(path) as store:
        resumed = replay(drill, store.events(), seed=9, sink=store.append)
        for event in full.events[cut:]:
            command = command_of(event)
            if command is not None:
                resumed.advance(event.t)
                resumed.submit(command)
        resumed.advance(drill.scenario.duration)
        logged = store.events()
    assert [without_wall(e) for e in logged] == [without_wall(e) for e in full.events]


def test_a_tampered_log_is_detected(drill):
    run = simulate(drill, make_policy("model", drill.scenario, 0), seed=0)
    events = list(run.events)
    index = next(i for i, e in enumerate(events) if e.type == "decision_made")
    events[index] = events[index].model_copy(update={"option": "wait"})
    with pytest.raises(ReplayError, match=r"diverges from the scenario at event \d+"):
        replay(drill, events, seed=0)


def test_a_log_of_another_scenario_is_refused(drill):
    run = simulate(drill, make_policy("none", drill.scenario, 0), seed=0)
    events = [run.events[0].model_copy(update={"scenario": "other"}), *run.events[1:]]
    with pytest.raises(ReplayError, match="the log is of scenario 'other', not 'port-drill'"):
        replay(drill, events, seed=0)
