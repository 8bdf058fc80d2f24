"""Benchmark: load and validate a generated 10,000-inject scenario against a plain libyaml parse of the same file.

Run: .venv/bin/python bench/bench_load.py [--injects N] [--repeat R]
Prints the ratio load_file / yaml.load(text, Loader=yaml.CSafeLoader) (target ≤ 1.5×), both measured in this run.
The baseline only parses (no positions, no duplicate-key check, no validation); load_file does all of it.
load_file pauses the garbage collector while it parses, so a second, stricter baseline does the same.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from simulator.loader import load_file

CHANNELS = ("email", "phone", "radio", "news", "social", "sitrep")


def generated(injects: int) -> str:
    """A scenario in the shape authors write: timed and conditional injects, a decision every tenth."""
    roles = [f"role-{n}" for n in range(20)]
    out = [
        "# yaml-language-server: $schema=tabletop-1.schema.json",
        "schema: tabletop/1",
        "id: bench-load",
        "title: Generated scenario for the load benchmark",
        "domain: cyber",
        f"duration: {injects + 60}m",
        "teams:",
        "  - {id: blue, name: Blue team, kind: nation, nation: Singapore}",
        "  - {id: red, name: Red team, kind: agency}",
        "roles:",
        *(f"  - {{id: {r}, name: Role {n}, team: {'blue' if n % 2 else 'red'}}}" for n, r in enumerate(roles)),
        "state:",
        "  hosts_down: {label: Hosts down, unit: hosts, initial: 0, min: 0, visible_to: [blue]}",
        "dynamics:",
        "  - {id: spread, var: hosts_down, every: 5m, change: 2, until: {decided: d0}}",
        "objectives:",
        "  - {id: contain, text: Contain the incident, capability: Cybersecurity}",
        "injects:",
    ]
    for n in range(injects):
        out += [
            f"  - id: inject-{n}",
            f"    at: {n}m"
            if n % 4
            else f"    when: {{all: [{{after: {n}m}}, {{delivered: inject-{max(n - 1, 0)}}}]}}",
            f"    from: Sender {n % 37}",
            f"    to: [{roles[n % 20]}, {roles[(n * 7) % 20]}]",
            f"    channel: {CHANNELS[n % len(CHANNELS)]}",
            f"    title: Report number {n} from the field",
            "    body: |",
            f"      Line one of inject {n}: something happened at the port community system.",
            "      Line two: the operator asks what to do next and by when.",
        ]
        if n % 10 == 0:
            out += [
                "    decision:",
                f"      id: d{n}",
                "      prompt: What do you do?",
                "      deadline: 15m",
                "      options:",
                "        - {id: isolate, label: Isolate the segment, effects: [{add: {hosts_down: -1}}]}",
                f"        - {{id: wait, label: Wait and watch, effects: [{{schedule: {{inject: inject-{n + 1}, in: 5m}}}}]}}",
            ]
    out += [
        "scoring:",
        "  expectations:",
        "    - {id: isolated, objective: contain, decision: d0, option: isolate, within: 15m, after: inject-0}",
    ]
    return "\n".join(out) + "\n"


def best_and_median(run, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--injects", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(generated(args.injects), encoding="utf-8")
        size = path.stat().st_size
        loaded = load_file(path)  # also a warm-up, and proof the file is valid
        assert len(loaded.scenario.injects) == args.injects

        def baseline() -> None:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        def baseline_gc_paused() -> None:
            gc.disable()
            try:
                baseline()
            finally:
                gc.enable()

        def ours() -> None:
            load_file(path)

        runs = {"plain": baseline, "paused": baseline_gc_paused, "ours": ours}
        times: dict[str, list[float]] = {name: [] for name in runs}
        # Interleave so background load hits every side alike.
        for _ in range(args.repeat):
            for name, run in runs.items():
                times[name].append(best_and_median(run, 1)[0])

    print(f"file: {args.injects:,} injects, {size / 1e6:.1f} MB; {args.repeat} runs each, interleaved")
    labels = {
        "plain": "yaml.load CSafeLoader",
        "paused": "  same, GC paused",
        "ours": "load_file (validated)",
    }
    for name, label in labels.items():
        med, best = statistics.median(times[name]), min(times[name])
        print(f"{label:<24} median {med * 1000:7.0f} ms   best {best * 1000:7.0f} ms")
    ours_med, ours_best = statistics.median(times["ours"]), min(times["ours"])
    for name in ("plain", "paused"):
        med, best = statistics.median(times[name]), min(times[name])
        print(
            f"ratio load_file / {labels[name].strip()}: median {ours_med / med:.2f}×, best {ours_best / best:.2f}×"
            " (target ≤ 1.5× against the plain call)"
        )


if __name__ == "__main__":
    main()
