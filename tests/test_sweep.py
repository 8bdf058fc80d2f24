"""`tabletop sweep`: reach rates match known probabilities, --jobs never changes the aggregate, runs replay,
failures and interrupts end it cleanly, and what it shows reads right on a terminal and in the page."""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from simulator.bundled import resolve_scenario
from simulator.cli import main
from simulator.loader import load_file, load_text
from simulator.policies import make_policy
from simulator.simulation import simulate
from simulator.sweep import report, run_records, sweep
from tests.conftest import ROOT

# A decision whose options the random policy should take 3:1, each scheduling its own inject; a third,
# weightless option is never taken, and a contingency waits on a timeout that the delays never reach.
WEIGHTED = """\
schema: tabletop/1
id: weighted
title: Weighted <choice> & co
domain: cyber
duration: 30m
decision_delay: {min: 10s, mode: 1m, max: 3m}
teams: [{id: t, name: Team}]
roles: [{id: a, name: Analyst, team: t}]
state:
  cost: {label: Cost, initial: 0}
injects:
  - id: alert
    at: 0s
    from: SOC
    to: [a]
    channel: email
    title: Alert
    decision:
      id: respond
      prompt: Contain or watch?
      deadline: 10m
      options:
        - {id: contain, label: Contain, weight: 3, effects: [{schedule: contained}, {add: {cost: 10}}]}
        - {id: watch, label: Watch, weight: 1, effects: [{schedule: watched}, {add: {cost: 1}}]}
        - {id: ignore, label: Ignore, weight: 0}
      on_timeout: [{schedule: lapsed}]
  - {id: contained, from: SOC, to: [a], channel: email, title: Contained}
  - {id: watched, from: SOC, to: [a], channel: email, title: Watching}
  - {id: lapsed, from: SOC, to: [a], channel: email, title: Lapsed, category: contingency}
"""


@pytest.fixture(scope="module")
def weighted():
    return load_text(WEIGHTED, "weighted.yaml")


def within_binomial(count: int, runs: int, p: float, sigmas: float = 4.0) -> bool:
    """Whether `count` successes in `runs` trials is within `sigmas` standard deviations of p."""
    return abs(count / runs - p) <= sigmas * math.sqrt(p * (1 - p) / runs)


def test_reach_rates_follow_the_option_weights(weighted):
    runs = 400
    results = sweep(weighted, "random", runs=runs, seed=7, jobs=1)
    reach = {i["id"]: i for i in results["injects"]}
    assert reach["alert"]["reached"] == runs
    assert within_binomial(reach["contained"]["reached"], runs, 0.75)
    assert within_binomial(reach["watched"]["reached"], runs, 0.25)
    # Each run takes exactly one of the two branches.
    assert reach["contained"]["reached"] + reach["watched"]["reached"] == runs
    (decision,) = results["decisions"]
    counts = {o["id"]: o["count"] for o in decision["options"]}
    assert counts["contain"] == reach["contained"]["reached"]
    assert counts["ignore"] == 0
    # Delays come from the scenario's triangular distribution (10s..3m), all inside the deadline.
    took = decision["time_to_decide"]
    assert took["n"] == runs and 10 <= took["min"] and took["max"] <= 180
    assert decision["timed_out"] == 0


def test_state_outcomes_give_percentiles(weighted):
    results = sweep(weighted, "random", runs=100, seed=1, jobs=1)
    (cost,) = results["state"]
    assert (cost["id"], cost["min"], cost["max"]) == ("cost", 1.0, 10.0)
    assert cost["p5"] <= cost["p50"] <= cost["p95"]
    assert cost["p50"] == 10.0  # most runs contain


def test_warnings_point_at_the_inject_and_the_option(weighted):
    results = sweep(weighted, "random", runs=50, seed=0, jobs=1)
    found = {(w["kind"], w.get("inject") or w.get("option")): w for w in results["warnings"]}
    assert set(found) == {("inject-never-reached", "lapsed"), ("option-never-taken", "ignore")}
    lapsed = found[("inject-never-reached", "lapsed")]
    assert (lapsed["file"], lapsed["line"], lapsed["col"]) == ("weighted.yaml", 29, 10)
    assert lapsed["message"] == "inject 'lapsed' was never reached in 50 runs"
    ignore = found[("option-never-taken", "ignore")]
    assert (ignore["line"], ignore["col"]) == (25, 16)


