"""Scoring: a pure function of (scenario, event log) that rates every objective and cites its evidence.

Semantics, in the words evaluators use:

- An expectation is *triggered* when its `after` happens (an inject is delivered, a decision is
  taken or lapses); without `after` the trigger is the start of the exercise. A `respond`
  expectation without `after` is triggered by the delivery of the inject it names; a `decision`
  expectation is untriggered while its decision was never put to the players.
- A `respond` expectation counts only a response from the inject's recipients (or, with `by`,
  from those roles): a message one of them sends at or after the delivery, or the choice at the
  inject's decision. A message from anyone else is at most a "wrong role" miss.
- Untriggered expectations are *not applicable*: they earn nothing and count toward no maximum,
  so a contingency that never fired does not punish the players who made it unnecessary.
- An action counts when it happens at or after the trigger; with `within` it is on time up to
  trigger + within, inclusive. Later is "too late" by the difference.
- `message_to_all` earns a share of its points for each listed role or team reached in time.
- A log without `exercise_ended` stops short (a crash, or a report during play). What could still
  change after its last event is *open*, not missed: an action whose window had not closed, a
  decision neither taken nor lapsed, a final value, a peak that could still cross its threshold.
  Open expectations, like untriggered ones, earn nothing and count toward no maximum.
- An objective's share is points / maximum over its applicable expectations; the rating is the
  highest of P, S, M whose threshold the share reaches, else U. An evaluator's override (the
  last `rating_overridden` event for the objective) replaces the rating; both are kept.
- Every point awarded cites events: the action that earned it, or for a state expectation the
  event that set the value measured (`exercise_started` for an initial value, the
  `state_changed` that set a peak) and, for a final value, `exercise_ended`.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from simulator import visibility
from simulator.durations import format_clock, format_duration
from simulator.events import EventBase
from simulator.schema import Expectation, RatingThresholds, Scenario, StateCondition

Rating = Literal["P", "S", "M", "U"]
Status = Literal["met", "partial", "missed", "not_triggered", "open"]
Miss = Literal["not_done", "too_late", "wrong_option", "wrong_role", "wrong_partner", "state", "not_triggered", "open"]

STATUS_WORDS: dict[str, str] = {
    "met": "met",
    "partial": "partial",
    "missed": "missed",
    "not_triggered": "not triggered",
    "open": "open when the log stopped",
}
"""Expectation statuses in words, for reports."""

RATING_WORDS: dict[str, str] = {
    "P": "Performed without challenges",
    "S": "Performed with some challenges",
    "M": "Performed with major challenges",
    "U": "Unable to be performed",
}

_EPS = 1e-9

DUE_DAYS: dict[str | None, int] = {"U": 30, "M": 30, "S": 90, "P": 180, None: 180}
"""Days after the exercise proposed for a corrective action, by its objective's final rating."""


class Result(BaseModel):
    """Base of every scorecard part: frozen, plain data, JSON-able with `model_dump(mode="json")`."""

    model_config = ConfigDict(frozen=True)


class ExpectationResult(Result):
    """How one expectation fared, with the events that earned or missed it."""

    id: str
    objective: str
    kind: str
    """decision, respond, message or state."""
    description: str
    """The author's description, or a generated one."""
    by: list[str]
    """Role ids expected to act (every role when the expectation names nobody)."""
    status: Status
    met: bool
    points: float
    """Points earned."""
    max_points: float
    """Points available (0 when not triggered or open)."""
    evidence: list[int]
    """Sequence numbers of the events that earned the points, or that show why they were missed."""
    reason: str
    """Why it was met or missed, in words."""
    misses: list[Miss]
    """Machine-readable reasons: not_done, too_late, wrong_option, wrong_role, wrong_partner, state (a miss),
    not_triggered or open (not judged)."""
    trigger: str | None
    """Inject or decision id that started the clock (None: the start of the exercise)."""
    trigger_t: float | None
    """Scenario time the clock started (None when not triggered)."""
    due_t: float | None
    """Scenario time by which to act (None without `within`)."""
    done_t: float | None
    """Scenario time of the action that counted, if any."""
    late_by: float | None
    """Seconds past the due time, when too late."""
    corrective_action: str
    """What to practise or change when missed (the author's text or a generated one)."""


class ObjectiveScore(Result):
    """An objective's roll-up: points, share, automatic and final rating."""

    id: str
    text: str
    capability: str
    points: float
    max_points: float
    share: float | None
    """points / max_points; None when no expectation of the objective was applicable."""
    auto_rating: Rating | None
    """Rating from the share and the scenario's thresholds (None: not rated)."""
    rating: Rating | None
    """Final rating: the evaluator's override if any, else the automatic one."""
    override_reason: str | None
    override_seq: int | None
    expectations: list[ExpectationResult]


class DecisionTiming(Result):
    """Time to decide for one decision that was put to the players."""

    decision: str
    inject: str
    prompt: str
    by: list[str]
    """Roles allowed to decide."""
    opened_t: float
    deadline_t: float | None
    status: Literal["made", "timed_out", "open"]
    option: str | None
    option_label: str | None
    role: str | None
    """Role that decided."""
    decided_t: float | None
    time_to_decide: float | None
    """Seconds from opening to the choice."""
    allowed: float | None
    """Seconds allowed (None without a deadline)."""
    on_time: bool | None
    """Whether the choice came by the deadline (None without a deadline and no choice)."""
    rationale: str
    evidence: list[int]


class OutcomeCheck(Result):
    """A state expectation's test of a variable."""

    expectation: str
    measure: str
    condition: str
    """E.g. "below 10"."""
    value: float
    held: bool
    status: Status
    """The expectation's status: met, missed, or open when the log stopped before the value was settled."""


class StateOutcome(Result):
    """Initial, final, peak and lowest value of a state variable, and the checks against it."""

    var: str
    label: str
    unit: str
    initial: float
    final: float
    peak: float
    peak_t: float
    lowest: float
    lowest_t: float
    changes: int
    checks: list[OutcomeCheck]


class InformLink(Result):
    """Messages from one team to another: how many, and how soon after the sending team's first inject."""

    from_team: str
    to_team: str
    messages: int
    first_t: float
    first_seq: int
    delay: float | None
    """Seconds from the sending team's first inject to its first message to the other team; None when
    the team wrote before it received any inject (see `before_first_inject`): never negative."""
    before_first_inject: bool
    """Whether the first message came before the sending team's first inject (or it never had one)."""


class Coordination(Result):
    """Who informed whom and how fast; partners never informed."""

    links: list[InformLink]
    never_informed: list[str]
    """Teams that no other team sent a message to."""
    silent: list[str]
    """Teams that sent no message to another team."""
    first_trigger_t: float | None
    """Time of the first inject of the exercise."""


class Breakdown(Result):
    """Points and activity of one role or team."""

    id: str
    name: str
    points: float
    max_points: float
    share: float | None
    decisions_made: int
    decisions_on_time: int
    decisions_late_or_lapsed: int
    messages_sent: int


