"""The scenario language: pydantic models that define (and validate) a Tabletop scenario file."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from simulator.durations import MAX_DURATION, format_duration, parse_duration

SCHEMA_VERSION = "tabletop/1"

DURATION_PATTERN = r"^(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?$"

PARTIAL: dict[str, bool] = {"partial": True}
"""Validation context under which rules across fields are skipped (checked by identity).

The loader re-reads what remains of a broken file under it, to check the references of every object:
such a rule names no ids, its own error is already reported, and enforcing it would cut the object.
"""


def _duration_shape(value: object) -> object:
    # parse_duration names a wrong type by its Python name ("got dict"); authors write mappings and lists.
    if isinstance(value, dict):
        raise ValueError("expected a duration such as 90s, 15m or 1h30m, got a mapping")
    if isinstance(value, list):
        raise ValueError("expected a duration such as 90s, 15m or 1h30m, got a list")
    if value is None:
        raise ValueError("expected a duration such as 90s, 15m or 1h30m, got nothing (null)")
    return value


def _bounded_duration(value: float) -> float:
    # A scenario runs for hours or days: "99999999999999999h" (or 999…9h with hundreds of digits, which
    # reads as infinite) is a slip, and an in-world clock that far past the start cannot even be shown.
    if not value <= MAX_DURATION:
        raise ValueError(f"must be at most {format_duration(MAX_DURATION)} ({MAX_DURATION // 86400} days)")
    return value


def _positive_duration(value: float) -> float:
    if value <= 0:
        raise ValueError("must be longer than 0s")
    return value


_DURATION_DESCRIPTION = f'Scenario time such as "90s", "15m" or "1h30m", at most {format_duration(MAX_DURATION)}.'

Duration = Annotated[
    float,
    # Before-validators run last-listed first: the shape check sees the raw value before parse_duration.
    BeforeValidator(parse_duration),
    BeforeValidator(_duration_shape),
    AfterValidator(_bounded_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN, "examples": ["90s", "15m", "1h30m"]},
                {"const": 0},
            ],
            "description": _DURATION_DESCRIPTION,
        }
    ),
]
"""Seconds of scenario time, written "90s", "15m" or "1h30m"."""

PositiveDuration = Annotated[
    Duration,
    AfterValidator(_positive_duration),
    WithJsonSchema(
        {
            # The lookahead asks for a digit other than 0 somewhere, which rules out "0s", "0h0m" and "".
            "type": "string",
            "pattern": "^(?=.*[1-9])" + DURATION_PATTERN[1:],
            "examples": ["45m", "2h", "1h30m"],
            "description": _DURATION_DESCRIPTION.replace("Scenario time", "A positive scenario time"),
        }
    ),
]
"""A duration longer than 0s."""

Number = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite number, written as a YAML number: a quoted "5", `1_000`, `.inf` or `.nan` is refused.

Strict, because pydantic would otherwise read the text "1_000" (YAML 1.2 text, not a number) as 1000;
finite, because infinity and NaN break weights, state arithmetic and JSON output alike."""

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
"""An identifier: letters, digits, '-', '_' and '.', starting with a letter or digit."""

Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]

Domain = Literal["maritime", "cyber", "cbrn", "ct", "hybrid"]
Channel = Literal["email", "phone", "radio", "news", "social", "sitrep", "briefing", "chat", "handout", "video"]
Priority = Literal["low", "normal", "high", "flash"]
Rating = Literal["P", "S", "M", "U"]