def test_the_aggregate_is_the_same_whatever_the_number_of_jobs(weighted):
    drill = load_file(resolve_scenario("port-drill"))
    for loaded in (weighted, drill):
        one = sweep(loaded, "random", runs=60, seed=11, jobs=1)
        two = sweep(loaded, "random", runs=60, seed=11, jobs=2)
        assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_run_i_replays_with_seed_s_plus_i():
    loaded = load_file(resolve_scenario("port-drill"))
    records = run_records(loaded, "random", runs=5, seed=40, jobs=2)
    assert [r.seed for r in records] == [40, 41, 42, 43, 44]
    for record in records:
        replay = simulate(loaded, make_policy("random", loaded.scenario, record.seed), seed=record.seed).summary()
        delivered = {loaded.scenario.injects[n].id for n in record.injects}
        assert delivered == set(replay["injects_delivered"])
        assert record.final_state == tuple(replay["final_state"].values())


def test_cli_json_and_html_report(capsys, tmp_path, write_scenario):
    path = write_scenario(WEIGHTED, "weighted.yaml")
    report = tmp_path / "sweep.html"
    status = main(["sweep", str(path), "--runs", "40", "--jobs", "2", "--seed", "3", "--json", "-o", str(report)])
    out = capsys.readouterr()
    assert status == 0
    results = json.loads(out.out)
    assert {"format", "scenario", "policy", "seed", "runs", "seeds", "injects", "decisions", "score", "state"} <= set(
        results
    )
    assert (results["format"], results["runs"], results["seeds"]) == ("tabletop-sweep/1", 40, [3, 42])
    assert f"{path}:29:10: warning: inject 'lapsed' was never reached in 40 runs" in out.err
    page = report.read_text(encoding="utf-8")
    assert "Weighted &lt;choice&gt; &amp; co" in page and "<choice>" not in page
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org", "")


def test_cli_terminal_summary_and_scores(capsys):
    status = main(["sweep", "port-drill", "--runs", "30", "--jobs", "1"])
    out = capsys.readouterr().out
    assert status == 0
    assert "Injects: share of runs in which each fired" in out
    assert "hose-parted" in out and "100.0%" in out
    assert "Overall score over 30 runs" in out and "ratings  P" in out
    assert "State at the end" in out


def test_cli_rejects_bad_counts(capsys):
    assert main(["sweep", "port-drill", "--runs", "0"]) == 2
    assert main(["sweep", "port-drill", "--runs", "5", "--jobs", "0"]) == 2


def _failing_simulate(real):
    def play(loaded, policy, *, seed):
        if seed == 13:
            raise ValueError("state went negative\nsecond line")
        return real(loaded, policy, seed=seed)

    return play


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_run_is_a_clean_error_naming_run_and_seed(monkeypatch, capsys, jobs):
    import simulator.sweep.runs as sweep_module

    # Workers are forked after the patch, so they play the failing stand-in too.
    monkeypatch.setattr(sweep_module, "simulate", _failing_simulate(sweep_module.simulate))
    code = main(["sweep", "port-drill", "--runs", "6", "--seed", "10", "--jobs", jobs, "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == "tabletop: error: run 3 (seed 13) failed: ValueError: state went negative\n"


def _slow_early_failure(real):
    # Run 1 fails only after a pause, run 4 at once: the first failure to arrive is not the earliest.
    def play(loaded, policy, *, seed):
        if seed == 11:
            time.sleep(1.0)
            raise ValueError("late but early")
        if seed == 14:
            raise ValueError("early but late")
        return real(loaded, policy, seed=seed)

    return play


def test_the_failure_reported_is_the_earliest_run_not_the_first_to_finish(monkeypatch, capsys):
    import simulator.sweep.runs as sweep_module

    monkeypatch.setattr(sweep_module, "simulate", _slow_early_failure(sweep_module.simulate))
    code = main(["sweep", "port-drill", "--runs", "6", "--seed", "10", "--jobs", "2", "--json"])
    assert code == 1
    assert capsys.readouterr().err == "tabletop: error: run 1 (seed 11) failed: ValueError: late but early\n"


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("spec", "hint"), [("randm", " (did you mean 'random'?)"), ("", ""), ("Frist", " (did you mean 'first'?)")]
)
def test_a_mistyped_policy_is_a_usage_error_not_a_missing_file(capsys, spec, hint):
    assert main(["sweep", "port-drill", "--policy", spec, "--runs", "2", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"tabletop: error: unknown policy {spec!r}{hint}: use random, first, none, model or a response file (YAML)\n"
    )


@pytest.mark.parametrize("name", ["team.yaml", "answers/team"])
def test_a_missing_response_file_is_still_named_as_a_file(capsys, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "port-drill", "--policy", name]) == 1
    assert capsys.readouterr().err == f"{name}:1:1: error: cannot read response file: No such file or directory\n"


def test_a_negative_seed_is_a_usage_error(capsys):
    assert main(["sweep", "port-drill", "--runs", "2", "--seed", "-5"]) == 2
    assert capsys.readouterr().err == "tabletop: error: --seed must be 0 or more\n"


def test_missing_report_folders_are_created(capsys, tmp_path):
    report = tmp_path / "new" / "deeper" / "sweep.html"
    assert main(["sweep", "port-drill", "--runs", "3", "--jobs", "1", "-o", str(report)]) == 0
    assert "<svg" in report.read_text(encoding="utf-8")
    assert f"report: {report}" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["under-a-file", "a-folder"])
