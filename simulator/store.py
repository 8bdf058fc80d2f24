"""The exercise log: an append-only SQLite file (WAL) of events, with JSONL export and import.

Schema (format 1):

    meta(key TEXT PRIMARY KEY, value TEXT)   -- format, scenario id/title/sha256/source, seed, created, policy
    events(seq INTEGER PRIMARY KEY,          -- 1, 2, 3 … in order of occurrence
           t REAL,                           -- scenario time, seconds
           wall REAL,                        -- wall-clock Unix time of recording
           actor TEXT,                       -- "system", "facilitator" or a role id
           type TEXT,                        -- event type, e.g. "inject_delivered"
           data TEXT)                        -- JSON object of the type's own fields

The scenario's source text is stored in meta so a log is self-contained: scoring and reports
need nothing else. Opening a log checks its `format`: a log of another format (say, from a newer
version) is refused by name rather than misread.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pydantic

from simulator.events import EVENT_TYPES, EventBase, parse_event

FORMAT = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    actor TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type ON events(type);
"""

_ENVELOPE = ("seq", "t", "wall", "actor", "type")


class LogError(Exception):
    """A log file that cannot be read or written."""


class EventStore:
    """An exercise log in one SQLite file. `append` commits before it returns.

    `readonly=True` is for commands that only read a log (reports, `log info|export|verify`): the
    file is opened with SQLite's `mode=ro`, so reading never changes it — no header written into
    an empty file, no journal mode switched on somebody else's database — and it still sees
    every event committed by an exercise that is writing the log at the same time.
    """

    def __init__(self, path: str | Path, *, create: bool = False, readonly: bool = False) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise LogError(f"{self.path}: no such log file")
        if self.path.is_dir():
            # SQLite would say "disk I/O error", which sends people looking for a hardware fault.
            raise LogError(f"{self.path}: is a folder, not a log file")
        if not create and self.path.is_file() and self.path.stat().st_size == 0:
            # SQLite would take an empty file for an empty database (and a writer would fill it in).
            raise LogError(f"{self.path}: empty file, not a Tabletop log")
        self._readonly = readonly
        try:
            self._db = _readonly(self.path) if readonly else _connect(self.path)
        except sqlite3.DatabaseError as exc:
            raise LogError(f"{self.path}: not a Tabletop log ({exc})") from None
        try:
            # Look before writing anything: a file that is not a log must be left exactly as it was.
            problem = None if create else self._problem()
            if problem is None and not readonly:
                self._db.execute("PRAGMA journal_mode=WAL")
                # FULL: an event is on disk, not only in the OS cache, before anyone is told it was sent.
                self._db.execute("PRAGMA synchronous=FULL")
                if create:
                    self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            problem = f"not a Tabletop log ({exc})"
        if problem is not None:
            self._db.close()
            raise LogError(f"{self.path}: {problem}")

    def _problem(self) -> str | None:
        """Why the open file is not a log this version can use, or None."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "events"} <= tables:
            return "not a Tabletop log (no events table)"
        return format_problem(self._meta_value("format"))

    def _meta_value(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, str]) -> EventStore:
        """A new, empty log with its metadata; refuses to overwrite an existing log."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise LogError(f"{path}: already exists; choose another file or remove it")
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, create=True)
        store.set_meta({"format": FORMAT, **meta})
        return store

    def close(self) -> None:
        """Close the file; a log that was written is left in rollback-journal mode, with no side files."""
        if not self._readonly:
            # WAL is for the exercise, while events arrive. Closed, the log goes back to a single file:
            # no -wal/-shm left beside it, and a reader (a report) opening it read-only creates none.
            # With another connection open SQLite refuses the switch (busy): the log stays WAL, intact.
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- writing

    def set_meta(self, meta: dict[str, str]) -> None:
        """Set metadata keys."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(meta.items()))

    def append(self, event: EventBase) -> None:
        """Add one event and commit it."""
        self._db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", _row(event))

    def append_many(self, events: Iterable[EventBase]) -> None:
        """Add events in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", (_row(e) for e in events))

    # ----------------------------------------------------------------- reading

    def meta(self) -> dict[str, str]:
        """All metadata."""
        return dict(self._db.execute("SELECT key, value FROM meta"))

    def count(self) -> int:
        """Number of events."""
        return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def rows(self) -> list[tuple[int, float, float, str, str, str]]:
        """Raw rows in order (seq, t, wall, actor, type, data)."""
        return self._db.execute("SELECT seq, t, wall, actor, type, data FROM events ORDER BY seq").fetchall()

    def events(self) -> list[EventBase]:
        """Every event in order, validated."""
        return list(self.iter_events())

    def iter_events(self) -> Iterator[EventBase]:
        """Every event in order, validated; a damaged row raises LogError naming its seq."""
        for seq, t, wall, actor, kind, data in self._db.execute(
            "SELECT seq, t, wall, actor, type, data FROM events ORDER BY seq"
        ):
            yield _parse_row(self.path, seq, t, wall, actor, kind, data)

    # ----------------------------------------------------------------- JSONL

    def export_jsonl(self, path: str | Path) -> int:
        """Write the metadata line and one line per event; returns the event count."""
        count = 0
        with open(path, "w", encoding="utf-8") as out:
            out.write(json.dumps({"meta": self.meta()}, ensure_ascii=False, sort_keys=True) + "\n")
            for event in self.iter_events():
                out.write(event.model_dump_json() + "\n")
                count += 1
        return count

    @classmethod
    def import_jsonl(cls, source: str | Path, target: str | Path) -> EventStore:
        """A new log file from a JSONL export; every line is validated first.

        Refused before anything is written: a file without the metadata line an export starts
        with, a format this version does not read, no copy of the scenario, or no events — each
        would only fail later, when the log is reported or verified.
        """
        meta: dict[str, str] | None = None
        events: list[EventBase] = []
        try:
            with open(source, encoding="utf-8") as handle:
                lines = handle.readlines()
        except UnicodeDecodeError:
            raise LogError(f"{source}: not UTF-8 text, so not a Tabletop log export") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if meta is None and not events and isinstance(data, dict) and set(data) == {"meta"}:
                    if not isinstance(data["meta"], dict):
                        raise ValueError("the metadata line holds no mapping")
                    meta = {str(k): str(v) for k, v in data["meta"].items()}
                    continue
                if meta is None:
                    raise LogError(
                        f"{source}:{number}: not a Tabletop log export (it starts with an event, not the "
                        "metadata line `tabletop log export` writes first)"
                    )
                event = parse_event(data)
            except (ValueError, pydantic.ValidationError) as exc:
                raise LogError(f"{source}:{number}: not a valid event ({_first_line(exc)})") from None
            if event.seq != len(events) + 1:
                raise LogError(f"{source}:{number}: expected event seq {len(events) + 1}, found {event.seq}")
            if events and event.t < events[-1].t:
                raise LogError(
                    f"{source}:{number}: event {event.seq} at scenario time {event.t:g} s comes before "
                    f"the time of the event before it ({events[-1].t:g} s)"
                )
            events.append(event)
        if meta is None:
            raise LogError(f"{source}: empty file, not a Tabletop log export")
        problem = format_problem(meta.get("format"))
        if problem:
            raise LogError(f"{source}: {problem}")
        if not meta.get("scenario_source"):
            raise LogError(f"{source}: the export holds no copy of its scenario, so the log could not be scored")
        if not events:
            raise LogError(f"{source}: the export holds no events: the exercise never started")
        if events[0].type != "exercise_started":  # type: ignore[attr-defined]
            raise LogError(f"{source}: the first event is {events[0].type}, not exercise_started")  # type: ignore[attr-defined]
        store = cls.create(target, meta)
        store.append_many(events)
        return store


