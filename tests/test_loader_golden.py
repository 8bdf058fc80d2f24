"""Golden tests: `tabletop validate` prints the exact FILE:LINE:COL lines pinned for each bad file in tests/data/bad.

Regenerate the .expected files with UPDATE_GOLDEN=1, then read every changed line by eye.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.bundled import resolve_scenario
from simulator.cli import main
from simulator.diagnostics import ScenarioError
from simulator.loader import MAX_BYTES, load_response_file, load_scenario

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
CASES = sorted(path.name for path in BAD.glob("*.yaml"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
LINE = re.compile(r"bad/[a-z0-9-]+\.yaml:\d+:\d+: error: \S.*")
# Past the cap, one line says how many more: it has no position, since they are all over the file.
MORE = re.compile(r"bad/[a-z0-9-]+\.yaml: note: [\d,]+ more problems? not shown")


def validate(capsys, monkeypatch, *names: str) -> tuple[int, str, str]:
    # Run from tests/data so the FILE part of every line is the stable relative path bad/NAME.yaml.
    monkeypatch.chdir(DATA)
    status = main(["validate", *names])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_corpus_is_large_and_every_file_has_its_expected_output():
    assert len(CASES) >= 20
    expected = sorted(path.with_suffix(".yaml").name for path in BAD.glob("*.expected"))
    assert expected == CASES


@pytest.mark.parametrize("name", CASES)
def test_a_bad_file_prints_exactly_its_pinned_problems(name, capsys, monkeypatch):
    status, out, err = validate(capsys, monkeypatch, f"bad/{name}")
    golden = BAD / name.replace(".yaml", ".expected")
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert status == 1
    assert err == ""
    assert out == golden.read_text(encoding="utf-8")
    assert out.endswith("\n")
    *lines, last = out.splitlines()
    for line in lines:
        assert LINE.fullmatch(line), line
    assert LINE.fullmatch(last) or MORE.fullmatch(last), last


def test_every_problem_of_a_file_is_reported_in_one_run(capsys, monkeypatch):
    _, out, _ = validate(capsys, monkeypatch, "bad/dangling-role.yaml")
    assert len(out.splitlines()) == 7


def test_several_files_in_one_run_report_each_file_in_turn(capsys, monkeypatch):
    names = ["bad/unknown-key.yaml", "bad/empty.yaml", "bad/duplicate-key.yaml"]
    status, out, _ = validate(capsys, monkeypatch, *names)
    assert status == 1
    assert out == "".join((BAD / Path(n).name.replace(".yaml", ".expected")).read_text() for n in names)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path, capsys, monkeypatch):
    comment = b"# padding to make the file large\n"
    (tmp_path / "huge.yaml").write_bytes(b"schema: tabletop/1\n" + comment * (MAX_BYTES // len(comment) + 1))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "huge.yaml"]) == 1
    assert capsys.readouterr().out == "huge.yaml:1:1: error: file is larger than the 16 MiB limit\n"


def test_a_missing_file_is_a_clean_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "nowhere.yaml"]) == 1
    assert capsys.readouterr().out == "nowhere.yaml:1:1: error: cannot read file: No such file or directory\n"


def test_a_python_tag_never_runs(tmp_path, capsys, monkeypatch):
    marker = tmp_path / "ran"
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(f'schema: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "hostile.yaml"]) == 1
    assert capsys.readouterr().out == (
        "hostile.yaml:1:9: error: tag !!python/object/apply:os.system is not allowed (only plain YAML data is read)\n"
    )
    assert not marker.exists()


def test_the_installed_command_exits_1_without_a_traceback_on_hostile_files():
    names = [
        "bad/alias-bomb.yaml",
        "bad/deep-nesting.yaml",
        "bad/recursive-alias.yaml",
        "bad/python-tag.yaml",
        "bad/binary.yaml",
        "bad/latin1.yaml",
        "bad/root-scalar.yaml",
        "bad/empty.yaml",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "validate", *names],
        cwd=DATA,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == ""
    assert result.stdout == "".join((BAD / Path(n).name.replace(".yaml", ".expected")).read_text() for n in names)


RESPONSES = sorted(path.name for path in (BAD / "responses").glob("*.yaml"))


def test_every_bad_response_file_has_its_expected_output():
    assert len(RESPONSES) >= 5
    expected = sorted(path.with_suffix(".yaml").name for path in (BAD / "responses").glob("*.expected"))
    assert expected == RESPONSES


@pytest.mark.parametrize("name", RESPONSES)
def test_a_bad_response_file_reports_exactly_its_pinned_problems(name, monkeypatch):
    # Response files are read by the same machinery as scenarios, checked against the bundled port drill.
    monkeypatch.chdir(DATA)
    scenario = load_scenario(resolve_scenario("port-drill"))
    with pytest.raises(ScenarioError) as caught:
        load_response_file(f"bad/responses/{name}", scenario)
    out = "".join(f"{problem}\n" for problem in caught.value.problems)
    golden = BAD / "responses" / name.replace(".yaml", ".expected")
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    for line in out.splitlines():
        assert re.fullmatch(r"bad/responses/[a-z0-9-]+\.yaml:\d+:\d+: error: \S.*", line), line
