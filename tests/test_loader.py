"""The loader reads valid edge cases with the right values and reports problems where the author will look."""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.diagnostics import MAX_PROBLEMS, Problem, ScenarioError
from simulator.loader import (
    ScenarioFileError,
    load_bytes,
    load_file,
    load_response_bytes,
    load_response_file,
    load_response_text,
    load_scenario,
    load_text,
)

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
    assert problems_of(text) == [
        's.yaml:8:19: error: id: expected text, got 1.5 (write "1.5" in quotes to keep it as text)'
    ]


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


# --------------------------------------------------------------------------- every problem in one run

DRILL = (SCENARIOS / "port-drill.yaml").read_text(encoding="utf-8")


def drill_with(*changes: tuple[str, str]) -> str:
    text = DRILL
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_schema_problems_duplicate_keys_and_dangling_references_come_out_in_one_run():
    text = drill_with(
        ("pace: 60", "paec: 60"),
        ("    initial: 2\n", "    initial: lots\n"),
        ("    unit: m\n", "    unit: m\n    unit: metres\n"),
        ("inject: boom-report", "inject: boom-reprt"),
        ("objectives: [contain, inform]", "objectives: [contain, infrm]"),
    )
    assert problems_of(text) == [
        f"s.yaml:{line_of(text, 'paec:')}:1: error: unknown key 'paec' (did you mean 'pace'?)",
        f"s.yaml:{line_of(text, 'initial: lots')}:14: error: initial: expected a number, got 'lots'",
        f"s.yaml:{line_of(text, 'unit: metres')}:5: error: duplicate key 'unit' (first defined at line "
        f"{line_of(text, 'unit: metres') - 1})",
        f"s.yaml:{line_of(text, 'infrm')}:27: error: unknown objective 'infrm' (did you mean 'inform'?)",
        f"s.yaml:{line_of(text, 'boom-reprt')}:34: error: unknown inject 'boom-reprt' (did you mean 'boom-report'?)",
    ]


# Breaks that leave a scenario's references alone, and dangling references far from them: with both in
# a file, the problems are exactly those of each alone (nothing lost, nothing invented by the pruning).
SCHEMA_BREAKS = {
    "unknown top-level key": ("pace: 60", "paec: 60"),
    "missing title": ("title: Port drill — bunker spill at the container terminal\n", "# no title\n"),
    "wrong type at the top": ("duration: 45m", "duration: [45m]"),
    "bad value in a state variable": ("    initial: 2\n", "    initial: lots\n"),
    "unknown key in a team": (
        "{id: port, name: Port Authority, kind: agency, nation: Singapore}",
        "{id: port, name: Port Authority, knd: agency}",
    ),
    "bad enum in a late inject": ("    channel: sitrep\n", "    channel: telex\n"),
    # An item that cannot be an inject is cut (taking the place of a blank line, so no line moves): the
    # findings in the injects after it must map back to their own lines.
    "item cut from the injects": ("\ninjects:\n", "injects:\n  - press-call\n"),
    "bad enum in a middle inject": (
        "    channel: phone\n    title: Journalist",
        "    channel: fax\n    title: Journalist",
    ),
    "bad hot wash question": (
        "    text: What would you change in the port's spill plan?",
        "    txt: What would you change?",
    ),
    "bad delay in the model answer": ("      delay: 3m\n", "      delay: soon\n"),
}
REFERENCE_BREAKS = {
    "role's team": ("    team: coastguard\n", "    team: coastgard\n"),
    "inject's objective": ("objectives: [contain, inform]", "objectives: [contain, infrm]"),
    "scheduled inject": ("inject: boom-report", "inject: boom-reprt"),
    "condition's variable": ("when: {state: oil_m3, above: 10}", "when: {state: oil_m4, above: 10}"),
    "expectation's option": (
        "      option: boom\n      by: [harbour-master]",
        "      option: bom\n      by: [harbour-master]",
    ),
    "model answer's role": ("    - from: harbour-master\n", "    - from: harbour-mastr\n"),
}


def all_problems(text: str) -> set[str]:
    try:
        load_text(text, "s.yaml")
    except ScenarioError as exc:
        return {str(p) for p in exc.problems}
    return set()


