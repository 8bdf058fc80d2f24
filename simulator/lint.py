"""Warnings past the schema: injects that can never fire, dead options, unmeasured objectives and more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from simulator.diagnostics import Problem
from simulator.durations import format_duration
from simulator.loader import LoadedScenario
from simulator.schema import (
    AddEffect,
    AfterCondition,
    AllCondition,
    AnyCondition,
    ChoseCondition,
    DecidedCondition,
    DeliveredCondition,
    Effect,
    Inject,
    MessageCondition,
    NotCondition,
    Scenario,
    ScheduleEffect,
    SetEffect,
    StateCondition,
    TimedOutCondition,
)

MAX_DYNAMIC_STEPS = 10_000
"""Steps of one dynamic over the exercise past which lint warns: each step is an event in the log."""


def lint(loaded: LoadedScenario) -> list[Problem]:
    """Every warning for a valid scenario, sorted by position."""
    problems = [
        Problem(loaded.path, *loaded.where(loc, key=key), message, "warning")
        for loc, message, key in _checks(loaded.scenario)
    ]
    return sorted(problems)


def _effects_of(inject: Inject) -> Iterator[Effect]:
    """An inject's own effects, its options' and its deadline's: all fire only once it is delivered."""
    yield from inject.effects
    if inject.decision is not None:
        for option in inject.decision.options:
            yield from option.effects
        yield from inject.decision.on_timeout


def _checks(scenario: Scenario) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    index_of = {inject.id: n for n, inject in enumerate(scenario.injects)}
    decision_inject = {d.id: i.id for i in scenario.injects if (d := i.decision) is not None}
    scheduled_by: dict[str, list[str]] = {}
    for inject in scenario.injects:
        for effect in _effects_of(inject):
            if isinstance(effect, ScheduleEffect):
                target = effect.schedule if isinstance(effect.schedule, str) else effect.schedule.inject
                scheduled_by.setdefault(target, []).append(inject.id)

    possible = _state_tests(scenario)
    reachable = _reachable(scenario, scheduled_by, decision_inject, possible)
    for inject in scenario.injects:
        loc = ("injects", index_of[inject.id])
        if inject.at is not None and inject.at > scenario.duration:
            yield (
                loc + ("at",),
                (
                    f"inject {inject.id!r} is timed at {format_duration(inject.at)}, after the end "
                    f"({format_duration(scenario.duration)}); it can never fire"
                ),
                False,
            )
        elif inject.at is None and inject.when is None and inject.id not in scheduled_by:
            yield (
                loc + ("id",),
                (f"inject {inject.id!r} has neither `at` nor `when` and no option schedules it; it can never fire"),
                False,
            )
        elif inject.id not in reachable:
            yield loc + ("id",), f"inject {inject.id!r} can never fire: nothing it waits for can happen", False

    # Deadlines that run past the end of the exercise.
    for inject in scenario.injects:
        decision = inject.decision
        if decision is not None and decision.deadline is not None and inject.at is not None:
            if inject.at + decision.deadline > scenario.duration:
                yield (
                    ("injects", index_of[inject.id], "decision", "deadline"),
                    (
                        f"decision {decision.id!r} is due at {format_duration(inject.at + decision.deadline)}, "
                        f"after the end ({format_duration(scenario.duration)})"
                    ),
                    False,
                )

    # Options that change nothing and earn nothing.
    referenced = _referenced_options(scenario)
    for inject in scenario.injects:
        if inject.decision is None:
            continue
        for n, option in enumerate(inject.decision.options):
            if not option.effects and (inject.decision.id, option.id) not in referenced:
                yield (
                    ("injects", index_of[inject.id], "decision", "options", n, "id"),
                    (
                        f"option {option.id!r} of decision {inject.decision.id!r} has no effect and no expectation or "
                        "condition refers to it"
                    ),
                    False,
                )

    # Decisions whose options are all weighted 0: the random policy then ignores the weights.
    for inject in scenario.injects:
        decision = inject.decision
        if decision is not None and all(option.weight == 0 for option in decision.options):
            yield (
                ("injects", index_of[inject.id], "decision", "options"),
                f"every option of decision {decision.id!r} has weight 0: random play picks uniformly",
                True,
            )

    # Dynamics that step so often that a run is mostly their events (and a log of gigabytes).
    for n, dynamic in enumerate(scenario.dynamics):
        steps = scenario.duration / dynamic.every
        if steps > MAX_DYNAMIC_STEPS:
            yield (
                ("dynamics", n, "every"),
                (
                    f"dynamic {dynamic.id!r} steps every {format_duration(dynamic.every)}: up to {steps:,.0f} steps "
                    f"over the {format_duration(scenario.duration)} exercise (more than {MAX_DYNAMIC_STEPS:,} makes "
                    "runs slow and logs large); use a longer `every`"
                ),
                False,
            )

    # Objectives nothing measures.
    measured = {e.objective for e in scenario.scoring.expectations}
    for n, objective in enumerate(scenario.objectives):
        if objective.id not in measured:
            yield ("objectives", n, "id"), f"objective {objective.id!r} is not measured by any expectation", False

    # Roles that receive nothing.
    receiving: set[str] = set()
    for inject in scenario.injects:
        receiving.update(scenario.resolve_roles(inject.to))
    for n, role in enumerate(scenario.roles):
        if role.id not in receiving:
            yield ("roles", n, "id"), f"role {role.id!r} receives no inject", False

    # Conditional injects that wait on each other.
    for cycle in _cycles(scenario, decision_inject):
        first = cycle[0]
        path = " → ".join(cycle + [first])
        yield ("injects", index_of[first], "when"), f"condition cycle: {path}; these injects wait on each other", False

    # State tests no value of their variable can pass: an inject that waits forever, a dynamic that
    # never starts or never stops, an expectation nobody can meet.
    for loc, condition in _state_conditions(scenario):
        why = possible(condition)
        if why is not None:
            op, threshold = condition.comparison
            yield (
                loc + (op,),
                f"`{op}: {threshold:g}` on {condition.state!r} can never hold: {why}",
                False,
            )


