"""The exercise server over real websockets on 127.0.0.1: who may connect, what each role is told, commands, bad input, slow and vanished clients."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from simulator.commands import Decide, EndExercise, InjectAdHoc, SendMessage
from simulator.events import parse_event
from simulator.loader import load_file
from simulator.net import protocol
from simulator.net import server as server_module
from simulator.net import tokens as tokens_module
from simulator.net.protocol import (
    CLOSE_BAD_HELLO,
    CLOSE_BAD_TOKEN,
    CLOSE_PROTOCOL,
    CLOSE_SHUTDOWN,
    CLOSE_TOO_MANY_ERRORS,
    CLOSE_TOO_SLOW,
    MAX_MESSAGE_BYTES,
    PROTOCOL,
    Ack,
    ClockMessage,
    CommandMessage,
    Error,
    Events,
    Hello,
    Refused,
    Welcome,
    decode_server,
    encode,
)
from simulator.net.server import ExerciseServer
from simulator.net.tokens import TokenFileError, issue, load_or_issue, role_for, tokens_path
from simulator.session import ManualClock, Session
from simulator.visibility import FACILITATOR, can_see

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
WAIT = 5.0


@pytest.fixture(scope="module")
def loaded():
    return load_file(SCENARIOS / "port-drill.yaml")


@dataclass
class Rig:
    session: Session
    clock: ManualClock
    server: ExerciseServer
    tokens: dict[str, str]
    db: Path


@pytest.fixture
async def rig(loaded, tmp_path):
    clock = ManualClock()
    db = tmp_path / "run.db"
    session = Session(loaded, log=db, clock=clock, wall=lambda: 1_700_000_000.0, pace=60.0)
    tokens = issue(r.id for r in loaded.scenario.roles)
    server = ExerciseServer(session, tokens)
    await server.start()
    try:
        yield Rig(session, clock, server, tokens, db)
    finally:
        await server.close()
        session.close()


async def dial(rig: Rig) -> ClientConnection:
    return await connect(rig.server.url, max_size=MAX_MESSAGE_BYTES, compression=None, open_timeout=WAIT)


async def receive(ws: ClientConnection, timeout: float = WAIT) -> Any:
    return decode_server(await asyncio.wait_for(ws.recv(), timeout))


async def join(rig: Rig, role: str, since: int = 0) -> tuple[ClientConnection, Welcome, list[dict[str, Any]]]:
    """Connect as `role` and read the welcome and the whole backlog; returns the connection, welcome and events."""
    ws = await dial(rig)
    await ws.send(encode(Hello(protocol=PROTOCOL, token=rig.tokens[role], since=since)))
    welcome = await receive(ws)
    assert isinstance(welcome, Welcome), welcome
    events = list(welcome.events)
    more = welcome.more
    while more:
        message = await receive(ws)
        assert isinstance(message, Events)
        events += message.events
        more = message.more
    return ws, welcome, events


async def closed_with(ws: ClientConnection) -> int | None:
    """Read until the server closes the connection; the close code it sent."""
    with pytest.raises(ConnectionClosed) as caught:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    return caught.value.rcvd.code if caught.value.rcvd is not None else None


async def next_of(ws: ClientConnection, kind: type, timeout: float = WAIT) -> Any:
    """The next message of a kind, skipping the periodic clock."""
    while True:
        message = await receive(ws, timeout)
        if isinstance(message, kind):
            return message
        assert isinstance(message, ClockMessage), f"expected {kind.__name__}, got {message!r}"


async def answer(ws: ClientConnection) -> tuple[list[dict[str, Any]], Ack | Refused]:
    """The events a command brought, then its ack (or refusal): always in that order."""
    events: list[dict[str, Any]] = []
    while True:
        message = await receive(ws)
        if isinstance(message, Events):
            events += message.events
        elif isinstance(message, Ack | Refused):
            return events, message
        else:
            assert isinstance(message, ClockMessage), message


async def settle() -> None:
    # Let the server's tasks pass queued messages on.
    for _ in range(20):
        await asyncio.sleep(0)


def visible_seqs(rig: Rig, role: str, since: int = 0) -> list[int]:
    return [e.seq for e in rig.session.exercise.events if e.seq > since and can_see(rig.session.scenario, role, e)]


def play_a_while(rig: Rig) -> None:
    """Start, talk and let 16 scenario minutes pass: injects, messages and state for some roles and not others."""
    session = rig.session
    session.start()
    session.submit("harbour-master", SendMessage(role="harbour-master", to=["coastguard"], text="spill at berth 7"))
    session.submit("env-officer", SendMessage(role="env-officer", to=["harbour-master"], text="sampling now"))
    rig.clock.step(16)
    session.tick()


# --------------------------------------------------------------------------- who may connect


async def test_an_unknown_token_is_closed_with_4001_and_never_logged(rig, caplog):
    caplog.set_level(logging.DEBUG, logger="tabletop.net")
    ws = await dial(rig)
    await ws.send(encode(Hello(protocol=PROTOCOL, token="not-a-real-token-1234")))
    assert await closed_with(ws) == CLOSE_BAD_TOKEN
    assert ws.close_reason is not None and not any(role in ws.close_reason for role in rig.tokens)
    assert "not-a-real-token-1234" not in caplog.text
    assert rig.server.connected() == dict.fromkeys(rig.tokens, 0)


async def test_a_good_token_is_never_logged(rig, caplog):
    caplog.set_level(logging.DEBUG)
    ws, welcome, _ = await join(rig, "pcg-duty")
    await ws.close()
    await settle()
    assert welcome.role == "pcg-duty"
    # Everything the server side logs, at every level (the test's own client logs its frames: not counted).
    server_side = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("websockets.client"))
    assert "pcg-duty connected" in server_side
    assert not any(token in server_side for token in rig.tokens.values())


async def test_no_hello_in_time_is_closed_with_4003(rig, monkeypatch):
    monkeypatch.setattr(protocol, "HELLO_SECONDS", 0.2)
    ws = await dial(rig)
    started = time.monotonic()
    assert await closed_with(ws) == CLOSE_BAD_HELLO
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "first",
    [
        "not json",
        json.dumps(
            {"type": "command", "ref": 1, "command": {"type": "decide", "role": "x", "decision": "y", "option": "z"}}
        ),
        json.dumps({"type": "hello", "protocol": PROTOCOL}),
        b"\x00binary",
    ],
)
async def test_a_bad_first_message_is_closed_with_4003(rig, first):
    ws = await dial(rig)
    await ws.send(first)
    error = await receive(ws)
    assert isinstance(error, Error) and error.fatal
    assert await closed_with(ws) == CLOSE_BAD_HELLO


async def test_another_protocol_version_is_closed_with_4002(rig):
    ws = await dial(rig)
    await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL + 1, "token": rig.tokens["pcg-duty"], "new": 1}))
    assert await closed_with(ws) == CLOSE_PROTOCOL
    ws = await dial(rig)
    await ws.send(encode(Hello(protocol=PROTOCOL + 1, token=rig.tokens["pcg-duty"])))
    assert await closed_with(ws) == CLOSE_PROTOCOL


async def test_the_same_token_twice_is_two_screens_of_one_participant(rig):
    first, _, _ = await join(rig, "pcg-duty")
    second, _, _ = await join(rig, "pcg-duty")
    assert rig.server.connected()["pcg-duty"] == 2
    rig.session.start()
    for ws in (first, second):
        batch = await next_of(ws, Events)
        assert [e["seq"] for e in batch.events] == visible_seqs(rig, "pcg-duty")
    await first.close()
    await settle()
    assert rig.server.connected()["pcg-duty"] == 1


# --------------------------------------------------------------------------- what a role is told


async def test_the_welcome_names_the_exercise_and_carries_the_view_and_clock(rig):
    play_a_while(rig)
    _, welcome, _ = await join(rig, "env-officer")
    sha = rig.session.loaded.sha256
    assert welcome.exercise.startswith(sha + ":") and len(welcome.exercise) > len(sha) + 1
    assert welcome.view["id"] == "port-drill" and "injects" not in welcome.view
    assert set(welcome.view["state"]) == {"oil_m3", "boom_m"}
    assert welcome.clock.status == "running" and welcome.clock.pace == 60.0
    assert welcome.clock.t == pytest.approx(rig.session.scenario_time())


async def test_a_resumed_exercise_keeps_its_id_and_another_gets_its_own(loaded, rig, tmp_path):
    play_a_while(rig)
    # A copy of the live log, as the file a crashed exercise leaves behind, resumed by a new process.
    copy = tmp_path / "copy.db"
    with sqlite3.connect(rig.db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    time.sleep(0.01)  # the log's creation time is the marker: let the next log's differ
    other_db = tmp_path / "other.db"
    for log, resume, same in ((copy, True, True), (other_db, False, False)):
        session = Session(loaded, log=log, clock=ManualClock(), resume=resume)
        server = ExerciseServer(session, rig.tokens)
        await server.start()
        try:
            assert (server.exercise_id == rig.server.exercise_id) is same
        finally:
            await server.close()
            session.close()


async def test_each_role_sees_its_own_injects_and_messages_only(rig):
    play_a_while(rig)
    joined = {role: await join(rig, role) for role in rig.tokens}
    for role, (_, _, events) in joined.items():
        assert [e["seq"] for e in events] == visible_seqs(rig, role)
        for data in events:
            assert can_see(rig.session.scenario, role, parse_event(data))
    pcg = [parse_event(e) for e in joined["pcg-duty"][2]]
    assert not any(e.type == "state_changed" and e.var == "oil_m3" for e in pcg)  # type: ignore[attr-defined]
    assert not any(e.type == "inject_delivered" and e.inject == "press-call" for e in pcg)  # type: ignore[attr-defined]
    # Live: the next batch reaches exactly the roles that may see it.
    mark = len(rig.session.exercise.events)
    rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["env-officer"], text="patrol craft on scene"))
    message_seq = rig.session.exercise.events[-1].seq
    batch = await next_of(joined["env-officer"][0], Events)
    assert message_seq in [e["seq"] for e in batch.events]
    assert [e["seq"] for e in batch.events] == visible_seqs(rig, "env-officer", mark)
    harbour = joined["harbour-master"][0]
    rig.session.submit("env-officer", SendMessage(role="env-officer", to=["harbour-master"], text="only for you"))
    batch = await next_of(harbour, Events)
    # The harbour master's next batch is the later message: the pcg-duty message never reached it.
    assert message_seq not in [e["seq"] for e in batch.events]
    assert batch.events[-1]["text"] == "only for you"


async def test_since_sends_only_later_events(rig):
    play_a_while(rig)
    seqs = visible_seqs(rig, "env-officer")
    since = seqs[len(seqs) // 2]
    _, _, events = await join(rig, "env-officer", since=since)
    assert [e["seq"] for e in events] == visible_seqs(rig, "env-officer", since)
    assert all(e["seq"] > since for e in events)
    # Stubs of decisions opened before `since` still come: the client may have lost them.
    _, welcome_hm, _ = await join(rig, "harbour-master", since=len(rig.session.exercise.events))
    assert welcome_hm.events == [] and "containment" in welcome_hm.decisions


async def test_a_long_backlog_is_split_with_more(rig, monkeypatch):
    monkeypatch.setattr(protocol, "EVENTS_PER_MESSAGE", 3)
    rig.session.start()
    for n in range(10):
        rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["harbour-master"], text=f"update {n}"))
    ws = await dial(rig)
    await ws.send(encode(Hello(protocol=PROTOCOL, token=rig.tokens["harbour-master"])))
    welcome = await receive(ws)
    assert isinstance(welcome, Welcome) and welcome.more and len(welcome.events) == 3
    got = list(welcome.events)
    flags = []
    while flags == [] or flags[-1]:
        message = await next_of(ws, Events)
        assert len(message.events) <= 3
        got += message.events
        flags.append(message.more)
    assert flags[-1] is False and all(flags[:-1])
    assert [e["seq"] for e in got] == visible_seqs(rig, "harbour-master")


async def test_a_backlog_too_large_for_one_message_is_split_by_size(rig):
    rig.session.start()
    for n in range(30):
        rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["harbour-master"], text=f"{n} " + "é" * 19_000))
    # The client holds the server to the protocol's limit: an oversized message would close it with 1009.
    _, welcome, events = await join(rig, "harbour-master")
    assert welcome.more
    assert [e["seq"] for e in events] == visible_seqs(rig, "harbour-master")


async def test_an_opened_decision_arrives_with_a_stub_without_consequences(rig):
    harbour, _, _ = await join(rig, "harbour-master")
    env, _, _ = await join(rig, "env-officer")
    rig.session.start()
    batch = await next_of(harbour, Events)
    assert set(batch.decisions) == {"containment"}
    stub = batch.decisions["containment"]
    assert stub["id"] == "hose-parted" and stub["decision"]["prompt"] == "How do you contain the spill?"
    text = json.dumps(stub)
    for secret in ("effects", "weight", "on_timeout", "expected_action", "objectives", "body", "Boom closed"):
        assert secret not in text
    assert [o["id"] for o in stub["decision"]["options"]] == ["boom", "wait"]
    # The environmental officer got the inject but may not take the decision: no stub.
    env_batch = await next_of(env, Events)
    assert env_batch.decisions == {}
    # Joining later, the stub comes with the welcome.
    _, welcome, _ = await join(rig, "harbour-master")
    assert welcome.decisions == {"containment": stub}


# --------------------------------------------------------------------------- commands


async def test_a_decision_is_acked_only_once_it_is_in_the_log_file(rig):
    harbour, _, _ = await join(rig, "harbour-master")
    rig.session.start()
    await next_of(harbour, Events)
    decide = Decide(role="harbour-master", decision="containment", option="boom", rationale="on site")
    await harbour.send(encode(CommandMessage(ref=7, command=decide)))
    events, ack = await answer(harbour)
    # Events first, then the ack, which names them.
    assert isinstance(ack, Ack) and ack.ref == 7 and ack.seqs == [e["seq"] for e in events]
    # A second reader of the file, opened now, finds the decision there.
    with sqlite3.connect(rig.db) as db:
        rows = [row for row in db.execute("SELECT seq, type, data FROM events") if row[0] in ack.seqs]
    made = [row for row in rows if row[1] == "decision_made"]
    assert made and json.loads(made[0][2])["option"] == "boom"
    assert len(rows) == len(ack.seqs)


async def test_acting_as_another_role_is_refused(rig):
    env, _, _ = await join(rig, "env-officer")
    rig.session.start()
    await next_of(env, Events)
    before = len(rig.session.exercise.events)
    for ref, command in enumerate(
        [
            Decide(role="harbour-master", decision="containment", option="wait"),
            SendMessage(role="pcg-duty", to=["harbour-master"], text="stand down"),
        ]
    ):
        await env.send(encode(CommandMessage(ref=ref, command=command)))
        refused = await next_of(env, Refused)
        assert refused.ref == ref and "env-officer" in refused.reason
    assert len(rig.session.exercise.events) == before
    # As itself, but something the engine refuses: the engine's reason comes back.
    await env.send(
        encode(CommandMessage(ref=9, command=Decide(role="env-officer", decision="containment", option="boom")))
    )
    refused = await next_of(env, Refused)
    assert refused.ref == 9 and "may not take decision" in refused.reason


async def test_control_commands_are_not_part_of_the_protocol(rig):
    env, _, _ = await join(rig, "env-officer")
    for command in (EndExercise(), InjectAdHoc(to=["all"], title="fake")):
        await env.send(json.dumps({"type": "command", "ref": 1, "command": command.model_dump(mode="json")}))
        assert isinstance(await next_of(env, Error), Error)
    assert rig.session.status == "ready"


async def test_malformed_messages_get_an_error_and_the_connection_keeps_working(rig):
    env, _, _ = await join(rig, "env-officer")
    rig.session.start()
    await next_of(env, Events)
    bad: list[str | bytes] = [
        "{not json",
        b"\x01\x02",
        json.dumps({"type": "shout"}),
        json.dumps([1, 2]),
        json.dumps({"type": "command", "ref": -1, "command": {"type": "send_message"}}),
        json.dumps({"type": "command", "ref": 1, "command": {"type": "send_message", "role": "env-officer", "to": []}}),
        json.dumps({"type": "command", "ref": 1, "extra": 1, "command": {}}),
        "[" * 100_000,
        '{"type": "hello", "n": ' + "9" * 5000 + "}",
        encode(Hello(protocol=PROTOCOL, token=rig.tokens["env-officer"])),
    ]
    for raw in bad:
        await env.send(raw)
        error = await next_of(env, Error)
        assert not error.fatal and len(error.reason) < 500
    send = SendMessage(role="env-officer", to=["harbour-master"], text="still here")
    await env.send(encode(CommandMessage(ref=3, command=send)))
    events, ack = await answer(env)
    assert isinstance(ack, Ack) and ack.ref == 3 and ack.seqs == [e["seq"] for e in events]


async def test_twenty_bad_messages_in_a_row_close_the_connection(rig):
    env, _, _ = await join(rig, "env-officer")
    for _ in range(protocol.MAX_BAD_MESSAGES - 1):
        await env.send("nonsense")
    send = SendMessage(role="env-officer", to=["harbour-master"], text="a good one resets the count")
    await env.send(encode(CommandMessage(ref=1, command=send)))
    for _ in range(protocol.MAX_BAD_MESSAGES - 1):
        await env.send("nonsense")
    assert rig.server.connected()["env-officer"] == 1
    for _ in range(protocol.MAX_BAD_MESSAGES):
        await env.send("nonsense")
    assert await closed_with(env) == CLOSE_TOO_MANY_ERRORS
    assert rig.server.connected()["env-officer"] == 0


async def test_an_oversized_message_closes_only_its_own_connection(rig):
    env, _, _ = await join(rig, "env-officer")
    pcg, _, _ = await join(rig, "pcg-duty")
    await env.send("x" * (MAX_MESSAGE_BYTES + 1))
    assert await closed_with(env) == 1009  # message too big, from the websockets layer
    rig.session.start()
    batch = await next_of(pcg, Events)
    assert [e["seq"] for e in batch.events] == visible_seqs(rig, "pcg-duty")


# --------------------------------------------------------------------------- clients that vanish or lag


async def test_a_client_killed_mid_exercise_disturbs_no_one(rig):
    harbour, _, _ = await join(rig, "harbour-master")
    env, _, _ = await join(rig, "env-officer")
    rig.session.start()
    await next_of(env, Events)
    # Killed while the server is writing to it: a batch is on its way when the socket goes.
    rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["port"], text="x" * 19_000))
    harbour.transport.abort()
    rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["port"], text="after the crash"))
    for _ in range(50):
        await asyncio.sleep(0.01)
        if rig.server.connected()["harbour-master"] == 0:
            break
    assert rig.server.connected() == {"harbour-master": 0, "env-officer": 1, "pcg-duty": 0}
    texts = []
    while "after the crash" not in texts:
        texts += [e.get("text") for e in (await next_of(env, Events)).events]
    send = SendMessage(role="env-officer", to=["harbour-master"], text="are you there?")
    await env.send(encode(CommandMessage(ref=1, command=send)))
    _, ack = await answer(env)
    assert isinstance(ack, Ack) and ack.ref == 1
    assert len(rig.session._subscribers) == 1  # the dead client's subscription is gone


async def test_a_client_that_never_reads_is_dropped_without_stalling_the_session(rig, monkeypatch):
    monkeypatch.setattr(server_module, "OUTGOING_CHARS", 200_000)
    slow, _, _ = await join(rig, "harbour-master")
    fast, _, _ = await join(rig, "env-officer")
    slow.transport.pause_reading()  # a client that stops reading but keeps its socket open
    rig.session.start()
    longest = 0.0
    sent = 0
    # Flood the slow role until the server gives up on it (the kernel's buffers take a few MB first).
    while rig.server.connected()["harbour-master"] and sent < 2000:
        started = time.perf_counter()
        rig.session.submit(FACILITATOR, InjectAdHoc(to=["harbour-master"], title=f"flood {sent}", body="y" * 19_000))
        longest = max(longest, time.perf_counter() - started)
        sent += 1
        await asyncio.sleep(0)
    assert rig.server.connected()["harbour-master"] == 0
    # Publishing only queues: no submit waited on the slow socket.
    assert longest < 2.0
    # The fast client was served throughout, and still is.
    await fast.send(encode(CommandMessage(ref=5, command=SendMessage(role="env-officer", to=["pcg-duty"], text="hi"))))
    _, ack = await answer(fast)
    assert isinstance(ack, Ack) and ack.ref == 5
    # The slow client, reading again, finds itself closed, and may come back with `since`.
    slow.transport.resume_reading()
    held: list[int] = []
    with pytest.raises(ConnectionClosed) as caught:
        while True:
            message = decode_server(await asyncio.wait_for(slow.recv(), WAIT))
            if isinstance(message, Events):
                held += [e["seq"] for e in message.events]
    if caught.value.rcvd is not None:
        assert caught.value.rcvd.code == CLOSE_TOO_SLOW
    since = max(held, default=0)
    _, _, rest = await join(rig, "harbour-master", since=since)
    assert [e["seq"] for e in rest] == visible_seqs(rig, "harbour-master", since)


async def test_clock_messages_come_now_and_then(loaded, tmp_path, monkeypatch):
    monkeypatch.setattr(server_module, "CLOCK_SECONDS", 0.05)
    session = Session(loaded, log=tmp_path / "run.db", clock=ManualClock(), pace=60.0)
    tokens = issue(["pcg-duty"])
    server = ExerciseServer(session, tokens)
    await server.start()
    try:
        ws = await connect(server.url, max_size=MAX_MESSAGE_BYTES)
        await ws.send(encode(Hello(protocol=PROTOCOL, token=tokens["pcg-duty"])))
        assert isinstance(await receive(ws), Welcome)
        clock = await receive(ws, 2)
        assert isinstance(clock, ClockMessage) and clock.clock.status == "ready"
    finally:
        await server.close()
        session.close()


async def test_clock_changes_reach_every_role_as_events(rig):
    joined = {role: (await join(rig, role))[0] for role in rig.tokens}
    rig.session.start()
    for ws in joined.values():
        await next_of(ws, Events)
    rig.clock.step(1)
    rig.session.pause()
    for ws in joined.values():
        batch = await next_of(ws, Events)
        assert batch.events[-1]["type"] == "clock_changed" and batch.events[-1]["action"] == "pause"
        assert batch.clock.status == "paused" and batch.clock.t == pytest.approx(60)


async def test_closing_the_server_sends_4005_to_everyone(rig):
    joined, _, _ = await join(rig, "pcg-duty")
    waiting = await dial(rig)  # connected, no hello yet
    await rig.server.close()
    assert await closed_with(joined) == CLOSE_SHUTDOWN
    assert await closed_with(waiting) == CLOSE_SHUTDOWN
    assert rig.session._subscribers == []


def test_tokens_for_roles_outside_the_scenario_are_refused(loaded):
    session = Session(loaded, clock=ManualClock())
    with pytest.raises(ValueError, match="facilitator"):
        ExerciseServer(session, {FACILITATOR: "secret"})


# --------------------------------------------------------------------------- tokens


def test_issued_tokens_are_random_and_looked_up_in_constant_time():
    tokens = issue(["a", "b", "c"])
    assert len(set(tokens.values())) == 3 and all(len(t) >= 22 for t in tokens.values())
    assert role_for(tokens, tokens["b"]) == "b"
    assert role_for(tokens, tokens["b"] + "x") is None
    assert role_for(tokens, "") is None
    assert role_for(tokens, "ünïcödé") is None  # compare_digest refuses non-ASCII str; bytes it is


def test_tokens_live_beside_the_log_owner_only_and_survive_a_resume(tmp_path):
    log = tmp_path / "runs" / "x.db"
    tokens = load_or_issue(log, ["a", "b"])
    path = tokens_path(log)
    assert path == tmp_path / "runs" / "x.tokens.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == tokens
    assert load_or_issue(log, ["a", "b"]) == tokens
    # A role added since keeps the others' tokens; a role gone loses its own.
    again = load_or_issue(log, ["b", "c"])
    assert again["b"] == tokens["b"] and "a" not in again and again["c"]
    assert [p.name for p in path.parent.iterdir()] == ["x.tokens.json"]  # no temporary file left


def test_a_damaged_tokens_file_is_refused_not_replaced(tmp_path):
    log = tmp_path / "x.db"
    tokens_path(log).write_text("{nope")
    with pytest.raises(TokenFileError, match="cannot read"):
        load_or_issue(log, ["a"])
    tokens_path(log).write_text('{"a": 3}')
    with pytest.raises(TokenFileError, match="not a tokens file"):
        load_or_issue(log, ["a"])
    assert tokens_path(log).read_text() == '{"a": 3}'


def test_the_token_module_is_what_the_server_uses():
    assert server_module.role_for is tokens_module.role_for


def test_close_reasons_fit_a_close_frame():
    assert all(len(reason.encode()) <= 123 for reason in protocol.CLOSE_REASONS.values())
