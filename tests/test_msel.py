"""`tabletop msel`: the MSEL of a scenario as CSV and Markdown, and a trainer's CSV imported as a valid skeleton."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.durations import DurationError
from simulator.loader import load_file
from simulator.msel import md_cell, parse_msel_time, yaml_scalar

DATA = Path(__file__).resolve().parent / "data" / "msel"

PORT_DRILL_TIMES = [
    "T+00:00:00",
    "T+00:15:00",
    "T+00:30:00",
    "scheduled by option boom of decision containment (+5m)",
    "scheduled by option wait of decision containment (+2m)",
    "scheduled by timeout of decision containment",
    "when: oil_m3 above 10",
    "when: after 20m and no message port→coastguard",
]


def test_csv_export_of_port_drill(capsys):
    assert main(["msel", "port-drill", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == [
        "No",
        "Time",
        "From",
        "To",
        "Channel",
        "Inject",
        "Description",
        "Expected action",
        "Objective / capability",
        "Notes",
        "Category",
    ]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, 9)]
    assert [r[1] for r in rows[1:]] == PORT_DRILL_TIMES
    first = rows[1]
    assert first[2:6] == [
        "Terminal control room",
        "Harbour master; Environmental officer",
        "radio",
        "Bunker hose parted at berth 7",
    ]
    assert first[6].startswith("Berth 7, this is terminal control.") and "\n" in first[6]
    assert first[8] == (
        "Contain the spill within 20 minutes of the first report. — Environmental Response/Health and Safety; "
        "Inform the coast guard of the spill and the safety zone. — Operational Coordination"
    )
    assert first[9] == (
        "Decision containment: How do you contain the spill? Options: boom: Deploy the terminal's boom around the "
        "vessel / wait: Wait for the contractor's boom (40 minutes away). Deadline 10m.\nPriority flash."
    )
    assert [r[10] for r in rows[1:]].count("contingency") == 3
    assert rows[3][3] == "Everyone"


def test_markdown_export_escapes_author_text(tmp_path, capsys):
    text = (Path(__file__).resolve().parent.parent / "scenarios" / "port-drill.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Situation report", 'title: "Sitrep | <b>all</b>\\nsecond line"')
    path = tmp_path / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "msel.md"
    assert main(["msel", str(path), "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# MSEL — Port drill — bunker spill at the container terminal"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == (
        "| No | Time / trigger | From | To | Channel | Inject | Expected action | Objective / capability | Notes "
        "| Category |"
    )
    assert len(table) == 9
    # Every row has exactly the header's number of unescaped cell separators.
    for row in table:
        assert row.replace("\\|", "").count("|") == 11
    assert table[3].startswith(
        "| 3 | T+00:30:00 | Exercise control | Everyone | sitrep | **Sitrep \\| &lt;b&gt;all&lt;/b&gt;<br>second line**"
    )
    assert table[8].startswith("| 8 | when: after 20m and no message port→coastguard | Coast guard operations centre |")


def test_md_cell_and_yaml_scalar():
    assert md_cell("a | b\r\nc <x> & d\\") == "a \\| b<br>c &lt;x&gt; &amp; d\\\\"
    assert [yaml_scalar(v) for v in ["no", "Yes", "12:30", "15", "Harbour master", " x", "a: b", "x #y", ""]] == [
        '"no"',
        '"Yes"',
        '"12:30"',
        '"15"',
        "Harbour master",
        '" x"',
        '"a: b"',
        '"x #y"',
        '""',
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:15", 900), ("0:15:00", 900), ("T+00:15", 900), ("t+1:30", 5400), ("15m", 900), ("15", 900), ("1h30m", 5400)],
)
def test_msel_times(text, seconds):
    assert parse_msel_time(text) == seconds


@pytest.mark.parametrize("text", ["00:75", "soon", "T+", "-5"])
def test_bad_msel_times(text):
    with pytest.raises(DurationError):
        parse_msel_time(text)


def test_import_basic_csv(tmp_path, capsys):
    out = tmp_path / "spill drill.yaml"
    assert main(["msel", "--import", str(DATA / "basic.csv"), "-o", str(out), "--domain", "maritime"]) == 0
    assert capsys.readouterr().out == (f"wrote {out} (6 injects, 2 roles); next: tabletop validate {out}\n")
    scenario = load_file(out).scenario
    assert scenario.id == "spill-drill"
    assert scenario.domain == "maritime"
    assert scenario.duration == 5400
    assert [(r.id, r.name, r.team) for r in scenario.roles] == [
        ("harbour-master", "Harbour master", "players"),
        ("environmental-officer", "Environmental officer", "players"),
    ]
    assert [(o.id, o.text, o.capability) for o in scenario.objectives] == [
        ("contain-spill", "Contain the spill", "Environmental Response/Health and Safety")
    ]
    assert [(i.id, i.at, i.channel, i.title, i.to, i.category) for i in scenario.injects] == [
        (
            "bunker-hose-parted-at-berth-7",
            0.0,
            "radio",
            "Bunker hose parted at berth 7",
            ["harbour-master"],
            "scripted",
        ),
        (
            "journalist-asks-about-a-spill",
            900.0,
            "phone",
            "Journalist asks about a spill",
            ["environmental-officer", "harbour-master"],
            "scripted",
        ),
        ("situation-report", 1800.0, "handout", "Situation report", ["all"], "scripted"),
        ("no", 2700.0, "social", "no", ["harbour-master"], "scripted"),
        ("12-30", 3900.0, "briefing", "12:30", ["all"], "scripted"),
        (
            "why-was-the-coast-guard-not-told",
            None,
            "radio",
            "Why was the coast guard not told?",
            ["harbour-master"],
            "contingency",
        ),
    ]
    assert scenario.injects[1].notes == "Use the Straits Times desk"
    text = out.read_text(encoding="utf-8")
    assert '  - id: "no"  # MSEL line 6\n' in text
    assert '    title: "12:30"\n' in text
    assert "    # TODO: untimed; add `when:` or schedule it from a decision option\n" in text


def test_import_semicolons_aliases_and_multiline_cells(capsys, tmp_path):
    assert main(["msel", "--import", str(DATA / "semicolon.csv")]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "semi.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_file(path).scenario
    assert [r.name for r in scenario.roles] == ["MMEA duty officer", "EU liaison (Jakarta, Singapore)", "Press officer"]
    first, press, patrol = scenario.injects
    assert first.body == "AIS lost on MT Seabird.\nLast position 2.5N 101.2E."
    assert first.notes == "Controller: Control 1."
    assert press.title == 'Press asks: "is it a hijack?"'
    assert press.channel == "briefing"
    assert press.notes == "Controller: Control 2.\nDelivery method in the MSEL: Fax."
    assert patrol.at == 2100.0 and patrol.channel == "phone"
    assert "# Columns not imported: Event No.." not in text  # "Event No." is a known alias


def test_export_then_import_round_trip(tmp_path, capsys):
    exported = tmp_path / "port.csv"
    assert main(["msel", "port-drill", "--format", "csv", "-o", str(exported)]) == 0
    assert exported.read_bytes().startswith(b"No,Time,From,To,Channel,Inject,Description,")
    target = tmp_path / "port.yaml"
    assert main(["msel", "--import", str(exported), "-o", str(target)]) == 0
    scenario = load_file(target).scenario
    assert len(scenario.injects) == 8
    assert [i.at for i in scenario.injects[:3]] == [0.0, 900.0, 1800.0]
    assert all(i.at is None for i in scenario.injects[3:])
    assert [o.capability for o in scenario.objectives] == [
        "Environmental Response/Health and Safety",
        "Operational Coordination",
    ]


def test_import_reports_every_bad_row(capsys):
    assert main(["msel", "--import", str(DATA / "bad-times.csv")]) == 1
    name = DATA / "bad-times.csv"
    assert capsys.readouterr().err.splitlines() == [
        f"{name}:3: error: row 3: bad time: '00:75' is not a time (minutes and seconds run 00–59)",
        f"{name}:4: error: row 4: bad time: 'soon' is not a time; write 00:15, 0:15:00, T+00:15, 15m or 15 (minutes)",
        f"{name}:5: error: row 5: no inject text (title or description)",
    ]


def test_import_needs_a_time_column(capsys):
    assert main(["msel", "--import", str(DATA / "no-time.csv")]) == 1
    assert capsys.readouterr().err == (
        f"{DATA / 'no-time.csv'}:1: error: no time column; name one Time, Scenario time or Time / trigger\n"
    )


def test_import_rejects_binary_and_non_msel_files(capsys):
    assert main(["msel", "--import", str(DATA / "picture.csv")]) == 1
    assert capsys.readouterr().err == (
        f"{DATA / 'picture.csv'}:3: error: not a CSV file (binary data); save the sheet as CSV\n"
    )
    port = Path(__file__).resolve().parent.parent / "scenarios" / "port-drill.yaml"
    assert main(["msel", "--import", str(port)]) == 1
    assert capsys.readouterr().err == (
        f"{port}:1: error: no MSEL columns in the first row; expected a header such as "
        "Time,From,To,Channel,Inject,Expected action (is this a CSV file?)\n"
    )


def test_import_edge_cases(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    assert main(["msel", "--import", str(empty)]) == 1
    assert capsys.readouterr().err == (
        f"{empty}:1: error: file is empty; expected a header row such as Time,From,To,Inject\n"
    )
    header_only = tmp_path / "header.csv"
    header_only.write_text("Time,Inject\n", encoding="utf-8")
    assert main(["msel", "--import", str(header_only)]) == 1
    assert capsys.readouterr().err == f"{header_only}:2: error: the MSEL has a header but no inject rows\n"
    missing = tmp_path / "missing.csv"
    assert main(["msel", "--import", str(missing)]) == 1
    assert capsys.readouterr().err == f"{missing}:1: error: cannot read file: No such file or directory\n"


def test_import_refuses_to_overwrite_and_usage_errors(tmp_path, capsys):
    target = tmp_path / "taken.yaml"
    target.write_text("keep\n", encoding="utf-8")
    assert main(["msel", "--import", str(DATA / "basic.csv"), "-o", str(target)]) == 1
    assert capsys.readouterr().err == (
        f"tabletop: error: {target} already exists; choose another name or delete it first\n"
    )
    assert target.read_text(encoding="utf-8") == "keep\n"
    assert main(["msel"]) == 2
    assert capsys.readouterr().err == "tabletop: error: missing SCENARIO (or --import FILE.csv)\n"
    assert main(["msel", "port-drill", "--import", str(DATA / "basic.csv")]) == 2
    assert capsys.readouterr().err == (
        "tabletop: error: give either SCENARIO (to export) or --import FILE.csv, not both\n"
    )


def test_export_of_an_invalid_scenario_reports_it(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: tabletop/1\nid: x\n", encoding="utf-8")
    assert main(["msel", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"{bad}:")