@pytest.mark.parametrize("schema_break", sorted(SCHEMA_BREAKS))
@pytest.mark.parametrize("reference_break", sorted(REFERENCE_BREAKS))
def test_a_broken_file_reports_its_dangling_references_too(schema_break, reference_break):
    alone = all_problems(drill_with(SCHEMA_BREAKS[schema_break]))
    dangling = all_problems(drill_with(REFERENCE_BREAKS[reference_break]))
    assert alone and dangling and not alone & dangling
    both = all_problems(drill_with(SCHEMA_BREAKS[schema_break], REFERENCE_BREAKS[reference_break]))
    assert both == alone | dangling


@pytest.mark.parametrize(
    ("change", "not_reported"),
    [
        # The inject has no channel; it stays, with a stand-in: the option scheduling it still finds it.
        (
            (
                "    to: [harbour-master]\n    channel: radio\n    title: Boom in place",
                "    to: [harbour-master]\n    title: Boom in",
            ),
            "unknown inject 'boom-report'",
        ),
        # A broken team: the role in it is not told its team is unknown.
        (
            (
                "{id: coastguard, name: Police Coast Guard, kind: agency, nation: Singapore}",
                "{id: coastguard, name: 5}",
            ),
            "unknown team 'coastguard'",
        ),
        # No usable team list at all: no role is told its team is unknown.
        (("teams:\n  - {id: port", "teams: 5\nold_teams:\n  - {id: port"), "unknown team"),
        # A broken option: the expectation and the model answer naming it are not told it does not exist.
        (("          label: Deploy the terminal's boom around the vessel\n", ""), "has no option 'boom'"),
        # A broken state variable: the dynamic's condition on it is not told it is unknown.
        (("    max: 400\n", "    max: -1\n"), "unknown state variable 'boom_m'"),
    ],
)
def test_references_to_ids_defined_in_a_broken_part_are_not_reported(change, not_reported):
    problems = problems_of(drill_with(change))
    assert problems
    assert not [p for p in problems if not_reported in p]


def test_a_dangling_id_close_to_one_in_a_broken_part_still_gets_its_did_you_mean():
    text = drill_with(("    max: 400\n", "    max: -1\n"), ("until: {state: boom_m,", "until: {state: boom_mm,"))
    assert problems_of(text) == [
        f"s.yaml:{line_of(text, 'max: -1')}:5: error: state variable 'boom_m': min (0) is greater than max (-1)",
        f"s.yaml:{line_of(text, 'boom_mm')}:20: error: unknown state variable 'boom_mm' (did you mean 'boom_m'?)",
    ]


def test_a_file_with_every_top_level_key_broken_still_reports_only_its_own_problems():
    # Stand-ins for the required keys let the check go on; nothing is reported inside them.
    assert problems_of("schema: 1\nid: [x]\nteams: {}\nroles: 7\ninjects: {a: 1}\nmodel: {decisions: []}\n") == [
        "s.yaml:1:1: error: missing required key 'domain'",
        "s.yaml:1:1: error: missing required key 'duration'",
        "s.yaml:1:1: error: missing required key 'title'",
        's.yaml:1:9: error: schema: expected text, got 1 (write "1" in quotes to keep it as text)',
        "s.yaml:2:5: error: id: expected text, got a list",
        "s.yaml:3:8: error: teams: expected a list, got a mapping",
        "s.yaml:4:8: error: roles: expected a list, got 7",
        "s.yaml:5:10: error: injects: expected a list, got a mapping",
        "s.yaml:6:20: error: decisions: expected a mapping, got a list",
    ]


# --------------------------------------------------------------------------- many problems


def counting_did_you_mean(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = difflib.get_close_matches

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counted)
    return calls


def test_a_blob_of_unknown_keys_shows_100_problems_and_searches_only_for_those(monkeypatch):
    calls = counting_did_you_mean(monkeypatch)
    problems = problems_of(MINIMAL + "".join(f"junk{n}: {n}\n" for n in range(20_000)))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].startswith("s.yaml:8:1: error: unknown key 'junk0'; expected one of: ")
    assert problems[-1] == f"s.yaml:{8 + MAX_PROBLEMS}:1: error: … and 19,900 more problems not shown"
    # A did-you-mean search per problem shown, not per problem found: the cost stays linear.
    assert len(calls) <= MAX_PROBLEMS


