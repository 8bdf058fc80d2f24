"""`tabletop report` on hostile input: every file that is not a whole, matching log is refused in one line, never a traceback."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.bundled import resolve_scenario

ROOT = Path(__file__).resolve().parents[1]


def tabletop(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process, as a user runs it."""
    code = "import sys; from simulator.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def good_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "maritime.db"
    run = tabletop("simulate", "maritime", "--policy", "model", "--seed", "3", "--log", str(path))
    assert run.returncode == 0, run.stderr
    return path


def _altered(good: Path, target: Path, change: Callable[[sqlite3.Connection], None]) -> Path:
    shutil.copy(good, target)
    db = sqlite3.connect(target)
    try:
        change(db)
        db.commit()
    finally:
        db.close()
    return target


def _refused(log: Path, tmp_path: Path, *needles: str) -> str:
    out = tmp_path / "aar.md"
    for fmt in ("md", "html", "json"):
        run = tabletop("report", str(log), "--format", fmt, "-o", str(out))
        assert run.returncode == 1, (fmt, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stderr.startswith("tabletop: error: "), run.stderr
        for needle in needles:
            assert needle in run.stderr, run.stderr
        assert not out.exists()
    return run.stderr


def test_a_folder_is_named_as_a_folder_not_a_disk_fault(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    err = _refused(folder, tmp_path, "is a folder, not a log file")
    assert "I/O" not in err


def test_files_that_are_not_logs(tmp_path, good_log):
    _refused(resolve_scenario("port-drill"), tmp_path, "not a Tabletop log")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    _refused(empty, tmp_path, "empty file, not a Tabletop log")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good_log.read_bytes()[:20000])
    _refused(truncated, tmp_path, "not a Tabletop log")


def test_a_log_whose_stored_scenario_is_another_one(tmp_path, good_log):
    # The maritime events beside the cyber scenario's stored copy: scored, every figure would be wrong.
    other = tmp_path / "cyber.db"
    assert tabletop("simulate", "cyber", "--policy", "none", "--log", str(other)).returncode == 0
    with sqlite3.connect(other) as db:
        foreign = dict(db.execute("SELECT key, value FROM meta WHERE key LIKE 'scenario%'"))
    db.close()

    def swap(db: sqlite3.Connection) -> None:
        db.executemany("UPDATE meta SET value = ? WHERE key = ?", [(v, k) for k, v in foreign.items()])

    log = _altered(good_log, tmp_path / "swapped.db", swap)
    _refused(log, tmp_path, "recorded for scenario 'maritime-bintan'", "'cyber-tidebreak'", "altered")


def test_a_log_of_another_version_of_its_scenario(tmp_path, good_log):
    # Same scenario id, an edited text: the events were played on the version their start records.
    def edit(db: sqlite3.Connection) -> None:
        source = db.execute("SELECT value FROM meta WHERE key = 'scenario_source'").fetchone()[0]
        db.execute("UPDATE meta SET value = ? WHERE key = 'scenario_source'", (source + "\n# edited\n",))
        db.execute("UPDATE meta SET value = ? WHERE key = 'scenario_sha256'", ("0" * 64,))

    log = _altered(good_log, tmp_path / "edited.db", edit)
    _refused(log, tmp_path, "another version of scenario 'maritime-bintan'", "000000000000…")


def test_a_log_that_lost_its_beginning(tmp_path, good_log):
    log = _altered(good_log, tmp_path / "headless.db", lambda db: db.execute("DELETE FROM events WHERE seq = 1"))
    _refused(log, tmp_path, "event 2 is inject_delivered, not exercise_started")


def test_an_event_naming_what_the_scenario_does_not_have(tmp_path, good_log):
    def rename(db: sqlite3.Connection) -> None:
        seq = db.execute("SELECT MIN(seq) FROM events WHERE type = 'decision_made'").fetchone()[0]
        data = db.execute("SELECT data FROM events WHERE seq = ?", (seq,)).fetchone()[0]
        db.execute("UPDATE events SET data = ? WHERE seq = ?", (data.replace('"option": "', '"option": "zz-'), seq))

    log = _altered(good_log, tmp_path / "option.db", rename)
    _refused(log, tmp_path, "names option 'zz-", "does not match its scenario")
    log = _altered(
        good_log, tmp_path / "actor.db", lambda db: db.execute("UPDATE events SET actor = 'ghost' WHERE seq = 3")
    )
    _refused(log, tmp_path, "event 3 names role 'ghost'")


def test_the_untouched_log_still_reports(tmp_path, good_log):
    out = tmp_path / "aar.json"
    run = tabletop("report", str(good_log), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text(encoding="utf-8").startswith('{"format": "tabletop-aar/1"')


def test_a_report_is_not_written_over_another_exercise_log(tmp_path, good_log):
    other = tmp_path / "other.db"
    shutil.copy(good_log, other)
    before = other.read_bytes()
    run = tabletop("report", str(good_log), "--format", "md", "-o", str(other))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "is an SQLite database (an exercise log?) and would be lost" in run.stderr
    assert other.read_bytes() == before
    # Named by its suffix alone, the database is still what is said.
    run = tabletop("report", str(good_log), "-o", str(other))
    assert run.returncode == 1 and "would be lost" in run.stderr
    assert other.read_bytes() == before


def test_an_output_suffix_that_names_no_report_format_is_a_usage_error(tmp_path, good_log):
    pdf = tmp_path / "aar.pdf"
    run = tabletop("report", str(good_log), "-o", str(pdf))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "cannot tell the report format from '.pdf'; add --format md, html or json" in run.stderr
    assert not pdf.exists()
    # Said outright, the format wins; .txt and no suffix are Markdown.
    assert tabletop("report", str(good_log), "-o", str(pdf), "--format", "html").returncode == 0
    assert pdf.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for name in ("aar.txt", "aar"):
        assert tabletop("report", str(good_log), "-o", str(tmp_path / name)).returncode == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith("# After-Action Report")
