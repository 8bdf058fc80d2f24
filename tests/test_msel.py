"""`tabletop msel`: the MSEL of a scenario as CSV and Markdown, and a trainer's CSV imported as a valid skeleton."""

from __future__ import annotations

import csv
import io
import shlex
from datetime import date
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.cli.msel import plural
from simulator.durations import DurationError
from simulator.loader import load_file
from simulator.msel import (
    COLUMNS,
    MselImportError,
    join_names,
    md_cell,
    msel_rows,
    one_line,
    parse_msel_time,
    read_msel_csv,
    skeleton_yaml,
    split_names,
    split_objectives,
    tidy,
    to_markdown,
    yaml_scalar,
)
from simulator.schema import Scenario

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
        "[contain] Contain the spill within 20 minutes of the first report. — Environmental Response/Health and Safety"
        "\n[inform] Inform the coast guard of the spill and the safety zone. — Operational Coordination"
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
    [
        ("00:15", 900),
        ("0:15:00", 900),
        ("0:15", 900),
        ("T+00:15", 900),
        ("T+0:15", 900),
        ("t+1:30", 5400),
        ("+15m", 900),
        ("15m", 900),
        ("15", 900),
        ("1h30m", 5400),
        ("0815", 29700),
        ("26:00", 93600),
        ("00.15", 900),
        ("0.15", 900),
        ("T+1.30", 5400),
        ("+0.45", 2700),
        ("08.15", 29700),
        ("0.15.30", 930),
        ("7.5m", 450),
    ],
)
def test_msel_times(text, seconds):
    assert parse_msel_time(text) == seconds


@pytest.mark.parametrize("text", ["00:75", "soon", "T+", "-5", "8:15 am", "8.15 pm", "1.2.3", "08.15:30"])
def test_bad_msel_times(text):
    with pytest.raises(DurationError):
        parse_msel_time(text)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("7.5", "7.5"),
        ("8.75", "8.75"),
        ("08.60", "08.60"),
        ("26.00", "26.00"),
        (".5", "0.5"),
        ("15.", "15"),
        ("08.150", "08.150"),
        ("T+7.5", "7.5"),
    ],
)
def test_decimal_numbers_that_are_not_dotted_times_are_ambiguous(text, minutes):
    # 7.5 could be seven and a half minutes or 07:50; the importer refuses to guess.
    with pytest.raises(DurationError) as error:
        parse_msel_time(text)
    assert str(error.value) == (
        f"{text!r} is ambiguous: minutes with a decimal point, or a time written with a dot? Write minutes with a "
        f"unit ({minutes}m), and times with two-digit minutes, as in 08.15 or 08:15 (a time with a dot runs from "
        "0.00 to 23.59)"
    )


def test_import_basic_csv(tmp_path, capsys):
    out = tmp_path / "spill drill.yaml"
    assert main(["msel", "--import", str(DATA / "basic.csv"), "-o", str(out), "--domain", "maritime"]) == 0
    assert capsys.readouterr().out == (
        f"wrote {out} (6 injects, 2 roles); next: tabletop validate {shlex.quote(str(out))}\n"
    )
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
    # A byte-order mark first, so that Excel on Windows reads the file as UTF-8.
    assert exported.read_bytes().startswith(b"\xef\xbb\xbfNo,Time,From,To,Channel,Inject,Description,")
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
        f"{port}:1: error: no MSEL header in the first 10 rows; expected a header such as "
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


