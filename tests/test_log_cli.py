"""`tabletop log`: info, JSONL export and import, and verification by replay, with clean errors."""

from __future__ import annotations

import json
import re
import sqlite3

from simulator.cli import main


def simulate(tmp_path, capsys, name="run.db", policy="random"):
    path = tmp_path / name
    assert main(["simulate", "port-drill", "--policy", policy, "--seed", "2", "--log", str(path), "--json"]) == 0
    capsys.readouterr()
    return path


def test_info_summarises_the_log(tmp_path, capsys):
    path = simulate(tmp_path, capsys)
    assert main(["log", "info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["scenario"], info["seed"], info["policy"], info["ended"]) == ("port-drill", "2", "random", True)
    assert info["types"]["exercise_started"] == 1 and info["last_t"] == 2700.0


def test_export_then_import_gives_an_identical_log_that_verifies(tmp_path, capsys):
    path = simulate(tmp_path, capsys)
    assert main(["log", "export", str(path), "-o", str(tmp_path / "run.jsonl")]) == 0
    assert main(["log", "import", str(tmp_path / "run.jsonl"), "-o", str(tmp_path / "copy.db")]) == 0
    capsys.readouterr()
    original = sqlite3.connect(path).execute("SELECT seq, t, wall, actor, type, data FROM events").fetchall()
    copied = (
        sqlite3.connect(tmp_path / "copy.db").execute("SELECT seq, t, wall, actor, type, data FROM events").fetchall()
    )
    assert copied == original
    assert main(["log", "verify", str(tmp_path / "copy.db")]) == 0
    assert "events replay identically from port-drill seed 2" in capsys.readouterr().out


def test_export_to_standard_output_starts_with_the_metadata(tmp_path, capsys):
    path = simulate(tmp_path, capsys, policy="none")
    assert main(["log", "export", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert json.loads(lines[0])["meta"]["scenario_id"] == "port-drill"
    assert json.loads(lines[1])["type"] == "exercise_started"


def test_verify_catches_a_log_edited_after_the_fact(tmp_path, capsys):
    path = simulate(tmp_path, capsys, policy="model")
    db = sqlite3.connect(path)
    db.execute(
        """UPDATE events SET data = replace(data, '"option": "boom"', '"option": "wait"') WHERE type = 'decision_made'"""
    )
    db.commit()
    db.close()
    assert main(["log", "verify", str(path)]) == 1
    assert "diverges from the scenario at event" in capsys.readouterr().err


def test_bad_files_give_one_clear_line(tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 50)
    assert main(["log", "info", str(junk)]) == 1
    assert main(["log", "import", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "x.db")]) == 1
    err = capsys.readouterr().err
    assert "not a Tabletop log" in err and "No such file" in err
    assert "Traceback" not in err


def test_import_refuses_what_report_and_verify_would_refuse_later(tmp_path, capsys):
    path = simulate(tmp_path, capsys)
    assert main(["log", "export", str(path), "-o", str(tmp_path / "run.jsonl")]) == 0
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "events-only.jsonl").write_text("\n".join(lines[1:]) + "\n")
    capsys.readouterr()
    for name in ("empty.jsonl", "events-only.jsonl"):
        assert main(["log", "import", str(tmp_path / name), "-o", str(tmp_path / f"{name}.db")]) == 1
        assert not (tmp_path / f"{name}.db").exists()
    captured = capsys.readouterr()
    assert "0 events" not in captured.out
    assert "empty.jsonl: empty file, not a Tabletop log export" in captured.err
    assert "events-only.jsonl:1: not a Tabletop log export" in captured.err
    assert "Traceback" not in captured.err


def test_info_reads_a_log_while_an_exercise_writes_it(tmp_path, capsys):
    from simulator.bundled import resolve_scenario
    from simulator.engine import Exercise
    from simulator.loader import load_file
    from simulator.simulation import log_meta
    from simulator.store import EventStore

    drill = load_file(resolve_scenario("port-drill"))
    path = tmp_path / "live.db"
    with EventStore.create(path, log_meta(drill, seed=0)) as writer:
        exercise = Exercise(drill.scenario, sink=writer.append, sha256=drill.sha256)
        exercise.start()
        exercise.advance(120)
        assert main(["log", "info", str(path), "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert (info["events"], info["ended"]) == (len(exercise.events), False)
        assert main(["report", str(path)]) == 0
        assert "**Not ended — log stops at T+00:00:00.**" in capsys.readouterr().out


def test_import_refuses_junk_bytes_and_times_no_clock_could_show(tmp_path, capsys):
    path = simulate(tmp_path, capsys)
    assert main(["log", "export", str(path), "-o", str(tmp_path / "run.jsonl")]) == 0
    lines = (tmp_path / "run.jsonl").read_text().splitlines()

    def with_time(index: int, value: str) -> str:
        edited = re.sub(r'"t":\s*[^,]+', f'"t":{value}', lines[index], count=1)
        assert edited != lines[index]
        return "\n".join([*lines[:index], edited, *lines[index + 1 :]]) + "\n"

    # The first event after T+0, and the one after it set back to T+0.
    later = next(i for i, line in enumerate(lines[1:], 1) if json.loads(line)["t"] > 0)
    (tmp_path / "junk.jsonl").write_bytes(bytes(range(256)) * 12)
    (tmp_path / "nan.jsonl").write_text(with_time(3, "NaN"))
    (tmp_path / "infinite.jsonl").write_text(with_time(3, "Infinity"))
    (tmp_path / "negative.jsonl").write_text(with_time(3, "-50"))
    (tmp_path / "backwards.jsonl").write_text(with_time(later + 1, "0.0"))
    cases = {
        "junk.jsonl": "junk.jsonl: not UTF-8 text, so not a Tabletop log export",
        "nan.jsonl": "nan.jsonl:4: not a valid event",
        "infinite.jsonl": "infinite.jsonl:4: not a valid event",
        "negative.jsonl": "negative.jsonl:4: not a valid event",
        "backwards.jsonl": f"backwards.jsonl:{later + 2}: event {later + 1} at scenario time 0 s comes before",
    }
    capsys.readouterr()
    for name, message in cases.items():
        assert main(["log", "import", str(tmp_path / name), "-o", str(tmp_path / f"{name}.db")]) == 1
        assert not (tmp_path / f"{name}.db").exists()
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
