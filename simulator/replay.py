"""Rebuild an exercise from its log: the commands in the log, replayed on the same scenario and seed,
give back the same events. Used to resume after a crash and to check that a log is consistent."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from simulator.commands import (
    AnswerHotwash,
    ChangeClock,
    CommandBase,
    Decide,
    EndExercise,
    InjectAdHoc,
    Observe,
    OverrideRating,
    SendMessage,
)
from simulator.engine import CommandError, Exercise, Sink
from simulator.events import (
    ClockChanged,
    DecisionMade,
    EventBase,
    ExerciseEnded,
    HotwashAnswered,
    InjectDelivered,
    MessageSent,
    Observation,
    RatingOverridden,
    without_wall,
)
from simulator.loader import LoadedScenario


class ReplayError(Exception):
    """A log that the scenario and seed do not reproduce."""


def command_of(event: EventBase) -> CommandBase | None:
    """The command that caused an event, or None for events the simulation makes by itself."""
    if isinstance(event, DecisionMade):
        return Decide(role=event.actor, decision=event.decision, option=event.option, rationale=event.rationale)
    if isinstance(event, MessageSent):
        # Recipients were resolved to roles when sent; resolving role ids again gives the same list.
        return SendMessage(role=event.actor, to=list(event.to), text=event.text, subject=event.subject)
    if isinstance(event, InjectDelivered) and event.adhoc:
        return InjectAdHoc(
            to=list(event.to),
            title=event.title,
            body=event.body,
            channel=event.channel,
            sender=event.sender,
            priority=event.priority,  # type: ignore[arg-type]
        )
    if isinstance(event, Observation):
        return Observe(text=event.text, objective=event.objective, about=event.about, kind=event.kind)
    if isinstance(event, RatingOverridden):
        return OverrideRating(objective=event.objective, rating=event.rating, reason=event.reason)
    if isinstance(event, HotwashAnswered):
        return AnswerHotwash(role=event.actor, question=event.question, answer=event.answer)
    if isinstance(event, ClockChanged):
        return ChangeClock(action=event.action, pace=event.pace)
    if isinstance(event, ExerciseEnded) and event.actor == "facilitator":
        return EndExercise(reason=event.reason)
    return None


def replay(
    loaded: LoadedScenario,
    events: Sequence[EventBase],
    *,
    seed: int,
    sink: Sink | None = None,
    clock: Callable[[], float] = time.time,
) -> Exercise:
    """An exercise brought to the point where the log stops, checked event by event against the log.

    The returned exercise holds the logged events (with their original wall times) and, from now
    on, sends new events to `sink`.
    """
    if not events:
        raise ReplayError("the log is empty")
    first = events[0]
    if first.type != "exercise_started":
        raise ReplayError(f"the log starts with {first.type}, not exercise_started")
    if getattr(first, "scenario", None) != loaded.scenario.id:
        raise ReplayError(f"the log is of scenario {getattr(first, 'scenario', '?')!r}, not {loaded.scenario.id!r}")
    exercise = Exercise(loaded.scenario, seed=seed, sha256=loaded.sha256, clock=lambda: 0.0)
    exercise.start()
    for event in events:
        command = command_of(event)
        if command is None:
            continue
        if event.t > exercise.now:
            exercise.advance(event.t)
        try:
            exercise.submit(command)
        except CommandError as exc:
            raise ReplayError(f"event {event.seq} ({event.type}) cannot be replayed: {exc}") from None
    last = events[-1].t
    if last > exercise.now:
        exercise.advance(last)
    replayed = exercise.events
    # Events the simulation made after the last logged one at the same instant belong to the future.
    for index, logged in enumerate(events):
        if index >= len(replayed) or without_wall(replayed[index]) != without_wall(logged):
            got = replayed[index].type if index < len(replayed) else "nothing"
            raise ReplayError(
                f"the log diverges from the scenario at event {logged.seq}: logged {logged.type}, replay gives {got}"
            )
    extra = replayed[len(events) :]
    exercise.events[:] = list(events)
    exercise._sink = sink
    exercise._clock = clock
    # Anything the replay produced past the log at the same instant (a crash can fall between two
    # events of one instant) is logged now, stamped with the current wall time.
    for event in extra:
        event = event.model_copy(update={"wall": clock()})
        if sink is not None:
            sink(event)
        exercise.events.append(event)
    return exercise
