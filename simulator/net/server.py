"""The exercise server: participants play an in-process Session from their own terminal or browser.

`ExerciseServer` listens for websocket connections (simulator/net/protocol.py is the wire contract).
A connection says hello with its role token; the server answers with what that role may know of the
scenario (simulator/net/view.py), the role's share of the log so far and the clock, then keeps it up
to date from a session subscription and carries out its commands through `Session.submit`.

The session is never held up by the network: the subscription callback only appends encoded
messages to the connection's own outgoing queue, and a task per connection writes them out. A
client whose queue grows past OUTGOING_CHARS, or one message of which takes SEND_SECONDS to go out,
is closed (CLOSE_TOO_SLOW) and may reconnect with the last sequence number it holds. Whatever a
client sends, and whenever it goes away, the session and the other clients carry on.

Connections and disconnections are logged to the `tabletop.net` logger, by role and address;
tokens never are (websockets' own logger is kept from logging frames, even at DEBUG).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sqlite3
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

import pydantic_core
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from simulator.engine import CommandError
from simulator.events import DecisionOpened, EventBase, ExerciseStarted, InjectDelivered
from simulator.net import protocol
from simulator.net.protocol import (
    CLOSE_BAD_HELLO,
    CLOSE_BAD_TOKEN,
    CLOSE_PROTOCOL,
    CLOSE_REASONS,
    CLOSE_SHUTDOWN,
    CLOSE_TOO_MANY_ERRORS,
    CLOSE_TOO_SLOW,
    PROTOCOL,
    Ack,
    Clock,
    ClockMessage,
    CommandMessage,
    Error,
    Events,
    Hello,
    Message,
    ProtocolError,
    Refused,
    Welcome,
    decode_client,
    encode,
)
from simulator.net.tokens import role_for
from simulator.net.view import decision_stub, participant_view
from simulator.session import Session
from simulator.store import EventStore, LogError
from simulator.visibility import can_see

log = logging.getLogger("tabletop.net")

# Module-level so tests (and an operator with unusual links) can tune them; read at use, not import.
OUTGOING_CHARS = 4 * 1024 * 1024
"""Characters of encoded messages a connection may have waiting to be sent before it counts as too far behind."""

SEND_SECONDS = 30.0
"""Longest one message may take to go out before the client counts as too slow."""

CLOSE_SECONDS = 5.0
"""Longest a closing handshake may take before the connection is simply dropped."""

CLOCK_SECONDS = 5.0
"""Interval between `clock` messages, so that clients running the clock on their own do not drift."""

PING_SECONDS = 20.0
"""Keepalive ping interval and timeout: a peer that vanished without closing is noticed within twice this."""

_MARGIN = 1024
"""Bytes kept free in every message for the envelope around the events (type, flags, clock)."""

_INTERNAL_ERROR = 1011
"""The websocket close code for a server that failed in a way it did not foresee."""


class ExerciseServer:
    """Serves one Session to remote participants, each authenticated by the token of their role.

    `start()` binds (127.0.0.1 unless a host is given; port 0 picks a free port, `.port` and `.url`
    tell which); `close()` closes every connection with CLOSE_SHUTDOWN and stops serving. The server
    neither starts nor paces the session: whoever owns it does (`session.launch()`).
    """

    def __init__(self, session: Session, tokens: Mapping[str, str], *, host: str = "127.0.0.1", port: int = 0) -> None:
        roles = {role.id for role in session.scenario.roles}
        unknown = sorted(set(tokens) - roles)
        if unknown:
            # Only scenario roles play over the network; exercise control stays on the facilitator's console.
            raise ValueError(f"tokens for roles that are not in the scenario: {', '.join(unknown)}")
        self.session = session
        self.host = host
        self._tokens = dict(tokens)
        self._port = port
        self._server: Server | None = None
        self._clients: set[_Client] = set()
        self._connections: set[ServerConnection] = set()
        """Every connection whose handler runs, hello said or not: all of them are closed on shutdown."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._views: dict[str, dict[str, Any]] = {}
        self._clock_task: asyncio.Task[None] | None = None
        self._closing = False
        self.exercise_id = ""
        """What `welcome` names the exercise by; set by start()."""

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """The port the server listens on (the one picked, after start() with port 0)."""
        return self._port

    @property
    def url(self) -> str:
        """The address clients connect to, e.g. ws://127.0.0.1:8765."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self._port}"

    async def start(self) -> None:
        """Start listening."""
        if self._server is not None:
            raise RuntimeError("the exercise server has already been started")
        self.exercise_id = self._exercise_id()
        self._server = await serve(
            self._handle,
            self.host,
            self._port,
            max_size=protocol.MAX_MESSAGE_BYTES,
            # No per-message deflate: it keeps a compression context per connection (memory) and
            # costs latency on every message, for JSON that is small and sent on a local network.
            compression=None,
            ping_interval=PING_SECONDS,
            ping_timeout=PING_SECONDS,
            close_timeout=CLOSE_SECONDS,
            logger=protocol.websockets_logger("server"),
        )
        self._port = int(self._server.sockets[0].getsockname()[1])
        self._clock_task = asyncio.get_running_loop().create_task(self._send_clock())
        log.info("exercise server listening on %s", self.url)

    async def close(self) -> None:
        """Close every connection with CLOSE_SHUTDOWN and stop serving."""
        if self._server is None or self._closing:
            return
        self._closing = True
        if self._clock_task is not None:
            self._clock_task.cancel()
        # Stop accepting first (websockets answers half-open handshakes with 503), then say goodbye
        # to each connection ourselves: websockets' own close would wait forever on a client whose
        # socket no longer drains.
        self._server.close(close_connections=False)
        for client in list(self._clients):
            client.detach()
        closing = [_close(ws, CLOSE_SHUTDOWN) for ws in list(self._connections)]
        if closing:
            await asyncio.gather(*closing)
        await self._server.wait_closed()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        log.info("exercise server on %s closed", self.url)

    def connected(self) -> dict[str, int]:
        """How many live connections each role has (every role with a token, 0 for none)."""
        counts = dict.fromkeys(self._tokens, 0)
        for client in self._clients:
            if not client.closing:
                counts[client.role] += 1
        return counts

    # ----------------------------------------------------------------- what clients are told

    def view(self, role: str) -> dict[str, Any]:
        """What `role` may know of the scenario (computed once: the scenario is frozen)."""
        if role not in self._views:
            self._views[role] = participant_view(self.session.scenario, role)
        return self._views[role]

    def clock(self) -> Clock:
        """The session's clock as the protocol states it."""
        session = self.session
        return Clock(status=session.status, pace=session.pace, t=max(0.0, session.scenario_time()))

    def stub(self, opened: DecisionOpened) -> dict[str, Any] | None:
        """The stub of the decision an event opened (None if its inject's delivery is not in the log)."""
        for event in reversed(self.session.exercise.events):
            # The delivery comes just before the opening, so this walks back a few events only.
            if isinstance(event, InjectDelivered) and event.inject == opened.inject and event.seq < opened.seq:
                return decision_stub(self.session.scenario, event, opened)
        return None

    def _exercise_id(self) -> str:
        # The scenario's hash says *what* is played; the log's creation time says *which* run of it,
        # and stays the same when an exercise is resumed from its log, so clients carry on with `since`.
        session = self.session
        marker: str | None = None
        if session.log_path is not None and session.log_path.exists():
            with contextlib.suppress(LogError, sqlite3.Error), EventStore(session.log_path, readonly=True) as store:
                marker = store.meta().get("created")
        if marker is None:
            started = next((e for e in session.exercise.events if isinstance(e, ExerciseStarted)), None)
            # Without a log there is nothing to find again after a restart: a fresh marker per server.
            marker = f"{started.wall:.3f}" if started is not None else secrets.token_hex(8)
        return f"{session.loaded.sha256}:{marker}"

    # ----------------------------------------------------------------- connections

    async def _handle(self, ws: ServerConnection) -> None:
        if self._closing:
            await _close(ws, CLOSE_SHUTDOWN)
            return
        self._connections.add(ws)
        try:
            greeted = await self._greet(ws)
            if greeted is None:
                return
            role, since = greeted
            client = _Client(self, ws, role)
            self._clients.add(client)
            log.info("%s connected from %s (%d connection(s) for the role)", role, _peer(ws), self.connected()[role])
            try:
                client.open(since)
                await client.run()
            finally:
                client.detach()
                self._clients.discard(client)
                # close_code arrived in websockets 14; the floor is 13.
                log.info("%s disconnected from %s (code %s)", role, _peer(ws), getattr(ws, "close_code", None))
        finally:
            self._connections.discard(ws)

    async def _greet(self, ws: ServerConnection) -> tuple[str, int] | None:
        """The role and `since` of a good hello; None once a bad start has closed the connection."""
        try:
            async with asyncio.timeout(protocol.HELLO_SECONDS):
                raw = await ws.recv()
        except TimeoutError:
            log.info("%s said no hello within %g s; closing", _peer(ws), protocol.HELLO_SECONDS)
            await _close(ws, CLOSE_BAD_HELLO)
            return None
        except ConnectionClosed:
            return None
        try:
            message = decode_client(raw)
        except ProtocolError as exc:
            if _other_protocol(raw):
                await self._refuse_protocol(ws)
            else:
                log.info("%s did not start with a valid hello; closing", _peer(ws))
                await _close(ws, CLOSE_BAD_HELLO, f"the first message must be a valid hello: {exc}")
            return None
        if not isinstance(message, Hello):
            log.info("%s did not start with a hello; closing", _peer(ws))
            await _close(ws, CLOSE_BAD_HELLO, f"the first message must be a hello, not {message.type!r}")
            return None
        if message.protocol != PROTOCOL:
            await self._refuse_protocol(ws)
            return None
        role = role_for(self._tokens, message.token)
        if role is None:
            # Neither the token nor the roles that exist: the close reason is the same for every miss.
            log.warning("%s presented an unknown token; closing", _peer(ws))
            await _close(ws, CLOSE_BAD_TOKEN)
            return None
        return role, message.since

    async def _refuse_protocol(self, ws: ServerConnection) -> None:
        log.info("%s speaks another protocol version; closing", _peer(ws))
        await _close(ws, CLOSE_PROTOCOL, f"this server speaks protocol {PROTOCOL}")

    async def _send_clock(self) -> None:
        while True:
            await asyncio.sleep(CLOCK_SECONDS)
            data = encode(ClockMessage(clock=self.clock()))
            for client in list(self._clients):
                client.put(data)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine in the background, kept referenced until done (and awaited by close())."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _Client:
    """One authenticated connection: its role, its outgoing queue and the tasks that serve it."""

    def __init__(self, server: ExerciseServer, ws: ServerConnection, role: str) -> None:
        self.server = server
        self.session = server.session
        self.ws = ws
        self.role = role
        self.closing = False
        """Set once the connection is being closed: nothing more is queued and it no longer counts."""
        self._queue: deque[str] = deque()
        self._queued = 0
        self._ready = asyncio.Event()
        self._backlog: list[EventBase] = []
        self._unsubscribe: Callable[[], None] | None = None

    # ----------------------------------------------------------------- outgoing

    def open(self, since: int) -> None:
        """Queue the welcome, keep the rest of the backlog for the writer and subscribe to what comes next."""
        session = self.session
        scenario = session.scenario
        events = session.exercise.events
        # Sequence numbers run from 1 in list order, so the slice skips what the client holds;
        # the seq check keeps it right should that ever change.
        backlog = [e for e in events[min(since, len(events)) :] if e.seq > since and can_see(scenario, self.role, e)]
        decisions: dict[str, dict[str, Any]] = {}
        delivered: dict[str, InjectDelivered] = {}
        for event in events:
            if isinstance(event, InjectDelivered):
                delivered[event.inject] = event
            elif isinstance(event, DecisionOpened) and self.role in event.by and event.inject in delivered:
                decisions[event.decision] = decision_stub(scenario, delivered[event.inject], event)
        base = Welcome(
            role=self.role,
            exercise=self.server.exercise_id,
            view=self.server.view(self.role),
            decisions=decisions,
            clock=self.server.clock(),
        )
        first, _, rest = _pack(backlog, protocol.MAX_MESSAGE_BYTES - len(encode(base).encode()) - _MARGIN)
        self._backlog = rest
        welcome = base.model_copy(update={"events": first, "more": bool(rest)})
        self._push(encode(welcome))
        # Subscribed in the same step as the backlog was taken, with no await in between: every
        # event is either in the backlog or in a published batch, never in both or neither.
        self._unsubscribe = session.subscribe(self.role, self._published)

    def put(self, data: str) -> None:
        """Queue an encoded message; a client too far behind is closed instead."""
        if self.closing:
            return
        if self._queue and self._queued + len(data) > OUTGOING_CHARS:
            log.warning(
                "%s at %s fell too far behind (%d characters waiting); closing", self.role, _peer(self.ws), self._queued
            )
            self.drop(CLOSE_TOO_SLOW)
            return
        self._push(data)

    def send(self, message: Message) -> None:
        """Queue a message."""
        self.put(encode(message))

    def _push(self, data: str) -> None:
        self._queue.append(data)
        self._queued += len(data)
        self._ready.set()

    def _published(self, events: list[EventBase]) -> None:
        # Called by the session while it publishes: it must neither block nor raise, whatever happens.
        try:
            for data in self._messages(events):
                self.put(data)
        except Exception:
            log.exception("could not pass events on to %s at %s; closing", self.role, _peer(self.ws))
            self.drop(_INTERNAL_ERROR)

    def _messages(self, events: list[EventBase]) -> Iterator[str]:
        """One published batch as `events` messages: one, unless it is too large for one."""
        remaining = events
        while remaining:
            chunk, decisions, remaining = _pack(remaining, protocol.MAX_MESSAGE_BYTES - _MARGIN, self.server.stub)
            yield encode(Events(events=chunk, decisions=decisions, more=bool(remaining), clock=self.server.clock()))

    async def _write(self) -> None:
        """Send the backlog, then whatever is queued, in order, until the connection closes."""
        try:
            if self._queue:
                await self._send_next()  # the welcome
            while self._backlog and not self.closing:
                # Encoded only now, a message at a time: a long log costs no more memory than one message.
                chunk, _, self._backlog = _pack(self._backlog, protocol.MAX_MESSAGE_BYTES - _MARGIN)
                await self._transmit(encode(Events(events=chunk, more=bool(self._backlog), clock=self.server.clock())))
            while not self.closing:
                if not self._queue:
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                await self._send_next()
        except ConnectionClosed:
            return  # the reader sees the close too, and the handler ends the connection
        except TimeoutError:
            log.warning("%s at %s stopped reading; closing", self.role, _peer(self.ws))
            self.drop(CLOSE_TOO_SLOW)

    async def _send_next(self) -> None:
        data = self._queue.popleft()
        self._queued -= len(data)
        await self._transmit(data)

    async def _transmit(self, data: str) -> None:
        async with asyncio.timeout(SEND_SECONDS):
            await self.ws.send(data)

    # ----------------------------------------------------------------- incoming

    async def run(self) -> None:
        """Read commands until the connection closes, while a task writes what is queued."""
        writer = asyncio.get_running_loop().create_task(self._write())
        try:
            await self._read()
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _read(self) -> None:
        bad = 0
        try:
            async for raw in self.ws:
                if self.closing:
                    # Read on, and drop what comes, until the close completes: websockets stops reading
                    # the socket when unread frames pile up, and would then never see the client's close.
                    continue
                try:
                    message = decode_client(raw)
                    if isinstance(message, Hello):
                        raise ProtocolError("this connection has already said hello")
                except ProtocolError as exc:
                    bad += 1
                    if bad >= protocol.MAX_BAD_MESSAGES:
                        log.warning(
                            "%s at %s sent %d unreadable messages in a row; closing", self.role, _peer(self.ws), bad
                        )
                        self.drop(CLOSE_TOO_MANY_ERRORS)
                        continue
                    self.send(Error(reason=str(exc)))
                    continue
                bad = 0
                self._command(message)
        except ConnectionClosed:
            return  # a client going away, cleanly or not, is the ordinary end of a connection

    def _command(self, message: CommandMessage) -> None:
        command = message.command
        if command.role != self.role:
            self.send(
                Refused(ref=message.ref, reason=f"this connection plays {self.role!r}, not {command.role[:64]!r}")
            )
            return
        try:
            # Bring the clock up to now first, so that what it brings is published on its own and the
            # ack names only the command's own events.
            self.session.tick()
            events = self.session.submit(self.role, command)
        except CommandError as exc:  # NotAllowed included
            self.send(Refused(ref=message.ref, reason=str(exc)))
            return
        except Exception:
            log.exception("a command from %s failed", self.role)
            self.send(Refused(ref=message.ref, reason="the server could not carry out the command"))
            return
        # submit has returned: every event is committed to the log, and the subscription has already
        # queued them, so the ack follows its events on the wire.
        self.send(Ack(ref=message.ref, seqs=[e.seq for e in events]))

    # ----------------------------------------------------------------- closing

    def detach(self) -> None:
        """Stop hearing from the session and forget what is queued (idempotent)."""
        self.closing = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._queue.clear()
        self._queued = 0
        self._backlog = []
        self._ready.set()

    def drop(self, code: int) -> None:
        """Close the connection in the background with `code` (once)."""
        if self.closing:
            return
        self.detach()
        self.server.spawn(_close(self.ws, code))


