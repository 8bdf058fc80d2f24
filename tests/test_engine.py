"""The engine plays small scenarios to exact timelines: deadlines, branches, thresholds, seeded dynamics."""

from __future__ import annotations

import random

import pytest

from simulator.commands import Decide, EndExercise, Observe, SendMessage
from simulator.engine import CommandError, Exercise
from simulator.events import without_wall
from simulator.loader import load_text
from simulator.policies import make_policy
from simulator.simulation import simulate

HEADER = """
schema: tabletop/1
id: tiny
title: Tiny
domain: maritime
duration: 1h
teams:
  - {id: port, name: Port}
  - {id: cg, name: Coast guard}
roles:
  - {id: hm, name: Harbour master, team: port}
  - {id: duty, name: Duty officer, team: cg}
"""


def scenario(body: str):
    return load_text(HEADER + body, "tiny.yaml").scenario


def timeline(events) -> list[tuple[float, str, str]]:
    """(time, type, subject) triples: what a trainer would read in the log."""
    rows = []
    for event in events:
        if event.type.startswith("inject_"):
            subject = event.inject
        elif event.type == "decision_made":
            subject = f"{event.decision}={event.option}"
        elif event.type.startswith("decision_"):
            subject = event.decision
        elif event.type == "state_changed":
            subject = f"{event.var}={event.value:g}"
        else:
            subject = getattr(event, "reason", "")
        rows.append((event.t, event.type, subject))
    return rows


DECISION = """
state:
  oil: {label: Oil, initial: 0, visible_to: [port]}
injects:
  - id: alarm
    at: 5m
    from: Terminal
    to: [hm]
    channel: radio
    title: Hose parted
    decision:
      id: respond
      prompt: What now?
      deadline: 10m
      options:
        - id: boom
          label: Boom
          effects: [{set: {oil: 1}}, {schedule: {inject: boom-ok, in: 2m}}]
        - id: wait
          label: Wait
          effects: [{schedule: late-boom}]
      on_timeout: [{schedule: escalation}, {add: {oil: 5}}]
  - {id: boom-ok, from: Boat, to: [hm], channel: radio, title: Boom closed}
  - {id: late-boom, from: Contractor, to: [hm], channel: phone, title: Contractor on the way}
  - {id: escalation, from: Patrol, to: [all], channel: radio, title: Slick spreading, category: contingency}
"""


