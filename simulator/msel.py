"""The Master Scenario Events List: export a scenario as CSV or Markdown, and import a trainer's CSV as a skeleton."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.durations import DurationError, format_clock, format_duration, parse_duration
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
    to: str
    channel: str
    title: str
    body: str
    expected_action: str
    objectives: str
    notes: str
    category: str

    def cells(self) -> list[str]:
        """The cells in COLUMNS order."""
        return [
            str(self.number),
            self.time,
            self.sender,
            self.to,
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


def _recipients(scenario: Scenario, ids: list[str]) -> str:
    names = []
    for actor in ids:
        if actor == "all":
            names.append("Everyone")
        elif actor in {r.id for r in scenario.roles}:
            names.append(scenario.role(actor).name)
        else:
            names.append(scenario.team(actor).name)
    return "; ".join(names)


def msel_rows(scenario: Scenario) -> list[MselRow]:
    """One row per inject: timed ones by time, then conditional and scheduled ones in file order."""
    schedulers = _schedulers(scenario)
    timed = sorted((i for i in scenario.injects if i.at is not None), key=lambda i: i.at or 0.0)
    rest = [i for i in scenario.injects if i.at is None]
    objectives = {o.id: o for o in scenario.objectives}
    rows = []
    for number, inject in enumerate(timed + rest, start=1):
        notes = []
        if inject.decision is not None:
            decision = inject.decision
            options = " / ".join(f"{o.id}: {o.label}" for o in decision.options)
            deadline = f" Deadline {format_duration(decision.deadline)}." if decision.deadline is not None else ""
            notes.append(f"Decision {decision.id}: {decision.prompt} Options: {options}.{deadline}")
        if inject.priority != "normal":
            notes.append(f"Priority {inject.priority}.")
        if inject.attachments:
            notes.append("Attachments: " + "; ".join(a.name for a in inject.attachments) + ".")
        if inject.notes:
            notes.append(inject.notes)
        rows.append(
            MselRow(
                number=number,
                time=_trigger(scenario, inject, schedulers),
                sender=inject.from_,
                to=_recipients(scenario, inject.to),
                channel=inject.channel,
                title=inject.title,
                body=inject.body.strip(),
                expected_action=inject.expected_action,
                objectives="; ".join(
                    f"{objectives[o].text} — {objectives[o].capability}" for o in inject.objectives if o in objectives
                ),
                notes="\n".join(notes),
                category=inject.category,
            )
        )
    return rows


def to_csv(scenario: Scenario) -> str:
    """The MSEL as CSV (RFC 4180 quoting, CRLF line ends as spreadsheets expect)."""
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

_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


class MselImportError(Exception):
    """A CSV that cannot become a scenario; carries `FILE:LINE: error: MESSAGE` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_msel_time(text: str) -> float:
    """Seconds for an MSEL time: 00:15, 0:15:00, T+00:15, 15m, 1h30m or 15 (minutes)."""
    value = text.strip().replace(" ", "")
    if value[:2].upper() == "T+":
        value = value[2:]
    elif value.startswith("+"):
        value = value[1:]
    if not value:
        raise DurationError("empty time")
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if minutes > 59 or seconds > 59:
            raise DurationError(f"{text.strip()!r} is not a time (minutes and seconds run 00–59)")
        return hours * 3600 + minutes * 60 + seconds
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value) * 60  # a bare number in an MSEL counts minutes
    try:
        return parse_duration(value.lower())
    except DurationError:
        raise DurationError(
            f"{text.strip()!r} is not a time; write 00:15, 0:15:00, T+00:15, 15m or 15 (minutes)"
        ) from None


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


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    name = str(path)
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise MselImportError([f"{name}:{line}: error: not a CSV file (binary data); save the sheet as CSV"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows often save "CSV" in the ANSI code page rather than UTF-8.
        return raw.decode("cp1252", errors="replace")


def _split_list(text: str, commas: bool = True) -> list[str]:
    # Commas inside parentheses stay: "Harbour master (port, berth 7)" is one name.
    pattern = r"[;\n]|,(?![^(]*\))" if commas else r"[;\n]"
    return [part.strip() for part in re.split(pattern, text) if part.strip()]


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


def read_msel_csv(path: Path) -> _Skeleton:
    """Parse a trainer's MSEL CSV; raises MselImportError with every problem found."""
    name = str(path)
    try:
        text = _read_text(path)
    except OSError as exc:
        raise MselImportError([f"{name}:1: error: cannot read file: {exc.strerror or exc}"]) from None
    if not text.strip():
        raise MselImportError([f"{name}:1: error: file is empty; expected a header row such as Time,From,To,Inject"])
    first_line = text.lstrip("\n").split("\n", 1)[0]
    # Spreadsheets in many locales separate with ';' (or tabs); take whichever the header uses most.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[str] = []
    skeleton = _Skeleton()
    try:
        header: list[str] | None = None
        header_line = 0
        columns: dict[str, int] = {}
        start_line = 1
        taken_ids: set[str] = set()
        role_ids: dict[str, str] = {}
        objective_ids: dict[str, str] = {}
        row_number = 0  # the row number a spreadsheet shows: records, blank ones included
        for record in reader:
            line = start_line
            start_line = reader.line_num + 1
            row_number += 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = record, line
                for index, cell in enumerate(record):
                    key = " ".join(cell.strip().lower().split())
                    target = HEADER_ALIASES.get(key) or HEADER_ALIASES.get(key.rstrip(".:"))
                    if target is None:
                        skeleton.ignored.append(cell.strip() or f"column {index + 1}")
                    elif target not in columns:
                        columns[target] = index
                if not columns:
                    raise MselImportError(
                        [
                            f"{name}:{line}: error: no MSEL columns in the first row; expected a header such as "
                            "Time,From,To,Channel,Inject,Expected action (is this a CSV file?)"
                        ]
                    )
                if "time" not in columns:
                    problems.append(
                        f"{name}:{line}: error: no time column; name one Time, Scenario time or Time / trigger"
                    )
                if "title" not in columns and "body" not in columns:
                    problems.append(f"{name}:{line}: error: no inject column; name one Inject, Event or Description")
                if problems:
                    raise MselImportError(problems)
                continue

            def cell(key: str, record: list[str] = record) -> str:
                index = columns.get(key)
                return record[index].strip() if index is not None and index < len(record) else ""

            category = cell("category").lower()
            category = "contingency" if "contingen" in category else "noise" if "noise" in category else "scripted"
            time_text = cell("time")
            at: float | None = None
            trigger_note = ""
            if time_text and not time_text.lower().startswith(("when", "scheduled")):
                try:
                    at = parse_msel_time(time_text)
                except DurationError as exc:
                    problems.append(f"{name}:{line}: error: row {row_number}: bad time: {exc}")
                    continue
            elif time_text:
                trigger_note = time_text
            elif category != "contingency":
                problems.append(
                    f"{name}:{line}: error: row {row_number}: no time; give a time such as 00:15, "
                    "or mark the row Contingency in a Category column"
                )
                continue
            title, body = cell("title"), cell("body")
            if not title and not body:
                problems.append(f"{name}:{line}: error: row {row_number}: no inject text (title or description)")
                continue
            if not title:
                first = body.split("\n", 1)[0]
                title = first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"
            recipients = []
            for recipient in _split_list(cell("to")) or ["all"]:
                if recipient.lower() in EVERYONE:
                    recipients.append("all")
                    continue
                key = recipient.lower()
                if key not in role_ids:
                    role_ids[key] = _unique(slugify(recipient), taken_ids, f"role-{len(role_ids) + 1}")
                    skeleton.roles[role_ids[key]] = recipient
                recipients.append(role_ids[key])
            channel_text = cell("channel")
            channel = CHANNEL_ALIASES.get(" ".join(channel_text.lower().split()), "")
            channel_note = ""
            if not channel:
                channel = "briefing"
                channel_note = f"Delivery method in the MSEL: {channel_text}." if channel_text else ""
            objectives = []
            capability_text = cell("capability")
            for objective in _split_list(cell("objective"), commas=False):
                text_part, _, capability = objective.partition(" — ")
                text_part = text_part.strip()
                key = text_part.lower()
                if key not in objective_ids:
                    objective_ids[key] = _unique(
                        short_slug(text_part), taken_ids, f"objective-{len(objective_ids) + 1}"
                    )
                    skeleton.objectives[objective_ids[key]] = (text_part, capability.strip() or capability_text)
                objectives.append(objective_ids[key])
            notes = [cell("notes")] if cell("notes") else []
            if cell("controller"):
                notes.append(f"Controller: {cell('controller')}.")
            if channel_note:
                notes.append(channel_note)
            skeleton.rows.append(
                _Row(
                    line=line,
                    at=at,
                    trigger_note=trigger_note,
                    sender=cell("from") or "Exercise control",
                    to=list(dict.fromkeys(recipients)),
                    channel=channel,
                    channel_note=channel_note,
                    title=title,
                    body=body,
                    expected=cell("expected"),
                    objectives=objectives,
                    notes=notes,
                    category=category,
                )
            )
        if header is None:
            raise MselImportError(
                [f"{name}:1: error: file is empty; expected a header row such as Time,From,To,Inject"]
            )
        for row in skeleton.rows:
            row.inject_id = _unique(slugify(row.title, 40), taken_ids, f"inject-{row.line}")
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}: error: not readable as CSV: {exc}")
    if problems:
        raise MselImportError(problems)
    if not skeleton.rows:
        raise MselImportError([f"{name}:{header_line + 1}: error: the MSEL has a header but no inject rows"])
    return skeleton


def skeleton_yaml(skeleton: _Skeleton, *, scenario_id: str, source: str, domain: str, modeline: str) -> str:
    """The scenario skeleton as commented YAML that validates."""
    rows = skeleton.rows
    last = max((r.at for r in rows if r.at is not None), default=0.0)
    # Leave room after the last timed inject, rounded up to a quarter hour.
    duration = max(1800.0, math.ceil((last + 900) / 900) * 900)
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
        f"title: {yaml_scalar('Imported MSEL: ' + Path(source).stem)}  # TODO: the exercise title",
        f"domain: {domain}  # maritime, cyber, cbrn, ct or hybrid",
        f"duration: {format_duration(duration)}  # TODO: how long play lasts",
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
