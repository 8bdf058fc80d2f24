"""Monte-Carlo sweeps: many seeded plays of one scenario, run in worker processes and aggregated by run index."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, NamedTuple

from simulator.events import DecisionMade, DecisionOpened, DecisionTimedOut, EventBase, InjectDelivered
from simulator.loader import LoadedScenario, load_response_file, load_text
from simulator.policies import POLICY_NAMES, Policy, ScriptPolicy, make_policy
from simulator.schema import Scenario
from simulator.scoring import score_summary
from simulator.simulation import simulate

FORMAT = "tabletop-sweep/1"
RATINGS = ("P", "S", "M", "U")
NOT_APPLICABLE = "n/a"
HISTOGRAM_BINS = 10
NEVER_DECIDES = "none"
"""The policy that takes no decision at all (every option goes untaken by design)."""

# Decision outcomes in a run record besides an option index.
NOT_OPENED = -1
TIMED_OUT = -2
UNDECIDED = -3

ScoreFn = Callable[[Scenario, list[EventBase]], "RunScore | None"]
Progress = Callable[[int, int], None]


class SweepError(Exception):
    """A sweep could not finish; the message says why, in one line for the command line."""


class RunFailed(SweepError):
    """One run raised: which run, its seed and what went wrong (picklable, so workers can send it back)."""

    def __init__(self, index: int, seed: int, problem: str) -> None:
        super().__init__(index, seed, problem)
        self.index = index
        self.seed = seed
        self.problem = problem

    def __str__(self) -> str:
        return f"run {self.index} (seed {self.seed}) failed: {self.problem}"


class RunScore(NamedTuple):
    """The score of one run: overall share and rating, and per objective in scenario order (share, rating).

    A share and rating are None where nothing was applicable (e.g. only untriggered contingencies)."""

    overall: float
    rating: str | None
    objectives: tuple[tuple[float | None, str | None], ...]


class RunRecord(NamedTuple):
    """What one run leaves behind, compact enough to send back from a worker (indices, not ids)."""

    index: int
    seed: int
    injects: tuple[int, ...]
    """Indices (in scenario order) of the scripted injects delivered at least once."""
    decisions: tuple[tuple[int, float], ...]
    """Per decision in scenario order: (option index or NOT_OPENED/TIMED_OUT/UNDECIDED, seconds to decide or nan)."""
    final_state: tuple[float, ...]
    """Final value of each state variable in scenario order."""
    score: RunScore | None


def score_run(scenario: Scenario, events: list[EventBase]) -> RunScore | None:
    """Score one run with the scoring layer (None when the scenario has no objectives).

    Only the headline is kept, so the summary entry point is used: the same verdicts as the full
    scorecard without building its evidence, findings and breakdowns.
    """
    if not scenario.objectives:
        return None
    summary = score_summary(scenario, events)
    return RunScore(
        float(summary.overall), summary.overall_rating, tuple((o.share, o.rating) for o in summary.objectives)
    )


def record_run(
    scenario: Scenario, index: int, seed: int, events: list[EventBase], state: dict[str, float], scorer: ScoreFn
) -> RunRecord:
    """Reduce one run's events to its compact record."""
    inject_index = {inject.id: n for n, inject in enumerate(scenario.injects)}
    decision_ids = [d.id for d in scenario.decisions]
    option_index = {d.id: {o.id: n for n, o in enumerate(d.options)} for d in scenario.decisions}
    delivered: set[int] = set()
    opened: dict[str, float] = {}
    outcome: dict[str, tuple[int, float]] = {}
    for event in events:
        if isinstance(event, InjectDelivered):
            if not event.adhoc and event.inject in inject_index:
                delivered.add(inject_index[event.inject])
        elif isinstance(event, DecisionOpened):
            opened.setdefault(event.decision, event.t)
        elif isinstance(event, DecisionMade):
            if event.decision not in outcome:
                took = event.t - opened.get(event.decision, event.t)
                outcome[event.decision] = (option_index[event.decision][event.option], took)
        elif isinstance(event, DecisionTimedOut):
            outcome.setdefault(event.decision, (TIMED_OUT, math.nan))
    decisions = tuple(
        outcome.get(d, (UNDECIDED, math.nan)) if d in opened else (NOT_OPENED, math.nan) for d in decision_ids
    )
    final = tuple(float(state[name]) for name in scenario.state)
    return RunRecord(index, seed, tuple(sorted(delivered)), decisions, final, scorer(scenario, events))