def test_thousands_of_dangling_ids_among_thousands_of_ids_cost_a_search_only_per_problem_shown(monkeypatch):
    roles = "".join(f"  - {{id: role-{n}, name: R, team: police}}\n" for n in range(3_000))
    injects = "".join(
        f"  - {{id: i{n}, at: 0s, from: C, to: [ghost-{n}], channel: radio, title: T}}\n" for n in range(3_000)
    )
    text = MINIMAL.replace("roles: [{id: gold, name: Gold commander, team: police}]\n", "roles:\n" + roles)
    calls = counting_did_you_mean(monkeypatch)
    problems = problems_of(text + "injects:\n" + injects)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].endswith("error: unknown role or team 'ghost-0'")
    assert problems[-1].endswith("error: … and 2,900 more problems not shown")
    assert len(calls) <= MAX_PROBLEMS


def test_a_valid_file_is_loaded_without_any_did_you_mean_search(monkeypatch):
    calls = counting_did_you_mean(monkeypatch)
    load_file(SCENARIOS / "port-drill.yaml")
    assert calls == []


# --------------------------------------------------------------------------- numbers, clocks, encodings


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("pace: .inf", "8:7: error: pace: must be a finite number, got inf"),
        ("pace: -.inf", "8:7: error: pace: must be a finite number, got -inf"),
        ("state: {x: {label: X, initial: .nan}}", "8:32: error: initial: must be a finite number, got nan"),
        ("state: {x: {label: X, initial: 1e999}}", "8:32: error: initial: must be a finite number, got inf"),
        ("pace: 1_000", "8:7: error: pace: expected a number, got '1_000' (YAML 1.2 reads 1_000 as text; write 1000)"),
        ('pace: "60"', "8:7: error: pace: expected a number, got '60' (remove the quotes to make it a number)"),
        ("pace: true", "8:7: error: pace: expected a number, got true"),
        # Weights are bounded: two of 1e308 would add up to infinity, which random play cannot draw from.
        (
            "injects: [{id: i, at: 0s, from: C, to: [gold], channel: radio, title: T, decision: "
            "{id: d, prompt: P, options: [{id: a, label: A, weight: 1e308}, {id: b, label: B}]}}]",
            "8:139: error: weight: must be less than or equal to 1000000000",
        ),
    ],
)
def test_numbers_must_be_finite_numbers_written_as_numbers(line, message):
    assert problems_of(MINIMAL + line + "\n") == [f"s.yaml:{message}"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ('"2026-05-04T09:00:00+08:00"', True),
        ("2026-05-04T09:00:00Z", True),
        ("2026-05-04 09:00+0800", True),
        ("2026-05-04", False),
        ('"2026-05-04T09:00:00"', False),
        ("1700000000", False),
    ],
)
def test_start_needs_a_date_time_and_offset(value, ok):
    text = MINIMAL + f"start: {value}\n"
    if ok:
        start = load_text(text, "s.yaml").scenario.start
        assert start is not None and start.utcoffset() is not None
    else:
        (problem,) = problems_of(text)
        assert problem.startswith("s.yaml:8:8: error: start: ")
        assert "UTC offset" in problem


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (MINIMAL.encode("utf-32"), "UTF-32"),
        (MINIMAL.encode("utf-32-be"), "UTF-32"),
        (MINIMAL.encode("utf-16"), "UTF-16"),
        (MINIMAL.encode("utf-16-be"), "UTF-16"),
    ],
)
def test_wide_encodings_are_named_with_or_without_a_byte_order_mark(raw, encoding):
    with pytest.raises(ScenarioError) as caught:
        load_bytes(raw, "s.yaml")
    assert [str(p) for p in caught.value.problems] == [f"s.yaml:1:1: error: file is {encoding} text; save it as UTF-8"]


def test_binary_with_nul_bytes_is_still_called_binary():
    with pytest.raises(ScenarioError) as caught:
        load_bytes(MINIMAL.encode() + bytes(range(256)) * 4, "s.yaml")
    assert "file is binary" in str(caught.value)


# --------------------------------------------------------------------------- response files

DRILL_SCENARIO = load_scenario(SCENARIOS / "port-drill.yaml")


def response_problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_response_text(text, "r.yaml", DRILL_SCENARIO)
    return [str(p) for p in caught.value.problems]