class Model(BaseModel):
    """Base for every scenario model: unknown keys are errors and field docstrings become descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, populate_by_name=True)


# --------------------------------------------------------------------------- conditions


class AllCondition(Model):
    """True when every listed condition is true."""

    all: list[Condition] = Field(min_length=1)
    """Conditions that must all hold."""


class AnyCondition(Model):
    """True when at least one listed condition is true."""

    any: list[Condition] = Field(min_length=1)
    """Conditions of which one must hold."""


class NotCondition(Model):
    """True when the inner condition is false."""

    not_: Condition = Field(alias="not")
    """The condition to negate."""


class DecidedCondition(Model):
    """True once a decision has been taken (any option)."""

    decided: Id
    """Id of the decision."""


class ChoseCondition(Model):
    """True once a decision has been taken with a given option."""

    class Choice(Model):
        """A decision and one of its options."""

        decision: Id
        """Id of the decision."""
        option: Id
        """Id of the option that must have been chosen."""

    chose: Choice
    """The decision and the option."""


class TimedOutCondition(Model):
    """True once a decision's deadline has passed without a choice."""

    timed_out: Id
    """Id of the decision."""


class AfterCondition(Model):
    """True once this much scenario time has elapsed since the start."""

    after: Duration
    """Elapsed scenario time, e.g. 30m."""


class DeliveredCondition(Model):
    """True once an inject has been delivered."""

    delivered: Id
    """Id of the inject."""


class StateCondition(Model):
    """Compares a state variable with a number; exactly one comparison is given."""

    state: Id
    """Id of the state variable."""
    above: Number | None = None
    """True when the value is greater than this."""
    below: Number | None = None
    """True when the value is less than this."""
    at_least: Number | None = None
    """True when the value is greater than or equal to this."""
    at_most: Number | None = None
    """True when the value is less than or equal to this."""
    equals: Number | None = None
    """True when the value equals this."""

    @model_validator(mode="after")
    def _one_comparison(self, info: ValidationInfo) -> StateCondition:
        if info.context is PARTIAL:
            return self
        given = [
            name for name in ("above", "below", "at_least", "at_most", "equals") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("a state condition needs exactly one of above, below, at_least, at_most, equals")
        return self

    @property
    def comparison(self) -> tuple[str, float]:
        """The operator name and the threshold."""
        for name in ("above", "below", "at_least", "at_most", "equals"):
            value = getattr(self, name)
            if value is not None:
                return name, value
        raise AssertionError("validated to have one comparison")

    def holds(self, value: float) -> bool:
        """Whether the comparison holds for a value."""
        op, threshold = self.comparison
        if op == "above":
            return value > threshold
        if op == "below":
            return value < threshold
        if op == "at_least":
            return value >= threshold
        if op == "at_most":
            return value <= threshold
        return value == threshold


class MessageCondition(Model):
    """True once a message has been sent matching the given sender and recipient."""

    class Match(Model):
        """Who sent the message and to whom; either may be left out."""

        from_: Id | None = Field(default=None, alias="from")
        """Role or team that sent it."""
        to: Id | None = None
        """Role or team that received it."""

    message: Match
    """The sender and recipient to match."""


CONDITION_KEYS = ("all", "any", "not", "decided", "chose", "timed_out", "after", "delivered", "state", "message")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in CONDITION_KEYS:
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return _CONDITION_TAGS.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")]
    | Annotated[DecidedCondition, Tag("decided")]
    | Annotated[ChoseCondition, Tag("chose")]
    | Annotated[TimedOutCondition, Tag("timed_out")]
    | Annotated[AfterCondition, Tag("after")]
    | Annotated[DeliveredCondition, Tag("delivered")]
    | Annotated[StateCondition, Tag("state")]
    | Annotated[MessageCondition, Tag("message")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of: " + ", ".join(CONDITION_KEYS),
    ),
]
"""A structured condition; evaluated by the engine, never by `eval`."""

_CONDITION_TAGS: dict[type, str] = {
    AllCondition: "all",
    AnyCondition: "any",
    NotCondition: "not",
    DecidedCondition: "decided",
    ChoseCondition: "chose",
    TimedOutCondition: "timed_out",
    AfterCondition: "after",
    DeliveredCondition: "delivered",
    StateCondition: "state",
    MessageCondition: "message",
}

# --------------------------------------------------------------------------- effects


class SetEffect(Model):
    """Sets state variables to values."""

    set: dict[Id, Number] = Field(min_length=1)
    """Variable id → new value."""


