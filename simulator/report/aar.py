"""The after-action report model: overview, scorecard, timeline and event log of one exercise, built from its log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from simulator.events import EventBase
from simulator.loader import LoadedScenario, load_text
from simulator.schema import Scenario
from simulator.scoring import DUE_DAYS, Scorecard, Words, number, paused_gc, score
from simulator.store import EventStore, LogError, stored_scenario_name

FORMAT = "tabletop-aar/1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Participant(_Frozen):
    """A role at the table and the team it plays for."""

    id: str
    name: str
    team: str
    team_name: str


class TeamInfo(_Frozen):
    """An agency, nation or organisation taking part."""

    id: str
    name: str
    kind: str
    nation: str | None


class PaceChange(_Frozen):
    """A clock change the facilitator made."""

    seq: int
    t: float
    action: str
    pace: float


class Overview(_Frozen):
    """Exercise overview: what was played, by whom, when, for how long and at what pace."""

    scenario: str
    title: str
    domain: str
    summary: str
    in_world_start: str | None
    """In-world date and time at scenario time 0 (ISO 8601), if the scenario sets one."""
    date: str | None
    """Date the log was created (UTC, ISO 8601), from the log's metadata."""
    teams: list[TeamInfo]
    roles: list[Participant]
    planned_duration: float
    ended: bool
    """Whether the log holds the exercise's end. When not, it stops short (a crash, or a report
    during play) at `ended_t`, and results that could still change there are open."""
    ended_t: float
    """Scenario time of the end, or of the last event when the log stops short."""
    end_reason: str | None
    pace: float
    """The scenario's default pace (scenario seconds per real second)."""
    pace_changes: list[PaceChange]
    mode: str
    """"headless run …, policy NAME" for a simulated run, else "facilitated"."""
    seed: int | None
    """The world's random seed, as in `exercise_started` (an integer, like the events')."""
    sha256: str | None
    events: int


class TimelineEntry(_Frozen):
    """A significant event, in words, with the roles whose lane it belongs to."""

    seq: int
    t: float
    kind: str
    """inject, decision, decided, timeout, message, state, observation, override, hotwash, cancelled, end, clock."""
    actor: str
    lanes: list[str]
    text: str


@dataclass(frozen=True)
class Report:
    """Everything an after-action report shows. `events` is the full log, kept as events (cheap to hold)."""

    scenario: Scenario
    overview: Overview
    score: Scorecard
    events: Sequence[EventBase]

    @cached_property
    def timeline(self) -> list[TimelineEntry]:
        """Every significant event in words (built on first use: a page shows only the first few thousand)."""
        with paused_gc():
            return timeline(self.scenario, self.events)


def read_log(path: str | Path) -> tuple[LoadedScenario, list[EventBase], dict[str, str]]:
    """The scenario (from the log's own copy), events and metadata of a log file, opened read-only.

    A log with no events is refused: there is nothing to report, and scoring it would rate the
    scenario's initial state. A problem in the stored scenario is reported against the log
    ("LOG.db (stored scenario):3:9"): the file it was once loaded from may have changed since.
    """
    with EventStore(path, readonly=True) as store:
        meta = store.meta()
        events = store.events()
    source = meta.get("scenario_source")
    if not source:
        raise LogError(f"{path}: the log holds no scenario source; it cannot be scored on its own")
    if not events:
        raise LogError(f"{path}: log holds no events: the exercise never started")
    loaded = load_text(source, stored_scenario_name(path))
    problem = mismatch(loaded.scenario, events, meta)
    if problem is not None:
        raise LogError(f"{path}: {problem}")
    return loaded, events, meta


def mismatch(scenario: Scenario, events: Sequence[EventBase], meta: dict[str, str]) -> str | None:
    """Why the events do not belong to the scenario stored beside them (None: they do).

    Scoring a log against another scenario, or another version of it, gives a report whose every
    figure is wrong but looks right; so does a log that lost its beginning. Both are refused, by
    the first event that shows it: its `exercise_started`, or an id the scenario does not have.
    """
    first = events[0]
    if first.type != "exercise_started":  # type: ignore[attr-defined]
        return (
            f"event {first.seq} is {first.type}, not exercise_started: the log lost its beginning "  # type: ignore[attr-defined]
            "and cannot be scored"
        )
    if first.scenario != scenario.id:  # type: ignore[attr-defined]
        return (
            f"its events were recorded for scenario {first.scenario!r}, but the scenario stored in "  # type: ignore[attr-defined]
            f"the log is {scenario.id!r}: the log has been altered and cannot be scored"
        )
    stored, recorded = meta.get("scenario_sha256") or "", first.sha256 or ""  # type: ignore[attr-defined]
    if stored and recorded and stored != recorded:
        return (
            f"its events were recorded with another version of scenario {scenario.id!r} (sha256 "
            f"{recorded[:12]}…) than the one stored in the log ({stored[:12]}…): the log has been altered "
            "and cannot be scored"
        )
    return _unknown_reference(scenario, events)