def test_a_deadline_that_lapses_fires_the_timeout_effects_at_the_deadline():
    exercise = Exercise(scenario(DECISION), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(3600)
    assert timeline(exercise.events) == [
        (0.0, "exercise_started", ""),
        (300.0, "inject_delivered", "alarm"),
        (300.0, "decision_opened", "respond"),
        (900.0, "decision_timed_out", "respond"),
        (900.0, "state_changed", "oil=5"),
        (900.0, "inject_delivered", "escalation"),
        (3600.0, "exercise_ended", "scenario time is up"),
    ]
    assert exercise.events[-2].to == ["hm", "duty"]


def test_a_decision_takes_its_branch_and_the_deadline_no_longer_fires():
    exercise = Exercise(scenario(DECISION), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(420)
    exercise.submit(Decide(role="hm", decision="respond", option="boom", rationale="boom is on site"))
    exercise.advance(3600)
    assert timeline(exercise.events)[3:] == [
        (420.0, "decision_made", "respond=boom"),
        (420.0, "state_changed", "oil=1"),
        (540.0, "inject_delivered", "boom-ok"),
        (3600.0, "exercise_ended", "scenario time is up"),
    ]
    made = exercise.events[3]
    assert (made.actor, made.rationale) == ("hm", "boom is on site")


def test_commands_that_cannot_apply_are_refused_with_a_reason():
    exercise = Exercise(scenario(DECISION), clock=lambda: 0.0)
    exercise.start()
    with pytest.raises(CommandError, match="has not been opened yet"):
        exercise.submit(Decide(role="hm", decision="respond", option="boom"))
    exercise.advance(300)
    with pytest.raises(CommandError, match="unknown decision 'respnd'"):
        exercise.submit(Decide(role="hm", decision="respnd", option="boom"))
    with pytest.raises(CommandError, match="role 'duty' may not take decision 'respond'"):
        exercise.submit(Decide(role="duty", decision="respond", option="boom"))
    with pytest.raises(CommandError, match="has no option 'flee'"):
        exercise.submit(Decide(role="hm", decision="respond", option="flee"))
    exercise.submit(Decide(role="hm", decision="respond", option="wait"))
    with pytest.raises(CommandError, match="was already taken"):
        exercise.submit(Decide(role="hm", decision="respond", option="boom"))
    with pytest.raises(CommandError, match="unknown role or team 'nobody'"):
        exercise.submit(SendMessage(role="hm", to=["nobody"], text="hello"))
    exercise.submit(EndExercise())
    with pytest.raises(CommandError, match="has ended"):
        exercise.submit(SendMessage(role="hm", to=["duty"], text="late"))
    # Evaluators can still write after the end.
    exercise.submit(Observe(text="Good use of the boom"))
    assert exercise.events[-1].type == "observation"


THRESHOLD = """
state:
  hosts: {label: Hosts encrypted, initial: 10, max: 500}
dynamics:
  - {id: spread, var: hosts, every: 5m, growth: 0.5, until: {chose: {decision: isolate, option: yes}}}
injects:
  - id: ransom
    at: 0s
    from: SOC
    to: [duty]
    channel: email
    title: Ransomware
    decision:
      id: isolate
      prompt: Isolate the segment?
      options:
        - {id: "yes", label: Isolate}
        - {id: "no", label: Keep running}
  - id: outage
    when: {state: hosts, above: 40}
    delay: 1m
    from: Operator
    to: [hm]
    channel: phone
    title: Terminal systems down
"""


def test_a_conditional_inject_fires_when_the_state_crosses_its_threshold():
    exercise = Exercise(scenario(THRESHOLD), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(1500)
    # 10 → 15 → 22.5 → 33.75 → 50.625 (at 20m, above 40) → outage 1 minute later.
    values = [(e.t, e.value) for e in exercise.events if e.type == "state_changed"]
    assert values[:4] == [(300.0, 15.0), (600.0, 22.5), (900.0, 33.75), (1200.0, 50.625)]
    outage = [e for e in exercise.events if e.type == "inject_delivered" and e.inject == "outage"]
    assert [e.t for e in outage] == [1260.0]


def test_a_decision_stops_a_dynamic():
    exercise = Exercise(scenario(THRESHOLD), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(400)
    exercise.submit(Decide(role="duty", decision="isolate", option="yes"))
    exercise.advance(3600)
    assert [e.value for e in exercise.events if e.type == "state_changed"] == [15.0]
    assert exercise.state["hosts"] == 15.0
    assert "outage" not in exercise.delivered


NOISY = """
state:
  plume_km: {label: Plume, initial: 0, min: 0}
dynamics:
  - {id: drift, var: plume_km, every: 10m, change: 1, noise: 0.5}
injects:
  - {id: start, at: 0s, from: Control, to: [all], channel: briefing, title: Start}
"""


def test_seeded_noise_is_reproducible_and_follows_the_seed():
    def values(seed: int) -> list[float]:
        exercise = Exercise(scenario(NOISY), seed=seed, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(3600)
        return [e.value for e in exercise.events if e.type == "state_changed"]

    # Steps at 10m … 50m; the step due at 1h coincides with the end, which comes first.
    rng = random.Random(7)
    expected, value = [], 0.0
    for _ in range(5):
        value = max(0.0, value + 1 + rng.gauss(0.0, 0.5))
        expected.append(value)
    assert values(7) == expected
    assert values(7) == values(7)
    assert values(8) != values(7)


MESSAGES = """
injects:
  - {id: start, at: 0s, from: Control, to: [hm], channel: briefing, title: Start}
  - id: nobody-told
    when: {all: [{after: 20m}, {not: {message: {from: port, to: cg}}}]}
    from: Coast guard HQ
    to: [duty]
    channel: phone
    title: Why were we not told?
  - id: thanks
    when: {message: {from: hm, to: duty}}
    from: Coast guard HQ
    to: [hm]
    channel: email
    title: Thanks for the heads-up
"""


def test_message_conditions_match_roles_and_teams():
    told = Exercise(scenario(MESSAGES), clock=lambda: 0.0)
    told.start()
    told.advance(600)
    told.submit(SendMessage(role="hm", to=["cg"], text="Spill at berth 7"))
    told.advance(3600)
    assert [(e.t, e.inject) for e in told.events if e.type == "inject_delivered"] == [(0.0, "start"), (600.0, "thanks")]

    silent = Exercise(scenario(MESSAGES), clock=lambda: 0.0)
    silent.start()
    silent.advance(3600)
    assert [(e.t, e.inject) for e in silent.events if e.type == "inject_delivered"] == [
        (0.0, "start"),
        (1200.0, "nobody-told"),
    ]


def test_an_end_effect_stops_the_exercise_and_nothing_follows():
    text = """
injects:
  - id: q
    at: 1m
    from: Control
    to: [hm]
    channel: briefing
    title: Abort?
    decision:
      id: abort
      prompt: Abort?
      deadline: 2m
      options: [{id: stop, label: Stop, effects: [{end: Called off by the harbour master}]}]
  - {id: later, at: 30m, from: Control, to: [hm], channel: briefing, title: Later}
"""
    exercise = Exercise(scenario(text), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(90)
    exercise.submit(Decide(role="hm", decision="abort", option="stop"))
    assert exercise.ended
    assert exercise.advance(3600) == []
    assert timeline(exercise.events)[-1] == (90.0, "exercise_ended", "Called off by the harbour master")


def test_same_scenario_seed_and_policy_give_the_same_log(tmp_path):
    from simulator.bundled import resolve_scenario
    from simulator.loader import load_file

    loaded = load_file(resolve_scenario("port-drill"))
    runs = []
    for _ in range(2):
        result = simulate(loaded, make_policy("random", loaded.scenario, 11), seed=11)
        runs.append([without_wall(e) for e in result.events])
    assert runs[0] == runs[1]
    other = simulate(loaded, make_policy("random", loaded.scenario, 12), seed=12)
    assert [without_wall(e) for e in other.events] != runs[0]


def test_engine_built_events_equal_validated_events():
    from simulator.bundled import resolve_scenario
    from simulator.events import parse_event
    from simulator.loader import load_file

    loaded = load_file(resolve_scenario("port-drill"))
    exercise = Exercise(loaded.scenario, clock=lambda: 0.0)
    exercise.start()
    exercise.advance(60)
    exercise.submit(SendMessage(role="harbour-master", to=["coastguard"], text="Spill"))
    exercise.submit(Decide(role="harbour-master", decision="containment", option="boom", rationale="on site"))
    exercise.submit(Observe(text="Quick boom", objective="contain", kind="strength"))
    exercise.advance(3600)
    kinds = {e.type for e in exercise.events}
    assert {"inject_delivered", "decision_made", "message_sent", "state_changed", "observation"} <= kinds
    for event in exercise.events:
        validated = parse_event(event.model_dump())
        assert validated == event
        assert validated.model_dump_json() == event.model_dump_json()
        assert validated.model_fields_set <= event.model_fields_set


def test_an_event_can_be_copied_with_changes_like_any_pydantic_model():
    exercise = Exercise(scenario(DECISION), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(300)
    delivered = exercise.events[1]
    copy = delivered.model_copy(update={"title": "Changed"})
    assert (copy.title, delivered.title) == ("Changed", "Hose parted")


def test_an_inject_can_change_the_world_and_schedule_a_follow_up_when_delivered():
    text = """
state:
  oil: {label: Oil, initial: 0}
injects:
  - id: hose
    at: 10m
    from: Terminal
    to: [hm]
    channel: radio
    title: Hose parted
    effects: [{add: {oil: 4}}, {schedule: {inject: sheen, in: 5m}}]
  - {id: sheen, from: Pilot, to: [duty], channel: radio, title: Sheen spreading}
"""
    exercise = Exercise(scenario(text), clock=lambda: 0.0)
    exercise.start()
    exercise.advance(3600)
    assert timeline(exercise.events)[1:4] == [
        (600.0, "inject_delivered", "hose"),
        (600.0, "state_changed", "oil=4"),
        (900.0, "inject_delivered", "sheen"),
    ]
    assert exercise.events[2].cause == "inject:hose"