class Finding(Result):
    """A strength or area for improvement, from an expectation or an evaluator's observation."""

    text: str
    objective: str | None
    capability: str | None
    source: Literal["expectation", "observation"]
    ref: str
    """Expectation id, or "seq N" for an observation."""
    evidence: list[int]


class ImprovementItem(Result):
    """A line of the improvement plan, pre-filled from a missed expectation."""

    action: str
    capability: str
    objective: str
    responsible: str
    """Roles or teams responsible, by name."""
    due: str
    expectation: str


class ObservationItem(Result):
    """An evaluator's observation."""

    seq: int
    t: float
    text: str
    objective: str | None
    about: str | None
    kind: str


class HotwashAnswer(Result):
    """One answer to a hot wash question."""

    seq: int
    role: str
    answer: str


class HotwashItem(Result):
    """A hot wash question and its answers."""

    id: str
    text: str
    answers: list[HotwashAnswer]


class Scorecard(Result):
    """The score of one exercise log."""

    scenario: str
    title: str
    overall: float
    """Share of all applicable points earned, 0..1 (0 when nothing was applicable)."""
    overall_rating: Rating | None
    points: float
    max_points: float
    objectives: list[ObjectiveScore]
    decisions: list[DecisionTiming]
    outcomes: list[StateOutcome]
    coordination: Coordination
    roles: list[Breakdown]
    teams: list[Breakdown]
    strengths: list[Finding]
    improvements: list[Finding]
    improvement_plan: list[ImprovementItem]
    observations: list[ObservationItem]
    hotwash: list[HotwashItem]
    events: int
    ended: bool
    """Whether the log holds the exercise's end; when not, it stops short and some results may be open."""
    ended_t: float
    """Time of the end, or of the last event when the log stops short."""
    end_reason: str | None


# --------------------------------------------------------------------------- helpers


def rate(share: float | None, thresholds: RatingThresholds) -> Rating | None:
    """The P/S/M/U rating for a share of points (None for None)."""
    if share is None:
        return None
    if share + _EPS >= thresholds.P:
        return "P"
    if share + _EPS >= thresholds.S:
        return "S"
    if share + _EPS >= thresholds.M:
        return "M"
    return "U"


def condition_text(condition: StateCondition, unit: str = "") -> str:
    """A state comparison in words, e.g. "below 10", or "below 10 m³" given the variable's unit."""
    op, threshold = condition.comparison
    # The unit goes with the threshold too: "107.64 k accounts, below 300" reads as if 300 were accounts.
    return f"{op.replace('_', ' ')} {threshold:g}" + (f" {unit}" if unit else "")


def number(value: float) -> str:
    """A measured value for people: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while building many acyclic objects, then restore it.

    Scoring and reports allocate one small object per event; with a large log in memory every
    automatic collection walks the whole log again, which costs more than the work itself. Nothing
    built here forms cycles, so reference counting frees it all as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _late(by: float) -> str:
    return f"too late by {format_duration(round(by))}"


class Words:
    """Scenario ids in the words a room reads: role and team names, option labels, inject titles,
    decision prompts and state labels. Reasons and descriptions are read aloud at a debrief, so they
    name things as the scenario shows them to players; an id the scenario does not know stays as it is.
    """

    def __init__(self, scenario: Scenario) -> None:
        self._names = {t.id: t.name for t in scenario.teams} | {r.id: r.name for r in scenario.roles}
        self._titles = {i.id: i.title for i in scenario.injects}
        self._prompts: dict[str, str] = {}
        self._labels: dict[tuple[str, str], str] = {}
        for decision in scenario.decisions:
            self._prompts[decision.id] = decision.prompt
            for option in decision.options:
                self._labels[(decision.id, option.id)] = option.label
        self._vars = {var: spec.label or var for var, spec in scenario.state.items()}
        self._units = {var: f" {spec.unit}" for var, spec in scenario.state.items() if spec.unit}
        self._questions = {q.id: q.text for q in scenario.hotwash}

    def name(self, ident: str) -> str:
        """A role or team by name ("all": everyone)."""
        if ident == "all":
            return "all participants"
        return self._names.get(ident, ident)

    def names(self, ids: Sequence[str]) -> str:
        """Roles or teams by name, comma-separated."""
        return ", ".join(self.name(i) for i in ids)

    def option(self, decision: str, option: str) -> str:
        """An option by its label, quoted."""
        return f"“{self._labels.get((decision, option), option)}”"

    def options(self, decision: str, options: Sequence[str]) -> str:
        """Options by label, "or" between them."""
        return " or ".join(self.option(decision, o) for o in options)

    def decision(self, decision: str) -> str:
        """A decision by its prompt, quoted."""
        return f"“{self._prompts.get(decision, decision)}”"

    def inject(self, inject: str) -> str:
        """An inject by its title, quoted."""
        return f"“{self._titles.get(inject, inject)}”"

    def trigger(self, ref: str) -> str:
        """What an `after` names, in words: an inject's delivery or a decision being taken or lapsing."""
        if ref in self._titles:
            return f"inject {self.inject(ref)}"
        if ref in self._prompts:
            return f"decision {self.decision(ref)}"
        return ref

    def var(self, var: str) -> str:
        """A state variable by its label."""
        return self._vars.get(var, var)

    def unit(self, var: str) -> str:
        """A state variable's unit with a leading space, or nothing."""
        return self._units.get(var, "")

    def question(self, question: str) -> str:
        """A hot wash question by its text, quoted."""
        return f"“{self._questions.get(question, question)}”"

    def cause(self, cause: str) -> str:
        """Why a state variable changed (`option:D/O`, `inject:I`, `timeout:D`, `dynamic:ID`), in words."""
        kind, _, ref = cause.partition(":")
        if kind == "option" and "/" in ref:
            decision, _, option = ref.partition("/")
            return f"after {self.option(decision, option)}"
        if kind == "inject":
            return f"inject {self.inject(ref)}"
        if kind == "timeout":
            return f"decision {self.decision(ref)} lapsed"
        if kind == "dynamic":
            return f"dynamics {ref}"
        return cause

    def chose(self, event: EventBase) -> str:
        """Who chose what at a `decision_made` event."""
        option = self.option(event.decision, event.option)  # type: ignore[attr-defined]
        return f"{self.name(event.actor)} chose {option}"

    def action(self, event: EventBase) -> str:
        """A choice or a message, in words."""
        if event.type == "decision_made":  # type: ignore[attr-defined]
            return f"{self.chose(event)} for {self.decision(event.decision)}"  # type: ignore[attr-defined]
        return f"{self.name(event.actor)} messaged {self.names(event.to)}"  # type: ignore[attr-defined]