class Runner:
    """Plays runs of one scenario: loaded once (in each worker), then one seeded play per run index."""

    def __init__(self, text: str, name: str, sha256: str, policy: str, seed: int, scorer: ScoreFn = score_run) -> None:
        self.loaded = load_text(text, name, sha256=sha256)
        self.policy = policy
        self.seed = seed
        self.scorer = scorer
        self._script = None
        if policy not in POLICY_NAMES:
            # A response file is read and checked once, not once per run.
            self._script = load_response_file(policy, self.loaded.scenario)

    def make_policy(self, seed: int) -> Policy:
        """A fresh policy for one run (policies keep per-run state)."""
        if self._script is not None:
            return ScriptPolicy(self.loaded.scenario, self._script, self.policy)
        return make_policy(self.policy, self.loaded.scenario, seed)

    def run(self, index: int) -> RunRecord:
        """Play run `index` with seed `seed + index`, exactly as `tabletop simulate --seed` would."""
        seed = self.seed + index
        try:
            result = simulate(self.loaded, self.make_policy(seed), seed=seed)
            exercise = result.exercise
            return record_run(self.loaded.scenario, index, seed, exercise.events, exercise.state, self.scorer)
        except Exception as exc:
            # Named by run and seed so the failure can be replayed with `tabletop simulate --seed`.
            raise RunFailed(index, seed, _problem(exc)) from exc

    def run_chunk(self, start: int, stop: int) -> list[RunRecord]:
        """Runs start..stop-1."""
        return [self.run(index) for index in range(start, stop)]


