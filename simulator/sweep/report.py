"""Sweep results for people: a terminal summary with text bars and a self-contained HTML page with SVG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from simulator.durations import format_duration
from simulator.sweep import RATINGS, format_warning

BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉"
TEMPLATES = Path(__file__).parent / "templates"


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A share 0..1 as a bar of block characters, to an eighth of a cell, padded to `width`."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    return text.ljust(width)


def duration(seconds: float | None) -> str:
    """A time to decide, to the second."""
    if seconds is None:
        return "—"
    return format_duration(round(seconds)) if seconds >= 1 else f"{seconds:.1f}s"


def number(value: float | None) -> str:
    """A state value, short."""
    return "—" if value is None else f"{value:.4g}"


def percent(share: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{share * 100:5.1f}%"


def terminal(results: dict[str, Any], *, jobs: int | None = None, seconds: float | None = None) -> str:
    """The terminal summary: reach, options, scores, state outcomes (warnings are printed separately)."""
    runs = results["runs"]
    first, last = results["seeds"]
    lines = [f"{results['scenario']['id']}: {results['scenario']['title']}"]
    how = f"{runs} runs, policy {results['policy']}, seeds {first}–{last}"
    if jobs is not None:
        how += f", {jobs} job{'s' if jobs != 1 else ''}"
    if seconds is not None:
        how += f", {seconds:.1f} s"
    lines += [how, f"replay run i: tabletop simulate SCENARIO --seed {first}+i --policy {results['policy']}", ""]

    injects = results["injects"]
    width = max((len(i["id"]) for i in injects), default=6)
    lines.append("Injects: share of runs in which each fired")
    for inject in injects:
        tag = "" if inject["category"] == "scripted" else f"  ({inject['category']})"
        lines.append(f"  {inject['id']:<{width}}  {bar(inject['reach'])} {percent(inject['reach'])}{tag}")

    if results["decisions"]:
        lines += ["", "Decisions: options chosen, as a share of the runs in which the decision opened"]
    for decision in results["decisions"]:
        opened = decision["opened"]
        lines.append(f"  {decision['id']} — opened in {opened}/{runs} runs")
        if not opened:
            continue
        rows = [(o["id"], o["count"]) for o in decision["options"]]
        rows += [(label, decision[key]) for key, label in (("timed_out", "(timed out)"), ("undecided", "(undecided)"))]
        w = max(len(name) for name, _ in rows)
        for name, count in rows:
            if count or not name.startswith("("):
                lines.append(f"    {name:<{w}}  {bar(count / opened)} {percent(count / opened)}  {count}")
        took = decision["time_to_decide"]
        if took["n"]:
            lines.append(
                f"    time to decide: p5 {duration(took['p5'])}, median {duration(took['p50'])},"
                f" p95 {duration(took['p95'])}"
            )

    score = results.get("score")
    if score:
        overall = score["overall"]
        lines += [
            "",
            f"Overall score over {score['runs']} runs: mean {overall['mean']:.2f},"
            f" p5 {overall['p5']:.2f}, median {overall['p50']:.2f}, p95 {overall['p95']:.2f}",
        ]
        lines += _histogram_lines(overall["histogram"])
        lines.append("  ratings  " + _ratings(score["ratings"], score["runs"]))
        lines += ["", "Objectives: share of points (median) and rating frequencies"]
        w = max((len(o["id"]) for o in score["objectives"]), default=6)
        for objective in score["objectives"]:
            share = objective["share"]
            median = "  —" if share["p50"] is None else f"{share['p50']:.2f}"
            lines.append(f"  {objective['id']:<{w}}  {median}  {_ratings(objective['ratings'], score['runs'])}")

    if results["state"]:
        lines += ["", "State at the end"]
        w = max(len(v["id"]) for v in results["state"])
        lines.append(f"  {'':<{w}}  {'initial':>9} {'p5':>9} {'median':>9} {'p95':>9}")
        for var in results["state"]:
            unit = f" {var['unit']}" if var["unit"] else ""
            cells = " ".join(f"{number(var[k]):>9}" for k in ("initial", "p5", "p50", "p95"))
            lines.append(f"  {var['id']:<{w}}  {cells}{unit}")

    count = len(results["warnings"])
    lines += ["", f"{count} warning{'s' if count != 1 else ''}" + (" (below)" if count else "")]
    return "\n".join(lines)


def _histogram_lines(bins: list[dict[str, Any]]) -> list[str]:
    peak = max((b["count"] for b in bins), default=0) or 1
    return [f"  {b['from']:.1f}–{b['to']:.1f}  {bar(b['count'] / peak)} {b['count']}" for b in bins]


def _ratings(counts: dict[str, int], runs: int) -> str:
    parts = [f"{r} {counts.get(r, 0) / runs * 100:.0f}%" for r in RATINGS]
    if counts.get("n/a"):
        parts.append(f"n/a {counts['n/a'] / runs * 100:.0f}%")
    return "  ".join(parts)


def warning_lines(results: dict[str, Any]) -> list[str]:
    """Every warning as FILE:LINE:COL: warning: MESSAGE."""
    return [format_warning(w) for w in results["warnings"]]


# --------------------------------------------------------------------------- HTML


def html(results: dict[str, Any], *, jobs: int | None = None, seconds: float | None = None) -> str:
    """A self-contained HTML page (inline CSS and SVG, no network) with the sweep's charts."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    env.filters["number"] = number
    env.filters["pct"] = lambda share: f"{share * 100:.1f}%"
    return env.get_template("sweep.html.j2").render(
        r=results,
        jobs=jobs,
        seconds=seconds,
        ranges=[state_range(var) for var in results["state"]],
        warnings=warning_lines(results),
        ratings=RATINGS,
    )


def state_range(var: dict[str, Any]) -> dict[str, Any]:
    """Where p5, p50, p95, min, max and the initial value sit on a 0..1 axis spanning this variable's values."""
    if var["n"] == 0:
        return {"var": var, "pos": None}
    low = min(var["min"], var["initial"])
    high = max(var["max"], var["initial"])
    span = (high - low) or 1.0
    pos = {k: (var[k] - low) / span for k in ("min", "p5", "p50", "p95", "max", "initial")}
    return {"var": var, "pos": pos, "low": low, "high": high}
