"""What a participant's client may know of a scenario: a redacted copy in the scenario language.

A remote participant never receives the scenario file: it would show every inject to come, the
scoring rubric and the model answer. It gets the roster, the state variables its role may see, the
hot wash questions and the clock settings; and, each time a decision opens for it, that decision's
prompt and options — without their effects, weights or timeout consequences — on a stub of the inject
that carries it. Both are plain data in the scenario language, so the client rebuilds an ordinary
`Scenario` from them and the consoles work unchanged.
"""

from __future__ import annotations

from typing import Any

from simulator.events import DecisionOpened, InjectDelivered
from simulator.schema import SCHEMA_VERSION, Scenario
from simulator.visibility import state_visible_to


def _seconds(value: float) -> str:
    # The scenario language wants a unit on every duration.
    return f"{value:g}s"


def participant_view(scenario: Scenario, role: str) -> dict[str, Any]:
    """The scenario as `role` may know it before play: no injects, dynamics, objectives, scoring or model."""
    view: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "id": scenario.id,
        "title": scenario.title,
        "domain": scenario.domain,
        "summary": scenario.summary,
        "duration": _seconds(scenario.duration),
        "pace": scenario.pace,
        "teams": [team.model_dump(mode="json", by_alias=True, exclude_defaults=True) for team in scenario.teams],
        # Other roles' briefings may hold what only they know: the roster, but one's own briefing only.
        "roles": [
            r.model_dump(
                mode="json", by_alias=True, exclude_defaults=True, exclude=None if r.id == role else {"description"}
            )
            for r in scenario.roles
        ],
        "state": {
            name: var.model_dump(mode="json", by_alias=True, exclude_defaults=True)
            for name, var in scenario.state.items()
            if state_visible_to(scenario, name, role)
        },
        "hotwash": [q.model_dump(mode="json", by_alias=True, exclude_defaults=True) for q in scenario.hotwash],
    }
    if scenario.start is not None:
        view["start"] = scenario.start.isoformat()
    return view


def decision_stub(scenario: Scenario, delivered: InjectDelivered, opened: DecisionOpened) -> dict[str, Any]:
    """The inject that opened a decision, as its takers may know it: its decision's choices, not their effects.

    The stub is the same for every taker. When some taker was not among the inject's recipients,
    it carries the decision's prompt as its title and neither the inject's sender nor its recipients.
    """
    _, decision = scenario.decision(opened.decision)
    spec: dict[str, Any] = {
        "id": decision.id,
        "prompt": decision.prompt,
        "by": list(opened.by),
        "options": [
            {"id": o.id, "label": o.label, **({"description": o.description} if o.description else {})}
            for o in decision.options
        ],
        "rationale": decision.rationale,
    }
    if decision.deadline is not None:
        spec["deadline"] = _seconds(decision.deadline)
    if set(opened.by) <= set(delivered.to):
        sender, to, title = delivered.sender, list(delivered.to), delivered.title
    else:
        # A taker who was not sent the inject must not learn its title or sender from the stub;
        # the prompt (which every taker sees in the decision_opened event) stands in for it.
        sender, to, title = "Exercise control", list(opened.by), decision.prompt
    return {
        "id": delivered.inject,
        "from": sender,
        "to": to,
        "channel": delivered.channel,
        "title": title,
        "decision": spec,
    }


def rebuild(view: dict[str, Any], stubs: list[dict[str, Any]]) -> Scenario:
    """The client's scenario: the view with the decision stubs received so far (raises pydantic's error)."""
    return Scenario.model_validate({**view, "injects": stubs})
