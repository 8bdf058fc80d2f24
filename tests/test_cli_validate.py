"""`tabletop validate`: exit 0 valid, 1 invalid, 2 usage; `--json` gives one entry per file with counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
        ],
        "summary": None,
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
