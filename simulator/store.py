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
need nothing else.
"""

from __future__ import annotations

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
    """An exercise log in one SQLite file. `append` commits before it returns."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise LogError(f"{self.path}: no such log file")
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: an event is on disk, not only in the OS cache, before anyone is told it was sent.
            self._db.execute("PRAGMA synchronous=FULL")
            if create:
                self._db.executescript(_SCHEMA)
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise LogError(f"{self.path}: not a Tabletop log ({exc})") from None
        if not {"meta", "events"} <= tables:
            self._db.close()
            raise LogError(f"{self.path}: not a Tabletop log (no events table)")

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
        """Close the file."""
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
        """A new log file from a JSONL export; every line is validated first."""
        meta: dict[str, str] = {}
        events: list[EventBase] = []
        with open(source, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    if number == 1 and isinstance(data, dict) and set(data) == {"meta"}:
                        meta = {str(k): str(v) for k, v in data["meta"].items()}
                        continue
                    event = parse_event(data)
                except (ValueError, pydantic.ValidationError) as exc:
                    raise LogError(f"{source}:{number}: not a valid event ({_first_line(exc)})") from None
                if event.seq != len(events) + 1:
                    raise LogError(f"{source}:{number}: expected event seq {len(events) + 1}, found {event.seq}")
                events.append(event)
        store = cls.create(target, meta)
        store.append_many(events)
        return store


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
