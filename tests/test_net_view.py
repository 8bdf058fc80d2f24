"""What a remote participant's client is given of a scenario: nothing of what is to come, how play is scored, or what other roles may see."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.bundled import bundled_scenarios
from simulator.events import DecisionOpened, InjectDelivered
from simulator.loader import load_file
from simulator.net.view import decision_stub, participant_view, rebuild
from simulator.policies import make_policy
from simulator.schema import Scenario
from simulator.simulation import simulate
from simulator.visibility import state_visible_to

BUNDLED = sorted(bundled_scenarios().items())
FORBIDDEN_KEYS = {"injects", "dynamics", "objectives", "scoring", "model", "decision_delay", "effects", "weight"}
FORBIDDEN_KEYS |= {"on_timeout", "expected_action", "notes", "expectations", "when", "at", "delay"}


@pytest.fixture(scope="module", params=[name for name, _ in BUNDLED])
def scenario(request) -> Scenario:
    return load_file(dict(BUNDLED)[request.param]).scenario


def keys(value: Any) -> set[str]:
    """Every mapping key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def secrets_of(scenario: Scenario, role: str) -> list[str]:
    """Text of the scenario a role must not be handed before play (long enough not to match by chance)."""
    texts: list[str] = []
    for inject in scenario.injects:
        texts += [inject.body, inject.expected_action, inject.notes]
        texts += [a.text for a in inject.attachments]
        if role not in scenario.resolve_roles(inject.to):
            texts.append(inject.title)
    texts += [o.text for o in scenario.objectives]
    texts += [e.description for e in scenario.scoring.expectations]
    texts += [e.corrective_action or "" for e in scenario.scoring.expectations]
    if scenario.model is not None:
        texts += [d.rationale for d in scenario.model.decisions.values()]
        texts += [m.text for m in scenario.model.messages]
    for name, var in scenario.state.items():
        if not state_visible_to(scenario, name, role):
            texts += [var.label, var.description]
    texts += [r.description for r in scenario.roles if r.id != role]
    return [t.strip() for t in texts if len(t.strip()) >= 12]


def play(scenario_path: Path, policy: str) -> list:
    loaded = load_file(scenario_path)
    return simulate(loaded, make_policy(policy, loaded.scenario, 3), seed=3).events


def stubs_for(scenario: Scenario, events: list, role: str) -> list[dict[str, Any]]:
    delivered: dict[str, InjectDelivered] = {}
    stubs = []
    for event in events:
        if isinstance(event, InjectDelivered):
            delivered[event.inject] = event
        elif isinstance(event, DecisionOpened) and role in event.by:
            stubs.append(decision_stub(scenario, delivered[event.inject], event))
    return stubs


def test_the_view_holds_nothing_to_come_nor_how_play_is_judged(scenario):
    for role in scenario.roles:
        view = participant_view(scenario, role.id)
        text = json.dumps(view, ensure_ascii=False)
        assert not keys(view) & FORBIDDEN_KEYS, (role.id, keys(view) & FORBIDDEN_KEYS)
        for secret in secrets_of(scenario, role.id):
            assert secret not in text, (role.id, secret[:60])
        # The state is exactly what the role may see; its own briefing is there.
        assert set(view["state"]) == {n for n in scenario.state if state_visible_to(scenario, n, role.id)}
        own = next(r for r in view["roles"] if r["id"] == role.id)
        assert own.get("description", "") == role.description
        assert len(view["roles"]) == len(scenario.roles)


def test_the_client_rebuilds_a_scenario_from_the_view_and_its_stubs():
    for _, path in BUNDLED:
        scenario = load_file(path).scenario
        events = play(path, "first")
        for role in scenario.roles:
            stubs = stubs_for(scenario, events, role.id)
            rebuilt = rebuild(participant_view(scenario, role.id), stubs)
            assert [d.id for d in rebuilt.decisions] == [s["decision"]["id"] for s in stubs]
            assert rebuilt.dynamics == [] and rebuilt.scoring.expectations == [] and rebuilt.model is None
            for decision in rebuilt.decisions:
                assert all(o.effects == [] and o.weight == 1.0 for o in decision.options)
                assert decision.on_timeout == []


@pytest.mark.parametrize("policy", ["model", "random"])
def test_stubs_carry_choices_not_consequences(policy):
    for _, path in BUNDLED:
        scenario = load_file(path).scenario
        events = play(path, policy)
        for role in scenario.roles:
            for stub in stubs_for(scenario, events, role.id):
                assert not keys(stub) & FORBIDDEN_KEYS
                text = json.dumps(stub, ensure_ascii=False)
                inject, decision = scenario.decision(stub["decision"]["id"])
                for secret in [inject.body, inject.expected_action, inject.notes]:
                    assert len(secret.strip()) < 12 or secret.strip() not in text
                assert [o["id"] for o in stub["decision"]["options"]] == [o.id for o in decision.options]


def test_a_taker_who_was_not_sent_the_inject_learns_only_the_prompt():
    path = dict(BUNDLED)["cbrn-priok-chlorine"]
    scenario = load_file(path).scenario
    inject, decision = scenario.decision("decon")
    assert "hazmat-ic" not in scenario.resolve_roles(inject.to)  # the case this test is about
    events = play(path, "first")
    stub = next(s for s in stubs_for(scenario, events, "hazmat-ic") if s["decision"]["id"] == "decon")
    text = json.dumps(stub, ensure_ascii=False)
    assert inject.title not in text and inject.from_ not in text
    assert stub["title"] == decision.prompt and set(stub["to"]) == set(stub["decision"]["by"])
