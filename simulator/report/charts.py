"""Chart geometry for the HTML report: role lanes, state over time and ratings, drawn as inline SVG by templates.

The SVGs are scaled to the page width: 860 user units become about 520 pt on A4 and 960 px on
screen, so labels of 14 units print at about 8.5 pt. Names wrap over two lines in a gutter wide
enough for them, and values sit outside the plotted area so that no line runs through them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simulator.durations import format_clock, format_duration
from simulator.events import EventBase
from simulator.schema import Scenario
from simulator.scoring import Scorecard, Words, number

WIDTH = 860
RIGHT = 20
LANE_LEFT = 250
"""Gutter of the timeline: role names up to three lines of LANE_CHARS."""
LANE = 38
"""Height of a lane whose name takes one or two lines; a three-line name makes its lane taller."""
LINE = 17
CHAR = 7.6
"""Average advance of a character of 14-unit sans-serif text, for fitting labels without a browser."""
LANE_CHARS = 31
RATING_LEFT = 180
RATING_CHARS = 22
STATE_LEFT = 70
"""Gutter of the state chart: only the value scale; each variable's name is a title above its panel."""
PANEL = 80
PANEL_TITLE = 20
PANEL_GAP = 16
TITLE_CHARS = 105


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
    """Tick positions and labels along scenario time, and where the axis sits."""

    ticks: list[tuple[float, str, str]]
    """x, label (h:mm) and text anchor."""
    left: float
    right: float


@dataclass
class Label:
    """A name for a chart's gutter: its lines (wrapped, the last cut with an ellipsis) and the full text."""

    lines: list[str]
    full: str


@dataclass
class Lane:
    """One role's lane in the timeline: its middle, its height and its name."""

    y: float
    height: float
    label: Label


@dataclass
class LaneChart:
    """The timeline: one lane per role."""

    width: int
    height: int
    left: int
    lanes: list[Lane]
    marks: list[Mark]
    windows: list[tuple[float, float, float, str]]
    """Decision windows: x0, x1, y, title."""
    axis: Axis
    axis_y: float


@dataclass
class Series:
    """One state variable as a step line in its own panel."""

    title: str
    label: str
    unit: str
    top: float
    points: str
    """SVG polyline points."""
    low: str
    high: str
    low_y: float
    high_y: float
    show_low: bool
    show_high: bool
    """Whether the lowest and highest values are written in the gutter (not over a threshold's value)."""
    thresholds: list[tuple[float, str, bool]] = field(default_factory=list)
    """y, value, and whether the value is written in the gutter (not over another threshold's)."""


@dataclass
class StateChart:
    """Small multiples of the state variables over time."""

    width: int
    height: int
    left: int
    panel: int
    series: list[Series]
    axis: Axis
    axis_y: float


@dataclass
class RatingBar:
    """An objective's share of points as a bar."""

    y: float
    label: Label
    width: float
    share: str
    rating: str
    auto: str
    text: str
    """The value label: share and rating (and the automatic rating when overridden)."""
    text_width: float
    """Estimated width of `text`, for the backing that keeps threshold lines out of it."""
    inside: bool = False
    """Whether the label goes inside the bar's end (a long bar leaves no room after it)."""


@dataclass
class RatingChart:
    """Share of points per objective, with the scenario's thresholds."""

    width: int
    height: int
    left: int
    plot: int
    bars: list[RatingBar]
    thresholds: list[tuple[float, str]]


