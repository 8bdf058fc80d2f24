"""`tabletop simulate SCENARIO`: play a scenario headless, as fast as possible, with a policy."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli.common import error_lines, fail, load_or_report, unwritable
from simulator.diagnostics import ScenarioError
from simulator.durations import format_clock
from simulator.events import (
    ClockChanged,
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    EventBase,
    ExerciseEnded,
    ExerciseStarted,
    InjectCancelled,
    InjectDelivered,
    MessageSent,
    StateChanged,
)
from simulator.policies import RESPONSE_FILE_SUFFIXES, make_policy, unknown_policy
from simulator.scoring import Scorecard, number, score
from simulator.simulation import simulate
from simulator.store import LogError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("simulate", help="play a scenario headless with a policy standing in for participants")
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file or bundled scenario name")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--policy",
        default="model",
        metavar="POLICY",
        help="first, random, none, model (default; the scenario's model answer) or a response FILE",
    )
    parser.add_argument("--log", metavar="FILE.db", help="write the event log to this SQLite file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the timeline")
    parser.add_argument("--state", action="store_true", help="include every state change in the timeline")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # A mistyped policy is a usage error: said before the scenario is loaded, not as a missing file.
    problem = unknown_policy(args.policy)
    if problem:
        # A response file named without its suffix is the likelier slip when such a file is right here.
        nearby = [
            f"{args.policy}{suffix}" for suffix in RESPONSE_FILE_SUFFIXES if Path(f"{args.policy}{suffix}").is_file()
        ]
        if nearby:
            problem = f"unknown policy {args.policy!r}; did you mean the response file {nearby[0]}?"
        return fail(problem, 2)
    loaded = load_or_report(args.scenario)
    if loaded is None:
        return 1
    if args.log is not None and (problem := unwritable(args.log)):
        return fail(problem)
    policy_name = args.policy
    if policy_name == "model" and loaded.scenario.model is None:
        policy_name = "first"
        print(f"note: {loaded.scenario.id} has no model answer; playing --policy first", file=sys.stderr)
    try:
        policy = make_policy(policy_name, loaded.scenario, args.seed)
    except ScenarioError as exc:
        for line in error_lines(exc):
            print(line, file=sys.stderr)
        return 1
    except ValueError as exc:
        return fail(str(exc))
    try:
        result = simulate(loaded, policy, seed=args.seed, log=args.log)
    except LogError as exc:
        return fail(str(exc))
    except OSError as exc:
        # The path passed the check but writing failed anyway (disk full, permissions changed).
        return fail(f"cannot write {args.log}: {exc.strerror or exc}")
    summary = result.summary()
    card = score(loaded.scenario, result.events)
    summary["score"] = card.model_dump(mode="json")
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return 0
    for event in result.events:
        line = describe(event, include_state=args.state)
        if line:
            print(f"{format_clock(event.t)}  {line}")
    for at, command, reason in result.rejected:
        print(f"{format_clock(at)}  (policy) {type(command).__name__} rejected: {reason}")
    final = ", ".join(f"{name}={_number(value)}" for name, value in result.exercise.state.items())
    print(f"\n{len(result.events)} events; final state: {final or '(none)'}")
    print(score_line(card))
    if result.log:
        print(f"log: {result.log}")
    return 0


def score_line(card: Scorecard) -> str:
    """One line: overall share and rating, then each objective's rating."""
    ratings = ", ".join(f"{o.id} {o.rating or '-'}" for o in card.objectives)
    overall = f"{card.overall:.0%} ({card.overall_rating})" if card.overall_rating else "not rated"
    return f"score: {overall}, {number(card.points)}/{number(card.max_points)} points; {ratings or 'no objectives'}"


def _number(value: float) -> str:
    """A state value as people read it: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


def describe(event: EventBase, *, include_state: bool = False) -> str | None:
    """One readable timeline line for an event (None to leave it out)."""
    if isinstance(event, ExerciseStarted):
        return f"start     {event.title} (seed {event.seed})"
    if isinstance(event, InjectDelivered):
        kind = "adhoc" if event.adhoc else "inject"
        return f"{kind:<9} {event.inject}: {event.sender} → {', '.join(event.to)} [{event.channel}] {event.title}"
    if isinstance(event, DecisionOpened):
        due = f", due {format_clock(event.deadline)}" if event.deadline is not None else ""
        return f"decision  {event.decision} opened for {', '.join(event.by)}{due}"
    if isinstance(event, DecisionMade):
        return f"decided   {event.decision} → {event.option} by {event.actor}"
    if isinstance(event, DecisionTimedOut):
        return f"timeout   {event.decision} lapsed without a decision"
    if isinstance(event, MessageSent):
        return f"message   {event.actor} → {', '.join(event.to)}: {event.text}"
    if isinstance(event, InjectCancelled):
        return f"cancelled {event.inject}"
    if isinstance(event, StateChanged):
        if include_state or not event.cause.startswith("dynamic:"):
            return f"state     {event.var} {_number(event.previous)} → {_number(event.value)} ({event.cause})"
        return None
    if isinstance(event, ClockChanged):
        return f"clock     {event.action} (pace {event.pace:g}×)"
    if isinstance(event, ExerciseEnded):
        return f"end       {event.reason}"
    return f"{event.type:<9} {event.actor}"