SQLITE_HEADER = b"SQLite format 3\x00"


def holds_database(path: str | Path) -> bool:
    """Whether a file is an SQLite database, such as an exercise log: a report written over it would destroy it."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def stored_scenario_name(path: str | Path) -> str:
    """How problems in the copy of the scenario inside a log name their source: the log, not the file it came from."""
    return f"{path} (stored scenario)"


def format_problem(value: str | None) -> str | None:
    """What is wrong with a log's `format` metadata for this version (None: it is the one this version reads)."""
    if value == FORMAT:
        return None
    if value is None:
        return f"not a Tabletop log (no format in its metadata); this version of Tabletop reads log format {FORMAT}"
    if value.isdigit() and int(value) > int(FORMAT):
        return (
            f"log format {value} was written by a newer version of Tabletop; "
            f"this version reads log format {FORMAT} only"
        )
    return f"unknown log format {value!r}; this version of Tabletop reads log format {FORMAT}"


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)


def _readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file; falls back to `immutable` where SQLite cannot share the WAL index.

    A WAL-mode database opened read-only needs its -shm index: SQLite uses a live writer's, or
    creates one beside the file. Where it cannot create one (read-only folder or medium) no
    exercise can be writing the log either, so reading it as immutable is safe there and only there.
    """
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    try:
        # The open is lazy: the first read is where SQLite finds out whether it can use the WAL.
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        return db
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if not (name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN")):
            db.close()
            raise
    db.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _row(event: EventBase) -> tuple[int, float, float, str, str, str]:
    payload = event.model_dump(exclude=set(_ENVELOPE))
    return (event.seq, event.t, event.wall, event.actor, event.type, json.dumps(payload, ensure_ascii=False))  # type: ignore[attr-defined]


def _parse_row(path: Path, seq: int, t: float, wall: float, actor: str, kind: str, data: str) -> EventBase:
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise LogError(f"{path}: event {seq} has unknown type {kind!r}")
    try:
        payload: Any = json.loads(data)
        return cls.model_validate({**payload, "seq": seq, "t": t, "wall": wall, "actor": actor, "type": kind})
    except (ValueError, TypeError, pydantic.ValidationError) as exc:
        raise LogError(f"{path}: event {seq} is damaged ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
