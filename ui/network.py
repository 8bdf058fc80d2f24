"""The `serve` and `join` sub-commands: exercise control in one terminal, each role in its own."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.cli.common import fail
from ui.commands import add_session_options, exit_hints, open_session

if TYPE_CHECKING:
    from rich.text import Text

    from simulator.net.server import ExerciseServer
    from simulator.schema import Scenario
    from simulator.session import Session

DEFAULT_PORT = 8765
TOKEN_ENV = "TABLETOP_TOKEN"
"""Where `join` looks for the token when --token is not given (a command line is visible to every user)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add `serve` and `join`."""
    serve = sub.add_parser(
        "serve",
        help="run an exercise that participants join from their own terminals",
        description="Run an exercise with exercise control in this terminal and let each role join from "
        "its own terminal with `tabletop join`. The server listens on 127.0.0.1 only unless --host says "
        "otherwise. Each role has a token, kept beside the log (LOG.tokens.json, readable by you only) "
        "and shown with p in the facilitator console; a resumed exercise keeps its tokens.",
    )
    serve.add_argument("scenario", help="scenario file or bundled name")
    add_session_options(serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every network it is on)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one, shown in the console)",
    )
    serve.set_defaults(handler=_serve)
    join = sub.add_parser(
        "join",
        help="join an exercise served with `tabletop serve`, as one role",
        description="Join an exercise served with `tabletop serve` and play one role in this terminal. "
        f"The token says which role; give it with --token, in the {TOKEN_ENV} environment variable, "
        "or type it when asked. The console reconnects by itself when the connection drops.",
        epilog="exit status: 0 left the exercise, 1 could not join, 2 usage error",
    )
    join.add_argument("url", help="the exercise server, e.g. ws://127.0.0.1:8765")
    join.add_argument("--token", help=f"the role's token (default: ${TOKEN_ENV}, else asked for)")
    join.set_defaults(handler=_join)


# ----------------------------------------------------------------- serve


def join_url(host: str, port: int) -> str:
    """The address participants join: the listening one, or this machine's name when it listens everywhere."""
    if host in ("0.0.0.0", "::", ""):
        import socket

        host = socket.gethostname()
    return f"ws://[{host}]:{port}" if ":" in host else f"ws://{host}:{port}"


def join_commands(url: str, tokens: dict[str, str]) -> dict[str, str]:
    """The command each role types to join, by role id."""
    command = os.environ.get("TABLETOP_COMMAND", "").strip() or "tabletop"
    return {role: f"{command} join {shlex.quote(url)} --token {shlex.quote(token)}" for role, token in tokens.items()}


def _serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port < 65536:
        return fail("--port must be between 0 (any free port) and 65535", 2)
    opened = open_session(args)
    if isinstance(opened, int):
        return opened
    session, log = opened
    from simulator.net.tokens import TokenFileError, load_or_issue

    try:
        tokens = load_or_issue(log, [role.id for role in session.scenario.roles])
    except TokenFileError as exc:
        session.close()
        return fail(str(exc))
    try:
        return asyncio.run(_serve_async(args, session, log, tokens))
    finally:
        session.close()


async def _serve_async(args: argparse.Namespace, session: Session, log: Path, tokens: dict[str, str]) -> int:
    from simulator.net.server import ExerciseServer
    from simulator.net.tokens import tokens_path
    from ui.app import TabletopApp

    server = ExerciseServer(session, tokens, host=args.host, port=args.port)
    try:
        await server.start()
    except OSError as exc:
        # Bound before the console opens: "address in use" belongs on the terminal, not behind a UI.
        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    url = join_url(args.host, server.port)
    commands = join_commands(url, tokens)
    app = TabletopApp(
        session,
        server=server,
        join_commands=commands,
        welcome=f"Participants join at {url}: press p for each role's command.",
    )
    try:
        await app.run_async()
    finally:
        await server.close()
        for line in exit_hints(log, args.scenario, session.ended, verb="serve"):
            print(line)
    if not session.ended:
        print(f"Participants keep their tokens: {tokens_path(log).resolve()}")
    return app.return_code or 0


def participants_detail(server: ExerciseServer, commands: dict[str, str], scenario: Scenario) -> Text:
    """Who is connected, and the command each role types to join (for exercise control's eyes only)."""
    # Imported here: every tabletop command loads this module, and only the console needs these.
    from rich.text import Text

    from ui.text import literal, one_line

    connected = server.connected()
    text = Text()
    text.append("Participants\n", style="bold")
    text.append(f"Listening on {server.url}. ", style="dim")
    text.append("Anyone with a token can play its role: hand each one to its player only.\n", style="dim")
    for role in scenario.roles:
        if role.id not in commands:
            continue
        n = connected.get(role.id, 0)
        state = "not connected" if n == 0 else ("connected" if n == 1 else f"{n} connections")
        text.append("\n")
        text.append_text(literal(one_line(role.name), "bold"))
        text.append(f"  {state}\n", style="green" if n else "dim")
        text.append_text(literal(commands[role.id]))
        text.append("\n")
    return text


# ----------------------------------------------------------------- join


def _join(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        if not sys.stdin.isatty():
            return fail(f"no token: give --token TOKEN or set {TOKEN_ENV}", 2)
        try:
            token = getpass.getpass("Role token: ").strip()
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            return 2
        if not token:
            return fail("no token given", 2)
    if not args.url.startswith(("ws://", "wss://")):
        return fail(f"{args.url}: not an exercise server address; it looks like ws://HOST:PORT", 2)
    try:
        return asyncio.run(_join_async(args.url, token))
    except KeyboardInterrupt:
        return 130


async def _join_async(url: str, token: str) -> int:
    from simulator.net.client import JoinError, RemoteSession
    from ui.app import TabletopApp

    try:
        session = await RemoteSession.join(url, token)
    except JoinError as exc:
        return fail(str(exc))
    app = TabletopApp(session, role=session.role)  # type: ignore[arg-type]
    try:
        await app.run_async()
    finally:
        await session.aclose()
    if session.connection_reason and session.connection == "lost":
        print(f"Disconnected: {session.connection_reason}", file=sys.stderr)
        return 1
    print(f"Left the exercise at {url}. The same command joins again and carries on where you were.")
    return app.return_code or 0
