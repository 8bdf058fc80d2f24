"""The participant's side of networked play: a RemoteSession reads like a Session, over a websocket.

`RemoteSession.join(url, token)` says hello to an exercise server (simulator/net/protocol.py is the
wire contract), takes its welcome — the role, what the role may know of the scenario, the role's
share of the log and the clock — and from then on keeps a background task reading what the server
pushes. The consoles read it through the same API as an in-process `Session` (`scenario`,
`events_for`, `state_for`, `decisions_for`, `subscribe`, `scenario_time`, …); everything is rebuilt
on this side from the events the role may see, so nothing the role may not know ever has to be sent.

Commands go through `await send(actor, command)` (which `Session` offers too), and return only once
the server's `ack` says the command's events are in the log. A connection that drops is reopened
with backoff, asking only for the events after the last one held; a command whose answer was lost
with the connection raises `ConnectionLost`, since it may or may not have been recorded.

Whatever the server sends, the reader carries on: a message that is not valid protocol, or an event
that does not validate, is skipped with a warning on the `tabletop.net` logger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable
from typing import Any, Literal

import pydantic
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from simulator.commands import AnswerHotwash, CommandBase, Decide, SendMessage
from simulator.engine import CommandError, DecisionRecord
from simulator.events import (
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    EventBase,
    ExerciseEnded,
    ExerciseStarted,
    StateChanged,
    parse_event,
)
from simulator.net import protocol
from simulator.net.protocol import (
    CLOSE_BAD_TOKEN,
    CLOSE_PROTOCOL,
    CLOSE_REASONS,
    Ack,
    Clock,
    ClockMessage,
    CommandMessage,
    Error,
    Events,
    Hello,
    ProtocolError,
    Refused,
    Welcome,
    decode_server,
    encode,
)
from simulator.net.view import rebuild
from simulator.schema import Scenario
from simulator.session import NotAllowed, Subscriber

log = logging.getLogger("tabletop.net")

# Module-level so tests (and an operator with unusual links) can tune them; read at use, not import.
BACKOFF_FIRST = 0.5
"""Seconds before the first attempt to reconnect; each failed attempt doubles it, up to BACKOFF_MAX."""

BACKOFF_MAX = 5.0
"""Longest wait between two attempts to reconnect (they go on until the session is closed)."""

OPEN_SECONDS = 10.0
"""Longest the opening handshake may take, and again the hello until the welcome and its backlog."""

COMMAND_SECONDS = 30.0
"""Longest a command waits for its answer on a connection that stays open."""

PING_SECONDS = 20.0
"""Keepalive ping interval and timeout: a server that vanished without closing is noticed within twice this."""

CLOSE_SECONDS = 5.0
"""Longest the closing handshake may take before the connection is simply dropped."""

_FINAL = frozenset({CLOSE_BAD_TOKEN, CLOSE_PROTOCOL})
"""Refusals that asking again cannot change: the session stops instead of reconnecting."""

_PARTICIPANT_COMMANDS = (Decide, SendMessage, AnswerHotwash)
"""What the protocol lets a participant ask for (the clock and evaluation stay with exercise control)."""

Connection = Literal["connected", "reconnecting", "lost", "closed"]


class JoinError(Exception):
    """The exercise could not be joined; the text says why, for the participant."""


class ConnectionLost(CommandError):
    """A command whose answer never came: it may or may not have been recorded."""


class _Failure(Exception):
    """A connection attempt that failed; `final` when trying again cannot help."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final


