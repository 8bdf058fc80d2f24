"""The wire protocol between an exercise server and a participant's client: JSON text messages over websockets.

A client opens with `hello` (its role token, and the last event sequence number it already holds);
the server answers `welcome` (the role, what the role may know of the scenario, the events it may see
and the clock) or closes the connection with one of the close codes below. After that the client
sends `command` messages and the server answers each with `ack` — sent only once the command's events
are committed to the log — or `refused`; in between the server pushes `events` and `clock` messages.
Every message is validated here, on both sides: a malformed one is a `ProtocolError`, never a crash.

Order on one connection is fixed: `welcome`, then the rest of the backlog (`events` with `more`
set on every message but the last), then live messages in the order they happened. A command's own
events reach the client in an `events` message *before* its `ack` (the server hears of them while
the command is carried out, and the ack waits until that has returned), so a client that has the
ack already has every event it names. A batch of events too large for one message is sent in
several, `more` set on all but the last.

A first message that is not a valid hello, or a hello of another protocol version, is answered with
a fatal `error` saying why, then the close; an unknown token gets the close alone.

A message the server cannot read (not JSON, a binary frame, an unknown type, wrong fields, a second
hello) is answered with `error` and the connection stays open; after MAX_BAD_MESSAGES of them in a
row it is closed with CLOSE_TOO_MANY_ERRORS. A message larger than MAX_MESSAGE_BYTES is refused by
the websockets layer itself, which closes the connection with 1009 (message too big): it cannot be
skipped without reading it whole, which is what the limit is there to prevent.
The full description, with examples, is docs/network.md.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from simulator.commands import AnswerHotwash, Decide, SendMessage

PROTOCOL = 1
"""Version of this protocol; a client and server must speak the same one."""

MAX_MESSAGE_BYTES = 256 * 1024
"""Largest message either side accepts (a welcome with a long log is sent in several `events` messages)."""

EVENTS_PER_MESSAGE = 500
"""Events per `events` message when a backlog is sent."""

HELLO_SECONDS = 10.0
"""How long a new connection may take to say hello before it is closed."""

MAX_BAD_MESSAGES = 20
"""Unreadable messages in a row after which the server gives up on a connection."""

# Close codes (the 4000–4999 range is the application's own).
CLOSE_BAD_TOKEN = 4001
CLOSE_PROTOCOL = 4002
CLOSE_BAD_HELLO = 4003
CLOSE_REPLACED = 4004  # not sent by simulator/net/server.py: a participant may have two screens open
CLOSE_SHUTDOWN = 4005
CLOSE_TOO_SLOW = 4006
CLOSE_TOO_MANY_ERRORS = 4007

CLOSE_REASONS = {
    CLOSE_BAD_TOKEN: "the token is not valid for this exercise",
    CLOSE_PROTOCOL: "the client and server speak different protocol versions",
    CLOSE_BAD_HELLO: "the connection did not start with a valid hello",
    CLOSE_REPLACED: "the same role connected again from elsewhere",
    CLOSE_SHUTDOWN: "the exercise server is shutting down",
    CLOSE_TOO_SLOW: "the client fell too far behind; reconnect with the last sequence number it holds",
    CLOSE_TOO_MANY_ERRORS: "too many messages in a row the server could not read",
}
"""Close reasons, short enough for a close frame (at most 123 bytes)."""

Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ProtocolError(ValueError):
    """A message that is not valid JSON or not a message of this protocol; the text says why."""


class Message(BaseModel):
    """Fields and rules every message shares."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- client → server


class Hello(Message):
    """The first message of a connection: who the client is and what it already holds."""

    type: Literal["hello"] = "hello"
    protocol: int
    token: Token
    since: int = Field(default=0, ge=0)
    """Sequence number of the last event the client already has (0: none); only later ones are sent."""


ParticipantCommand = Annotated[Decide | SendMessage | AnswerHotwash, Field(discriminator="type")]
"""What a participant may ask for over the network (the clock and evaluation stay with exercise control)."""


class CommandMessage(Message):
    """A participant's command; `ref` is the client's own number for it, echoed in the answer."""

    type: Literal["command"] = "command"
    ref: int = Field(ge=0)
    command: ParticipantCommand


ClientMessage = Annotated[Hello | CommandMessage, Field(discriminator="type")]

