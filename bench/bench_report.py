"""Benchmark: score a 100,000-event log and render its report, against only reading that log from SQLite.

Run: .venv/bin/python bench/bench_report.py [--events N] [--repeat R]
Prints each step as a ratio of the baseline (reading the log: `EventStore.events()`), all measured in
this run (medians of R repetitions); the target for read + score + render, timed end to end against a
read in the same repetition, is ≤ 3× the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from simulator.commands import Decide, SendMessage
from simulator.engine import CommandError, Exercise
from simulator.loader import load_text
from simulator.report import build_report, render_html, render_json, render_markdown
from simulator.report.aar import mismatch
from simulator.scoring import score
from simulator.simulation import log_meta
from simulator.store import EventStore


def scenario_text(injects: int, steps: int) -> str:
    """A scenario whose run logs about `2 * injects + steps` events, with decisions and expectations."""
    lines = [
        "schema: tabletop/1",
        "id: bench-report",
        "title: Generated report benchmark",
        "domain: hybrid",
        f"duration: {steps + 2}m",
        "teams: [{id: a, name: Alpha}, {id: b, name: Bravo}, {id: c, name: Charlie}]",
        "roles: [{id: a1, name: A one, team: a}, {id: b1, name: B one, team: b}, {id: c1, name: C one, team: c}]",
        "state: {x: {label: X, initial: 0}}",
        "dynamics: [{id: grow, var: x, every: 1m, change: 1}]",
        "objectives: [{id: o1, text: Decide, capability: Planning}, {id: o2, text: Share, capability: Operational Coordination}]",
        "injects:",
    ]
    spacing = steps / injects
    for n in range(injects):
        lines.append(
            f"  - {{id: i{n}, at: {n * spacing:.3f}m, from: Control, to: [a1], channel: email, title: Inject {n},"
        )
        lines.append(
            f"     decision: {{id: d{n}, prompt: Choose, deadline: 5m, options: [{{id: yes, label: Yes}}, {{id: no, label: No}}]}}}}"
        )
    lines.append("scoring:")
    lines.append("  expectations:")
    for n in range(0, injects, max(1, injects // 200)):
        lines.append(
            f"    - {{id: e{n}, objective: o1, decision: d{n}, option: yes, by: [a1], after: i{n}, within: 3m}}"
        )
        lines.append(f"    - {{id: m{n}, objective: o2, message_to_any: [b], by: [a], after: i{n}, within: 5m}}")
    lines.append("    - {id: sx, objective: o1, state: {state: x, below: 1000000}, measure: peak}")
    return "\n".join(lines) + "\n"


def make_log(path: Path, events: int) -> int:
    injects = events // 4
    steps = events - 3 * injects
    loaded = load_text(scenario_text(injects, steps))
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        buffer: list = []
        exercise = Exercise(loaded.scenario, sink=buffer.append, clock=lambda: 0.0)
        exercise.start()
        spacing = steps / injects * 60
        for n in range(injects):
            exercise.advance(n * spacing + 60)
            try:
                exercise.submit(Decide(role="a1", decision=f"d{n}", option="yes" if n % 3 else "no"))
            except CommandError:
                pass
            if n % 2:
                exercise.submit(SendMessage(role="a1", to=["b" if n % 4 == 1 else "c"], text=f"Update {n}"))
        exercise.advance(float("inf"))
        store.append_many(buffer)
        return store.count()


def timed(fn, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def once(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    renderers = {"HTML": render_html, "Markdown": render_markdown, "JSON": render_json}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        count = make_log(path, args.events)
        with EventStore(path) as store:
            meta = store.meta()
        scenario = load_text(meta["scenario_source"]).scenario

        def read():
            with EventStore(path) as store:
                return store.events()

        def checked(events: list) -> list:
            # As `tabletop report` does, the events are checked against the stored scenario. The
            # scenario itself is parsed once, outside the timing: this one has 25,000 injects, and
            # its loading would say nothing about the report (a flagship loads in about 15 ms).
            problem = mismatch(scenario, events, meta)
            assert problem is None, problem
            return events

        base, events = timed(read, args.repeat)
        t_score, _ = timed(lambda: score(scenario, events), args.repeat)
        t_build, report = timed(lambda: build_report(scenario, events, meta), args.repeat)
        # Each render on a fresh report: the JSON holds the whole timeline, which a report builds on first use.
        steps = {
            name: timed(lambda r=r: r(build_report(scenario, events, meta)), args.repeat)[0] - t_build
            for name, r in renderers.items()
        }
        html_size = len(render_html(report)) // 1024
        # The targets: the whole command path timed end to end, each repetition against a read in the
        # same repetition (interleaved, so load from other processes hits both sides alike).
        ratios: dict[str, list[float]] = {name: [] for name in renderers}
        for _ in range(args.repeat):
            for name, r in renderers.items():
                t_read = once(read)
                t_all = once(lambda r=r: r(build_report(scenario, checked(read()), meta)))
                ratios[name].append(t_all / t_read)
    print(f"log: {count} events; baseline (read from SQLite) = 1.00× ({base:.2f} s); medians of {args.repeat}")
    print(f"score                           {t_score / base:5.2f}×")
    print(f"build report (score + overview) {t_build / base:5.2f}×")
    print(f"render HTML ({html_size} KiB)         {max(steps['HTML'], 0.0) / base:5.2f}×")
    print(f"render Markdown                 {max(steps['Markdown'], 0.0) / base:5.2f}×")
    print(f"render JSON (every event)       {max(steps['JSON'], 0.0) / base:5.2f}×")
    for name, values in ratios.items():
        total = statistics.median(values)
        verdict = "within" if total <= 3 else "over"
        spread = f"{min(values):.2f}–{max(values):.2f}"
        print(f"read + score + {name:<8} end to end {total:5.2f}× (range {spread}; {verdict} the 3× target)")


if __name__ == "__main__":
    main()