def plural(count: int, word: str) -> str:
    """`1 run`, `2 runs`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _problem(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# How long a stopping worker gets to exit before it is killed, and how often an idle worker checks
# that its parent is still there.
JOIN_SECONDS = 2.0
PARENT_CHECK_SECONDS = 1.0


def _worker_main(conn: Connection, initargs: tuple[Any, ...], parent: int) -> None:
    """A worker process: load the scenario once, then play each chunk the parent sends until told to stop.

    Replies are ("done", records), ("failed", RunFailed) or ("broken", problem) when the worker could
    not even load the scenario.
    """
    # Ctrl-C reaches the whole process group; only the parent acts on it (it ends the workers), so a
    # worker neither plays on nor prints a traceback of its own. SIGINT was blocked across the fork,
    # so it cannot arrive before this line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    runner: Runner | None = None
    broken = ""
    try:
        runner = Runner(*initargs)
    except Exception as exc:
        broken = _problem(exc)
    try:
        while True:
            while not conn.poll(PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return  # the parent died without ending us (SIGKILL): nobody is left to want the results
            task = conn.recv()
            if task is None:
                return
            if runner is None:
                conn.send(("broken", broken))
                return
            start, stop = task
            try:
                conn.send(("done", runner.run_chunk(start, stop)))
            except RunFailed as exc:
                conn.send(("failed", exc))
    except (EOFError, OSError):
        return  # the parent closed its end: it is stopping
    finally:
        conn.close()


class _Worker(NamedTuple):
    process: Any  # a multiprocessing Process of whichever start method
    conn: Connection


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back for a moment: a SIGINT that arrives meanwhile is delivered afterwards, not lost."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_workers(jobs: int, initargs: tuple[Any, ...], workers: list[_Worker]) -> None:
    context = _pool_context()
    # Blocked across the fork so no worker starts life with Python's Ctrl-C handler still in place.
    with _sigint_blocked():
        for n in range(jobs):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_worker_main, args=(theirs, initargs, os.getpid()), name=f"tabletop-sweep-{n}", daemon=True
            )
            process.start()
            # Only the worker holds its end now, so its death reads as end-of-file here.
            theirs.close()
            workers.append(_Worker(process, ours))


def _stop_workers(workers: list[_Worker], *, now: bool) -> None:
    """End the workers: politely when the sweep is complete, at once when it is interrupted or has failed.

    No worker is left behind either way: each is joined, and killed if it does not exit in time.
    """
    # A second Ctrl-C while stopping must not abandon the workers half-way; it is delivered after.
    with _sigint_blocked():
        for worker in workers:
            if now:
                worker.process.terminate()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    worker.process.terminate()
        for worker in workers:
            worker.process.join(JOIN_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _lost(worker: _Worker) -> SweepError:
    """The error for a worker that died on its own (killed from outside, out of memory, a crash)."""
    worker.process.join(JOIN_SECONDS)
    code = worker.process.exitcode
    if code is None:
        how = "still running but not answering"
    elif code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    return SweepError(f"a worker process stopped unexpectedly ({how})")


def _play_in_workers(
    initargs: tuple[Any, ...],
    ranges: list[tuple[int, int]],
    jobs: int,
    records: list[RunRecord | None],
    progress: Progress | None,
) -> None:
    """Play the chunks in `jobs` worker processes, each fed one chunk at a time, filling `records`.

    The workers are this module's own rather than a concurrent.futures pool so that an interrupt or a
    failure can end them at once: a pool plays every chunk already queued before it shuts down.
    """
    total = len(records)
    workers: list[_Worker] = []
    try:
        _start_workers(jobs, initargs, workers)
        todo = deque(ranges)
        idle = list(workers)
        busy: dict[Connection, tuple[_Worker, int]] = {}
        failure: RunFailed | None = None
        done = 0
        while True:
            # Chunks go out in run order. After a failure only chunks starting before it are still
            # worth playing: they alone can hold an earlier failure, and the earliest is reported so
            # the error does not depend on which worker happened to finish first.
            while idle and todo and (failure is None or todo[0][0] < failure.index):
                worker = idle.pop()
                start, stop = todo.popleft()
                try:
                    worker.conn.send((start, stop))
                except OSError as exc:
                    raise _lost(worker) from exc
                busy[worker.conn] = (worker, start)
            if failure is not None:
                busy = {conn: job for conn, job in busy.items() if job[1] < failure.index}
            if not busy:
                break
            ready = wait([*busy, *(worker.process.sentinel for worker in workers)])
            for conn in [c for c in ready if isinstance(c, Connection) and c in busy]:
                worker, _ = busy.pop(conn)
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError) as exc:
                    raise _lost(worker) from exc
                if kind == "broken":
                    raise SweepError(f"a worker process could not load the scenario: {payload}")
                idle.append(worker)
                if kind == "failed":
                    if failure is None or payload.index < failure.index:
                        failure = payload
                    continue
                for record in payload:
                    records[record.index] = record
                done += len(payload)
                if progress:
                    progress(done, total)
            for worker in workers:
                # Workers exit only when told to, so a sentinel that fires means one died on its own.
                if worker.process.sentinel in ready and not worker.process.is_alive():
                    raise _lost(worker)
        if failure is not None:
            raise failure
    except BaseException:
        _stop_workers(workers, now=True)
        raise
    _stop_workers(workers, now=False)


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


def _pool_context() -> Any:
    # Forked workers inherit the imported engine and start in milliseconds; a fresh interpreter
    # would spend longer importing pydantic than a small sweep takes to run.
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


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
        _play_in_workers(initargs, ranges, jobs, records, progress)
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