def _referenced_options(scenario: Scenario) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for expectation in scenario.scoring.expectations:
        if expectation.decision is not None:
            options = [expectation.option] if expectation.option else expectation.options or []
            for option in options:
                found.add((expectation.decision, option))

    def walk(condition: Any) -> None:
        for inner in _children(condition):
            walk(inner)
        if isinstance(condition, ChoseCondition):
            found.add((condition.chose.decision, condition.chose.option))

    for inject in scenario.injects:
        if inject.when is not None:
            walk(inject.when)
    for dynamic in scenario.dynamics:
        for condition in (dynamic.when, dynamic.until):
            if condition is not None:
                walk(condition)
    return found


def _children(condition: Any) -> list[Any]:
    if isinstance(condition, AllCondition):
        return list(condition.all)
    if isinstance(condition, AnyCondition):
        return list(condition.any)
    if isinstance(condition, NotCondition):
        return [condition.not_]
    return []


def _reachable(
    scenario: Scenario,
    scheduled_by: dict[str, list[str]],
    decision_inject: dict[str, str],
    possible: Callable[[StateCondition], str | None],
) -> set[str]:
    """Injects that may fire under some play: an optimistic fixed point over conditions and schedules."""
    deadlines = {d.id for d in scenario.decisions if d.deadline is not None}
    several_roles = len(scenario.roles) > 1
    reachable: set[str] = set()

    def may_hold(condition: Any) -> bool:
        if isinstance(condition, AllCondition):
            return all(may_hold(c) for c in condition.all)
        if isinstance(condition, AnyCondition):
            return any(may_hold(c) for c in condition.any)
        if isinstance(condition, NotCondition):
            return True  # a negation can hold simply because its inner event has not happened yet
        if isinstance(condition, (DecidedCondition, ChoseCondition)):
            decision = condition.decided if isinstance(condition, DecidedCondition) else condition.chose.decision
            return decision_inject.get(decision) in reachable
        if isinstance(condition, TimedOutCondition):
            return condition.timed_out in deadlines and decision_inject.get(condition.timed_out) in reachable
        if isinstance(condition, DeliveredCondition):
            return condition.delivered in reachable
        if isinstance(condition, AfterCondition):
            return condition.after <= scenario.duration
        if isinstance(condition, MessageCondition):
            return several_roles
        if isinstance(condition, StateCondition):
            return possible(condition) is None
        return True

    changed = True
    while changed:
        changed = False
        for inject in scenario.injects:
            if inject.id in reachable:
                continue
            fires = (
                (inject.at is not None and inject.at <= scenario.duration)
                or (inject.when is not None and may_hold(inject.when))
                or any(source in reachable for source in scheduled_by.get(inject.id, []))
            )
            if fires:
                reachable.add(inject.id)
                changed = True
    return reachable


