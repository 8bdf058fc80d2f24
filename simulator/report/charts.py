"""Chart geometry for the HTML report: role lanes, state over time and ratings, drawn as inline SVG by templates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulator.durations import format_clock, format_duration
from simulator.events import EventBase
from simulator.schema import Scenario
from simulator.scoring import Scorecard, number

WIDTH = 960
LEFT = 170
RIGHT = 20
PLOT = WIDTH - LEFT - RIGHT
LANE = 26
LABEL_CHARS = 22
"""Characters of a role, variable or objective name that fit left of a chart at label size."""


@dataclass
class Mark:
    """One marker; `count` > 1 when several events fell on the same pixel and were drawn as one."""

    x: float
    y: float
    kind: str
    title: str
    count: int = 1


@dataclass
class Axis:
    """Tick positions and labels along scenario time."""

    ticks: list[tuple[float, str]]


@dataclass
class LaneChart:
    """The timeline: one lane per role."""

    width: int
    height: int
    lanes: list[tuple[float, str]]
    marks: list[Mark]
    windows: list[tuple[float, float, float, str]]
    """Decision windows: x0, x1, y, title."""
    axis: Axis
    axis_y: float


@dataclass
class Series:
    """One state variable as a step line."""

    label: str
    unit: str
    points: str
    """SVG polyline points."""
    low: str
    high: str
    thresholds: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class StateChart:
    """Small multiples of the state variables over time."""

    width: int
    height: int
    panel: int
    series: list[Series]
    axis: Axis


@dataclass
class RatingBar:
    """An objective's share of points as a bar."""

    y: float
    label: str
    width: float
    share: str
    rating: str
    auto: str
    inside: bool = False
    """Whether the label goes inside the bar's end (a long bar leaves no room after it)."""


@dataclass
class RatingChart:
    """Share of points per objective, with the scenario's thresholds."""

    width: int
    height: int
    bars: list[RatingBar]
    thresholds: list[tuple[float, str]]


