"""`tabletop report`: AAR/IP from a simulated run's log in Markdown, HTML and JSON; safe with hostile author text."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import get_args

import pytest

from simulator.bundled import resolve_scenario
from simulator.cli import main
from simulator.commands import AnswerHotwash, InjectAdHoc, Observe, OverrideRating, SendMessage
from simulator.engine import Exercise
from simulator.events import EVENT_TYPES
from simulator.loader import load_file, load_text
from simulator.policies import make_policy
from simulator.report import build_report, read_log, render_html, render_json, render_markdown
from simulator.report.aar import PaceChange
from simulator.scoring import Miss, Status
from simulator.simulation import log_meta, simulate
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
    assert "not done: no message to Police Coast Guard" in html


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


def test_terminal_escapes_in_participant_text_never_reach_a_report(tmp_path):
    # Text a participant typed reaches the log as typed (over the network too): reports are `cat`ed
    # and pasted into documents, so no escape sequence may survive into Markdown or HTML.
    loaded = load_text(HOSTILE, "hostile.yaml")
    path = tmp_path / "escapes.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(60)
        exercise.submit(InjectAdHoc(to=["soc"], title="t", body="\x1b[2J\x1b[Hwiped \x1b]8;;http://x\x1b\\link\x9b31m"))
        exercise.submit(Observe(text="seen \x1b[31mred", objective="o1"))
        exercise.submit(AnswerHotwash(role="soc", question="q1", answer="ok \x07\x1b[7minverse"))
    report = build_report(*_scenario_and_events(path))
    for text in (render_markdown(report), render_html(report)):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
        assert "seen" in text and "inverse" in text


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
    # The lane label wraps over two lines in the gutter, whole; the full name is also the tooltip.
    assert (
        f'<title>{long_name}</title><tspan x="240">Regional maritime operations</tspan>'
        '<tspan x="240" dy="17">centre duty officer</tspan></text>'
    ) in html
    assert "…" not in html.split('aria-label="Timeline')[1].split("</svg>")[0]
    # Short h:mm tick labels; the last one ends at its tick instead of running off the chart.
    assert 'text-anchor="end" class="ticklabel">0:10</text>' in html
    assert "+00:10:00</text>" not in html
    assert "thead { display: table-header-group; }" in html and "tr { break-inside: avoid; }" in html
    assert html.count("<thead>") == html.count("<table")


def test_markdown_emphasis_survives_folded_yaml_text():
    from simulator.report.render import md_escape

    # A folded YAML scalar ends with a newline; inside **…** the trailing space would break the bold.
    question = "Where did the picture stop?\n"
    assert "**" + md_escape(question) + "**" == "**Where did the picture stop?**"
    assert md_escape("a | b *c*") == "a \\| b \\*c\\*"


# --------------------------------------------------------------------------- audit fixes


def _simulated(tmp_path, name="port-drill", policy="model", seed=1, file="run.db"):
    path = tmp_path / file
    assert main(["simulate", name, "--policy", policy, "--seed", str(seed), "--log", str(path)]) == 0
    return path


def _cut(source, target, until):
    """A copy of a log as a crash at `until` would have left it: no exercise_ended, nothing later."""
    with EventStore(source) as store:
        meta, events = store.meta(), store.events()
    with EventStore.create(target, meta) as out:
        out.append_many([e for e in events if e.t <= until])
    return target


def test_a_log_with_no_events_is_a_clean_error(tmp_path, capsys):
    loaded = load_text(HOSTILE, "hostile.yaml")
    path = tmp_path / "empty.db"
    EventStore.create(path, log_meta(loaded, 0)).close()
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: log holds no events: the exercise never started" in err
    assert "Traceback" not in err


def test_a_log_that_stops_short_says_so_and_leaves_open_windows_open(tmp_path, capsys):
    cut = _cut(_simulated(tmp_path), tmp_path / "cut.db", 200)
    capsys.readouterr()
    assert main(["report", str(cut), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["overview"]["ended"], data["overview"]["ended_t"], data["overview"]["end_reason"]) == (
        False,
        180.0,
        None,
    )
    found = {e["id"]: e for o in data["score"]["objectives"] for e in o["expectations"]}
    # Decided at 3m: settled. The message was due at 10m and the final oil is unknown at 3m.
    assert found["boom-chosen"]["status"] == "met"
    tell = found["tell-coastguard"]
    assert (tell["status"], tell["misses"], tell["points"], tell["max_points"]) == ("open", ["open"], 0.0, 0.0)
    assert tell["reason"].startswith("open when the log stopped at T+00:03:00 (due T+00:10:00): so far not done")
    assert found["oil-kept-low"]["status"] == "open"
    # Open is not a miss: nothing in the plan, and the score counts only what was settled.
    assert data["score"]["improvement_plan"] == [] and data["score"]["improvements"] == []
    assert (data["score"]["points"], data["score"]["max_points"]) == (2.0, 2.0)
    assert main(["report", str(cut)]) == 0
    markdown = capsys.readouterr().out
    assert "**Not ended — log stops at T+00:03:00.**" in markdown
    assert "| open when the log stopped | 0 / 0 |" in markdown
    html = render_html(build_report(*_scenario_and_events(cut)))
    assert '<p class="stopped">Not ended — log stops at T+00:03:00.' in html
    assert '<span class="status open">open when the log stopped</span>' in html


def test_a_bad_stored_scenario_is_named_by_the_log_not_the_file_it_came_from(tmp_path, capsys):
    path = _simulated(tmp_path)
    db = sqlite3.connect(path)
    (source,) = db.execute("SELECT value FROM meta WHERE key = 'scenario_source'").fetchone()
    db.execute(
        "UPDATE meta SET value = ? WHERE key = 'scenario_source'",
        (source.replace("schema: tabletop/1", "schema: tabletop/2"),),
    )
    db.commit()
    db.close()
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} (stored scenario):3:9: error: schema: unsupported schema 'tabletop/2'" in err
    assert "scenarios/port-drill.yaml" not in err
    assert main(["log", "verify", str(path)]) == 1
    assert f"{path} (stored scenario):3:9:" in capsys.readouterr().err


def test_a_log_of_a_newer_format_is_refused_by_name(tmp_path, capsys):
    path = _simulated(tmp_path)
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '2' WHERE key = 'format'")
    db.commit()
    db.close()
    assert main(["report", str(path)]) == 1
    err = capsys.readouterr().err
    assert "log format 2 was written by a newer version of Tabletop; this version reads log format 1 only" in err


def test_the_printed_report_holds_the_collapsed_sections(tmp_path):
    """Closed <details> print nothing in Chromium unless their content part is shown for print."""
    html = render_html(build_report(*_scenario_and_events(_simulated(tmp_path, "maritime", "random"))))
    assert "details::details-content { content-visibility: visible; display: block; }" in html
    chromium, pdftotext = shutil.which("chromium"), shutil.which("pdftotext")
    if not (chromium and pdftotext):
        pytest.skip("needs chromium and pdftotext (apt-get install -y chromium poppler-utils)")
    page, pdf = tmp_path / "aar.html", tmp_path / "aar.pdf"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    squashed = " ".join(text.split())
    # The first and the last rows of the appendix, and a significant event from the timeline table.
    assert "Dark transfer off Bintan — tanker seizure and illicit ship-to-ship transfer (seed 1)" in squashed
    assert "exercise_ended scenario time is up" in squashed
    assert "decision for Nordhafen Tankers company security officer (Hamburg crisis cell)" in squashed


def test_every_evidence_link_has_its_row_in_the_appendix(tmp_path):
    report = build_report(*_scenario_and_events(_simulated(tmp_path, "maritime", "random")))
    html = render_html(report, appendix_limit=5)
    links = set(re.findall(r'href="#(e\d+)"', html))
    rows = set(re.findall(r'<tr id="(e\d+)"', html))
    assert links and links <= rows
    # Past the limit only cited events are listed, after a line that says what is left out.
    assert "e6" not in rows and len(rows) < len(report.events)
    assert '<tr class="gap"><td colspan="5">events 6–' in html
    markdown = render_markdown(report, appendix_limit=5)
    cited = {q for o in report.score.objectives for e in o.expectations for q in e.evidence}
    listed = {int(n) for n in re.findall(r"^\| (\d+) \| T\+", markdown, flags=re.M)}
    assert cited <= listed


def test_markdown_words_statuses_overrides_and_keeps_lists_tight(tmp_path):
    loaded = load_text(HOSTILE, "hostile.yaml")
    path = tmp_path / "hostile.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(float("inf"))
        exercise.submit(Observe(text="First", kind="note"))
        exercise.submit(Observe(text="Second", kind="strength", objective="o1"))
        override = exercise.submit(OverrideRating(objective="o1", rating="M", reason="Slow"))[0]
        exercise.submit(AnswerHotwash(role="soc", question="q1", answer="One"))
        exercise.submit(AnswerHotwash(role="soc", question="q1", answer="Two"))
    report = build_report(*_scenario_and_events(path))
    markdown = render_markdown(report)
    assert f"M (override, event {override.seq}: Slow) |" in markdown
    assert "- T+00:10:00 (note): First\n- T+00:10:00 (strength, o1): Second\n\n## Hot wash" in markdown
    assert "- SOC \\<b\\>lead\\</b\\>: One\n- SOC \\<b\\>lead\\</b\\>: Two\n" in markdown
    assert "\\_" not in markdown.split("## Timeline")[0]  # no `not\_triggered` or `timed\_out`
    # The decision lapsed: who was asked, and "lapsed" rather than a status identifier.
    assert "| asked: SOC \\<b\\>lead\\</b\\> | lapsed |" in markdown
    html = render_html(report)
    assert '<span class="muted">asked:</span> SOC &lt;b&gt;lead&lt;/b&gt;</td>' in html
    assert f'Evaluator override (<a href="#e{override.seq}">event {override.seq}</a>)' in html


def test_negative_coordination_delays_read_as_before_the_first_inject(tmp_path):
    text = HOSTILE.replace(
        'roles: [{id: soc, name: "SOC <b>lead</b>", team: blue}]',
        "roles: [{id: soc, name: SOC, team: blue}, {id: ir, name: Responder, team: red}]",
    ).replace('teams: [{id: blue, name: "Blue | team"}]', "teams: [{id: blue, name: Blue}, {id: red, name: Red}]")
    loaded = load_text(text, "two.yaml")
    path = tmp_path / "two.db"
    with EventStore.create(path, log_meta(loaded, 0)) as store:
        exercise = Exercise(loaded.scenario, sink=store.append, clock=lambda: 0.0)
        exercise.start()
        exercise.advance(60)
        # Red writes at 1m; its first inject only comes at 4m.
        exercise.submit(SendMessage(role="ir", to=["soc"], text="Anything for us?"))
        exercise.advance(240)
        exercise.submit(InjectAdHoc(to=["ir"], title="Now you know"))
        exercise.advance(float("inf"))
    report = build_report(*_scenario_and_events(path))
    link = report.score.coordination.links[0]
    assert (link.from_team, link.to_team, link.delay, link.before_first_inject) == ("red", "blue", None, True)
    assert "| Red | Blue | 1 | T+00:01:00 | before its first inject |" in render_markdown(report)
    assert '<span class="muted">before its first inject</span>' in render_html(report)


def test_charts_keep_values_off_the_lines_and_print_the_hash_whole(drill_log):
    html = render_html(build_report(*_scenario_and_events(drill_log)))
    state = html.split('aria-label="State variables over time"')[1].split("</svg>")[0]
    # The scale's values sit in the gutter left of the panels (x < 70), not on the plotted line.
    values = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end" class="(?:ticklabel|thresholdlabel)">', state)
    assert values and all(float(x) < 70 for x in values)
    ratings = html.split('aria-label="Share of points per objective"')[1].split("</svg>")[0]
    # Value labels come after (over) the threshold lines, on a backing that stops the line short.
    assert ratings.rindex('class="threshold"') < ratings.index('class="labelback"') or "barlabel" in ratings
    assert 'class="muted sha"' in html and "overflow-wrap: anywhere" in html


def test_the_json_layout_is_the_documented_one(tmp_path):
    doc = (Path(__file__).resolve().parent.parent / "docs" / "report-format.md").read_text(encoding="utf-8")
    sections = _documented_keys(doc)
    loaded = load_file(resolve_scenario("maritime"))
    # The random policy misses some expectations: findings and an improvement plan to check too.
    run = simulate(loaded, make_policy("random", loaded.scenario, 1), seed=1)
    run.exercise.submit(Observe(text="Calm radio", objective="share", about="ifc-watch", kind="strength"))
    run.exercise.submit(AnswerHotwash(role="ifc-watch", question=loaded.scenario.hotwash[0].id, answer="Quick"))
    data = json.loads(render_json(build_report(loaded.scenario, run.events, log_meta(loaded, 1))))
    assert sections[""] == list(data)
    assert sections["score.objectives[].expectations[]"] == list(data["score"]["objectives"][0]["expectations"][0])
    checked = 0
    for path, keys in sections.items():
        found = _at(data, path)
        if found is None:
            # Empty in this run (a headless run changes no pace): the model says what an entry holds.
            assert path == "overview.pace_changes[]"
            assert keys == list(PaceChange.model_fields)
            continue
        # An event is its envelope, then its type's own fields (checked below).
        assert keys == list(found)[: len(keys) if path == "events[]" else None], path
        checked += 1
    assert checked >= 20
    assert list(data["score"]["improvements"][0]) == sections["score.strengths[]"]
    # The documented enumerations are the scorecard's.
    assert _enumerated(doc, "`status`:") == list(get_args(Status))
    assert _enumerated(doc, "`misses` (") == list(get_args(Miss))
    # Every event type and its own fields, in order.
    types = dict(re.findall(r"^\| `(\w+)` \| (`.*) \|$", doc, flags=re.M))
    assert set(types) == set(EVENT_TYPES)
    for name, cls in EVENT_TYPES.items():
        own = [f for f in cls.model_fields if f not in ("seq", "t", "wall", "actor", "type")]
        # The first backticked word of each comma-separated item is the field; the rest is its note.
        listed = [re.match(r"`(\w+)`", item.strip()).group(1) for item in re.split(r",(?![^(]*\))", types[name])]
        assert listed == own, name
    # The seed is a number, as in the events.
    assert data["overview"]["seed"] == 1 == data["events"][0]["seed"]


def _documented_keys(doc: str) -> dict[str, list[str]]:
    """For each `## path` or `### path` section of the format page, the keys of its first table."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in doc.splitlines():
        heading = re.match(r"^#{2,3} (?:`([^`]+)`|(Top level))$", line)
        if heading:
            current = heading.group(1) or ""
            continue
        if current is None:
            continue
        row = re.match(r"^\| `(\w+)` \| ", line)
        if row and not line.startswith("| `type` | Its own fields"):
            sections.setdefault(current, []).append(row.group(1))
        elif sections.get(current) and not line.startswith("|"):
            current = None
    return sections


