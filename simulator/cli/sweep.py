"""`tabletop sweep SCENARIO`: many seeded plays in parallel, aggregated into reach, options, scores and outcomes."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from simulator.cli import control_stream
from simulator.cli.common import fail, load_or_report, overwrites_input
from simulator.diagnostics import ScenarioError
from simulator.loader import load_response_file
from simulator.policies import POLICY_NAMES, unknown_policy
from simulator.store import holds_database
from simulator.sweep import SweepError, default_jobs, sweep
from simulator.sweep.report import html, notes, terminal, warning_lines


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sweep",
        help="play a scenario many times with seeded policies and summarise what happens across the runs",
        description="Run i uses seed SEED+i, so `tabletop simulate SCENARIO --seed SEED+i --policy POLICY` replays it.",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled scenario name")
    parser.add_argument("--runs", type=int, default=200, metavar="N", help="number of runs (default 200)")
    parser.add_argument(
        "--policy",
        default="random",
        metavar="POLICY",
        help="random (default), first, none, model (the scenario's model answer) or a response FILE",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of run 0, 0 or more; run i uses SEED+i (default 0)")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="J", help="worker processes (default: the number of cores)"
    )
    parser.add_argument("--json", action="store_true", help="print the aggregate as one JSON object")
    parser.add_argument(
        "-o", "--output", metavar="REPORT.html", help="also write an HTML report with charts (missing folders are made)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.runs < 1:
        return fail("--runs must be at least 1", 2)
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return fail("--jobs must be at least 1", 2)
    if args.seed < 0:
        # Run i replays as `--seed S+i`; with S negative that reads as an option, not a number.
        return fail("--seed must be 0 or more", 2)
    problem = unknown_policy(args.policy)
    if problem:
        return fail(problem, 2)
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    policy = args.policy
    if policy == "model" and loaded.scenario.model is None:
        policy = "first"
        print(f"note: {loaded.scenario.id} has no model answer; playing --policy first", file=sys.stderr)
    if policy not in POLICY_NAMES:
        # Checked here so its problems are printed once, not raised in every worker.
        try:
            load_response_file(policy, loaded.scenario)
        except ScenarioError as exc:
            for issue in exc.problems:
                print(issue, file=sys.stderr)
            return 1
    if args.output:
        # Before any run is played: a sweep can take minutes, and a typo in -o should not cost them.
        problem = overwrites_input(args.output, loaded.path) or prepare_output(Path(args.output))
        if problem:
            return fail(problem)
    bar = ProgressBar(control_stream(sys.stderr)) if sys.stderr.isatty() else None
    started = time.perf_counter()
    failure: SweepError | None = None
    try:
        results = sweep(loaded, policy, runs=args.runs, seed=args.seed, jobs=jobs, progress=bar)
    except SweepError as exc:
        failure = exc
    finally:
        if bar:
            bar.close()
    if failure is not None:
        # After the bar is cleared, so the message is not drawn over.
        return fail(str(failure))
    seconds = time.perf_counter() - started
    jobs = min(jobs, args.runs)
    if args.output:
        try:
            Path(args.output).write_text(html(results, jobs=jobs, seconds=seconds), encoding="utf-8")
        except OSError as exc:
            return fail(f"cannot write {args.output}: {exc.strerror or exc}")
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(terminal(results, jobs=jobs, seconds=seconds))
    for line in notes(results):
        print(f"note: {line}", file=sys.stderr)
    for line in warning_lines(results):
        print(line, file=sys.stderr)
    if args.output:
        print(f"report: {args.output}", file=sys.stderr)
    return 0


def prepare_output(path: Path) -> str | None:
    """Make the report's folder (as `report -o` does) and check a file can be written there; the problem, or None."""
    if path.is_dir():
        return f"cannot write {path}: it is a folder"
    if holds_database(path):
        return (
            f"cannot write {path}: it is an SQLite database (an exercise log?) and would be lost; choose another file"
        )
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"cannot write {path}: {folder} is a file, not a folder"
    except OSError as exc:
        return f"cannot create folder {folder}: {exc.strerror or exc}"
    # Writing a scratch file is the only sure test (permissions, read-only mounts, ACLs); the report
    # itself is written at the end, so an interrupted sweep leaves no empty or partial page behind.
    try:
        handle, scratch = tempfile.mkstemp(dir=folder, prefix=".tabletop-", suffix=".tmp")
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    os.close(handle)
    os.unlink(scratch)
    if path.exists() and not os.access(path, os.W_OK):
        return f"cannot write {path}: Permission denied"
    return None


class ProgressBar:
    """A one-line progress bar redrawn in place and wiped at the end (only used when stderr is a terminal).

    It writes to the unfiltered terminal (see `control_stream`): its carriage returns and erase-line
    sequences are what keep it on one line, and it shows nothing but numbers.
    """

    WIDTH = 30
    ERASE_LINE = "\r\x1b[2K"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.perf_counter()
        self._last = -1.0
        self._drawn = False
        try:
            self.columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            self.columns = 0  # unknown (0 is also what a terminal reports before its size is set)

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        # Redrawing costs a write per call; a few per second is plenty.
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = round(self.WIDTH * done / total)
        line = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} runs  {now - self.started:.1f}s"
        if self.columns:
            # A line wider than the terminal would wrap, and the carriage return would then redraw
            # only its last row.
            line = line[: self.columns - 1]
        self.stream.write(f"{self.ERASE_LINE}{line}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Wipe the bar so whatever is printed next starts on a clean line."""
        if self._drawn:
            self.stream.write(self.ERASE_LINE)
            self.stream.flush()
            self._drawn = False