def _cycles(scenario: Scenario, decision_inject: dict[str, str]) -> list[list[str]]:
    """Cycles among conditional injects through delivered/decided conditions (each reported once)."""
    edges: dict[str, list[str]] = {}
    for inject in scenario.injects:
        if inject.when is None:
            continue
        targets: list[str] = []

        def walk(condition: Any, targets: list[str] = targets) -> None:
            # A negation waits for nothing (it holds until its inner event happens), so it adds no edge.
            if isinstance(condition, NotCondition):
                return
            for inner in _children(condition):
                walk(inner, targets)
            if isinstance(condition, DeliveredCondition):
                targets.append(condition.delivered)
            elif isinstance(condition, DecidedCondition):
                targets.append(decision_inject.get(condition.decided, ""))
            elif isinstance(condition, ChoseCondition):
                targets.append(decision_inject.get(condition.chose.decision, ""))
            elif isinstance(condition, TimedOutCondition):
                targets.append(decision_inject.get(condition.timed_out, ""))

        walk(inject.when)
        edges[inject.id] = [t for t in targets if t]
    conditional = set(edges)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for start in edges:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in edges.get(node, []):
                if target == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        cycles.append(path)
                elif target in conditional and target not in path and len(path) < 50:
                    stack.append((target, path + [target]))
    return cycles


def _state_tests(scenario: Scenario) -> Callable[[StateCondition], str | None]:
    """A test saying why a state comparison can never hold (None when some play may make it hold).

    Optimistic, like reachability: a variable that anything changes may take any value within its
    bounds (changes are clamped to them); one that nothing changes keeps its initial value.
    """
    changed: set[str] = set()
    for inject in scenario.injects:
        for effect in _effects_of(inject):
            if isinstance(effect, SetEffect):
                changed.update(effect.set)
            elif isinstance(effect, AddEffect):
                changed.update(name for name, amount in effect.add.items() if amount)
    growing = set()
    for dynamic in scenario.dynamics:
        if dynamic.change or dynamic.noise:
            changed.add(dynamic.var)
        elif dynamic.growth:
            growing.add(dynamic.var)
    # Growth is a share of the value: it moves a variable only once it is away from 0.
    changed.update(var for var in growing if var in changed or scenario.state[var].initial != 0)

    def why_not(condition: StateCondition) -> str | None:
        var = scenario.state.get(condition.state)
        if var is None:
            return None  # the loader reports the unknown variable
        if condition.state not in changed:
            if condition.holds(var.initial):
                return None
            return f"nothing changes it from its initial value {var.initial:g}"
        op, threshold = condition.comparison
        low, high = var.min, var.max
        # Changes are clamped to the bounds, so a threshold past a bound is never reached.
        too_high = high is not None and (
            threshold >= high if op == "above" else threshold > high if op in ("at_least", "equals") else False
        )
        too_low = low is not None and (
            threshold <= low if op == "below" else threshold < low if op in ("at_most", "equals") else False
        )
        if too_high:
            return f"{condition.state} is at most {high:g} (its max)"
        if too_low:
            return f"{condition.state} is at least {low:g} (its min)"
        return None

    return why_not


def _state_conditions(scenario: Scenario) -> Iterator[tuple[tuple[Any, ...], StateCondition]]:
    """Every state comparison of the scenario, with its path in the file."""

    def walk(condition: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], StateCondition]]:
        if isinstance(condition, StateCondition):
            yield loc, condition
        elif isinstance(condition, AllCondition):
            for n, inner in enumerate(condition.all):
                yield from walk(inner, loc + ("all", n))
        elif isinstance(condition, AnyCondition):
            for n, inner in enumerate(condition.any):
                yield from walk(inner, loc + ("any", n))
        elif isinstance(condition, NotCondition):
            yield from walk(condition.not_, loc + ("not",))

    for n, inject in enumerate(scenario.injects):
        if inject.when is not None:
            yield from walk(inject.when, ("injects", n, "when"))
    for n, dynamic in enumerate(scenario.dynamics):
        for key in ("when", "until"):
            condition = getattr(dynamic, key)
            if condition is not None:
                yield from walk(condition, ("dynamics", n, key))
    for n, expectation in enumerate(scenario.scoring.expectations):
        if expectation.state is not None:
            yield from walk(expectation.state, ("scoring", "expectations", n, "state"))
