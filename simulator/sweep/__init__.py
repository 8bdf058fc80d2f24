"""Monte-Carlo sweeps: many seeded plays of one scenario, run in worker processes and aggregated by run index."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from simulator.loader import LoadedScenario
from simulator.schema import Scenario
from simulator.sweep.pool import play_in_workers
from simulator.sweep.runs import (
    NOT_OPENED,
    TIMED_OUT,
    UNDECIDED,
    Progress,
    RunFailed,
    Runner,
    RunRecord,
    RunScore,
    ScoreFn,
    SweepError,
    plural,
    record_run,
    score_run,
)

__all__ = [
    "NOT_OPENED",
    "TIMED_OUT",
    "UNDECIDED",
    "RunFailed",
    "RunRecord",
    "RunScore",
    "SweepError",
    "aggregate",
    "chunks",
    "default_jobs",
    "plural",
    "record_run",
    "run_records",
    "score_run",
    "sweep",
]

FORMAT = "tabletop-sweep/1"
RATINGS = ("P", "S", "M", "U")
NOT_APPLICABLE = "n/a"
HISTOGRAM_BINS = 10
NEVER_DECIDES = "none"
"""The policy that takes no decision at all (every option goes untaken by design)."""


def chunks(runs: int, jobs: int) -> list[tuple[int, int]]:
    """Run ranges handed to workers: about eight per worker so the progress bar moves and the load evens out."""
    size = max(1, min(500, math.ceil(runs / (jobs * 8))))
    return [(start, min(start + size, runs)) for start in range(0, runs, size)]


def default_jobs() -> int:
    """Worker processes by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def run_records(
    loaded: LoadedScenario,
    policy: str,
    *,
    runs: int,
    seed: int = 0,
    jobs: int = 1,
    progress: Progress | None = None,
    scorer: ScoreFn = score_run,
) -> list[RunRecord]:
    """Play `runs` seeded runs (run i uses seed `seed + i`) and return their records in run order."""
    if runs < 1:
        raise ValueError("a sweep needs at least one run")
    jobs = max(1, min(jobs, runs))
    ranges = chunks(runs, jobs)
    records: list[RunRecord | None] = [None] * runs
    if progress:
        progress(0, runs)
    if jobs == 1:
        runner = Runner(loaded.text, loaded.path, loaded.sha256, policy, seed, scorer)
        done = 0
        for start, stop in ranges:
            for record in runner.run_chunk(start, stop):
                records[record.index] = record
            done += stop - start
            if progress:
                progress(done, runs)
    else:
        initargs = (loaded.text, loaded.path, loaded.sha256, policy, seed, scorer)
        play_in_workers(initargs, ranges, jobs, records, progress)
    assert all(r is not None for r in records)
    return records  # type: ignore[return-value]


# --------------------------------------------------------------------------- aggregation


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation between closest ranks."""
    if not sorted_values:
        return math.nan
    pos = (len(sorted_values) - 1) * p / 100
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def spread(values: Sequence[float]) -> dict[str, float | int | None]:
    """Count, mean, min, p5, p50, p95 and max of some values (None where there are none)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "mean": None, "min": None, "p5": None, "p50": None, "p95": None, "max": None}
    return {
        "n": len(ordered),
        "mean": _round(math.fsum(ordered) / len(ordered)),
        "min": _round(ordered[0]),
        "p5": _round(percentile(ordered, 5)),
        "p50": _round(percentile(ordered, 50)),
        "p95": _round(percentile(ordered, 95)),
        "max": _round(ordered[-1]),
    }


def _round(value: float) -> float:
    # Rounded so the JSON reads well; the sums behind it are order-independent anyway.
    return round(value, 6)


def histogram(values: Sequence[float], bins: int = HISTOGRAM_BINS) -> list[dict[str, float | int]]:
    """Counts of values in equal bins over 0..1 (the last bin includes 1)."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    return [{"from": round(n / bins, 6), "to": round((n + 1) / bins, 6), "count": c} for n, c in enumerate(counts)]


def aggregate(loaded: LoadedScenario, records: Sequence[RunRecord], *, policy: str, seed: int) -> dict[str, Any]:
    """The sweep's results as a JSON-ready dict (the structure documented in docs/sweeps.md)."""
    scenario = loaded.scenario
    runs = len(records)
    records = sorted(records, key=lambda r: r.index)
    reached = [0] * len(scenario.injects)
    for record in records:
        for n in record.injects:
            reached[n] += 1
    injects = [
        {
            "id": inject.id,
            "title": inject.title,
            "category": inject.category,
            "reached": reached[n],
            "reach": _round(reached[n] / runs),
        }
        for n, inject in enumerate(scenario.injects)
    ]
    decisions = []
    for d_index, decision in enumerate(scenario.decisions):
        outcomes = [record.decisions[d_index] for record in records]
        counts = [0] * len(decision.options)
        for choice, _ in outcomes:
            if choice >= 0:
                counts[choice] += 1
        opened = sum(1 for choice, _ in outcomes if choice != NOT_OPENED)
        decided = sum(counts)
        inject, _ = scenario.decision(decision.id)
        decisions.append(
            {
                "id": decision.id,
                "inject": inject.id,
                "prompt": decision.prompt,
                "opened": opened,
                "decided": decided,
                "timed_out": sum(1 for choice, _ in outcomes if choice == TIMED_OUT),
                "undecided": sum(1 for choice, _ in outcomes if choice == UNDECIDED),
                "options": [
                    {
                        "id": option.id,
                        "label": option.label,
                        "weight": option.weight,
                        "count": counts[n],
                        "share": _round(counts[n] / opened) if opened else 0.0,
                    }
                    for n, option in enumerate(decision.options)
                ],
                "time_to_decide": spread([took for choice, took in outcomes if choice >= 0]),
            }
        )
    state = []
    for v_index, (name, var) in enumerate(scenario.state.items()):
        values = [record.final_state[v_index] for record in records]
        state.append({"id": name, "label": var.label, "unit": var.unit, "initial": var.initial, **spread(values)})
    return {
        "format": FORMAT,
        "scenario": {"id": scenario.id, "title": scenario.title, "path": loaded.path, "sha256": loaded.sha256},
        "policy": policy,
        "seed": seed,
        "runs": runs,
        "seeds": [seed, seed + runs - 1],
        "injects": injects,
        "decisions": decisions,
        "score": _aggregate_scores(scenario, records),
        "state": state,
        "warnings": warnings(loaded, injects, decisions, runs, policy=policy),
    }