def _unknown_reference(scenario: Scenario, events: Sequence[EventBase]) -> str | None:
    """The first event naming a role, inject, decision, option, variable, objective or question the scenario lacks."""
    actors = {r.id for r in scenario.roles} | {"system", "facilitator"}
    roles = {r.id for r in scenario.roles}
    injects = {i.id for i in scenario.injects}
    options = {d.id: {o.id for o in d.options} for d in scenario.decisions}
    objectives = {o.id for o in scenario.objectives}
    questions = {q.id for q in scenario.hotwash}
    for e in events:
        kind = e.type  # type: ignore[attr-defined]
        what: str | None = None
        if e.actor not in actors:
            what = f"role {e.actor!r}"
        elif kind == "state_changed":
            if e.var not in scenario.state:  # type: ignore[attr-defined]
                what = f"state variable {e.var!r}"  # type: ignore[attr-defined]
        elif kind == "message_sent":
            what = next((f"role {r!r}" for r in e.to if r not in roles), None)  # type: ignore[attr-defined]
        elif kind == "inject_delivered":
            if not e.adhoc and e.inject not in injects:  # type: ignore[attr-defined]
                what = f"inject {e.inject!r}"  # type: ignore[attr-defined]
            else:
                what = next((f"role {r!r}" for r in e.to if r not in roles), None)  # type: ignore[attr-defined]
        elif kind in ("decision_opened", "decision_made", "decision_timed_out"):
            if e.decision not in options:  # type: ignore[attr-defined]
                what = f"decision {e.decision!r}"  # type: ignore[attr-defined]
            elif kind == "decision_made" and e.option not in options[e.decision]:  # type: ignore[attr-defined]
                what = f"option {e.option!r} of decision {e.decision!r}"  # type: ignore[attr-defined]
        elif kind == "rating_overridden" or (kind == "observation" and e.objective is not None):  # type: ignore[attr-defined]
            if e.objective not in objectives:  # type: ignore[attr-defined]
                what = f"objective {e.objective!r}"  # type: ignore[attr-defined]
        elif kind == "hotwash_answered" and e.question not in questions:  # type: ignore[attr-defined]
            what = f"hot wash question {e.question!r}"  # type: ignore[attr-defined]
        if what is not None:
            return (
                f"event {e.seq} names {what}, which the scenario stored in the log does not have: "
                "the log does not match its scenario and cannot be scored"
            )
    return None


def build_report(scenario: Scenario, events: Sequence[EventBase], meta: dict[str, str] | None = None) -> Report:
    """The report of an event log. Pure in (scenario, events, meta): the same log gives the same report."""
    meta = meta or {}
    card = score(scenario, events)
    overview = _overview(scenario, events, meta, card)
    return Report(scenario=scenario, overview=overview, score=_dated_plan(card, overview.date), events=events)


def _dated_plan(card: Scorecard, date: str | None) -> Scorecard:
    """The improvement plan with due dates counted from the exercise date (the log's), when it is known."""
    if date is None or not card.improvement_plan:
        return card
    start = dt.date.fromisoformat(date)
    rating_of = {o.id: o.rating for o in card.objectives}
    plan = [
        item.model_copy(
            update={"due": (start + dt.timedelta(days=DUE_DAYS[rating_of.get(item.objective)])).isoformat()}
        )
        for item in card.improvement_plan
    ]
    return card.model_copy(update={"improvement_plan": plan})


def _overview(scenario: Scenario, events: Sequence[EventBase], meta: dict[str, str], card: Scorecard) -> Overview:
    teams = {t.id: t for t in scenario.teams}
    created = meta.get("created")
    date = None
    if created:
        try:
            date = dt.datetime.fromtimestamp(float(created), dt.UTC).date().isoformat()
        except ValueError:
            date = None
    policy = meta.get("policy")
    return Overview(
        scenario=scenario.id,
        title=scenario.title,
        domain=scenario.domain,
        summary=scenario.summary.strip(),
        in_world_start=scenario.start.isoformat() if scenario.start is not None else None,
        date=date,
        teams=[TeamInfo(id=t.id, name=t.name, kind=t.kind, nation=t.nation) for t in scenario.teams],
        roles=[
            Participant(id=r.id, name=r.name, team=r.team, team_name=teams[r.team].name if r.team in teams else r.team)
            for r in scenario.roles
        ],
        planned_duration=scenario.duration,
        ended=card.ended,
        ended_t=card.ended_t,
        end_reason=card.end_reason,
        pace=scenario.pace,
        pace_changes=[
            PaceChange(seq=e.seq, t=e.t, action=e.action, pace=e.pace)  # type: ignore[attr-defined]
            for e in events
            if e.type == "clock_changed"  # type: ignore[attr-defined]
        ],
        mode=f"headless run as fast as possible, policy {policy}" if policy else "facilitated",
        seed=_seed(events, meta),
        sha256=meta.get("scenario_sha256"),
        events=len(events),
    )


