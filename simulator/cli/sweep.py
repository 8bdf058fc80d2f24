"""`tabletop sweep SCENARIO`: many seeded plays in parallel, aggregated into reach, options, scores and outcomes."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

from simulator.cli.common import fail, load_or_report
from simulator.diagnostics import ScenarioError
from simulator.policies import POLICY_NAMES, load_response_file
from simulator.sweep import SweepError, default_jobs, sweep
from simulator.sweep.report import html, terminal, warning_lines


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
    parser.add_argument("--seed", type=int, default=0, help="seed of run 0; run i uses SEED+i (default 0)")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="J", help="worker processes (default: the number of cores)"
    )
    parser.add_argument("--json", action="store_true", help="print the aggregate as one JSON object")
    parser.add_argument("-o", "--output", metavar="REPORT.html", help="also write an HTML report with charts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.runs < 1:
        return fail("--runs must be at least 1", 2)
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        return fail("--jobs must be at least 1", 2)
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
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
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
    for line in warning_lines(results):
        print(line, file=sys.stderr)
    if args.output:
        print(f"report: {args.output}", file=sys.stderr)
    return 0


class ProgressBar:
    """A one-line progress bar redrawn in place (only used when stderr is a terminal)."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.perf_counter()
        self._last = -1.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        # Redrawing costs a write per call; a few per second is plenty.
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = round(self.WIDTH * done / total)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} runs  {now - self.started:.1f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\x1b[2K")
        self.stream.flush()
