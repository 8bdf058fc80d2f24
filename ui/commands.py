"""The `run` and `demo` sub-commands: a live exercise in room mode, logged to SQLite."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulator.bundled import bundled_scenarios, resolve_scenario
from simulator.cli.common import fail, load_or_report
from simulator.store import LogError

FALLBACK_DEMO = "port-drill"


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
    run = sub.add_parser("run", help="run an exercise live in this terminal (facilitator and every role)")
    run.add_argument("scenario", help="scenario file or bundled name")
    _common(run)
    run.set_defaults(handler=_run)
    demo = sub.add_parser("demo", help="play the bundled maritime exercise live in this terminal")
    _common(demo)
    demo.set_defaults(handler=_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="FILE", help="log file (default: runs/<scenario>-<time>.db)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the world (default 0)")
    parser.add_argument("--pace", type=float, help="scenario seconds per real second (default: the scenario's)")


def _demo(args: argparse.Namespace) -> int:
    args.scenario = demo_scenario()
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    if args.pace is not None and args.pace <= 0:
        return fail("--pace must be positive", 2)
    log = Path(args.db) if args.db else default_log(loaded.scenario.id)
    # Imported late: the headless commands should not pay for Textual's start-up.
    from simulator.session import Session
    from ui.app import TabletopApp

    try:
        session = Session(loaded, log=log, seed=args.seed, pace=args.pace)
    except LogError as exc:
        return fail(str(exc))
    try:
        TabletopApp(session).run()
    finally:
        session.close()
    print(f"Log: {log}")
    print(f"AAR: tabletop report {log} --format html -o aar.html")
    return 0
