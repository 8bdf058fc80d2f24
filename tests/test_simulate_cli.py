"""`tabletop simulate`: readable timeline, JSON summary, policies, response files, and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulator.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_summary_has_the_documented_fields(capsys, tmp_path):
    log = tmp_path / "drill.db"
    status, out, _ = run(
        capsys, "simulate", "port-drill", "--policy", "none", "--seed", "4", "--log", str(log), "--json"
    )
    assert status == 0
    summary = json.loads(out)
    assert {"scenario", "seed", "policy", "events", "injects_delivered", "decisions", "final_state", "log"} <= set(
        summary
    )
    assert (summary["scenario"], summary["seed"], summary["policy"], summary["log"]) == (
        "port-drill",
        4,
        "none",
        str(log),
    )
    assert summary["decisions"] == {"containment": None}
    assert summary["injects_delivered"][:2] == ["hose-parted", "slick-spreads"]
    assert log.exists()


def test_model_policy_takes_the_model_answer_and_prints_a_timeline(capsys):
    status, out, _ = run(capsys, "simulate", "port-drill", "--policy", "model")
    assert status == 0
    assert "T+00:03:00  decided   containment → boom by harbour-master" in out
    assert "T+00:04:00  message   harbour-master → pcg-duty: Bunker spill at berth 7" in out
    assert "T+00:45:00  end       scenario time is up" in out


def test_a_response_file_plays_scripted_answers(capsys, tmp_path):
    script = tmp_path / "team.yaml"
    script.write_text(
        "decisions:\n  containment: {option: wait, delay: 9m, rationale: cheaper}\n"
        "messages:\n  - {at: 2m, from: env-officer, to: [pcg-duty], text: FYI oil at berth 7}\n"
    )
    status, out, _ = run(capsys, "simulate", "port-drill", "--policy", str(script), "--json")
    summary = json.loads(out)
    assert status == 0
    assert summary["decisions"] == {"containment": "wait"}
    assert "contractor-eta" in summary["injects_delivered"]
    assert "pcg-not-told" not in summary["injects_delivered"]


def test_a_bad_response_file_is_reported_at_its_line(capsys, tmp_path):
    script = tmp_path / "team.yaml"
    script.write_text("decisions:\n  containment: {option: bom}\n")
    status, _, err = run(capsys, "simulate", "port-drill", "--policy", str(script))
    assert status == 1
    assert err.strip() == f"{script}:2:25: error: decision 'containment' has no option 'bom' (did you mean 'boom'?)"


@pytest.mark.parametrize(("spec", "hint"), [("randm", " (did you mean 'random'?)"), ("", "")])
def test_a_mistyped_policy_is_a_usage_error_not_a_missing_file(capsys, spec, hint):
    status, out, err = run(capsys, "simulate", "port-drill", "--policy", spec)
    assert (status, out) == (2, "")
    assert err == (
        f"tabletop: error: unknown policy {spec!r}{hint}: use random, first, none, model or a response file (YAML)\n"
    )


def test_a_missing_response_file_is_still_named_as_a_file(capsys, tmp_path):
    missing = tmp_path / "team.yaml"
    status, _, err = run(capsys, "simulate", "port-drill", "--policy", str(missing))
    assert status == 1
    assert err == f"{missing}:1:1: error: cannot read response file: No such file or directory\n"


def test_an_invalid_scenario_exits_1_with_its_problems(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: tabletop/1\nid: x\n")
    status, _, err = run(capsys, "simulate", str(bad))
    assert status == 1
    assert f"{bad}:1:1: error: missing required key 'title'" in err


def test_usage_errors_exit_2_without_a_traceback():
    out = subprocess.run([sys.executable, "-m", "ui.cli", "simulate"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "usage:" in out.stderr