class _Log:
    """The facts of an event log that scoring needs, gathered in one pass."""

    def __init__(self, scenario: Scenario, events: Sequence[EventBase]) -> None:
        self.delivered: dict[str, EventBase] = {}
        self.opened: dict[str, EventBase] = {}
        self.made: dict[str, EventBase] = {}
        self.timed_out: dict[str, EventBase] = {}
        self.messages: list[EventBase] = []
        self.states: dict[str, list[EventBase]] = {}
        self.observations: list[EventBase] = []
        self.overrides: dict[str, EventBase] = {}
        self.hotwash: list[EventBase] = []
        self.started: EventBase | None = None
        self.ended: EventBase | None = None
        self.first_delivery: dict[str, float] = {}
        self.first_trigger_t: float | None = None
        self.count = len(events)
        self.last_t = 0.0
        team_of = {r.id: r.team for r in scenario.roles}
        first_delivery = self.first_delivery
        # One pass, dispatching on the type string: this is the hot loop of every sweep.
        for event in events:
            kind = event.type  # type: ignore[attr-defined]
            if kind == "state_changed":
                series = self.states.get(event.var)  # type: ignore[attr-defined]
                if series is None:
                    series = self.states[event.var] = []  # type: ignore[attr-defined]
                series.append(event)
            elif kind == "inject_delivered":
                if event.inject not in self.delivered:  # type: ignore[attr-defined]
                    self.delivered[event.inject] = event  # type: ignore[attr-defined]
                if self.first_trigger_t is None:
                    self.first_trigger_t = event.t
                for role in event.to:  # type: ignore[attr-defined]
                    team = team_of.get(role)
                    if team is not None and team not in first_delivery:
                        first_delivery[team] = event.t
            elif kind == "message_sent":
                self.messages.append(event)
            elif kind == "decision_opened":
                self.opened.setdefault(event.decision, event)  # type: ignore[attr-defined]
            elif kind == "decision_made":
                self.made.setdefault(event.decision, event)  # type: ignore[attr-defined]
            elif kind == "decision_timed_out":
                self.timed_out.setdefault(event.decision, event)  # type: ignore[attr-defined]
            elif kind == "observation":
                self.observations.append(event)
            elif kind == "rating_overridden":
                self.overrides[event.objective] = event  # type: ignore[attr-defined]
            elif kind == "hotwash_answered":
                self.hotwash.append(event)
            elif kind == "exercise_ended":
                if self.ended is None:
                    self.ended = event
            elif kind == "exercise_started":
                if self.started is None:
                    self.started = event
        # The log is in time order, so message times are sorted: windows are found by bisection.
        self.message_times = [m.t for m in self.messages]
        if events:
            self.last_t = events[-1].t
        self.end_t = self.ended.t if self.ended is not None else self.last_t

    def trigger(self, ref: str) -> EventBase | None:
        """The event that an `after` id names: an inject's delivery or a decision's choice or lapse."""
        event = self.delivered.get(ref)
        if event is not None:
            return event
        return self.made.get(ref) or self.timed_out.get(ref)


