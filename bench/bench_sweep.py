"""Benchmark: 1,000-run sweeps of each bundled scenario with --jobs 1 and --jobs 2, against single simulate runs.

Run: .venv/bin/python bench/bench_sweep.py [--runs N] [--baseline B] [SCENARIO ...]
Prints, per scenario: the wall-clock speedup of 2 jobs over 1 (target ≥ 1.7× on 2 free cores), the CPU
seconds of 2 jobs over 1 (the price of parallelism, which other load on the machine barely moves), and
the cost of one sweep run (play + record + score, amortised) against one plain `simulate` call.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time

from simulator.bundled import bundled_scenarios
from simulator.loader import load_file, load_text
from simulator.policies import make_policy
from simulator.simulation import simulate
from simulator.sweep import sweep

# Above this load average per core a measurement is not taken on a quiet machine.
BUSY_LOAD_PER_CORE = 0.25


def single_simulate(text: str, path: str, runs: int) -> float:
    """Mean seconds of one `simulate` with the random policy (seeds 0..runs-1), no log, no scoring."""
    loaded = load_text(text, path)
    gc.collect()
    start = time.perf_counter()
    for seed in range(runs):
        simulate(loaded, make_policy("random", loaded.scenario, seed), seed=seed)
    return (time.perf_counter() - start) / runs


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the sweep's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_sweep(text: str, path: str, runs: int, jobs: int) -> tuple[float, float, dict]:
    """Wall and CPU seconds of a whole sweep, parsing included, as the command line runs it."""
    gc.collect()
    cpu, start = cpu_seconds(), time.perf_counter()
    results = sweep(load_text(text, path), "random", runs=runs, seed=0, jobs=jobs)
    return time.perf_counter() - start, cpu_seconds() - cpu, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=200, help="single simulate calls to average")
    parser.add_argument("scenarios", nargs="*", help="bundled scenario names (default: all)")
    args = parser.parse_args()
    bundled = bundled_scenarios()
    names = args.scenarios or list(bundled)
    cores, load = len(os.sched_getaffinity(0)), os.getloadavg()[0]
    print(f"cores available: {cores}; load average: {load:.2f}")
    if load > BUSY_LOAD_PER_CORE * cores:
        # Other load slows the one-job and two-job sweeps unevenly: such figures are not to be quoted.
        print("note: the machine is busy; wall-clock speedups will be noisy (the cpu 2/1 ratio is steadier)")
    print(
        f"{'scenario':<20} {'simulate':>9} {'jobs 1':>8} {'jobs 2':>8} {'speedup':>8}"
        f" {'cpu 2/1':>8} {'run/simulate':>13}  same"
    )
    for name in names:
        path = str(bundled[name])
        # Read once: both sweeps must play the same text even if the file changes meanwhile.
        text = load_file(path).text
        base = single_simulate(text, path, args.baseline)
        one, cpu1, r1 = timed_sweep(text, path, args.runs, 1)
        two, cpu2, r2 = timed_sweep(text, path, args.runs, 2)
        per_run = one / args.runs
        print(
            f"{name:<20} {base * 1000:>7.2f}ms {one:>7.2f}s {two:>7.2f}s {one / two:>7.2f}× {cpu2 / cpu1:>7.2f}×"
            f" {per_run / base:>12.2f}×  {'yes' if r1 == r2 else 'NO'}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
