"""A live exercise session: an Exercise paced on an asyncio loop, with one API for every console."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
from simulator.diagnostics import ScenarioError
from simulator.engine import CommandError, DecisionRecord, Exercise
from simulator.events import ClockChanged, DecisionTimedOut, EventBase, InjectDelivered
from simulator.loader import LoadedScenario, load_text
from simulator.replay import ReplayError, replay
from simulator.simulation import log_meta
from simulator.store import EventStore, LogError
from simulator.visibility import FACILITATOR, can_see

Subscriber = Callable[[list[EventBase]], None]

PACES: tuple[float, ...] = (1.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
"""Speed presets, in scenario seconds per real second (60 = one scenario minute per second)."""

JUMP_LEGS = 50
"""At most this many legs a jump: a world that ticks every few seconds still answers the key at once
(pressing it again goes on from where it stopped)."""

_ROLE_COMMANDS = (Decide, SendMessage, AnswerHotwash)
_CONTROL_COMMANDS = (InjectAdHoc, Observe, OverrideRating, ChangeClock, EndExercise)


class NotAllowed(CommandError):
    """A viewer asked for something only someone else may do."""


class ResumeError(Exception):
    """A log that cannot be continued with this scenario: another scenario, a changed file, damage."""


class ManualClock:
    """A real-time clock that only moves when told: for tests and stable screenshots."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def step(self, seconds: float) -> None:
        """Let `seconds` of real time pass."""
        self.now += seconds


@dataclass(frozen=True)
class MselRow:
    """One line of the master scenario events list as exercise control sees it."""

    inject: str
    title: str
    to: list[str]
    channel: str
    priority: str
    category: str
    at: float | None
    """Scenario time it is due (timed injects) or was delivered; None for a pending conditional."""
    status: str
    """delivered | upcoming | conditional | cancelled"""
    decision: str | None


