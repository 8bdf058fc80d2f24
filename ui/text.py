"""Author and participant text made safe to show: literal Rich Text with control characters removed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text

from simulator.safetext import clean
from simulator.schema import Scenario

__all__ = [
    "clean",
    "clock",
    "countdown",
    "in_world",
    "literal",
    "number",
    "one_line",
    "option_label",
    "pace_label",
    "reflow",
]


def one_line(text: str, limit: int = 0) -> str:
    """Clean text folded onto one line, optionally shortened with an ellipsis."""
    flat = " ".join(clean(text).split())
    if limit and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that shows `text` exactly as written: markup is never interpreted."""
    return Text(clean(text), style=style)


def clock(seconds: float) -> str:
    """Scenario time as T+HH:MM:SS."""
    whole = max(0, int(seconds))
    return f"T+{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def countdown(seconds: float) -> str:
    """Time left as MM:SS (or H:MM:SS)."""
    whole = max(0, round(seconds))
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60:02d}:{whole % 60:02d}"


def in_world(start: datetime | None, seconds: float) -> str:
    """The in-world date and time at a scenario time ("" when the scenario has no start)."""
    if start is None:
        return ""
    moment = start + timedelta(seconds=int(seconds))
    return moment.strftime("%a %d %b %H:%M:%S")


def pace_label(pace: float) -> str:
    """A speed in words a trainer reads at a glance."""
    if pace >= 60:
        minutes = pace / 60
        return f"{pace:g}× ({minutes:g} min/s)"
    return f"{pace:g}× ({pace:g} s/s)"


# A line that keeps its own line break: list items, table rows, indented or preformatted text.
_STRUCTURED = re.compile(r"^(\s|[-*•+>|#]|\d+[.)]\s|[A-Za-z][.)]\s)|\|")


def reflow(text: str) -> str:
    """Prose re-wrapped by the screen: single line breaks inside a paragraph joined, blank lines,
    list items, table rows and indented lines kept as written (scenario files wrap bodies by hand)."""
    paragraphs = clean(text).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        joined: list[str] = []
        for line in lines:
            if joined and line.strip() and not _STRUCTURED.search(line) and not _STRUCTURED.search(joined[-1]):
                joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
            else:
                joined.append(line)
        out.append("\n".join(joined))
    return "\n\n".join(out)


def number(value: float) -> str:
    """A state value for people: at most two decimals, no trailing zeros, never exponent notation."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def option_label(scenario: Scenario, decision: str, option: str) -> str:
    """The label the scenario gives an option (its id when the decision or option is unknown)."""
    try:
        _, spec = scenario.decision(decision)
    except KeyError:
        return option
    return next((o.label for o in spec.options if o.id == option), option)