def test_a_response_file_loads_from_text_bytes_or_a_path(tmp_path):
    text = "decisions:\n  containment: {option: boom, delay: 3m}\nmessages:\n  - {from: env-officer, to: [port], at: 5m, text: Hi}\n"
    script = load_response_text(text, "r.yaml", DRILL_SCENARIO)
    assert script.decisions["containment"].option == "boom"
    assert script.decisions["containment"].delay == 180.0
    assert load_response_bytes(text.encode("utf-8-sig"), "r.yaml", DRILL_SCENARIO) == script
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    assert load_response_file(tmp_path / "r.yaml", DRILL_SCENARIO) == script


def test_response_file_problems_name_the_key_and_point_at_it():
    assert response_problems("decisions:\n  containment:\n    option: boom\n    ratonale: x\n") == [
        "r.yaml:4:5: error: unknown key 'ratonale' (did you mean 'rationale'?)"
    ]
    assert response_problems("decisions:\n  containment: boom\n") == [
        "r.yaml:2:16: error: containment: expected a mapping, got 'boom' (write containment: {option: boom})"
    ]


@pytest.mark.parametrize(
    "text",
    ["decisions:\n  containmnt:\n    option: boom\n", "decisions: {containmnt: {option: boom}}\n"],
)
def test_an_unknown_decision_in_a_response_file_is_reported_at_its_key(text):
    line, col = (2, 3) if text.startswith("decisions:\n") else (1, 13)
    assert response_problems(text) == [
        f"r.yaml:{line}:{col}: error: unknown decision 'containmnt' (did you mean 'containment'?)"
    ]


def test_a_model_answer_with_an_unknown_decision_is_reported_at_its_key():
    text = drill_with(("  decisions:\n    containment:\n", "  decisions:\n    containmnt:\n"))
    assert problems_of(text) == [
        f"s.yaml:{line_of(text, 'containmnt:')}:5: error: unknown decision 'containmnt' (did you mean 'containment'?)"
    ]


GUIDE = SCENARIOS.parent / "docs" / "authoring.md"