def _at(data, path: str):
    """An object at a documented path (`a.b[].c[]`): the first one there is, looking through every list; or None."""

    def find(node, parts):
        if not parts:
            return node
        head, rest = parts[0], parts[1:]
        node = node[head.removesuffix("[]")]
        if not head.endswith("[]"):
            return find(node, rest)
        for item in node:
            found = find(item, rest)
            if found is not None:
                return found
        return None

    return find(data, [part for part in path.split(".") if part])


def _enumerated(doc: str, lead: str) -> list[str]:
    after = doc.split(lead, 1)[1]
    table = after.split("\n\n", 2)[1]
    return re.findall(r"^\| `(\w+)` \|", table, flags=re.M)


def _hyphenated_ids(name: str) -> set[str]:
    """Ids of a bundled scenario that the scenario also names: they must not show in text for people."""
    scenario = load_file(resolve_scenario(name)).scenario
    ids = {r.id for r in scenario.roles} | {t.id for t in scenario.teams} | {i.id for i in scenario.injects}
    ids |= {d.id for d in scenario.decisions} | {o.id for d in scenario.decisions for o in d.options}
    ids |= set(scenario.state)
    return {i for i in ids if "-" in i or "_" in i}


@pytest.mark.parametrize("name", ["maritime", "cbrn"])
def test_the_timeline_and_its_chart_name_people_options_and_state(name, tmp_path, capsys):
    log = tmp_path / "run.db"
    assert main(["simulate", name, "--policy", "random", "--seed", "2", "--log", str(log)]) == 0
    out = tmp_path / "aar.json"
    assert main(["report", str(log), "-o", str(out)]) == 0
    capsys.readouterr()
    data = json.loads(out.read_text(encoding="utf-8"))
    ids = _hyphenated_ids(name)
    kinds = set()
    for entry in data["timeline"]:
        kinds.add(entry["kind"])
        words = set(re.split(r"[\s,;:()“”]+", entry["text"]))
        assert not ids & words, entry
    assert {"inject", "decision", "decided", "message", "state"} <= kinds
    # The lanes stay role ids: they are structure, not text.
    assert all(lane in {r["id"] for r in data["overview"]["roles"]} for e in data["timeline"] for lane in e["lanes"])
    html = tmp_path / "aar.html"
    assert main(["report", str(log), "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    titles = re.findall(r"<title>([^<]*)</title>", page)
    assert len(titles) > 10
    for title in titles:
        assert not ids & set(re.split(r"[\s,;:()“”]+", title)), title


def test_observations_say_whom_they_are_about_by_name(tmp_path, capsys):
    loaded = load_file(resolve_scenario("maritime"))
    log = tmp_path / "observed.db"
    with EventStore.create(log, log_meta(loaded, 1)) as store:
        run = simulate(loaded, make_policy("random", loaded.scenario, 1), seed=1)
        store.append_many(run.events)
        before = len(run.events)
        run.exercise.submit(Observe(text="Calm radio", objective="share", about="ifc-watch", kind="strength"))
        run.exercise.submit(Observe(text="Slow to call back", about="bakamla", kind="note"))
        store.append_many(run.events[before:])
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"aar.{fmt}"
        assert main(["report", str(log), "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        assert "about IFC watch officer" in text or "<td>IFC watch officer</td>" in text, fmt
        assert "Bakamla — Indonesian Maritime Security Agency (Western Zone)" in text
        if fmt == "json":
            # The structured field keeps the id.
            observations = json.loads(text)["score"]["observations"]
            assert [o["about"] for o in observations] == ["ifc-watch", "bakamla"]
        elif fmt == "html":
            rows = re.findall(r'<tr id="obs\d+">.*?</tr>', text)
            assert len(rows) == 2 and not any("ifc-watch" in r or ">bakamla<" in r for r in rows), rows
        else:
            assert "about ifc-watch" not in text and "about bakamla)" not in text
    capsys.readouterr()


def test_markdown_outcomes_name_a_unitless_variable_by_its_label_alone(tmp_path, capsys):
    log = tmp_path / "run.db"
    assert main(["simulate", "maritime", "--policy", "model", "--log", str(log)]) == 0
    out = tmp_path / "aar.md"
    assert main(["report", str(log), "-o", str(out)]) == 0
    capsys.readouterr()
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| Interceptor tasked")]
    assert rows and rows[0].startswith("| Interceptor tasked (flag) | 0 |"), rows
    assert "patrol\\_tasked" not in rows[0]


def test_markdown_breakdown_puts_each_role_under_its_team(drill_log, tmp_path, capsys):
    out = tmp_path / "aar.md"
    assert main(["report", str(drill_log), "-o", str(out)]) == 0
    capsys.readouterr()
    lines = out.read_text(encoding="utf-8").splitlines()
    start = lines.index("| Team / role | Points | Share | Decisions | On time | Late or lapsed | Messages sent |")
    rows = [line.split(" | ")[0].removeprefix("| ") for line in lines[start + 2 :] if line.startswith("| ")]
    rows = rows[: next((n for n, r in enumerate(rows) if not (r.startswith("**") or r.startswith("↳ "))), len(rows))]
    scenario = load_file(resolve_scenario("port-drill")).scenario
    expected = []
    for team in scenario.teams:
        expected.append(f"**{team.name}**")
        expected += [f"↳ {r.name}" for r in scenario.roles if r.team == team.id]
    assert rows == expected
