"""Benchmark: simulate a generated scenario of 100,000 timed events against a bare SimPy loop of as many timeouts.

Run: .venv/bin/python bench/bench_engine.py [--events N] [--repeat R]
Prints the ratio engine / bare loop (target ≤ 5×), both measured in this run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import simpy

from simulator.loader import LoadedScenario
from simulator.policies import NoPolicy
from simulator.schema import Scenario
from simulator.simulation import simulate


def generated(events: int) -> LoadedScenario:
    """Half timed injects, half dynamic steps: both kinds of timed event the engine handles."""
    injects = events // 2
    steps = events - injects
    scenario = Scenario.model_validate(
        {
            "schema": "tabletop/1",
            "id": "bench-engine",
            "title": "Generated",
            "domain": "cyber",
            "duration": f"{steps + 1}m",
            "teams": [{"id": "t", "name": "Team"}],
            "roles": [{"id": "a", "name": "A", "team": "t"}, {"id": "b", "name": "B", "team": "t"}],
            "state": {"x": {"label": "X", "initial": 0}},
            "dynamics": [{"id": "grow", "var": "x", "every": "1m", "change": 1}],
            "injects": [
                {
                    "id": f"i{n}",
                    "at": f"{n * (steps / injects):.3f}m",
                    "from": "Control",
                    "to": ["a"] if n % 2 else ["all"],
                    "channel": "email",
                    "title": f"Inject {n}",
                    "body": "Body text",
                }
                for n in range(injects)
            ],
        }
    )
    return LoadedScenario(scenario, "<generated>", "", "", (0, 0))


def bare_simpy(events: int) -> None:
    env = simpy.Environment()

    def proc():
        for _ in range(events):
            yield env.timeout(1)

    env.process(proc())
    env.run()


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    loaded = generated(args.events)
    result = simulate(loaded, NoPolicy(), seed=0)
    timed = sum(1 for e in result.events if e.type in ("inject_delivered", "state_changed"))
    log_events = len(result.events)
    del result  # measure each run from the same heap state
    baseline = best_of(args.repeat, lambda: bare_simpy(timed))
    engine = best_of(args.repeat, lambda: simulate(loaded, NoPolicy(), seed=0))
    ratios = [engine / baseline]
    print(f"timed events: {timed:,} (log events: {log_events:,})")
    print(f"bare SimPy loop:  {baseline * 1000:8.1f} ms  ({timed / baseline / 1e6:.2f} M events/s)")
    print(f"engine simulate:  {engine * 1000:8.1f} ms  ({timed / engine / 1e6:.2f} M events/s)")
    print(f"ratio engine / bare SimPy: {statistics.median(ratios):.2f}×  (target ≤ 5×)")


if __name__ == "__main__":
    main()
