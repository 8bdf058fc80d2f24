"""`tabletop msel`: print a scenario's Master Scenario Events List, or import a trainer's MSEL CSV.

The import rules (header search, list separators in the To and Objective cells, elapsed versus clock
times) are described in the docstring of `simulator.msel` and in docs/authoring.md.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from simulator.cli.common import fail, load_or_report, overwrites_input, unwritable
from simulator.diagnostics import MAX_PROBLEMS
from simulator.loader import MAX_BYTES
from simulator.msel import CSV_ENCODING, MselImportError, read_msel_csv, skeleton_yaml, to_csv, to_markdown
from simulator.schema import Domain
from simulator.starter import scenario_id_for, schema_reference

DOMAINS = Domain.__args__


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "msel",
        help="print the Master Scenario Events List (CSV or Markdown), or --import a CSV MSEL as a scenario",
        description="Export: tabletop msel SCENARIO [--format csv|md] [-o FILE]; a CSV written with -o starts "
        "with a UTF-8 byte-order mark so that Excel shows every character. "
        "Import: tabletop msel --import FILE.csv [-o OUT.yaml] [--domain D] [--times auto|clock|elapsed]. "
        "The header may follow a few title rows. In the To cell, ';' or new lines separate names (commas only "
        "when the cell has neither; quote a name that holds a comma); in the Objective cell, new lines "
        "(or ';') separate objectives written `[id] text — capability`. "
        "Times are elapsed (T+00:15, +15m, 0:15, 0015, 15m, 15 = minutes) unless they look like clock times "
        "(am/pm, or a first HH:MM or HHMM of 06:00 or later): then the first clock time is T+0, later ones "
        "count from it (back by more than 12 hours: the next day), the skeleton's start is that time today, "
        "and a warning says so; --times overrides the guess. "
        "The CSV columns are described in docs/authoring.md.",
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or bundled scenario name")
    # Defaults are applied in run(): an option of the other mode is refused, not silently dropped.
    parser.add_argument("--format", choices=("csv", "md"), help="output format (default md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--import", dest="import_csv", metavar="FILE.csv", help="turn a CSV MSEL into a scenario")
    parser.add_argument("--domain", choices=DOMAINS, help="with --import: the domain (default hybrid)")
    parser.add_argument(
        "--times",
        choices=("auto", "clock", "elapsed"),
        help="with --import: read the time column as clock times (the first is T+0), as elapsed times, "
        "or decide from the sheet (default auto)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.import_csv:
        if args.scenario:
            return fail("give either SCENARIO (to export) or --import FILE.csv, not both", 2)
        if args.format is not None:
            return fail("--format is for export; --import always writes a YAML scenario", 2)
        args.domain = args.domain or "hybrid"
        args.times = args.times or "auto"
        return _import(args)
    if not args.scenario:
        return fail("missing SCENARIO (or --import FILE.csv)", 2)
    given = [option for option, value in (("--domain", args.domain), ("--times", args.times)) if value]
    if given:
        return fail(f"{' and '.join(given)} only apply with --import FILE.csv", 2)
    args.format = args.format or "md"
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    if args.output:
        clash = overwrites_input(args.output, loaded.path)
        if clash:
            return fail(clash)
    text = to_csv(loaded.scenario) if args.format == "csv" else to_markdown(loaded.scenario)
    return _emit(text, args.output, csv_mode=args.format == "csv")


def plural(count: int, noun: str) -> str:
    """`1 inject`, `2 injects`."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _import(args: argparse.Namespace) -> int:
    source = Path(args.import_csv)
    target = Path(args.output) if args.output else None
    if target is not None and target.exists():
        return fail(f"{target} already exists; choose another name or delete it first")
    if target is not None and (problem := unwritable(target)):
        return fail(problem)
    try:
        skeleton = read_msel_csv(source, times=args.times)
    except MselImportError as exc:
        # Capped as validate caps a scenario's problems: a sheet of bad rows must not bury the first.
        for problem in exc.problems[:MAX_PROBLEMS]:
            print(problem, file=sys.stderr)
        rest = len(exc.problems) - MAX_PROBLEMS
        if rest > 0:
            print(f"{source}: note: {rest:,} more {'problem' if rest == 1 else 'problems'} not shown", file=sys.stderr)
        return 1
    # Warnings go to standard error so that YAML written to standard output stays clean.
    for warning in skeleton.warnings:
        print(warning, file=sys.stderr)
    named = target or source.with_suffix(".yaml")
    modeline, _ = schema_reference(named)
    text = skeleton_yaml(
        skeleton, scenario_id=scenario_id_for(named), source=source.name, domain=args.domain, modeline=modeline
    )
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        # Written, it would be a scenario no command can load.
        limit = MAX_BYTES // (1024 * 1024)
        print(
            f"{source}:1: error: the skeleton would be {size / (1024 * 1024):.0f} MiB, past the {limit} MiB limit "
            "of a scenario file; split the sheet into several exercises",
            file=sys.stderr,
        )
        return 1
    if target is None:
        sys.stdout.write(text)
        return 0
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        return fail(f"cannot write {target}: {exc.strerror or exc}")
    # The counts are those of the written file: a sheet addressed only to everyone gets a placeholder role.
    counts = f"{plural(len(skeleton.rows), 'inject')}, {plural(skeleton.role_count, 'role')}"
    print(f"wrote {target} ({counts}); next: tabletop validate {shlex.quote(str(target))}")
    return 0


def _emit(text: str, output: str | None, *, csv_mode: bool) -> int:
    if output is None:
        # No byte-order mark on standard output: it would reach pipes and terminals as a stray character.
        sys.stdout.write(text)
        return 0
    problem = unwritable(output)
    if problem:
        return fail(problem)
    try:
        # CSV keeps the CRLF the csv module wrote; newline="" stops a second translation.
        encoding = CSV_ENCODING if csv_mode else "utf-8"
        with open(output, "w", encoding=encoding, newline="" if csv_mode else None) as handle:
            handle.write(text)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    return 0