class AddEffect(Model):
    """Adds to state variables (a negative number subtracts)."""

    add: dict[Id, Number] = Field(min_length=1)
    """Variable id → amount to add."""


class ScheduleEffect(Model):
    """Delivers an inject, now or after a delay."""

    class Target(Model):
        """An inject and a delay."""

        inject: Id
        """Id of the inject to deliver."""
        in_: Duration = Field(default=0.0, alias="in")
        """Delay before delivery, e.g. 10m."""

    schedule: Id | Target
    """Inject id, or {inject, in} to deliver it after a delay."""


class CancelEffect(Model):
    """Cancels an inject that has not been delivered yet."""

    cancel: Id
    """Id of the inject to cancel."""


class EndEffect(Model):
    """Ends the exercise."""

    end: Text
    """Why the exercise ends, shown to everyone."""


EFFECT_KEYS = ("set", "add", "schedule", "cancel", "end")


def _effect_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in EFFECT_KEYS:
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {
            SetEffect: "set",
            AddEffect: "add",
            ScheduleEffect: "schedule",
            CancelEffect: "cancel",
            EndEffect: "end",
        }.get(type(value))
    return None


Effect = Annotated[
    Annotated[SetEffect, Tag("set")]
    | Annotated[AddEffect, Tag("add")]
    | Annotated[ScheduleEffect, Tag("schedule")]
    | Annotated[CancelEffect, Tag("cancel")]
    | Annotated[EndEffect, Tag("end")],
    Discriminator(
        _effect_kind,
        custom_error_type="effect",
        custom_error_message="an effect needs one of: " + ", ".join(EFFECT_KEYS),
    ),
]
"""What happens when an option is chosen or a deadline lapses."""

# --------------------------------------------------------------------------- actors and world


class Team(Model):
    """An agency, nation or organisation that roles belong to."""

    id: Id
    """Unique id, used in recipients and scoring."""
    name: Text
    """Display name, e.g. "Singapore Maritime and Port Authority"."""
    kind: Literal["agency", "nation", "organisation", "cell"] = "agency"
    """What the team is."""
    nation: str | None = None
    """Country or body the team belongs to, e.g. "Japan" or "EU"."""


class Role(Model):
    """A seat at the table: one participant or group that reads injects and decides."""

    id: Id
    """Unique id, used in recipients, decisions and scoring."""
    name: Text
    """Display name, e.g. "MMEA duty officer"."""
    team: Id
    """Id of the team (agency or nation) the role belongs to."""
    description: str = ""
    """Briefing for whoever plays the role."""


class StateVar(Model):
    """A number describing the world (oil in the water, hosts encrypted, people exposed)."""

    label: Text
    """Display name, e.g. "Oil in the water"."""
    initial: Number = 0
    """Value at the start."""
    unit: str = ""
    """Unit shown after the value, e.g. "t" or "hosts"."""
    min: Number | None = None
    """Lowest value the variable can take; changes are clamped."""
    max: Number | None = None
    """Highest value the variable can take; changes are clamped."""
    visible_to: list[Id] = Field(default_factory=lambda: ["all"])
    """Roles or teams that see it ("all" for everyone). The facilitator always sees it."""
    description: str = ""
    """What the number means and where it comes from."""

    @model_validator(mode="after")
    def _bounds(self, info: ValidationInfo) -> StateVar:
        if info.context is PARTIAL:
            return self
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        for bound, ok in (
            ("min", self.min is None or self.initial >= self.min),
            ("max", self.max is None or self.initial <= self.max),
        ):
            if not ok:
                raise ValueError(f"initial value {self.initial:g} is outside {bound}")
        return self