# --------------------------------------------------------------------------- helpers


def _size(value: Any) -> int:
    # pydantic_core serialises exactly as encode() will inside the message, so sizes add up.
    return len(pydantic_core.to_json(value))


def _pack(
    events: list[EventBase],
    budget: int,
    stub: Callable[[DecisionOpened], dict[str, Any] | None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[EventBase]]:
    """The first events that fit in `budget` bytes and EVENTS_PER_MESSAGE, as JSON data, and the rest.

    With `stub`, the stubs of the decisions those events open come along (and count against the budget).
    """
    taken: list[dict[str, Any]] = []
    decisions: dict[str, dict[str, Any]] = {}
    used = 0
    for event in events:
        data = event.model_dump(mode="json")
        cost = _size(data) + 1
        opened = event if isinstance(event, DecisionOpened) else None
        spec = stub(opened) if stub is not None and opened is not None else None
        if opened is not None and spec is not None:
            cost += _size(spec) + len(opened.decision) + 4
        if taken and (used + cost > budget or len(taken) >= protocol.EVENTS_PER_MESSAGE):
            break
        if not taken and cost > budget:
            # Larger than a message on its own: it goes alone, and a client holding to the protocol's
            # limit will refuse it. Only an inject with an enormous body or attachment comes here.
            log.warning("event %d is larger than a protocol message (%d bytes)", event.seq, cost)
        taken.append(data)
        if opened is not None and spec is not None:
            decisions[opened.decision] = spec
        used += cost
    return taken, decisions, events[len(taken) :]


def _other_protocol(raw: str | bytes) -> bool:
    """Whether an unreadable first message is a hello of another protocol version (its fields may differ)."""
    if not isinstance(raw, str):
        return False
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(data, dict)
        and data.get("type") == "hello"
        and "protocol" in data
        and not (isinstance(data["protocol"], int) and data["protocol"] == PROTOCOL)
    )


def _peer(ws: ServerConnection) -> str:
    address = ws.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


async def _close(ws: ServerConnection, code: int, note: str | None = None) -> None:
    """Close with `code` (after a fatal `error` saying `note`, if given), giving up after CLOSE_SECONDS."""
    try:
        async with asyncio.timeout(CLOSE_SECONDS):
            if note is not None:
                await ws.send(encode(Error(reason=note, fatal=True)))
            await ws.close(code, CLOSE_REASONS.get(code, ""))
    except TimeoutError:
        # The peer is not reading (its socket no longer drains): websockets would wait on it forever.
        ws.transport.abort()
    except ConnectionClosed:
        return  # already closed: the goal of this function
