"""`tabletop sweep`: reach rates match known probabilities, --jobs never changes the aggregate, runs replay."""

from __future__ import annotations

import json
import math

import pytest

from simulator.bundled import resolve_scenario
from simulator.cli import main
from simulator.loader import load_file, load_text
from simulator.policies import make_policy
from simulator.simulation import simulate
from simulator.sweep import run_records, sweep

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
    import simulator.sweep as sweep_module

    # Workers are forked after the patch, so they play the failing stand-in too.
    monkeypatch.setattr(sweep_module, "simulate", _failing_simulate(sweep_module.simulate))
    code = main(["sweep", "port-drill", "--runs", "6", "--seed", "10", "--jobs", jobs, "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == "tabletop: error: run 3 (seed 13) failed: ValueError: state went negative\n"