def fit(label: str, chars: int) -> str:
    """A label cut to `chars` with an ellipsis; the full text goes in the SVG title."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def wrap(label: str, chars: int, lines: int = 2) -> Label:
    """A name broken at spaces into at most `lines` lines of `chars`; what does not fit ends in an ellipsis."""
    out: list[str] = []
    words = label.split()
    current = ""
    while words:
        word = words[0]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= chars:
            current = candidate
            words.pop(0)
            continue
        if not current:
            # One word longer than the line: cut it rather than loop.
            current = word[:chars]
            words[0] = word[chars:]
        out.append(current)
        current = ""
        if len(out) == lines:
            break
    if current and len(out) < lines:
        out.append(current)
    if words and out:
        out[-1] = fit(out[-1] + " " + " ".join(words), chars)
    return Label(out or [""], label)


def _tick_label(t: float) -> str:
    # h:mm: short enough that eight labels never touch, and read the same way as a wall clock.
    minutes = round(t) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _scale(left: float, end: float) -> Callable[[float], float]:
    plot = WIDTH - left - RIGHT
    return lambda t: left + plot * (t / end if end > 0 else 0.0)


def _axis(end: float, left: float) -> Axis:
    # At most eight steps of a round length of scenario time; h:mm labels are short enough for that.
    steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
    step = next((s for s in steps if end / s <= 8), steps[-1] * max(1, int(end / steps[-1] / 8) + 1))
    x = _scale(left, end)
    ticks = []
    t = 0.0
    while t <= end + 1e-9:
        at = round(x(t), 1)
        ticks.append((at, _tick_label(t), "end" if at > WIDTH - RIGHT - 20 else "start" if t == 0 else "middle"))
        t += step
    return Axis(ticks, left, WIDTH - RIGHT)


def lane_chart(scenario: Scenario, events: Sequence[EventBase], end: float) -> LaneChart:
    """Injects, decisions and messages in one lane per role; several events on one pixel become one mark."""
    end = max(end, 1.0)
    left = LANE_LEFT
    x_of = _scale(left, end)
    lane_of = {r.id: n for n, r in enumerate(scenario.roles)}
    lanes: list[Lane] = []
    top = 10.0
    for role in scenario.roles:
        label = wrap(role.name, LANE_CHARS, lines=3)
        height = max(LANE, LINE * len(label.lines) + 8)
        lanes.append(Lane(top + height / 2, height, label))
        top += height
    merged: dict[tuple[int, int, str], Mark] = {}
    windows: list[tuple[float, float, float, str]] = []
    opened: dict[str, EventBase] = {}
    words = Words(scenario)

    def put(role: str, t: float, kind: str, title: Callable[[], str]) -> None:
        lane = lane_of.get(role)
        if lane is None:
            return
        x = x_of(t)
        key = (lane, int(x), kind)
        mark = merged.get(key)
        if mark is None:
            # The title is only formatted for the first event on a pixel: large logs merge most.
            merged[key] = Mark(round(x, 1), lanes[lane].y, kind, title())
        else:
            mark.count += 1

    for e in events:
        kind = e.type  # type: ignore[attr-defined]
        if kind == "inject_delivered":
            for role in e.to:  # type: ignore[attr-defined]
                put(role, e.t, "inject", lambda e=e: f"{format_clock(e.t)} inject: {e.title}")  # type: ignore[attr-defined]
        elif kind == "message_sent":
            put(e.actor, e.t, "message", lambda e=e: f"{format_clock(e.t)} message to {words.names(e.to)}")  # type: ignore[attr-defined]
        elif kind == "decision_opened":
            opened[e.decision] = e  # type: ignore[attr-defined]
        elif kind in ("decision_made", "decision_timed_out"):
            start = opened.get(e.decision)  # type: ignore[attr-defined]
            if kind == "decision_made":
                put(e.actor, e.t, "decided", lambda e=e: f"{format_clock(e.t)} {words.chose(e)}")  # type: ignore[attr-defined]
            if start is not None and len(windows) < 2000:
                # The window from opening to choice or lapse, on the first role that could decide.
                for role in start.by[:1]:  # type: ignore[attr-defined]
                    if role in lane_of:
                        took = format_duration(round(e.t - start.t))
                        verdict = "lapsed" if kind == "decision_timed_out" else "decided"
                        windows.append(
                            (
                                round(x_of(start.t), 1),
                                round(max(x_of(e.t), x_of(start.t) + 2), 1),
                                lanes[lane_of[role]].y,
                                f"{words.decision(e.decision)}: {verdict} after {took}",  # type: ignore[attr-defined]
                            )
                        )
                        if kind == "decision_timed_out":
                            put(
                                role,
                                e.t,
                                "timeout",
                                lambda e=e: f"{format_clock(e.t)} {words.decision(e.decision)} lapsed",
                            )  # type: ignore[attr-defined]
    marks = sorted(merged.values(), key=lambda m: (m.y, m.x, m.kind))
    for mark in marks:
        if mark.count > 1:
            mark.title += f" (+{mark.count - 1} more)"
    axis_y = top + 4
    return LaneChart(WIDTH, int(axis_y + 30), left, lanes, marks, windows, _axis(end, left), axis_y)


def state_chart(scenario: Scenario, events: Sequence[EventBase], end: float, card: Scorecard) -> StateChart | None:
    """Each state variable as a step line over time, at most one point per pixel column."""
    if not scenario.state:
        return None
    end = max(end, 1.0)
    left = STATE_LEFT
    x_of = _scale(left, end)
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
        top = 8 + n * (PANEL_TITLE + PANEL + PANEL_GAP) + PANEL_TITLE

        # A few units inside the frame, so a line at the maximum or minimum is not drawn on the border.
        def y(v: float, top: float = top, low: float = low, high: float = high) -> float:
            return round(top + PANEL - 5 - (v - low) / (high - low) * (PANEL - 10), 1)

        # Keep the last value per pixel column: a 100,000-step series draws as under a thousand points.
        columns: dict[int, tuple[float, float]] = {}
        for t, v in values:
            columns[int(x_of(t))] = (t, v)
        points: list[str] = []
        previous = None
        for t, v in columns.values():
            x = round(x_of(t), 1)
            if previous is not None:
                points.append(f"{x},{previous}")
            previous = y(v)
            points.append(f"{x},{previous}")
        points.append(f"{round(x_of(end), 1)},{previous}")
        high_y, low_y = y(high), y(low)
        # The scale's ends are in the table too; a threshold's value is only here, so it wins a clash.
        shown: list[float] = []
        marked = []
        for m in marks:
            at = y(m)
            free = all(abs(at - other) >= 13 for other in shown)
            if free:
                shown.append(at)
            marked.append((at, number(m), free))
        title = spec.label + (f" ({spec.unit})" if spec.unit else "")
        charts.append(
            Series(
                title=fit(title, TITLE_CHARS),
                label=spec.label,
                unit=spec.unit,
                top=top,
                points=" ".join(points),
                low=number(low),
                high=number(high),
                low_y=low_y,
                high_y=high_y,
                show_low=all(abs(low_y - other) >= 13 for other in shown),
                show_high=all(abs(high_y - other) >= 13 for other in shown),
                thresholds=marked,
            )
        )
    axis_y = 8 + len(charts) * (PANEL_TITLE + PANEL + PANEL_GAP)
    return StateChart(WIDTH, int(axis_y + 40), left, PANEL, charts, _axis(end, left), axis_y)


def rating_chart(card: Scorecard, scenario: Scenario) -> RatingChart:
    """Share of points per objective against the P, S and M thresholds."""
    ratings = scenario.scoring.ratings
    left = RATING_LEFT
    plot = WIDTH - left - RIGHT
    bars = []
    for n, objective in enumerate(card.objectives):
        share = objective.share
        width = round(plot * (share or 0.0), 1)
        shown = f"{share:.0%}" if share is not None else "n/a"
        rating = objective.rating or "-"
        auto = objective.auto_rating or "-"
        text = f"{shown} · {rating}" + (f" (auto {auto})" if rating != auto else "")
        text_width = round(len(text) * CHAR + 6, 1)
        bars.append(
            RatingBar(
                y=10 + n * 34,
                label=wrap(objective.id, RATING_CHARS, lines=1),
                width=width,
                share=shown,
                rating=rating,
                auto=auto,
                text=text,
                text_width=text_width,
                inside=width > plot - text_width - 12,
            )
        )
    thresholds = [
        (round(left + plot * value, 1), name) for name, value in (("M", ratings.M), ("S", ratings.S), ("P", ratings.P))
    ]
    return RatingChart(WIDTH, 10 + len(bars) * 34 + 24, left, plot, bars, thresholds)
