"""Who may see which event: the one rule every console, local or remote, filters the log with."""

from __future__ import annotations

from simulator.events import (
    ClockChanged,
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    EventBase,
    ExerciseEnded,
    ExerciseStarted,
    HotwashAnswered,
    InjectDelivered,
    MessageSent,
    StateChanged,
)
from simulator.schema import Scenario

FACILITATOR = "facilitator"
"""The viewer id of exercise control: sees everything."""

_EVERYONE = (ClockChanged, ExerciseStarted, ExerciseEnded)


def state_visible_to(scenario: Scenario, var: str, role: str) -> bool:
    """Whether a role may see a world-state variable."""
    allowed = set(scenario.state[var].visible_to)
    return bool({"all", role, scenario.role(role).team} & allowed)


def decision_takers(scenario: Scenario, event: DecisionOpened | None, decision: str) -> list[str]:
    """The roles that may take a decision: from its opening event if known, else from the scenario."""
    if event is not None:
        return list(event.by)
    inject, spec = scenario.decision(decision)
    return scenario.resolve_roles(spec.by if spec.by is not None else inject.to)


def can_see(scenario: Scenario, viewer: str, event: EventBase) -> bool:
    """Whether `viewer` (a role id or "facilitator") may see `event`.

    A role sees injects addressed to it, decisions it may take and their outcome, messages to or
    from it, changes of the state it may see, its own hot wash answers, and the clock, start and
    end. Evaluator notes, rating overrides and cancelled injects are for exercise control only.
    """
    if viewer == FACILITATOR:
        return True
    if isinstance(event, _EVERYONE):
        return True
    if isinstance(event, InjectDelivered):
        return viewer in event.to
    if isinstance(event, DecisionOpened):
        return viewer in event.by
    if isinstance(event, DecisionMade | DecisionTimedOut):
        try:
            return viewer in decision_takers(scenario, None, event.decision)
        except KeyError:
            return False
    if isinstance(event, MessageSent):
        return event.actor == viewer or viewer in event.to
    if isinstance(event, StateChanged):
        return event.var in scenario.state and state_visible_to(scenario, event.var, viewer)
    if isinstance(event, HotwashAnswered):
        return event.actor == viewer
    return False


def filter_events(scenario: Scenario, viewer: str, events: list[EventBase]) -> list[EventBase]:
    """The events of a list that `viewer` may see, in order."""
    if viewer == FACILITATOR:
        return list(events)
    return [event for event in events if can_see(scenario, viewer, event)]
