"""The exercise engine: a scenario run as a SimPy discrete-event simulation that emits log events."""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

import simpy

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
from simulator.events import EVENT_TYPES as _EVENT_TYPES
from simulator.events import (
    ClockChanged,
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    EventBase,
    ExerciseEnded,
    ExerciseStarted,
    HotwashAnswered,
    InjectCancelled,
    InjectDelivered,
    MessageSent,
    Observation,
    RatingOverridden,
    StateChanged,
    build_event,
)
from simulator.schema import (
    AddEffect,
    AfterCondition,
    AllCondition,
    AnyCondition,
    CancelEffect,
    ChoseCondition,
    DecidedCondition,
    DeliveredCondition,
    Dynamic,
    EndEffect,
    Inject,
    MessageCondition,
    NotCondition,
    Scenario,
    ScheduleEffect,
    SetEffect,
    StateCondition,
    TimedOutCondition,
)

Sink = Callable[[EventBase], None]
EVENT_TYPE_NAMES = {cls: name for name, cls in _EVENT_TYPES.items()}


class _Urgent(simpy.Event):
    """An event triggered as soon as it is made, ahead of same-instant timeouts: how SimPy starts a process."""

    def __init__(self, env: simpy.Environment, callback: Callable[[simpy.Event], None]) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        self.callbacks.append(callback)  # type: ignore[union-attr]
        env.schedule(self, simpy.events.URGENT)


class CommandError(ValueError):
    """A command the exercise cannot carry out (unknown id, closed decision, role not allowed…)."""


@dataclass
class DecisionRecord:
    """Where a decision stands."""

    id: str
    inject: str
    by: list[str]
    opened_at: float
    deadline: float | None
    status: str = "open"  # open | made | timed_out
    option: str | None = None
    role: str | None = None
    decided_at: float | None = None
    made: simpy.Event | None = field(default=None, repr=False)


def condition_keys(condition: Any) -> tuple[set[tuple[str, str]], set[float]]:
    """What can change a condition: watch keys, and the elapsed-time thresholds it mentions."""
    keys: set[tuple[str, str]] = set()
    times: set[float] = set()

    def walk(c: Any) -> None:
        if isinstance(c, AllCondition):
            for inner in c.all:
                walk(inner)
        elif isinstance(c, AnyCondition):
            for inner in c.any:
                walk(inner)
        elif isinstance(c, NotCondition):
            walk(c.not_)
        elif isinstance(c, DecidedCondition):
            keys.add(("decision", c.decided))
        elif isinstance(c, ChoseCondition):
            keys.add(("decision", c.chose.decision))
        elif isinstance(c, TimedOutCondition):
            keys.add(("decision", c.timed_out))
        elif isinstance(c, DeliveredCondition):
            keys.add(("delivered", c.delivered))
        elif isinstance(c, StateCondition):
            keys.add(("state", c.state))
        elif isinstance(c, MessageCondition):
            keys.add(("message", ""))
        elif isinstance(c, AfterCondition):
            times.add(c.after)

    walk(condition)
    return keys, times


