"""The participant's RemoteSession against a real exercise server on 127.0.0.1, over a real Session and SQLite log.

Joining and refusals, what a role reads compared with the in-process Session, commands acknowledged
only once logged, reconnecting by itself to a restarted (resumed) server, a server that turned into
another exercise, the clock run on locally, and a server that sends rubbish.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from simulator.commands import Decide, InjectAdHoc, SendMessage
from simulator.engine import CommandError, DecisionRecord
from simulator.events import EventBase, MessageSent
from simulator.loader import load_file
from simulator.net import client as client_module
from simulator.net import protocol
from simulator.net.client import ConnectionLost, JoinError, RemoteSession
from simulator.net.protocol import (
    CLOSE_BAD_TOKEN,
    MAX_MESSAGE_BYTES,
    Ack,
    Clock,
    Events,
    Welcome,
    decode_client,
    encode,
)
from simulator.net.server import ExerciseServer
from simulator.net.tokens import issue
from simulator.net.view import participant_view
from simulator.session import ManualClock, NotAllowed, Session

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
WAIT = 5.0
WALL = 1_700_000_000.0
HM = "harbour-master"


@pytest.fixture(scope="module")
def loaded():
    return load_file(SCENARIOS / "port-drill.yaml")


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    # Reconnecting is exercised for real, just without the half-second waits.
    monkeypatch.setattr(client_module, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(client_module, "BACKOFF_MAX", 0.05)


@dataclass
class Rig:
    session: Session
    clock: ManualClock
    server: ExerciseServer
    tokens: dict[str, str]
    db: Path
    remotes: list[RemoteSession] = field(default_factory=list)

    async def join(self, role: str, **kwargs: Any) -> RemoteSession:
        remote = await RemoteSession.join(self.server.url, self.tokens[role], clock=self.clock, **kwargs)
        self.remotes.append(remote)
        return remote


@pytest.fixture
async def rig(loaded, tmp_path):
    clock = ManualClock()
    db = tmp_path / "run.db"
    session = Session(loaded, log=db, clock=clock, wall=lambda: WALL, pace=60.0)
    tokens = issue(r.id for r in loaded.scenario.roles)
    server = ExerciseServer(session, tokens)
    await server.start()
    rig = Rig(session, clock, server, tokens, db)
    try:
        yield rig
    finally:
        for remote in rig.remotes:
            await remote.aclose()
        await server.close()
        session.close()


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.002)


async def synced(rig: Rig, remote: RemoteSession, session: Session | None = None) -> None:
    """Wait until the remote holds every event the session has for its role."""
    session = session or rig.session
    await until(lambda: len(remote.events_for(remote.role)) == len(session.events_for(remote.role)))


def plain(records: list[DecisionRecord]) -> list[tuple[Any, ...]]:
    # The engine's records also carry a SimPy event; what a console reads is the rest.
    return [(r.id, r.inject, r.by, r.opened_at, r.deadline, r.status, r.option, r.role, r.decided_at) for r in records]


def play_a_while(rig: Rig) -> None:
    """Start, talk and let 16 scenario minutes pass: the containment decision lapses, the leak ticks on."""
    session = rig.session
    session.start()
    session.submit(HM, SendMessage(role=HM, to=["coastguard"], text="spill at berth 7"))
    session.submit("env-officer", SendMessage(role="env-officer", to=[HM], text="sampling now"))
    rig.clock.step(16)
    session.tick()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- joining


async def test_a_role_reads_exactly_what_the_session_shows_it(rig):
    play_a_while(rig)
    remotes = {role: await rig.join(role) for role in rig.tokens}
    for role, remote in remotes.items():
        assert remote.role == remote.viewer == role
        assert remote.events_for(role) == rig.session.events_for(role)
        assert (remote.resumed, remote.log_path, remote.connection) == (None, None, "connected")
        assert remote.started and not remote.ended and remote.status == "running" and remote.running
        assert remote.pace == 60.0
    # Live: the next events reach exactly the roles that may see them.
    rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=["env-officer"], text="patrol craft on scene"))
    rig.clock.step(15)
    rig.session.tick()
    for role, remote in remotes.items():
        await synced(rig, remote)
        assert remote.events_for(role) == rig.session.events_for(role)


async def test_a_long_backlog_is_all_in_before_join_returns(rig, monkeypatch):
    monkeypatch.setattr(protocol, "EVENTS_PER_MESSAGE", 3)
    rig.session.start()
    for n in range(10):
        rig.session.submit("pcg-duty", SendMessage(role="pcg-duty", to=[HM], text=f"update {n}"))
    remote = await rig.join(HM)
    assert remote.events_for(HM) == rig.session.events_for(HM)


async def test_the_scenario_holds_no_injects_until_a_decision_opens_for_the_role(rig):
    hm = await rig.join(HM)
    env = await rig.join("env-officer")
    for remote in (hm, env):
        assert remote.scenario.id == "port-drill" and remote.scenario.injects == []
        assert [r.id for r in remote.scenario.roles] == [r.id for r in rig.session.scenario.roles]
    assert set(env.scenario.state) == {"oil_m3", "boom_m"}
    seen: list[str] = []

    def on_events(events: list[EventBase]) -> None:
        # A console looks the decision up as soon as it hears of it: the stub is already there.
        for event in events:
            if event.type == "decision_opened":
                seen.append(hm.scenario.decision(event.decision)[1].prompt)  # type: ignore[attr-defined]

    hm.subscribe(HM, on_events)
    rig.session.start()
    await synced(rig, hm)
    await synced(rig, env)
    assert seen == ["How do you contain the spill?"]
    inject, spec = hm.scenario.decision("containment")
    assert inject.id == "hose-parted" and [o.id for o in spec.options] == ["boom", "wait"]
    assert all(not o.effects for o in spec.options) and not spec.on_timeout
    assert [i.id for i in hm.scenario.injects] == ["hose-parted"]
    # The environmental officer got the inject but may not take the decision: no stub, no record.
    assert env.scenario.injects == [] and env.decisions_for("env-officer") == []
    assert env.decision_record("containment") is None


async def test_state_and_decisions_match_the_session(rig):
    live = {role: await rig.join(role) for role in rig.tokens}
    play_a_while(rig)
    late = {role: await rig.join(role) for role in rig.tokens}
    for role in rig.tokens:
        for remote in (live[role], late[role]):
            await synced(rig, remote)
            assert remote.state_for(role) == rig.session.state_for(role)
            assert plain(remote.decisions_for(role)) == plain(rig.session.decisions_for(role))
    assert set(live["pcg-duty"].state_for("pcg-duty")) == {"boom_m"}
    assert live["env-officer"].state_for("env-officer")["oil_m3"] > 2  # the leak ran
    record = live[HM].decision_record("containment")
    assert record is not None and record.status == "timed_out"
    assert plain([record]) == plain([rig.session.decision_record("containment")])  # type: ignore[list-item]


async def test_a_bad_token_is_refused_with_the_reason(rig):
    with pytest.raises(JoinError, match=protocol.CLOSE_REASONS[CLOSE_BAD_TOKEN]):
        await RemoteSession.join(rig.server.url, "not-a-real-token-1234")


async def test_another_protocol_version_is_refused_with_the_reason(rig, monkeypatch):
    monkeypatch.setattr(protocol, "PROTOCOL", protocol.PROTOCOL + 1)
    with pytest.raises(JoinError) as caught:
        await RemoteSession.join(rig.server.url, rig.tokens[HM])
    message = str(caught.value)
    assert "different protocol versions" in message and "this server speaks protocol 1" in message


async def test_no_server_is_a_join_error():
    url = f"ws://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(JoinError, match=f"no exercise server at {url}: connection refused"):
        await RemoteSession.join(url, "token")
    assert time.monotonic() - started < 2
    with pytest.raises(JoinError, match="not a websocket address"):
        await RemoteSession.join("http://127.0.0.1:1", "token")


# --------------------------------------------------------------------------- commands


async def test_a_decision_returns_once_it_is_in_the_log_file(rig):
    hm = await rig.join(HM)
    rig.session.start()
    await until(lambda: hm.decision_record("containment") is not None)
    events = await hm.send(HM, Decide(role=HM, decision="containment", option="boom", rationale="on site"))
    made = [e for e in events if e.type == "decision_made"]
    assert made and made[0].option == "boom"  # type: ignore[attr-defined]
    assert events == [e for e in rig.session.events_for(HM) if e.seq in {x.seq for x in events}]
    # A second reader of the file, opened now, finds the decision there.
    with sqlite3.connect(rig.db) as db:
        rows = {seq: (kind, json.loads(data)) for seq, kind, data in db.execute("SELECT seq, type, data FROM events")}
    assert rows[made[0].seq][0] == "decision_made" and rows[made[0].seq][1]["option"] == "boom"
    record = hm.decision_record("containment")
    assert record is not None and (record.status, record.option, record.role) == ("made", "boom", HM)
    assert hm.state_for(HM)["boom_m"] == 250


async def test_a_refused_command_raises_the_engines_reason(rig):
    hm = await rig.join(HM)
    env = await rig.join("env-officer")
    rig.session.start()
    await synced(rig, hm)
    await synced(rig, env)
    with pytest.raises(CommandError, match="may not take decision"):
        await env.send("env-officer", Decide(role="env-officer", decision="containment", option="boom"))
    await hm.send(HM, Decide(role=HM, decision="containment", option="boom"))
    again = Decide(role=HM, decision="containment", option="wait")
    with pytest.raises(CommandError) as remote_error:
        await hm.send(HM, again)
    with pytest.raises(CommandError) as local_error:
        rig.session.submit(HM, again)
    assert str(remote_error.value) == str(local_error.value) and "already taken" in str(local_error.value)
    # Refusals leave the connection as it was.
    events = await env.send("env-officer", SendMessage(role="env-officer", to=[HM], text="still here"))
    assert [e.type for e in events] == ["message_sent"]


async def test_acting_as_another_role_is_refused_here_and_nothing_is_sent(rig, monkeypatch):
    env = await rig.join("env-officer")
    rig.session.start()
    await synced(rig, env)
    sent: list[Any] = []

    async def spy(message: Any) -> None:
        sent.append(message)

    monkeypatch.setattr(env._ws, "send", spy)
    before = len(rig.session.exercise.events)
    for actor, command in [
        (HM, Decide(role=HM, decision="containment", option="wait")),
        ("env-officer", SendMessage(role="pcg-duty", to=[HM], text="stand down")),
        ("env-officer", InjectAdHoc(to=["all"], title="fake")),
        ("facilitator", InjectAdHoc(to=["all"], title="fake")),
    ]:
        with pytest.raises(NotAllowed):
            await env.send(actor, command)  # type: ignore[arg-type]
    assert sent == [] and len(rig.session.exercise.events) == before
    for read in (env.events_for, env.state_for, env.decisions_for):
        with pytest.raises(NotAllowed):
            read(HM)
    with pytest.raises(NotAllowed):
        env.subscribe("facilitator", lambda events: None)


# --------------------------------------------------------------------------- reconnecting


async def test_the_client_reconnects_by_itself_to_a_resumed_exercise_and_gets_only_new_events(loaded, rig, monkeypatch):
    hm = await rig.join(HM)
    batches: list[tuple[str, list[EventBase]]] = []
    hm.subscribe(HM, lambda events: batches.append((hm.connection, events)))
    rig.session.start()
    rig.session.submit("env-officer", SendMessage(role="env-officer", to=[HM], text="before the restart"))
    await synced(rig, hm)
    held = len(hm.events_for(HM))
    last_seq = hm.events_for(HM)[-1].seq
    asked: list[int] = []
    handshake = client_module._handshake

    async def recording(url: str, token: str, since: int) -> Any:
        asked.append(since)
        return await handshake(url, token, since)

    monkeypatch.setattr(client_module, "_handshake", recording)

    port = rig.server.port
    await rig.server.close()
    rig.session.close()
    await until(lambda: hm.connection == "reconnecting")
    assert hm.connection_reason == protocol.CLOSE_REASONS[protocol.CLOSE_SHUTDOWN]
    with pytest.raises(CommandError, match="not connected"):
        await hm.send(HM, SendMessage(role=HM, to=["env-officer"], text="anyone?"))
    await until(lambda: len(asked) >= 2)  # tries again and again while nothing listens
    assert "connection refused" in (hm.connection_reason or "")

    # The process comes back: the same log, resumed, served on the same port.
    session = Session(loaded, log=rig.db, clock=rig.clock, wall=lambda: WALL, resume=True)
    server = ExerciseServer(session, rig.tokens, port=port)
    await server.start()
    try:
        await until(lambda: hm.connection == "connected")
        await synced(rig, hm, session)
        assert set(asked) == {last_seq}
        assert hm.events_for(HM) == session.events_for(HM)  # no duplicates, the resume's pause included
        assert hm.status == "paused" and not hm.running
        dropped = batches.index(("reconnecting", []))  # the console heard of the drop
        reconnected = [events for state, events in batches[dropped:] if state == "connected"]
        assert reconnected and all(e.seq > last_seq for e in reconnected[0])
        assert len(hm.events_for(HM)) == held + len(reconnected[0])
        events = await hm.send(HM, Decide(role=HM, decision="containment", option="boom"))
        assert "decision_made" in [e.type for e in events]
        assert session.decision_record("containment").status == "made"  # type: ignore[union-attr]
    finally:
        await hm.aclose()
        await server.close()
        session.close()


async def test_another_exercise_on_reconnect_stops_the_session(loaded, rig, tmp_path):
    changes: list[str] = []
    hm = await rig.join(HM, on_change=lambda: changes.append(hm.connection))
    rig.session.start()
    await synced(rig, hm)
    port = rig.server.port
    await rig.server.close()
    time.sleep(0.01)  # the log's creation time marks the exercise: let the other log's differ
    other = Session(loaded, log=tmp_path / "other.db", clock=rig.clock, wall=lambda: WALL)
    server = ExerciseServer(other, rig.tokens, port=port)
    await server.start()
    try:
        await until(lambda: hm.connection == "lost")
        assert hm.connection_reason == "the server now runs a different exercise"
        assert changes[-1] == "lost" and "reconnecting" in changes
        assert hm.events_for(HM) == rig.session.events_for(HM)  # nothing of the other exercise taken in
        assert not hm.running and hm.launch() is not None and hm.launch().done()  # type: ignore[union-attr]
        with pytest.raises(CommandError, match="not connected"):
            await hm.send(HM, SendMessage(role=HM, to=["env-officer"], text="hello?"))
        await until(lambda: server.connected()[HM] == 0)
    finally:
        await server.close()
        other.close()


async def test_a_token_refused_on_reconnect_stops_the_session(rig):
    hm = await rig.join(HM)
    port = rig.server.port
    await rig.server.close()
    server = ExerciseServer(rig.session, issue([HM]), port=port)  # new tokens for the same exercise
    await server.start()
    try:
        await until(lambda: hm.connection == "lost")
        assert hm.connection_reason is not None and protocol.CLOSE_REASONS[CLOSE_BAD_TOKEN] in hm.connection_reason
    finally:
        await server.close()


async def test_closing_leaves_the_server_and_does_not_come_back(rig):
    hm = await rig.join(HM)
    assert rig.server.connected()[HM] == 1
    await hm.aclose()
    assert hm.connection == "closed"
    await until(lambda: rig.server.connected()[HM] == 0)
    await asyncio.sleep(0.1)  # several backoff periods
    assert rig.server.connected()[HM] == 0
    with pytest.raises(CommandError, match="not connected"):
        await hm.send(HM, SendMessage(role=HM, to=["env-officer"], text="gone"))
    hm.close()  # again: nothing happens


# --------------------------------------------------------------------------- the clock


async def test_the_clock_runs_on_from_the_last_word_and_holds_when_paused(rig):
    rig.session.start()
    hm = await rig.join(HM)
    assert hm.scenario_time() == 0
    rig.clock.step(1)
    assert hm.scenario_time() == pytest.approx(60) == rig.session.scenario_time()
    ticks: list[list[EventBase]] = []
    hm.subscribe(HM, ticks.append)
    rig.session.pause()
    await until(lambda: hm.status == "paused")
    assert ticks and ticks[-1][-1].type == "clock_changed"
    rig.clock.step(5)
    assert hm.scenario_time() == pytest.approx(60) and not hm.running
    rig.session.resume()
    await until(lambda: hm.status == "running")
    rig.clock.step(1)
    assert hm.scenario_time() == pytest.approx(120)
    rig.clock.step(1000)
    assert hm.scenario_time() == rig.session.scenario.duration  # never past the end


# --------------------------------------------------------------------------- a misbehaving server


@contextlib.asynccontextmanager
async def fake_server(handler: Callable[[ServerConnection], Awaitable[None]]) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, max_size=MAX_MESSAGE_BYTES, compression=None) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def fake_welcome(loaded: Any) -> Welcome:
    return Welcome(
        role=HM,
        exercise="fake:1",
        view=participant_view(loaded.scenario, HM),
        clock=Clock(status="running", pace=60.0, t=0.0),
    )


def message_event(seq: int, text: str) -> dict[str, Any]:
    return MessageSent(seq=seq, t=0.0, wall=WALL, actor="env-officer", to=[HM], text=text).model_dump(mode="json")


async def test_rubbish_from_the_server_is_skipped_with_a_warning(loaded, caplog):
    caplog.set_level(logging.WARNING, logger="tabletop.net")
    clock = Clock(status="running", pace=60.0, t=0.0).model_dump()

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        await ws.send(encode(fake_welcome(loaded)))
        for raw in [
            "not json",
            b"\x00binary",
            json.dumps({"type": "shout"}),
            json.dumps({"type": "events", "events": [{"seq": 1, "type": "nonsense"}], "clock": clock}),
            json.dumps({"type": "events", "events": [message_event(1, "first")], "clock": clock}),
            encode(Ack(ref=99, seqs=[1])),
            json.dumps({"type": "events", "events": [message_event(1, "first again")], "clock": clock}),
            json.dumps({"type": "events", "events": [], "decisions": {"x": {"id": 5}}, "clock": clock}),
            encode(fake_welcome(loaded)),
            json.dumps({"type": "events", "events": [message_event(2, "second")], "clock": clock}),
        ]:
            await ws.send(raw)
        with contextlib.suppress(ConnectionClosed):
            await ws.wait_closed()

    async with fake_server(handler) as url:
        remote = await RemoteSession.join(url, "token")
        try:
            await until(lambda: len(remote.events_for(HM)) == 2)
            await asyncio.sleep(0.02)
            assert [e.text for e in remote.events_for(HM)] == ["first", "second"]  # type: ignore[attr-defined]
            assert remote.connection == "connected" and remote.scenario.injects == []
        finally:
            await remote.aclose()
    warnings = [r.getMessage() for r in caplog.records if r.name == "tabletop.net" and r.levelno == logging.WARNING]
    assert len(warnings) >= 7
    assert any("not JSON" in w for w in warnings) and any("invalid event" in w for w in warnings)
    assert any("no command waiting" in w for w in warnings) and any("decision stubs" in w for w in warnings)


async def test_a_command_whose_answer_is_lost_with_the_connection_says_so(loaded):
    connections = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        await ws.recv()
        await ws.send(encode(fake_welcome(loaded)))
        async for raw in ws:
            decode_client(raw)  # a command: the server goes down before it answers
            ws.transport.abort()

    async with fake_server(handler) as url:
        remote = await RemoteSession.join(url, "token")
        try:
            with pytest.raises(ConnectionLost) as caught:
                await remote.send(HM, SendMessage(role=HM, to=["env-officer"], text="did this arrive?"))
            assert "may or may not have been recorded" in str(caught.value)
            assert "action log will show it after reconnecting" in str(caught.value)
            assert isinstance(caught.value, CommandError)
            await until(lambda: connections == 2 and remote.connection == "connected")
        finally:
            await remote.aclose()


async def test_a_welcome_with_a_backlog_to_follow_is_read_whole(loaded):
    clock = Clock(status="paused", pace=60.0, t=30.0)

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        welcome = fake_welcome(loaded).model_copy(update={"events": [message_event(1, "a")], "more": True})
        await ws.send(encode(welcome))
        await ws.send(encode(Events(events=[message_event(2, "b")], more=True, clock=clock)))
        await ws.send(encode(Events(events=[message_event(3, "c")], clock=clock)))
        with contextlib.suppress(ConnectionClosed):
            await ws.wait_closed()

    async with fake_server(handler) as url:
        remote = await RemoteSession.join(url, "token")
        try:
            assert [e.seq for e in remote.events_for(HM)] == [1, 2, 3]
            assert remote.status == "paused" and remote.scenario_time() == 30.0
        finally:
            await remote.aclose()