def guide_block(language: str, *containing: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", text, re.M | re.S)
    (block,) = [b for b in blocks if all(part in b for part in containing)]
    return block


def test_the_response_file_example_in_the_guide_fits_the_tutorial_scenario_and_plays(tmp_path, capsys):
    tutorial = guide_block("yaml", "id: ferry-fire", "\nmodel:")  # the tutorial's whole file
    example = guide_block("yml", "# hold-tugs.yaml")
    scenario = load_text(tutorial, "ferry-fire.yaml").scenario
    script = load_response_text(example, "hold-tugs.yaml", scenario)
    answer = script.decisions["tugs"]
    assert (answer.option, answer.delay, answer.by) == ("hold", 360.0, "harbour-master")
    assert answer.rationale
    assert [(m.from_, m.after, m.at) for m in script.messages] == [
        ("harbour-master", "passengers-in-water", None),
        ("sar-coordinator", None, 1800.0),
    ]
    (tmp_path / "ferry-fire.yaml").write_text(tutorial, encoding="utf-8")
    (tmp_path / "hold-tugs.yaml").write_text(example, encoding="utf-8")
    status = main(["simulate", str(tmp_path / "ferry-fire.yaml"), "--policy", str(tmp_path / "hold-tugs.yaml")])
    out = capsys.readouterr().out
    assert status == 0
    assert "passengers-in-water" in out


# --------------------------------------------------------------------------- every problem in one run

# A schema problem in an object and a dangling reference in that same object: both come out in one
# run, since the object is kept (a stand-in fills what is missing or broken) rather than cut away.
SAME_OBJECT = {
    "misspelt key, so a required key is missing": (
        (
            "    to: [env-officer]\n    channel: phone\n    title: Contractor",
            "    to: [env-oficer]\n    chanel: phone\n    title: Contractor",
        ),
        (
            "unknown key 'chanel' (did you mean 'channel'?)",
            "unknown role or team 'env-oficer' (did you mean 'env-officer'?)",
        ),
    ),
    "condition without its comparison": (
        ("when: {state: oil_m3, above: 10}", "when: {state: oil_m4, abov: 10}"),
        ("unknown key 'abov' (did you mean 'above'?)", "unknown state variable 'oil_m4' (did you mean 'oil_m3'?)"),
    ),
    "condition with two comparisons": (
        ("when: {state: oil_m3, above: 10}", "when: {state: oil_m4, above: 10, below: 20}"),
        ("a state condition needs exactly one of", "unknown state variable 'oil_m4' (did you mean 'oil_m3'?)"),
    ),
    "invalid value of a required key": (
        (
            "    to: [env-officer]\n    channel: phone\n    title: Contractor",
            "    to: [env-oficer]\n    channel: fax\n    title: Contractor",
        ),
        ("channel: 'fax' is not one of:", "unknown role or team 'env-oficer' (did you mean 'env-officer'?)"),
    ),
    "rule across fields": (
        ("    at: 15m\n", "    at: 15m\n    when: {delivered: hose-partd}\n"),
        ("give either `at` or `when`, not both", "unknown inject 'hose-partd' (did you mean 'hose-parted'?)"),
    ),
    "decision without a prompt": (
        (
            "      prompt: How do you contain the spill?\n      by: [harbour-master]\n",
            "      by: [harbour-mastr]\n",
        ),
        ("missing required key 'prompt'", "unknown role or team 'harbour-mastr' (did you mean 'harbour-master'?)"),
    ),
    "role without a name": (
        ("    name: Coast guard duty officer\n    team: coastguard", "    team: coastgard"),
        ("missing required key 'name'", "unknown team 'coastgard' (did you mean 'coastguard'?)"),
    ),
}


@pytest.mark.parametrize("case", sorted(SAME_OBJECT))
def test_a_schema_problem_does_not_hide_the_references_of_its_own_object(case):
    change, wanted = SAME_OBJECT[case]
    problems = problems_of(drill_with(change))
    assert len(problems) == 2, problems
    for message in wanted:
        assert [p for p in problems if message in p], (message, problems)


def test_an_option_without_its_label_still_has_its_effects_checked():
    text = drill_with(
        ("          label: Deploy the terminal's boom around the vessel\n", ""),
        ("inject: boom-report", "inject: boom-reprt"),
    )
    assert [p.split(": error: ")[1] for p in problems_of(text)] == [
        "missing required key 'label'",
        "unknown inject 'boom-reprt' (did you mean 'boom-report'?)",
    ]


def test_a_misspelt_scheduled_inject_points_at_the_id_in_flow_and_block_form():
    flow = drill_with(("inject: boom-report", "inject: boom-reprt"))
    block = drill_with(
        (
            "- schedule: {inject: boom-report, in: 5m}",
            "- schedule:\n                inject: boom-reprt\n                in: 5m",
        )
    )
    unknown = "error: unknown inject 'boom-reprt' (did you mean 'boom-report'?)"
    assert problems_of(flow) == [f"s.yaml:{line_of(flow, 'boom-reprt')}:34: {unknown}"]
    assert problems_of(block) == [f"s.yaml:{line_of(block, 'boom-reprt')}:25: {unknown}"]
    short = drill_with(("- schedule: slick-spreads", "- schedule: slick-spread"))
    assert problems_of(short) == [
        f"s.yaml:{line_of(short, 'slick-spread')}:21: error: unknown inject 'slick-spread' (did you mean 'slick-spreads'?)"
    ]


def test_nothing_is_reported_inside_a_stand_in():
    # The stand-in recipient of `to: 5` is never called unknown, nor the two stand-in inject ids a
    # duplicate; a reference to a broken id gets that id as its did-you-mean.
    text = drill_with(
        (
            "    to: [env-officer]\n    channel: phone\n    title: Contractor",
            "    to: 5\n    channel: phone\n    title: Contractor",
        ),
        ("  - id: boom-report\n", "  - id: boom report\n"),
        ("  - id: sitrep\n", "  - id: [sitrep]\n"),
    )
    assert [p.split(": error: ")[1] for p in problems_of(text)] == [
        "unknown inject 'boom-report' (did you mean 'boom report'?)",
        "id: 'boom report' is not a valid id (letters, digits, '-', '_', '.'; starting with a letter or digit; "
        "at most 64 characters)",
        "to: expected a list, got 5",
        "id: expected text, got a list",
    ]


def test_a_misspelt_id_next_to_a_broken_definition_keeps_its_did_you_mean():
    # The team's name is broken, so its id is a candidate although the team was mended.
    text = drill_with(
        ("{id: coastguard, name: Police Coast Guard, kind: agency, nation: Singapore}", "{id: coastguard, name: 5}"),
        ("    team: coastguard\n", "    team: coastgard\n"),
    )
    assert [p.split(": error: ")[1] for p in problems_of(text)] == [
        'name: expected text, got 5 (write "5" in quotes to keep it as text)',
        "unknown team 'coastgard' (did you mean 'coastguard'?)",
    ]


# --------------------------------------------------------------------------- who may decide


def test_a_response_file_answer_by_a_role_the_decision_does_not_allow_is_an_error():
    assert response_problems("decisions:\n  containment: {option: boom, by: env-officer}\n") == [
        "r.yaml:2:35: error: role 'env-officer' may not take decision 'containment' (only harbour-master may)"
    ]
    # Both problems of one answer in one run: a misspelt key and a misspelt role.
    assert response_problems("decisions:\n  containment: {optoin: boom, by: harbor-master}\n") == [
        "r.yaml:2:17: error: unknown key 'optoin' (did you mean 'option'?)",
        "r.yaml:2:35: error: unknown role 'harbor-master' (did you mean 'harbour-master'?)",
    ]


def test_a_model_answer_by_a_role_the_decision_does_not_allow_is_an_error():
    text = drill_with(
        ("      option: boom\n      delay: 3m\n", "      option: boom\n      by: env-officer\n      delay: 3m\n")
    )
    assert problems_of(text) == [
        f"s.yaml:{line_of(text, 'by: env-officer')}:11: error: role 'env-officer' may not take decision "
        "'containment' (only harbour-master may)"
    ]


def test_without_by_a_decision_is_for_its_injects_recipients_and_a_team_stands_for_its_roles():
    def answer_by(by: str, changes: tuple[tuple[str, str], ...] = ()) -> list[str]:
        model = ("      option: boom\n      delay: 3m\n", f"      option: boom\n      by: {by}\n      delay: 3m\n")
        try:
            load_text(drill_with(model, *changes), "s.yaml")
        except ScenarioError as exc:
            return [p.message for p in exc.problems]
        return []

    no_by = (("      by: [harbour-master]\n      deadline: 10m", "      deadline: 10m"),)
    assert answer_by("env-officer", no_by) == []  # a recipient of the inject
    assert answer_by("pcg-duty", no_by) == [
        "role 'pcg-duty' may not take decision 'containment' (only harbour-master or env-officer may)"
    ]
    by_team = (("      by: [harbour-master]\n      deadline: 10m", "      by: [coastguard]\n      deadline: 10m"),)
    assert answer_by("pcg-duty", by_team) == []
    assert answer_by("env-officer", by_team) == [
        "role 'env-officer' may not take decision 'containment' (only pcg-duty may)"
    ]


@pytest.mark.parametrize(
    "break_",
    [
        # Who may decide is unknown while the decision's `by` is broken: only that is reported.
        ("      by: [harbour-master]\n      deadline: 10m", "      by: [harbour-mastr]\n      deadline: 10m"),
        ("      by: [harbour-master]\n      deadline: 10m", "      by: harbour-master, pcg-duty\n      deadline: 10m"),
        ("      by: [harbour-master]\n      deadline: 10m", "      by: [7]\n      deadline: 10m"),
        ("  - id: pcg-duty\n    name: Coast guard duty officer\n", "  - id: pcg-duty\n    name: [Coast guard]\n"),
    ],
)
def test_a_broken_decision_by_or_role_list_is_not_second_guessed(break_):
    model = ("      option: boom\n      delay: 3m\n", "      option: boom\n      by: pcg-duty\n      delay: 3m\n")
    problems = problems_of(drill_with(break_, model))
    assert problems
    assert not [p for p in problems if "may not take" in p]


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("duration: .inf", "duration: must be a finite duration such as 90s, 15m or 1h30m"),
        ("duration: -.inf", "duration: must be a finite duration such as 90s, 15m or 1h30m"),
        ("duration: .nan", "duration: must be a finite duration such as 90s, 15m or 1h30m"),
        ("duration: 0s", "duration: must be longer than 0s"),
        ("duration: 0", "duration: must be longer than 0s"),
        ("duration: 0h0m", "duration: must be longer than 0s"),
        ("duration: 99999999999999999h", "duration: must be at most 720h (30 days)"),
        ("duration: 720h1s", "duration: must be at most 720h (30 days)"),
        ("duration: 1" + "9" * 400 + "h", "duration: must be at most 720h (30 days)"),
    ],
)
def test_a_scenario_duration_is_positive_finite_and_at_most_30_days(line, message):
    assert problems_of(MINIMAL.replace("duration: 1h", line)) == [f"s.yaml:5:11: error: {message}"]


