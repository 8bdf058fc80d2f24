"""An output path that names the command's own input is refused, and the input survives byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
DRILL = ROOT / "scenarios" / "port-drill.yaml"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def log(tmp_path, capsys):
    path = tmp_path / "drill.db"
    assert main(["simulate", str(DRILL), "--policy", "model", "--log", str(path)]) == 0
    capsys.readouterr()
    return path


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_report_refuses_to_write_over_its_log(log, capsys, fmt):
    before = digest(log)
    assert main(["report", str(log), "--format", fmt, "-o", str(log)]) == 1
    assert "is the input file" in capsys.readouterr().err
    assert digest(log) == before


def test_report_refuses_a_path_that_reaches_the_log_through_a_link(log, tmp_path, capsys):
    link = tmp_path / "link.db"
    link.symlink_to(log)
    before = digest(log)
    assert main(["report", str(link), "-o", str(log)]) == 1
    assert main(["report", str(log), "-o", str(link)]) == 1
    capsys.readouterr()
    assert digest(log) == before


def test_msel_log_export_and_sweep_refuse_to_write_over_their_input(log, tmp_path, capsys):
    scenario = tmp_path / "drill.yaml"
    shutil.copy(DRILL, scenario)
    before = digest(scenario), digest(log)
    assert main(["msel", str(scenario), "--format", "csv", "-o", str(scenario)]) == 1
    assert main(["log", "export", str(log), "-o", str(log)]) == 1
    assert main(["sweep", str(scenario), "--runs", "2", "--jobs", "1", "-o", str(scenario)]) == 1
    err = capsys.readouterr().err
    assert err.count("is the input file") == 3
    assert (digest(scenario), digest(log)) == before


def test_simulate_log_under_a_file_is_one_error_line_and_no_traceback(tmp_path):
    # A file where a folder of the path should be once crashed after the whole run.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n", encoding="utf-8")
    target = blocker / "runs" / "drill.db"
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "simulate", str(DRILL), "--log", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"tabletop: error: cannot write {target}: {blocker} is a file, not a folder\n"


def test_simulate_log_that_is_a_folder_is_refused_before_the_run(tmp_path, capsys):
    assert main(["simulate", str(DRILL), "--log", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == f"tabletop: error: cannot write {tmp_path}: it is a folder\n"


def test_simulate_log_makes_missing_folders(tmp_path, capsys):
    target = tmp_path / "runs" / "today" / "drill.db"
    assert main(["simulate", str(DRILL), "--log", str(target), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["log"] == str(target)
    assert target.stat().st_size > 0


def test_msel_export_and_import_make_missing_folders(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Time,To,Inject\n00:00,Harbour master,Hose parted\n", encoding="utf-8")
    exported = tmp_path / "print" / "msel.md"
    imported = tmp_path / "drills" / "new" / "spill.yaml"
    assert main(["msel", str(DRILL), "-o", str(exported)]) == 0
    assert main(["msel", "--import", str(sheet), "-o", str(imported)]) == 0
    assert exported.read_text(encoding="utf-8").startswith("# MSEL")
    assert main(["validate", str(imported)]) == 0
    capsys.readouterr()


def test_msel_output_under_a_file_is_one_error_line(tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x\n", encoding="utf-8")
    assert main(["msel", str(DRILL), "--format", "csv", "-o", str(blocker / "msel.csv")]) == 1
    err = capsys.readouterr().err
    assert err == f"tabletop: error: cannot write {blocker / 'msel.csv'}: {blocker} is a file, not a folder\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["msel", "port-drill", "--domain", "cyber"], "--domain only apply with --import FILE.csv"),
        (["msel", "port-drill", "--times", "clock"], "--times only apply with --import FILE.csv"),
        (["msel", "--import", "sheet.csv", "--format", "csv"], "--format is for export; --import always writes"),
    ],
)
def test_msel_options_of_the_other_mode_are_usage_errors(argv, message, capsys):
    # Silently dropped, they would leave an author wondering why the output ignores them.
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert message in out.err


def test_msel_import_quotes_the_path_in_the_next_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sheet.csv").write_text("Time,To,Inject\n00:00,All,Start\n", encoding="utf-8")
    assert main(["msel", "--import", "sheet.csv", "-o", "spill (draft).yaml"]) == 0
    assert "next: tabletop validate 'spill (draft).yaml'" in capsys.readouterr().out


def test_log_export_and_import_outputs_under_a_file_or_missing_folders(log, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x\n", encoding="utf-8")
    assert main(["log", "export", str(log), "-o", str(blocker / "x.jsonl")]) == 1
    assert main(["log", "import", str(log), "-o", str(blocker / "y.db")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"tabletop: error: cannot write {blocker / 'x.jsonl'}: {blocker} is a file, not a folder",
        f"tabletop: error: cannot write {blocker / 'y.db'}: {blocker} is a file, not a folder",
    ]
    exported = tmp_path / "exports" / "drill.jsonl"
    imported = tmp_path / "imports" / "drill.db"
    assert main(["log", "export", str(log), "-o", str(exported)]) == 0
    assert main(["log", "import", str(exported), "-o", str(imported)]) == 0
    assert main(["log", "verify", str(imported)]) == 0
    capsys.readouterr()


def test_log_import_of_an_unreadable_file_says_so_without_an_errno(tmp_path, capsys):
    assert main(["log", "import", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "new.db")]) == 1
    assert main(["log", "import", str(tmp_path), "-o", str(tmp_path / "new.db")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"tabletop: error: cannot read {tmp_path / 'missing.jsonl'}: No such file or directory",
        f"tabletop: error: cannot read {tmp_path}: Is a directory",
    ]
    assert not (tmp_path / "new.db").exists()


def test_simulate_policy_named_without_its_yaml_suffix_points_at_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "slow-team.yaml").write_text("decisions:\n  containment: {option: wait, delay: 9m}\n", encoding="utf-8")
    assert main(["simulate", str(DRILL), "--policy", "slow-team"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "tabletop: error: unknown policy 'slow-team'; did you mean the response file slow-team.yaml?\n"
    assert main(["simulate", str(DRILL), "--policy", "slow-team.yaml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"] == {"containment": "wait"}