def _seed(events: Sequence[EventBase], meta: dict[str, str]) -> int | None:
    """The seed the log's own start event records; the metadata's copy (a string) only without one."""
    for event in events[:1]:
        if event.type == "exercise_started":  # type: ignore[attr-defined]
            return int(event.seed)  # type: ignore[attr-defined]
    try:
        return int(meta["seed"])
    except (KeyError, ValueError):
        return None


def timeline(scenario: Scenario, events: Sequence[EventBase], limit: int | None = None) -> list[TimelineEntry]:
    """The significant events in words (the first `limit` of them); dynamic state steps are left out."""
    entries: list[TimelineEntry] = []
    words = Words(scenario)
    # Built without re-validation: every field comes from already validated events.
    construct = TimelineEntry.model_construct
    for e in events:
        line = describe(e, words)
        if line is not None:
            kind, lanes, text = line
            entries.append(construct(seq=e.seq, t=e.t, kind=kind, actor=e.actor, lanes=lanes, text=text))
            if limit is not None and len(entries) >= limit:
                break
    return entries


def timeline_dicts(scenario: Scenario, events: Sequence[EventBase]) -> list[dict[str, object]]:
    """The whole timeline as plain dicts in `TimelineEntry` field order, equal to its `model_dump(mode="json")`.

    The JSON report needs every entry of a large log as data only: plain dicts cost a fraction of
    building and dumping a model per entry.
    """
    rows: list[dict[str, object]] = []
    append = rows.append
    words = Words(scenario)
    for e in events:
        line = describe(e, words)
        if line is not None:
            kind, lanes, text = line
            append({"seq": e.seq, "t": e.t, "kind": kind, "actor": e.actor, "lanes": lanes, "text": text})
    return rows


def significant(e: EventBase) -> bool:
    """Whether an event has a timeline entry, without describing it."""
    if e.type == "state_changed":  # type: ignore[attr-defined]
        return not e.cause.startswith("dynamic:")  # type: ignore[attr-defined]
    return e.type != "exercise_started"  # type: ignore[attr-defined]


def describe(e: EventBase, words: Words) -> tuple[str, list[str], str] | None:
    """(kind, lanes, text) for a significant event, None for the rest; people, options and state by name."""
    kind = e.type  # type: ignore[attr-defined]
    if kind == "state_changed":
        if e.cause.startswith("dynamic:"):  # type: ignore[attr-defined]
            return None
        return "state", [], state_line(e, words)
    if kind == "inject_delivered":
        to = words.names(e.to)  # type: ignore[attr-defined]
        return "inject", list(e.to), f"{e.sender} → {to} [{e.channel}] {e.title}"  # type: ignore[attr-defined]
    if kind == "decision_opened":
        return "decision", list(e.by), f"decision for {words.names(e.by)}: {e.prompt}"  # type: ignore[attr-defined]
    if kind == "decision_made":
        return "decided", [e.actor], f"{words.chose(e)} for {words.decision(e.decision)}"  # type: ignore[attr-defined]
    if kind == "decision_timed_out":
        return "timeout", [], f"decision {words.decision(e.decision)} lapsed without a choice"  # type: ignore[attr-defined]
    if kind == "message_sent":
        return "message", [e.actor], f"{words.name(e.actor)} → {words.names(e.to)}: {e.text}"  # type: ignore[attr-defined]
    if kind == "observation":
        about = f" about {words.name(e.about)}" if e.about else ""  # type: ignore[attr-defined]
        return "observation", [], f"{e.kind}{about}: {e.text}"  # type: ignore[attr-defined]
    if kind == "rating_overridden":
        return "override", [], f"{e.objective} rated {e.rating}: {e.reason}"  # type: ignore[attr-defined]
    if kind == "hotwash_answered":
        return "hotwash", [e.actor], f"{words.name(e.actor)} on {words.question(e.question)}: {e.answer}"  # type: ignore[attr-defined]
    if kind == "inject_cancelled":
        return "cancelled", [], f"inject {words.inject(e.inject)} cancelled"  # type: ignore[attr-defined]
    if kind == "exercise_ended":
        return "end", [], e.reason  # type: ignore[attr-defined]
    if kind == "clock_changed":
        return "clock", [], f"clock {e.action} (pace {e.pace:g}×)"  # type: ignore[attr-defined]
    return None


def state_line(e: EventBase, words: Words) -> str:
    """A state change in words: the variable's label, the values (at most two decimals) and why."""
    change = f"{number(e.previous)} → {number(e.value)}"  # type: ignore[attr-defined]
    return f"{words.var(e.var)}: {change}{words.unit(e.var)} ({words.cause(e.cause)})"  # type: ignore[attr-defined]


def event_line(e: EventBase, words: Words) -> str:
    """Any event in words, for the appendix."""
    line = describe(e, words)
    if line is not None:
        return line[2]
    kind = e.type  # type: ignore[attr-defined]
    if kind == "state_changed":
        return state_line(e, words)
    if kind == "exercise_started":
        return f"{e.title} (seed {e.seed})"  # type: ignore[attr-defined]
    return kind
