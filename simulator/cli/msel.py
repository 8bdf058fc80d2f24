"""`tabletop msel`: print a scenario's Master Scenario Events List, or import a trainer's MSEL CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli.common import fail, load_or_report
from simulator.msel import MselImportError, read_msel_csv, skeleton_yaml, to_csv, to_markdown
from simulator.schema import Domain
from simulator.starter import scenario_id_for, schema_reference

DOMAINS = Domain.__args__


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "msel",
        help="print the Master Scenario Events List (CSV or Markdown), or --import a CSV MSEL as a scenario",
        description="Export: tabletop msel SCENARIO [--format csv|md] [-o FILE]. "
        "Import: tabletop msel --import FILE.csv [-o OUT.yaml] [--domain D]. "
        "The CSV columns are described in docs/authoring.md.",
    )
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file or bundled scenario name")
    parser.add_argument("--format", choices=("csv", "md"), default="md", help="output format (default md)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--import", dest="import_csv", metavar="FILE.csv", help="turn a CSV MSEL into a scenario")
    parser.add_argument("--domain", choices=DOMAINS, default="hybrid", help="with --import: the domain")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.import_csv:
        if args.scenario:
            return fail("give either SCENARIO (to export) or --import FILE.csv, not both", 2)
        return _import(args)
    if not args.scenario:
        return fail("missing SCENARIO (or --import FILE.csv)", 2)
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    text = to_csv(loaded.scenario) if args.format == "csv" else to_markdown(loaded.scenario)
    return _emit(text, args.output, csv_mode=args.format == "csv")


def _import(args: argparse.Namespace) -> int:
    source = Path(args.import_csv)
    target = Path(args.output) if args.output else None
    if target is not None and target.exists():
        return fail(f"{target} already exists; choose another name or delete it first")
    try:
        skeleton = read_msel_csv(source)
    except MselImportError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    named = target or source.with_suffix(".yaml")
    modeline, _ = schema_reference(named)
    text = skeleton_yaml(
        skeleton, scenario_id=scenario_id_for(named), source=source.name, domain=args.domain, modeline=modeline
    )
    if target is None:
        sys.stdout.write(text)
        return 0
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        return fail(f"cannot write {target}: {exc.strerror or exc}")
    print(
        f"wrote {target} ({len(skeleton.rows)} injects, {len(skeleton.roles)} roles); next: tabletop validate {target}"
    )
    return 0


def _emit(text: str, output: str | None, *, csv_mode: bool) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        # CSV keeps the CRLF the csv module wrote; newline="" stops a second translation.
        with open(output, "w", encoding="utf-8", newline="" if csv_mode else None) as handle:
            handle.write(text)
    except OSError as exc:
        return fail(f"cannot write {output}: {exc.strerror or exc}")
    return 0