class RemoteSession:
    """A participant's view of an exercise played on a server, read like a Session.

    Made by `join()`. `connection` is connected, reconnecting, lost (the server refused the token
    or the protocol, or now runs another exercise; `connection_reason` says which) or closed (by
    `close()`). `status` is the exercise's clock as last heard from the server; once the connection
    is lost or closed, the clock holds where it was.
    """

    def __init__(
        self,
        url: str,
        token: str,
        welcome: Welcome,
        scenario: Scenario,
        *,
        clock: Callable[[], float],
        on_change: Callable[[], None] | None,
    ) -> None:
        # Made by join(), which has already checked that the welcome's view rebuilds into `scenario`.
        self.url = url
        self._token = token
        self.role = welcome.role
        """The role this session plays (the server's word for the token)."""
        self.exercise_id = welcome.exercise
        """The exercise first joined: a server that later welcomes us to another one is not followed."""
        self._view = welcome.view
        self._stubs: dict[str, dict[str, Any]] = dict(welcome.decisions)
        self.scenario = scenario
        """What the role may know of the scenario: the view, plus a stub for each decision opened for it."""
        self.resumed: int | None = None
        """Always None: resuming is the server's business."""
        self.log_path = None
        """Always None: the log is on the server."""
        self._now = clock
        self._on_change = on_change
        self._events: list[EventBase] = []
        self._by_seq: dict[int, EventBase] = {}
        self._last_seq = 0
        self._state = {name: float(var.initial) for name, var in scenario.state.items()}
        self._decisions: dict[str, DecisionRecord] = {}
        self._started = False
        self._ended = False
        self._clock = welcome.clock
        self._clock_at = clock()
        self.connection: Connection = "connected"
        self.connection_reason: str | None = None
        """Why the connection is reconnecting, lost or closed; None while connected."""
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._pending: dict[int, asyncio.Future[list[EventBase]]] = {}
        self._ref = 0
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._closing = False
        self._take_events(welcome.events)

    # ----------------------------------------------------------------- joining

    @classmethod
    async def join(
        cls,
        url: str,
        token: str,
        *,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> RemoteSession:
        """Join the exercise at `url` (ws://HOST:PORT) with a role's token; raises JoinError.

        Returns once the welcome and the whole backlog are in, reading on in a background task.
        `on_change` is called after anything changed: events, the clock or the connection.
        """
        try:
            ws, welcome, rest = await _handshake(url, token, since=0)
        except _Failure as exc:
            raise JoinError(exc.reason) from None
        try:
            scenario = rebuild(welcome.view, list(welcome.decisions.values()))
        except (pydantic.ValidationError, ValueError, KeyError, TypeError) as exc:
            await _close(ws)
            raise JoinError(
                f"the exercise server at {url} sent a scenario this client cannot read ({str(exc).splitlines()[0][:200]})"
            ) from None
        session = cls(url, token, welcome, scenario, clock=clock, on_change=on_change)
        for message in rest:
            session._take(message)
        session._ws = ws
        session.launch()
        return session

    # ----------------------------------------------------------------- reading

    @property
    def viewer(self) -> str:
        """The viewer id of this session's console: its role."""
        return self.role

    @property
    def started(self) -> bool:
        """Whether the exercise has begun."""
        return self._started or self._clock.status != "ready"

    @property
    def ended(self) -> bool:
        """Whether the exercise is over."""
        return self._ended or self._clock.status == "ended"

    @property
    def status(self) -> str:
        """ready | running | paused | ended, as last heard from the server."""
        if self.ended:
            return "ended"
        if not self.started:
            return "ready"
        # A clock still "ready" after the start event can only be a server's slip: it does not run.
        return "paused" if self._clock.status == "ready" else self._clock.status

    @property
    def running(self) -> bool:
        """Whether the clock runs here: the server's runs, and this session still hears from it."""
        return self.status == "running" and self.connection in ("connected", "reconnecting")

    @property
    def pace(self) -> float:
        """Scenario seconds per real second."""
        return self._clock.pace

    def scenario_time(self) -> float:
        """Scenario time now: the server's last word on the clock, run on at the pace while it runs."""
        if not self.running:
            return self._clock.t
        elapsed = (self._now() - self._clock_at) * self._clock.pace
        return min(self._clock.t + elapsed, float(self.scenario.duration))

    def events_for(self, viewer: str) -> list[EventBase]:
        """Every event so far that `viewer` (this session's role) may see."""
        self._check_viewer(viewer)
        return list(self._events)

    def state_for(self, viewer: str) -> dict[str, float]:
        """The world state `viewer` (this session's role) may see."""
        self._check_viewer(viewer)
        return dict(self._state)

    def decisions_for(self, viewer: str) -> list[DecisionRecord]:
        """Decisions opened so far that `viewer` (this session's role) may take."""
        self._check_viewer(viewer)
        return [r for r in self._decisions.values() if viewer in r.by]

    def decision_record(self, decision_id: str) -> DecisionRecord | None:
        """Where a decision stands, or None if none opened for this role."""
        return self._decisions.get(decision_id)

    def subscribe(self, viewer: str, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` with each batch of new events, and with [] when only the clock or connection changed.

        Returns an unsubscribe.
        """
        self._check_viewer(viewer)
        entry = (viewer, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(entry)

        return unsubscribe

    def _check_viewer(self, viewer: str) -> None:
        if viewer != self.role:
            raise NotAllowed(f"this session plays {self.role!r}; it holds nothing for {viewer[:64]!r}")

    # ----------------------------------------------------------------- commands

    async def send(self, actor: str, command: CommandBase) -> list[EventBase]:
        """Carry out a command of this session's role; returns its events once they are in the server's log.

        Raises NotAllowed (for another actor, or a command only exercise control may give) without
        sending anything, CommandError with the server's reason if it refused, and ConnectionLost if
        the connection went before the answer came.
        """
        if actor != self.role:
            raise NotAllowed(f"this session plays {self.role!r}, not {actor[:64]!r}")
        if not isinstance(command, _PARTICIPANT_COMMANDS):
            raise NotAllowed(f"only exercise control may {getattr(command, 'type', 'do that').replace('_', ' ')}")
        if command.role != actor:
            raise NotAllowed(f"{actor!r} may not act as {command.role[:64]!r}")
        ws = self._ws
        if ws is None or self.connection != "connected":
            # Nothing has gone out, so the participant may simply try again.
            raise CommandError(f"not connected to the exercise server ({self.connection}); nothing was sent")
        self._ref += 1
        ref = self._ref
        data = encode(CommandMessage(ref=ref, command=command))
        if len(data.encode()) > protocol.MAX_MESSAGE_BYTES:
            # The server would close the connection on it (1009) rather than refuse it.
            raise CommandError("the message is too long to send")
        answer: asyncio.Future[list[EventBase]] = asyncio.get_running_loop().create_future()
        # Registered before it goes out: the answer may be read before send() returns.
        self._pending[ref] = answer
        try:
            try:
                await ws.send(data)
            except ConnectionClosed:
                raise _lost() from None
            try:
                async with asyncio.timeout(COMMAND_SECONDS):
                    return await answer
            except TimeoutError:
                raise ConnectionLost(
                    f"no answer from the exercise server within {COMMAND_SECONDS:g} s: the command may or may not "
                    "have been recorded; the action log will show it once the server answers again"
                ) from None
        finally:
            self._pending.pop(ref, None)

    # ----------------------------------------------------------------- lifecycle

    def launch(self) -> asyncio.Task[None] | None:
        """Make sure the background reader runs (join() starts it; a closed or lost session stays so)."""
        if self._closing or self.connection == "lost":
            return self._task
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self._task

    def close(self) -> None:
        """Leave the exercise: stop reading and reconnecting, and close the connection (in the background).

        Callable without a running event loop (after the app has ended): the socket is then dropped.
        """
        if self._closing:
            return
        self._closing = True
        self._hold_clock()
        if self.connection != "lost":
            self.connection, self.connection_reason = "closed", "this client left the exercise"
        self._fail_pending()
        ws, self._ws = self._ws, None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._task is not None and not self._task.done():
            # The task's loop may be closed already (a close after the app ended): then nothing runs anyway.
            with contextlib.suppress(RuntimeError):
                self._task.cancel()
        if ws is None:
            return
        if loop is not None:
            self._closer = loop.create_task(_close(ws))
        else:
            with contextlib.suppress(Exception):
                ws.transport.abort()

    async def aclose(self) -> None:
        """close(), and wait until the connection is closed."""
        self.close()
        for task in (self._task, self._closer):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # ----------------------------------------------------------------- reading the connection

    async def _run(self) -> None:
        """Read until the connection closes; then reconnect, until closed or refused for good."""
        try:
            while not self._closing:
                ws = self._ws
                if ws is None:
                    if not await self._reconnect():
                        return
                    continue
                await self._read(ws)
        except Exception as exc:
            # Not foreseen: say so where the console shows the connection, rather than die in silence.
            log.exception("the remote session's reader failed")
            if self._ws is not None:
                self._ws.transport.abort()
            self._lose(f"this client failed ({type(exc).__name__}); join again")

    async def _read(self, ws: ClientConnection) -> None:
        """Take in messages until the connection closes, then decide: reconnect, stop or nothing (closing)."""
        try:
            while True:
                self._receive(await ws.recv())
        except ConnectionClosed as exc:
            closed = exc
        if self._closing:
            return
        self._ws = None
        self._fail_pending()
        code = closed.rcvd.code if closed.rcvd is not None else None
        reason = _closed_reason(code)
        if code in _FINAL:
            self._lose(reason)
            return
        log.info("connection to %s closed (code %s); reconnecting", self.url, code)
        self._set_connection("reconnecting", reason)

    async def _reconnect(self) -> bool:
        """Open a new connection with backoff; whether play goes on (False: lost or closed)."""
        delay = BACKOFF_FIRST
        while not self._closing:
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)
            try:
                ws, welcome, rest = await _handshake(self.url, self._token, since=self._last_seq)
            except _Failure as exc:
                if exc.final:
                    self._lose(exc.reason)
                    return False
                log.info("reconnecting to %s: %s", self.url, exc.reason)
                if exc.reason != self.connection_reason:
                    self._set_connection("reconnecting", exc.reason)
                continue
            if self._closing:
                await _close(ws)
                return False
            if welcome.exercise != self.exercise_id or welcome.role != self.role:
                await _close(ws)
                if welcome.exercise != self.exercise_id:
                    self._lose("the server now runs a different exercise")
                else:
                    self._lose(f"the token now plays {welcome.role[:64]!r}, not {self.role!r}")
                return False
            self._ws = ws
            events = self._take(welcome)
            for message in rest:
                events += self._take(message)
            log.info("reconnected to %s as %s (%d new events)", self.url, self.role, len(events))
            self.connection, self.connection_reason = "connected", None
            self._notify(events)
            return True
        return False

    def _receive(self, raw: str | bytes) -> None:
        """One message from the server; never raises, whatever it holds."""
        try:
            message = decode_server(raw)
        except ProtocolError as exc:
            log.warning("ignored a message from %s: %s", self.url, str(exc)[:200])
            return
        try:
            if isinstance(message, Ack | Refused):
                self._answer(message)
            elif isinstance(message, Error):
                self._error(message)
            elif isinstance(message, Welcome):
                log.warning("ignored a second welcome from %s", self.url)
            else:
                before = (self._clock.status, self._clock.pace, self.scenario_time())
                events = self._take(message)
                if events or self._clock_moved(before):
                    self._notify(events)
        except Exception:
            # A bug here must not stop the reader: the next message may well be fine.
            log.exception("could not take in a %s message from %s", message.type, self.url)

    def _take(self, message: Welcome | Events | ClockMessage) -> list[EventBase]:
        """The message's clock, stubs and events taken in; returns the events that were new."""
        self._set_clock(message.clock)
        if isinstance(message, ClockMessage):
            return []
        # Stubs first: an event that opens a decision finds it in the scenario.
        self._take_stubs(message.decisions)
        return self._take_events(message.events)

    def _take_stubs(self, stubs: dict[str, dict[str, Any]]) -> None:
        added = {key: stub for key, stub in stubs.items() if self._stubs.get(key) != stub}
        if not added:
            return
        merged = {**self._stubs, **added}
        try:
            scenario = rebuild(self._view, list(merged.values()))
        except (pydantic.ValidationError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignored decision stubs %s from %s: %s", sorted(added)[:5], self.url, str(exc)[:200])
            return
        self._stubs, self.scenario = merged, scenario

    def _take_events(self, raw_events: list[dict[str, Any]]) -> list[EventBase]:
        new: list[EventBase] = []
        for data in raw_events:
            try:
                event = parse_event(data)
            except pydantic.ValidationError as exc:
                log.warning("ignored an invalid event from %s: %s", self.url, str(exc).splitlines()[0][:200])
                continue
            if event.seq <= self._last_seq:
                # Already held (the log only grows, so an older number is a repeat).
                continue
            self._apply(event)
            new.append(event)
        return new

    def _apply(self, event: EventBase) -> None:
        self._events.append(event)
        self._by_seq[event.seq] = event
        self._last_seq = event.seq
        if isinstance(event, ExerciseStarted):
            self._started = True
        elif isinstance(event, ExerciseEnded):
            self._ended = True
        elif isinstance(event, StateChanged):
            if event.var in self._state:
                self._state[event.var] = event.value
        elif isinstance(event, DecisionOpened):
            self._decisions[event.decision] = DecisionRecord(
                event.decision, event.inject, list(event.by), event.t, event.deadline
            )
        elif isinstance(event, DecisionMade):
            record = self._decisions.get(event.decision)
            if record is not None:
                record.status, record.option = "made", event.option
                record.role, record.decided_at = event.actor, event.t
        elif isinstance(event, DecisionTimedOut):
            record = self._decisions.get(event.decision)
            if record is not None:
                record.status = "timed_out"

    def _answer(self, message: Ack | Refused) -> None:
        answer = self._pending.get(message.ref)
        if answer is None or answer.done():
            log.warning("ignored an answer from %s to no command waiting (ref %d)", self.url, message.ref)
            return
        if isinstance(message, Refused):
            answer.set_exception(CommandError(message.reason))
            return
        missing = [seq for seq in message.seqs if seq not in self._by_seq]
        if missing:
            log.warning("the ack from %s names events it never sent: %s", self.url, missing[:10])
        answer.set_result([self._by_seq[seq] for seq in message.seqs if seq in self._by_seq])

    def _error(self, message: Error) -> None:
        if message.fatal:
            # The close follows, and its code decides what happens next; the reason is worth keeping.
            log.warning("the exercise server at %s gave up on this connection: %s", self.url, message.reason[:200])
            self.connection_reason = message.reason
            return
        # The server answers a connection's messages one by one, in order, and after the hello
        # this client sends only commands: an error is the answer to the oldest one still waiting.
        waiting = next((f for f in self._pending.values() if not f.done()), None)
        log.warning("the exercise server at %s could not read a message: %s", self.url, message.reason[:200])
        if waiting is not None:
            waiting.set_exception(CommandError(f"the exercise server could not read the command: {message.reason}"))

    # ----------------------------------------------------------------- clock and connection state

    def _set_clock(self, clock: Clock) -> None:
        self._clock = clock
        self._clock_at = self._now()

    def _clock_moved(self, before: tuple[str, float, float]) -> bool:
        """Whether a new clock differs from what this side showed: another status or pace, or a jump."""
        status, pace, shown = before
        # Within a scenario second is drift, not news: the clock on the screen shows seconds at best.
        return status != self._clock.status or pace != self._clock.pace or abs(shown - self._clock.t) >= 1.0

    def _hold_clock(self) -> None:
        # From here the clock no longer runs on this side: keep the time it showed.
        if self.running:
            self._clock = self._clock.model_copy(update={"t": self.scenario_time()})
            self._clock_at = self._now()

    def _set_connection(self, state: Connection, reason: str | None) -> None:
        if (state, reason) == (self.connection, self.connection_reason):
            return
        self.connection, self.connection_reason = state, reason
        self._notify([])

    def _lose(self, reason: str) -> None:
        log.warning("stopped following the exercise at %s: %s", self.url, reason)
        self._hold_clock()
        self._ws = None
        self._fail_pending()
        self._set_connection("lost", reason)

    def _fail_pending(self) -> None:
        for answer in self._pending.values():
            if not answer.done():
                answer.set_exception(_lost())

    def _notify(self, events: list[EventBase]) -> None:
        for _, callback in list(self._subscribers):
            try:
                callback(list(events))
            except Exception:
                # One console's bug must not stop the others, nor the reader.
                log.exception("a subscriber of the remote session failed")
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("the on_change callback of the remote session failed")


# --------------------------------------------------------------------------- helpers

_LOST = (
    "the connection to the exercise server dropped before it answered: the command may or may not have been "
    "recorded; the action log will show it after reconnecting"
)


def _lost() -> ConnectionLost:
    return ConnectionLost(_LOST)


def _closed_reason(code: int | None) -> str:
    if code in CLOSE_REASONS:
        return CLOSE_REASONS[code]
    if code is None or code == 1006:
        return "the connection to the exercise server dropped"
    if code == 1009:
        return "the exercise server sent a message larger than this client accepts"
    return f"the exercise server closed the connection (code {code})"


async def _handshake(url: str, token: str, since: int) -> tuple[ClientConnection, Welcome, list[Events | ClockMessage]]:
    """Connect, say hello, and read the welcome and the rest of its backlog; raises _Failure."""
    ws = await _connect(url)
    try:
        return ws, *await _greet(ws, url, token, since)
    except _Failure:
        await _close(ws)
        raise
    except BaseException:
        # Cancelled (close() while reconnecting): nothing can be awaited any more, so drop the socket.
        ws.transport.abort()
        raise


async def _connect(url: str) -> ClientConnection:
    where = f"no exercise server at {url}"
    try:
        return await connect(
            url,
            max_size=protocol.MAX_MESSAGE_BYTES,
            # No per-message deflate, as on the server: small JSON on a local network.
            compression=None,
            open_timeout=OPEN_SECONDS,
            ping_interval=PING_SECONDS,
            ping_timeout=PING_SECONDS,
            close_timeout=CLOSE_SECONDS,
            logger=protocol.websockets_logger("client"),
        )
    except InvalidURI:
        raise _Failure(f"{url} is not a websocket address (ws://HOST:PORT)", final=True) from None
    except ConnectionRefusedError:
        raise _Failure(f"{where}: connection refused") from None
    except socket.gaierror:
        raise _Failure(f"{where}: the host name cannot be found") from None
    except TimeoutError:
        raise _Failure(f"{where}: no answer within {OPEN_SECONDS:g} s") from None
    except InvalidHandshake as exc:
        raise _Failure(f"{where}: something answered there, but not an exercise server ({exc})") from None
    except OSError as exc:
        raise _Failure(f"{where}: {exc.strerror or exc}") from None


async def _greet(ws: ClientConnection, url: str, token: str, since: int) -> tuple[Welcome, list[Events | ClockMessage]]:
    fatal: str | None = None
    rest: list[Events | ClockMessage] = []
    try:
        await ws.send(encode(Hello(protocol=protocol.PROTOCOL, token=token, since=since)))
        welcome: Welcome | None = None
        while welcome is None:
            message = await _next(ws, url)
            if isinstance(message, Welcome):
                welcome = message
            elif isinstance(message, Error) and message.fatal:
                # The close comes next; its code says what kind of refusal this is.
                fatal = message.reason
            elif message is not None:
                log.warning("ignored a %s message from %s before its welcome", message.type, url)
        if welcome.protocol != protocol.PROTOCOL:
            raise _Failure(
                f"the exercise server at {url} speaks protocol {welcome.protocol}, this client {protocol.PROTOCOL}",
                final=True,
            )
        more = welcome.more
        while more:
            message = await _next(ws, url)
            if isinstance(message, Events):
                rest.append(message)
                more = message.more
            elif isinstance(message, ClockMessage):
                rest.append(message)
            elif message is not None:
                log.warning("ignored a %s message from %s in its backlog", message.type, url)
    except TimeoutError:
        raise _Failure(f"the exercise server at {url} did not welcome this client within {OPEN_SECONDS:g} s") from None
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd is not None else None
        reason = _closed_reason(code)
        if fatal is not None and fatal != reason:
            reason = f"{reason} ({fatal})"
        if code in CLOSE_REASONS:
            reason = f"the exercise server at {url} refused to let this client join: {reason}"
        else:
            reason = f"{reason} before the welcome ({url})"
        raise _Failure(reason, final=code in _FINAL) from None
    return welcome, rest


async def _next(ws: ClientConnection, url: str) -> Welcome | Events | ClockMessage | Ack | Refused | Error | None:
    """The next message of the handshake (None for one that is not valid protocol)."""
    # A time limit per message, not for the whole: a long backlog on a slow link is slow, not stuck.
    async with asyncio.timeout(OPEN_SECONDS):
        raw = await ws.recv()
    return _decode(raw, url)


def _decode(raw: str | bytes, url: str) -> Welcome | Events | ClockMessage | Ack | Refused | Error | None:
    try:
        return decode_server(raw)
    except ProtocolError as exc:
        log.warning("ignored a message from %s: %s", url, str(exc)[:200])
        return None


async def _close(ws: ClientConnection) -> None:
    """Close cleanly, giving up after CLOSE_SECONDS (a server that no longer reads)."""
    try:
        async with asyncio.timeout(CLOSE_SECONDS):
            await ws.close(1000, "the participant left")
    except TimeoutError:
        ws.transport.abort()
    except ConnectionClosed:
        return  # already closed: the goal of this function