def test_an_unwritable_report_path_fails_before_any_run(monkeypatch, capsys, tmp_path, where):
    import simulator.cli.sweep as sweep_cli

    def no_runs(*args, **kwargs):
        raise AssertionError("runs were played before the report path was checked")

    monkeypatch.setattr(sweep_cli, "sweep", no_runs)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    report = blocker / "sweep.html" if where == "under-a-file" else tmp_path
    assert main(["sweep", "port-drill", "--runs", "3", "-o", str(report)]) == 1
    expected = f"{blocker} is a file, not a folder" if where == "under-a-file" else "it is a folder"
    assert capsys.readouterr().err == f"tabletop: error: cannot write {report}: {expected}\n"


def test_the_report_is_not_written_over_an_exercise_log(capsys, tmp_path):
    log = tmp_path / "workshop.db"
    assert main(["simulate", "port-drill", "--policy", "none", "--log", str(log)]) == 0
    before = log.read_bytes()
    capsys.readouterr()
    assert main(["sweep", "port-drill", "--runs", "3", "--jobs", "1", "-o", str(log)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tabletop: error: cannot write {log}: it is an SQLite database (an exercise log?)")
    assert log.read_bytes() == before


# --------------------------------------------------------------------------- what is shown


def test_one_run_reads_as_one_run(capsys):
    assert main(["sweep", "port-drill", "--runs", "1", "--seed", "7", "--jobs", "1"]) == 0
    out, err = capsys.readouterr()
    assert "1 run, policy random, seed 7, 1 job," in out
    assert "replay: tabletop simulate SCENARIO --seed 7 --policy random" in out
    assert "opened in 1/1 run\n" in out and "Overall score over 1 run:" in out
    assert "1 runs" not in out + err


def test_policy_none_notes_once_that_it_never_decides(capsys):
    assert main(["sweep", "port-drill", "--runs", "5", "--jobs", "1", "--policy", "none", "--json"]) == 0
    out, err = capsys.readouterr()
    kinds = {w["kind"] for w in json.loads(out)["warnings"]}
    # Untaken options are what policy none means; injects it never reaches are still worth knowing.
    assert kinds == {"inject-never-reached"}
    assert "never taken" not in err
    assert err.count("note: policy none never decides") == 1
    assert "warning: inject 'boom-report' was never reached in 5 runs" in err


def test_the_summary_shows_each_objectives_spread_and_shape():
    loaded = load_file(resolve_scenario("port-drill"))
    results = sweep(loaded, "random", runs=60, seed=2, jobs=1)
    text = report.terminal(results)
    assert "  objective  applied    p5  median   p95  0 … 1         ratings" in text
    for objective in results["score"]["objectives"]:
        share = objective["share"]
        row = next(line for line in text.splitlines() if line.startswith(f"  {objective['id']} "))
        numbers = [f"{share[k]:.2f}" for k in ("p5", "p50", "p95")]
        assert row.split()[1:5] == [str(objective["applicable"]), *numbers]
        assert f"[{report.spark(objective['histogram'])}]" in row
        assert f"U {objective['ratings']['U'] / 60 * 100:.0f}%" in row


def test_spark_draws_every_nonempty_bin_and_scales_to_the_fullest():
    bins = [{"count": c} for c in (0, 1, 50, 100)]
    assert report.spark(bins) == " ▁▄█"


def test_every_bar_chart_in_the_html_starts_at_the_same_x():
    loaded = load_file(resolve_scenario("cbrn-priok-chlorine"))
    results = sweep(loaded, "random", runs=5, seed=0, jobs=1)
    page = report.html(results)
    # Option ids differ in length from decision to decision; the bars must line up all the same.
    assert len({len(o["id"]) for d in results["decisions"] for o in d["options"]}) > 1
    starts = set(re.findall(r'<rect x="([0-9.]+)" y="[0-9.]+" width="420" height="14" class="track"/>', page))
    assert len(starts) == 1


# --------------------------------------------------------------------------- on a real terminal


# The headless command line in a process of its own (the `tabletop` script adds only UI commands).
CLI = (sys.executable, "-c", "import sys; from simulator.cli import main; sys.exit(main())")


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_the_progress_bar_redraws_in_place_and_is_wiped_on_a_terminal(tmp_path):
    page = tmp_path / "sweep.html"
    leader, follower = os.openpty()
    # An 80-column window, as a fresh pseudo-terminal reports no size at all.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    try:
        proc = subprocess.Popen(
            [*CLI, "sweep", "port-drill", "--runs", "400", "--jobs", "1", "-o", str(page)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            cwd=ROOT,
        )
        os.close(follower)
        shown = _read_all(leader).decode("utf-8")
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(leader)
    # Each drawing starts by going back to the start of the line and erasing it, so redraws overwrite
    # each other instead of piling up: nothing follows a bar but another bar's erase or the final wipe.
    drawings = shown.split("\r\x1b[2K")
    bars = [d for d in drawings if d.startswith("[")]
    assert len(bars) >= 2 and bars[-1].startswith("[" + "#" * 30 + "] 400/400 runs")
    assert all(re.fullmatch(r"\[[#.]{30}\] \d+/400 runs  \d+\.\ds", d) for d in bars)
    # The last thing the bar wrote is its wipe: the lines after it (warnings, then where the report
    # went) start on a clean line, none glued to a bar.
    after = drawings[-1].split("\r\n")
    assert after[-2:] == [f"report: {page}", ""]
    assert all(": warning: " in line for line in after[:-2])


def _session_members(leader: int) -> list[int]:
    """Processes still alive in the process group `leader` started (zombies excepted)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == leader and state != "Z":
            found.append(int(entry))
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@contextlib.contextmanager
def _parallel_sweep():
    """A long two-job sweep in a process group of its own, once both workers run; killed in the end if need be."""
    # Its own group, so a signal to the group reaches the sweep and its workers alike, as Ctrl-C does.
    proc = subprocess.Popen(
        [*CLI, "sweep", "cbrn-priok-chlorine", "--runs", "100000", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before the test got to it: {proc.communicate()[1]}")
        assert len(_children(proc.pid)) == 2, "the workers never started"
        time.sleep(0.5)  # the workers are playing runs now
        yield proc
    finally:
        # Whatever happened, nothing of this sweep outlives the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("presses", [1, 3])
def test_ctrl_c_stops_a_parallel_sweep_at_once_and_leaves_no_worker(presses):
    with _parallel_sweep() as proc:
        pressed = time.monotonic()
        for _ in range(presses):
            os.killpg(proc.pid, signal.SIGINT)
            time.sleep(0.05)
        _, err = proc.communicate(timeout=5)
        took = time.monotonic() - pressed
        survivors = _session_members(proc.pid)
    assert took < 5
    # One press exits 130. A later press can land while the interpreter is shutting down, after the
    # handler is gone; the process then ends by SIGINT itself, which a shell shows as 130 as well.
    assert proc.returncode == 130 if presses == 1 else proc.returncode in (130, -signal.SIGINT)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.startswith("interrupted")
    assert survivors == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_worker_killed_from_outside_fails_the_sweep_cleanly():
    with _parallel_sweep() as proc:
        os.kill(_children(proc.pid)[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=5)
        survivors = _session_members(proc.pid)
    assert proc.returncode == 1
    assert err == "tabletop: error: a worker process stopped unexpectedly (killed by SIGKILL)\n"
    assert survivors == []


def test_the_html_page_prints_without_cutting_a_chart(capsys, tmp_path):
    page = tmp_path / "sweep.html"
    assert main(["sweep", "cbrn", "--runs", "4", "--jobs", "1", "-o", str(page)]) == 0
    capsys.readouterr()
    html = page.read_text(encoding="utf-8")
    assert "@media print" in html and "break-inside: avoid" in html
    injects = html[html.index("<h2>Injects reached</h2>") : html.index("<h2>Decisions</h2>")]
    pieces = re.findall(r'<svg class="chart"[^>]*>.*?</svg>', injects, flags=re.S)
    rows = [piece.count("<g>") for piece in pieces]
    count = len(load_file(resolve_scenario("cbrn")).scenario.injects)
    # Every inject once, in pieces short enough for a printed page.
    assert sum(rows) == count and len(pieces) > 1 and max(rows) <= 40, rows
    assert html.count('<div class="decision">') == len(load_file(resolve_scenario("cbrn")).scenario.decisions)