def _aggregate_scores(scenario: Scenario, records: Sequence[RunRecord]) -> dict[str, Any] | None:
    scored = [record.score for record in records if record.score is not None]
    if not scored:
        return None
    objectives = []
    for o_index, objective in enumerate(scenario.objectives):
        pairs = [s.objectives[o_index] for s in scored]
        shares = [share for share, _ in pairs if share is not None]
        objectives.append(
            {
                "id": objective.id,
                "text": objective.text,
                "capability": objective.capability,
                "applicable": len(shares),
                "share": spread(shares),
                "histogram": histogram(shares),
                "ratings": _rating_counts(rating for _, rating in pairs),
            }
        )
    overall = [s.overall for s in scored]
    return {
        "runs": len(scored),
        "overall": {**spread(overall), "histogram": histogram(overall)},
        "ratings": _rating_counts(s.rating for s in scored),
        "objectives": objectives,
    }


def _rating_counts(ratings: Iterable[str | None]) -> dict[str, int]:
    counts = {rating: 0 for rating in (*RATINGS, NOT_APPLICABLE)}
    for rating in ratings:
        key = rating or NOT_APPLICABLE
        counts[key] = counts.get(key, 0) + 1
    return counts


def warnings(
    loaded: LoadedScenario,
    injects: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
    runs: int,
    *,
    policy: str | None = None,
) -> list[dict[str, Any]]:
    """Injects never reached and options never taken, each with its place in the scenario file.

    With policy `none` no option is ever taken, so options are not flagged: a warning per option
    would bury the inject warnings that do say something (the summary notes it once instead).
    """
    scenario = loaded.scenario
    found = []
    position = {inject.id: n for n, inject in enumerate(scenario.injects)}
    for n, inject in enumerate(injects):
        if inject["reached"] == 0:
            line, col = _where(loaded, ("injects", n, "id"))
            message = f"inject {inject['id']!r} was never reached in {plural(runs, 'run')}"
            found.append(_warning("inject-never-reached", loaded, line, col, message, inject=inject["id"]))
    for decision in decisions:
        if decision["opened"] == 0 or policy == NEVER_DECIDES:
            # Never opened: the warning on its inject says it already. Never decided by design: see above.
            continue
        i = position[decision["inject"]]
        for o, option in enumerate(decision["options"]):
            if option["count"] == 0:
                line, col = _where(loaded, ("injects", i, "decision", "options", o, "id"))
                opened = decision["opened"]
                where = "the one run" if opened == 1 else f"{opened} runs"
                message = (
                    f"option {option['id']!r} of decision {decision['id']!r} was never taken "
                    f"in {where} where the decision opened"
                )
                found.append(
                    _warning(
                        "option-never-taken", loaded, line, col, message, decision=decision["id"], option=option["id"]
                    )
                )
    return found


def _where(loaded: LoadedScenario, loc: tuple[Any, ...]) -> tuple[int, int]:
    try:
        return loaded.where(loc)
    except (KeyError, IndexError, TypeError):
        return 1, 1


def _warning(kind: str, loaded: LoadedScenario, line: int, col: int, message: str, **ids: str) -> dict[str, Any]:
    return {"kind": kind, **ids, "file": loaded.path, "line": line, "col": col, "message": message}


def format_warning(warning: dict[str, Any]) -> str:
    """A warning as FILE:LINE:COL: warning: MESSAGE."""
    return f"{warning['file']}:{warning['line']}:{warning['col']}: warning: {warning['message']}"


def sweep(
    loaded: LoadedScenario,
    policy: str,
    *,
    runs: int,
    seed: int = 0,
    jobs: int = 1,
    progress: Progress | None = None,
    scorer: ScoreFn = score_run,
) -> dict[str, Any]:
    """Play `runs` seeded runs and aggregate them; the result depends on scenario, policy, runs and seed only."""
    records = run_records(loaded, policy, runs=runs, seed=seed, jobs=jobs, progress=progress, scorer=scorer)
    return aggregate(loaded, records, policy=policy, seed=seed)
