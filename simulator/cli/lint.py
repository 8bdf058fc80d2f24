"""`tabletop lint PATH…`: warnings past the schema (unreachable injects, dead options, …)."""

from __future__ import annotations

import argparse
import json
import sys

from simulator.bundled import resolve_scenario
from simulator.cli.common import error_lines, problem_lines
from simulator.diagnostics import MAX_PROBLEMS, Problem, ScenarioError
from simulator.lint import lint
from simulator.loader import ScenarioFileError, load_file


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "lint",
        help="warn about scenario design problems (exit 0 clean, 1 warnings or errors)",
        description="Warn about design problems the schema cannot see: injects that can never fire, options that "
        "change nothing, state tests no value can pass, unmeasured objectives, roles that receive nothing, deadlines "
        "after the end, condition "
        "cycles, options all weighted 0, dynamics that step too often. A file with errors gets its errors instead. "
        f"At most {MAX_PROBLEMS} problems are printed per file, then a line FILE: note: N more problems not shown; "
        "--json lists every one.",
        epilog="exit status: 0 no warnings, 1 a warning or an error (so a CI check fails on warnings), 2 usage error",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or bundled scenario names")
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # JSON gets every problem (a tool counts them); the terminal gets at most MAX_PROBLEMS per file
    # and a note, as validate does, so that one noisy file does not bury the next.
    every: list[Problem] = []
    for name in args.paths:
        try:
            problems = sorted(lint(load_file(resolve_scenario(name))), key=lambda p: (p.line, p.col, p.message))
            lines = problem_lines(problems)
        except ScenarioFileError as exc:
            problems, lines = exc.every_problem(), error_lines(exc)
        except ScenarioError as exc:
            problems, lines = exc.problems, error_lines(exc)
        every.extend(problems)
        if not args.json:
            for line in lines:
                print(line)
    if args.json:
        print(json.dumps([p.as_dict() for p in every], indent=2, ensure_ascii=False))
    elif not every:
        print(f"{', '.join(args.paths)}: no warnings", file=sys.stderr)
    return 1 if every else 0