class Dynamic(Model):
    """A process that changes a state variable at a steady interval while it runs."""

    id: Id
    """Unique id."""
    var: Id
    """Id of the state variable it changes."""
    every: Duration
    """Interval between changes, e.g. 5m."""
    change: Number = 0
    """Amount added at each step."""
    growth: Number = 0
    """Fraction of the current value added at each step (0.1 = +10%)."""
    noise: Number = 0
    """Standard deviation of seeded random noise added at each step."""
    when: Condition | None = None
    """The dynamic starts once this holds (from the start if left out)."""
    until: Condition | None = None
    """The dynamic stops for good once this holds."""

    @model_validator(mode="after")
    def _positive_interval(self, info: ValidationInfo) -> Dynamic:
        if info.context is PARTIAL:
            return self
        if self.every <= 0:
            raise ValueError("every must be longer than 0s")
        return self


# --------------------------------------------------------------------------- injects and decisions


class Delay(Model):
    """A triangular distribution of how long players take to decide, used by the random policy."""

    min: Duration
    """Shortest plausible delay."""
    mode: Duration
    """Most likely delay."""
    max: Duration
    """Longest plausible delay."""

    @model_validator(mode="after")
    def _ordered(self, info: ValidationInfo) -> Delay:
        if info.context is PARTIAL:
            return self
        if not self.min <= self.mode <= self.max:
            raise ValueError("delay needs min <= mode <= max")
        return self


class Option(Model):
    """One choice in a decision."""

    id: Id
    """Unique within the decision."""
    label: Text
    """What the players see, e.g. "Dispatch a patrol vessel"."""
    description: str = ""
    """Longer explanation shown with the option."""
    effects: list[Effect] = Field(default_factory=list)
    """What happens when this option is chosen."""
    # Bounded so that a decision's total stays finite: random.choices refuses an infinite total.
    weight: Number = Field(default=1.0, ge=0, le=1e9)
    """Relative chance the random policy picks it; if every option has weight 0 it picks uniformly (lint warns)."""


class Decision(Model):
    """A choice players must make, attached to an inject."""

    id: Id
    """Unique across the scenario."""
    prompt: Text
    """The question, e.g. "What do you do?"."""
    by: list[Id] | None = None
    """Roles or teams allowed to decide (the inject's recipients if left out)."""
    options: list[Option] = Field(min_length=1)
    """The choices."""
    deadline: Duration | None = None
    """Time allowed after the inject is delivered; no deadline if left out."""
    on_timeout: list[Effect] = Field(default_factory=list)
    """What happens when the deadline lapses without a choice."""
    rationale: Literal["none", "optional", "required"] = "optional"
    """Whether players write why they chose."""
    delay: Delay | None = None
    """How long players plausibly take (for the random policy); the scenario default if left out."""


class Attachment(Model):
    """A text document that comes with an inject."""

    name: Text
    """File name or title, e.g. "AIS track.txt"."""
    text: Text
    """The content, shown literally."""


class Inject(Model):
    """A piece of information delivered to players: an email, a radio call, a news flash."""

    id: Id
    """Unique across the scenario."""
    at: Duration | None = None
    """Scenario time of delivery. Leave out both `at` and `when` for an inject that only an effect schedules."""
    when: Condition | None = None
    """Deliver once this condition holds (instead of at a fixed time)."""
    delay: Duration = 0.0
    """With `when`: wait this long after the condition first holds."""
    from_: Text = Field(alias="from")
    """Who sends it, as the players see it, e.g. "Port Klang VTS"."""
    to: list[Id] = Field(min_length=1)
    """Recipients: role ids, team ids, or "all"."""
    channel: Channel
    """How it arrives."""
    title: Text
    """Subject line or headline."""
    body: str = ""
    """Full text, shown literally."""
    priority: Priority = "normal"
    """How urgent it looks to the players."""
    category: Literal["scripted", "contingency", "noise"] = "scripted"
    """Scripted storyline, contingency (sent when expected actions do not happen) or background noise."""
    attachments: list[Attachment] = Field(default_factory=list)
    """Documents that come with the inject."""
    decision: Decision | None = None
    """A decision the recipients must make."""
    effects: list[Effect] = Field(default_factory=list)
    """What happens in the world when the inject is delivered (state changes, follow-up injects)."""
    expected_action: str = ""
    """What players should do (for the MSEL and evaluators)."""
    objectives: list[Id] = Field(default_factory=list)
    """Objectives this inject tests (for the MSEL)."""
    notes: str = ""
    """Notes for controllers; never shown to players."""

    @model_validator(mode="after")
    def _timing(self, info: ValidationInfo) -> Inject:
        if info.context is PARTIAL:
            return self
        if self.at is not None and self.when is not None:
            raise ValueError("give either `at` or `when`, not both")
        if self.delay and self.when is None:
            raise ValueError("`delay` only applies together with `when`")
        return self