# --------------------------------------------------------------------------- audit fixes

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def _names(scenario: Scenario, ids: list[str]) -> list[str]:
    """The names an MSEL To cell shows for `to`, as the import reads them back (all stays all)."""
    roles = {r.id: r.name for r in scenario.roles}
    teams = {t.id: t.name for t in scenario.teams}
    return ["all" if i == "all" else one_line(roles.get(i) or teams[i]) for i in ids]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_bundled_scenario_round_trips_through_csv(path, tmp_path, capsys):
    original = load_file(path).scenario
    exported = tmp_path / "msel.csv"
    assert main(["msel", str(path), "--format", "csv", "-o", str(exported)]) == 0
    target = tmp_path / "rt.yaml"
    assert main(["msel", "--import", str(exported), "-o", str(target)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["validate", str(target)]) == 0
    capsys.readouterr()
    imported = load_file(target).scenario

    # The MSEL lists timed injects by time, then the rest in file order; the import keeps that order.
    timed = sorted((i for i in original.injects if i.at is not None), key=lambda i: i.at or 0.0)
    expected = timed + [i for i in original.injects if i.at is None]
    assert len(imported.injects) == len(expected)
    assert [i.at for i in imported.injects] == [i.at for i in expected]
    assert [i.title for i in imported.injects] == [tidy(i.title) for i in expected]
    assert [i.expected_action for i in imported.injects] == [tidy(i.expected_action) for i in expected]
    assert [i.body or i.title for i in imported.injects] == [tidy(i.body) or tidy(i.title) for i in expected]
    assert [i.channel for i in imported.injects] == [i.channel for i in expected]
    assert [i.objectives for i in imported.injects] == [i.objectives for i in expected]
    assert [i.category for i in imported.injects] == [i.category for i in expected]
    imported_roles = {r.id: r.name for r in imported.roles}
    assert [["all" if r == "all" else imported_roles[r] for r in i.to] for i in imported.injects] == [
        list(dict.fromkeys(_names(original, i.to))) for i in expected
    ]

    used = {o for i in original.injects for o in i.objectives}
    assert {o.id: (o.text, o.capability) for o in imported.objectives} == {
        o.id: (one_line(o.text), one_line(o.capability)) for o in original.objectives if o.id in used
    }
    assert all(o.capability != "To be assigned" for o in imported.objectives)
    recipients = {name for i in original.injects for name in _names(original, i.to)} - {"all"}
    assert {r.name for r in imported.roles} == recipients
    # The flagships address every seat by its role, so every role comes back.
    if path.stem != "port-drill":
        assert recipients == {r.name for r in original.roles}


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_exported_cells_carry_no_stray_white_space(path, capsys):
    assert main(["msel", str(path), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    for row in rows[1:]:
        for column, value in zip(COLUMNS, row, strict=True):
            assert value == value.strip(), (row[0], column, value[-40:])
        assert all("\n" not in line.split(" — ")[-1] for line in row[8].split("\n"))
        assert all(line.startswith("[") for line in row[8].split("\n") if line)
    assert main(["msel", str(path), "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "<br> —" not in markdown and "<br> |" not in markdown and " <br>" not in markdown


def test_objective_texts_from_folded_yaml_stay_whole():
    scenario = load_file(SCENARIOS[0].parent / "maritime-bintan.yaml").scenario
    assert scenario.objectives[0].text.endswith("\n")  # folded YAML: the cause of the split objectives
    rows = msel_rows(scenario)
    share = next(row for row in rows if "[share]" in row.objectives)
    (line,) = [line for line in share.objectives.split("\n") if line.startswith("[share]")]
    assert line.startswith("[share] Raise the alarm and put one shared track")
    assert line.endswith("learning of the seizure. — Intelligence and Information Sharing")
    assert all(row.expected_action == row.expected_action.strip() for row in rows)
    # The Markdown MSEL puts a break between objectives only, not inside one.
    assert "seizure. — Intelligence and Information Sharing" in to_markdown(scenario)


def test_role_names_with_commas_survive(tmp_path, capsys):
    scenario = load_file(SCENARIOS[0].parent / "cbrn-priok-chlorine.yaml").scenario
    cells = {row.cells()[3] for row in msel_rows(scenario)}
    assert '"Consular crisis cell, Embassy of Japan"' in cells
    assert any(c.endswith('; "Consular crisis cell, Embassy of Japan"') for c in cells)
    assert join_names(["Harbour master", "Port, berth 7"]) == 'Harbour master; "Port, berth 7"'
    assert split_names('Harbour master; "Port, berth 7"') == ["Harbour master", "Port, berth 7"]
    assert split_names("A, B (x, y); C") == ["A, B (x, y)", "C"]
    assert split_names("A, B (x, y)") == ["A", "B (x, y)"]
    assert split_names("Cell, Embassy of Japan, Press", {"cell, embassy of japan"}) == [
        "Cell, Embassy of Japan",
        "Press",
    ]


def test_split_objectives():
    assert split_objectives("[a] One; two — Cap A\n[b] Three — Cap, B") == [
        ("a", "One; two", "Cap A"),
        ("b", "Three", "Cap, B"),
    ]
    assert split_objectives("[a] One — X; [b] Two — Y") == [("a", "One", "X"), ("b", "Two", "Y")]
    assert split_objectives("One — X; Two – Y; Three") == [("", "One", "X"), ("", "Two", "Y"), ("", "Three", "")]
    # The capability on a line of its own, as exports before this fix wrote folded objective texts.
    assert split_objectives("One.\n — X; Two.\n — Y") == [("", "One.", "X"), ("", "Two.", "Y")]


def test_import_of_an_old_export_mends_split_objectives_and_roles(tmp_path, capsys):
    target = tmp_path / "legacy.yaml"
    assert main(["msel", "--import", str(DATA / "legacy-export.csv"), "-o", str(target)]) == 0
    assert (
        capsys.readouterr().out
        == f"wrote {target} (2 injects, 2 roles); next: tabletop validate {shlex.quote(str(target))}\n"
    )
    scenario = load_file(target).scenario
    assert [r.name for r in scenario.roles] == [
        "Consular crisis cell, Embassy of Japan",
        "Joint information centre lead",
    ]
    assert [(o.text, o.capability) for o in scenario.objectives] == [
        ("Share critical information across agencies and borders.", "Intelligence and Information Sharing"),
        ("Issue an actionable public warning.", "Public Information and Warning"),
    ]
    assert scenario.injects[1].to == [scenario.roles[0].id]


def test_clock_times_count_from_the_first(tmp_path, capsys):
    target = tmp_path / "clock.yaml"
    assert main(["msel", "--import", str(DATA / "clock.csv"), "-o", str(target)]) == 0
    assert capsys.readouterr().err == (
        f"{DATA / 'clock.csv'}:2: warning: the Time column holds clock times: 08:00 is T+0 and later times count "
        "from it, and `start` is that time today (use --times elapsed if they are times since the start)\n"
    )
    scenario = load_file(target).scenario
    assert [i.at for i in scenario.injects] == [0.0, 900.0, 2700.0, 3900.0]
    assert scenario.duration == 5400
    assert scenario.start is not None
    assert (scenario.start.date(), scenario.start.hour, scenario.start.minute) == (date.today(), 8, 0)
    assert scenario.start.utcoffset() is not None


def test_clock_times_cross_midnight_and_start_uses_the_date_given(tmp_path):
    skeleton = read_msel_csv(DATA / "night.csv")
    assert [r.at for r in skeleton.rows] == [0.0, 900.0, 1800.0]
    text = skeleton_yaml(
        skeleton, scenario_id="night", source="night.csv", domain="maritime", modeline="x", today=date(2026, 9, 16)
    )
    assert '\nstart: "2026-09-16T23:40:00' in text
    path = tmp_path / "night.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_file(path).scenario.start.hour == 23


def test_clock_times_out_of_order_and_forced_readings(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Time,Inject\n08:15,First\n08:00,Second\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 1
    assert capsys.readouterr().err == (
        f"{sheet}:3: error: row 3: bad time: '08:00' is earlier than the row before (08:15); sort the sheet by "
        "time, or use --times elapsed if these are not clock times\n"
    )
    assert [r.at for r in read_msel_csv(sheet, times="elapsed").rows] == [29700.0, 28800.0]
    # A night exercise at 02:10 looks like elapsed time; the trainer is told how to read it as clock times.
    sheet.write_text("Time,Inject\n02:10,First\n02:25,Second\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"{sheet}:2: warning: the first inject is at T+02:10:00; if the Time column holds clock times, import with "
        "--times clock so the first time is T+0\n"
    )
    assert "    at: 2h10m\n" in captured.out and "\nstart:" not in captured.out
    assert main(["msel", "--import", str(sheet), "--times", "clock"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "    at: 0s\n" in captured.out and "    at: 15m\n" in captured.out and "\nstart: " in captured.out
    # am/pm can only be a clock time.
    sheet.write_text("Time,Inject\n9:00 AM,First\n1:30 pm,Second\n", encoding="utf-8")
    assert [r.at for r in read_msel_csv(sheet).rows] == [0.0, 16200.0]
    assert main(["msel", "--import", str(sheet), "--times", "elapsed"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{sheet}:2: error: row 2: bad time: '9:00 AM' is a clock time, not a time since the start; use --times clock"
    )


def test_elapsed_sheets_stay_elapsed_without_warnings():
    for name in ("basic.csv", "semicolon.csv", "bad-times.csv"):
        try:
            skeleton = read_msel_csv(DATA / name)
        except MselImportError:
            continue
        assert skeleton.warnings == [] and skeleton.start_clock is None


def test_header_below_title_rows_with_bom_and_unnamed_columns(tmp_path, capsys):
    target = tmp_path / "haze.yaml"
    assert main(["msel", "--import", str(DATA / "titled.csv"), "-o", str(target)]) == 0
    assert (
        capsys.readouterr().out
        == f"wrote {target} (2 injects, 1 role); next: tabletop validate {shlex.quote(str(target))}\n"
    )
    text = target.read_text(encoding="utf-8")
    assert "# Columns not imported: Owner.\n" in text  # no "column 8" or "Unnamed: 9"
    scenario = load_file(target).scenario
    assert scenario.title == "Exercise Harbour Haze — MSEL v3"
    assert [(i.at, i.title, i.channel) for i in scenario.injects] == [
        (0.0, "Fog closes the channel — visibility 200 m", "radio"),
        (1200.0, "Forecast: fog lifts by 11:00", "email"),
    ]
    assert [i.line for i in read_msel_csv(DATA / "titled.csv").rows] == [5, 6]


def test_header_search_gives_up_after_ten_rows(tmp_path, capsys):
    sheet = tmp_path / "late.csv"
    sheet.write_text("".join(f"Line {n}\n" for n in range(10)) + "Time,Inject\n0:00,Start\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 1
    assert "error: no MSEL header in the first 10 rows" in capsys.readouterr().err
    # Semicolons, with a title row that holds none.
    sheet.write_text("Drill\nTime;Inject;To\n0:00;Start, now;Harbour master, Pilot\n", encoding="utf-8")
    skeleton = read_msel_csv(sheet)
    assert skeleton.title == "Drill" and skeleton.rows[0].title == "Start, now"
    assert list(skeleton.roles.values()) == ["Harbour master", "Pilot"]


def test_import_counts_are_those_of_the_written_file(tmp_path, capsys):
    sheet = tmp_path / "dup.csv"
    sheet.write_text("Time,To,Inject\n0:00,All,Start\n", encoding="utf-8")
    target = tmp_path / "dup.yaml"
    assert main(["msel", "--import", str(sheet), "-o", str(target)]) == 0
    assert (
        capsys.readouterr().out
        == f"wrote {target} (1 inject, 1 role); next: tabletop validate {shlex.quote(str(target))}\n"
    )
    assert main(["validate", str(target)]) == 0
    assert capsys.readouterr().out == f"{target}: ok — Imported MSEL: dup (hybrid, 1 role, 1 inject, 0 decisions)\n"
    assert plural(2, "role") == "2 roles" and plural(1, "inject") == "1 inject" and plural(0, "role") == "0 roles"


def test_timed_and_scheduled_time_cell_imports(tmp_path):
    sheet = tmp_path / "also.csv"
    sheet.write_text(
        "Time,Inject\nT+00:10:00; also scheduled by option boom of decision containment (+5m),Boom arrives\n",
        encoding="utf-8",
    )
    (row,) = read_msel_csv(sheet).rows
    assert row.at == 600.0
    assert row.notes == ["The MSEL also says: scheduled by option boom of decision containment (+5m)."]


def test_dotted_clock_times_read_like_colon_ones(tmp_path, capsys):
    # 08.00 and 08.15 were once read as decimal minutes (8m and 8m9s), without a word.
    sheet = tmp_path / "dots.csv"
    sheet.write_text("Time,Inject\n08.00,First\n08.15,Second\n09.05.30,Third\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"{sheet}:2: warning: the Time column holds clock times: 08:00 is T+0 and later times count from it, and "
        "`start` is that time today (use --times elapsed if they are times since the start)\n"
    )
    assert "    at: 0s\n" in captured.out and "    at: 15m\n" in captured.out and "    at: 1h5m30s\n" in captured.out
    assert "\nstart: " in captured.out
    colons = tmp_path / "colons.csv"
    colons.write_text("Time,Inject\n08:00,First\n08:15,Second\n09:05:30,Third\n", encoding="utf-8")
    assert [r.at for r in read_msel_csv(sheet).rows] == [r.at for r in read_msel_csv(colons).rows]
    assert read_msel_csv(sheet).start_clock == read_msel_csv(colons).start_clock == 8 * 3600
    # am/pm with a dot is a clock time, as with a colon.
    sheet.write_text("Time,Inject\n8.15 pm,First\n9.00 PM,Second\n", encoding="utf-8")
    assert [r.at for r in read_msel_csv(sheet).rows] == [0.0, 2700.0]
    assert read_msel_csv(sheet).start_clock == 20 * 3600 + 900


def test_dotted_elapsed_times_say_how_they_were_read(tmp_path, capsys):
    sheet = tmp_path / "elapsed.csv"
    sheet.write_text("Time,Inject\n0.00,Start\n0.15,Next\nT+1.30,Later\n", encoding="utf-8")
    skeleton = read_msel_csv(sheet)
    assert [r.at for r in skeleton.rows] == [0.0, 900.0, 5400.0] and skeleton.start_clock is None
    # A sheet of decimal minutes (0.00, 5.00, 10.00) would be misread as hours: the warning shows
    # a reading with a non-zero time so the trainer can tell.
    assert skeleton.warnings == [
        f"{sheet}:3: warning: times with a dot are read as hours and minutes, as with a colon: '0.15' is "
        "T+00:15:00; if the column holds minutes, write them without the dot or with a unit (5m, 7.5m)"
    ]
    # Forced elapsed: 08.15 is eight hours fifteen, as 08:15 would be, and the warning says so.
    sheet.write_text("Time,Inject\n08.00,First\n08.15,Second\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet), "--times", "elapsed"]) == 0
    captured = capsys.readouterr()
    assert "    at: 8h\n" in captured.out and "    at: 8h15m\n" in captured.out
    assert captured.err == (
        f"{sheet}:2: warning: times with a dot are read as hours and minutes, as with a colon: '08.00' is "
        "T+08:00:00; if the column holds minutes, write them without the dot or with a unit (5m, 7.5m)\n"
    )
    # Colon and whole-minute sheets get no such warning.
    sheet.write_text("Time,Inject\n0:00,Start\n15,Next\n", encoding="utf-8")
    assert read_msel_csv(sheet).warnings == []


def test_ambiguous_decimal_times_are_errors_on_every_row(tmp_path, capsys):
    sheet = tmp_path / "decimal.csv"
    sheet.write_text("Time,Inject\n08.00,First\n7.5,Second\n08.75,Third\n08.15,Fourth\n", encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{sheet}:3: error: row 3: bad time: '7.5' is ambiguous: minutes with a decimal point, or a time written "
        "with a dot? Write minutes with a unit (7.5m), and times with two-digit minutes, as in 08.15 or 08:15 (a "
        "time with a dot runs from 0.00 to 23.59)",
        f"{sheet}:4: error: row 4: bad time: '08.75' is ambiguous: minutes with a decimal point, or a time written "
        "with a dot? Write minutes with a unit (08.75m), and times with two-digit minutes, as in 08.15 or 08:15 (a "
        "time with a dot runs from 0.00 to 23.59)",
    ]
    # --times clock does not make a decimal number a time either.
    with pytest.raises(MselImportError) as error:
        read_msel_csv(sheet, times="clock")
    assert [p.split(": bad time: ")[1].split(" is ")[0] for p in error.value.problems] == ["'7.5'", "'08.75'"]
    # Minutes with a unit are fine.
    sheet.write_text("Time,Inject\n0,Start\n7.5m,Next\n", encoding="utf-8")
    assert [r.at for r in read_msel_csv(sheet).rows] == [0.0, 450.0]


def test_import_refuses_times_past_30_days_and_caps_the_skeleton_duration(tmp_path, capsys):
    far = tmp_path / "far.csv"
    far.write_text("Time,To,Inject\n00:00,All,Start\n800:00,All,Much later\n", encoding="utf-8")
    assert main(["msel", "--import", str(far), "-o", str(tmp_path / "far.yaml")]) == 1
    assert capsys.readouterr().err == (
        f"{far}:3: error: row 3: time T+800:00:00 is past 720h (30 days), the longest a scenario may run\n"
    )
    assert not (tmp_path / "far.yaml").exists()
    # 719h50m is allowed; the 15 minutes of room after it would pass the limit, so the duration stops there.
    near = tmp_path / "near.csv"
    near.write_text("Time,To,Inject\n00:00,All,Start\n719:50,All,Much later\n", encoding="utf-8")
    target = tmp_path / "near.yaml"
    assert main(["msel", "--import", str(near), "-o", str(target)]) == 0
    assert main(["validate", str(target)]) == 0
    assert load_file(target).scenario.duration == 720 * 3600
    capsys.readouterr()


def test_import_prints_at_most_100_problems_then_a_note(tmp_path, capsys):
    sheet = tmp_path / "bad.csv"
    sheet.write_text("Time,Inject\n" + "".join(f"soon,Row {n}\n" for n in range(130)), encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 101
    assert lines[99].startswith(f"{sheet}:101: error: row 101: bad time: 'soon'")
    assert lines[100] == f"{sheet}: note: 30 more problems not shown"


def test_import_refuses_a_sheet_over_the_size_limit(tmp_path, capsys):
    sheet = tmp_path / "huge.csv"
    row = "00:00,All,Padding " + "x" * 1000 + "\n"
    sheet.write_text("Time,To,Inject\n" + row * (17 * 1024), encoding="utf-8")
    assert main(["msel", "--import", str(sheet)]) == 1
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", f"{sheet}:1: error: file is larger than the 16 MiB limit\n")


def test_import_refuses_a_skeleton_no_command_could_load(tmp_path, capsys):
    # Short rows grow in YAML: 140,000 of them make a skeleton past the 16 MiB a scenario may hold.
    sheet = tmp_path / "long.csv"
    sheet.write_text("Time,Inject\n" + "".join(f"{n % 600}m,I{n}\n" for n in range(140_000)), encoding="utf-8")
    target = tmp_path / "long.yaml"
    assert main(["msel", "--import", str(sheet), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{sheet}:1: error: the skeleton would be ")
    assert err.endswith(" MiB, past the 16 MiB limit of a scenario file; split the sheet into several exercises\n")
    assert not target.exists()
