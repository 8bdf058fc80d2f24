"""The Master Scenario Events List: export a scenario as CSV or Markdown, and import a trainer's CSV as a skeleton.

Export (`to_csv`, `to_markdown`) writes one row per inject. Every cell is tidied first: folded YAML
leaves a trailing new line, which in a spreadsheet cell shows as a stray break, so cells are stripped
and names and objectives become one line. The CSV is meant to be saved as UTF-8 with a byte-order
mark (`CSV_ENCODING`) so that Excel on Windows shows "—", "°" and non-Latin text correctly.

Two cells hold lists, written so that the import reads them back unambiguously:

- To: names separated by "; ". A name that itself holds a comma or a semicolon is put in double
  quotes (`"Consular crisis cell, Embassy of Japan"`).
- Objective / capability: one objective per line, `[id] text — capability`. The `[id]` keeps the
  scenario's objective ids through a round trip; trainers may leave it out.

Import (`read_msel_csv`, `skeleton_yaml`) turns a trainer's sheet into a scenario that validates:

- The header is the first of the first 10 non-empty rows that names a time column and an inject
  column; rows above it (a title, a version line) are skipped, the first one becoming the title.
  Empty and unnamed ("Unnamed: 14") header cells are ignored without comment.
- To: split on ";" and new lines; only when a cell has neither, on commas outside parentheses and
  quotes. A comma-separated cell whose pieces join into a name seen whole elsewhere keeps that name.
- Objectives: split on new lines; a line without `[id]` is also split on ";". A line that starts
  with a dash ("— Operational Coordination") is the capability of the objective before it.
- Times are elapsed since the start (`T+00:15`, `+15m`, `0:15`, `0:15:00`, `0815`, `15m`, `1h30m`,
  a bare `15` = minutes) or clock times. With `times="auto"` the column counts as clock times when a
  cell says am/pm, or when the first `HH:MM` (or `HHMM`) time is 06:00 or later and none is 24:00 or
  more; then the first clock time is T+0, later ones count from it (a time more than 12 hours
  earlier than the row before is the next day), elapsed forms still count from T+0, and the
  skeleton's `start` is that clock time on today's date. A warning says which reading was chosen
  when it is not obvious.
- A time written with dots (`08.15`, `8.15.30`, `8.15 pm`) is read exactly as the same time with
  colons, when its minutes (and seconds) have two digits 00–59 and its hours run 0–23. Any other
  decimal number (`7.5`, `8.75`, `26.00`) is an error, since it could be minutes or a time; and
  when dotted times are read as time since the start, a warning shows how one was read, in case
  the column held decimal minutes (`5.00`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Literal

from simulator.durations import MAX_DURATION, DurationError, format_clock, format_duration, parse_duration
from simulator.loader import MAX_BYTES
from simulator.schema import (
    AfterCondition,
    AllCondition,
    AnyCondition,
    ChoseCondition,
    DecidedCondition,
    DeliveredCondition,
    Inject,
    MessageCondition,
    NotCondition,
    Scenario,
    ScheduleEffect,
    StateCondition,
    TimedOutCondition,
)

# --------------------------------------------------------------------------- YAML text we control

# Words YAML 1.1 readers turn into booleans or null; quoted so every reader sees a string.
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_PLAIN_FORBIDDEN = set(":#{}[]&*!|>'\"%@`,") | {"\t"}


def yaml_scalar(value: str) -> str:
    """A single-line YAML scalar for a string: plain when every reader agrees, else double-quoted."""
    plain = (
        value != ""
        and value[0].isalpha()
        and value == value.strip()
        and value.lower() not in _YAML11_WORDS
        and not any(ch in _PLAIN_FORBIDDEN or ord(ch) < 32 for ch in value)
    )
    # JSON strings are valid YAML double-quoted scalars.
    return value if plain else json.dumps(value, ensure_ascii=False)


def yaml_text(key: str, value: str, indent: int) -> list[str]:
    """Lines for `key: value`, using a literal block for multi-line text when that is exact."""
    pad = " " * indent
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in value.rstrip("\n"):
        return [f"{pad}{key}: {yaml_scalar(value)}"]
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    # A literal block keeps text verbatim except a leading space on the first line and several trailing newlines.
    if trailing <= 1 and not body.startswith((" ", "\t")) and not any(ord(c) < 32 and c != "\n" for c in body):
        lines = [f"{pad}{key}: |" + ("" if trailing else "-")]
        lines += [f"{pad}  {line}" if line else "" for line in body.split("\n")]
        return lines
    return [f"{pad}{key}: {json.dumps(value, ensure_ascii=False)}"]


def yaml_flow_list(items: list[str]) -> str:
    """A flow list such as `[a, b]` with each item quoted as needed."""
    return "[" + ", ".join(yaml_scalar(item) for item in items) + "]"


def one_line(text: str) -> str:
    """Text for a cell that must stay on one line: every run of white space, new lines included, is one space."""
    return " ".join(text.split())


def tidy(text: str) -> str:
    """Text for a cell that may hold lines: unified line ends, no trailing spaces, no blank lines at either end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n").rstrip()


