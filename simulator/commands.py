"""What participants and the facilitator can ask an exercise to do: one discriminated union of commands."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

ShortText = Annotated[str, StringConstraints(max_length=20_000)]


class CommandBase(BaseModel):
    """Fields every command has."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Decide(CommandBase):
    """A role chooses an option of an open decision."""

    type: Literal["decide"] = "decide"
    role: str
    decision: str
    option: str
    rationale: ShortText = ""


class SendMessage(CommandBase):
    """A role sends a message to roles or teams ("all" for everyone)."""

    type: Literal["send_message"] = "send_message"
    role: str
    to: list[str] = Field(min_length=1)
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    subject: ShortText = ""


class InjectAdHoc(CommandBase):
    """The facilitator sends an inject that is not in the scenario."""

    type: Literal["inject_adhoc"] = "inject_adhoc"
    to: list[str] = Field(min_length=1)
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    body: ShortText = ""
    channel: str = "email"
    sender: str = "Exercise control"
    priority: Literal["low", "normal", "high", "flash"] = "normal"


class Observe(CommandBase):
    """An evaluator records an observation."""

    type: Literal["observe"] = "observe"
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    objective: str | None = None
    about: str | None = None
    kind: Literal["note", "strength", "improvement"] = "note"


class OverrideRating(CommandBase):
    """An evaluator replaces an objective's automatic rating, with a reason."""

    type: Literal["override_rating"] = "override_rating"
    objective: str
    rating: Literal["P", "S", "M", "U"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=5_000)]


class AnswerHotwash(CommandBase):
    """A participant (or the facilitator for the room) answers a hot wash question."""

    type: Literal["answer_hotwash"] = "answer_hotwash"
    role: str
    question: str
    answer: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class ChangeClock(CommandBase):
    """A clock change to record (the session does the pacing)."""

    type: Literal["change_clock"] = "change_clock"
    action: Literal["start", "pause", "resume", "pace", "jump"]
    pace: float = Field(gt=0)


class EndExercise(CommandBase):
    """The facilitator ends the exercise."""

    type: Literal["end_exercise"] = "end_exercise"
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] = "ended by the facilitator"


Command = Annotated[
    Decide | SendMessage | InjectAdHoc | Observe | OverrideRating | AnswerHotwash | ChangeClock | EndExercise,
    Field(discriminator="type"),
]
"""Any command."""

COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