def test_every_duration_is_finite_and_capped_but_may_be_0s():
    inject = "injects: [{id: i, at: %s, from: C, to: [gold], channel: radio, title: T}]\n"
    assert load_text(MINIMAL + inject % "0s", "s.yaml").scenario.injects[0].at == 0
    assert load_text(MINIMAL.replace("1h", "720h") + inject % "720h", "s.yaml").scenario.duration == 720 * 3600
    assert problems_of(MINIMAL + inject % ".nan") == [
        "s.yaml:8:23: error: at: must be a finite duration such as 90s, 15m or 1h30m"
    ]
    assert problems_of(MINIMAL + inject % "721h") == ["s.yaml:8:23: error: at: must be at most 720h (30 days)"]


# --------------------------------------------------------------------------- every problem, for tools


def test_past_the_cap_every_problem_is_still_there_for_tools(monkeypatch):
    blob = MINIMAL + "".join(f"junk{n}: {n}\n" for n in range(150))
    with pytest.raises(ScenarioFileError) as caught:
        load_text(blob, "s.yaml")
    error = caught.value
    assert error.total == 150
    every = error.every_problem()
    assert len(every) == 150
    assert every[:MAX_PROBLEMS] == error.problems[:MAX_PROBLEMS]
    assert every[-1] == Problem("s.yaml", 157, 1, every[-1].message)
    assert every[-1].message.startswith("unknown key 'junk149'; expected one of: ")


