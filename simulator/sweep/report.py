"""Sweep results for people: a terminal summary with text bars and a self-contained HTML page with SVG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from simulator.durations import format_duration
from simulator.sweep import NEVER_DECIDES, RATINGS, format_warning, plural

BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉"
_LEVELS = " ▁▂▃▄▅▆▇█"
TEMPLATES = Path(__file__).parent / "templates"

# The HTML bar charts' label column: monospace label text at about this many pixels a character,
# truncated to LABEL_CHARS, between these widths.
LABEL_CHARS = 34
LABEL_PX_PER_CHAR = 7.3
LABEL_MIN_PX, LABEL_MAX_PX = 60, 270


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


def spark(bins: list[dict[str, Any]]) -> str:
    """A histogram as one block character per bin, scaled to the fullest bin; an empty bin is a blank."""
    peak = max((b["count"] for b in bins), default=0) or 1
    # Any non-empty bin gets at least the lowest block, so a rare outcome is not drawn as none.
    return "".join(_LEVELS[max(1, round(b["count"] / peak * 8))] if b["count"] else " " for b in bins)


def seed_range(results: dict[str, Any]) -> str:
    """`seed 7` for one run, `seeds 0–299` for many (`seeds -5 to -1`: a dash between negatives misreads)."""
    first, last = results["seeds"]
    if first == last:
        return f"seed {first}"
    return f"seeds {first}–{last}" if first >= 0 else f"seeds {first} to {last}"


def notes(results: dict[str, Any]) -> list[str]:
    """Things to know about the sweep that are not warnings about the scenario."""
    found = []
    if results["policy"] == NEVER_DECIDES and any(d["opened"] for d in results["decisions"]):
        found.append(
            "policy none never decides: every decision lapses or stays open, so options are not checked for"
            " never being taken"
        )
    return found


def terminal(results: dict[str, Any], *, jobs: int | None = None, seconds: float | None = None) -> str:
    """The terminal summary: reach, options, scores, state outcomes (warnings are printed separately)."""
    runs = results["runs"]
    first = results["seeds"][0]
    lines = [f"{results['scenario']['id']}: {results['scenario']['title']}"]
    how = f"{plural(runs, 'run')}, policy {results['policy']}, {seed_range(results)}"
    if jobs is not None:
        how += f", {plural(jobs, 'job')}"
    if seconds is not None:
        how += f", {seconds:.1f} s"
    replay = (
        f"replay run i: tabletop simulate SCENARIO --seed {first}+i"
        if runs > 1
        else f"replay: tabletop simulate SCENARIO --seed {first}"
    )
    lines += [how, f"{replay} --policy {results['policy']}", ""]

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
        lines.append(f"  {decision['id']} — opened in {opened}/{plural(runs, 'run')}")
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
        lines += ["", *_score_lines(score)]

    if results["state"]:
        lines += ["", "State at the end"]
        w = max(len(v["id"]) for v in results["state"])
        lines.append(f"  {'':<{w}}  {'initial':>9} {'p5':>9} {'median':>9} {'p95':>9}")
        for var in results["state"]:
            unit = f" {var['unit']}" if var["unit"] else ""
            cells = " ".join(f"{number(var[k]):>9}" for k in ("initial", "p5", "p50", "p95"))
            lines.append(f"  {var['id']:<{w}}  {cells}{unit}")

    count = len(results["warnings"])
    lines += ["", plural(count, "warning") + (" (below)" if count else "")]
    return "\n".join(lines)


def _score_lines(score: dict[str, Any]) -> list[str]:
    overall = score["overall"]
    scored = score["runs"]
    lines = [
        f"Overall score over {plural(scored, 'run')}: mean {overall['mean']:.2f},"
        f" p5 {overall['p5']:.2f}, median {overall['p50']:.2f}, p95 {overall['p95']:.2f}",
        *_histogram_lines(overall["histogram"]),
        "  ratings  " + _ratings(score["ratings"], scored),
        "",
        # The same figures the JSON has per objective: where it applied, the spread of its share of
        # points there (and its shape over ten bins from 0 to 1), and its ratings over all runs.
        "Objectives: share of points in the runs where each applied (histogram: ten bins from 0 to 1), and ratings",
    ]
    w = max((len(o["id"]) for o in score["objectives"]), default=0)
    w = max(w, len("objective"))
    lines.append(f"  {'objective':<{w}}  {'applied':>7}  {'p5':>4}  {'median':>6}  {'p95':>4}  {'0 … 1':<12}  ratings")
    for objective in score["objectives"]:
        share = objective["share"]
        cells = [f"{_share(share['p5']):>4}", f"{_share(share['p50']):>6}", f"{_share(share['p95']):>4}"]
        shape = f"[{spark(objective['histogram'])}]" if objective["applicable"] else ""
        lines.append(
            f"  {objective['id']:<{w}}  {objective['applicable']:>7}  {'  '.join(cells)}  {shape:<12}"
            f"  {_ratings(objective['ratings'], scored)}"
        )
    return lines


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


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
    env.filters["runs"] = lambda count: plural(count, "run")
    return env.get_template("sweep.html.j2").render(
        r=results,
        jobs=jobs,
        seconds=seconds,
        seeds=seed_range(results),
        label_width=label_width(results),
        ranges=[state_range(var) for var in results["state"]],
        warnings=warning_lines(results),
        notes=notes(results),
        ratings=RATINGS,
    )


def label_width(results: dict[str, Any]) -> int:
    """One label column for every bar chart on the page, so all bars start at the same x.

    Sized to the longest label shown anywhere (inject ids, option ids, the lapse rows): with a width
    per chart each decision's bars started somewhere else and could not be compared by eye.
    """
    labels = [i["id"] for i in results["injects"]]
    for decision in results["decisions"]:
        labels += [o["id"] for o in decision["options"]]
        labels += [
            label for key, label in (("timed_out", "(timed out)"), ("undecided", "(undecided)")) if decision[key]
        ]
    longest = max((min(len(label), LABEL_CHARS) for label in labels), default=0)
    return round(min(max(longest * LABEL_PX_PER_CHAR + 14, LABEL_MIN_PX), LABEL_MAX_PX))


def state_range(var: dict[str, Any]) -> dict[str, Any]:
    """Where p5, p50, p95, min, max and the initial value sit on a 0..1 axis spanning this variable's values."""
    if var["n"] == 0:
        return {"var": var, "pos": None}
    low = min(var["min"], var["initial"])
    high = max(var["max"], var["initial"])
    span = (high - low) or 1.0
    pos = {k: (var[k] - low) / span for k in ("min", "p5", "p50", "p95", "max", "initial")}
    return {"var": var, "pos": pos, "low": low, "high": high}
