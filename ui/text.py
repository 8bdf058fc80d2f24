"""Author and participant text made safe to show: literal Rich Text with control characters removed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text
from textual.markup import escape

from simulator.safetext import clean
from simulator.schema import Scenario

__all__ = [
    "clean",
    "clock",
    "countdown",
    "in_world",
    "literal",
    "markup_safe",
    "names",
    "number",
    "one_line",
    "option_label",
    "pace_label",
    "reflow",
    "short",
    "who",
]


def one_line(text: str, limit: int = 0) -> str:
    """Clean text folded onto one line, optionally shortened with an ellipsis."""
    flat = " ".join(clean(text).split())
    if limit and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def short(text: str, limit: int) -> str:
    """Clean text on one line, cut at a word boundary with an ellipsis when longer than `limit`."""
    flat = one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    # A word boundary only when it keeps most of the room; one long word is cut where it must be.
    if flat[limit - 1] != " " and space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + "…"


def who(scenario: Scenario, actor: str, limit: int = 0) -> str:
    """The name a person reads for an actor or recipient id: a role, a team, exercise control.

    Ids are what people type (and what the log keeps); screens show names. An id the scenario does
    not know is shown as it is.
    """
    if actor == "facilitator":
        name = "Exercise control"
    elif actor == "system":
        name = "System"
    elif actor == "all":
        name = "Everyone"
    else:
        role = next((r for r in scenario.roles if r.id == actor), None)
        team = next((t for t in scenario.teams if t.id == actor), None) if role is None else None
        name = role.name if role is not None else team.name if team is not None else actor
    return short(name, limit) if limit else one_line(name)


def names(scenario: Scenario, ids: list[str], limit: int = 0, sender: str | None = None) -> str:
    """Recipients by name, "everyone" when they are every role; each name cut at `limit`.

    A message to everyone reaches every role but its `sender`, so with the sender given, every
    other role is "everyone" too (not a list of six names).
    """
    everyone = {r.id for r in scenario.roles}
    reached = set(ids) | ({sender} if sender in everyone else set())
    if len(ids) > 1 and reached == everyone:
        return "everyone"
    return ", ".join(who(scenario, i, limit) for i in ids)


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that shows `text` exactly as written: markup is never interpreted."""
    return Text(clean(text), style=style)


def markup_safe(text: str) -> str:
    """Author text for a place that reads Textual markup (command palette entries): cleaned, on one
    line, its square brackets escaped so `[bold red]` shows as typed."""
    return escape(one_line(text))


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
# A list item, up to the start of its text ("- ", "  * ", "3. "): its wrapped lines hang under the text.
_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
# A record line, `Key: value` with a short key ("Time:", "Point of contact:"): one field a line.
_RECORD = re.compile(r"^[^\s:][^:]{0,24}:(\s|$)")
# Columns lined up with runs of spaces ("Vessel:      ORLA MERIDIAN   Flag: Malta"); two spaces
# after a full stop are only old typing habit.
_ALIGNED = re.compile(r"[^\s.!?]\s{2,}\S")
_LONG_SHARE = 0.7
"""A hand-wrapped line reaches at least this share of its paragraph's longest line."""
_LONG_MIN = 40
"""Shorter lines are never joined: a short line is a break the author meant (a heading, a greeting)."""


def reflow(text: str) -> str:
    """Prose re-wrapped by the screen: the single line breaks of a hand-wrapped paragraph joined.

    Scenario files wrap bodies by hand at some width, and a narrow pane would fold those lines
    again into ragged halves. Only a long line (near the paragraph's own width) runs on into the
    next; short lines, `Key: value` records, aligned columns, list items, table rows, indented
    lines and blank lines stay as written.
    """
    out = []
    for paragraph in clean(text).split("\n\n"):
        lines = paragraph.split("\n")
        width = max(len(line.rstrip()) for line in lines)
        long_enough = max(_LONG_MIN, _LONG_SHARE * width)
        joined: list[str] = []
        runs_on = False
        """Whether the last kept line is hand-wrapped prose that the next line continues."""
        hang: int | None = None
        """The text column of the list item being continued (its lines hang under its first word)."""
        for line in lines:
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if runs_on and _prose(line) and not _RECORD.match(line):
                joined[-1] = f"{joined[-1].rstrip()} {stripped}"
            elif (
                runs_on
                and hang is not None
                and indent == hang
                and stripped
                and not _ITEM.match(stripped)
                and not _ALIGNED.search(stripped)
            ):
                # A hand-wrapped list item: its next line, indented under its text, runs on into it.
                joined[-1] = f"{joined[-1].rstrip()} {stripped}"
            else:
                joined.append(line)
                item = _ITEM.match(line)
                hang = len(item.group(0)) if item else None
            # The line decides by its own length, not the joined text's: a short last line ends the run.
            long = len(line.rstrip()) >= long_enough
            runs_on = long and (_prose(line) or (hang is not None and not _ALIGNED.search(stripped)))
        out.append("\n".join(joined))
    return "\n\n".join(out)


def _prose(line: str) -> bool:
    return bool(line.strip()) and not _STRUCTURED.search(line) and not _ALIGNED.search(line.strip())


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
