"""The log vocabulary: every event of an exercise as a frozen pydantic model in one discriminated union."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class EventBase(BaseModel):
    """Fields every event has: where it sits in the log, when it happened and who caused it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    """Position in the log, from 1."""
    # Read-back logs are checked (the engine builds its own events without validation): a log
    # edited or imported by hand must not carry a time no clock, chart or report can use.
    t: float = Field(ge=0, allow_inf_nan=False)
    """Scenario time in seconds."""
    wall: float = Field(allow_inf_nan=False)
    """Wall-clock time (Unix seconds) when it was recorded; not part of determinism."""
    actor: str
    """"system", "facilitator" or a role id."""

    def payload(self) -> dict[str, Any]:
        """The event-specific fields."""
        return self.model_dump(exclude={"seq", "t", "wall", "actor", "type"})


class ExerciseStarted(EventBase):
    """The exercise began."""

    type: Literal["exercise_started"] = "exercise_started"
    scenario: str
    title: str
    seed: int
    sha256: str


class InjectDelivered(EventBase):
    """An inject reached its recipients (scripted or ad hoc)."""

    type: Literal["inject_delivered"] = "inject_delivered"
    inject: str
    title: str
    body: str = ""
    sender: str
    channel: str
    to: list[str]
    """Recipient role ids, resolved from roles, teams and "all"."""
    priority: str = "normal"
    category: str = "scripted"
    decision: str | None = None
    attachments: list[dict[str, str]] = Field(default_factory=list)
    adhoc: bool = False


class InjectCancelled(EventBase):
    """A pending inject will not be delivered."""

    type: Literal["inject_cancelled"] = "inject_cancelled"
    inject: str


class DecisionOpened(EventBase):
    """Roles were asked to decide."""

    type: Literal["decision_opened"] = "decision_opened"
    decision: str
    inject: str
    prompt: str
    by: list[str]
    deadline: float | None = None
    """Scenario time by which to decide, if any."""


class DecisionMade(EventBase):
    """A role chose an option."""

    type: Literal["decision_made"] = "decision_made"
    decision: str
    option: str
    rationale: str = ""


class DecisionTimedOut(EventBase):
    """A decision's deadline lapsed without a choice."""

    type: Literal["decision_timed_out"] = "decision_timed_out"
    decision: str


class MessageSent(EventBase):
    """A role sent a message to other roles."""

    type: Literal["message_sent"] = "message_sent"
    to: list[str]
    """Recipient role ids."""
    text: str
    subject: str = ""


class StateChanged(EventBase):
    """A world-state variable changed."""

    type: Literal["state_changed"] = "state_changed"
    var: str
    value: float = Field(allow_inf_nan=False)
    previous: float = Field(allow_inf_nan=False)
    cause: str
    """What changed it: "dynamic:ID", "inject:ID", "option:DECISION/OPTION" or "timeout:DECISION"."""


class Observation(EventBase):
    """An evaluator's observation, optionally tagged to an objective."""

    type: Literal["observation"] = "observation"
    text: str
    objective: str | None = None
    about: str | None = None
    """Role or team observed, if any."""
    kind: Literal["note", "strength", "improvement"] = "note"


class RatingOverridden(EventBase):
    """An evaluator replaced the automatic rating of an objective."""

    type: Literal["rating_overridden"] = "rating_overridden"
    objective: str
    rating: Literal["P", "S", "M", "U"]
    reason: str


class HotwashAnswered(EventBase):
    """A participant answered a hot wash question."""

    type: Literal["hotwash_answered"] = "hotwash_answered"
    question: str
    answer: str


class ClockChanged(EventBase):
    """The facilitator started, paused, resumed, changed the pace or jumped the clock."""

    type: Literal["clock_changed"] = "clock_changed"
    action: Literal["start", "pause", "resume", "pace", "jump"]
    pace: float
    from_t: float | None = None
    """A jump: the scenario time it left (the event's own time); None for other actions and older logs."""
    to_t: float | None = None
    """A jump: the scenario time it lands on, the next scheduled happening; None for other actions and older logs."""


class ExerciseEnded(EventBase):
    """The exercise ended."""

    type: Literal["exercise_ended"] = "exercise_ended"
    reason: str


Event = Annotated[
    ExerciseStarted
    | InjectDelivered
    | InjectCancelled
    | DecisionOpened
    | DecisionMade
    | DecisionTimedOut
    | MessageSent
    | StateChanged
    | Observation
    | RatingOverridden
    | HotwashAnswered
    | ClockChanged
    | ExerciseEnded,
    Field(discriminator="type"),
]
"""Any event of the log."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        ExerciseStarted,
        InjectDelivered,
        InjectCancelled,
        DecisionOpened,
        DecisionMade,
        DecisionTimedOut,
        MessageSent,
        StateChanged,
        Observation,
        RatingOverridden,
        HotwashAnswered,
        ClockChanged,
        ExerciseEnded,
    )
}


def _defaults(cls: type[EventBase]) -> tuple[tuple[str, ...], dict[str, Any], dict[str, Any]]:
    plain: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.default_factory is not None:
            factories[name] = field.default_factory
        elif not field.is_required():
            plain[name] = field.default
    return tuple(cls.model_fields), plain, factories


_DEFAULTS = {cls: _defaults(cls) for cls in EVENT_TYPES.values()}
# One fields-set per class, shared by its events: frozen events are never assigned to, and
# pydantic copies the set before changing it (model_copy), so sharing is safe and saves a set per event.
_FIELDS_SET = {cls: set(cls.model_fields) for cls in EVENT_TYPES.values()}
_set_slot = object.__setattr__
# pydantic keeps its bookkeeping in slots; setting them through their descriptors skips a lookup per event.
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def build_event(cls: type[EventBase], values: dict[str, Any], *, ordered: bool = False) -> EventBase:
    """An event from trusted values, without re-validation: the engine's hot path.

    Does what pydantic's `model_construct` does for these flat, frozen models at a fraction of
    the cost, and keeps fields in declaration order so serialised logs are byte-stable.
    A test checks the result equals a validated event. `ordered=True` promises that `values`
    already holds every field in declaration order.
    """
    if not ordered and tuple(values) != _DEFAULTS[cls][0]:
        names, plain, factories = _DEFAULTS[cls]
        ordered = {}
        for name in names:
            if name in values:
                ordered[name] = values[name]
            elif name in factories:
                ordered[name] = factories[name]()
            else:
                ordered[name] = plain[name]
        values = ordered
    event = cls.__new__(cls)
    _set_slot(event, "__dict__", values)
    _set_fields_set(event, _FIELDS_SET[cls])
    _set_extra(event, None)
    _set_private(event, None)
    return event


def parse_event(data: dict[str, Any]) -> EventBase:
    """An event from its dict form (validated)."""
    return EVENT_ADAPTER.validate_python(data)  # type: ignore[return-value]


def without_wall(event: EventBase) -> dict[str, Any]:
    """An event as a dict without its wall-clock time, for determinism checks."""
    return event.model_dump(exclude={"wall"})
