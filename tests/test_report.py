"""`tabletop report`: AAR/IP from a simulated run's log in Markdown, HTML and JSON; safe with hostile author text."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest

from simulator.cli import main
from simulator.commands import AnswerHotwash, Observe, OverrideRating
from simulator.engine import Exercise
from simulator.loader import load_text
from simulator.report import build_report, read_log, render_html, render_json, render_markdown
from simulator.simulation import log_meta
from simulator.store import EventStore


@pytest.fixture(scope="module")
def drill_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "drill.db"
    assert main(["simulate", "port-drill", "--policy", "first", "--seed", "2", "--log", str(path)]) == 0
    return path


class _References(HTMLParser):
    """Collects every attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster", "xlink:href") and value:
                self.refs.append((tag, name, value))


def test_html_report_of_a_simulated_run_is_self_contained(drill_log, tmp_path, capsys):
    out = tmp_path / "aar.html"
    assert main(["report", str(drill_log), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    parser = _References()
    parser.feed(html)
    # Only in-page anchors; no scripts, stylesheets, images or fonts from anywhere.
    assert parser.refs and all(value.startswith("#") for _, _, value in parser.refs)
    assert not {"script", "link", "img", "iframe", "object"} & parser.tags
    assert "url(" not in html and "@import" not in html and "http" not in html
    assert html.count("<svg") == 3
    for heading in (
        "Exercise overview",
        "Objectives, capabilities and ratings",
        "Timeline",
        "Decisions",
        "Strengths",
        "Areas for improvement",
        "Improvement plan",
        "Evaluator observations",
        "Hot wash",
        "Appendix: event log",
    ):
        assert f">{heading}</h2>" in html
    assert "@media print" in html
    assert "wrong option" not in html  # the first option is the boom: contain is met
    assert "not done: no message to coastguard" in html


def test_markdown_and_json_agree_with_the_score(drill_log, capsys):
    assert main(["report", str(drill_log), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "tabletop-aar/1"
    assert [(o["id"], o["points"], o["max_points"], o["rating"]) for o in data["score"]["objectives"]] == [
        ("contain", 3.0, 3.0, "P"),
        ("inform", 0.0, 2.0, "U"),
    ]
    seqs = {e["seq"] for e in data["events"]}
    evidence = [q for o in data["score"]["objectives"] for e in o["expectations"] for q in e["evidence"]]
    assert evidence and set(evidence) <= seqs
    plan = data["score"]["improvement_plan"]
    assert [(i["expectation"], i["responsible"]) for i in plan] == [("tell-coastguard", "Port Authority")]
    assert main(["report", str(drill_log)]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# After-Action Report / Improvement Plan: Port drill")
    assert "| contain: Contain the spill within 20 minutes of the first report. |" in markdown
    assert "| tell-coastguard: The port tells the coast guard within 10 minutes. | missed | 0 / 2 |" in markdown


def test_the_same_log_gives_the_same_json(drill_log, capsys):
    outputs = []
    for _ in range(2):
        assert main(["report", str(drill_log), "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


HOSTILE = """\
schema: tabletop/1
id: hostile
title: "Pipes | and <script>alert(1)</script>"
domain: cyber
duration: 10m
teams: [{id: blue, name: "Blue | team"}]
roles: [{id: soc, name: "SOC <b>lead</b>", team: blue}]
objectives: [{id: o1, text: "Detect | *fast* [link](http://x.invalid)", capability: "Cyber|security"}]
injects:
  - id: alert
    at: 0s
    from: SIEM
    to: [soc]
    channel: email
    title: "# Heading? <img src=http://x.invalid/a.png>"
    decision:
      id: act
      prompt: "Do | what?"
      deadline: 5m
      options: [{id: go, label: "Go | now"}]
scoring:
  expectations:
    - {id: e1, objective: o1, decision: act, option: go, by: [soc], description: "Decide | quickly\\n# not a heading"}
hotwash: [{id: q1, text: "What | went well?"}]
"""


def test_author_and_participant_text_cannot_break_the_layout(tmp_path):
    loaded = load_text(HOSTILE, "hostile.yaml")
    path = tmp_path / "hostile.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(float("inf"))
        exercise.submit(Observe(text="<script>x</script> | broken", objective="o1", kind="improvement"))
        exercise.submit(OverrideRating(objective="o1", rating="M", reason="Slow | but <i>fine</i>"))
        exercise.submit(AnswerHotwash(role="soc", question="q1", answer="line one\nline | two"))
    report = build_report(*_scenario_and_events(path))
    html = render_html(report)
    assert "<script" not in html and "<img" not in html and "<b>lead" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Slow | but &lt;i&gt;fine&lt;/i&gt;" in html
    markdown = render_markdown(report)
    # Every table row keeps its column count: author pipes are escaped, newlines folded.
    for table in re.findall(r"(?:^\|.*\|$\n?)+", markdown, flags=re.M):
        rows = table.strip().splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows
    assert "Decide \\| quickly \\# not a heading" in markdown
    assert "line one line \\| two" in markdown
    assert "\n# Heading" not in markdown and "<script>" not in markdown
    data = json.loads(render_json(report))
    assert data["score"]["objectives"][0]["override_reason"] == "Slow | but <i>fine</i>"
    assert data["score"]["objectives"][0]["auto_rating"] == "U"


def _scenario_and_events(path):
    loaded, events, meta = read_log(path)
    return loaded.scenario, events, meta


def test_report_errors_are_clean(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.db")]) == 1
    assert "no such log file" in capsys.readouterr().err


def test_the_plan_proposes_due_dates_from_the_exercise_date_and_rating(drill_log, capsys):
    # The drill log's date comes from its metadata, so the dates are the same on every render.
    loaded, events, meta = read_log(drill_log)
    report = build_report(loaded.scenario, events, meta)
    exercise = dt.date.fromisoformat(report.overview.date)
    inform = next(o for o in report.score.objectives if o.id == "inform")
    assert inform.rating == "U"
    assert [(i.expectation, i.due) for i in report.score.improvement_plan] == [
        ("tell-coastguard", (exercise + dt.timedelta(days=30)).isoformat())
    ]
    html = render_html(report)
    assert "U or M within 30 days, S within 90, P within 180" in html
    assert render_json(report) == render_json(build_report(loaded.scenario, events, meta))
    markdown = render_markdown(report)
    assert f"| Port Authority | {(exercise + dt.timedelta(days=30)).isoformat()} | tell-coastguard |" in markdown
    # Without a date (no log metadata) the plan keeps the relative wording.
    undated = build_report(loaded.scenario, events, {})
    assert [i.due for i in undated.score.improvement_plan] == ["within 30 days"]


def test_charts_fit_long_names_and_print_rows_whole(tmp_path):
    long_name = "Regional maritime operations centre duty officer"
    text = HOSTILE.replace('name: "SOC <b>lead</b>"', f'name: "{long_name}"')
    loaded = load_text(text, "long.yaml")
    path = tmp_path / "long.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(float("inf"))
    html = render_html(build_report(*_scenario_and_events(path)))
    # The lane label is cut to the gutter with an ellipsis; the full name stays in the tooltip.
    assert f"<title>{long_name}</title>Regional maritime ope…</text>" in html
    # The last axis label ends at its tick instead of running off the chart.
    assert 'text-anchor="end" class="ticklabel">+00:10:00</text>' in html
    assert "thead { display: table-header-group; }" in html and "tr { break-inside: avoid; }" in html
    assert html.count("<thead>") == html.count("<table")


def test_markdown_emphasis_survives_folded_yaml_text():
    from simulator.report.render import md_escape

    # A folded YAML scalar ends with a newline; inside **…** the trailing space would break the bold.
    question = "Where did the picture stop?\n"
    assert "**" + md_escape(question) + "**" == "**Where did the picture stop?**"
    assert md_escape("a | b *c*") == "a \\| b \\*c\\*"
