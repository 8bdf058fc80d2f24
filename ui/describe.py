"""One-line, literal descriptions of log events for the feed and action logs."""

from __future__ import annotations

from rich.text import Text

from simulator.events import (
    ClockChanged,
    DecisionMade,
    DecisionOpened,
    DecisionTimedOut,
    EventBase,
    ExerciseEnded,
    ExerciseStarted,
    HotwashAnswered,
    InjectCancelled,
    InjectDelivered,
    MessageSent,
    Observation,
    RatingOverridden,
    StateChanged,
)
from simulator.schema import Scenario
from ui.text import clock, number, one_line, option_label

KIND_STYLE = {
    "inject_delivered": "bold cyan",
    "decision_opened": "bold yellow",
    "decision_made": "bold green",
    "decision_timed_out": "bold red",
    "message_sent": "magenta",
    "state_changed": "blue",
    "observation": "italic",
    "clock_changed": "dim",
    "exercise_started": "bold",
    "exercise_ended": "bold",
}

KIND_LABEL = {
    "inject_delivered": "INJECT",
    "inject_cancelled": "CANCEL",
    "decision_opened": "DECIDE?",
    "decision_made": "DECIDED",
    "decision_timed_out": "LAPSED",
    "message_sent": "MESSAGE",
    "state_changed": "STATE",
    "observation": "NOTE",
    "rating_overridden": "RATING",
    "hotwash_answered": "HOTWASH",
    "clock_changed": "CLOCK",
    "exercise_started": "START",
    "exercise_ended": "END",
}


def summary(event: EventBase, scenario: Scenario) -> str:
    """What happened, in a short sentence of plain (cleaned) text."""
    if isinstance(event, InjectDelivered):
        return f"{one_line(event.sender, 30)} → {', '.join(event.to)}: {one_line(event.title, 80)}"
    if isinstance(event, DecisionOpened):
        return f"{', '.join(event.by)} to decide: {one_line(event.prompt, 80)}"
    if isinstance(event, DecisionMade):
        why = f" — {one_line(event.rationale, 60)}" if event.rationale else ""
        label = one_line(option_label(scenario, event.decision, event.option), 60)
        return f"{event.actor} chose “{label}” for {event.decision}{why}"
    if isinstance(event, DecisionTimedOut):
        return f"deadline lapsed: {event.decision}"
    if isinstance(event, MessageSent):
        subject = f"[{one_line(event.subject, 30)}] " if event.subject else ""
        return f"{event.actor} → {', '.join(event.to)}: {subject}{one_line(event.text, 80)}"
    if isinstance(event, StateChanged):
        var = scenario.state.get(event.var)
        label = var.label if var is not None else event.var
        unit = f" {var.unit}" if var is not None and var.unit else ""
        return f"{one_line(label, 40)}: {number(event.previous)} → {number(event.value)}{unit} ({event.cause})"
    if isinstance(event, Observation):
        tag = f" [{event.objective}]" if event.objective else ""
        return f"{event.kind}{tag}: {one_line(event.text, 80)}"
    if isinstance(event, RatingOverridden):
        return f"{event.objective} rated {event.rating}: {one_line(event.reason, 60)}"
    if isinstance(event, HotwashAnswered):
        return f"{event.actor} on {event.question}: {one_line(event.answer, 60)}"
    if isinstance(event, ClockChanged):
        return f"{event.action} at {event.pace:g}×"
    if isinstance(event, ExerciseStarted):
        return f"exercise started: {one_line(event.title, 80)}"
    if isinstance(event, ExerciseEnded):
        return f"exercise ended: {one_line(event.reason, 80)}"
    if isinstance(event, InjectCancelled):
        return f"inject {event.inject} will not be delivered"
    return event.type


def feed_line(event: EventBase, scenario: Scenario) -> Text:
    """A feed line: time, kind and summary, styled by kind; the summary is literal text."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(clock(event.t), style="dim")
    line.append(" ")
    line.append(f"{KIND_LABEL.get(event.type, event.type):<8}", style=KIND_STYLE.get(event.type, ""))
    line.append(" ")
    line.append(summary(event, scenario))
    return line
