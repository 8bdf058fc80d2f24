"""`tabletop validate`: exit 0 valid, 1 invalid, 2 usage; `--json` gives one entry per file with counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.bundled import bundled_scenarios
from simulator.cli import main

DATA = Path(__file__).resolve().parent / "data"
SUMMARY_KEYS = {
    "id",
    "title",
    "domain",
    "duration_s",
    "roles",
    "teams",
    "injects",
    "decisions",
    "options",
    "state_vars",
    "dynamics",
    "objectives",
    "expectations",
}


def run(capsys, monkeypatch, *argv: str) -> tuple[int, str, str]:
    monkeypatch.chdir(DATA)
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_valid_file_exits_0_with_a_one_line_summary(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch, "validate", "good/merge-anchors.yaml")
    assert status == 0
    assert out == "good/merge-anchors.yaml: ok — Anchors and merge keys (cyber, 3 roles, 3 injects, 0 decisions)\n"


def test_json_gives_one_entry_per_file_with_counts_and_errors(capsys, monkeypatch):
    status, out, _ = run(
        capsys, monkeypatch, "validate", "--json", "lint/clean.yaml", "bad/duplicate-key.yaml", "good/bom.yaml"
    )
    assert status == 1
    clean, bad, bom = json.loads(out)
    assert clean == {
        "file": "lint/clean.yaml",
        "ok": True,
        "errors": [],
        "summary": {
            "id": "lint-base",
            "title": "Lint base",
            "domain": "maritime",
            "duration_s": 3600.0,
            "roles": 2,
            "teams": 1,
            "injects": 2,
            "decisions": 1,
            "options": 2,
            "state_vars": 1,
            "dynamics": 0,
            "objectives": 1,
            "expectations": 1,
            "hotwash": 0,
            "model_answer": False,
        },
    }
    assert SUMMARY_KEYS <= set(clean["summary"])
    assert bad == {
        "file": "bad/duplicate-key.yaml",
        "ok": False,
        "errors": [
            {
                "file": "bad/duplicate-key.yaml",
                "line": 18,
                "col": 5,
                "severity": "error",
                "message": "duplicate key 'title' (first defined at line 17)",
            },
            {
                "file": "bad/duplicate-key.yaml",
                "line": 19,
                "col": 1,
                "severity": "error",
                "message": "duplicate key 'duration' (first defined at line 6)",
            },
            {
                "file": "bad/duplicate-key.yaml",
                "line": 20,
                "col": 1,
                "severity": "error",
                "message": "duplicate key 'injects' (first defined at line 11); add these items to that list instead",
            },
        ],
        # Duplicate keys aside, the file reads as a whole: its summary counts everything.
        "summary": {
            "id": "duplicates",
            "title": "Duplicate keys",
            "domain": "maritime",
            "duration_s": 3600.0,
            "roles": 1,
            "teams": 1,
            "injects": 1,
            "decisions": 0,
            "options": 0,
            "state_vars": 0,
            "dynamics": 0,
            "objectives": 0,
            "expectations": 0,
            "hotwash": 0,
            "model_answer": False,
        },
    }
    assert bom["ok"] is True
    assert (bom["summary"]["domain"], bom["summary"]["duration_s"], bom["summary"]["roles"]) == ("cbrn", 1800.0, 1)


def test_json_counts_the_bundled_example(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch, "validate", "--json", "port-drill")
    assert status == 0
    (entry,) = json.loads(out)
    summary = entry["summary"]
    assert entry["ok"] is True and entry["errors"] == []
    assert {k: summary[k] for k in SUMMARY_KEYS} == {
        "id": "port-drill",
        "title": "Port drill — bunker spill at the container terminal",
        "domain": "maritime",
        "duration_s": 2700.0,
        "roles": 3,
        "teams": 2,
        "injects": 8,
        "decisions": 1,
        "options": 2,
        "state_vars": 2,
        "dynamics": 1,
        "objectives": 2,
        "expectations": 3,
    }


def test_json_on_a_hostile_file_is_still_valid_json(capsys, monkeypatch):
    status, out, err = run(capsys, monkeypatch, "validate", "--json", "bad/binary.yaml", "bad/alias-bomb.yaml")
    assert status == 1
    assert err == ""
    entries = json.loads(out)
    assert [(e["file"], e["ok"], len(e["errors"])) for e in entries] == [
        ("bad/binary.yaml", False, 1),
        ("bad/alias-bomb.yaml", False, 1),
    ]


def test_json_summarises_what_could_be_read_of_a_broken_file(capsys, monkeypatch):
    # wrong-type.yaml has `roles` as a mapping: that count is unknown (null); the rest was read.
    _, out, _ = run(capsys, monkeypatch, "validate", "--json", "bad/wrong-type.yaml", "bad/missing-key.yaml")
    wrong, missing = json.loads(out)
    assert wrong["summary"] == {
        "id": "wrong-types",
        "title": "Wrong types",
        "domain": "maritime",
        "duration_s": 3600.0,
        "roles": None,
        "teams": 1,
        "injects": 1,
        "decisions": 0,
        "options": 0,
        "state_vars": 1,
        "dynamics": 0,
        "objectives": 0,
        "expectations": 0,
        "hotwash": 0,
        "model_answer": False,
    }
    # A missing required key is null too, not the stand-in the check used in its place.
    assert missing["summary"]["duration_s"] is None and missing["summary"]["id"] == "missing"


def test_json_summary_is_null_when_nothing_could_be_read(capsys, monkeypatch):
    _, out, _ = run(
        capsys, monkeypatch, "validate", "--json", "bad/invalid-syntax.yaml", "bad/root-list.yaml", "bad/binary.yaml"
    )
    assert [entry["summary"] for entry in json.loads(out)] == [None, None, None]


def test_json_lists_every_problem_and_the_terminal_the_first_100_then_a_note(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "validate", "--json", "bad/too-many-problems.yaml")
    (entry,) = json.loads(out)
    messages = [e["message"] for e in entry["errors"]]
    assert len(messages) == 150
    assert [e["line"] for e in entry["errors"]] == list(range(9, 159))
    assert not [m for m in messages if "not shown" in m]
    assert entry["summary"]["id"] == "blob"
    _, out, _ = run(capsys, monkeypatch, "validate", "bad/too-many-problems.yaml")
    lines = out.splitlines()
    assert len(lines) == 101
    assert [line.split(": error: ")[1] for line in lines[:100]] == messages[:100]
    # Not FILE:LINE:COL: the problems left out are all over the file, not at one place in it.
    assert lines[100] == "bad/too-many-problems.yaml: note: 50 more problems not shown"


def test_validate_help_documents_the_cap_and_the_json_summary(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "at most 100 per file, then a line FILE: note: N more problems not shown" in help_text
    assert "the summary is null when nothing could" in help_text


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--frobnicate", "x.yaml"], ["no-such-command"]])
def test_usage_errors_exit_2(argv, capsys, monkeypatch):
    with pytest.raises(SystemExit) as caught:
        run(capsys, monkeypatch, *argv)
    assert caught.value.code == 2
    assert "usage: tabletop" in capsys.readouterr().err


def test_no_command_prints_help_and_exits_2(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch)
    assert status == 2
    assert out.startswith("usage: tabletop")


def test_validate_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 every file is valid, 1 a file has errors or cannot be read, 2 usage error" in help_text


BUNDLED = sorted(bundled_scenarios())


def test_a_bundled_scenario_is_found_by_its_name_or_the_start_of_it(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch, "validate", "port-drill", "port")
    assert status == 0
    assert [line.split(": ok")[0] for line in out.splitlines()] == [str(bundled_scenarios()["port-drill"])] * 2


def test_a_word_matching_several_bundled_scenarios_lists_them(capsys, monkeypatch):
    several = [name for name in BUNDLED if name.startswith("c")]
    assert len(several) > 1
    status, out, _ = run(capsys, monkeypatch, "validate", "c")
    assert status == 1
    assert out == f"c:1:1: error: 'c' matches several bundled scenarios: {', '.join(several)}\n"


def test_a_misspelt_bundled_name_gets_a_did_you_mean_and_an_unknown_one_the_list(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch, "validate", "maritme", "xyzzy")
    assert status == 1
    assert out.splitlines() == [
        "maritme:1:1: error: no scenario file or bundled scenario named 'maritme'; did you mean maritime-bintan?",
        f"xyzzy:1:1: error: no scenario file or bundled scenario named 'xyzzy'; bundled scenarios: {', '.join(BUNDLED)}",
    ]


def test_every_command_taking_a_scenario_reports_an_unknown_name_the_same_way(capsys, monkeypatch):
    monkeypatch.chdir(DATA)
    assert main(["simulate", "maritme"]) == 1
    assert capsys.readouterr().err == (
        "maritme:1:1: error: no scenario file or bundled scenario named 'maritme'; did you mean maritime-bintan?\n"
    )
    assert main(["lint", "maritme"]) == 1
    assert "did you mean maritime-bintan?" in capsys.readouterr().out


def test_a_missing_path_is_still_a_missing_file(capsys, monkeypatch):
    status, out, _ = run(capsys, monkeypatch, "validate", "drills/maritme.yaml", "maritme.yaml")
    assert status == 1
    assert out.splitlines() == [
        "drills/maritme.yaml:1:1: error: cannot read file: No such file or directory",
        "maritme.yaml:1:1: error: cannot read file: No such file or directory",
    ]


def test_json_reports_an_unknown_name_as_a_file_entry(capsys, monkeypatch):
    _, out, _ = run(capsys, monkeypatch, "validate", "--json", "maritme")
    (entry,) = json.loads(out)
    assert entry["file"] == "maritme" and entry["ok"] is False
    assert entry["errors"][0]["message"].endswith("did you mean maritime-bintan?")


@pytest.mark.parametrize("command", [["simulate"], ["msel"], ["simulate", "--json"]])
def test_other_commands_print_a_broken_file_as_validate_does(command, capsys, monkeypatch):
    _, validate_out, _ = run(capsys, monkeypatch, "validate", "bad/too-many-problems.yaml")
    status, out, err = run(capsys, monkeypatch, command[0], "bad/too-many-problems.yaml", *command[1:])
    assert (status, out) == (1, "")
    assert err == validate_out
    assert err.splitlines()[-1] == "bad/too-many-problems.yaml: note: 50 more problems not shown"