class Exercise:
    """One run of a scenario. The caller advances scenario time and submits commands; both return new events.

    Every event goes to `sink` (the durable log) before the call that produced it returns.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int = 0,
        sink: Sink | None = None,
        clock: Callable[[], float] = time.time,
        sha256: str = "",
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.sha256 = sha256
        # A float clock from the start, so event times need no conversion on the hot path.
        self.env = simpy.Environment(initial_time=0.0)
        # One seeded stream for everything random in the world; never the global `random`.
        self.rng = random.Random(seed)
        self.state: dict[str, float] = {name: var.initial for name, var in scenario.state.items()}
        self.events: list[EventBase] = []
        self.delivered: dict[str, float] = {}
        self.cancelled: set[str] = set()
        self.decisions: dict[str, DecisionRecord] = {}
        self.messages: list[tuple[str, tuple[str, ...]]] = []
        self.ended = False
        self.started = False
        self._sink = sink
        self._clock = clock
        self._watch: dict[tuple[str, str], simpy.Event] = {}
        self._team_of = {role.id: role.team for role in scenario.roles}
        self._recipients = scenario.recipients
        self._bounds = {name: (var.min, var.max) for name, var in scenario.state.items()}
        self._adhoc_count = 0
        self._horizon = 0.0

    # ----------------------------------------------------------------- public API

    @property
    def now(self) -> float:
        """Current scenario time in seconds."""
        return float(self.env.now)

    def next_time(self) -> float:
        """Scenario time of the next scheduled happening (infinity if none or ended)."""
        return float("inf") if self.ended else float(self.env.peek())

    def start(self) -> list[EventBase]:
        """Begin the exercise at scenario time 0."""
        if self.started:
            raise CommandError("the exercise has already started")
        self.started = True
        mark = len(self.events)
        scenario = self.scenario
        self._emit(
            ExerciseStarted, "system", scenario=scenario.id, title=scenario.title, seed=self.seed, sha256=self.sha256
        )
        self._start_timeline(scenario.timed_injects)
        for inject in scenario.injects:
            if inject.when is not None:
                self.env.process(self._conditional(inject))
        for dynamic in scenario.dynamics:
            self.env.process(self._dynamic(dynamic))
        self.env.process(self._time_limit(scenario.duration))
        self._flush()
        return self.events[mark:]

    def advance(self, to: float) -> list[EventBase]:
        """Run the simulation up to scenario time `to` (inclusive) and return the events it produced."""
        if not self.started:
            raise CommandError("the exercise has not started")
        mark = len(self.events)
        env = self.env
        peek, step = env.peek, env.step
        self._horizon = to
        while not self.ended and peek() <= self._horizon:
            step()
        to = self._horizon
        if not self.ended and to > env.now:
            env.run(until=to)
        return self.events[mark:]

    def stop_at(self, t: float) -> None:
        """Cut short a running `advance` at scenario time t (called from the sink, e.g. by a policy
        that wants to act at t); events at t are still processed."""
        self._horizon = min(self._horizon, max(t, float(self.env.now)))

    def submit(self, command: CommandBase) -> list[EventBase]:
        """Carry out a command at the current scenario time; returns the events it produced, already logged."""
        if not self.started:
            raise CommandError("the exercise has not started")
        handler = self._handlers.get(type(command))
        if handler is None:
            raise CommandError(f"unknown command {type(command).__name__}")
        if self.ended and type(command) not in (Observe, OverrideRating, AnswerHotwash):
            raise CommandError("the exercise has ended")
        mark = len(self.events)
        handler(self, command)
        self._flush()
        return self.events[mark:]

    def visible_state(self, role: str | None) -> dict[str, float]:
        """The state a role may see (everything for the facilitator, role None)."""
        if role is None:
            return dict(self.state)
        team = self._team_of.get(role)
        return {
            name: value
            for name, value in self.state.items()
            if {"all", role, team} & set(self.scenario.state[name].visible_to)
        }

    # ----------------------------------------------------------------- processes

    def _start_timeline(self, injects: list[Inject]) -> None:
        # The timed injects are one chain of timeouts whose callbacks deliver them: the same SimPy
        # ordering as a process walking the list, without resuming a generator per inject (the
        # engine's most frequent happening). It starts as a process would: on an urgent event
        # scheduled now, so same-instant order is unchanged.
        env = self.env
        timeout, deliver = env.timeout, self._deliver
        count = len(injects)
        position = 0

        def step(_: simpy.Event) -> None:
            nonlocal position
            now = env.now
            while position < count:
                inject = injects[position]
                at = inject.at or 0.0
                if at > now:
                    timeout(at - now).callbacks.append(step)  # type: ignore[union-attr]
                    return
                position += 1
                deliver(inject)

        _Urgent(env, step)

    def _conditional(self, inject: Inject) -> Generator[simpy.Event, Any, None]:
        yield from self._wait_for(inject.when)
        if inject.delay:
            yield self.env.timeout(inject.delay)
        self._deliver(inject)

    def _wait_for(self, condition: Any) -> Generator[simpy.Event, Any, None]:
        """Wait until a condition holds, waking only when something it depends on changes."""
        keys, times = condition_keys(condition)
        env = self.env
        timer: simpy.Event | None = None
        while not self._holds(condition):
            if timer is None or timer.processed:
                upcoming = [t for t in times if t > env.now]
                timer = env.timeout(min(upcoming) - env.now) if upcoming else None
            waits = [self._watcher(key) for key in keys]
            if timer is not None:
                waits.append(timer)
            if not waits:
                # Nothing can ever change this condition: wait forever (the inject never fires).
                yield env.event()
                return
            yield env.any_of(waits)

    def _dynamic(self, dynamic: Dynamic) -> Generator[simpy.Event, Any, None]:
        if dynamic.when is not None:
            yield from self._wait_for(dynamic.when)
        until = dynamic.until
        env = self.env
        timeout, holds, state, set_state = env.timeout, self._holds, self.state, self._set_state
        cause = f"dynamic:{dynamic.id}"
        var, every, change, growth, noise = dynamic.var, dynamic.every, dynamic.change, dynamic.growth, dynamic.noise
        gauss = self.rng.gauss
        # Once running, the steps are a chain of timeout callbacks rather than generator resumes:
        # the same SimPy order (each step's timeout is scheduled where the loop would yield it) at
        # a fraction of the cost per step.

        def step(_: simpy.Event) -> None:
            if until is not None and holds(until):
                return
            value = state[var]
            delta = change + value * growth
            if noise:
                delta += gauss(0.0, noise)
            set_state(var, value + delta, cause)
            if until is None or not holds(until):
                timeout(every).callbacks.append(step)  # type: ignore[union-attr]

        if until is None or not holds(until):
            timeout(every).callbacks.append(step)  # type: ignore[union-attr]

    def _time_limit(self, duration: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(duration)
        self._end("scenario time is up", "system")

    def _decision_clock(self, record: DecisionRecord, deadline: float) -> Generator[simpy.Event, Any, None]:
        assert record.made is not None
        # The SimPy race: whichever comes first, the choice or the deadline.
        yield record.made | self.env.timeout(deadline)
        if record.status == "open":
            record.status = "timed_out"
            self._emit(DecisionTimedOut, "system", decision=record.id)
            self._changed(("decision", record.id))
            _, decision = self.scenario.decision(record.id)
            self._apply(decision.on_timeout, f"timeout:{record.id}")

    def _scheduled(self, inject_id: str, delay: float) -> Generator[simpy.Event, Any, None]:
        if delay:
            yield self.env.timeout(delay)
        self._deliver(self.scenario.inject(inject_id))

    # ----------------------------------------------------------------- world changes

    def _deliver(self, inject: Inject) -> None:
        inject_id = inject.id
        if self.ended or inject_id in self.delivered or inject_id in self.cancelled:
            return
        now = self.env.now
        self.delivered[inject_id] = now
        to = self._recipients[inject_id]
        decision = inject.decision
        # The hot path of every run: the event is built complete, in field order, in one go.
        event = build_event(
            InjectDelivered,
            {
                "seq": len(self.events) + 1,
                "t": now,
                "wall": self._clock(),
                "actor": "system",
                "type": "inject_delivered",
                "inject": inject_id,
                "title": inject.title,
                "body": inject.body,
                "sender": inject.from_,
                "channel": inject.channel,
                "to": to,
                "priority": inject.priority,
                "category": inject.category,
                "decision": decision.id if decision is not None else None,
                "attachments": [{"name": a.name, "text": a.text} for a in inject.attachments]
                if inject.attachments
                else [],
                "adhoc": False,
            },
            ordered=True,
        )
        if self._sink is not None:
            self._sink(event)
        self.events.append(event)
        if decision is not None:
            by = self.scenario.resolve_roles(decision.by) if decision.by is not None else to
            deadline = self.env.now + decision.deadline if decision.deadline is not None else None
            record = DecisionRecord(decision.id, inject.id, by, self.env.now, deadline, made=self.env.event())
            self.decisions[decision.id] = record
            self._emit(
                DecisionOpened,
                "system",
                decision=decision.id,
                inject=inject.id,
                prompt=decision.prompt,
                by=by,
                deadline=deadline,
            )
            if decision.deadline is not None:
                self.env.process(self._decision_clock(record, decision.deadline))
        if self._watch:
            self._changed(("delivered", inject_id))
        if inject.effects:
            self._apply(inject.effects, f"inject:{inject.id}")

    def _set_state(self, var: str, value: float, cause: str) -> None:
        low, high = self._bounds[var]
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        previous = self.state[var]
        if not math.isfinite(value):
            # A runaway dynamic (e.g. compound growth over hours) saturates instead of turning the
            # state into inf or NaN, which no comparison, chart or JSON reader could use.
            value = previous if math.isnan(value) else math.copysign(sys.float_info.max, value)
        if value == previous:
            return
        self.state[var] = value
        event = build_event(
            StateChanged,
            {
                "seq": len(self.events) + 1,
                "t": self.env.now,
                "wall": self._clock(),
                "actor": "system",
                "type": "state_changed",
                "var": var,
                "value": value,
                "previous": previous,
                "cause": cause,
            },
            ordered=True,
        )
        if self._sink is not None:
            self._sink(event)
        self.events.append(event)
        if self._watch:
            self._changed(("state", var))

    def _apply(self, effects: Iterable[Any], cause: str) -> None:
        for effect in effects:
            if self.ended:
                return
            if isinstance(effect, SetEffect):
                for var, value in effect.set.items():
                    self._set_state(var, value, cause)
            elif isinstance(effect, AddEffect):
                for var, delta in effect.add.items():
                    self._set_state(var, self.state[var] + delta, cause)
            elif isinstance(effect, ScheduleEffect):
                target = effect.schedule
                inject_id, delay = (target, 0.0) if isinstance(target, str) else (target.inject, target.in_)
                self.env.process(self._scheduled(inject_id, delay))
            elif isinstance(effect, CancelEffect):
                if effect.cancel not in self.delivered and effect.cancel not in self.cancelled:
                    self.cancelled.add(effect.cancel)
                    self._emit(InjectCancelled, "system", inject=effect.cancel)
            elif isinstance(effect, EndEffect):
                self._end(effect.end, "system")

    def _end(self, reason: str, actor: str) -> None:
        if self.ended:
            return
        self._emit(ExerciseEnded, actor, reason=reason)
        self.ended = True

    # ----------------------------------------------------------------- conditions

    def _holds(self, c: Any) -> bool:
        if isinstance(c, StateCondition):
            return c.holds(self.state[c.state])
        if isinstance(c, AllCondition):
            return all(self._holds(inner) for inner in c.all)
        if isinstance(c, AnyCondition):
            return any(self._holds(inner) for inner in c.any)
        if isinstance(c, NotCondition):
            return not self._holds(c.not_)
        if isinstance(c, DecidedCondition):
            record = self.decisions.get(c.decided)
            return record is not None and record.status == "made"
        if isinstance(c, ChoseCondition):
            record = self.decisions.get(c.chose.decision)
            return record is not None and record.option == c.chose.option
        if isinstance(c, TimedOutCondition):
            record = self.decisions.get(c.timed_out)
            return record is not None and record.status == "timed_out"
        if isinstance(c, AfterCondition):
            return self.env.now >= c.after
        if isinstance(c, DeliveredCondition):
            return c.delivered in self.delivered
        if isinstance(c, MessageCondition):
            return any(self._message_matches(c.message, sender, to) for sender, to in self.messages)
        raise AssertionError(f"unknown condition {c!r}")

    def _message_matches(self, match: MessageCondition.Match, sender: str, to: tuple[str, ...]) -> bool:
        if match.from_ is not None and match.from_ not in (sender, self._team_of.get(sender)):
            return False
        if match.to is not None and not any(match.to in (role, self._team_of.get(role)) for role in to):
            return False
        return True

    def _watcher(self, key: tuple[str, str]) -> simpy.Event:
        event = self._watch.get(key)
        if event is None:
            event = self._watch[key] = self.env.event()
        return event

    def _changed(self, key: tuple[str, str]) -> None:
        if not self._watch:
            return
        event = self._watch.pop(key, None)
        if event is not None:
            event.succeed()

    # ----------------------------------------------------------------- commands

    def _decide(self, command: Decide) -> None:
        record = self.decisions.get(command.decision)
        if record is None:
            known = {d.id for d in self.scenario.decisions}
            if command.decision in known:
                raise CommandError(f"decision {command.decision!r} has not been opened yet")
            raise CommandError(f"unknown decision {command.decision!r}")
        if record.status != "open":
            state = "was already taken" if record.status == "made" else "lapsed at its deadline"
            raise CommandError(f"decision {command.decision!r} {state}")
        if command.role not in record.by:
            raise CommandError(f"role {command.role!r} may not take decision {command.decision!r}")
        _, decision = self.scenario.decision(command.decision)
        option = next((o for o in decision.options if o.id == command.option), None)
        if option is None:
            raise CommandError(f"decision {command.decision!r} has no option {command.option!r}")
        if decision.rationale == "required" and not command.rationale.strip():
            raise CommandError(f"decision {command.decision!r} needs a rationale")
        record.status, record.option, record.role, record.decided_at = "made", option.id, command.role, self.now
        self._emit(DecisionMade, command.role, decision=record.id, option=option.id, rationale=command.rationale)
        assert record.made is not None
        record.made.succeed()
        self._changed(("decision", record.id))
        self._apply(option.effects, f"option:{record.id}/{option.id}")

    def _send_message(self, command: SendMessage) -> None:
        self._check_role(command.role)
        self._check_recipients(command.to)
        to = [r for r in self.scenario.resolve_roles(command.to) if r != command.role]
        if not to:
            raise CommandError("a message needs at least one recipient other than the sender")
        self.messages.append((command.role, tuple(to)))
        self._emit(MessageSent, command.role, to=to, text=command.text, subject=command.subject)
        self._changed(("message", ""))

    def _inject_adhoc(self, command: InjectAdHoc) -> None:
        self._check_recipients(command.to)
        self._adhoc_count += 1
        self._emit(
            InjectDelivered,
            "facilitator",
            inject=f"adhoc-{self._adhoc_count}",
            title=command.title,
            body=command.body,
            sender=command.sender,
            channel=command.channel,
            to=self.scenario.resolve_roles(command.to),
            priority=command.priority,
            category="adhoc",
            adhoc=True,
        )

    def _observe(self, command: Observe) -> None:
        if command.objective is not None:
            self._check_objective(command.objective)
        if command.about is not None:
            self._check_recipients([command.about])
        self._emit(
            Observation,
            "facilitator",
            text=command.text,
            objective=command.objective,
            about=command.about,
            kind=command.kind,
        )

    def _override(self, command: OverrideRating) -> None:
        self._check_objective(command.objective)
        self._emit(
            RatingOverridden, "facilitator", objective=command.objective, rating=command.rating, reason=command.reason
        )

    def _hotwash(self, command: AnswerHotwash) -> None:
        if command.role != "facilitator":
            self._check_role(command.role)
        if command.question not in {q.id for q in self.scenario.hotwash}:
            raise CommandError(f"unknown hot wash question {command.question!r}")
        self._emit(HotwashAnswered, command.role, question=command.question, answer=command.answer)

    def _clock_change(self, command: ChangeClock) -> None:
        span: dict[str, float] = {}
        if command.action == "jump":
            # Where the jump lands: the world's next happening (an urgent or normal SimPy event). A run's
            # stop markers are left out: whether one is queued depends on how the clock was driven.
            ahead = min((t for t, rank, _, _ in self.env._queue if 0 <= rank <= 1), default=math.inf)
            span = {"from_t": self.now, "to_t": min(ahead, float(self.scenario.duration))}
        self._emit(ClockChanged, "facilitator", action=command.action, pace=command.pace, **span)

    def _end_exercise(self, command: EndExercise) -> None:
        self._end(command.reason, "facilitator")

    _handlers: dict[type, Callable[[Exercise, Any], None]] = {
        Decide: _decide,
        SendMessage: _send_message,
        InjectAdHoc: _inject_adhoc,
        Observe: _observe,
        OverrideRating: _override,
        AnswerHotwash: _hotwash,
        ChangeClock: _clock_change,
        EndExercise: _end_exercise,
    }

    def _check_role(self, role: str) -> None:
        if role not in self._team_of:
            raise CommandError(f"unknown role {role!r}")

    def _check_recipients(self, ids: list[str]) -> None:
        for actor in ids:
            if actor != "all" and actor not in self._team_of and actor not in {t.id for t in self.scenario.teams}:
                raise CommandError(f"unknown role or team {actor!r}")

    def _check_objective(self, objective: str) -> None:
        if objective not in {o.id for o in self.scenario.objectives}:
            raise CommandError(f"unknown objective {objective!r}")

    # ----------------------------------------------------------------- log

    def _emit(self, cls: type[EventBase], actor: str, **payload: Any) -> None:
        self._record(cls, actor, payload)

    def _record(self, cls: type[EventBase], actor: str, payload: dict[str, Any]) -> None:
        # Engine-built events skip re-validation: the engine is their only author and this is the
        # hot path of every simulation.
        values = {
            "seq": len(self.events) + 1,
            "t": self.env.now,
            "wall": self._clock(),
            "actor": actor,
            "type": EVENT_TYPE_NAMES[cls],
        }
        values.update(payload)
        self._append(build_event(cls, values))

    def _append(self, event: EventBase) -> None:
        if self._sink is not None:
            self._sink(event)
        self.events.append(event)

    def _flush(self) -> None:
        # Settle everything the last change set in motion at the current instant.
        env = self.env
        while not self.ended and env.peek() <= env.now:
            env.step()
