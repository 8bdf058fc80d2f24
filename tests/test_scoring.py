"""Scoring on hand-played logs: exact points, reasons, evidence and ratings, read back from real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.bundled import resolve_scenario
from simulator.cli import main
from simulator.commands import (
    AnswerHotwash,
    CommandBase,
    Decide,
    EndExercise,
    InjectAdHoc,
    Observe,
    OverrideRating,
    SendMessage,
)
from simulator.engine import Exercise
from simulator.loader import LoadedScenario, load_file, load_text
from simulator.policies import make_policy
from simulator.scoring import ObjectiveSummary, Scorecard, rate, score, score_summary
from simulator.session import ManualClock, Session
from simulator.simulation import log_meta, simulate
from simulator.store import EventStore

SCENARIO = """\
schema: tabletop/1
id: score-drill
title: Scoring drill
domain: maritime
duration: 30m
teams:
  - {id: port, name: Port Authority}
  - {id: cg, name: Coast Guard}
  - {id: navy, name: Navy}
roles:
  - {id: hm, name: Harbour master, team: port}
  - {id: env, name: Environmental officer, team: port}
  - {id: pcg, name: Coast guard duty officer, team: cg}
  - {id: nav, name: Navy liaison, team: navy}
state:
  oil: {label: Oil, unit: t, initial: 2}
dynamics:
  - {id: leak, var: oil, every: 5m, change: 3, until: {chose: {decision: contain, option: boom}}}
objectives:
  - {id: contain, text: Contain the spill, capability: Environmental Response/Health and Safety}
  - {id: inform, text: Inform partners, capability: Operational Coordination}
injects:
  - id: alarm
    at: 0s
    from: Control room
    to: [hm, env]
    channel: radio
    title: Hose parted
    decision:
      id: contain
      prompt: Contain how?
      by: [port]
      deadline: 10m
      options:
        - {id: boom, label: Deploy the boom}
        - {id: wait, label: Wait for the contractor}
  - {id: report, at: 5m, from: Workboat, to: [env], channel: radio, title: Sheen outside}
  - id: never
    when: {state: oil, above: 1000}
    from: Patrol
    to: [pcg]
    channel: radio
    title: Huge slick
scoring:
  expectations:
    - {id: boom-fast, objective: contain, decision: contain, option: boom, by: [hm], after: alarm, within: 5m, points: 2}
    - {id: oil-low, objective: contain, state: {state: oil, below: 10}, measure: final}
    - {id: oil-peak, objective: contain, state: {state: oil, at_most: 5}, measure: peak}
    - {id: tell-cg, objective: inform, message_to_any: [cg], by: [port], after: alarm, within: 10m, points: 2,
       corrective_action: Put the coast guard on the spill call-out list.}
    - {id: tell-both, objective: inform, message_to_all: [cg, navy], by: [port], within: 15m, points: 2}
    - {id: answer-report, objective: inform, respond: report, within: 5m}
    - {id: after-never, objective: inform, message_to_any: [navy], after: never, within: 5m}
hotwash:
  - {id: well, text: What went well?}
