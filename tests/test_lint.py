"""`tabletop lint`: one small scenario per warning kind, each warning pinned to its exact line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.lint import lint
from simulator.loader import load_file

CLEAN = (Path(__file__).resolve().parent / "data" / "lint" / "clean.yaml").read_text(encoding="utf-8")


def run_lint(tmp_path, monkeypatch, capsys, text: str) -> tuple[int, list[str]]:
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = main(["lint", "s.yaml"])
    return status, capsys.readouterr().out.splitlines()


def changed(old: str, new: str) -> str:
    assert CLEAN.count(old) == 1, old
    return CLEAN.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_clean_scenario_lints_with_exit_0_and_no_output(tmp_path, monkeypatch, capsys):
    assert run_lint(tmp_path, monkeypatch, capsys, CLEAN) == (0, [])


def test_the_bundled_example_lints_clean(capsys):
    assert main(["lint", "port-drill"]) == 0
    assert capsys.readouterr().out == ""


CASES = {
    "inject timed after the end": (
        "    from: Control\n    to: [env]",
        "    at: 2h\n    from: Control\n    to: [env]",
        "    at: 2h",
        9,
        "inject 'slick' is timed at 2h, after the end (1h); it can never fire",
    ),
    "inject nothing schedules": (
        "effects: [{schedule: slick}]",
        "effects: [{end: Gave up}]",
        "  - id: slick",
        9,
        "inject 'slick' has neither `at` nor `when` and no option schedules it; it can never fire",
    ),
    "inject waiting on something that cannot happen": (
        "objectives:\n",
        "  - {id: ghost, when: {after: 2h}, from: C, to: [hm], channel: radio, title: Ghost}\nobjectives:\n",
        "{id: ghost",
        10,
        "inject 'ghost' can never fire: nothing it waits for can happen",
    ),
    "option with no effect": (
        "        - id: wait\n",
        "        - id: pray\n          label: Pray\n        - id: wait\n",
        "        - id: pray",
        15,
        "option 'pray' of decision 'contain' has no effect and no expectation or condition refers to it",
    ),
    "objective nothing measures": (
        "  - {id: contain, text: Contain it, capability: Environmental Response}",
        "  - {id: contain, text: Contain it, capability: Environmental Response}\n"
        "  - {id: inform, text: Inform partners, capability: Operational Coordination}",
        "  - {id: inform,",
        10,
        "objective 'inform' is not measured by any expectation",
    ),
    "role that receives nothing": (
        "  - {id: env, name: Environmental officer, team: port}",
        "  - {id: env, name: Environmental officer, team: port}\n  - {id: idle, name: Idle observer, team: port}",
        "  - {id: idle,",
        10,
        "role 'idle' receives no inject",
    ),
    "deadline after the end": (
        "deadline: 10m",
        "deadline: 70m",
        "deadline: 70m",
        17,
        "decision 'contain' is due at 1h10m, after the end (1h)",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_warning_kind_is_reported_at_its_line(case, tmp_path, monkeypatch, capsys):
    old, new, fragment, col, message = CASES[case]
    text = changed(old, new)
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    assert status == 1
    assert lines == [f"s.yaml:{line_of(text, fragment)}:{col}: warning: {message}"]


def test_a_condition_cycle_is_reported_once(tmp_path, monkeypatch, capsys):
    # Put the two injects at the end of the inject list, before objectives.
    text = CLEAN.replace(
        "objectives:\n",
        "  - {id: chicken, when: {delivered: egg}, from: C, to: [hm], channel: radio, title: Chicken}\n"
        "  - {id: egg, when: {delivered: chicken}, from: C, to: [hm], channel: radio, title: Egg}\n"
        "objectives:\n",
    )
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    chicken = line_of(text, "{id: chicken")
    egg = line_of(text, "{id: egg")
    assert status == 1
    assert lines == [
        f"s.yaml:{chicken}:10: warning: inject 'chicken' can never fire: nothing it waits for can happen",
        f"s.yaml:{chicken}:25: warning: condition cycle: chicken → egg → chicken; these injects wait on each other",
        f"s.yaml:{egg}:10: warning: inject 'egg' can never fire: nothing it waits for can happen",
    ]


def test_warnings_are_problems_with_severity_warning(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(changed("deadline: 10m", "deadline: 70m"), encoding="utf-8")
    (warning,) = lint(load_file(path))
    assert warning.severity == "warning"
    assert str(warning).startswith(f"{path}:")


def test_lint_reports_errors_of_invalid_files_and_exits_1(tmp_path, monkeypatch, capsys):
    status, lines = run_lint(tmp_path, monkeypatch, capsys, CLEAN.replace("domain: maritime", "domain: sea"))
    assert status == 1
    assert lines == [
        f"s.yaml:{line_of(CLEAN, 'domain:')}:9: error: domain: 'sea' is not one of: maritime, cyber, cbrn, ct, hybrid"
    ]


def test_a_negated_condition_is_not_a_cycle_and_inject_effects_make_injects_reachable(tmp_path):
    from simulator.lint import lint
    from simulator.loader import load_text

    text = """schema: tabletop/1
id: nocycle
title: No cycle
domain: maritime
duration: 1h
teams: [{id: t, name: T}]
roles: [{id: a, name: A, team: t}]
objectives: [{id: o, text: O, capability: Planning}]
scoring:
  expectations: [{id: e, objective: o, respond: first}]