# --------------------------------------------------------------------------- objectives and scoring


class Objective(Model):
    """An exercise objective, tied to a core capability."""

    id: Id
    """Unique id."""
    text: Text
    """The objective, e.g. "Share maritime domain awareness with partners within 20 minutes"."""
    capability: Text
    """Core capability it tests, e.g. "Operational Coordination" (HSEEP) or your framework's name."""


class Expectation(Model):
    """An expected player action that earns points toward an objective.

    Exactly one of `decision`, `respond`, `message_to_any`, `message_to_all` or `state` says what kind it is."""

    id: Id
    """Unique id."""
    objective: Id
    """Objective it counts toward."""
    description: str = ""
    """What evaluators look for, in words."""
    by: list[Id] | None = None
    """Roles or teams expected to act (anyone if left out)."""
    after: Id | None = None
    """Inject or decision that starts the clock (the start of the exercise if left out)."""
    within: Duration | None = None
    """Time allowed after the trigger."""
    # Bounded so that an objective's total stays finite and its share of points a number.
    points: Number = Field(default=1.0, gt=0, le=1e9)
    """Weight of the expectation within its objective."""
    decision: Id | None = None
    """Kind "decision": this decision is taken…"""
    option: Id | None = None
    """…with this option."""
    options: list[Id] | None = None
    """…with one of these options."""
    respond: Id | None = None
    """Kind "respond": someone responds (decides or messages) after this inject."""
    message_to_any: list[Id] | None = None
    """Kind "message": a message reaches at least one of these roles or teams."""
    message_to_all: list[Id] | None = None
    """Kind "message": messages reach every one of these roles or teams."""
    state: StateCondition | None = None
    """Kind "state": this holds for a state variable."""
    measure: Literal["final", "peak", "lowest", "at"] = "final"
    """With `state`: test the final value, the peak, the lowest, or the value `at` a time."""
    at: Duration | None = None
    """With `state` and measure "at": the scenario time to test."""
    corrective_action: str | None = None
    """Improvement-plan text when the expectation is missed, e.g. "Add the coast guard to the spill call-out list"."""

    @property
    def kind(self) -> str:
        """Which kind of expectation this is."""
        if self.decision is not None:
            return "decision"
        if self.respond is not None:
            return "respond"
        if self.message_to_any is not None or self.message_to_all is not None:
            return "message"
        return "state"

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo) -> Expectation:
        if info.context is PARTIAL:
            return self
        kinds = [
            name
            for name in ("decision", "respond", "message_to_any", "message_to_all", "state")
            if getattr(self, name) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "an expectation needs exactly one of decision, respond, message_to_any, message_to_all, state"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        if (self.option is not None or self.options is not None) and self.decision is None:
            raise ValueError("`option` and `options` go with `decision`")
        if self.option is not None and self.options is not None:
            raise ValueError("give `option` or `options`, not both")
        if self.measure == "at" and self.at is None:
            raise ValueError('measure "at" needs `at`')
        return self


class RatingThresholds(Model):
    """Share of an objective's points needed for each HSEEP rating; below M is U."""

    P: Number = Field(default=0.85, ge=0, le=1)
    """Performed without challenges."""
    S: Number = Field(default=0.6, ge=0, le=1)
    """Performed with some challenges."""
    M: Number = Field(default=0.3, ge=0, le=1)
    """Performed with major challenges."""

    @model_validator(mode="after")
    def _ordered(self, info: ValidationInfo) -> RatingThresholds:
        if info.context is PARTIAL:
            return self
        if not self.P >= self.S >= self.M:
            raise ValueError("ratings need P >= S >= M")
        return self


class Scoring(Model):
    """How the after-action log is scored."""

    expectations: list[Expectation] = Field(default_factory=list)
    """Expected player actions."""
    ratings: RatingThresholds = Field(default_factory=RatingThresholds)
    """Thresholds for P/S/M/U ratings."""


class HotwashQuestion(Model):
    """A question put to players right after play."""

    id: Id
    """Unique id."""
    text: Text
    """The question."""


# --------------------------------------------------------------------------- scripted responses


class ScriptedDecision(Model):
    """How a scripted team answers one decision."""

    option: Id
    """Id of the option to choose."""
    delay: Duration = 60.0
    """Time after the decision opens."""
    rationale: str = ""
    """Why, as the team would write it."""
    by: Id | None = None
    """Role that decides (the first allowed role if left out)."""


class ScriptedMessage(Model):
    """A message a scripted team sends."""

    from_: Id = Field(alias="from")
    """Role that sends it."""
    to: list[Id] = Field(min_length=1)
    """Roles or teams that receive it."""
    text: Text
    """The message."""
    at: Duration | None = None
    """Scenario time to send it."""
    after: Id | None = None
    """Or: send it once this inject is delivered or this decision is taken…"""
    delay: Duration = 0.0
    """…plus this delay."""

    @model_validator(mode="after")
    def _timing(self, info: ValidationInfo) -> ScriptedMessage:
        if info.context is PARTIAL:
            return self
        if (self.at is None) == (self.after is None):
            raise ValueError("a scripted message needs either `at` or `after`")
        return self


class ResponseScript(Model):
    """Scripted play: answers to decisions and messages between roles (the model answer, or a response file)."""

    decisions: dict[Id, ScriptedDecision] = Field(default_factory=dict)
    """Decision id → the answer."""
    messages: list[ScriptedMessage] = Field(default_factory=list)
    """Messages to send."""


# --------------------------------------------------------------------------- the scenario


_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:?\d\d)\Z")
_START_EXAMPLE = '"2026-05-04T09:00:00+08:00"'


