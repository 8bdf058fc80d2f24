"""`tabletop validate PATH…`: check scenario files against the schema and their own references."""

from __future__ import annotations

import argparse
import json
from typing import Any

from simulator.bundled import resolve_scenario
from simulator.diagnostics import MAX_PROBLEMS, ScenarioError
from simulator.loader import load_file
from simulator.schema import Scenario


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="check scenario files (exit 0 valid, 1 invalid)",
        description="Check scenario files against the schema and their own references. Every problem of a file "
        "is printed as FILE:LINE:COL: error: MESSAGE, in file order (at most "
        f"{MAX_PROBLEMS} per file, then a line saying how many more).",
        epilog="exit status: 0 every file is valid, 1 a file has errors or cannot be read, 2 usage error",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or bundled scenario names")
    parser.add_argument("--json", action="store_true", help="print one JSON entry per file")
    parser.set_defaults(handler=run)


def summary(scenario: Scenario) -> dict[str, Any]:
    """Counts that describe a scenario at a glance."""
    return {
        "id": scenario.id,
        "title": scenario.title,
        "domain": scenario.domain,
        "duration_s": scenario.duration,
        "roles": len(scenario.roles),
        "teams": len(scenario.teams),
        "injects": len(scenario.injects),
        "decisions": len(scenario.decisions),
        "options": sum(len(d.options) for d in scenario.decisions),
        "state_vars": len(scenario.state),
        "dynamics": len(scenario.dynamics),
        "objectives": len(scenario.objectives),
        "expectations": len(scenario.scoring.expectations),
        "hotwash": len(scenario.hotwash),
        "model_answer": scenario.model is not None,
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


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
            entries.append({"file": path, "ok": False, "errors": [p.as_dict() for p in exc.problems], "summary": None})
            if not args.json:
                for problem in exc.problems:
                    print(problem)
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
