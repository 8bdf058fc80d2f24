"""The SQLite log: durable before submit returns, self-contained, exportable, and safe with bad files."""

from __future__ import annotations

import json
import sqlite3

import pytest

from simulator.bundled import resolve_scenario
from simulator.commands import Decide, SendMessage
from simulator.engine import Exercise
from simulator.loader import load_file
from simulator.policies import make_policy
from simulator.simulation import log_meta, simulate
from simulator.store import EventStore, LogError


@pytest.fixture
def drill():
    return load_file(resolve_scenario("port-drill"))


def test_an_event_is_on_disk_before_submit_returns(tmp_path, drill):
    path = tmp_path / "live.db"
    store = EventStore.create(path, log_meta(drill, seed=3))
    exercise = Exercise(drill.scenario, seed=3, sink=store.append, sha256=drill.sha256)
    exercise.start()
    exercise.advance(60)
    exercise.submit(SendMessage(role="harbour-master", to=["coastguard"], text="Spill at berth 7"))
    # A second, independent connection (another process would see the same) already has it.
    other = sqlite3.connect(path)
    rows = other.execute("SELECT seq, type, actor, data FROM events ORDER BY seq").fetchall()
    other.close()
    assert rows[-1][1:3] == ("message_sent", "harbour-master")
    assert json.loads(rows[-1][3])["text"] == "Spill at berth 7"
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_a_log_is_self_contained_and_reads_back_identically(tmp_path, drill):
    path = tmp_path / "run.db"
    result = simulate(drill, make_policy("model", drill.scenario, 0), seed=0, log=path)
    with EventStore(path) as store:
        meta = store.meta()
        events = store.events()
    assert meta["scenario_id"] == "port-drill"
    assert meta["scenario_sha256"] == drill.sha256
    assert meta["scenario_source"] == drill.text
    assert (meta["seed"], meta["policy"], meta["format"]) == ("0", "model", "1")
    assert [e.model_dump() for e in events] == [e.model_dump() for e in result.events]


def test_jsonl_export_and_import_round_trip(tmp_path, drill):
    source = tmp_path / "run.db"
    simulate(drill, make_policy("random", drill.scenario, 5), seed=5, log=source)
    with EventStore(source) as store:
        count = store.export_jsonl(tmp_path / "run.jsonl")
        original = [e.model_dump() for e in store.events()]
        meta = store.meta()
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    assert len(lines) == count + 1 and json.loads(lines[0]) == {"meta": meta}
    with EventStore.import_jsonl(tmp_path / "run.jsonl", tmp_path / "copy.db") as copy:
        assert [e.model_dump() for e in copy.events()] == original
        assert copy.meta() == meta


def test_a_damaged_jsonl_line_is_reported_by_line_number(tmp_path, drill):
    source = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=source)
    with EventStore(source) as store:
        store.export_jsonl(tmp_path / "run.jsonl")
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"type":"', '"type":"bogus_')
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(LogError, match=r"bad\.jsonl:4: not a valid event"):
        EventStore.import_jsonl(tmp_path / "bad.jsonl", tmp_path / "never.db")
    assert not (tmp_path / "never.db").exists()


def test_files_that_are_not_logs_give_clear_errors(tmp_path, drill):
    with pytest.raises(LogError, match="no such log file"):
        EventStore(tmp_path / "missing.db")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(LogError, match="not a Tabletop log"):
        EventStore(junk)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(LogError, match="no events table"):
        EventStore(other)


def test_a_damaged_row_names_its_sequence_number(tmp_path, drill):
    path = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=path)
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET data = '{not json' WHERE seq = 2")
    db.commit()
    db.close()
    with EventStore(path) as store, pytest.raises(LogError, match="event 2 is damaged"):
        store.events()


def test_an_existing_log_is_never_overwritten(tmp_path, drill):
    path = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=path)
    with pytest.raises(LogError, match="already exists"):
        simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=path)
    with EventStore(path) as store:
        assert store.count() > 0


def test_a_failing_sink_means_the_command_is_not_acknowledged(drill):
    exercise = Exercise(drill.scenario, sink=lambda event: None)
    exercise.start()
    exercise.advance(0)

    def broken(event):
        raise OSError("disk full")

    exercise._sink = broken
    with pytest.raises(OSError, match="disk full"):
        exercise.submit(Decide(role="harbour-master", decision="containment", option="boom"))
    assert all(e.type != "decision_made" for e in exercise.events)