class _Scorer:
    """Scores expectations against a gathered log."""

    def __init__(self, scenario: Scenario, log: _Log) -> None:
        self.scenario = scenario
        self.log = log
        self.team_of = {r.id: r.team for r in scenario.roles}
        self._resolved: dict[tuple[str, ...] | None, list[str]] = {}
        self.words = Words(scenario)

    def roles(self, ids: list[str] | None) -> list[str]:
        key = None if ids is None else tuple(ids)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self.scenario.resolve_roles(ids)
        return found

    def who(self, ids: list[str] | None) -> str:
        """Roles or teams by name, for people."""
        if ids is None or "all" in ids:
            return "All participants"
        return self.words.names(ids)

    def responsible(self, exp: Expectation) -> str:
        """Who an improvement falls to: the expectation's roles, else whoever could have acted on it."""
        return self.who(self._acting(exp))

    def _acting(self, exp: Expectation) -> list[str] | None:
        """Role or team ids that could act on an expectation (None: everyone)."""
        if exp.by is not None:
            return exp.by
        if exp.decision is not None:
            opened = self.log.opened.get(exp.decision)
            if opened is not None:
                return list(opened.by)  # type: ignore[attr-defined]
            return visibility.decision_takers(self.scenario, None, exp.decision)
        if exp.respond is not None:
            return self.roles(self.scenario.inject(exp.respond).to)
        if exp.state is not None:
            # The world is nobody's own: it falls to those its objective holds to act, as a plan's
            # "responsible organisation" must name someone; everyone only when nobody is named.
            named: list[str] = []
            for other in self.scenario.scoring.expectations:
                if other.objective == exp.objective and other.kind != "state":
                    for ident in self._acting(other) or ["all"]:
                        if ident not in named:
                            named.append(ident)
            if named and "all" not in named:
                return named
        return None

    # ----------------------------------------------------------------- expectations

    def fields(self, exp: Expectation) -> tuple[dict[str, Any], float, float]:
        """An expectation's verdict fields, points earned (rounded as reported) and points available."""
        kind = exp.kind
        if kind == "decision":
            fields = self._decision(exp)
        elif kind == "respond":
            fields = self._respond(exp)
        elif kind == "message":
            fields = self._message(exp)
        else:
            fields = self._state(exp)
        status: Status = fields["status"]
        max_points = 0.0 if status in ("not_triggered", "open") else exp.points
        points = fields.pop("earned", exp.points if status == "met" else 0.0)
        return fields, round(points, 6), max_points

    def verdicts(self) -> list[tuple[dict[str, Any], float, float]]:
        """Every expectation's verdict (fields, points, points available), in scenario order.

        An objective whose player-action expectations (decision, respond, message) never came up
        was not exercised: its state outcomes are not judged either, since a world nobody has acted
        in yet proves nothing (an exercise ended after a minute must not rate P on untouched state).
        """
        expectations = self.scenario.scoring.expectations
        verdicts = [self.fields(exp) for exp in expectations]
        came_up: dict[str, bool] = {}
        for exp, (fields, _, _) in zip(expectations, verdicts, strict=True):
            if exp.kind != "state":
                came_up[exp.objective] = came_up.get(exp.objective, False) or fields["status"] != "not_triggered"
        for index, exp in enumerate(expectations):
            if exp.kind == "state" and came_up.get(exp.objective) is False:
                fields = verdicts[index][0]
                judged = _not_triggered(exp, "not judged: none of this objective's actions came up in play")
                judged.pop("earned")
                verdicts[index] = ({**fields, **judged}, 0.0, 0.0)
        return verdicts

    def score(self, exp: Expectation, verdict: tuple[dict[str, Any], float, float]) -> ExpectationResult:
        fields, points, max_points = verdict
        fields = dict(fields)
        status: Status = fields["status"]
        kind = exp.kind
        description = exp.description or self._describe(exp)
        corrective = exp.corrective_action or self._corrective(exp, description, fields.get("misses", []))
        return ExpectationResult(
            id=exp.id,
            objective=exp.objective,
            kind=kind,
            description=description,
            by=self.roles(exp.by),
            met=status == "met",
            points=points,
            max_points=max_points,
            corrective_action=corrective,
            **{
                "trigger": exp.after,
                "trigger_t": None,
                "due_t": None,
                "done_t": None,
                "late_by": None,
                "evidence": [],
                "misses": [],
                **fields,
            },
        )

    def _window(self, exp: Expectation, default: EventBase | None = None) -> tuple[float, float | None, Any]:
        """(start, due, trigger event) or raises _NotTriggered."""
        if exp.after is not None:
            trigger = self.log.trigger(exp.after)
            if trigger is None:
                raise _NotTriggered(self._by_stop(f"not applicable: {self.words.trigger(exp.after)} never happened"))
            start = trigger.t
        elif default is not None:
            trigger, start = default, default.t
        else:
            trigger, start = None, 0.0
        due = start + exp.within if exp.within is not None else None
        return start, due, trigger

    def _decision(self, exp: Expectation) -> dict[str, Any]:
        decision_id = exp.decision
        assert decision_id is not None
        w = self.words
        opened = self.log.opened.get(decision_id)
        if opened is None:
            return _not_triggered(
                exp, self._by_stop(f"not applicable: decision {w.decision(decision_id)} was never put to the players")
            )
        try:
            start, due, trigger = self._window(exp)
        except _NotTriggered as exc:
            return _not_triggered(exp, str(exc))
        base = _base(exp, start, due, trigger)
        made = self.log.made.get(decision_id)
        if made is None:
            lapsed = self.log.timed_out.get(decision_id)
            if lapsed is not None:
                return {
                    **base,
                    "status": "missed",
                    "misses": ["not_done"],
                    "evidence": [opened.seq, lapsed.seq],
                    "reason": f"not done: decision {w.decision(decision_id)} lapsed at {format_clock(lapsed.t)} "
                    "without a choice",
                }
            deadline = opened.deadline  # type: ignore[attr-defined]
            cut = deadline is not None and deadline > self.log.end_t + _EPS
            if self.log.ended is None or cut or self._open(due):
                # Neither taken nor lapsed, and the log stops short or the end came before the
                # deadline: the players may still have taken it.
                return self._opened(base, [opened.seq], f"decision {w.decision(decision_id)} not yet taken")
            return {
                **base,
                "status": "missed",
                "misses": ["not_done"],
                "evidence": [opened.seq],
                "reason": f"not done: decision {w.decision(decision_id)} was never taken",
            }
        misses: list[Miss] = []
        why: list[str] = []
        wanted = [exp.option] if exp.option is not None else exp.options
        if wanted is not None and made.option not in wanted:  # type: ignore[attr-defined]
            misses.append("wrong_option")
            chosen = w.option(decision_id, made.option)  # type: ignore[attr-defined]
            why.append(f"wrong option: chose {chosen}, expected {w.options(decision_id, wanted)}")
        allowed = self.roles(exp.by)
        if exp.by is not None and made.actor not in allowed:
            misses.append("wrong_role")
            why.append(f"wrong role: decided by {w.name(made.actor)}, expected {w.names(exp.by)}")
        late_by = None
        if made.t + _EPS < start:
            misses.append("not_done")
            why.append(f"decided at {format_clock(made.t)}, before its trigger {w.trigger(exp.after or '')}")
        elif due is not None and made.t > due + _EPS:
            late_by = made.t - due
            misses.append("too_late")
            why.append(f"{_late(late_by)} (decided at {format_clock(made.t)}, due {format_clock(due)})")
        evidence = [made.seq]
        if misses:
            return {
                **base,
                "status": "missed",
                "misses": misses,
                "evidence": evidence,
                "done_t": made.t,
                "late_by": late_by,
                "reason": "; ".join(why),
            }
        return {
            **base,
            "status": "met",
            "evidence": evidence,
            "done_t": made.t,
            "reason": f"{w.chose(made)} at {format_clock(made.t)}" + _in_time(made.t, start, due),
        }

    def _respond(self, exp: Expectation) -> dict[str, Any]:
        inject_id = exp.respond
        assert inject_id is not None
        delivery = self.log.delivered.get(inject_id)
        if delivery is None:
            return _not_triggered(
                exp, self._by_stop(f"not applicable: inject {self.words.inject(inject_id)} was never delivered")
            )
        try:
            start, due, trigger = self._window(exp, delivery)
        except _NotTriggered as exc:
            return _not_triggered(exp, str(exc))
        base = _base(exp, start, due, trigger)
        allowed = set(self.roles(exp.by) if exp.by is not None else delivery.to)  # type: ignore[attr-defined]
        candidates: list[EventBase] = []
        decision_id = delivery.decision  # type: ignore[attr-defined]
        if decision_id is not None and decision_id in self.log.made:
            candidates.append(self.log.made[decision_id])
        recipients = set(delivery.to)  # type: ignore[attr-defined]
        for message in self._since(start):
            if message.actor in recipients or message.actor in allowed:
                candidates.append(message)
                if message.actor in allowed:
                    # Later candidates cannot change the verdict: the first by a right role decides it.
                    break
        candidates = sorted((c for c in candidates if c.t + _EPS >= start), key=lambda e: e.seq)
        return self._unsettled(
            self._first_fit(
                exp, base, start, due, candidates, allowed, f"no response to {self.words.inject(inject_id)}"
            ),
            due,
        )

    def _since(self, start: float) -> list[EventBase]:
        """Messages at or after a time."""
        return self.log.messages[bisect_left(self.log.message_times, start - _EPS) :]

    def _hitting(self, after: list[EventBase], reach: set[str], allowed: set[str]) -> list[EventBase]:
        """Messages reaching any of `reach`, up to and including the first one by an allowed sender."""
        found = []
        for m in after:
            if not reach.isdisjoint(m.to):  # type: ignore[attr-defined]
                found.append(m)
                if m.actor in allowed:
                    break
        return found

    def _first_fit(
        self,
        exp: Expectation,
        base: dict[str, Any],
        start: float,
        due: float | None,
        candidates: list[EventBase],
        allowed: set[str],
        nothing: str,
    ) -> dict[str, Any]:
        """The best action among candidates: on time by the right role, else late, else by a wrong role."""
        right = [c for c in candidates if c.actor in allowed]
        for event in right:
            if due is None or event.t <= due + _EPS:
                return {
                    **base,
                    "status": "met",
                    "evidence": [event.seq],
                    "done_t": event.t,
                    "reason": f"{self.words.action(event)} at {format_clock(event.t)}" + _in_time(event.t, start, due),
                }
        if right:
            event = right[0]
            assert due is not None
            late_by = event.t - due
            return {
                **base,
                "status": "missed",
                "misses": ["too_late"],
                "evidence": [event.seq],
                "done_t": event.t,
                "late_by": late_by,
                "reason": f"{_late(late_by)}: {self.words.action(event)} at {format_clock(event.t)}, "
                f"due {format_clock(due)}",
            }
        if candidates:
            event = candidates[0]
            expected = self.words.names(exp.by) if exp.by is not None else "a recipient"
            misses: list[Miss] = ["wrong_role"]
            reason = f"wrong role: {self.words.action(event)} at {format_clock(event.t)}, expected {expected}"
            late_by = None
            if due is not None and event.t > due + _EPS:
                # Both failings are reported: the wrong role, and too late even so.
                late_by = event.t - due
                misses.append("too_late")
                reason += f"; {_late(late_by)} as well (due {format_clock(due)})"
            return {
                **base,
                "status": "missed",
                "misses": misses,
                "evidence": [c.seq for c in candidates[:5]],
                "done_t": event.t,
                "late_by": late_by,
                "reason": reason,
            }
        return {**base, "status": "missed", "misses": ["not_done"], "reason": f"not done: {nothing}"}

    def _message(self, exp: Expectation) -> dict[str, Any]:
        try:
            start, due, trigger = self._window(exp)
        except _NotTriggered as exc:
            return _not_triggered(exp, str(exc))
        base = _base(exp, start, due, trigger)
        targets = exp.message_to_any if exp.message_to_any is not None else exp.message_to_all
        assert targets is not None
        allowed = set(self.roles(exp.by))
        after = self._since(start)
        if exp.message_to_any is not None:
            reach = set(self.roles(targets))
            hitting = self._hitting(after, reach, allowed)
            result = self._first_fit(exp, base, start, due, hitting, allowed, "")
            if result["misses"] != ["not_done"]:
                return self._unsettled(result, due)
            return self._unsettled(self._no_message(exp, base, after, allowed, targets), due)
        # message_to_all: each listed role or team must be reached; partial credit per target.
        reached: list[str] = []
        evidence: list[int] = []
        problems: list[str] = []
        misses: list[Miss] = []
        unsettled: list[list[Miss]] = []
        late_by = None
        last_t: float | None = None
        for target in targets:
            reach = set(self.roles([target]))
            hitting = self._hitting(after, reach, allowed)
            fit = self._first_fit(exp, base, start, due, hitting, allowed, "no message")
            if fit["status"] == "met":
                reached.append(target)
                evidence.extend(fit["evidence"])
                last_t = fit["done_t"] if last_t is None else max(last_t, fit["done_t"])
            else:
                problems.append(f"{self.words.name(target)}: {fit['reason']}")
                unsettled.append(fit["misses"])
                evidence.extend(fit["evidence"])
                for miss in fit["misses"]:
                    if miss not in misses:
                        misses.append(miss)
                if fit["late_by"] is not None:
                    late_by = max(late_by or 0.0, fit["late_by"])
        earned = exp.points * len(reached) / len(targets)
        if problems and self._open(due) and any(set(m) <= _UNSETTLED for m in unsettled):
            # A partner not reached yet may still be reached: the verdict waits for the window to close.
            so_far = f"reached {len(reached)} of {len(targets)} so far (" + "; ".join(problems) + ")"
            return self._opened(base, sorted(set(evidence)), so_far)
        if not problems:
            return {
                **base,
                "status": "met",
                "evidence": sorted(set(evidence)),
                "done_t": last_t,
                "reason": f"every partner informed ({self.words.names(targets)}); last at {format_clock(last_t or 0.0)}"
                + _in_time(last_t or 0.0, start, due),
            }
        never = [t for t in targets if t not in reached]
        reason = f"reached {len(reached)} of {len(targets)}; partners not informed in time: {self.words.names(never)}"
        return {
            **base,
            "status": "partial" if reached else "missed",
            "earned": earned,
            "misses": misses,
            "evidence": sorted(set(evidence)),
            "late_by": late_by,
            "reason": reason + " (" + "; ".join(problems) + ")",
        }

    def _no_message(
        self, exp: Expectation, base: dict[str, Any], after: list[EventBase], allowed: set[str], targets: list[str]
    ) -> dict[str, Any]:
        """Nothing reached the targets: say whether the right people wrote to someone else instead."""
        due = base["due_t"]
        elsewhere = []
        for m in after:
            if due is not None and m.t > due + _EPS:
                break
            if m.actor in allowed:
                elsewhere.append(m)
                if len(elsewhere) == 5:
                    break
        if elsewhere:
            sent_to = sorted({r for m in elsewhere for r in m.to})  # type: ignore[attr-defined]
            return {
                **base,
                "status": "missed",
                "misses": ["wrong_partner"],
                "evidence": [m.seq for m in elsewhere],
                "reason": f"wrong partner: messages went to {self.words.names(sent_to)}, "
                f"none to {self.words.names(targets)}",
            }
        return {
            **base,
            "status": "missed",
            "misses": ["not_done"],
            "reason": f"not done: no message to {self.words.names(targets)}",
        }

    def _state(self, exp: Expectation) -> dict[str, Any]:
        condition = exp.state
        assert condition is not None
        var = condition.state
        value, event = self.measure(var, exp.measure, exp.at)
        where = {"final": "final", "peak": "peak", "lowest": "lowest", "at": f"at {format_clock(exp.at or 0.0)}"}[
            exp.measure
        ]
        unit = self.scenario.state[var].unit if var in self.scenario.state else ""
        amount = f"{number(value)}{(' ' + unit) if unit else ''}"
        label = self.words.var(var)
        shown = f"{label}: {where} {amount}"
        log = self.log
        # The event that set the value (the start, for a value never changed) and, for a final
        # value, the end that made it final: met or missed, the verdict cites what it rests on.
        source = event if event is not None else log.started
        evidence = [source.seq] if source is not None else []
        if exp.measure == "final" and log.ended is not None:
            evidence.append(log.ended.seq)
        base = {
            "trigger": None,
            "trigger_t": 0.0,
            "due_t": exp.at if exp.measure == "at" else None,
            "done_t": event.t if event is not None else None,
            "late_by": None,
            "evidence": evidence,
        }
        holds = condition.holds(value)
        if not self._settled(condition, exp.measure, exp.at, value, holds):
            so_far = f"{label}: {amount} so far; needs {where} {condition_text(condition, unit)}"
            return self._opened(base, evidence, so_far, due=False)
        if holds:
            return {
                **base,
                "status": "met",
                "misses": [],
                "reason": f"{shown}, {condition_text(condition, unit)} as needed",
            }
        return {
            **base,
            "status": "missed",
            "misses": ["state"],
            "reason": f"{shown}; needed {condition_text(condition, unit)}",
        }

    def _settled(self, condition: StateCondition, measure: str, at: float | None, value: float, holds: bool) -> bool:
        """Whether a state verdict can no longer change after the last event of the log."""
        if self.log.ended is not None:
            return True
        if measure == "final":
            return False
        if measure == "at":
            return (at or 0.0) + _EPS < self.log.last_t
        # A peak can only rise and a lowest value only fall: some verdicts are final already.
        rising = measure == "peak"
        op, threshold = condition.comparison
        if op in ("above", "at_least"):
            return holds if rising else not holds
        if op in ("below", "at_most"):
            return not holds if rising else holds
        return value > threshold if rising else value < threshold

    # ----------------------------------------------------------------- a log that stops short

    def _open(self, due: float | None) -> bool:
        """Whether an action window was still open when the log stopped, or when the exercise ended.

        An exercise ended before a deadline cut that window short: the players did not get the time
        the scenario gives them, so it is not judged a miss. A window with no deadline ran to the end.
        """
        log = self.log
        if log.ended is None:
            return due is None or due + _EPS >= log.last_t
        return due is not None and due > log.end_t + _EPS

    def _by_stop(self, reason: str) -> str:
        """A reason about something that did not happen, saying when the log stopped if it stops short."""
        if self.log.ended is None:
            return f"{reason} (the log stops at {format_clock(self.log.last_t)})"
        return reason

    def _opened(self, base: dict[str, Any], evidence: list[int], so_far: str, *, due: bool = True) -> dict[str, Any]:
        """The open verdict: what had happened by the time the log stopped, and the due time if there is one."""
        if self.log.ended is None:
            when = f"open when the log stopped at {format_clock(self.log.last_t)}"
        else:
            when = f"cut short: the exercise ended at {format_clock(self.log.end_t)}"
        if due and base.get("due_t") is not None:
            when += f" (due {format_clock(base['due_t'])})"
        return {
            **base,
            "status": "open",
            "misses": ["open"],
            "evidence": evidence,
            "earned": 0.0,
            "reason": f"{when}: {so_far}",
        }

    def _unsettled(self, result: dict[str, Any], due: float | None) -> dict[str, Any]:
        """A miss the players could still make good, in a log that stops inside the window, is open instead."""
        if result["status"] != "missed" or not self._open(due) or not set(result["misses"]) <= _UNSETTLED:
            return result
        return self._opened(result, result["evidence"], f"so far {result['reason']}")

    def measure(self, var: str, measure: str, at: float | None) -> tuple[float, EventBase | None]:
        """A variable's final, peak, lowest or at-time value, and the event that set it (None: initial)."""
        initial = self.scenario.state[var].initial if var in self.scenario.state else 0.0
        series = self.log.states.get(var, [])
        if measure == "final":
            return (series[-1].value, series[-1]) if series else (initial, None)  # type: ignore[attr-defined]
        if measure == "at":
            limit = at or 0.0
            value, which = initial, None
            for event in series:
                if event.t > limit + _EPS:
                    break
                value, which = event.value, event  # type: ignore[attr-defined]
            return value, which
        value, which = initial, None
        higher = measure == "peak"
        for event in series:
            v = event.value  # type: ignore[attr-defined]
            if (v > value) if higher else (v < value):
                value, which = v, event
        return value, which

    # ----------------------------------------------------------------- words

    def _describe(self, exp: Expectation) -> str:
        w = self.words
        who = w.names(exp.by) if exp.by else "Anyone"
        when = ""
        if exp.within is not None:
            when = f" within {format_duration(exp.within)}" + (f" of {w.trigger(exp.after)}" if exp.after else "")
        elif exp.after:
            when = f" after {w.trigger(exp.after)}"
        if exp.decision is not None:
            wanted = [exp.option] if exp.option else exp.options
            chosen = f" with {w.options(exp.decision, wanted)}" if wanted else ""
            return f"{who} takes decision {w.decision(exp.decision)}{chosen}{when}"
        if exp.respond is not None:
            return f"{who} responds to {w.inject(exp.respond)}{when}"
        if exp.message_to_any is not None:
            return f"{who} informs one of {w.names(exp.message_to_any)}{when}"
        if exp.message_to_all is not None:
            return f"{who} informs each of {w.names(exp.message_to_all)}{when}"
        assert exp.state is not None
        when = {"final": "at the end", "peak": "at its peak", "lowest": "at its lowest"}.get(
            exp.measure, f"at {format_clock(exp.at or 0.0)}"
        )
        return f"{w.var(exp.state.state)} is {condition_text(exp.state)} {when}"

    def _corrective(self, exp: Expectation, description: str, misses: Sequence[str]) -> str:
        """A corrective action worded by why the expectation was missed, not only by its kind."""
        kind = exp.kind
        description = description.rstrip(". ")
        if kind == "state":
            # Mid-sentence: "so that fewer than 10 …", keeping acronyms such as "PCS" as written.
            if description[:2].istitle():
                description = description[0].lower() + description[1:]
            return f"Review the response plan so that {description}."
        advice = []
        for miss in misses:
            if miss == "not_done":
                advice.append(_NOT_DONE[kind])
            elif miss in _ADVICE:
                advice.append(_ADVICE[miss])
        if not advice:
            # Met or not judged: the plan never shows it, but the field is always filled.
            advice.append(
                _NOT_DONE["message"] if kind == "message" else "Review procedures and train the role to act in time"
            )
        text = "; ".join([advice[0]] + [a[0].lower() + a[1:] for a in advice[1:]])
        return f"{text}. Expected: {description}."