def fit(label: str, chars: int = LABEL_CHARS) -> str:
    """A chart label cut to fit its gutter, with an ellipsis; the full name goes in the SVG title."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def anchor(x: float) -> str:
    """Text anchor for an axis label: the last ones end at their tick so they are not cut off at the edge."""
    return "end" if x > WIDTH - RIGHT - 30 else "middle"


def _x(t: float, end: float) -> float:
    return LEFT + PLOT * (t / end if end > 0 else 0.0)


def _axis(end: float) -> Axis:
    # About eight ticks on a round step of scenario time.
    steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
    step = next((s for s in steps if end / s <= 8), steps[-1] * max(1, int(end / steps[-1] / 8) + 1))
    ticks = []
    t = 0.0
    while t <= end + 1e-9:
        ticks.append((round(_x(t, end), 1), format_clock(t)[1:] if t else "T+0"))
        t += step
    return Axis(ticks)


def lane_chart(scenario: Scenario, events: Sequence[EventBase], end: float) -> LaneChart:
    """Injects, decisions and messages in one lane per role; several events on one pixel become one mark."""
    end = max(end, 1.0)
    lane_of = {r.id: n for n, r in enumerate(scenario.roles)}
    lanes = [(20 + n * LANE + LANE / 2, r.name) for n, r in enumerate(scenario.roles)]
    merged: dict[tuple[int, int, str], Mark] = {}
    windows: list[tuple[float, float, float, str]] = []
    opened: dict[str, EventBase] = {}

    def put(role: str, t: float, kind: str, title: Callable[[], str]) -> None:
        lane = lane_of.get(role)
        if lane is None:
            return
        x = _x(t, end)
        key = (lane, int(x), kind)
        mark = merged.get(key)
        if mark is None:
            # The title is only formatted for the first event on a pixel: large logs merge most.
            merged[key] = Mark(round(x, 1), lanes[lane][0], kind, title())
        else:
            mark.count += 1

    for e in events:
        kind = e.type  # type: ignore[attr-defined]
        if kind == "inject_delivered":
            for role in e.to:  # type: ignore[attr-defined]
                put(role, e.t, "inject", lambda e=e: f"{format_clock(e.t)} inject {e.inject}: {e.title}")  # type: ignore[attr-defined]
        elif kind == "message_sent":
            put(e.actor, e.t, "message", lambda e=e: f"{format_clock(e.t)} message to {', '.join(e.to)}")  # type: ignore[attr-defined]
        elif kind == "decision_opened":
            opened[e.decision] = e  # type: ignore[attr-defined]
        elif kind in ("decision_made", "decision_timed_out"):
            start = opened.get(e.decision)  # type: ignore[attr-defined]
            if kind == "decision_made":
                put(e.actor, e.t, "decided", lambda e=e: f"{format_clock(e.t)} {e.decision} → {e.option}")  # type: ignore[attr-defined]
            if start is not None and len(windows) < 2000:
                # The window from opening to choice or lapse, on the first role that could decide.
                for role in start.by[:1]:  # type: ignore[attr-defined]
                    if role in lane_of:
                        took = format_duration(round(e.t - start.t))
                        verdict = "lapsed" if kind == "decision_timed_out" else "decided"
                        windows.append(
                            (
                                round(_x(start.t, end), 1),
                                round(max(_x(e.t, end), _x(start.t, end) + 2), 1),
                                lanes[lane_of[role]][0],
                                f"{e.decision}: {verdict} after {took}",  # type: ignore[attr-defined]
                            )
                        )
                        if kind == "decision_timed_out":
                            put(role, e.t, "timeout", lambda e=e: f"{format_clock(e.t)} {e.decision} lapsed")  # type: ignore[attr-defined]
    marks = sorted(merged.values(), key=lambda m: (m.y, m.x, m.kind))
    for mark in marks:
        if mark.count > 1:
            mark.title += f" (+{mark.count - 1} more)"
    axis_y = 20 + len(lanes) * LANE + 4
    return LaneChart(WIDTH, int(axis_y + 24), lanes, marks, windows, _axis(end), axis_y)


def state_chart(scenario: Scenario, events: Sequence[EventBase], end: float, card: Scorecard) -> StateChart | None:
    """Each state variable as a step line over time, at most one point per pixel column."""
    if not scenario.state:
        return None
    end = max(end, 1.0)
    panel = 90
    raw: dict[str, list[tuple[float, float]]] = {v: [(0.0, s.initial)] for v, s in scenario.state.items()}
    for e in events:
        if e.type == "state_changed":  # type: ignore[attr-defined]
            series = raw.get(e.var)  # type: ignore[attr-defined]
            if series is not None:
                series.append((e.t, e.value))  # type: ignore[attr-defined]
    thresholds: dict[str, list[float]] = {}
    for exp in scenario.scoring.expectations:
        if exp.state is not None:
            thresholds.setdefault(exp.state.state, []).append(exp.state.comparison[1])
    charts = []
    for n, (var, spec) in enumerate(scenario.state.items()):
        values = raw[var]
        marks = thresholds.get(var, [])
        low = min([v for _, v in values] + marks)
        high = max([v for _, v in values] + marks)
        if high == low:
            high = low + 1
        top = 10 + n * (panel + 20)

        def y(v: float, top: float = top, low: float = low, high: float = high) -> float:
            return round(top + panel - (v - low) / (high - low) * panel, 1)

        # Keep the last value per pixel column: a 100,000-step series draws as under a thousand points.
        columns: dict[int, tuple[float, float]] = {}
        for t, v in values:
            columns[int(_x(t, end))] = (t, v)
        points: list[str] = []
        previous = None
        for t, v in columns.values():
            x = round(_x(t, end), 1)
            if previous is not None:
                points.append(f"{x},{previous}")
            previous = y(v)
            points.append(f"{x},{previous}")
        points.append(f"{round(_x(end, end), 1)},{previous}")
        charts.append(
            Series(
                label=spec.label,
                unit=spec.unit,
                points=" ".join(points),
                low=number(low),
                high=number(high),
                thresholds=[(y(m), number(m)) for m in marks],
            )
        )
    height = 10 + len(charts) * (panel + 20) + 24
    return StateChart(WIDTH, height, panel, charts, _axis(end))


def rating_chart(card: Scorecard, scenario: Scenario) -> RatingChart:
    """Share of points per objective against the P, S and M thresholds."""
    ratings = scenario.scoring.ratings
    bars = []
    for n, objective in enumerate(card.objectives):
        share = objective.share
        width = round(PLOT * (share or 0.0), 1)
        bars.append(
            RatingBar(
                y=10 + n * 30,
                label=objective.id,
                width=width,
                share=f"{share:.0%}" if share is not None else "n/a",
                rating=objective.rating or "-",
                auto=objective.auto_rating or "-",
                inside=width > PLOT - 200,
            )
        )
    thresholds = [
        (round(LEFT + PLOT * value, 1), name) for name, value in (("M", ratings.M), ("S", ratings.S), ("P", ratings.P))
    ]
    return RatingChart(WIDTH, 10 + len(bars) * 30 + 20, bars, thresholds)
