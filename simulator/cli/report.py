"""`tabletop report LOG.db`: the after-action report of an exercise log, as Markdown, HTML or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli.common import fail, overwrites_input
from simulator.diagnostics import ScenarioError
from simulator.durations import format_clock
from simulator.report import DEFAULT_APPENDIX, FORMATS, build_report, read_log, render
from simulator.store import LogError, holds_database

_BY_SUFFIX = {"": "md", "md": "md", "markdown": "md", "txt": "md", "htm": "html", "html": "html", "json": "json"}
"""The format `-o FILE` asks for by its suffix, when --format does not say."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="write the after-action report (AAR/IP) of an exercise log")
    parser.add_argument("log", metavar="LOG.db", help="exercise log (SQLite) written by a run")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="md, html or json (default: from -o's suffix — .md, .txt, .html, .json — else md)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument(
        "--appendix",
        type=int,
        default=DEFAULT_APPENDIX,
        metavar="N",
        help=f"events listed in the Markdown and HTML appendix (default {DEFAULT_APPENDIX}; -1 for all)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.output:
        # Before the log is read: a path that would destroy a log is refused whatever it is named.
        clash = overwrites_input(args.output, args.log)
        if clash:
            return fail(clash)
        if holds_database(args.output):
            # Another exercise's log, say `-o runs/other.db` for `-o runs/other.md`: it would be lost.
            return fail(
                f"{args.output}: is an SQLite database (an exercise log?) and would be lost; choose another file"
            )
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
        fmt = _BY_SUFFIX.get(suffix)
        if fmt is None:
            # `-o aar.pdf` would otherwise get Markdown under a name that promises something else.
            return fail(
                f"{args.output}: cannot tell the report format from '.{suffix}'; add --format md, html or json "
                "(for a PDF, print the HTML report from a browser)",
                2,
            )
    try:
        loaded, events, meta = read_log(args.log)
    except LogError as exc:
        return fail(str(exc))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return fail(f"{args.log}: the scenario stored in the log is not valid")
    report = build_report(loaded.scenario, events, meta)
    text = render(report, fmt, appendix_limit=None if args.appendix < 0 else args.appendix)
    if args.output:
        try:
            # Like `simulate --log`, a missing folder is created rather than refused.
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"{args.output}: {exc.strerror or exc}")
        # A log that stops short is said so here too: its overall share is of what was settled.
        short = (
            "" if report.overview.ended else f" (not ended: the log stops at {format_clock(report.overview.ended_t)})"
        )
        print(
            f"{args.output}: {fmt} report of {len(events)} events; overall {report.score.overall:.0%}{short}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0
