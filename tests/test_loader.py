"""The loader reads valid edge cases with the right values and reports problems where the author will look."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simulator.diagnostics import Problem, ScenarioError
from simulator.loader import load_bytes, load_file, load_scenario, load_text

GOOD = Path(__file__).resolve().parent / "data" / "good"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

MINIMAL = """\
schema: tabletop/1
id: minimal
title: Minimal
domain: ct
duration: 1h
teams: [{id: police, name: Police}]
roles: [{id: gold, name: Gold commander, team: police}]
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "s.yaml")
    return [str(p) for p in caught.value.problems]


def test_merge_keys_and_reused_anchors_expand_with_overrides_winning():
    scenario = load_scenario(GOOD / "merge-anchors.yaml")
    analyst, second, lead = scenario.roles
    assert (second.id, second.name, second.team, second.description) == (
        "analyst-2",
        "SOC analyst",
        "soc",
        "First line",
    )
    # With a list of merges the first mapping wins, and the node's own keys win over both.
    assert (lead.id, lead.name, lead.description) == ("lead", "SOC lead", "First line")
    assert [(i.id, i.at, i.to, i.title) for i in scenario.injects] == [
        ("phish", 0.0, ["analyst-1"], "Suspicious attachment"),
        ("phish-2", 600.0, ["analyst-1"], "Suspicious attachment"),
        ("phish-3", 1200.0, ["lead", "analyst-2"], "Third one"),
    ]
    assert analyst.id == "analyst-1"


def test_a_byte_order_mark_is_accepted_and_kept_out_of_the_text():
    raw = (GOOD / "bom.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    loaded = load_file(GOOD / "bom.yaml")
    assert loaded.scenario.title == "Byte order mark — accepted"
    assert loaded.text.startswith("# Saved with")
    assert loaded.sha256 == hashlib.sha256(raw).hexdigest()
    # Positions count from the first character after the mark.
    assert loaded.where(("schema",), key=True) == (2, 1)


def test_yaml_1_1_traps_stay_text_and_ids_may_hold_dots():
    scenario = load_scenario(GOOD / "yaml12-scalars.yaml")
    assert scenario.id == "sg.mpa.drill-2"
    assert scenario.title == "no"
    assert scenario.summary == "yes"
    team = scenario.teams[0]
    assert (team.id, team.name, team.nation) == ("sg.mpa", "on", "NO")
    assert scenario.roles[0].name == "no"
    assert scenario.state["3"].label == "off"
    assert scenario.state["3"].initial == 16  # 0x10 is still a number in YAML 1.2
    assert scenario.state["3"].max == 1000.0
    inject = scenario.inject("ais.gap")
    assert (inject.from_, inject.title, inject.at) == ("12:30", "1:30", 3600.0)
    assert scenario.duration == 5400.0


def test_the_bundled_example_loads_with_text_hash_and_positions():
    path = SCENARIOS / "port-drill.yaml"
    loaded = load_file(path)
    assert loaded.path == str(path)
    assert loaded.text == path.read_text(encoding="utf-8")
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    line = path.read_text(encoding="utf-8").splitlines().index("  - id: boom-report") + 1
    assert loaded.where(("injects", 1, "id")) == (line, 9)
    assert loaded.where(("injects", 1, "id"), key=True) == (line, 5)


def test_load_text_and_load_bytes_agree():
    from_text = load_text(MINIMAL, "a.yaml")
    from_bytes = load_bytes(MINIMAL.encode(), "a.yaml")
    assert from_text.scenario == from_bytes.scenario
    assert from_text.sha256 == from_bytes.sha256


def test_problems_are_sorted_by_position_and_carry_the_file_name():
    text = MINIMAL.replace("domain: ct", "domain: cyberr").replace("title: Minimal", "titel: Minimal")
    assert problems_of(text) == [
        "s.yaml:3:1: error: unknown key 'titel' (did you mean 'title'?)",
        "s.yaml:4:9: error: domain: 'cyberr' is not one of: maritime, cyber, cbrn, ct, hybrid (did you mean 'cyber'?)",
    ]


def test_schema_problems_and_duplicate_keys_come_out_together():
    text = MINIMAL + "pace: slow\nid: again\n"
    assert problems_of(text) == [
        "s.yaml:8:7: error: pace: expected a number, got 'slow'",
        "s.yaml:9:1: error: duplicate key 'id' (first defined at line 2)",
    ]


def test_a_typo_is_reported_once_as_a_typo_not_also_as_a_missing_key():
    assert problems_of(MINIMAL.replace("duration:", "duraton:")) == [
        "s.yaml:5:1: error: unknown key 'duraton' (did you mean 'duration'?)"
    ]


def test_an_unquoted_number_where_an_id_is_meant_is_named_as_a_number():
    text = MINIMAL + "objectives: [{id: 1.5, text: T, capability: C}]\n"
    assert problems_of(text) == ["s.yaml:8:19: error: id: expected text, got 1.5"]


def test_a_dangling_reference_in_a_dynamic_condition_points_into_the_condition():
    text = MINIMAL + (
        "state: {x: {label: X}}\n"
        "dynamics: [{id: d, var: x, every: 1m, when: {all: [{after: 1m}, {delivered: nope}]}}]\n"
    )
    assert problems_of(text) == ["s.yaml:9:77: error: unknown inject 'nope'"]


def test_problem_text_and_json_forms():
    problem = Problem("f.yaml", 3, 7, "bad thing")
    assert str(problem) == "f.yaml:3:7: error: bad thing"
    assert problem.as_dict() == {"file": "f.yaml", "line": 3, "col": 7, "severity": "error", "message": "bad thing"}
    assert str(Problem("f.yaml", 1, 1, "hmm", "warning")) == "f.yaml:1:1: warning: hmm"
    error = ScenarioError([Problem("f", 2, 1, "b"), Problem("f", 1, 5, "a")])
    assert str(error) == "f:1:5: error: a\nf:2:1: error: b"