# --------------------------------------------------------------------------- server → client


class Clock(Message):
    """Where the exercise clock stands when the message is sent; the client runs it on from there."""

    status: Literal["ready", "running", "paused", "ended"]
    pace: float = Field(gt=0)
    """Scenario seconds per real second."""
    t: float = Field(ge=0)
    """Scenario time in seconds when the message was sent."""


class Welcome(Message):
    """The answer to a good hello."""

    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL
    role: str
    exercise: str
    """Identifies the exercise (its log): a client that reconnects to another exercise must stop."""
    view: dict[str, Any]
    """What the role may know of the scenario, in the scenario language (see simulator/net/view.py)."""
    decisions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Decisions opened so far that the role may take, by id, without their consequences."""
    events: list[dict[str, Any]] = Field(default_factory=list)
    """The first events after `since` the role may see (the rest follow in `events` messages)."""
    more: bool = False
    """Whether more backlog follows in `events` messages before live play."""
    clock: Clock


class Events(Message):
    """New events the role may see, in log order, with the specs of any decision they open for it."""

    type: Literal["events"] = "events"
    events: list[dict[str, Any]]
    decisions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Stubs of the decisions these events open for the role, by id (see simulator/net/view.py)."""
    more: bool = False
    """Whether the next `events` message continues this one: the backlog, or a batch too large for one message."""
    clock: Clock


class ClockMessage(Message):
    """The clock, sent when it changes and now and then so that clients do not drift."""

    type: Literal["clock"] = "clock"
    clock: Clock


class Ack(Message):
    """A command was carried out; its events are in the log and were sent before this message."""

    type: Literal["ack"] = "ack"
    ref: int
    seqs: list[int]
    """Sequence numbers of the events the command produced that the role may see (already sent in `events`)."""


class Refused(Message):
    """A command was not carried out (a closed decision, an unknown recipient, …); the reason is for people."""

    type: Literal["refused"] = "refused"
    ref: int
    reason: str


class Error(Message):
    """A message the server could not read; the connection stays open unless `fatal`."""

    type: Literal["error"] = "error"
    reason: str
    fatal: bool = False


ServerMessage = Annotated[
    Welcome | Events | ClockMessage | Ack | Refused | Error,
    Field(discriminator="type"),
]

_CLIENT: TypeAdapter[Any] = TypeAdapter(ClientMessage)
_SERVER: TypeAdapter[Any] = TypeAdapter(ServerMessage)


def encode(message: Message) -> str:
    """A message as the JSON text sent on the wire."""
    return message.model_dump_json()


def decode_client(raw: str | bytes) -> Hello | CommandMessage:
    """A message from a client; raises ProtocolError with a reason a person can act on."""
    return _decode(raw, _CLIENT)


def decode_server(raw: str | bytes) -> Welcome | Events | ClockMessage | Ack | Refused | Error:
    """A message from a server; raises ProtocolError."""
    return _decode(raw, _SERVER)


def _decode(raw: str | bytes, adapter: TypeAdapter[Any]) -> Any:
    if isinstance(raw, bytes):
        raise ProtocolError("messages are JSON text, not binary frames")
    # The limit is in bytes on the wire; a character is at least one, so only long text needs encoding.
    size = len(raw) if len(raw) * 4 <= MAX_MESSAGE_BYTES else len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message too large ({size:,} bytes; at most {MAX_MESSAGE_BYTES:,})")
    try:
        data = json.loads(raw)
    # ValueError as well as JSONDecodeError: an integer of more than 4,300 digits raises a plain one.
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or "type" not in data:
        raise ProtocolError('a message is a JSON object with a "type"')
    try:
        return adapter.validate_python(data)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])[:80]
        # The type is the client's own text: cut it short so an answer never echoes a large input.
        kind = repr(data.get("type"))[:40]
        raise ProtocolError(f"bad {kind} message: {where}: {first['msg']}") from None


class WithoutFrames(logging.LoggerAdapter):  # type: ignore[type-arg]
    """websockets' own logger without its DEBUG records: they print every frame, a hello's token among them."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)


def websockets_logger(side: str) -> WithoutFrames:
    """The logger to hand websockets for the "server" or "client" side: tokens never reach a log."""
    return WithoutFrames(logging.getLogger(f"websockets.{side}"), {})
