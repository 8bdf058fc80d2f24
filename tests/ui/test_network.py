"""Networked play at the keyboard: a participant's console joined over a real websocket to a served exercise.

The server runs a real Session with a real SQLite log on 127.0.0.1; the participant's console is the
real app over a RemoteSession. The console shows only its role, its commands are logged on the
server before it says "sent", and `tabletop serve`/`join` refuse bad input with one line.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.commands import EndExercise
from simulator.events import DecisionMade
from simulator.net import client as client_module
from simulator.net.client import RemoteSession
from simulator.net.server import ExerciseServer
from simulator.net.tokens import issue
from simulator.session import ManualClock, Session
from ui.app import TabletopApp
from ui.dialogs import ConfirmDialog, DecisionDialog, DetailDialog
from ui.network import join_commands
from ui.screens.participant import ParticipantScreen

ROOT = Path(__file__).resolve().parent.parent.parent
HM = "harbour-master"
WAIT = 5.0


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(client_module, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(client_module, "BACKOFF_MAX", 0.05)


@pytest.fixture
async def served(port_drill, tmp_path):
    clock = ManualClock()
    session = Session(port_drill, log=tmp_path / "run.db", clock=clock, wall=lambda: 1.0, pace=60.0)
    tokens = issue(r.id for r in port_drill.scenario.roles)
    server = ExerciseServer(session, tokens)
    await server.start()
    try:
        yield session, clock, server, tokens
    finally:
        await server.close()
        session.close()


async def until(predicate: Callable[[], bool], pilot) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await pilot.pause(0.01)


def logged_decisions(db: Path) -> list[str]:
    """The decisions in the server's log file, read with a connection of our own."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE type = ?", (DecisionMade.model_fields["type"].default,))
        return [row[0] for row in rows]


async def test_a_joined_participant_decides_and_is_told_only_once_the_server_logged_it(served):
    session, clock, server, tokens = served
    session.start()
    remote = await RemoteSession.join(server.url, tokens[HM], clock=clock)
    app = TabletopApp(remote, role=HM, live=False)
    told: list[str] = []
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        original = app.notify

        def notify(message: str, **kwargs: object) -> None:
            if kwargs.get("title") == "Sent":
                # What the participant is told, and what the server's log holds at that moment.
                told.append(message)
                assert logged_decisions(session.log_path)
            original(message, **kwargs)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        screen = app.screen
        assert isinstance(screen, ParticipantScreen) and screen.viewer == HM
        await until(lambda: screen.query_one("#inbox-table").row_count == 1, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DecisionDialog)
        await pilot.press("1", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await until(lambda: bool(told), pilot)
        assert told == ["Decision recorded: Deploy the terminal's boom around the vessel"]
        assert session.decision_record("containment").option == "boom"
        # One role's console: no other console to switch to, and nothing of exercise control offered.
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is screen
        titles = [str(c.title) for c in app.get_system_commands(screen)]
        assert "Exercise control" not in titles and not any(t.startswith("Console:") for t in titles)
        assert "End exercise" not in titles
        # Leaving asks nothing: the exercise carries on at the server.
        await pilot.press("ctrl+q")
        await pilot.pause()
    await remote.aclose()


async def test_a_refused_command_is_shown_and_nothing_is_claimed_sent(served):
    session, clock, server, tokens = served
    session.start()
    remote = await RemoteSession.join(server.url, tokens[HM], clock=clock)
    app = TabletopApp(remote, role=HM, live=False)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await until(lambda: app.screen.query_one("#inbox-table").row_count == 1, pilot)
        await pilot.press("d")
        await pilot.pause()
        # Meanwhile exercise control ends the exercise: the decision can no longer be taken.
        session.submit("facilitator", EndExercise())
        await until(lambda: remote.ended, pilot)
        await pilot.press("1", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DecisionDialog)  # the form says it is closed, and sends nothing
        assert "closed" in str(app.screen.query_one("#error").render())
        assert not any(n.title == "Sent" for n in app._notifications)
    await remote.aclose()
    assert logged_decisions(session.log_path) == []


async def test_the_console_says_when_the_connection_drops_and_comes_back(served):
    session, clock, server, tokens = served
    remote = await RemoteSession.join(server.url, tokens[HM], clock=clock)
    app = TabletopApp(remote, role=HM, live=False)
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        port = server.port
        await server.close()
        await until(lambda: any("reconnecting" in n.message for n in app._notifications), pilot)
        again = ExerciseServer(session, tokens, port=port)
        await again.start()
        try:
            await until(lambda: any(n.title == "Connected" for n in app._notifications), pilot)
        finally:
            await remote.aclose()
            await again.close()


async def test_p_shows_exercise_control_who_is_connected_and_how_each_role_joins(served):
    session, clock, server, tokens = served
    commands = join_commands(server.url, tokens)
    remote = await RemoteSession.join(server.url, tokens[HM], clock=clock)
    app = TabletopApp(session, live=False, server=server, join_commands=commands)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, DetailDialog)
        shown = app.screen.query_one("#event-detail").render().plain  # type: ignore[union-attr]
        assert "Harbour master  connected" in shown and "Environmental officer  not connected" in shown
        assert f"join {server.url} --token {tokens['env-officer']}" in shown
    await remote.aclose()
    plain = TabletopApp(session, live=False)
    async with plain.run_test(size=(100, 32)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(plain.screen, DetailDialog)


# ----------------------------------------------------------------- the commands


def tabletop(*args: str, cwd: Path, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TABLETOP_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=stdin,
        timeout=60,
    )


def test_join_refuses_bad_input_in_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: nothing answers there
        for args, status, words in (
            (["http://example.org", "--token", "x"], 2, "not an exercise server address"),
            ([f"ws://127.0.0.1:{port}"], 2, "no token"),
            ([f"ws://127.0.0.1:{port}", "--token", "x"], 1, "no exercise server at"),
        ):
            out = tabletop("join", *args, cwd=tmp_path)
            assert out.returncode == status, out.stderr
            assert words in out.stderr and "Traceback" not in out.stderr
            assert len(out.stderr.strip().splitlines()) == 1


def test_serve_on_a_port_in_use_says_so_before_any_console_opens(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        out = tabletop("serve", "port-drill", "--db", str(tmp_path / "x.db"), "--port", str(port), cwd=tmp_path)
    assert out.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr and "Traceback" not in out.stderr
    out = tabletop("serve", "port-drill", "--port", "70000", cwd=tmp_path)
    assert out.returncode == 2 and "--port" in out.stderr


def test_serve_keeps_role_tokens_beside_the_log_for_its_owner_only(tmp_path):
    """The tokens file is written before the server listens, so a refused start still leaves it usable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        tabletop("serve", "port-drill", "--db", str(tmp_path / "x.db"), "--port", str(port), cwd=tmp_path)
    tokens = tmp_path / "x.tokens.json"
    assert tokens.exists() and (tokens.stat().st_mode & 0o077) == 0
