"""Headless runs: an exercise played as fast as possible by a policy, optionally logged to SQLite."""

from __future__ import annotations

import gc
import heapq
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.commands import CommandBase
from simulator.engine import CommandError, Exercise
from simulator.events import DecisionMade, DecisionTimedOut, EventBase, InjectDelivered
from simulator.loader import LoadedScenario
from simulator.policies import NoPolicy, Policy
from simulator.store import EventStore


@dataclass
class SimulationResult:
    """What a headless run produced."""

    exercise: Exercise
    policy: str
    log: str | None
    rejected: list[tuple[float, CommandBase, str]] = field(default_factory=list)

    @property
    def events(self) -> list[EventBase]:
        """Every event of the run."""
        return self.exercise.events

    def summary(self) -> dict[str, Any]:
        """The JSON summary printed by `tabletop simulate --json`."""
        exercise = self.exercise
        decisions: dict[str, str | None] = {d.id: None for d in exercise.scenario.decisions}
        for event in exercise.events:
            if isinstance(event, DecisionMade):
                decisions[event.decision] = event.option
        return {
            "scenario": exercise.scenario.id,
            "seed": exercise.seed,
            "policy": self.policy,
            "events": len(exercise.events),
            "injects_delivered": [e.inject for e in exercise.events if isinstance(e, InjectDelivered)],
            "decisions": decisions,
            "timeouts": [e.decision for e in exercise.events if isinstance(e, DecisionTimedOut)],
            "final_state": dict(exercise.state),
            "ended_at": exercise.now,
            "log": self.log,
        }


def log_meta(loaded: LoadedScenario, seed: int, **extra: str) -> dict[str, str]:
    """Log metadata for a run of a scenario: enough to score and report from the log alone."""
    scenario = loaded.scenario
    return {
        "scenario_id": scenario.id,
        "scenario_title": scenario.title,
        "scenario_sha256": loaded.sha256,
        "scenario_path": loaded.path,
        "scenario_source": loaded.text,
        "seed": str(seed),
        "created": f"{time.time():.3f}",
        **extra,
    }


def simulate(
    loaded: LoadedScenario,
    policy: Policy,
    *,
    seed: int = 0,
    log: str | Path | None = None,
    clock: Any = time.time,
) -> SimulationResult:
    """Play the scenario to its end with a policy standing in for the participants."""
    # A headless run is short and bounded; the cyclic collector would rescan the growing event
    # list again and again (a third of the run time), so it is paused for the run.
    enabled = gc.isenabled()
    gc.disable()
    try:
        exercise, rejected = _play(loaded, policy, seed, clock)
    finally:
        if enabled:
            gc.enable()
    path = None
    if log is not None:
        with EventStore.create(log, log_meta(loaded, seed, policy=policy.name)) as store:
            store.append_many(exercise.events)
        path = str(log)
    return SimulationResult(exercise, policy.name, path, rejected)


def _play(
    loaded: LoadedScenario, policy: Policy, seed: int, clock: Any
) -> tuple[Exercise, list[tuple[float, CommandBase, str]]]:
    pending: list[tuple[float, int, CommandBase]] = []
    order = 0
    rejected: list[tuple[float, CommandBase, str]] = []
    exercise: Exercise

    def observe(event: EventBase) -> None:
        # Called for each event as it is logged: the policy's answers are queued, and the running
        # advance is told to stop in time for the earliest of them.
        nonlocal order
        for at, command in policy.react(event):
            order += 1
            at = max(at, event.t)
            heapq.heappush(pending, (at, order, command))
            exercise.stop_at(at)

    # A policy that never reacts need not hear every event.
    sink = None if isinstance(policy, NoPolicy) else observe
    exercise = Exercise(loaded.scenario, seed=seed, sha256=loaded.sha256, clock=clock, sink=sink)
    exercise.start()
    while not exercise.ended:
        if not pending:
            exercise.advance(float("inf"))
            continue
        at, _, command = pending[0]
        if at > exercise.now:
            exercise.advance(at)
            if exercise.ended or pending[0][0] < at:
                continue
        heapq.heappop(pending)
        try:
            exercise.submit(command)
        except CommandError as exc:
            # A scripted answer can be too late (the deadline lapsed): note it and play on.
            rejected.append((at, command, str(exc)))
    return exercise, rejected
