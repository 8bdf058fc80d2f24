"""The SQLite log: durable before submit returns, self-contained, exportable, and safe with bad files."""

from __future__ import annotations

import json
import re
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


# --------------------------------------------------------------------------- reading never writes


def _bytes(path):
    return path.read_bytes()


def test_reading_commands_leave_an_empty_file_empty(tmp_path, capsys):
    from simulator.cli import main

    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (["report", str(empty)], ["log", "info", str(empty)], ["log", "export", str(empty)]):
        assert main(args) == 1
        assert empty.stat().st_size == 0, args
    assert main(["log", "verify", str(empty)]) == 1
    assert empty.stat().st_size == 0
    err = capsys.readouterr().err
    assert err.count("empty file, not a Tabletop log") == 4 and "Traceback" not in err


def test_reading_a_foreign_database_changes_nothing_in_it(tmp_path, capsys):
    from simulator.cli import main

    foreign = tmp_path / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE x (y)")
    db.execute("INSERT INTO x VALUES (1)")
    db.commit()
    db.close()
    before = _bytes(foreign)
    for args in (["report", str(foreign)], ["log", "info", str(foreign)], ["log", "verify", str(foreign)]):
        assert main(args) == 1
    with pytest.raises(LogError, match="no events table"):
        EventStore(foreign)  # not even the writable open switches it to WAL any more
    assert _bytes(foreign) == before
    assert sqlite3.connect(foreign).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert "not a Tabletop log (no events table)" in capsys.readouterr().err


def test_reading_a_log_leaves_its_file_byte_for_byte(tmp_path, drill, capsys):
    from simulator.cli import main

    path = tmp_path / "run.db"
    simulate(drill, make_policy("random", drill.scenario, 2), seed=2, log=path)
    before = _bytes(path)
    assert main(["report", str(path), "-o", str(tmp_path / "aar.html")]) == 0
    assert main(["log", "info", str(path)]) == 0
    assert main(["log", "export", str(path), "-o", str(tmp_path / "run.jsonl")]) == 0
    assert main(["log", "verify", str(path)]) == 0
    assert _bytes(path) == before


def test_a_log_being_written_can_be_read_while_the_writer_runs(tmp_path, drill):
    path = tmp_path / "live.db"
    writer = EventStore.create(path, log_meta(drill, seed=3))
    exercise = Exercise(drill.scenario, seed=3, sink=writer.append, sha256=drill.sha256)
    exercise.start()
    exercise.advance(60)
    with EventStore(path, readonly=True) as reader:
        seen = reader.count()
        assert seen == len(exercise.events) and reader.meta()["scenario_id"] == "port-drill"
        # The reader's open connection does not hold the writer up, and sees each commit.
        exercise.submit(SendMessage(role="harbour-master", to=["coastguard"], text="Spill at berth 7"))
        assert reader.count() == len(exercise.events) > seen
        assert reader.events()[-1].type == "message_sent"
    # The report of a live exercise is that of a log that stops short.
    from simulator.report import build_report, read_log

    loaded, events, meta = read_log(path)
    assert build_report(loaded.scenario, events, meta).overview.ended is False
    writer.close()


def test_read_only_storage_falls_back_to_an_immutable_open(tmp_path, drill, monkeypatch):
    import simulator.store as store_module

    path = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=path)
    real = sqlite3.connect
    opened = []

    def connect(target, *args, **kwargs):
        opened.append(str(target))
        db = real(target, *args, **kwargs)
        if "immutable" in str(target):
            return db

        class Refusing:
            """What SQLite says where it may not create the WAL index beside a read-only log."""

            def execute(self, *a):
                error = sqlite3.OperationalError("attempt to write a readonly database")
                error.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
                raise error

            def close(self):
                db.close()

        return Refusing()

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    with EventStore(path, readonly=True) as store:
        assert store.count() > 0
    assert opened[0].endswith("?mode=ro") and opened[1].endswith("?mode=ro&immutable=1")


def test_logs_of_another_format_are_refused_by_name(tmp_path, drill):
    path = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=path)
    for value, message in (
        ("2", "log format 2 was written by a newer version of Tabletop; this version reads log format 1 only"),
        ("0.9-beta", "unknown log format '0.9-beta'; this version of Tabletop reads log format 1"),
    ):
        db = sqlite3.connect(path)
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (value,))
        db.commit()
        db.close()
        for readonly in (True, False):
            with pytest.raises(LogError, match=re.escape(message)):
                EventStore(path, readonly=readonly)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM meta WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(LogError, match="no format in its metadata"):
        EventStore(path, readonly=True)


def test_an_import_that_could_not_be_reported_is_refused_before_anything_is_written(tmp_path, drill):
    source = tmp_path / "run.db"
    simulate(drill, make_policy("none", drill.scenario, 0), seed=0, log=source)
    with EventStore(source) as store:
        store.export_jsonl(tmp_path / "run.jsonl")
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    meta = json.loads(lines[0])["meta"]
    cases = {
        "empty.jsonl": ("", "empty file, not a Tabletop log export"),
        "no-meta.jsonl": ("\n".join(lines[1:]), "no-meta.jsonl:1: not a Tabletop log export (it starts with an event"),
        "meta-only.jsonl": (lines[0], "the export holds no events: the exercise never started"),
        "newer.jsonl": (
            "\n".join([json.dumps({"meta": {**meta, "format": "2"}}), *lines[1:]]),
            "log format 2 was written by a newer version of Tabletop",
        ),
        "no-source.jsonl": (
            "\n".join([json.dumps({"meta": {k: v for k, v in meta.items() if k != "scenario_source"}}), *lines[1:]]),
            "the export holds no copy of its scenario",
        ),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text + "\n" if text else "")
        with pytest.raises(LogError, match=re.escape(message)):
            EventStore.import_jsonl(tmp_path / name, tmp_path / f"{name}.db")
        assert not (tmp_path / f"{name}.db").exists(), name


def side_files(path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name and p.name.startswith(path.name))


def test_a_closed_log_is_one_file_and_reading_it_adds_none(tmp_path, drill):
    path = tmp_path / "run.db"
    simulate(drill, make_policy("model", drill.scenario, 0), seed=0, log=path)
    assert side_files(path) == []  # no -wal or -shm left by the exercise
    with EventStore(path, readonly=True) as store:
        events = store.events()
    assert events and side_files(path) == []  # nor by a report reading it
    # Resumed, it is written in WAL mode again.
    with EventStore(path) as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert side_files(path) == []


def test_a_log_closed_while_someone_reads_it_stays_whole(tmp_path, drill):
    path = tmp_path / "live.db"
    store = EventStore.create(path, log_meta(drill, seed=3))
    exercise = Exercise(drill.scenario, seed=3, sink=store.append, sha256=drill.sha256)
    exercise.start()
    reader = EventStore(path, readonly=True)
    count = len(reader.events())
    store.close()  # the switch out of WAL is refused while the reader holds the file: nothing breaks
    assert len(reader.events()) == count
    reader.close()
    with EventStore(path, readonly=True) as again:
        assert len(again.events()) == count
