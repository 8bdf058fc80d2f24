"""`tabletop lint PATH…`: warnings past the schema (unreachable injects, dead options, …)."""

from __future__ import annotations

import argparse
import json
import sys

from simulator.bundled import resolve_scenario
from simulator.diagnostics import MAX_PROBLEMS, Problem, ScenarioError, capped
from simulator.lint import lint
from simulator.loader import load_file


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lint",
        help="warn about scenario design problems (exit 0 clean, 1 warnings or errors)",
        description="Warn about design problems the schema cannot see: injects that can never fire, options that "
        "change nothing, unmeasured objectives, roles that receive nothing, deadlines after the end, condition "
        "cycles, options all weighted 0, dynamics that step too often. A file with errors gets its errors instead. "
        f"At most {MAX_PROBLEMS} problems are printed per file, then a line saying how many more.",
        epilog="exit status: 0 no warnings, 1 a warning or an error (so a CI check fails on warnings), 2 usage error",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or bundled scenario names")
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for name in args.paths:
        try:
            # Capped per file, as validate does: one noisy file must not bury the others.
            problems.extend(capped(lint(load_file(resolve_scenario(name)))))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if args.json:
        print(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{', '.join(args.paths)}: no warnings", file=sys.stderr)
    return 1 if problems else 0