_UNSETTLED = {"not_done", "wrong_role", "wrong_partner"}
"""Misses that a later action in the same window could still turn into a success."""

_NOT_DONE = {
    "decision": "Make sure the decision is taken before it lapses; agree who takes it and rehearse it",
    "respond": "Make sure the recipients act on the inject and say so",
    "message": "Agree who informs whom and when, and rehearse it",
}
"""Corrective advice when nothing was done, by expectation kind."""

_ADVICE = {
    "too_late": "Cut the time from trigger to action: rehearse the steps and set a time standard",
    "wrong_option": "Review the decision criteria and what each option leads to with the decision-makers",
    "wrong_role": "Make clear which role is responsible and has the authority to act",
    "wrong_partner": "Check the contact list and call-out plan so that the right partner is informed",
}
"""Corrective advice by the reason an action was missed."""


class _NotTriggered(Exception):
    pass


def _not_triggered(exp: Expectation, reason: str) -> dict[str, Any]:
    return {"status": "not_triggered", "misses": ["not_triggered"], "reason": reason, "earned": 0.0}


def _base(exp: Expectation, start: float, due: float | None, trigger: EventBase | None) -> dict[str, Any]:
    return {
        "trigger": exp.after or (getattr(trigger, "inject", None) if trigger is not None else None),
        "trigger_t": start,
        "due_t": due,
        "evidence": [],
        "misses": [],
        "done_t": None,
        "late_by": None,
    }