def test_what_could_be_read_of_a_broken_file_is_kept_with_its_stand_ins_marked():
    text = drill_with(
        ("title: Port drill — bunker spill at the container terminal\n", "# no title\n"),
        ("    channel: sitrep\n", "    channel: telex\n"),
        ("hotwash:\n", "hotwash: 5\nold_hotwash:\n"),
    )
    with pytest.raises(ScenarioFileError) as caught:
        load_text(text, "s.yaml")
    readable = caught.value.readable
    assert readable is not None
    scenario = readable.model
    assert (len(scenario.injects), len(scenario.roles)) == (8, 3)
    assert not readable.read(("title",))  # a stand-in
    assert not readable.read(("hotwash",))  # cut whole
    assert not readable.read(("injects", 7, "channel"))
    assert readable.read(("injects",)) and readable.read(("injects", 7, "title")) and readable.read(("roles",))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("duration: 1h 30m", "duration: '1h 30m' has spaces; write 1h30m"),
        ("duration: 90 s", "duration: '90 s' has spaces; write 90s"),
        ('duration: "1h\\t5m"', "duration: '1h\\t5m' has spaces; write 1h5m"),
    ],
)
def test_a_duration_with_spaces_is_refused_as_the_editor_schema_refuses_it(line, message):
    # The committed JSON Schema's duration pattern has no spaces: validate must not pass what the editor flags.
    assert problems_of(MINIMAL.replace("duration: 1h", line)) == [f"s.yaml:5:11: error: {message}"]
    pattern = re.compile(schema_text_duration_pattern())
    assert not pattern.fullmatch(line.split(": ", 1)[1].strip('"').replace("\\t", "\t"))


def schema_text_duration_pattern() -> str:
    """The duration pattern of the committed schema (the one with the positive lookahead)."""
    text = (SCENARIOS / "tabletop-1.schema.json").read_text(encoding="utf-8")
    patterns = set(re.findall(r'"pattern": "(\^\(\?=[^"]+)"', text))
    (pattern,) = patterns
    return pattern.replace("\\\\", "\\")


def test_an_integer_past_the_range_of_numbers_says_it_is_too_large():
    # "expected a number, got 999…" would contradict what the author can see.
    digits = "9" * 400
    text = MINIMAL + f"state:\n  x: {{label: X, max: {digits}}}\n  y: {{label: Y, initial: -{digits}}}\n"
    assert problems_of(text) == [
        "s.yaml:9:22: error: max: a number of 400 digits is too large (the largest is about 1.8e308)",
        "s.yaml:10:26: error: initial: a number of 400 digits is too large (the largest is about 1.8e308)",
    ]