def slugify(text: str, limit: int = 48) -> str:
    """An id from free text: lower case words joined by '-', cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


_STOP_WORDS = {"a", "an", "the", "of", "to", "and", "or", "in", "on", "for", "with", "within", "by", "at", "from"}


def short_slug(text: str, words: int = 4) -> str:
    """A short id from a sentence: its first few words that carry meaning."""
    kept = [w for w in slugify(text, 200).split("-") if w and w not in _STOP_WORDS]
    return "-".join(kept[:words])


# --------------------------------------------------------------------------- export

# Excel on Windows reads a CSV without a byte-order mark in the ANSI code page, garbling "—", "°" and CJK text.
CSV_ENCODING = "utf-8-sig"

COLUMNS = (
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
)


@dataclass(frozen=True)
class MselRow:
    """One inject as an MSEL row; every cell is plain text."""

    number: int
    time: str
    sender: str
    to: str  # the recipients' names for reading, joined with "; "
    channel: str
    title: str
    body: str
    expected_action: str
    objectives: str
    notes: str
    category: str
    recipients: tuple[str, ...] = ()  # the names behind `to`, for a cell the import can split back

    def cells(self) -> list[str]:
        """The cells in COLUMNS order, as the CSV holds them."""
        return [
            str(self.number),
            self.time,
            self.sender,
            join_names(self.recipients) if self.recipients else self.to,
            self.channel,
            self.title,
            self.body,
            self.expected_action,
            self.objectives,
            self.notes,
            self.category,
        ]


def describe_condition(scenario: Scenario, condition: Any) -> str:
    """A condition in words, e.g. "after 30m and no message port→coastguard"."""

    def inner(cond: Any) -> str:
        text = describe_condition(scenario, cond)
        return f"({text})" if isinstance(cond, (AllCondition, AnyCondition)) else text

    if isinstance(condition, AllCondition):
        return " and ".join(inner(c) for c in condition.all)
    if isinstance(condition, AnyCondition):
        return " or ".join(inner(c) for c in condition.any)
    if isinstance(condition, NotCondition):
        negated = condition.not_
        if isinstance(negated, MessageCondition):
            return "no " + describe_condition(scenario, negated)
        if isinstance(negated, DecidedCondition):
            return f"decision {negated.decided} not taken"
        if isinstance(negated, DeliveredCondition):
            return f"inject {negated.delivered} not delivered"
        if isinstance(negated, ChoseCondition):
            return f"option {negated.chose.option} of decision {negated.chose.decision} not chosen"
        return f"not ({describe_condition(scenario, negated)})"
    if isinstance(condition, DecidedCondition):
        return f"decision {condition.decided} taken"
    if isinstance(condition, ChoseCondition):
        return f"option {condition.chose.option} of decision {condition.chose.decision} chosen"
    if isinstance(condition, TimedOutCondition):
        return f"decision {condition.timed_out} timed out"
    if isinstance(condition, AfterCondition):
        return f"after {format_duration(condition.after)}"
    if isinstance(condition, DeliveredCondition):
        return f"inject {condition.delivered} delivered"
    if isinstance(condition, StateCondition):
        op, threshold = condition.comparison
        return f"{condition.state} {op.replace('_', ' ')} {threshold:g}"
    if isinstance(condition, MessageCondition):
        sender, to = condition.message.from_, condition.message.to
        if sender and to:
            return f"message {sender}→{to}"
        if sender:
            return f"message from {sender}"
        if to:
            return f"message to {to}"
        return "any message"
    raise TypeError(f"unknown condition {condition!r}")


def _schedulers(scenario: Scenario) -> dict[str, list[str]]:
    """Inject id → what schedules it (another inject's delivery, an option, a timeout), in words."""
    found: dict[str, list[str]] = {}
    for inject in scenario.injects:
        sources = [(f"delivery of {inject.id}", inject.effects)]
        decision = inject.decision
        if decision is not None:
            sources += [(f"option {o.id} of decision {decision.id}", o.effects) for o in decision.options]
            sources.append((f"timeout of decision {decision.id}", decision.on_timeout))
        for source, effects in sources:
            for effect in effects:
                if isinstance(effect, ScheduleEffect):
                    target = effect.schedule if isinstance(effect.schedule, str) else effect.schedule.inject
                    delay = 0.0 if isinstance(effect.schedule, str) else effect.schedule.in_
                    found.setdefault(target, []).append(source + (f" (+{format_duration(delay)})" if delay else ""))
    return found


def _trigger(scenario: Scenario, inject: Inject, schedulers: dict[str, list[str]]) -> str:
    parts = []
    if inject.at is not None:
        parts.append(format_clock(inject.at))
    elif inject.when is not None:
        delay = f" (+{format_duration(inject.delay)})" if inject.delay else ""
        parts.append(f"when: {describe_condition(scenario, inject.when)}{delay}")
    if inject.id in schedulers:
        parts.append("scheduled by " + "; or ".join(schedulers[inject.id]))
    return "; also ".join(parts) if parts else "never (nothing delivers it)"


def _recipients(scenario: Scenario, ids: list[str]) -> tuple[str, ...]:
    names = []
    for actor in ids:
        if actor == "all":
            names.append("Everyone")
        elif actor in {r.id for r in scenario.roles}:
            names.append(scenario.role(actor).name)
        else:
            names.append(scenario.team(actor).name)
    return tuple(one_line(name) for name in names)


def join_names(names: tuple[str, ...] | list[str]) -> str:
    """Names for a To cell: "; " between them, and quotes around a name the import would otherwise split."""
    return "; ".join(f'"{name}"' if any(ch in name for ch in ",;") else name for name in names)


def objective_cell(scenario: Scenario, ids: list[str]) -> str:
    """The Objective / capability cell: one `[id] text — capability` line per objective."""
    objectives = {o.id: o for o in scenario.objectives}
    return "\n".join(
        f"[{o}] {one_line(objectives[o].text)} — {one_line(objectives[o].capability)}" for o in ids if o in objectives
    )


def msel_rows(scenario: Scenario) -> list[MselRow]:
    """One row per inject: timed ones by time, then conditional and scheduled ones in file order."""
    schedulers = _schedulers(scenario)
    timed = sorted((i for i in scenario.injects if i.at is not None), key=lambda i: i.at or 0.0)
    rest = [i for i in scenario.injects if i.at is None]
    rows = []
    for number, inject in enumerate(timed + rest, start=1):
        notes = []
        if inject.decision is not None:
            decision = inject.decision
            # The decision is one sentence in the cell, so a prompt folded over lines is joined up.
            options = " / ".join(f"{o.id}: {one_line(o.label)}" for o in decision.options)
            deadline = f" Deadline {format_duration(decision.deadline)}." if decision.deadline is not None else ""
            notes.append(f"Decision {decision.id}: {one_line(decision.prompt)} Options: {options}.{deadline}")
        if inject.priority != "normal":
            notes.append(f"Priority {inject.priority}.")
        if inject.attachments:
            notes.append("Attachments: " + "; ".join(one_line(a.name) for a in inject.attachments) + ".")
        if tidy(inject.notes):
            notes.append(tidy(inject.notes))
        recipients = _recipients(scenario, inject.to)
        # Folded YAML (`>`) ends text with a new line; left in, a spreadsheet shows it as a stray break.
        rows.append(
            MselRow(
                number=number,
                time=_trigger(scenario, inject, schedulers),
                sender=one_line(inject.from_),
                to="; ".join(recipients),
                channel=inject.channel,
                title=tidy(inject.title),
                body=tidy(inject.body),
                expected_action=tidy(inject.expected_action),
                objectives=objective_cell(scenario, inject.objectives),
                notes="\n".join(notes),
                category=inject.category,
                recipients=recipients,
            )
        )
    return rows


def to_csv(scenario: Scenario) -> str:
    """The MSEL as CSV (RFC 4180 quoting, CRLF line ends as spreadsheets expect); save it as CSV_ENCODING."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in msel_rows(scenario):
        writer.writerow(row.cells())
    return out.getvalue()


def md_cell(text: str) -> str:
    """Author text made safe inside a Markdown table cell: no raw pipes, newlines or HTML."""
    text = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(text.split("\n"))


def to_markdown(scenario: Scenario) -> str:
    """The MSEL as a Markdown document: a short header and one table row per inject."""
    lines = [f"# MSEL — {md_cell(scenario.title)}", ""]
    facts = [f"Scenario `{scenario.id}`", f"domain {scenario.domain}", f"duration {format_duration(scenario.duration)}"]
    if scenario.start is not None:
        facts.append(f"T+00:00:00 is {scenario.start.isoformat()}")
    lines += [", ".join(facts) + ".", ""]
    if scenario.summary.strip():
        lines += [md_cell(scenario.summary), ""]
    header = [c for c in COLUMNS if c != "Description"]
    header[1] = "Time / trigger"
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for row in msel_rows(scenario):
        inject = f"**{md_cell(row.title)}**" + (f"<br>{md_cell(row.body)}" if row.body else "")
        cells = [str(row.number), md_cell(row.time), md_cell(row.sender), md_cell(row.to), row.channel, inject]
        cells += [md_cell(row.expected_action), md_cell(row.objectives), md_cell(row.notes), row.category]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- import

# Header (lower case, single spaces) → the field it fills.
HEADER_ALIASES: dict[str, str] = {}
for _field, _names in {
    "number": [
        "no",
        "no.",
        "#",
        "number",
        "event number",
        "event no",
        "event no.",
        "inject no",
        "inject number",
        "serial",
    ],
    "time": [
        "time",
        "scenario time",
        "exercise time",
        "time / trigger",
        "time/trigger",
        "time or trigger",
        "delivery time",
    ],
    "from": ["from", "sender", "source"],
    "to": ["to", "recipient", "recipients", "intended player", "player", "players"],
    "channel": ["channel", "method", "delivery method", "means", "medium"],
    "title": ["inject", "event", "title", "subject", "headline", "inject title"],
    "body": ["description", "body", "text", "inject text", "details", "message", "content"],
    "expected": ["expected action", "expected player action", "expected response", "expected outcome"],
    "objective": ["objective", "objectives", "objective / capability", "objective/capability"],
    "capability": ["capability", "core capability"],
    "notes": ["notes", "note", "controller notes", "remarks", "comments"],
    "controller": ["controller", "responsible controller"],
    "category": ["category", "type", "inject type"],
}.items():
    for _name in _names:
        HEADER_ALIASES[_name] = _field

# Delivery methods trainers write → the language's channels.
CHANNEL_ALIASES: dict[str, str] = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "phone": "phone",
    "telephone": "phone",
    "phone call": "phone",
    "call": "phone",
    "tel": "phone",
    "radio": "radio",
    "vhf": "radio",
    "vhf radio": "radio",
    "hf": "radio",
    "news": "news",
    "press": "news",
    "tv": "news",
    "media": "news",
    "news report": "news",
    "social": "social",
    "social media": "social",
    "sitrep": "sitrep",
    "situation report": "sitrep",
    "briefing": "briefing",
    "brief": "briefing",
    "verbal": "briefing",
    "chat": "chat",
    "instant message": "chat",
    "im": "chat",
    "handout": "handout",
    "hand-out": "handout",
    "paper": "handout",
    "document": "handout",
    "video": "video",
    "video call": "video",
    "vtc": "video",
}

EVERYONE = {"all", "everyone", "all players", "all roles", "all participants"}

TimesMode = Literal["auto", "clock", "elapsed"]

# How many non-empty rows may sit above the header (a title, a version line, a date).
HEADER_SEARCH_ROWS = 10

_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
_HHMM = re.compile(r"^(\d{2})(\d{2})$")  # 0815, as military and many MSEL templates write times
# 08.15 or 08.15.30, as many locales write the time of day: read like 08:15 when the minutes (and
# seconds) have two digits 00–59 and the hours run 0–23. Other decimal numbers are ambiguous.
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{2})(?:\.(\d{2}))?$")
_DECIMAL = re.compile(r"^(\d+\.\d*|\.\d+)$")  # 7.5, 8.75, 26.00, .5: minutes, or a time with a dot?
_AM_PM = re.compile(
    r"^(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?(?:(?P=sep)(?P<s>\d{2}))?(?P<ap>[ap])\.?m\.?$", re.IGNORECASE
)
_UNNAMED = re.compile(r"(unnamed(:\s*\d+)?|column\s*\d+)")  # what spreadsheets and pandas call a headless column
_OBJECTIVE_ID = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._-]*)\]\s*")
_CAPABILITY_DASH = re.compile(r"\s[—–]\s")  # "text — capability"; an en dash is what many keyboards give
DAY = 86400.0


class MselImportError(Exception):
    """A CSV that cannot become a scenario; carries `FILE:LINE: error: MESSAGE` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _compact(text: str) -> str:
    return text.strip().replace(" ", "")


def _dotted(value: str) -> tuple[int, int, int] | None:
    """(hours, minutes, seconds) for a time written with dots (`08.15`, `8.15.30`); None if it is no such time."""
    match = _DOTTED.match(value)
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    return (hours, minutes, seconds) if hours <= 23 and minutes <= 59 and seconds <= 59 else None


def _hours_minutes(value: str) -> tuple[int, int, int] | None:
    """(hours, minutes, seconds) for `8:15`, `08:15:30`, `0815` or `08.15`; None for other text.

    The colon forms and `0815` come without range checks (the callers say what is out of range); a
    dotted form counts only when it is in range, since `8.75` is more likely minutes than a bad time.
    """
    clock = _CLOCK.match(value) or _HHMM.match(value)
    if clock is None:
        return _dotted(value)
    groups = clock.groups()
    seconds = groups[2] if len(groups) > 2 else None
    return int(groups[0]), int(groups[1]), int(seconds or 0)


def _ambiguous_decimal(text: str, value: str) -> DurationError | None:
    """The error for a decimal number that is not a time with a dot (`7.5`, `8.75`, `26.00`); None for other text."""
    if not _DECIMAL.match(value) or _dotted(value):
        return None
    minutes = ("0" + value if value.startswith(".") else value).rstrip(".")
    return DurationError(
        f"{text.strip()!r} is ambiguous: minutes with a decimal point, or a time written with a dot? "
        f"Write minutes with a unit ({minutes}m), and times with two-digit minutes, as in 08.15 or 08:15 "
        "(a time with a dot runs from 0.00 to 23.59)"
    )


def _hh_mm(seconds: float) -> str:
    """A time of day as HH:MM, for messages."""
    minutes = int(seconds) // 60
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _time_kind(text: str) -> str:
    """How a time cell reads: "elapsed" (says so, or cannot be a clock), "clock" (am/pm) or "either" (08:15)."""
    value = _compact(text)
    if value.startswith(("+", "T+", "t+")):
        return "elapsed"
    if _AM_PM.match(value):
        return "clock"
    return "either" if _hours_minutes(value) else "elapsed"


def parse_msel_time(text: str) -> float:
    """Seconds since the start for an elapsed MSEL time: 00:15, 0:15:00, 00.15, T+00:15, +15m, 0015, 15m, 1h30m or 15 (minutes).

    A decimal number that is not a time with a dot (7.5, 8.75, 26.00) is an error: minutes or a time?
    """
    value = _compact(text)
    if value[:2].upper() == "T+":
        value = value[2:]
    elif value.startswith("+"):
        value = value[1:]
    if not value:
        raise DurationError("empty time")
    if _AM_PM.match(value):
        raise DurationError(f"{text.strip()!r} is a clock time, not a time since the start")
    parts = _hours_minutes(value)
    if parts:
        hours, minutes, seconds = parts
        if minutes > 59 or seconds > 59:
            raise DurationError(f"{text.strip()!r} is not a time (minutes and seconds run 00–59)")
        return hours * 3600 + minutes * 60 + seconds
    if re.fullmatch(r"\d+", value):
        return int(value) * 60  # a bare whole number in an MSEL counts minutes
    ambiguous = _ambiguous_decimal(text, value)
    if ambiguous:
        raise ambiguous
    try:
        return parse_duration(value.lower())
    except DurationError:
        raise DurationError(
            f"{text.strip()!r} is not a time; write 00:15, 0:15:00, T+00:15, 15m or 15 (minutes)"
        ) from None


def parse_clock_time(text: str) -> float:
    """Seconds since midnight for a clock time: 08:15, 8:15:30, 0815, 08.15, 8:15 am or 8.15 PM."""
    value = _compact(text)
    am_pm = _AM_PM.match(value)
    if am_pm:
        hours, minutes, seconds = int(am_pm["h"]), int(am_pm["m"] or 0), int(am_pm["s"] or 0)
        if not 1 <= hours <= 12 or minutes > 59 or seconds > 59:
            raise DurationError(f"{text.strip()!r} is not a clock time")
        hours = hours % 12 + (12 if am_pm["ap"].lower() == "p" else 0)
        return hours * 3600 + minutes * 60 + seconds
    parts = _hours_minutes(value)
    if parts is None or parts[0] > 23 or parts[1] > 59 or parts[2] > 59:
        ambiguous = _ambiguous_decimal(text, value)
        if ambiguous:
            raise ambiguous
        raise DurationError(f"{text.strip()!r} is not a clock time; write 08:15, 08.15, 0815 or 8:15 am")
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@dataclass
class _Row:
    line: int
    at: float | None
    trigger_note: str
    sender: str
    to: list[str]
    channel: str
    channel_note: str
    title: str
    body: str
    expected: str
    objectives: list[str]
    notes: list[str]
    category: str
    inject_id: str = ""


@dataclass
class _Skeleton:
    roles: dict[str, str] = field(default_factory=dict)  # id → name
    objectives: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (text, capability)
    rows: list[_Row] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    title: str = ""  # from a title row above the header, if any
    start_clock: float | None = None  # seconds after midnight of T+0, when the MSEL gives clock times
    warnings: list[str] = field(default_factory=list)  # `FILE:LINE: warning: …` lines for the trainer

    @property
    def role_count(self) -> int:
        """Roles in the written scenario: a sheet that only addresses everyone gets one placeholder role."""
        return len(self.roles) or 1


@dataclass
class _Record:
    line: int  # the file line the record starts on (a quoted cell may span several)
    number: int  # the row number a spreadsheet shows: records, blank ones included
    cells: list[str]


def _read_text(path: Path) -> str:
    with path.open("rb") as handle:
        # One byte past the limit tells a sheet too large, without reading all of it.
        raw = handle.read(MAX_BYTES + 1)
    name = str(path)
    if len(raw) > MAX_BYTES:
        # Its skeleton would be larger still, past what a scenario file may hold.
        raise MselImportError([f"{name}:1: error: file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit"])
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise MselImportError([f"{name}:{line}: error: not a CSV file (binary data); save the sheet as CSV"])
    try:
        # utf-8-sig drops the byte-order mark Excel (and our export) put at the start.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows often save "CSV" in the ANSI code page rather than UTF-8.
        return raw.decode("cp1252", errors="replace")


def _records(text: str, delimiter: str, name: str) -> list[_Record]:
    """The non-empty records of the file, each with where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    start_line, number = 1, 0
    try:
        for cells in reader:
            line, start_line = start_line, reader.line_num + 1
            number += 1
            if any(cell.strip() for cell in cells):
                records.append(_Record(line, number, cells))
    except csv.Error as exc:
        raise MselImportError([f"{name}:{reader.line_num}: error: not readable as CSV: {exc}"]) from None
    return records


def _header_columns(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index for a header row, and the named columns it does not import."""
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(cells):
        key = " ".join(cell.strip().lower().split())
        target = HEADER_ALIASES.get(key) or HEADER_ALIASES.get(key.rstrip(".:"))
        if target is None:
            # Blank trailing columns come with empty or "Unnamed: 14" headers; they carry nothing to report.
            if key and not _UNNAMED.fullmatch(key):
                ignored.append(cell.strip())
        elif target not in columns:
            columns[target] = index
    return columns, ignored


def _is_complete(columns: dict[str, int]) -> bool:
    return "time" in columns and ("title" in columns or "body" in columns)


def _find_header(records: list[_Record]) -> int | None:
    """Index of the header: the first early row naming a time and an inject column, else the most MSEL-like one."""
    best, best_count = None, 0
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        columns, _ = _header_columns(record.cells)
        if _is_complete(columns):
            return index
        if len(columns) > best_count:
            best, best_count = index, len(columns)
    return best


def _locate_header(text: str, name: str) -> tuple[list[_Record], int | None]:
    """The records and the header's index, with the separator that makes a header appear."""
    head = [line for line in text.split("\n") if line.strip()][:HEADER_SEARCH_ROWS]
    # Spreadsheets in many locales separate with ';' (or tabs). Try the most used first, and take the
    # first that yields a full header: a title row above the header may hold none of them.
    order = sorted([",", ";", "\t"], key=lambda d: -sum(line.count(d) for line in head))
    fallback: tuple[list[_Record], int | None] | None = None
    for delimiter in order:
        records = _records(text, delimiter, name)
        index = _find_header(records)
        if index is not None and _is_complete(_header_columns(records[index].cells)[0]):
            return records, index
        if fallback is None:
            fallback = (records, index)
    assert fallback is not None
    return fallback


def _split_outside(text: str, separators: str, *, parens: bool) -> list[str]:
    """`text` split on any of `separators` outside double quotes (and, if `parens`, outside parentheses)."""
    parts, current = [], []
    depth, quoted = 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and parens and ch in "()":
            depth = depth + 1 if ch == "(" else max(0, depth - 1)
        elif not quoted and depth == 0 and ch in separators:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return one_line(name)


def _whole_names(text: str) -> list[str]:
    """Names a To cell gives unambiguously: those between ';' or new lines, and quoted ones."""
    pieces = [p for p in _split_outside(text, ";\n", parens=False) if p.strip()]
    if len(pieces) > 1:
        return [_unquote(p) for p in pieces]
    return [_unquote(p) for p in _split_outside(text, ",", parens=True) if p.strip().startswith('"')]


def split_names(text: str, known: Set[str] = frozenset()) -> list[str]:
    """The names in a To cell.

    ';' and new lines separate names. Only in a cell with neither do commas outside parentheses and
    quotes separate them too, and then pieces that join into a name in `known` (lower case) stay one name.
    """
    pieces = [p for p in _split_outside(text, ";\n", parens=False) if p.strip()]
    if len(pieces) > 1:
        return [n for n in (_unquote(p) for p in pieces) if n]
    commas = _split_outside(text, ",", parens=True)
    names, start = [], 0
    while start < len(commas):
        # The longest run of pieces that is a known name, else the single piece.
        end = next(
            (e for e in range(len(commas), start + 1, -1) if _unquote(",".join(commas[start:e])).lower() in known),
            start + 1,
        )
        names.append(_unquote(",".join(commas[start:end])))
        start = end
    return [n for n in names if n]


def split_objectives(text: str) -> list[tuple[str, str, str]]:
    """(id, text, capability) for each objective in a cell; id and capability may be empty.

    New lines separate objectives; a line without a leading `[id]` is also split on ';', and one
    with it only before a further `[id]`. The last " — " (or " – ") in an objective starts its
    capability; a piece that starts with a dash is the capability of the objective before it, as
    in a cell where the capability was wrapped onto its own line.
    """
    pieces: list[str] = []
    for line in text.splitlines():
        if _OBJECTIVE_ID.match(line.strip()):
            pieces += re.split(r";\s*(?=\[[A-Za-z0-9][A-Za-z0-9._-]*\])", line)
        else:
            pieces += line.split(";")
    found: list[list[str]] = []
    for piece in (one_line(p) for p in pieces):
        if not piece:
            continue
        if piece[0] in "—–" and found and not found[-1][2]:
            found[-1][2] = piece[1:].strip()
            continue
        marked = _OBJECTIVE_ID.match(piece)
        objective_id, rest = (marked[1], piece[marked.end() :]) if marked else ("", piece)
        dashes = list(_CAPABILITY_DASH.finditer(rest))
        if dashes:
            found.append([objective_id, rest[: dashes[-1].start()].strip(), rest[dashes[-1].end() :].strip()])
        else:
            found.append([objective_id, rest.strip(), ""])
    return [(i, t, c) for i, t, c in found if i or t]


def _unique(base: str, taken: set[str], fallback: str) -> str:
    base = base or fallback
    if not base[0].isalnum():
        base = fallback
    candidate, n = base, 2
    while candidate in taken or candidate == "all":
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _untimed(time_text: str) -> bool:
    return time_text.lower().startswith(("when", "scheduled"))


def _clock_mode(times: list[tuple[_Record, str]], mode: TimesMode) -> bool:
    """Whether the time column holds clock times (see the module docstring for the rule)."""
    if mode != "auto":
        return mode == "clock"
    kinds = [(_time_kind(text), text) for _, text in times]
    if any(kind == "clock" for kind, _ in kinds):
        return True
    either = [_hours_minutes(_compact(text)) for kind, text in kinds if kind == "either"]
    hours = [parts[0] for parts in either if parts]
    # 26:00 can only be elapsed; an exercise's first inject at 06:00 or later elapsed is implausible.
    return bool(hours) and max(hours) < 24 and hours[0] >= 6


class _Clock:
    """Turns clock times, read in file order, into seconds after the first one."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.previous = 0.0
        self.days = 0

    def elapsed(self, text: str) -> float:
        moment = parse_clock_time(text)
        if self.first is None:
            self.first = self.previous = moment
            return 0.0
        if moment < self.previous:
            # Going back more than 12 hours is play past midnight; less is a sheet out of order.
            if self.previous - moment <= DAY / 2:
                raise DurationError(
                    f"{text.strip()!r} is earlier than the row before ({_hh_mm(self.previous)}); "
                    "sort the sheet by time, or use --times elapsed if these are not clock times"
                )
            self.days += 1
        self.previous = moment
        return self.days * DAY + moment - self.first


def read_msel_csv(path: Path, times: TimesMode = "auto") -> _Skeleton:
    """Parse a trainer's MSEL CSV; raises MselImportError with every problem found."""
    name = str(path)
    try:
        text = _read_text(path)
    except OSError as exc:
        raise MselImportError([f"{name}:1: error: cannot read file: {exc.strerror or exc}"]) from None
    if not text.strip():
        raise MselImportError([f"{name}:1: error: file is empty; expected a header row such as Time,From,To,Inject"])
    records, header_index = _locate_header(text, name)
    if not records:
        raise MselImportError([f"{name}:1: error: file is empty; expected a header row such as Time,From,To,Inject"])
    if header_index is None:
        raise MselImportError(
            [
                f"{name}:{records[0].line}: error: no MSEL header in the first {HEADER_SEARCH_ROWS} rows; expected "
                "a header such as Time,From,To,Channel,Inject,Expected action (is this a CSV file?)"
            ]
        )
    header = records[header_index]
    columns, ignored = _header_columns(header.cells)
    problems: list[str] = []
    if "time" not in columns:
        problems.append(f"{name}:{header.line}: error: no time column; name one Time, Scenario time or Time / trigger")
    if "title" not in columns and "body" not in columns:
        problems.append(f"{name}:{header.line}: error: no inject column; name one Inject, Event or Description")
    if problems:
        raise MselImportError(problems)
    skeleton = _Skeleton(ignored=ignored)
    if header_index:
        above = [one_line(c) for c in records[0].cells if c.strip()]
        skeleton.title = above[0] if above else ""

    data = records[header_index + 1 :]

    def cell(record: _Record, key: str) -> str:
        index = columns.get(key)
        return record.cells[index].strip() if index is not None and index < len(record.cells) else ""

    # Whole names and explicit objective ids from every row first, so that no row's reading depends on order.
    known = {n.lower() for record in data for n in _whole_names(cell(record, "to"))}
    taken_ids: set[str] = set()
    reserved = {i for record in data for i, _, _ in split_objectives(cell(record, "objective")) if i and i != "all"}
    taken_ids |= reserved

    times_given = [(r, cell(r, "time").partition("; also ")[0]) for r in data]
    timed = [(r, text) for r, text in times_given if text and not _untimed(text)]
    clock_mode = _clock_mode(timed, times)
    clock = _Clock()
    dotted_elapsed: list[tuple[_Record, str, float]] = []  # dotted times read as time since the start
    role_ids: dict[str, str] = {}
    objective_ids: dict[str, str] = {}  # "[id]" or lower-case text → objective id
    for record in data:
        line, row_number = record.line, record.number
        category = cell(record, "category").lower()
        category = "contingency" if "contingen" in category else "noise" if "noise" in category else "scripted"
        time_text = cell(record, "time")
        # The export writes "T+00:10:00; also scheduled by …" for an inject that is both timed and scheduled.
        time_text, _, also = time_text.partition("; also ")
        at: float | None = None
        trigger_note = ""
        if time_text and not _untimed(time_text):
            try:
                if clock_mode and _time_kind(time_text) != "elapsed":
                    at = clock.elapsed(time_text)
                else:
                    at = parse_msel_time(time_text)
                    if _dotted(_compact(time_text).removeprefix("+").removeprefix("T+").removeprefix("t+")):
                        dotted_elapsed.append((record, time_text, at))
            except DurationError as exc:
                hint = "; use --times clock" if "is a clock time" in str(exc) else ""
                problems.append(f"{name}:{line}: error: row {row_number}: bad time: {exc}{hint}")
                continue
            if at > MAX_DURATION:
                # The skeleton must validate, and a scenario runs at most MAX_DURATION.
                problems.append(
                    f"{name}:{line}: error: row {row_number}: time {format_clock(at)} is past "
                    f"{format_duration(MAX_DURATION)} (30 days), the longest a scenario may run"
                )
                continue
        elif time_text:
            trigger_note = time_text
        elif category != "contingency":
            problems.append(
                f"{name}:{line}: error: row {row_number}: no time; give a time such as 00:15, "
                "or mark the row Contingency in a Category column"
            )
            continue
        title, body = cell(record, "title"), cell(record, "body")
        if not title and not body:
            problems.append(f"{name}:{line}: error: row {row_number}: no inject text (title or description)")
            continue
        if not title:
            first = body.split("\n", 1)[0]
            title = first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"
        recipients = []
        for recipient in split_names(cell(record, "to"), known) or ["all"]:
            if recipient.lower() in EVERYONE:
                recipients.append("all")
                continue
            key = recipient.lower()
            if key not in role_ids:
                role_ids[key] = _unique(slugify(recipient), taken_ids, f"role-{len(role_ids) + 1}")
                skeleton.roles[role_ids[key]] = recipient
            recipients.append(role_ids[key])
        channel_text = cell(record, "channel")
        channel = CHANNEL_ALIASES.get(" ".join(channel_text.lower().split()), "")
        channel_note = ""
        if not channel:
            channel = "briefing"
            channel_note = f"Delivery method in the MSEL: {channel_text}." if channel_text else ""
        objectives = []
        for given_id, objective_text, capability in split_objectives(cell(record, "objective")):
            keys = ([f"[{given_id}]"] if given_id else []) + ([objective_text.lower()] if objective_text else [])
            known_id = next((objective_ids[k] for k in keys if k in objective_ids), None)
            if known_id is None:
                if given_id in reserved:
                    # Reserved for this objective up front, so it keeps the id the sheet gives it.
                    reserved.discard(given_id)
                    known_id = given_id
                else:
                    base = given_id or short_slug(objective_text)
                    known_id = _unique(base, taken_ids, f"objective-{len(skeleton.objectives) + 1}")
                skeleton.objectives[known_id] = (
                    objective_text or given_id,
                    capability or cell(record, "capability"),
                )
            for key in keys:
                objective_ids.setdefault(key, known_id)
            objectives.append(known_id)
        notes = [cell(record, "notes")] if cell(record, "notes") else []
        if cell(record, "controller"):
            notes.append(f"Controller: {cell(record, 'controller')}.")
        if channel_note:
            notes.append(channel_note)
        if also:
            notes.append(f"The MSEL also says: {also}.")
        skeleton.rows.append(
            _Row(
                line=line,
                at=at,
                trigger_note=trigger_note,
                sender=cell(record, "from") or "Exercise control",
                to=list(dict.fromkeys(recipients)),
                channel=channel,
                channel_note=channel_note,
                title=title,
                body=body,
                expected=cell(record, "expected"),
                objectives=list(dict.fromkeys(objectives)),
                notes=notes,
                category=category,
            )
        )
    if problems:
        raise MselImportError(problems)
    if not skeleton.rows:
        raise MselImportError([f"{name}:{header.line + 1}: error: the MSEL has a header but no inject rows"])
    for row in skeleton.rows:
        row.inject_id = _unique(slugify(row.title, 40), taken_ids, f"inject-{row.line}")
    skeleton.start_clock = clock.first
    _explain_times(skeleton, name, timed, clock_mode, times)
    if dotted_elapsed:
        # 5.00 or 7.30 may be minutes written as a decimal number: say how they were read.
        record, text, at = next((d for d in dotted_elapsed if d[2]), dotted_elapsed[0])
        skeleton.warnings.append(
            f"{name}:{record.line}: warning: times with a dot are read as hours and minutes, as with a colon: "
            f"{text.strip()!r} is {format_clock(at)}; if the column holds minutes, write them without the dot "
            "or with a unit (5m, 7.5m)"
        )
    return skeleton


def _explain_times(
    skeleton: _Skeleton, name: str, timed: list[tuple[_Record, str]], clock_mode: bool, times: TimesMode
) -> None:
    """Warn when the time column was guessed to be clock times, or looks like them but was read as elapsed."""
    if times != "auto" or not timed:
        return
    if clock_mode and skeleton.start_clock is not None:
        first = next(r for r, text in timed if _time_kind(text) != "elapsed")
        skeleton.warnings.append(
            f"{name}:{first.line}: warning: the Time column holds clock times: {_hh_mm(skeleton.start_clock)} "
            "is T+0 and later times count from it, and `start` is that time today (use --times elapsed "
            "if they are times since the start)"
        )
        return
    earliest = min((row.at for row in skeleton.rows if row.at is not None), default=0.0)
    if earliest >= 3600:
        first = next(r for r, _ in timed)
        skeleton.warnings.append(
            f"{name}:{first.line}: warning: the first inject is at {format_clock(earliest)}; if the Time column "
            "holds clock times, import with --times clock so the first time is T+0"
        )


def skeleton_yaml(
    skeleton: _Skeleton, *, scenario_id: str, source: str, domain: str, modeline: str, today: date | None = None
) -> str:
    """The scenario skeleton as commented YAML that validates; `today` dates a clock-time MSEL's start."""
    rows = skeleton.rows
    last = max((r.at for r in rows if r.at is not None), default=0.0)
    # Leave room after the last timed inject, rounded up to a quarter hour.
    duration = min(MAX_DURATION, max(1800.0, math.ceil((last + 900) / 900) * 900))
    out = [
        f"# yaml-language-server: $schema={modeline}",
        f"# Scenario skeleton imported from {source} by `tabletop msel --import`.",
        "# It validates; before it is an exercise, fill in what the MSEL could not say:",
        "#   - title, summary, domain, duration and start below;",
        '#   - teams: every role sits in the placeholder team "players"; regroup them into agencies or nations;',
        "#   - objectives: give each a core capability (HSEEP or your framework's name);",
        "#   - scoring: add expectations so each objective is measured (see docs/authoring.md);",
        "#   - decisions: add a `decision:` to injects where players must choose;",
        "#   - untimed (contingency) injects: give each a `when:` condition or schedule it from an option.",
        "# Then run `tabletop validate` and `tabletop lint` on this file.",
    ]
    if skeleton.ignored:
        out.append("# Columns not imported: " + ", ".join(skeleton.ignored) + ".")
    out += [
        "schema: tabletop/1",
        f"id: {yaml_scalar(scenario_id)}",
        f"title: {yaml_scalar(skeleton.title or 'Imported MSEL: ' + Path(source).stem)}  # TODO: the exercise title",
        f"domain: {domain}  # maritime, cyber, cbrn, ct or hybrid",
        f"duration: {format_duration(duration)}  # TODO: how long play lasts",
    ]
    if skeleton.start_clock is not None:
        # The sheet gave clock times; the day is unknown, so today (with this machine's UTC offset) stands in.
        seconds = int(skeleton.start_clock)
        moment = clock_time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        start = datetime.combine(today or date.today(), moment).astimezone()
        out.append(
            f"start: {yaml_scalar(start.isoformat())}  # TODO: the exercise date and UTC offset; "
            f"T+0 is the MSEL's first time, {_hh_mm(seconds)}"
        )
    else:
        out.append('# start: "2026-05-04T09:00:00+08:00"  # TODO: the in-world date and time at T+0, if it matters')
    out += [
        "",
        "teams:",
        "  # TODO: split the roles below into their real agencies and nations.",
        "  - id: players",
        "    name: Players",
        "    kind: cell",
        "",
        "roles:",
    ]
    if not skeleton.roles:
        out += ["  - id: player", "    name: Player", "    team: players"]
    for role_id, role_name in skeleton.roles.items():
        out += [f"  - id: {yaml_scalar(role_id)}", f"    name: {yaml_scalar(role_name)}", "    team: players"]
    if skeleton.objectives:
        out += ["", "objectives:"]
        for objective_id, (text, capability) in skeleton.objectives.items():
            out += [f"  - id: {yaml_scalar(objective_id)}", *yaml_text("text", text, 4)]
            if capability:
                out += yaml_text("capability", capability, 4)
            else:
                out.append("    capability: To be assigned  # TODO: the core capability this objective tests")
    out += ["", "injects:"]
    everyone_only = not skeleton.roles
    timed = sorted((r for r in rows if r.at is not None), key=lambda r: r.at or 0.0)
    for row in timed + [r for r in rows if r.at is None]:
        out.append(f"  - id: {yaml_scalar(row.inject_id)}  # MSEL line {row.line}")
        if row.at is not None:
            out.append(f"    at: {format_duration(row.at)}")
        else:
            trigger = f" (the MSEL says: {row.trigger_note})" if row.trigger_note else ""
            out.append(f"    # TODO: untimed; add `when:` or schedule it from a decision option{trigger}")
        out.append(f"    from: {yaml_scalar(row.sender)}")
        to = ["all"] if everyone_only else row.to
        out.append(f"    to: {yaml_flow_list(to)}")
        out.append(f"    channel: {row.channel}")
        if row.category != "scripted":
            out.append(f"    category: {row.category}")
        out += yaml_text("title", row.title, 4)
        if row.body and row.body != row.title:
            out += yaml_text("body", row.body, 4)
        if row.expected:
            out += yaml_text("expected_action", row.expected, 4)
        if row.objectives:
            out.append(f"    objectives: {yaml_flow_list(row.objectives)}")
        if row.notes:
            out += yaml_text("notes", "\n".join(row.notes), 4)
    out += [
        "",
        "# TODO: measure each objective. For example:",
        "# scoring:",
        "#   expectations:",
        "#     - id: warn-partners",
        "#       objective: <objective id>",
        "#       message_to_any: [<role or team id>]",
        "#       after: <inject id>",
        "#       within: 15m",
    ]
    return "\n".join(out) + "\n"