def _in_time(t: float, start: float, due: float | None) -> str:
    took = format_duration(round(t - start))
    if due is None:
        return f", {took} after the trigger"
    return f", {took} after the trigger ({format_duration(round(due - t))} to spare)"


# --------------------------------------------------------------------------- the roll-up


def score(scenario: Scenario, events: Sequence[EventBase]) -> Scorecard:
    """Score an event log against its scenario. Pure: the same inputs give the same scorecard."""
    with paused_gc():
        return _score(scenario, events)


class ObjectiveSummary(NamedTuple):
    """An objective's share and final rating, as in its `ObjectiveScore` (None: not applicable)."""

    id: str
    share: float | None
    rating: Rating | None


class ScoreSummary(NamedTuple):
    """The headline of a scorecard: what a sweep keeps of every run, equal to the full scorecard's values."""

    overall: float
    overall_rating: Rating | None
    points: float
    max_points: float
    objectives: tuple[ObjectiveSummary, ...]


class _Rollup(NamedTuple):
    """Objective and overall totals from per-expectation points; the one place both entry points add up."""

    objectives: list[tuple[float, float, float | None, Rating | None, Rating | None, EventBase | None]]
    """Per scenario objective: points, max_points, share, auto rating, final rating, override event."""
    points: float
    max_points: float
    overall: float
    overall_rating: Rating | None


