"""Renderers of the after-action report: Markdown and HTML through Jinja templates, and the stable JSON form.

The JSON layout ("tabletop-aar/1": every key, its type, the enumerated values of `status`, `kind`
and `misses`, and an example) is documented in docs/report-format.md; a test keeps that page and the
output in step. Keys keep the models' declaration order, so the same log gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jinja2
from pydantic import TypeAdapter

from simulator.durations import format_clock, format_duration
from simulator.events import Event
from simulator.report.aar import FORMAT, Report, event_line, significant, timeline_dicts
from simulator.report.aar import timeline as build_timeline
from simulator.report.charts import lane_chart, rating_chart, state_chart
from simulator.safetext import clean
from simulator.scoring import RATING_WORDS, STATUS_WORDS, Words, number, paused_gc

FORMATS = ("md", "html", "json")
DEFAULT_APPENDIX = 5000
"""Events shown in the appendix of Markdown and HTML reports; the log file and the JSON report hold them all."""

_EVENTS = TypeAdapter(list[Event])
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&!])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def md_escape(value: Any) -> str:
    """Author or participant text made inert in Markdown: special characters escaped, one line (safe in tables)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Stripped too: `**text **` (a folded YAML string ends in a space) is not bold in CommonMark.
    return _MD_SPECIAL.sub(r"\\\1", _NEWLINES.sub(" ", text)).strip()


def _clock(seconds: float | None) -> str:
    return "—" if seconds is None else format_clock(seconds)


def _dur(seconds: float | None) -> str:
    # Whole seconds: nobody reads "3m4.591s" in a report.
    return "—" if seconds is None else format_duration(round(seconds))


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def _num(value: float | None) -> str:
    return "—" if value is None else number(value)


def _names(ids: list[str], names: dict[str, str]) -> str:
    # Roles and teams by name for people; an id the scenario does not know is shown as it is.
    return ", ".join(names.get(i, i) for i in ids)


def _status(value: str) -> str:
    # Words, not identifiers: "not triggered", never `not_triggered` (which Markdown would escape).
    return STATUS_WORDS.get(value, value.replace("_", " "))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("simulator.report", "templates"),
        # Everything in HTML is escaped unless marked safe; Markdown escapes through `finalize`.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(clock=_clock, dur=_dur, pct=_pct, num=_num, status=_status, names=_names)
    env.globals.update(rating_words=RATING_WORDS)
    return env


def _markdown_environment() -> jinja2.Environment:
    env = _environment()
    # Every value printed into Markdown goes through the escaper: author text cannot add structure.
    env.finalize = md_escape
    return env


_HTML = _environment()
_MD = _markdown_environment()


def _cited(report: Report) -> set[int]:
    """Every event the report links to or names as evidence."""
    card = report.score
    cited = {q for o in card.objectives for e in o.expectations for q in e.evidence}
    cited.update(q for f in card.strengths + card.improvements for q in f.evidence)
    cited.update(link.first_seq for link in card.coordination.links)
    cited.update(o.override_seq for o in card.objectives if o.override_seq is not None)
    return cited


def _context(report: Report, appendix_limit: int | None) -> dict[str, Any]:
    events = report.events
    limit = len(events) if appendix_limit is None else max(0, appendix_limit)
    timeline = build_timeline(report.scenario, events, limit)
    hidden = sum(1 for e in events[timeline[-1].seq :] if significant(e)) if len(timeline) == limit else 0
    objective_of = {e.id: o for o in report.score.objectives for e in o.expectations}
    # Past the limit, the appendix still lists every event the report cites, so that no evidence
    # link points at a row that is not there.
    appendix = list(events[:limit])
    if limit < len(events):
        cited = _cited(report)
        appendix.extend(e for e in events[limit:] if e.seq in cited)
    roles = {r.id: r.name for r in report.scenario.roles}
    words = Words(report.scenario)
    return {
        "event_line": lambda e: event_line(e, words),
        "r": report,
        "o": report.overview,
        "s": report.score,
        "scenario": report.scenario,
        "timeline": timeline,
        "timeline_hidden": hidden,
        "appendix": appendix,
        "appendix_cited": len(appendix) - min(limit, len(events)),
        "appendix_hidden": len(events) - len(appendix),
        "objective_of": objective_of,
        "roles": roles,
        "teams": {t.id: t.name for t in report.scenario.teams},
        # Whom an observation is about: a role or a team, by name.
        "parties": {t.id: t.name for t in report.scenario.teams} | roles,
        "thresholds": report.scenario.scoring.ratings,
        "team_roles": {
            t.id: [b for b, r in zip(report.score.roles, report.scenario.roles, strict=True) if r.team == t.id]
            for t in report.scenario.teams
        },
    }


def render_markdown(report: Report, *, appendix_limit: int | None = DEFAULT_APPENDIX) -> str:
    """The report as Markdown, for pasting into an exercise report."""
    with paused_gc():
        # Participant text in a log (messages, rationales, answers) may hold terminal escapes: a
        # report is `cat`ed and pasted, so none survive into it.
        return clean(_MD.get_template("report.md.j2").render(_context(report, appendix_limit)))


def render_html(report: Report, *, appendix_limit: int | None = DEFAULT_APPENDIX) -> str:
    """The report as one self-contained HTML file: inline CSS and SVG, nothing fetched, print-ready."""
    end = max(report.overview.ended_t, 1.0)
    with paused_gc():
        context = _context(report, appendix_limit)
        context.update(
            lanes=lane_chart(report.scenario, report.events, end),
            states=state_chart(report.scenario, report.events, end, report.score),
            ratings=rating_chart(report.score, report.scenario),
        )
        return clean(_HTML.get_template("report.html.j2").render(context))


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain data in the documented JSON structure."""
    return {
        "format": FORMAT,
        "overview": report.overview.model_dump(mode="json"),
        "score": report.score.model_dump(mode="json"),
        "timeline": [entry.model_dump(mode="json") for entry in report.timeline],
        "events": _EVENTS.dump_python(list(report.events), mode="json"),
    }


def render_json(report: Report) -> str:
    """The report as JSON in the documented structure; the same log gives the same text.

    Keys keep the models' declaration order (stable by construction). The event list, the bulk
    of a large log, is serialised by pydantic in one call rather than dict by dict; the timeline
    goes straight from the events to plain dicts (a model per entry would cost more than the rest).
    """
    with paused_gc():
        return _json_text(report)


def _json_text(report: Report) -> str:
    cached = report.__dict__.get("timeline")
    head = {
        "format": FORMAT,
        "overview": report.overview.model_dump(mode="json"),
        "score": report.score.model_dump(mode="json"),
        "timeline": (
            [entry.model_dump(mode="json") for entry in cached]
            if cached is not None
            else timeline_dicts(report.scenario, report.events)
        ),
    }
    # Nothing in the head refers to itself: skipping the circular-reference check is safe.
    text = json.dumps(head, ensure_ascii=False, check_circular=False)
    events = _EVENTS.dump_json(list(report.events)).decode("utf-8")
    return text[:-1] + ', "events": ' + events + "}\n"


def render(report: Report, fmt: str, *, appendix_limit: int | None = DEFAULT_APPENDIX) -> str:
    """The report in a format: "md", "html" or "json"."""
    if fmt == "md":
        return render_markdown(report, appendix_limit=appendix_limit)
    if fmt == "html":
        return render_html(report, appendix_limit=appendix_limit)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
