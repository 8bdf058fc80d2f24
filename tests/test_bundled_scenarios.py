"""The bundled scenarios are what trainers judge the product by: they must be clean, rich and fully reachable."""

from __future__ import annotations

import pytest

from simulator.bundled import bundled_scenarios
from simulator.lint import lint
from simulator.loader import load_file
from simulator.policies import make_policy
from simulator.schema import AddEffect, ScheduleEffect, SetEffect
from simulator.simulation import simulate

BUNDLED = bundled_scenarios()
FLAGSHIPS = {name: path for name, path in BUNDLED.items() if name.split("-")[0] in ("maritime", "cyber", "cbrn")}
RANDOM_SEEDS = range(30)


def test_there_is_a_flagship_for_each_domain():
    domains = {load_file(path).scenario.domain for path in FLAGSHIPS.values()}
    assert domains == {"maritime", "cyber", "cbrn"}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_scenario_validates_and_lints_clean(name):
    loaded = load_file(BUNDLED[name])
    assert lint(loaded) == []
    assert loaded.text.startswith("# yaml-language-server: $schema=tabletop-1.schema.json")


@pytest.mark.parametrize("name", sorted(FLAGSHIPS))
def test_flagship_has_the_size_and_shape_of_a_real_exercise(name):
    scenario = load_file(FLAGSHIPS[name]).scenario
    assert scenario.duration >= 90 * 60
    assert len(scenario.injects) >= 30
    assert len({i.channel for i in scenario.injects}) >= 4
    categories = {i.category for i in scenario.injects}
    assert {"noise", "contingency"} <= categories
    assert any(i.channel in ("news", "social") for i in scenario.injects), "media pressure"
    assert len(scenario.roles) >= 6
    assert len({r.team for r in scenario.roles}) >= 3
    assert len(scenario.hotwash) >= 3
    assert scenario.model is not None


@pytest.mark.parametrize("name", sorted(FLAGSHIPS))
def test_flagship_decisions_branch_the_story_and_the_world(name):
    scenario = load_file(FLAGSHIPS[name]).scenario
    decisions = scenario.decisions
    assert len(decisions) >= 5
    assert all(d.deadline is not None for d in decisions)
    branching = 0
    for decision in decisions:
        outcomes = {repr(option.effects) for option in decision.options}
        if len(outcomes) > 1:
            branching += 1
    assert branching >= 5, "at least five decisions whose options lead to different effects"
    dynamic_vars = {d.var for d in scenario.dynamics}
    assert len(dynamic_vars) >= 2
    changed_by_decisions = set()
    schedules = 0
    for decision in decisions:
        for effects in [o.effects for o in decision.options] + [decision.on_timeout]:
            for effect in effects:
                if isinstance(effect, (SetEffect, AddEffect)):
                    changed_by_decisions.update((effect.set if isinstance(effect, SetEffect) else effect.add).keys())
                if isinstance(effect, ScheduleEffect):
                    schedules += 1
    assert schedules >= 5
    # A dynamic variable is changed by decisions directly or stopped by a decision's condition.
    stopped = {d.var for d in scenario.dynamics if d.until is not None}
    assert len(dynamic_vars & (changed_by_decisions | stopped)) >= 2
    assert any("all" not in var.visible_to for var in scenario.state.values()), "state is not visible to everyone"


@pytest.mark.parametrize("name", sorted(FLAGSHIPS))
def test_flagship_objectives_are_measured_and_rated(name):
    scenario = load_file(FLAGSHIPS[name]).scenario
    assert len(scenario.objectives) >= 4
    measured = {e.objective for e in scenario.scoring.expectations}
    assert {o.id for o in scenario.objectives} <= measured
    assert all(o.capability.strip() for o in scenario.objectives)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_every_inject_is_reached_under_some_policy_and_seed(name):
    loaded = load_file(BUNDLED[name])
    scenario = loaded.scenario
    reached: set[str] = set()
    plays = [("none", 0), ("first", 0)]
    if scenario.model is not None:
        plays.append(("model", 0))
    plays += [("random", seed) for seed in RANDOM_SEEDS]
    for policy, seed in plays:
        result = simulate(loaded, make_policy(policy, scenario, seed), seed=seed)
        reached.update(e.inject for e in result.events if e.type == "inject_delivered")
        if reached >= {i.id for i in scenario.injects}:
            break
    assert sorted({i.id for i in scenario.injects} - reached) == []


@pytest.mark.parametrize("name", sorted(FLAGSHIPS))
def test_the_model_answer_scores_well_above_doing_nothing(name):
    from simulator.scoring import score

    loaded = load_file(FLAGSHIPS[name])
    scores = {}
    for policy in ("model", "none"):
        result = simulate(loaded, make_policy(policy, loaded.scenario, 0), seed=0)
        scores[policy] = score(loaded.scenario, result.events)
    assert scores["model"].overall >= 0.85 and scores["model"].overall_rating == "P"
    assert scores["none"].overall <= 0.3
