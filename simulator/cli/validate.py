"""`tabletop validate PATH…`: check scenario files against the schema and their own references."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from simulator.bundled import resolve_scenario
from simulator.cli.common import error_lines
from simulator.diagnostics import MAX_PROBLEMS, ScenarioError
from simulator.loader import ScenarioFileError, load_file
from simulator.schema import Scenario


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="check scenario files (exit 0 valid, 1 invalid)",
        description="Check scenario files against the schema and their own references. Every problem of a file "
        "is printed as FILE:LINE:COL: error: MESSAGE, in file order (at most "
        f"{MAX_PROBLEMS} per file, then a line FILE: note: N more problems not shown). With --json, each file's "
        'entry lists every problem, none left out, and its "summary" counts what could be read: for a file with '
        "errors a count is null when that part could not be read, and the summary is null when nothing could "
        "(the file is unreadable, not YAML, or not a mapping).",
        epilog="exit status: 0 every file is valid, 1 a file has errors or cannot be read, 2 usage error",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or bundled scenario names")
    parser.add_argument("--json", action="store_true", help="print one JSON entry per file")
    parser.set_defaults(handler=run)


def _everything(path: tuple[Any, ...]) -> bool:
    return True


def summary(scenario: Scenario, read: Callable[[tuple[Any, ...]], bool] = _everything) -> dict[str, Any]:
    """Counts that describe a scenario at a glance; None for a part `read` says did not come from the file."""

    def known(key: str | tuple[str, ...], value: Any) -> Any:
        return value if read(key if isinstance(key, tuple) else (key,)) else None

    options = sum(
        len(inject.decision.options)
        for index, inject in enumerate(scenario.injects)
        if inject.decision is not None and read(("injects", index, "decision", "options"))
    )
    return {
        "id": known("id", scenario.id),
        "title": known("title", scenario.title),
        "domain": known("domain", scenario.domain),
        "duration_s": known("duration", scenario.duration),
        "roles": known("roles", len(scenario.roles)),
        "teams": known("teams", len(scenario.teams)),
        "injects": known("injects", len(scenario.injects)),
        "decisions": known("injects", len(scenario.decisions)),
        "options": known("injects", options),
        "state_vars": known("state", len(scenario.state)),
        "dynamics": known("dynamics", len(scenario.dynamics)),
        "objectives": known("objectives", len(scenario.objectives)),
        "expectations": known(("scoring", "expectations"), len(scenario.scoring.expectations)),
        "hotwash": known("hotwash", len(scenario.hotwash)),
        "model_answer": known("model", scenario.model is not None),
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _failed_entry(path: str, exc: ScenarioError) -> dict[str, Any]:
    if not isinstance(exc, ScenarioFileError):
        return {"file": path, "ok": False, "errors": [p.as_dict() for p in exc.problems], "summary": None}
    readable = exc.readable
    counts = summary(readable.model, readable.read) if readable and isinstance(readable.model, Scenario) else None
    return {"file": path, "ok": False, "errors": [p.as_dict() for p in exc.every_problem()], "summary": counts}


def run(args: argparse.Namespace) -> int:
    entries = []
    status = 0
    for name in args.paths:
        path = name
        try:
            path = str(resolve_scenario(name))
            loaded = load_file(path)
        except ScenarioError as exc:
            status = 1
            if args.json:
                entries.append(_failed_entry(path, exc))
            else:
                for line in error_lines(exc):
                    print(line)
            continue
        info = summary(loaded.scenario)
        entries.append({"file": path, "ok": True, "errors": [], "summary": info})
        if not args.json:
            print(
                f"{path}: ok — {info['title']} ({info['domain']}, {_count(info['roles'], 'role')}, "
                f"{_count(info['injects'], 'inject')}, {_count(info['decisions'], 'decision')})"
            )
    if args.json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
    return status
