"""`tabletop log`: look inside an exercise log, export it to JSONL, import it back, verify it by replay."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from simulator.cli.common import error_lines, fail, overwrites_input, unwritable
from simulator.diagnostics import ScenarioError
from simulator.durations import format_clock
from simulator.events import EventBase
from simulator.loader import load_text
from simulator.replay import ReplayError, replay
from simulator.store import EventStore, LogError, stored_scenario_name


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("log", help="inspect, export (JSONL), import or verify an exercise log")
    actions = parser.add_subparsers(dest="log_action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="what the log holds: scenario, seed, events by type")
    info.add_argument("db", metavar="LOG.db")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(handler=run_info)
    export = actions.add_parser("export", help="write the log as JSON Lines (a metadata line, then one event a line)")
    export.add_argument("db", metavar="LOG.db")
    export.add_argument("-o", "--output", metavar="FILE.jsonl", help="write here instead of standard output")
    export.set_defaults(handler=run_export)
    imp = actions.add_parser("import", help="a new log file from a JSON Lines export (every line is checked)")
    imp.add_argument("jsonl", metavar="FILE.jsonl")
    imp.add_argument("-o", "--output", metavar="LOG.db", required=True, help="the new log file (must not exist)")
    imp.set_defaults(handler=run_import)
    verify = actions.add_parser("verify", help="replay the log on its own scenario and seed; exit 1 if it diverges")
    verify.add_argument("db", metavar="LOG.db")
    verify.set_defaults(handler=run_verify)


def _read(db: str) -> tuple[dict[str, str], list[EventBase]]:
    # Read-only: looking at a log never changes it, and works while an exercise is still writing it.
    with EventStore(db, readonly=True) as store:
        return store.meta(), store.events()


def run_info(args: argparse.Namespace) -> int:
    try:
        meta, events = _read(args.db)
    except LogError as exc:
        return fail(str(exc))
    counts = Counter(e.type for e in events)
    info = {
        "log": args.db,
        "scenario": meta.get("scenario_id"),
        "title": meta.get("scenario_title"),
        "sha256": meta.get("scenario_sha256"),
        "seed": meta.get("seed"),
        "policy": meta.get("policy"),
        "events": len(events),
        "last_t": events[-1].t if events else 0.0,
        "ended": any(e.type == "exercise_ended" for e in events),
        "types": dict(sorted(counts.items())),
    }
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"{args.db}: {info['title']} ({info['scenario']}), seed {info['seed']}")
    state = "ended" if info["ended"] else "not ended"
    print(f"{info['events']} events up to {format_clock(info['last_t'])}, {state}")
    for kind, count in info["types"].items():
        print(f"  {kind:<20} {count}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    clash = overwrites_input(args.output, args.db) if args.output else None
    if clash:
        return fail(clash)
    problem = unwritable(args.output) if args.output else None
    if problem:
        return fail(problem)
    try:
        with EventStore(args.db, readonly=True) as store:
            if args.output:
                count = store.export_jsonl(args.output)
                print(f"{args.output}: {count} events", file=sys.stderr)
            else:
                out = sys.stdout
                out.write(json.dumps({"meta": store.meta()}, ensure_ascii=False, sort_keys=True) + "\n")
                for event in store.iter_events():
                    out.write(event.model_dump_json() + "\n")
    except LogError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(_os_problem(exc, args.db))
    return 0


def run_import(args: argparse.Namespace) -> int:
    problem = unwritable(args.output)
    if problem:
        return fail(problem)
    try:
        with EventStore.import_jsonl(args.jsonl, args.output) as store:
            print(f"{args.output}: {store.count()} events")
    except LogError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(_os_problem(exc, args.jsonl))
    return 0


def _os_problem(exc: OSError, source: str) -> str:
    """An OSError as one line ("cannot read X: reason"), without Python's errno prefix."""
    if exc.filename is None:
        return str(exc)
    verb = "read" if str(exc.filename) == str(source) else "write"
    return f"cannot {verb} {exc.filename}: {exc.strerror or exc}"


def run_verify(args: argparse.Namespace) -> int:
    try:
        meta, events = _read(args.db)
    except LogError as exc:
        return fail(str(exc))
    source = meta.get("scenario_source")
    if not source:
        return fail(f"{args.db}: the log does not hold its scenario's source, so it cannot be replayed")
    try:
        loaded = load_text(source, stored_scenario_name(args.db))
        replay(loaded, events, seed=int(meta.get("seed", "0")))
    except ScenarioError as exc:
        for line in error_lines(exc):
            print(line, file=sys.stderr)
        return fail(f"{args.db}: the scenario stored in the log no longer validates")
    except (ReplayError, ValueError) as exc:
        return fail(f"{args.db}: {exc}")
    print(
        f"{args.db}: ok — {len(events)} events replay identically from {meta.get('scenario_id')} seed {meta.get('seed')}"
    )
    return 0