injects:
  - {id: first, at: 0s, from: X, to: [a], channel: email, title: First, effects: [{schedule: follow}]}
  - {id: follow, from: X, to: [a], channel: email, title: Follow-up}
  - {id: quiet, when: {all: [{after: 10m}, {not: {delivered: loud}}]}, from: X, to: [a], channel: email, title: Quiet}
  - {id: loud, when: {delivered: quiet}, from: X, to: [a], channel: email, title: Loud}
"""
    assert lint(load_text(text, "nocycle.yaml")) == []


def test_a_decision_whose_options_all_weigh_0_is_a_warning(tmp_path, monkeypatch, capsys):
    # The random policy then ignores the weights and picks uniformly: the author likely meant otherwise.
    text = CLEAN.replace(
        "          label: Deploy the boom\n", "          label: Deploy the boom\n          weight: 0\n"
    )
    text = text.replace("          label: Wait\n", "          label: Wait\n          weight: 0.0\n")
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    assert status == 1
    assert lines == [
        f"s.yaml:{line_of(text, '      options:')}:7: warning: every option of decision 'contain' has weight 0: "
        "random play picks uniformly"
    ]
    # One option with weight is enough.
    one = CLEAN.replace("          label: Wait\n", "          label: Wait\n          weight: 0\n")
    assert run_lint(tmp_path, monkeypatch, capsys, one) == (0, [])


def test_a_dynamic_that_steps_too_often_over_the_exercise_is_a_warning(tmp_path, monkeypatch, capsys):
    def with_every(every: str) -> str:
        dynamics = f"dynamics:\n  - {{id: drip, var: oil, every: {every}, change: 1}}\n"
        return changed("state:\n  oil: {label: Oil}\n", "state:\n  oil: {label: Oil}\n" + dynamics)

    text = with_every("0.2s")
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    assert status == 1
    assert lines == [
        f"s.yaml:{line_of(text, '{id: drip')}:33: warning: dynamic 'drip' steps every 0.2s: up to 18,000 steps "
        "over the 1h exercise (more than 10,000 makes runs slow and logs large); use a longer `every`"
    ]
    # 1h / 0.36s is exactly 10,000 steps: not more, so no warning.
    assert run_lint(tmp_path, monkeypatch, capsys, with_every("0.36s")) == (0, [])


def test_lint_prints_at_most_100_problems_per_file_then_how_many_more(tmp_path, monkeypatch, capsys):
    idle = "".join(f"  - {{id: idle-{n:03d}, name: Idle {n}, team: port}}\n" for n in range(150))
    text = changed("roles:\n", "roles:\n" + idle)
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    assert status == 1
    assert len(lines) == 101
    assert lines[99] == f"s.yaml:{line_of(text, '{id: idle-099')}:10: warning: role 'idle-099' receives no inject"
    # As validate prints it: no position, since the warnings left out are spread over the file.
    assert lines[100] == "s.yaml: note: 50 more problems not shown"
    # JSON is for tools counting warnings: every one, and no note posing as a warning.
    assert main(["lint", "--json", "s.yaml"]) == 1
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) == 150
    assert entries[-1]["message"] == "role 'idle-149' receives no inject"
    # Each file is capped on its own, so a noisy file does not hide the next one's warnings.
    (tmp_path / "t.yaml").write_text(changed("deadline: 10m", "deadline: 70m"), encoding="utf-8")
    assert main(["lint", "s.yaml", "t.yaml"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("t.yaml:")


def test_lint_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 no warnings, 1 a warning or an error (so a CI check fails on warnings), 2 usage error" in (
        help_text
    )


def test_lint_of_a_file_with_too_many_errors_notes_the_rest_like_validate(capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent / "data")
    assert main(["lint", "bad/too-many-problems.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 101
    assert lines[100] == "bad/too-many-problems.yaml: note: 50 more problems not shown"
    assert main(["lint", "--json", "bad/too-many-problems.yaml"]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 150


def test_state_tests_past_a_bound_or_on_a_variable_nothing_changes_are_warnings(tmp_path, monkeypatch, capsys):
    # oil changes (the boom option adds to it) within 0..50; calm has no bounds and nothing changes it.
    text = changed("  oil: {label: Oil}\n", "  oil: {label: Oil, initial: 5, min: 0, max: 50}\n  calm: {label: Calm}\n")
    text = text.replace(
        "objectives:\n",
        "  - {id: flood, when: {state: oil, above: 50}, from: C, to: [hm], channel: radio, title: Flood}\n"
        "  - {id: storm, when: {any: [{state: calm, at_least: 1}, {after: 5m}]}, from: C, to: [env],"
        " channel: radio, title: Storm}\n"
        "objectives:\n",
    )
    text = text.replace(
        "option: boom}\n",
        "option: boom}\n    - {id: dry, objective: contain, state: {state: oil, below: 0}, measure: lowest}\n"
        "    - {id: kept, objective: contain, state: {state: oil, at_most: 0}}\n",
    )
    status, lines = run_lint(tmp_path, monkeypatch, capsys, text)
    assert status == 1
    flood, storm, dry = line_of(text, "{id: flood"), line_of(text, "{id: storm"), line_of(text, "{id: dry")
    assert lines == [
        f"s.yaml:{flood}:10: warning: inject 'flood' can never fire: nothing it waits for can happen",
        f"s.yaml:{flood}:43: warning: `above: 50` on 'oil' can never hold: oil is at most 50 (its max)",
        f"s.yaml:{storm}:54: warning: `at_least: 1` on 'calm' can never hold: nothing changes it from its "
        "initial value 0",
        f"s.yaml:{dry}:64: warning: `below: 0` on 'oil' can never hold: oil is at least 0 (its min)",
    ]
