"""Literal descriptions of log events: one line for the feed and action logs, the whole of it for a detail view."""

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
from ui.text import clean, clock, countdown, literal, names, number, one_line, option_label, reflow, who

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

NAME = 24
"""Characters of a role or team name in a one-line summary; the detail view has them whole."""
CONTINGENCY_MARK = "◆"
"""Marks a contingency inject (one the scenario holds back for when play goes a certain way), in the
feed and the MSEL: a symbol as well as a colour, so it reads without colour too."""
CONTINGENCY_STYLE = "bold magenta"


def is_contingency(event: EventBase) -> bool:
    """Whether an event delivered a contingency inject."""
    return isinstance(event, InjectDelivered) and event.category == "contingency"


def _prompt(scenario: Scenario, decision: str) -> str:
    try:
        return scenario.decision(decision)[1].prompt
    except KeyError:
        return decision


def _objective(scenario: Scenario, objective: str) -> str:
    return next((o.text for o in scenario.objectives if o.id == objective), objective)


def summary(event: EventBase, scenario: Scenario) -> str:
    """What happened, in a short sentence of plain (cleaned) text, people by name."""
    if isinstance(event, InjectDelivered):
        return f"{one_line(event.sender, 30)} → {names(scenario, event.to, NAME)}: {one_line(event.title, 80)}"
    if isinstance(event, DecisionOpened):
        return f"{names(scenario, event.by, NAME)} to decide: {one_line(event.prompt, 80)}"
    if isinstance(event, DecisionMade):
        why = f" — {one_line(event.rationale, 60)}" if event.rationale else ""
        label = one_line(option_label(scenario, event.decision, event.option), 60)
        return f"{who(scenario, event.actor, NAME)} chose “{label}”{why}"
    if isinstance(event, DecisionTimedOut):
        return f"deadline lapsed, nobody decided: {one_line(_prompt(scenario, event.decision), 80)}"
    if isinstance(event, MessageSent):
        subject = f"[{one_line(event.subject, 30)}] " if event.subject else ""
        sender, to = who(scenario, event.actor, NAME), names(scenario, event.to, NAME, sender=event.actor)
        return f"{sender} → {to}: {subject}{one_line(event.text, 80)}"
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
        return f"{who(scenario, event.actor, NAME)} on {event.question}: {one_line(event.answer, 60)}"
    if isinstance(event, ClockChanged):
        if event.action == "jump" and event.from_t is not None and event.to_t is not None:
            return f"jump {clock(event.from_t)} → {clock(event.to_t)} at {event.pace:g}×"
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
    if is_contingency(event):
        line.append(f"{'INJECT ' + CONTINGENCY_MARK:<8}", style=CONTINGENCY_STYLE)
    else:
        line.append(f"{KIND_LABEL.get(event.type, event.type):<8}", style=KIND_STYLE.get(event.type, ""))
    line.append(" ")
    # Cleaned as a whole: most parts are cleaned already, but ids and causes come from the log too.
    line.append(clean(summary(event, scenario)))
    return line


