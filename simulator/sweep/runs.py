"""One sweep run: a seeded play of a scenario reduced to a compact record, and the errors a sweep reports."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from simulator.events import DecisionMade, DecisionOpened, DecisionTimedOut, EventBase, InjectDelivered
from simulator.loader import load_response_file, load_text
from simulator.policies import POLICY_NAMES, Policy, ScriptPolicy, make_policy
from simulator.schema import Scenario
from simulator.scoring import score_summary
from simulator.simulation import simulate

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
            raise RunFailed(index, seed, problem(exc)) from exc

    def run_chunk(self, start: int, stop: int) -> list[RunRecord]:
        """Runs start..stop-1."""
        return [self.run(index) for index in range(start, stop)]


def plural(count: int, word: str) -> str:
    """`1 run`, `2 runs`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def problem(exc: BaseException) -> str:
    """One line naming an exception: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