class Session:
    """Owns an Exercise and its log and paces it in real time.

    Commands go in through `submit(actor, command)`; events come out to subscribers, each seeing
    only what its viewer may see. Every event is in the log before any subscriber hears of it.
    """

    def __init__(
        self,
        loaded: LoadedScenario,
        *,
        log: str | Path | None = None,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        pace: float | None = None,
        resume: bool = False,
        force: bool = False,
    ) -> None:
        """A new exercise logged to `log`, or with `resume` the one already in `log`, continued paused.

        Resuming replays the log on the scenario (refusing a log of another scenario, a changed
        scenario file unless `force`, or a damaged log, with ResumeError) and then appends to it.
        """
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.log_path = Path(log) if log is not None else None
        self.resumed: int | None = None
        """How many logged events a resumed session started from; None for a new exercise."""
        self._store: EventStore | None = None
        self._task: asyncio.Task[None] | None = None
        self.pace = float(pace if pace is not None else loaded.scenario.pace)
        if resume:
            if log is None:
                raise ResumeError("resuming needs the log file of the exercise")
            self.exercise = self._reopen(Path(log), seed, wall, force, pace)
        else:
            seed = 0 if seed is None else seed
            if log is not None:
                self._store = EventStore.create(log, log_meta(loaded, seed, mode="room"))
            self.exercise = Exercise(loaded.scenario, seed=seed, sink=self._sink, clock=wall, sha256=loaded.sha256)
        self._clock = clock
        self.running = False
        self._base_t = self.exercise.now
        self._base_real = clock()
        self._pending: list[EventBase] = []
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._wake = asyncio.Event()
        if self.resumed and self.started and not self.ended and self._was_running():
            # The clock stopped when the process did; say so in the log before anything else happens.
            self.exercise.submit(ChangeClock(action="pause", pace=self.pace))

    def _reopen(
        self, path: Path, seed: int | None, wall: Callable[[], float], force: bool, pace: float | None
    ) -> Exercise:
        if not path.exists():
            raise ResumeError(f"{path}: no such log file")
        try:
            self._store = EventStore(path)
            meta = self._store.meta()
            events = self._store.events()
        except (LogError, sqlite3.DatabaseError) as exc:
            self.close()
            raise ResumeError(str(exc) if isinstance(exc, LogError) else f"{path}: damaged log ({exc})") from None
        try:
            logged_seed = self._check_meta(path, meta, seed, force)
        except ResumeError:
            self.close()
            raise
        self.resumed = len(events)
        if not events:
            # Created but never started: carry on as a fresh exercise in the same file.
            return Exercise(self.scenario, seed=logged_seed, sink=self._sink, clock=wall, sha256=self.loaded.sha256)
        try:
            exercise = replay(self.loaded, events, seed=logged_seed, sink=self._sink, clock=wall)
        except ReplayError as exc:
            self.close()
            raise ResumeError(f"{path}: {exc}") from None
        if pace is None:
            last = next((e for e in reversed(events) if isinstance(e, ClockChanged)), None)
            if last is not None:
                self.pace = last.pace
        return exercise

    def _check_meta(self, path: Path, meta: dict[str, str], seed: int | None, force: bool) -> int:
        logged_id = meta.get("scenario_id")
        if logged_id is not None and logged_id != self.scenario.id:
            raise ResumeError(f"{path} is a log of scenario {logged_id!r}, not {self.scenario.id!r}")
        try:
            logged_seed = int(meta.get("seed", "0"))
        except ValueError:
            raise ResumeError(f"{path}: damaged log (seed {meta.get('seed')!r} is not a number)") from None
        if seed is not None and seed != logged_seed:
            raise ResumeError(f"{path} was run with seed {logged_seed}, not {seed}; leave out --seed to resume it")
        logged_sha = meta.get("scenario_sha256")
        if logged_sha and logged_sha != self.loaded.sha256:
            if not force:
                raise ResumeError(
                    f"{self.loaded.path} has changed since {path} was written "
                    f"(sha256 {self.loaded.sha256[:12]}…, the log was started with {logged_sha[:12]}…); "
                    "restore the original file, or add --force to continue with the version stored in the log"
                )
            self._use_logged_scenario(path, meta)
        return logged_seed

    def _use_logged_scenario(self, path: Path, meta: dict[str, str]) -> None:
        # The exercise must go on as it began: with the scenario text it was started with, which
        # the log keeps, so that reports and later replays read the same scenario.
        source = meta.get("scenario_source")
        if not source:
            raise ResumeError(f"{path} holds no copy of its scenario to continue with")
        try:
            loaded = load_text(source, meta.get("scenario_path") or str(path), sha256=meta.get("scenario_sha256"))
        except ScenarioError as exc:
            raise ResumeError(f"{path}: the scenario stored in the log is not valid ({exc.problems[0]})") from None
        self.loaded, self.scenario = loaded, loaded.scenario

    def _was_running(self) -> bool:
        last = next((e for e in reversed(self.exercise.events) if isinstance(e, ClockChanged)), None)
        return last is not None and last.action != "pause"

    # ----------------------------------------------------------------- reading

    @property
    def started(self) -> bool:
        """Whether the exercise has begun."""
        return self.exercise.started

    @property
    def ended(self) -> bool:
        """Whether the exercise is over."""
        return self.exercise.ended

    @property
    def status(self) -> str:
        """ready | running | paused | ended"""
        if self.exercise.ended:
            return "ended"
        if not self.exercise.started:
            return "ready"
        return "running" if self.running else "paused"

    def scenario_time(self) -> float:
        """Scenario time the clock shows now: the engine's time plus real time elapsed at the pace."""
        if not self.running:
            return max(self._base_t, self.exercise.now)
        elapsed = (self._clock() - self._base_real) * self.pace
        return min(self._base_t + elapsed, float(self.scenario.duration))

    def events_for(self, viewer: str) -> list[EventBase]:
        """Every event so far that `viewer` may see."""
        return [e for e in self.exercise.events if can_see(self.scenario, viewer, e)]

    def state_for(self, viewer: str) -> dict[str, float]:
        """The world state `viewer` may see."""
        return self.exercise.visible_state(None if viewer == FACILITATOR else viewer)

    def decisions_for(self, viewer: str) -> list[DecisionRecord]:
        """Decisions opened so far that `viewer` may take (all of them for the facilitator)."""
        records = list(self.exercise.decisions.values())
        if viewer == FACILITATOR:
            return records
        return [r for r in records if viewer in r.by]

    def decision_record(self, decision_id: str) -> DecisionRecord | None:
        """Where a decision stands, or None if it has not been opened (the same for a RemoteSession)."""
        return self.exercise.decisions.get(decision_id)

    def msel(self) -> list[MselRow]:
        """The scripted injects with where each stands, for exercise control."""
        exercise = self.exercise
        rows = []
        for inject in self.scenario.injects:
            if inject.id in exercise.delivered:
                status, at = "delivered", exercise.delivered[inject.id]
            elif inject.id in exercise.cancelled:
                status, at = "cancelled", inject.at
            elif inject.at is not None:
                status, at = "upcoming", inject.at
            else:
                status, at = "conditional", None
            rows.append(
                MselRow(
                    inject.id,
                    inject.title,
                    self.scenario.resolve_roles(inject.to),
                    inject.channel,
                    inject.priority,
                    inject.category,
                    at,
                    status,
                    inject.decision.id if inject.decision is not None else None,
                )
            )
        return rows

    def subscribe(self, viewer: str, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` with each batch of new events `viewer` may see; returns an unsubscribe."""
        entry = (viewer, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(entry)

        return unsubscribe

    # ----------------------------------------------------------------- clock

    def start(self) -> list[EventBase]:
        """Begin the exercise and the clock."""
        events = self.exercise.start()
        self.running = True
        self._rebase(0.0)
        events += self.exercise.submit(ChangeClock(action="start", pace=self.pace))
        return self._publish(events)

    def pause(self) -> list[EventBase]:
        """Stop the clock (scenario time holds)."""
        if not self.running or self.ended:
            return []
        events = self._catch_up()
        self._rebase(self.exercise.now)
        self.running = False
        return self._publish(events + self.exercise.submit(ChangeClock(action="pause", pace=self.pace)))

    def resume(self) -> list[EventBase]:
        """Restart the clock after a pause."""
        if self.running or self.ended or not self.started:
            return []
        self.running = True
        self._rebase(self.exercise.now)
        return self._publish(self.exercise.submit(ChangeClock(action="resume", pace=self.pace)))

    def toggle(self) -> list[EventBase]:
        """Start, pause or resume, whichever fits."""
        if not self.started:
            return self.start()
        return self.pause() if self.running else self.resume()

    def set_pace(self, pace: float) -> list[EventBase]:
        """Change the speed: scenario seconds per real second."""
        if pace <= 0:
            raise CommandError("the pace must be positive")
        events = self._catch_up() if self.started else []
        self._rebase(self.exercise.now)
        self.pace = float(pace)
        if not self.started or self.ended:
            return self._publish(events)
        return self._publish(events + self.exercise.submit(ChangeClock(action="pace", pace=self.pace)))

    def faster(self) -> list[EventBase]:
        """The next speed preset up."""
        return self.set_pace(next((p for p in PACES if p > self.pace), self.pace))

    def slower(self) -> list[EventBase]:
        """The next speed preset down."""
        return self.set_pace(next((p for p in reversed(PACES) if p < self.pace), self.pace))

    def jump_to_next(self) -> list[EventBase]:
        """Skip ahead to the next inject delivered or deadline lapsed (or the end).

        The jump goes in legs, each logged as a `jump` clock change from where it left (`from_t`)
        to the next scheduled happening (`to_t`), landing exactly there: the world's dynamics tick
        in between, and a leg that brings only their state changes is followed by the next. Each
        leg's target is the engine's own next scheduled time, so replaying the log lands on it too.
        """
        if not self.started or self.ended:
            return []
        events = self._catch_up()
        for _ in range(JUMP_LEGS):
            if self.ended:
                break
            events += self.exercise.submit(ChangeClock(action="jump", pace=self.pace))
            target = events[-1].to_t if isinstance(events[-1], ClockChanged) else None
            if target is None:
                break
            batch = self.exercise.advance(target)
            events += batch
            if any(isinstance(e, InjectDelivered | DecisionTimedOut) for e in batch):
                break
        self._rebase(self.exercise.now)
        return self._publish(events)

    def tick(self) -> list[EventBase]:
        """Bring the engine up to the clock's scenario time; returns (and publishes) what happened."""
        return self._publish(self._catch_up())

    # ----------------------------------------------------------------- commands

    def submit(self, actor: str, command: CommandBase) -> list[EventBase]:
        """Carry out a command for `actor` (a role id or "facilitator"); raises CommandError."""
        self.check_allowed(actor, command)
        events = self._catch_up()
        try:
            events += self.exercise.submit(command)
        finally:
            self._publish(events)
        if self.ended:
            self.running = False
        return [e for e in events if can_see(self.scenario, actor, e)]

    async def send(self, actor: str, command: CommandBase) -> list[EventBase]:
        """`submit`, awaitable: the command path a console shares with a RemoteSession, whose commands travel."""
        return self.submit(actor, command)

    def check_allowed(self, actor: str, command: CommandBase) -> None:
        """Raise NotAllowed unless `actor` may issue `command`."""
        if isinstance(command, _CONTROL_COMMANDS):
            if actor != FACILITATOR:
                raise NotAllowed(f"only exercise control may {command.type.replace('_', ' ')}")
            return
        if isinstance(command, _ROLE_COMMANDS):
            role = command.role
            if actor == role:
                return
            if isinstance(command, AnswerHotwash) and actor == FACILITATOR and role == FACILITATOR:
                return
            raise NotAllowed(f"{actor!r} may not act as {role!r}")
        raise NotAllowed(f"unknown command {type(command).__name__}")

    # ----------------------------------------------------------------- pacing

    async def run(self) -> None:
        """Pace the exercise until it ends: advance to the clock, then sleep until the next event or a wake-up."""
        while not self.ended:
            self.tick()
            # Cleared after the tick: publishing sets it, and nothing else runs in between.
            self._wake.clear()
            if self.ended:
                break
            timeout: float | None = None
            if self.running:
                upcoming = min(self.exercise.next_time(), float(self.scenario.duration))
                timeout = max(0.0, (upcoming - self.scenario_time()) / self.pace) if not math.isinf(upcoming) else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def launch(self) -> asyncio.Task[None]:
        """Start the pacing task on the running loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    def wake(self) -> None:
        """Make the pacing task look at the clock again now."""
        self._wake.set()

    def close(self) -> None:
        """Stop pacing and close the log."""
        if self._task is not None:
            self._task.cancel()
        if self._store is not None:
            self._store.close()
            self._store = None

    # ----------------------------------------------------------------- internals

    def _rebase(self, t: float) -> None:
        self._base_t = t
        self._base_real = self._clock()

    def _catch_up(self) -> list[EventBase]:
        if not self.started or self.ended:
            return []
        target = self.scenario_time()
        if target <= self.exercise.now and self.exercise.next_time() > target:
            return []
        return self.exercise.advance(max(target, self.exercise.now))

    def _sink(self, event: EventBase) -> None:
        # Durable first: the event is committed before any console is told.
        if self._store is not None:
            self._store.append(event)

    def _publish(self, events: list[EventBase]) -> list[EventBase]:
        if events:
            for viewer, callback in list(self._subscribers):
                seen = events if viewer == FACILITATOR else [e for e in events if can_see(self.scenario, viewer, e)]
                if seen:
                    callback(seen)
        self._wake.set()
        return events