def detail(event: EventBase, scenario: Scenario) -> Text:
    """The whole of an event for a detail view: every field a person reads, names whole, text literal."""
    text = Text()
    if is_contingency(event):
        text.append(f"INJECT {CONTINGENCY_MARK} contingency", style=CONTINGENCY_STYLE)
    else:
        text.append(f"{KIND_LABEL.get(event.type, event.type)}", style=KIND_STYLE.get(event.type, "bold") or "bold")
    text.append(f"  {clock(event.t)}  ", style="dim")
    text.append(f"event {event.seq}\n", style="dim")

    def field(label: str, value: str | Text) -> None:
        text.append(f"{label}: ", style="bold")
        text.append_text(value if isinstance(value, Text) else literal(value))
        text.append("\n")

    def body(value: str, *, prose: bool = True) -> None:
        if value:
            text.append("\n")
            text.append_text(literal(reflow(value) if prose else value))
            text.append("\n")

    if isinstance(event, InjectDelivered):
        field("Title", event.title)
        field("From", event.sender)
        field("To", names(scenario, event.to))
        kind = " · ad hoc" if event.adhoc else f" · {CONTINGENCY_MARK} contingency" if is_contingency(event) else ""
        field("Channel", f"{event.channel} · {event.priority}{kind}")
        if event.decision:
            field("Decision", _prompt(scenario, event.decision))
        body(event.body)
        for attachment in event.attachments:
            text.append("\n── Attachment: ", style="bold")
            text.append_text(literal(attachment.get("name", ""), "bold"))
            text.append(" ──\n", style="bold")
            body(attachment.get("text", ""), prose=False)
    elif isinstance(event, DecisionOpened):
        field("Decision", event.prompt)
        field("By", names(scenario, event.by))
        if event.deadline is not None:
            field("Deadline", f"{clock(event.deadline)} ({countdown(event.deadline - event.t)} after it opened)")
        try:
            options = scenario.decision(event.decision)[1].options
        except KeyError:
            options = []
        for n, option in enumerate(options, 1):
            field(f"Option {n}", option.label + (f" — {option.description}" if option.description else ""))
    elif isinstance(event, DecisionMade):
        field("Decision", _prompt(scenario, event.decision))
        field("By", who(scenario, event.actor))
        field("Chose", option_label(scenario, event.decision, event.option))
        body(event.rationale, prose=False)
    elif isinstance(event, DecisionTimedOut):
        field("Decision", _prompt(scenario, event.decision))
        text.append("The deadline lapsed without a decision.\n")
    elif isinstance(event, MessageSent):
        field("From", who(scenario, event.actor))
        field("To", names(scenario, event.to, sender=event.actor))
        if event.subject:
            field("Subject", event.subject)
        body(event.text, prose=False)
    elif isinstance(event, Observation):
        field("Kind", event.kind)
        if event.objective:
            field("Objective", _objective(scenario, event.objective))
        body(event.text, prose=False)
    elif isinstance(event, RatingOverridden):
        field("Objective", _objective(scenario, event.objective))
        field("Rating", event.rating)
        body(event.reason, prose=False)
    elif isinstance(event, HotwashAnswered):
        field("By", who(scenario, event.actor))
        question = next((q.text for q in scenario.hotwash if q.id == event.question), event.question)
        field("Question", question)
        body(event.answer, prose=False)
    else:
        text.append_text(literal(summary(event, scenario)))
        text.append("\n")
    return text


def inject_detail(scenario: Scenario, inject_id: str, status: str, trigger: str = "") -> Text:
    """A scripted inject whole, as the MSEL knows it: when and how it comes, to whom, what it says."""
    inject = scenario.inject(inject_id)
    text = Text()
    if inject.category == "contingency":
        text.append(f"{CONTINGENCY_MARK} CONTINGENCY INJECT", style=CONTINGENCY_STYLE)
    else:
        text.append(f"{inject.category.upper()} INJECT", style="bold cyan")
    text.append(f"  {inject.id}  {status}\n", style="dim")

    def field(label: str, value: str) -> None:
        text.append(f"{label}: ", style="bold")
        text.append_text(literal(value))
        text.append("\n")

    field("Title", inject.title)
    field("Due", clock(inject.at) if inject.at is not None else trigger or "never (nothing delivers it)")
    field("From", inject.from_)
    field("To", names(scenario, scenario.resolve_roles(inject.to)))
    field("Channel", f"{inject.channel} · {inject.priority}")
    if inject.decision is not None:
        field("Decision", inject.decision.prompt)
    if inject.expected_action:
        field("Expected action", one_line(inject.expected_action))
    if inject.body:
        text.append("\n")
        text.append_text(literal(reflow(inject.body)))
        text.append("\n")
    for attachment in inject.attachments:
        text.append("\n── Attachment: ", style="bold")
        text.append_text(literal(attachment.name, "bold"))
        text.append(" ──\n", style="bold")
        text.append_text(literal(attachment.text.rstrip("\n")))
        text.append("\n")
    return text
