"""The `run` and `demo` sub-commands: a live exercise in room mode, logged to SQLite."""

from __future__ import annotations

import argparse
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.bundled import bundled_scenarios, resolve_scenario
from simulator.cli.common import fail, load_or_report
from simulator.store import LogError

if TYPE_CHECKING:
    from simulator.session import Session

FALLBACK_DEMO = "port-drill"
DEMO_PACE = 10.0
"""The demo's starting pace: at a scenario's usual 60x a first-time player loses an 8-minute decision in 8 seconds."""


def default_log(scenario_id: str, now: float | None = None) -> Path:
    """Where a run's log goes unless told: ./runs/<scenario>-<YYYYmmdd-HHMMSS>.db"""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return Path("runs") / f"{scenario_id}-{stamp}.db"


def demo_scenario() -> str:
    """The bundled maritime scenario if there is one, else the port drill."""
    maritime = [name for name in bundled_scenarios() if name.startswith("maritime")]
    if maritime:
        return str(resolve_scenario(maritime[0]))
    return str(resolve_scenario(FALLBACK_DEMO))


def register(sub: argparse._SubParsersAction) -> None:
    """Add `run` and `demo`."""
    run = sub.add_parser(
        "run",
        help="run an exercise live in this terminal (facilitator and every role)",
        description="Run an exercise live in this terminal. After a crash or a quit, continue it with "
        "`tabletop run SCENARIO --db LOG.db --resume`: the log is replayed and the exercise reopens paused "
        "where it stopped, with everything that happened on the consoles.",
    )
    run.add_argument("scenario", help="scenario file or bundled name")
    add_session_options(run)
    run.set_defaults(handler=_run)
    demo = sub.add_parser(
        "demo",
        help="play the bundled maritime exercise live in this terminal",
        description=f"Play the bundled maritime exercise live in this terminal. It starts at a gentle "
        f"{DEMO_PACE:g}x (ten scenario seconds per real second) unless --pace says otherwise; "
        "+ and - change the pace while it runs.",
    )
    add_session_options(demo)
    demo.set_defaults(handler=_demo)


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that plays an exercise in this process (run, demo, serve)."""
    parser.add_argument("--db", metavar="FILE", help="log file (default: runs/<scenario>-<time>.db)")
    parser.add_argument("--seed", type=int, help="random seed of the world (default 0; with --resume: the log's)")
    parser.add_argument("--pace", type=float, help="scenario seconds per real second (default: the scenario's)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the exercise logged in --db FILE (after a crash or a quit); opens paused",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --resume: accept a scenario file that changed since the log was written (the log is still checked)",
    )


def _demo(args: argparse.Namespace) -> int:
    args.scenario = demo_scenario()
    # A resumed demo keeps the pace it was logged at.
    if args.pace is None and not args.resume:
        args.pace = DEMO_PACE
        args.welcome = f"Demo pace {DEMO_PACE:g}×, gentler than the scenario's own: press + or - to change it."
    return _run(args)


def open_session(args: argparse.Namespace) -> tuple[Session, Path] | int:
    """The session `run`, `demo` and `serve` play, with its log path; or the exit status of a refusal."""
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    if args.pace is not None and args.pace <= 0:
        return fail("--pace must be positive", 2)
    resume = args.resume
    if args.force and not resume:
        return fail("--force only applies with --resume", 2)
    if resume and not args.db:
        return fail("--resume needs the log to continue: --db FILE", 2)
    log = Path(args.db) if args.db else default_log(loaded.scenario.id)
    if not resume and log.exists() and log.stat().st_size > 0:
        return fail(f"{log}: already exists; add --resume to continue that exercise, or choose another file")
    from simulator.session import ResumeError, Session

    try:
        return Session(loaded, log=log, seed=args.seed, pace=args.pace, resume=resume, force=args.force), log
    except (LogError, ResumeError) as exc:
        return fail(str(exc))


def _run(args: argparse.Namespace) -> int:
    opened = open_session(args)
    if isinstance(opened, int):
        return opened
    session, log = opened
    # Imported late: the headless commands should not pay for Textual's start-up.
    from ui.app import TabletopApp

    app = TabletopApp(session, welcome=getattr(args, "welcome", None))
    try:
        app.run()
    finally:
        session.close()
        # Also after a crash: the log is intact, and the hint to resume it is what the room needs most.
        for line in exit_hints(log, args.scenario, session.ended):
            print(line)
    # Textual reports an exception that ended the app as return code 1 (after printing it).
    return app.return_code or 0


def exit_hints(log: Path, scenario: str, ended: bool, verb: str = "run") -> list[str]:
    """What to type next, with absolute paths and the command this was started as (run.py sets it)."""
    command = os.environ.get("TABLETOP_COMMAND", "").strip() or "tabletop"
    where = shlex.quote(str(log.resolve()))
    lines = [f"Log: {log.resolve()}"]
    if not ended:
        # A bundled name stays a name; a file becomes absolute, so the hint works from any folder.
        what = str(Path(scenario).resolve()) if Path(scenario).exists() else scenario
        lines.append(f"Resume: {command} {verb} {shlex.quote(what)} --db {where} --resume")
    lines.append(f"AAR: {command} report {where} --format html -o aar.html")
    return lines