def _rollup(scenario: Scenario, log: _Log, earned: Sequence[tuple[str, float, float]]) -> _Rollup:
    """Totals from (objective, points, max_points) per expectation in scenario order."""
    thresholds = scenario.scoring.ratings
    sums: dict[str, list[float]] = {o.id: [] for o in scenario.objectives}
    maxima: dict[str, list[float]] = {o.id: [] for o in scenario.objectives}
    for objective_id, points, max_points in earned:
        sums.setdefault(objective_id, []).append(points)
        maxima.setdefault(objective_id, []).append(max_points)
    rows = []
    for objective in scenario.objectives:
        points = round(sum(sums[objective.id]), 6)
        max_points = round(sum(maxima[objective.id]), 6)
        share = points / max_points if max_points > 0 else None
        auto = rate(share, thresholds)
        override = log.overrides.get(objective.id)
        final = override.rating if override is not None else auto  # type: ignore[attr-defined]
        rows.append((points, max_points, share, auto, final, override))
    total = round(sum(points for _, points, _ in earned), 6)
    total_max = round(sum(max_points for _, _, max_points in earned), 6)
    overall = total / total_max if total_max > 0 else 0.0
    return _Rollup(rows, total, total_max, overall, rate(overall, thresholds) if total_max > 0 else None)


def score_summary(scenario: Scenario, events: Sequence[EventBase]) -> ScoreSummary:
    """Overall and per-objective share and rating of a log, without the rest of the scorecard.

    Same verdicts as `score()` (the same expectation checks and roll-up), at a fraction of its cost:
    no evidence, findings, timings or breakdowns are built. For sweeps, which score every run.
    """
    with paused_gc():
        log = _Log(scenario, events)
        scorer = _Scorer(scenario, log)
        earned = [
            (exp.objective, points, max_points)
            for exp, (_, points, max_points) in zip(scenario.scoring.expectations, scorer.verdicts(), strict=True)
        ]
        totals = _rollup(scenario, log, earned)
    return ScoreSummary(
        overall=totals.overall,
        overall_rating=totals.overall_rating,
        points=totals.points,
        max_points=totals.max_points,
        objectives=tuple(
            ObjectiveSummary(objective.id, share, final)
            for objective, (_, _, share, _, final, _) in zip(scenario.objectives, totals.objectives, strict=True)
        ),
    )


def _score(scenario: Scenario, events: Sequence[EventBase]) -> Scorecard:
    log = _Log(scenario, events)
    scorer = _Scorer(scenario, log)
    results = [
        scorer.score(exp, verdict)
        for exp, verdict in zip(scenario.scoring.expectations, scorer.verdicts(), strict=True)
    ]
    totals = _rollup(scenario, log, [(r.objective, r.points, r.max_points) for r in results])
    by_objective: dict[str, list[ExpectationResult]] = {o.id: [] for o in scenario.objectives}
    for result in results:
        by_objective.setdefault(result.objective, []).append(result)

    objectives: list[ObjectiveScore] = []
    capability_of: dict[str, str] = {}
    for objective, (points, max_points, share, auto, final, override) in zip(
        scenario.objectives, totals.objectives, strict=True
    ):
        capability_of[objective.id] = objective.capability
        objectives.append(
            ObjectiveScore(
                id=objective.id,
                text=objective.text,
                capability=objective.capability,
                points=points,
                max_points=max_points,
                share=share,
                auto_rating=auto,
                rating=final,
                override_reason=override.reason if override is not None else None,  # type: ignore[attr-defined]
                override_seq=override.seq if override is not None else None,
                expectations=by_objective[objective.id],
            )
        )
    total, total_max, overall = totals.points, totals.max_points, totals.overall

    decisions = _decisions(scenario, log)
    rating_of = {o.id: o.rating for o in objectives}
    strengths, improvements, plan = _findings(scenario, scorer, results, log, capability_of, rating_of)
    return Scorecard(
        scenario=scenario.id,
        title=scenario.title,
        overall=overall,
        overall_rating=totals.overall_rating,
        points=total,
        max_points=total_max,
        objectives=objectives,
        decisions=decisions,
        outcomes=_outcomes(scenario, scorer, log, results),
        coordination=_coordination(scenario, log),
        roles=_roles(scenario, scorer, results, decisions, log),
        teams=_teams(scenario, scorer, results, decisions, log),
        strengths=strengths,
        improvements=improvements,
        improvement_plan=plan,
        observations=[
            ObservationItem(
                seq=o.seq,
                t=o.t,
                text=o.text,  # type: ignore[attr-defined]
                objective=o.objective,  # type: ignore[attr-defined]
                about=o.about,  # type: ignore[attr-defined]
                kind=o.kind,  # type: ignore[attr-defined]
            )
            for o in log.observations
        ],
        hotwash=[
            HotwashItem(
                id=q.id,
                text=q.text,
                answers=[
                    HotwashAnswer(seq=a.seq, role=a.actor, answer=a.answer)  # type: ignore[attr-defined]
                    for a in log.hotwash
                    if a.question == q.id  # type: ignore[attr-defined]
                ],
            )
            for q in scenario.hotwash
        ],
        events=log.count,
        ended=log.ended is not None,
        ended_t=log.end_t,
        end_reason=log.ended.reason if log.ended is not None else None,  # type: ignore[attr-defined]
    )


def _decisions(scenario: Scenario, log: _Log) -> list[DecisionTiming]:
    timings: list[DecisionTiming] = []
    for decision_id, opened in sorted(log.opened.items(), key=lambda kv: kv[1].seq):
        made = log.made.get(decision_id)
        lapsed = log.timed_out.get(decision_id)
        deadline = opened.deadline  # type: ignore[attr-defined]
        label = None
        if made is not None:
            try:
                _, decision = scenario.decision(decision_id)
                label = next((o.label for o in decision.options if o.id == made.option), None)  # type: ignore[attr-defined]
            except KeyError:
                label = None
        status: Literal["made", "timed_out", "open"] = (
            "made" if made is not None else "timed_out" if lapsed is not None else "open"
        )
        on_time: bool | None
        if made is not None:
            on_time = deadline is None or made.t <= deadline + _EPS
        else:
            on_time = False if deadline is not None and (lapsed is not None or log.end_t > deadline) else None
        evidence = [opened.seq] + [e.seq for e in (made, lapsed) if e is not None]
        timings.append(
            DecisionTiming(
                decision=decision_id,
                inject=opened.inject,  # type: ignore[attr-defined]
                prompt=opened.prompt,  # type: ignore[attr-defined]
                by=list(opened.by),  # type: ignore[attr-defined]
                opened_t=opened.t,
                deadline_t=deadline,
                status=status,
                option=made.option if made is not None else None,  # type: ignore[attr-defined]
                option_label=label,
                role=made.actor if made is not None else None,
                decided_t=made.t if made is not None else None,
                time_to_decide=made.t - opened.t if made is not None else None,
                allowed=deadline - opened.t if deadline is not None else None,
                on_time=on_time,
                rationale=made.rationale if made is not None else "",  # type: ignore[attr-defined]
                evidence=evidence,
            )
        )
    return timings


