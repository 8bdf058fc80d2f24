"""Automated participants for dry runs, tests and sweeps: none, first, random, model, or a response file."""

from __future__ import annotations

import difflib
import os
import random
from pathlib import Path
from typing import Protocol

from simulator.commands import CommandBase, Decide, SendMessage
from simulator.events import DecisionMade, DecisionOpened, EventBase, InjectDelivered
from simulator.loader import load_response_file
from simulator.schema import Delay, ResponseScript, Scenario

DEFAULT_DELAY = Delay(min="30s", mode="2m", max="8m")
POLICY_NAMES = ("none", "first", "random", "model")
RESPONSE_FILE_SUFFIXES = (".yaml", ".yml")
# The order the commands' help lists them in, so an error reads like the help.
_IN_HELP_ORDER = ("random", "first", "none", "model")

Planned = tuple[float, CommandBase]
"""A command and the scenario time at which to submit it."""


class Policy(Protocol):
    """Stands in for the participants: sees each event, answers with commands to submit later."""

    name: str

    def react(self, event: EventBase) -> list[Planned]:
        """Commands this event prompts, with the scenario time to send each."""
        ...


class NoPolicy:
    """Never decides, never writes: every deadline lapses."""

    name = "none"

    def react(self, event: EventBase) -> list[Planned]:
        return []


class FirstPolicy:
    """Chooses the first option of every decision, at the scenario's most likely delay."""

    name = "first"

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def react(self, event: EventBase) -> list[Planned]:
        if not isinstance(event, DecisionOpened) or not event.by:
            return []
        _, decision = self.scenario.decision(event.decision)
        delay = (decision.delay or self.scenario.decision_delay or DEFAULT_DELAY).mode
        option = decision.options[0]
        return [
            (
                event.t + delay,
                Decide(role=event.by[0], decision=event.decision, option=option.id, rationale="first option"),
            )
        ]


class RandomPolicy:
    """Plays like a plausible team: options by the author's weights, delays from a triangular distribution,
    and now and then a note passed to a partner in another team."""

    name = "random"
    SHARE_PROBABILITY = 0.3

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        # Its own stream, so a policy's draws never shift the world's noise.
        self.rng = random.Random(f"policy:{seed}")
        self._team_of = {r.id: r.team for r in scenario.roles}

    def _delay(self, delay: Delay | None) -> float:
        d = delay or self.scenario.decision_delay or DEFAULT_DELAY
        return self.rng.triangular(d.min, d.max, d.mode)

    def react(self, event: EventBase) -> list[Planned]:
        if isinstance(event, DecisionOpened) and event.by:
            _, decision = self.scenario.decision(event.decision)
            weights = [o.weight for o in decision.options]
            if sum(weights) <= 0:
                weights = [1.0] * len(weights)
            option = self.rng.choices(decision.options, weights=weights)[0]
            role = self.rng.choice(event.by)
            delay = self._delay(decision.delay)
            return [
                (
                    event.t + delay,
                    Decide(role=role, decision=event.decision, option=option.id, rationale="random policy"),
                )
            ]
        if isinstance(event, InjectDelivered) and event.to and not event.adhoc and event.category != "noise":
            if self.rng.random() >= self.SHARE_PROBABILITY:
                return []
            sender = self.rng.choice(event.to)
            partners = [r.id for r in self.scenario.roles if self._team_of[r.id] != self._team_of[sender]]
            if not partners:
                return []
            partner = self.rng.choice(partners)
            delay = self._delay(None)
            text = f"For your awareness: {event.title}"
            return [(event.t + delay, SendMessage(role=sender, to=[partner], text=text))]
        return []


class ScriptPolicy:
    """Plays a response script: the scenario's model answer, or a response file."""

    def __init__(self, scenario: Scenario, script: ResponseScript, name: str) -> None:
        self.scenario = scenario
        self.script = script
        self.name = name
        self._started = False

    def react(self, event: EventBase) -> list[Planned]:
        planned: list[Planned] = []
        if not self._started:
            self._started = True
            for message in self.script.messages:
                if message.at is not None:
                    planned.append((message.at, self._message(message)))
        if isinstance(event, DecisionOpened):
            answer = self.script.decisions.get(event.decision)
            if answer is not None and event.by:
                role = answer.by if answer.by in event.by else event.by[0]
                command = Decide(role=role, decision=event.decision, option=answer.option, rationale=answer.rationale)
                planned.append((event.t + answer.delay, command))
        trigger = None
        if isinstance(event, InjectDelivered):
            trigger = event.inject
        elif isinstance(event, DecisionMade):
            trigger = event.decision
        if trigger is not None:
            for message in self.script.messages:
                if message.after == trigger:
                    planned.append((event.t + message.delay, self._message(message)))
        return planned

    @staticmethod
    def _message(message: object) -> SendMessage:
        return SendMessage(role=message.from_, to=list(message.to), text=message.text)  # type: ignore[attr-defined]


def unknown_policy(spec: str) -> str | None:
    """Why `spec` names no policy, or None when it is a policy name or could be a response file.

    A word that is neither a name nor an existing file, and has no folder or YAML suffix, is far more
    likely a mistyped name than a missing file: saying "cannot read response file randm" would send
    the reader looking for a file they never meant.
    """
    if spec in POLICY_NAMES or Path(spec).is_file() or _looks_like_a_path(spec):
        return None
    close = difflib.get_close_matches(spec.lower(), POLICY_NAMES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown policy {spec!r}{hint}: use {', '.join(_IN_HELP_ORDER)} or a response file (YAML)"


def _looks_like_a_path(spec: str) -> bool:
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    return any(sep in spec for sep in separators) or spec.lower().endswith(RESPONSE_FILE_SUFFIXES)


def make_policy(spec: str, scenario: Scenario, seed: int) -> Policy:
    """A policy from its name (none, first, random, model) or a response file path.

    Raises ValueError for a spec that is neither (see `unknown_policy`) and ScenarioError for a
    response file that cannot be read or does not fit the scenario.
    """
    if spec == "none":
        return NoPolicy()
    if spec == "first":
        return FirstPolicy(scenario)
    if spec == "random":
        return RandomPolicy(scenario, seed)
    if spec == "model":
        if scenario.model is None:
            raise ValueError(f"scenario {scenario.id!r} has no model answer (add a `model:` section)")
        return ScriptPolicy(scenario, scenario.model, "model")
    problem = unknown_policy(spec)
    if problem:
        raise ValueError(problem)
    return ScriptPolicy(scenario, load_response_file(spec, scenario), spec)