def _date_time_with_offset(value: object) -> object:
    """An in-world clock must say where in the world it is: a date alone, or a time without offset, is refused.

    pydantic would read "2026-05-04" as midnight with no time zone, and turn the number 1700000000
    into a Unix time; both give a clock the author never meant.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"needs a UTC offset, e.g. {_START_EXAMPLE}")
        return value
    if not isinstance(value, str):
        shown = "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)
        raise ValueError(f"expected a date and time with a UTC offset such as {_START_EXAMPLE}, got {shown}")
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        raise ValueError(
            f"{value!r} is a date without a time; write the date, time and UTC offset, e.g. {_START_EXAMPLE}"
        )
    if _DATE_TIME.match(text + "Z"):
        raise ValueError(f"{value!r} has no UTC offset; add one, e.g. {_START_EXAMPLE}")
    if not _DATE_TIME.match(text):
        raise ValueError(f"{value!r} is not a date and time; write one with its UTC offset, e.g. {_START_EXAMPLE}")
    return text


def _check_version(value: str) -> str:
    if value != SCHEMA_VERSION:
        raise ValueError(f"unsupported schema {value!r}; this version reads {SCHEMA_VERSION!r}")
    return value


class Scenario(Model):
    """A tabletop exercise: who plays, what the world is, what happens, and how play is judged."""

    schema_: Annotated[str, AfterValidator(_check_version)] = Field(alias="schema")
    """Scenario language version; always "tabletop/1"."""
    id: Id
    """Unique id of the scenario."""
    title: Text
    """Title shown to everyone."""
    domain: Domain
    """Main domain: maritime, cyber, cbrn, ct (counter-terrorism) or hybrid."""
    summary: str = ""
    """A paragraph for the trainer choosing a scenario."""
    duration: PositiveDuration
    """Scenario time the exercise lasts, e.g. 2h."""
    start: Annotated[datetime, BeforeValidator(_date_time_with_offset)] | None = None
    """In-world date and time at scenario time 0, with its UTC offset."""
    pace: Number = Field(default=60.0, gt=0)
    """Default pace: scenario seconds per real second (60 = one scenario minute per second)."""
    teams: list[Team] = Field(min_length=1)
    """Agencies, nations and organisations."""
    roles: list[Role] = Field(min_length=1)
    """Seats at the table."""
    state: dict[Id, StateVar] = Field(default_factory=dict)
    """The world state: variable id → definition."""
    dynamics: list[Dynamic] = Field(default_factory=list)
    """Processes that change the world over time."""
    injects: list[Inject] = Field(default_factory=list)
    """Everything that happens, timed or conditional."""
    objectives: list[Objective] = Field(default_factory=list)
    """What the exercise tests."""
    scoring: Scoring = Field(default_factory=Scoring)
    """How play is scored."""
    hotwash: list[HotwashQuestion] = Field(default_factory=list)
    """Questions for the hot wash right after play."""
    decision_delay: Delay | None = None
    """Default decision delay for the random policy."""
    model: ResponseScript | None = None
    """The model answer: what a well-prepared team would do."""

    # Lookups built once; the model is frozen so they never go stale.
    def model_post_init(self, __context: Any) -> None:
        object.__setattr__(self, "_injects", {i.id: i for i in self.injects})
        decisions = {i.decision.id: (i, i.decision) for i in self.injects if i.decision is not None}
        object.__setattr__(self, "_decisions", decisions)
        object.__setattr__(self, "_roles", {r.id: r for r in self.roles})
        object.__setattr__(self, "_teams", {t.id: t for t in self.teams})

    def inject(self, inject_id: str) -> Inject:
        """The inject with this id."""
        return self._injects[inject_id]  # type: ignore[attr-defined]

    def decision(self, decision_id: str) -> tuple[Inject, Decision]:
        """The decision with this id and the inject that carries it."""
        return self._decisions[decision_id]  # type: ignore[attr-defined]

    @property
    def decisions(self) -> list[Decision]:
        """Every decision, in inject order."""
        return [d for _, d in self._decisions.values()]  # type: ignore[attr-defined]

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        return self._roles[role_id]  # type: ignore[attr-defined]

    def team(self, team_id: str) -> Team:
        """The team with this id."""
        return self._teams[team_id]  # type: ignore[attr-defined]

    # Per-run plans that depend only on the scenario, built on first use and kept: every run of a
    # sweep, a replay or a resume reuses them.
    @cached_property
    def timed_injects(self) -> list[Inject]:
        """The injects with an `at` time, in delivery order (file order among equal times)."""
        return sorted((i for i in self.injects if i.at is not None), key=_inject_time)

    @cached_property
    def recipients(self) -> dict[str, list[str]]:
        """Each inject's recipients as role ids, resolved from roles, teams and "all" (shared: do not change)."""
        resolved: dict[tuple[str, ...], list[str]] = {}
        out: dict[str, list[str]] = {}
        for inject in self.injects:
            key = tuple(inject.to)
            if key not in resolved:
                resolved[key] = self.resolve_roles(inject.to)
            out[inject.id] = resolved[key]
        return out

    def resolve_roles(self, ids: list[str] | None) -> list[str]:
        """Role ids named by a list of role ids, team ids and "all", in scenario order."""
        if ids is None or "all" in ids:
            return [r.id for r in self.roles]
        wanted = set(ids)
        return [r.id for r in self.roles if r.id in wanted or r.team in wanted]


def _inject_time(inject: Inject) -> float:
    return inject.at or 0.0


AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()
Dynamic.model_rebuild()
Inject.model_rebuild()
Scenario.model_rebuild()


def json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a scenario file, for editors."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://tabletop.invalid/schema/tabletop-1.json"
    schema["title"] = "Tabletop scenario (tabletop/1)"
    return schema