"""


@pytest.fixture(scope="module")
def loaded() -> LoadedScenario:
    return load_text(SCENARIO, "score-drill.yaml")


def play(
    loaded: LoadedScenario, tmp_path: Path, script: list[tuple[float, CommandBase]], after: list[CommandBase] = ()
):
    """Play commands at given times into a real log file, then read the log back and score it."""
    path = tmp_path / "play.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        for at, command in script:
            exercise.advance(at)
            exercise.submit(command)
        exercise.advance(float("inf"))
        for command in after:
            exercise.submit(command)
    with EventStore(path) as store:
        events = store.events()
    return score(loaded.scenario, events), events


def expectation(card: Scorecard, ident: str):
    return next(e for o in card.objectives for e in o.expectations if e.id == ident)


def seq_of(events, kind: str, **fields) -> int:
    return next(e.seq for e in events if e.type == kind and all(getattr(e, k) == v for k, v in fields.items()))


def test_on_time_play_earns_every_point_and_cites_its_events(loaded, tmp_path):
    card, events = play(
        loaded,
        tmp_path,
        [
            (180, Decide(role="hm", decision="contain", option="boom", rationale="on site")),
            (240, SendMessage(role="hm", to=["cg", "navy"], text="Spill at berth 7")),
            (420, SendMessage(role="env", to=["hm"], text="Sheen seen")),
        ],
    )
    boom = expectation(card, "boom-fast")
    assert (boom.status, boom.met, boom.points, boom.max_points) == ("met", True, 2.0, 2.0)
    assert boom.evidence == [seq_of(events, "decision_made", decision="contain")]
    assert boom.reason == "Harbour master chose “Deploy the boom” at T+00:03:00, 3m after the trigger (2m to spare)"
    message = seq_of(events, "message_sent", actor="hm")
    tell = expectation(card, "tell-cg")
    assert (tell.points, tell.evidence) == (2.0, [message])
    assert tell.reason == (
        "Harbour master messaged Coast guard duty officer, Navy liaison at T+00:04:00, 4m after the trigger "
        "(6m to spare)"
    )
    both = expectation(card, "tell-both")
    assert (both.status, both.points, both.evidence) == ("met", 2.0, [message])
    answer = expectation(card, "answer-report")
    assert (answer.status, answer.points, answer.done_t) == ("met", 1.0, 420.0)
    assert answer.evidence == [seq_of(events, "message_sent", actor="env")]
    # The leak stopped at 3m with one step of 3 t at 5m never happening: 2 t at the end, peak 2.
    assert (expectation(card, "oil-low").points, expectation(card, "oil-peak").points) == (1.0, 1.0)
    assert expectation(card, "oil-low").reason == "Oil: final 2 t, below 10 t as needed"
    never = expectation(card, "after-never")
    assert (never.status, never.points, never.max_points) == ("not_triggered", 0.0, 0.0)
    assert never.reason == "not applicable: inject “Huge slick” never happened"
    assert [(o.id, o.points, o.max_points, o.auto_rating, o.rating) for o in card.objectives] == [
        ("contain", 4.0, 4.0, "P", "P"),
        ("inform", 5.0, 5.0, "P", "P"),
    ]
    assert (card.overall, card.overall_rating, card.points, card.max_points) == (1.0, "P", 9.0, 9.0)
    assert card.improvement_plan == []
    timing = card.decisions[0]
    assert (timing.decision, timing.role, timing.time_to_decide, timing.allowed, timing.on_time) == (
        "contain",
        "hm",
        180.0,
        600.0,
        True,
    )
    assert timing.rationale == "on site"


def test_a_decision_three_minutes_late_says_by_how_much(loaded, tmp_path):
    card, events = play(loaded, tmp_path, [(480, Decide(role="hm", decision="contain", option="boom"))])
    boom = expectation(card, "boom-fast")
    assert (boom.status, boom.points, boom.misses, boom.late_by) == ("missed", 0.0, ["too_late"], 180.0)
    assert boom.reason == "too late by 3m (decided at T+00:08:00, due T+00:05:00)"
    assert boom.evidence == [seq_of(events, "decision_made", decision="contain")]
    # One leak step at 5m: 2 + 3 = 5 t, still within both thresholds.
    assert [expectation(card, i).points for i in ("oil-low", "oil-peak")] == [1.0, 1.0]
    contain = card.objectives[0]
    assert (contain.points, contain.max_points, contain.share, contain.auto_rating) == (2.0, 4.0, 0.5, "M")
    # The decision itself was within its 10-minute deadline.
    assert (card.decisions[0].time_to_decide, card.decisions[0].on_time) == (480.0, True)


def test_wrong_option_and_the_world_it_leads_to(loaded, tmp_path):
    card, events = play(loaded, tmp_path, [(120, Decide(role="hm", decision="contain", option="wait"))])
    boom = expectation(card, "boom-fast")
    assert (boom.status, boom.misses, boom.points) == ("missed", ["wrong_option"], 0.0)
    assert boom.reason == "wrong option: chose “Wait for the contractor”, expected “Deploy the boom”"
    # The leak runs on, a step every 5 minutes until the end at 30m: 2 + 5 × 3 = 17 t.
    low = expectation(card, "oil-low")
    assert (low.status, low.misses) == ("missed", ["state"])
    assert low.reason == "Oil: final 17 t; needed below 10 t"
    # The step that set the final value, and the end that made it final.
    assert low.evidence == [max(e.seq for e in events if e.type == "state_changed"), seq_of(events, "exercise_ended")]
    assert expectation(card, "oil-peak").reason == "Oil: peak 17 t; needed at most 5 t"
    contain = card.objectives[0]
    assert (contain.points, contain.share, contain.auto_rating) == (0.0, 0.0, "U")
    outcome = card.outcomes[0]
    assert (outcome.var, outcome.initial, outcome.final, outcome.peak, outcome.peak_t) == (
        "oil",
        2.0,
        17.0,
        17.0,
        1500.0,
    )


def test_a_decision_by_the_wrong_role(loaded, tmp_path):
    card, _ = play(loaded, tmp_path, [(60, Decide(role="env", decision="contain", option="boom"))])
    boom = expectation(card, "boom-fast")
    assert (boom.misses, boom.reason) == (
        ["wrong_role"],
        "wrong role: decided by Environmental officer, expected Harbour master",
    )


def test_a_lapsed_decision_is_not_done(loaded, tmp_path):
    card, events = play(loaded, tmp_path, [])
    boom = expectation(card, "boom-fast")
    assert boom.reason == "not done: decision “Contain how?” lapsed at T+00:10:00 without a choice"
    assert boom.evidence == [seq_of(events, "decision_opened"), seq_of(events, "decision_timed_out")]
    assert (card.decisions[0].status, card.decisions[0].on_time) == ("timed_out", False)
    assert expectation(card, "tell-cg").reason == "not done: no message to Coast Guard"
    assert expectation(card, "answer-report").reason == "not done: no response to “Sheen outside”"
    assert card.overall == 0.0 and card.overall_rating == "U"


def test_a_message_to_the_wrong_partner(loaded, tmp_path):
    card, events = play(loaded, tmp_path, [(240, SendMessage(role="hm", to=["navy"], text="Spill"))])
    tell = expectation(card, "tell-cg")
    assert (tell.status, tell.misses, tell.points) == ("missed", ["wrong_partner"], 0.0)
    assert tell.reason == "wrong partner: messages went to Navy liaison, none to Coast Guard"
    assert tell.evidence == [seq_of(events, "message_sent")]
    both = expectation(card, "tell-both")
    assert (both.status, both.points, both.max_points) == ("partial", 1.0, 2.0)
    assert both.reason == (
        "reached 1 of 2; partners not informed in time: Coast Guard (Coast Guard: not done: no message)"
    )
    # The plan takes the author's corrective action and names who is responsible.
    item = next(i for i in card.improvement_plan if i.expectation == "tell-cg")
    assert (item.action, item.capability, item.responsible, item.due) == (
        "Put the coast guard on the spill call-out list.",
        "Operational Coordination",
        "Port Authority",
        "within 30 days",
    )
    # Due follows the objective's rating: U or M within 30 days, S within 90, P within 180.
    assert next(o.rating for o in card.objectives if o.id == item.objective) in ("U", "M")
    assert card.coordination.never_informed == ["port", "cg"]
    link = card.coordination.links[0]
    assert (link.from_team, link.to_team, link.messages, link.delay) == ("port", "navy", 1, 240.0)


def test_a_late_message_and_one_from_the_wrong_role(loaded, tmp_path):
    card, _ = play(
        loaded,
        tmp_path,
        [
            (300, SendMessage(role="pcg", to=["nav"], text="We heard")),
            (780, SendMessage(role="env", to=["cg"], text="Spill")),
        ],
    )
    tell = expectation(card, "tell-cg")
    assert (tell.misses, tell.late_by) == (["too_late"], 180.0)
    assert (
        tell.reason
        == "too late by 3m: Environmental officer messaged Coast guard duty officer at T+00:13:00, due T+00:10:00"
    )
    answer = expectation(card, "answer-report")
    # env answered 8 minutes after the report; pcg's earlier message is not a recipient's.
    assert (
        answer.reason
        == "too late by 3m: Environmental officer messaged Coast guard duty officer at T+00:13:00, due T+00:10:00"
    )


def test_override_observations_and_hot_wash(loaded, tmp_path):
    card, events = play(
        loaded,
        tmp_path,
        [(120, Decide(role="hm", decision="contain", option="wait"))],
        after=[
            Observe(text="Clear | calm radio <b>discipline</b>", objective="inform", kind="strength"),
            Observe(text="No boom plan", objective="contain", kind="improvement"),
            OverrideRating(objective="contain", rating="M", reason="The contractor was a real option"),
            AnswerHotwash(role="hm", question="well", answer="Radio calls"),
        ],
    )
    contain = card.objectives[0]
    assert (contain.auto_rating, contain.rating, contain.override_reason) == (
        "U",
        "M",
        "The contractor was a real option",
    )
    assert contain.override_seq == seq_of(events, "rating_overridden")
    assert [f.text for f in card.strengths if f.source == "observation"] == ["Clear | calm radio <b>discipline</b>"]
    assert [(f.text, f.capability) for f in card.improvements if f.source == "observation"] == [
        ("No boom plan", "Environmental Response/Health and Safety")
    ]
    assert [(o.kind, o.objective) for o in card.observations] == [("strength", "inform"), ("improvement", "contain")]
    assert [(a.role, a.answer) for a in card.hotwash[0].answers] == [("hm", "Radio calls")]
    # The summary that sweeps keep sees the override too.
    summary = score_summary(loaded.scenario, events)
    assert summary.objectives[0] == ObjectiveSummary("contain", contain.share, "M")


def test_ratings_follow_the_thresholds():
    from simulator.schema import RatingThresholds

    thresholds = RatingThresholds(P=0.85, S=0.6, M=0.3)
    assert [rate(s, thresholds) for s in (1.0, 0.85, 0.84, 0.6, 0.3, 0.29, 0.0, None)] == [
        "P",
        "P",
        "S",
        "S",
        "M",
        "U",
        "U",
        None,
    ]


def test_scoring_is_pure_and_json_stable(loaded, tmp_path):
    card, events = play(loaded, tmp_path, [(180, Decide(role="hm", decision="contain", option="boom"))])
    again = score(loaded.scenario, events)
    assert again == card
    assert json.dumps(again.model_dump(mode="json"), sort_keys=True) == json.dumps(
        card.model_dump(mode="json"), sort_keys=True
    )


def test_simulate_json_has_the_score(capsys):
    assert main(["simulate", "port-drill", "--policy", "model", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["score"]["overall"] == 1.0
    assert [(o["id"], o["rating"]) for o in summary["score"]["objectives"]] == [("contain", "P"), ("inform", "P")]
    assert main(["simulate", "port-drill", "--policy", "none"]) == 0
    assert "score: 0% (U), 0/5 points; contain U, inform U" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["maritime", "cyber", "cbrn", "port-drill"])
def test_the_summary_matches_the_full_scorecard_on_logs_read_back(name, tmp_path):
    path = tmp_path / "run.db"
    for seed in (1, 3, 8):
        path.unlink(missing_ok=True)
        args = ["simulate", name, "--policy", "random", "--seed", str(seed), "--log", str(path)]
        assert main(args) == 0
        with EventStore(path) as store:
            events = store.events()
            source = store.meta()["scenario_source"]
        scenario = load_text(source).scenario
        card = score(scenario, events)
        summary = score_summary(scenario, events)
        assert (summary.overall, summary.overall_rating, summary.points, summary.max_points) == (
            card.overall,
            card.overall_rating,
            card.points,
            card.max_points,
        )
        assert summary.objectives == tuple(ObjectiveSummary(o.id, o.share, o.rating) for o in card.objectives)


# --------------------------------------------------------------------------- audit fixes


@pytest.mark.parametrize("name", ["maritime", "cyber", "cbrn", "port-drill"])
def test_every_awarded_point_cites_events_that_are_in_the_log(name):
    loaded = load_file(resolve_scenario(name))
    for policy, seed in (("model", 0), ("first", 0), ("random", 1), ("random", 4), ("none", 0)):
        run = simulate(loaded, make_policy(policy, loaded.scenario, seed), seed=seed)
        seqs = {e.seq for e in run.events}
        card = score(loaded.scenario, run.events)
        for objective in card.objectives:
            for result in objective.expectations:
                if result.points > 0:
                    assert result.evidence, (name, policy, result.id)
                assert set(result.evidence) <= seqs, (name, policy, result.id)


def test_a_value_that_never_changed_cites_the_start_and_the_end(loaded, tmp_path):
    # The boom at once: the leak never runs, so oil stays at its initial 2 t throughout.
    card, events = play(loaded, tmp_path, [(0, Decide(role="hm", decision="contain", option="boom"))])
    started, ended = seq_of(events, "exercise_started"), seq_of(events, "exercise_ended")
    low, peak = expectation(card, "oil-low"), expectation(card, "oil-peak")
    assert (low.status, low.evidence) == ("met", [started, ended])
    assert (peak.status, peak.evidence) == ("met", [started])


def test_a_log_with_no_events_earns_nothing(loaded):
    card = score(loaded.scenario, [])
    assert (card.overall, card.overall_rating, card.points, card.max_points, card.ended) == (0.0, None, 0.0, 0.0, False)
    assert {e.status for o in card.objectives for e in o.expectations} <= {"open", "not_triggered"}


def _stopped(loaded, script, until):
    """Score the log of a run that crashed at `until`: the events up to then, no end."""
    exercise = Exercise(loaded.scenario, sink=lambda event: None, clock=lambda: 0.0)
    exercise.start()
    for at, command in script:
        exercise.advance(at)
        exercise.submit(command)
    exercise.advance(until)
    events = [e for e in exercise.events if e.type != "exercise_ended"]
    return score(loaded.scenario, events), events


def test_windows_still_open_when_the_log_stops_are_open_not_missed(loaded):
    card, _ = _stopped(loaded, [(120, SendMessage(role="hm", to=["navy"], text="Spill"))], 200)
    assert not card.ended and card.ended_t == 120.0
    tell = expectation(card, "tell-cg")
    # A message to the wrong partner so far, but ten minutes to put it right: open, not a miss.
    assert (tell.status, tell.misses, tell.max_points) == ("open", ["open"], 0.0)
    assert tell.reason == (
        "open when the log stopped at T+00:02:00 (due T+00:10:00): so far wrong partner: messages went to "
        "Navy liaison, none to Coast Guard"
    )
    both = expectation(card, "tell-both")
    assert both.status == "open" and both.reason.startswith(
        "open when the log stopped at T+00:02:00 (due T+00:15:00): reached 1 of 2 so far"
    )
    assert expectation(card, "boom-fast").reason == (
        "open when the log stopped at T+00:02:00 (due T+00:05:00): decision “Contain how?” not yet taken"
    )
    assert expectation(card, "oil-low").status == "open"  # the final value is not known
    assert expectation(card, "oil-peak").status == "open"  # 2 t so far; it may still pass 5
    assert expectation(card, "answer-report").reason == (
        "not applicable: inject “Sheen outside” was never delivered (the log stops at T+00:02:00)"
    )
    assert card.improvement_plan == [] and card.max_points == 0.0


def test_what_cannot_change_any_more_is_judged_in_a_log_that_stops_short(loaded):
    # Wrong option at 2m: the leak runs a step every 5 minutes; the last event is the step at 15m (11 t).
    card, _ = _stopped(loaded, [(120, Decide(role="hm", decision="contain", option="wait"))], 960)
    assert card.ended_t == 900.0
    assert expectation(card, "boom-fast").misses == ["wrong_option"]  # a decision taken is final
    # The peak is over 5 t already and can only grow: missed for good. The final value is still open.
    assert (expectation(card, "oil-peak").status, expectation(card, "oil-low").status) == ("missed", "open")
    # The coast guard was due by 10m and the log goes past it: a plain miss. (A log that stops at
    # the due instant itself leaves it open: more could have happened at that instant.)
    assert expectation(card, "tell-cg").misses == ["not_done"]


def test_the_corrective_action_follows_why_it_was_missed(tmp_path):
    text = SCENARIO.replace(",\n       corrective_action: Put the coast guard on the spill call-out list.}", "}")
    loaded = load_text(text, "score-drill.yaml")

    def action(script, ident):
        card, _ = play(loaded, tmp_path, script)
        (tmp_path / "play.db").unlink()
        return expectation(card, ident).corrective_action

    wrong_option = action([(120, Decide(role="hm", decision="contain", option="wait"))], "boom-fast")
    assert wrong_option == (
        "Review the decision criteria and what each option leads to with the decision-makers. "
        "Expected: Harbour master takes decision “Contain how?” with “Deploy the boom” within 5m of inject “Hose parted”."
    )
    assert action([(480, Decide(role="hm", decision="contain", option="boom"))], "boom-fast").startswith(
        "Cut the time from trigger to action"
    )
    assert action([(60, Decide(role="env", decision="contain", option="boom"))], "boom-fast").startswith(
        "Make clear which role is responsible and has the authority to act"
    )
    assert action([], "boom-fast").startswith("Make sure the decision is taken before it lapses")
    # Nobody named in the expectation: the improvement falls to whoever could take the decision.
    anyone = load_text(text.replace("option: boom, by: [hm], after: alarm", "option: boom, after: alarm"), "x.yaml")
    card, _ = play(anyone, tmp_path, [])
    (tmp_path / "play.db").unlink()
    assert (
        next(p for p in card.improvement_plan if p.expectation == "boom-fast").responsible
        == "Harbour master, Environmental officer"
    )
    assert action([(240, SendMessage(role="hm", to=["navy"], text="Spill"))], "tell-cg").startswith(
        "Check the contact list and call-out plan so that the right partner is informed"
    )
    assert action([], "answer-report").startswith("Make sure the recipients act on the inject")
    # Two reasons at once: both are named, in order.
    both = action([(480, Decide(role="hm", decision="contain", option="wait"))], "boom-fast")
    assert both.startswith("Review the decision criteria") and "; cut the time from trigger to action" in both


def test_a_team_that_writes_before_its_first_inject_has_no_negative_delay(loaded, tmp_path):
    card, _ = play(
        loaded,
        tmp_path,
        [
            (60, SendMessage(role="pcg", to=["hm"], text="Radio check")),
            (300, InjectAdHoc(to=["pcg"], title="Sheen reported")),
            (360, SendMessage(role="pcg", to=["nav"], text="Sheen")),
        ],
    )
    links = {(link.from_team, link.to_team): link for link in card.coordination.links}
    early = links[("cg", "port")]
    assert (early.delay, early.before_first_inject, early.first_t) == (None, True, 60.0)
    later = links[("cg", "navy")]
    assert (later.delay, later.before_first_inject) == (60.0, False)


def _maritime_ended_at(seconds: float) -> Scorecard:
    maritime = load_file(resolve_scenario("maritime"))
    clock = ManualClock()
    session = Session(maritime, clock=clock, pace=1.0)
    session.start()
    clock.step(seconds)
    session.tick()
    session.submit("facilitator", EndExercise())
    return score(maritime.scenario, session.exercise.events)


def test_an_exercise_ended_after_thirty_seconds_rates_nothing_it_never_exercised():
    # The world is untouched after thirty seconds: that proves nothing about interdiction or crew
    # safety; and the company's ten minutes to react to the SSAS alert were cut short by the end.
    card = _maritime_ended_at(30)
    assert {o.id: o.rating for o in card.objectives} == dict.fromkeys(
        ["share", "coordinate", "interdict", "protect", "inform"]
    )
    untouched = [e for o in card.objectives for e in o.expectations if e.kind == "state"]
    assert untouched and all(e.status == "not_triggered" and e.max_points == 0 for e in untouched)
    assert untouched[0].reason == "not judged: none of this objective's actions came up in play"
    cut = [e for o in card.objectives for e in o.expectations if e.status == "open"]
    assert [e.id for e in cut] == ["cso-raises-alarm", "cso-tells-region"]
    assert all(e.reason.startswith("cut short: the exercise ended at T+00:00:30") for e in cut)
    assert (card.overall_rating, card.max_points, card.improvement_plan) == (None, 0.0, [])


def test_once_the_window_has_closed_an_early_end_judges_what_was_due():
    card = _maritime_ended_at(600)
    ratings = {o.id: o.rating for o in card.objectives}
    assert ratings == {"share": "U", "coordinate": None, "interdict": None, "protect": None, "inform": None}
    assert [p.expectation for p in card.improvement_plan] == ["cso-raises-alarm", "cso-tells-region"]


@pytest.mark.parametrize("name", ["maritime", "cyber", "cbrn", "port-drill"])
def test_reasons_and_findings_name_roles_options_and_state_as_the_scenario_shows_them(name, tmp_path):
    """A room reads the debrief: no id the scenario gives a name, label or title shows in its words."""
    loaded = load_file(resolve_scenario(name))
    scenario = loaded.scenario
    named = {r.id for r in scenario.roles if r.name != r.id} | {t.id for t in scenario.teams if t.name != t.id}
    named |= {o.id for d in scenario.decisions for o in d.options if o.label != o.id}
    named |= {v for v, spec in scenario.state.items() if spec.label and spec.label != v}
    # Ids with a hyphen or underscore cannot be ordinary words of a sentence or a name.
    ids = {i for i in named if "-" in i or "_" in i}
    assert ids
    path = tmp_path / "run.db"
    seen: set[str] = set()
    for policy, seed in (("random", 1), ("random", 5), ("none", 0), ("first", 0)):
        path.unlink(missing_ok=True)
        assert main(["simulate", name, "--policy", policy, "--seed", str(seed), "--log", str(path)]) == 0
        with EventStore(path) as store:
            card = score(scenario, store.events())
        texts = [e.reason for o in card.objectives for e in o.expectations]
        texts += [e.description for o in card.objectives for e in o.expectations]
        texts += [f.text for f in card.strengths + card.improvements]
        texts += [i.action for i in card.improvement_plan]
        for text in texts:
            words = set(text.replace(",", " ").replace(";", " ").replace(":", " ").replace("(", " ").split())
            assert not ids & words, (name, policy, text)
        seen.update(texts)
    assert any(" chose “" in text for text in seen), name


def test_a_missed_outcome_falls_to_those_its_objective_holds_to_act(tmp_path):
    # With nobody deciding, the world goes wrong: the plan must still name who is to put it right.
    path = tmp_path / "none.db"
    assert main(["simulate", "cbrn", "--policy", "none", "--log", str(path)]) == 0
    loaded = load_file(resolve_scenario("cbrn"))
    with EventStore(path) as store:
        card = score(loaded.scenario, store.events())
    kinds = {e.id: e for e in loaded.scenario.scoring.expectations}
    state_items = [i for i in card.improvement_plan if kinds[i.expectation].kind == "state"]
    assert state_items
    names = {r.name for r in loaded.scenario.roles}
    for item in state_items:
        assert item.responsible != "All participants", item
        assert set(item.responsible.split(", ")) <= names, item
    protect = next(i for i in state_items if i.expectation == "exposure-contained")
    # Those who decide the protective action, in the order the objective's expectations name them.
    assert protect.responsible.startswith("HazMat incident commander, BNPB crisis centre director")