def _outcomes(scenario: Scenario, scorer: _Scorer, log: _Log, results: list[ExpectationResult]) -> list[StateOutcome]:
    checks: dict[str, list[OutcomeCheck]] = {}
    by_id = {r.id: r for r in results}
    for exp in scenario.scoring.expectations:
        if exp.state is None:
            continue
        value, _ = scorer.measure(exp.state.state, exp.measure, exp.at)
        checks.setdefault(exp.state.state, []).append(
            OutcomeCheck(
                expectation=exp.id,
                measure=exp.measure,
                condition=condition_text(exp.state),
                value=value,
                held=by_id[exp.id].met,
                status=by_id[exp.id].status,
            )
        )
    outcomes = []
    for var, spec in scenario.state.items():
        series = log.states.get(var, [])
        peak = lowest = final = spec.initial
        peak_t = lowest_t = 0.0
        for event in series:
            v = event.value  # type: ignore[attr-defined]
            if v > peak:
                peak, peak_t = v, event.t
            if v < lowest:
                lowest, lowest_t = v, event.t
        if series:
            final = series[-1].value  # type: ignore[attr-defined]
        outcomes.append(
            StateOutcome(
                var=var,
                label=spec.label,
                unit=spec.unit,
                initial=spec.initial,
                final=final,
                peak=peak,
                peak_t=peak_t,
                lowest=lowest,
                lowest_t=lowest_t,
                changes=len(series),
                checks=checks.get(var, []),
            )
        )
    return outcomes


def _coordination(scenario: Scenario, log: _Log) -> Coordination:
    team_of = {r.id: r.team for r in scenario.roles}
    links: dict[tuple[str, str], list[Any]] = {}
    for message in log.messages:
        source = team_of.get(message.actor)
        if source is None:
            continue
        for team in {team_of.get(r) for r in message.to}:  # type: ignore[attr-defined]
            if team is None or team == source:
                continue
            link = links.get((source, team))
            if link is None:
                links[(source, team)] = [1, message.t, message.seq]
            else:
                link[0] += 1
    informed = {to for _, to in links}
    speaking = {source for source, _ in links}
    order = {t.id: n for n, t in enumerate(scenario.teams)}
    rows = []
    for (source, to), (count, first_t, first_seq) in sorted(
        links.items(), key=lambda kv: (order.get(kv[0][0], 0), order.get(kv[0][1], 0))
    ):
        received = log.first_delivery.get(source)
        # A team that wrote before anything reached it did not react to an inject: a negative
        # "delay" would read as a reaction time, so none is given and the link says why.
        early = received is None or first_t + _EPS < received
        rows.append(
            InformLink(
                from_team=source,
                to_team=to,
                messages=count,
                first_t=first_t,
                first_seq=first_seq,
                delay=None if early or received is None else max(0.0, first_t - received),
                before_first_inject=early,
            )
        )
    return Coordination(
        links=rows,
        never_informed=[t.id for t in scenario.teams if t.id not in informed] if len(scenario.teams) > 1 else [],
        silent=[t.id for t in scenario.teams if t.id not in speaking] if len(scenario.teams) > 1 else [],
        first_trigger_t=log.first_trigger_t,
    )


def _activity(members: set[str], decisions: list[DecisionTiming], log: _Log) -> tuple[int, int, int, int]:
    made = [d for d in decisions if d.role in members]
    on_time = sum(1 for d in made if d.on_time)
    lapsed = sum(
        1 for d in decisions if d.on_time is False and (d.role in members or (d.role is None and members & set(d.by)))
    )
    sent = sum(1 for m in log.messages if m.actor in members)
    return len(made), on_time, lapsed, sent


def _breakdown(
    ident: str,
    name: str,
    members: set[str],
    results: list[ExpectationResult],
    decisions: list[DecisionTiming],
    log: _Log,
    role_count: int,
) -> Breakdown:
    # An expectation counts toward every role it names; one that names nobody toward no one.
    mine = [r for r in results if r.kind != "state" and len(r.by) < role_count and members & set(r.by)]
    points = round(sum(r.points for r in mine), 6)
    max_points = round(sum(r.max_points for r in mine), 6)
    made, on_time, lapsed, sent = _activity(members, decisions, log)
    return Breakdown(
        id=ident,
        name=name,
        points=points,
        max_points=max_points,
        share=points / max_points if max_points > 0 else None,
        decisions_made=made,
        decisions_on_time=on_time,
        decisions_late_or_lapsed=lapsed,
        messages_sent=sent,
    )


def _roles(
    scenario: Scenario, scorer: _Scorer, results: list[ExpectationResult], decisions: list[DecisionTiming], log: _Log
) -> list[Breakdown]:
    count = len(scenario.roles)
    return [_breakdown(r.id, r.name, {r.id}, results, decisions, log, count) for r in scenario.roles]


def _teams(
    scenario: Scenario, scorer: _Scorer, results: list[ExpectationResult], decisions: list[DecisionTiming], log: _Log
) -> list[Breakdown]:
    count = len(scenario.roles)
    return [
        _breakdown(t.id, t.name, {r.id for r in scenario.roles if r.team == t.id}, results, decisions, log, count)
        for t in scenario.teams
    ]


def _findings(
    scenario: Scenario,
    scorer: _Scorer,
    results: list[ExpectationResult],
    log: _Log,
    capability_of: dict[str, str],
    rating_of: dict[str, Rating | None],
) -> tuple[list[Finding], list[Finding], list[ImprovementItem]]:
    strengths: list[Finding] = []
    improvements: list[Finding] = []
    plan: list[ImprovementItem] = []
    expectations = {e.id: e for e in scenario.scoring.expectations}
    for result in results:
        capability = capability_of.get(result.objective)
        if result.status == "met":
            strengths.append(
                Finding(
                    text=f"{result.description} — {result.reason}",
                    objective=result.objective,
                    capability=capability,
                    source="expectation",
                    ref=result.id,
                    evidence=result.evidence,
                )
            )
        elif result.status in ("missed", "partial"):
            improvements.append(
                Finding(
                    text=f"{result.description} — {result.reason}",
                    objective=result.objective,
                    capability=capability,
                    source="expectation",
                    ref=result.id,
                    evidence=result.evidence,
                )
            )
            exp = expectations[result.id]
            plan.append(
                ImprovementItem(
                    action=result.corrective_action,
                    capability=capability or "",
                    objective=result.objective,
                    responsible=scorer.responsible(exp),
                    # Proposed from how badly the objective went; the exercise date is the report's to add.
                    due=f"within {DUE_DAYS[rating_of.get(result.objective)]} days",
                    expectation=result.id,
                )
            )
    for obs in log.observations:
        kind = obs.kind  # type: ignore[attr-defined]
        if kind not in ("strength", "improvement"):
            continue
        objective = obs.objective  # type: ignore[attr-defined]
        finding = Finding(
            text=obs.text,  # type: ignore[attr-defined]
            objective=objective,
            capability=capability_of.get(objective) if objective else None,
            source="observation",
            ref=f"seq {obs.seq}",
            evidence=[obs.seq],
        )
        (strengths if kind == "strength" else improvements).append(finding)
    return strengths, improvements, plan
