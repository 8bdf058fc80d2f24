"""Scenario files → validated `Scenario` models, with every problem reported at FILE:LINE:COL."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import gc
import hashlib
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, Union

import pydantic
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator import safeyaml
from simulator.diagnostics import MAX_PROBLEMS, Problem, ScenarioError
from simulator.durations import parse_duration
from simulator.schema import (
    CONDITION_KEYS,
    EFFECT_KEYS,
    PARTIAL,
    SCHEMA_VERSION,
    AddEffect,
    AfterCondition,
    AllCondition,
    AnyCondition,
    CancelEffect,
    ChoseCondition,
    DecidedCondition,
    DeliveredCondition,
    EndEffect,
    MessageCondition,
    NotCondition,
    ResponseScript,
    Scenario,
    ScheduleEffect,
    ScriptedDecision,
    SetEffect,
    StateCondition,
    StateVar,
    TimedOutCondition,
)

MAX_BYTES = 16 * 1024 * 1024
# Re-validations after mending the nodes that failed, to check references in the rest of a broken file.
# A round mends every error it is shown, so most files settle in two; deeper breakage stops here.
PRUNE_ROUNDS = 5


@dataclasses.dataclass(frozen=True)
class LoadedScenario:
    """A valid scenario with its source text, content hash and node positions (for lint)."""

    scenario: Scenario
    path: str
    text: str
    sha256: str
    positions: safeyaml.Pos

    def where(self, loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of a path in the file."""
        line, col = safeyaml.locate(self.positions, loc, key=key)
        return line + 1, col + 1


@dataclasses.dataclass(frozen=True)
class _Kind:
    """What a document is: its model, and how to tell an author what its top level should hold."""

    root: type[BaseModel]
    unreadable: str  # prefix of an OSError message
    empty: str  # message for a file with no data
    top_level: str  # "the top level must be …, not {kind}"


_SCENARIO = _Kind(
    Scenario,
    "cannot read file",
    "a scenario starts with `schema: tabletop/1`",
    "a mapping of scenario fields",
)
_RESPONSE = _Kind(
    ResponseScript,
    "cannot read response file",
    "a response file holds `decisions:` and/or `messages:`",
    "a mapping with `decisions` and/or `messages`",
)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError listing every problem."""
    return load_file(path).scenario


def load_file(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file, keeping its text and positions."""
    return load_bytes(_read(path, _SCENARIO), str(path))


def load_bytes(raw: bytes, name: str = "<scenario>") -> LoadedScenario:
    """Validate scenario bytes (UTF-8 YAML)."""
    return load_text(_decode(raw, name), name, sha256=hashlib.sha256(raw).hexdigest())


def load_text(text: str, name: str = "<scenario>", *, sha256: str | None = None) -> LoadedScenario:
    """Validate scenario text."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    data, positions, found = _parse(text, name, _SCENARIO)
    _refuse_the_other_kind(data, positions, name, _SCENARIO)
    scenario = _validate(_SCENARIO, data, positions, text, found, _reference_findings)
    return LoadedScenario(scenario, name, text, sha256, positions)


def _validate(
    kind: _Kind,
    data: Any,
    positions: safeyaml.Pos,
    text: str,
    found: _Found,
    references: Callable[[Any], Iterator[_Finding]],
) -> Any:
    """The document validated as its kind's model, its references checked; raises ScenarioError with every problem."""
    try:
        value = kind.root.model_validate(data)
    except pydantic.ValidationError as exc:
        # Only a broken file pays for this: its references are checked in what remains once the
        # broken parts are mended or cut away, so one run reports every problem.
        errors = _schema_problems(exc, positions, text, kind.root, found)
        readable, findings = _partial_references(data, kind.root, errors, references)
        for loc, message in findings:
            found.add(*_where(positions, loc, key=_is_dict_key(loc, kind.root)), message)
        raise found.error(readable) from None
    for finding in references(value):
        found.add(*_where(positions, finding.loc, key=_is_dict_key(finding.loc, kind.root)), finding.text)
    if found:
        raise found.error(Readable(value))
    return value


def load_response_file(path: str | Path, scenario: Scenario) -> ResponseScript:
    """Read a response file (YAML with `decisions` and `messages`) and check it against the scenario.

    Raises ScenarioError listing every problem, worded and positioned as for scenario files.
    """
    return load_response_bytes(_read(path, _RESPONSE), str(path), scenario)


def load_response_bytes(raw: bytes, name: str, scenario: Scenario) -> ResponseScript:
    """A response file's bytes (UTF-8 YAML), checked against the scenario."""
    return load_response_text(_decode(raw, name), name, scenario)


def load_response_text(text: str, name: str, scenario: Scenario) -> ResponseScript:
    """A response file's text, checked against the scenario."""
    data, positions, found = _parse(text, name, _RESPONSE)
    _refuse_the_other_kind(data, positions, name, _RESPONSE)

    def references(script: Any) -> Iterator[_Finding]:
        return _script_findings(scenario, script)

    return _validate(_RESPONSE, data, positions, text, found, references)


def _read(path: str | Path, kind: _Kind) -> bytes:
    try:
        with Path(path).open("rb") as handle:
            # One byte past the limit is enough to know the file is too large, without reading it all.
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 1, 1, f"{kind.unreadable}: {exc.strerror or exc}")]) from None


# Byte order marks of encodings that are not UTF-8, longest first: UTF-32 LE starts like UTF-16 LE.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise ScenarioError([Problem(name, 1, 1, f"file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit")])
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            raise ScenarioError([Problem(name, 1, 1, f"file is {encoding} text; save it as UTF-8")])
    if b"\x00" in raw:
        encoding = _wide_text(raw)
        if encoding:
            raise ScenarioError([Problem(name, 1, 1, f"file is {encoding} text; save it as UTF-8")])
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError([Problem(name, line, 1, "file is binary (contains NUL bytes), not a YAML text file")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        # Count characters, not bytes, before the bad byte so the column matches an editor's.
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", errors="replace")) + 1
        bad = raw[exc.start]
        raise ScenarioError(
            [Problem(name, line, col, f"file is not valid UTF-8 text (byte 0x{bad:02x}); save it as UTF-8")]
        ) from None


def _wide_text(raw: bytes) -> str | None:
    """The wide encoding (UTF-16 or UTF-32) of text saved without a byte order mark, if it is one.

    Such text is full of NUL bytes and would otherwise be reported as binary.
    """
    sample = raw[:4096]
    for codec, encoding in (
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
    ):
        width = 4 if encoding == "UTF-32" else 2
        try:
            text = sample[: len(sample) - len(sample) % width].decode(codec)
        except UnicodeDecodeError:
            continue
        # YAML keys are ASCII, so real text is mostly ASCII; binary decoded this way rarely is.
        ascii_share = sum(ch.isascii() and (ch.isprintable() or ch in "\t\r\n") for ch in text) / max(len(text), 1)
        if "\x00" not in text and ascii_share > 0.8:
            return encoding
    return None


def _parse(text: str, name: str, kind: _Kind) -> tuple[dict[Any, Any], safeyaml.Pos, _Found]:
    """Data and positions of a document whose top level is a mapping; a problem that stops reading raises."""
    if not text.strip():
        raise ScenarioError([Problem(name, 1, 1, f"file is empty; {kind.empty}")])
    # Parsing allocates many small objects that all survive; pausing the cyclic collector
    # during the parse roughly halves its cost.
    enabled = gc.isenabled()
    gc.disable()
    try:
        data, positions, soft = safeyaml.parse(text)
    except safeyaml.YamlError as exc:
        raise ScenarioError([Problem(name, exc.line + 1, exc.col + 1, exc.message)]) from None
    finally:
        if enabled:
            gc.enable()
    found = _Found(name)
    for e in soft:
        found.add(e.line + 1, e.col + 1, e.message)
    if data is None:
        raise ScenarioError([Problem(name, 1, 1, f"file holds no data; {kind.empty}")])
    if not isinstance(data, dict):
        shown = "a list" if isinstance(data, list) else f"a single value ({str(data)[:40]!r})"
        line, col = positions[0] + 1, positions[1] + 1
        raise ScenarioError([Problem(name, line, col, f"the top level must be {kind.top_level}, not {shown}")])
    return data, positions, found


_RESPONSE_KEYS = frozenset({"decisions", "messages"})


def _refuse_the_other_kind(data: dict[Any, Any], positions: safeyaml.Pos, name: str, kind: _Kind) -> None:
    """One error for a response file read as a scenario, or a scenario read as a response file.

    Swapping the two on the command line is an easy slip; checked field by field, either file
    would print a screenful of unknown and missing keys that hides what went wrong.
    """
    keys = {key for key in data if isinstance(key, str)}
    if kind is _SCENARIO and keys and keys <= _RESPONSE_KEYS and len(keys) == len(data):
        first = next(iter(data))
        message = (
            f"this is a response file (`{first}:`), not a scenario; "
            "play it with `tabletop simulate SCENARIO --policy FILE`"
        )
    elif kind is _RESPONSE and "schema" in keys and not keys & _RESPONSE_KEYS:
        first = "schema"
        message = (
            "this is a scenario file (`schema:`), not a response file; a response file holds `decisions:` "
            "and/or `messages:`, shaped like a scenario's `model:` section"
        )
    else:
        return
    line, col = _where(positions, (first,), key=True)
    raise ScenarioError([Problem(name, line, col, message)])


def _where(positions: safeyaml.Pos, loc: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    line, col = safeyaml.locate(positions, loc, key=key)
    return line + 1, col + 1


_Message = str | Callable[[], str]
"""A problem's text, or a function that makes it (for texts that cost a did-you-mean search)."""


class _Found:
    """The problems of one file, collected in any order.

    A file can hold hundreds of thousands of problems (a pasted blob of unknown keys). Only the
    first MAX_PROBLEMS by position are shown, so messages that cost a did-you-mean search are made
    only for those: collecting stays linear and cheap per problem.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[tuple[int, int, _Message]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, line: int, col: int, message: _Message) -> None:
        self.items.append((line, col, message))

    def error(self, readable: Readable | None = None) -> ScenarioFileError:
        items = sorted(self.items, key=lambda item: (item[0], item[1]))
        last_shown = (items[MAX_PROBLEMS - 1][0], items[MAX_PROBLEMS - 1][1]) if len(items) > MAX_PROBLEMS else None
        problems = []
        for line, col, message in items:
            if last_shown is not None and (line, col) > last_shown:
                # Never shown (ScenarioError keeps the first MAX_PROBLEMS); only counted.
                text = ""
            else:
                text = message if isinstance(message, str) else message()
            problems.append(Problem(self.name, line, col, text))
        return ScenarioFileError(problems, self, readable)

    def every_problem(self) -> list[Problem]:
        """Every problem with its text, in the order ScenarioError gives them."""
        problems = [
            Problem(self.name, line, col, message if isinstance(message, str) else message())
            for line, col, message in self.items
        ]
        return sorted(problems, key=lambda p: (p.line, p.col, p.message))


class ScenarioFileError(ScenarioError):
    """The problems of a file that could be parsed: as ScenarioError (at most MAX_PROBLEMS shown), and more.

    `every_problem()` lists them all, for tools (a terminal needs the cap, a JSON reader does not);
    `readable` is what could be read despite them (None when nothing sensible could be).
    """

    def __init__(self, problems: list[Problem], found: _Found, readable: Readable | None) -> None:
        super().__init__(problems)
        self.total = len(problems)
        self.readable = readable
        self._found = found

    def every_problem(self) -> list[Problem]:
        """All the problems, none left out; texts past the first MAX_PROBLEMS are made now (a search each)."""
        return self._found.every_problem()


# --------------------------------------------------------------------------- schema errors


@dataclasses.dataclass
class _Error:
    """One pydantic error, its path through the data, and the union branch it came from."""

    raw: Any
    kind: str
    data_loc: tuple[Any, ...]  # the path through the YAML nodes (union tags and branch labels removed)
    target: Any  # the schema type at the end of the path
    union_at: tuple[Any, ...] | None = None  # data path of the plain union whose branch failed
    branch: Any = None  # the union member the error came from
    owner: Any = None  # the schema type holding the last part of the path
    on_key: bool = False  # a mapping key, not its value, is wrong


def _schema_problems(
    exc: pydantic.ValidationError, positions: safeyaml.Pos, text: str, root: type[BaseModel], found: _Found
) -> list[_Error]:
    """Adds the problems pydantic found; returns its errors, classified, for cutting the broken parts away."""
    errors = _merge_union_branches([_classify(e, root) for e in exc.errors(include_url=False)])
    _schema_problems_of(errors, positions, text, found)
    return errors


def _schema_problems_of(errors: list[_Error], positions: safeyaml.Pos, text: str, found: _Found) -> None:
    # A typo shows up as one "extra" and one "missing" error; report it once, as a typo.
    missing: dict[tuple[Any, ...], list[str]] = {}
    for e in errors:
        if e.kind == "missing":
            missing.setdefault(e.data_loc[:-1], []).append(str(e.data_loc[-1]))
    explained: set[tuple[Any, ...]] = set()
    source = _Source(text)

    def add(loc: tuple[Any, ...], message: _Message, *, key: bool = False) -> None:
        found.add(*_where(positions, loc, key=key), message)

    for e in errors:
        if e.kind != "extra_forbidden":
            continue
        loc = e.data_loc
        field = str(loc[-1])
        parent = _models_in(e.owner)
        combined = _two_kinds(parent, field)
        if combined:
            add(loc, combined, key=True)
            continue
        # A close missing key is the typo; decided now, since it hides that key's "missing" error.
        absent = missing.get(loc[:-1])
        typo = difflib.get_close_matches(field, absent, n=1, cutoff=0.6) if absent else []
        if typo:
            explained.add(loc[:-1] + (typo[0],))
            add(loc, f"unknown key {field!r} (did you mean {typo[0]!r}?)", key=True)
        else:
            # Searching every allowed key is the costly part, so it waits until the problem is shown.
            add(loc, functools.partial(_unknown_key, field, parent), key=True)
    for e in errors:
        if e.kind == "extra_forbidden" or e.data_loc in explained:
            continue
        if e.kind in ("condition", "effect"):
            add(*_union_tag_problem(e))
        elif _is_rule_error(e):
            loc, message, on_key = _validator_problem(e, positions)
            add(loc, message, key=on_key)
        elif e.kind == "invalid_key" or e.on_key:
            add(e.data_loc, _key_message(e), key=True)
        elif e.kind != "missing":
            line, col = _where(positions, e.data_loc)
            found.add(line, col, _message(e) + _source_hint(e, source.token(line, col)))
    # Each missing key on its own line, in the order of the schema, at the mapping that lacks it.
    for parent_loc, names in missing.items():
        for field in names:
            if parent_loc + (field,) not in explained:
                add(parent_loc, f"missing required key {field!r}")


def _unknown_key(field: str, parent: list[type[BaseModel]]) -> str:
    allowed = sorted({f.alias or n for model in parent for n, f in model.model_fields.items()})
    guess = difflib.get_close_matches(field, allowed, n=1, cutoff=0.6)
    if guess:
        return f"unknown key {field!r} (did you mean {guess[0]!r}?)"
    if allowed:
        return f"unknown key {field!r}; expected one of: " + ", ".join(allowed)
    return f"unknown key {field!r}"


class _Source:
    """The text of a file, split into lines only when a message needs to quote it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    def token(self, line: int, col: int) -> str:
        """The scalar as written at a 1-based position: up to a comment, a flow separator or the line end."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        if not 0 < line <= len(self._lines):
            return ""
        rest = self._lines[line - 1][col - 1 :]
        if rest[:1] in ("'", '"'):
            end = rest.find(rest[0], 1)
            return rest[: end + 1] if end > 0 else rest
        return re.split(r"\s#|[,\]}]|\s*$", rest, maxsplit=1)[0].strip()


_UNDERSCORED = re.compile(r"[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9_]+)?\Z")


def _source_hint(e: _Error, token: str) -> str:
    """A hint that quotes what the author wrote, when YAML read it as something else than they meant."""
    value = e.raw.get("input")
    if len(token) > 40:  # a hint that repeats a 4,000-digit number helps nobody
        return ""
    if e.kind == "string_type" and isinstance(value, (int, float, bool)) and token and token[0] not in "'\"":
        # `name: 007` reads as the number 7; quoting keeps the text as written.
        return f' (write "{token}" in quotes to keep it as text)'
    if e.kind == "float_type" and isinstance(value, str):
        if "_" in value and _UNDERSCORED.match(value):
            return f" (YAML 1.2 reads {value} as text; write {value.replace('_', '')})"
        if token[:1] in ("'", '"') and _is_number(value):
            return " (remove the quotes to make it a number)"
    return ""


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _classify(error: Any, root: type[BaseModel] = Scenario) -> _Error:
    loc = tuple(error["loc"])
    on_key = bool(loc) and loc[-1] == "[key]"
    if on_key:
        loc = loc[:-1]
    current: Any = root
    data: list[Any] = []
    result = _Error(error, error["type"], (), None, on_key=on_key)
    for part in loc:
        result.owner = current
        step, following = _advance(current, part)
        if step == "data":
            data.append(part)
        elif step == "branch":
            result.union_at, result.branch = tuple(data), following
        current = following
    if error["type"] == "invalid_key" and data and data[-1] == "None":
        # pydantic names a null key by its text; the node is keyed by None itself.
        data[-1] = None
    result.data_loc = tuple(data)
    result.target = current
    return result


def _advance(annotation: Any, part: Any) -> tuple[str, Any]:
    """One step along an error path: ("data", type) for a node, ("tag"/"branch", type) for a union member."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _advance(members[0], part)
        for member in members:
            if any(isinstance(meta, pydantic.Tag) and meta.tag == part for meta in _metadata(member)):
                return "tag", _unwrap(member)
        for member in members:
            if part == _branch_label(member):
                return "branch", member
        for member in members:
            step, following = _advance(member, part)
            if following is not None:
                return step, following
        return "data", None
    if origin is list and isinstance(part, int):
        return "data", typing.get_args(annotation)[0]
    if origin is dict:
        return "data", typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "data", _fields_by_key(annotation).get(part)
    return "data", None


@functools.cache
def _fields_by_key(model: type[BaseModel]) -> dict[Any, Any]:
    # Looked up once per error path step; a file can have hundreds of thousands of errors.
    return {key: f.annotation for name, f in model.model_fields.items() for key in (name, f.alias) if key}


def _is_dict_key(loc: tuple[Any, ...], root: type[BaseModel] = Scenario) -> bool:
    """Whether a path ends at a key the author chose (a variable or decision id), which is what names it."""
    current: Any = root
    for part in loc[:-1]:
        step, current = _advance(current, part)
        if step == "tag":  # a condition or effect's tag is also its first key
            _, current = _advance(current, part)
    return typing.get_origin(_unwrap(current)) is dict


def _metadata(annotation: Any) -> tuple[Any, ...]:
    return annotation.__metadata__ if typing.get_origin(annotation) is typing.Annotated else ()


def _branch_label(annotation: Any) -> str:
    """The name pydantic gives a member of a plain (undiscriminated) union in error paths."""
    if any(isinstance(meta, pydantic.StringConstraints) for meta in _metadata(annotation)):
        return "constrained-str"
    annotation = _unwrap(annotation)
    return getattr(annotation, "__name__", str(annotation))


def _merge_union_branches(errors: list[_Error]) -> list[_Error]:
    """One error per plain union: the branch that got furthest, or one "expected X or Y" if none did."""
    groups: dict[tuple[Any, ...], list[_Error]] = {}
    for e in errors:
        if e.union_at is not None:
            groups.setdefault(e.union_at, []).append(e)
    result = [e for e in errors if e.union_at is None]
    for union_at, group in groups.items():
        shallow = [e for e in group if e.data_loc == union_at and e.kind.endswith("_type")]
        deep = [e for e in group if e not in shallow]
        if deep:
            result.extend(deep)
            continue
        kinds = " or ".join(dict.fromkeys(_branch_description(e.branch) for e in group))
        first = group[0]
        merged = dict(first.raw, type="union_type", msg=f"expected {kinds}")
        result.append(_Error(merged, "union_type", union_at, None))
    return result


def _branch_description(annotation: Any) -> str:
    models = _models_in(annotation)
    if models:
        fields = ", ".join(f.alias or n for n, f in models[0].model_fields.items())
        return f"a mapping ({fields})"
    if _branch_label(annotation) == "constrained-str":
        return "an id"
    return f"a {_branch_label(annotation)}"


_UNION_KINDS = {
    "condition": ("condition", CONDITION_KEYS, "all: [...] or any: [...]"),
    "effect": ("effect", EFFECT_KEYS, "separate effects in the list"),
}


def _two_kinds(models: list[type[BaseModel]], field: str) -> str | None:
    """The message for a condition or effect that names two kinds at once, or None."""
    for model in models:
        if model not in _TAGS_BY_MODEL:
            continue
        noun, keys, remedy = _UNION_KINDS["effect" if model in _EFFECT_MODELS else "condition"]
        if field in keys:
            tag = _TAGS_BY_MODEL[model][0]
            return f"this {noun} has both {tag!r} and {field!r}; one {noun} takes one kind (write {remedy})"
    return None


def _union_tag_problem(e: _Error) -> tuple[tuple[Any, ...], str]:
    noun, keys, _ = _UNION_KINDS[e.kind]
    value = e.raw.get("input")
    example = "{delivered: INJECT}" if noun == "condition" else "{schedule: INJECT}"
    if not isinstance(value, dict):
        return e.data_loc, f"expected {_article(noun)} {noun}, a mapping such as {example}, got {_describe(value)}"
    for key in value:
        guess = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.6)
        if guess:
            return e.data_loc + (key,), f"unknown {noun} {key!r} (did you mean {guess[0]!r}?)"
    found = ", ".join(repr(k) for k in value) or "none"
    return e.data_loc, f"{_article(noun)} {noun} needs one of: {', '.join(keys)} (keys found: {found})"


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _validator_problem(e: _Error, positions: safeyaml.Pos) -> tuple[tuple[Any, ...], str, bool]:
    """A rule across fields: point at the last key it names that the mapping has, else at the mapping."""
    message = _message(e)
    value = e.raw["input"]
    named = re.findall(r"`([a-z_]+)`", message) + re.findall(r"\b([a-z_]+)\b", message)
    present = [key for key in value if key in named]
    loc = e.data_loc
    if present:
        loc = max((loc + (key,) for key in present), key=lambda k: _where(positions, k, key=True))
    model = next(iter(_models_in(e.target)), None)
    if model is not None and isinstance(value.get("id"), str):
        message = f"{model.__name__.lower()} {value['id']!r}: {_unprefixed(e)}"
    elif model is StateVar and e.data_loc:
        message = f"state variable {e.data_loc[-1]!r}: {_unprefixed(e)}"
    return loc, message, bool(present)


def _unprefixed(e: _Error) -> str:
    message = str(e.raw["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    # pydantic's wording for list lengths; an author never sees a validation step.
    return message.replace(" after validation", "")


_KEY_KINDS = {int: "number", float: "number", bool: "boolean"}


def _key_message(e: _Error) -> str:
    key = e.raw.get("input")
    if key is None:
        # The source may say `null`, `~` or nothing at all; each reads the same once parsed.
        return "keys must be text, but this key reads as null (as `null`, `~` and an empty key do); quote it to use it as text"
    shown = str(key).lower() if isinstance(key, bool) else str(key)
    kind = _KEY_KINDS.get(type(key), type(key).__name__)
    return f'keys must be text, but this key reads as the {kind} {shown} (write "{shown}" to use it as text)'


def _message(e: _Error) -> str:
    error = e.raw
    loc = e.data_loc
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "value")
    kind = e.kind
    if kind == "missing":
        return f"missing required key {field!r}"
    message = _unprefixed(e)
    if kind == "union_type":
        return f"{field}: {message}, got {_describe(error.get('input'))}"
    if kind == "finite_number":
        return f"{field}: must be a finite number, got {error.get('input')}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        value = error["input"]
        guess = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        return f"{field}: {_describe(value)} is not one of: {', '.join(choices)}{hint}"
    if kind in ("too_short", "string_too_short") and error.get("ctx", {}).get("min_length") == 1:
        return f"{field}: must not be empty"
    if kind == "string_pattern_mismatch":
        return (
            f"{field}: {error['input']!r} is not a valid id "
            "(letters, digits, '-', '_', '.'; starting with a letter or digit; at most 64 characters)"
        )
    big = error.get("input")
    if type(big) is int and kind == "float_type" and abs(big) > sys.float_info.max:
        # YAML reads any run of digits as an integer; past a float's range it is no usable number.
        return f"{field}: a number of {len(str(abs(big))):,} digits is too large (the largest is about 1.8e308)"
    if kind in _EXPECTED:
        value = error.get("input")
        hint = f" (write [{value}] for a list of one)" if kind == "list_type" and isinstance(value, str) else ""
        if kind == "model_type" and isinstance(value, str) and ScriptedDecision in _models_in(e.target):
            # The natural shorthand for an answer is the option alone; say how to write it.
            hint = f" (write {field}: {{option: {value}}})"
        return f"{field}: expected {_EXPECTED[kind]}, got {_describe(value)}{hint}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{field}: {message[0].lower()}{message[1:]}, got {_describe(error.get('input'))}"
    return f"{field}: {message[0].lower()}{message[1:]}".replace(": input should be ", ": must be ", 1)


_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):  # as YAML writes it, not as Python does
        return "true" if value else "false"
    return repr(value)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


_TAGS_BY_MODEL: dict[type, tuple[str, ...]] = {
    AllCondition: ("all",),
    AnyCondition: ("any",),
    NotCondition: ("not",),
    DecidedCondition: ("decided",),
    ChoseCondition: ("chose",),
    TimedOutCondition: ("timed_out",),
    AfterCondition: ("after",),
    DeliveredCondition: ("delivered",),
    StateCondition: ("state",),
    MessageCondition: ("message",),
    SetEffect: ("set",),
    AddEffect: ("add",),
    ScheduleEffect: ("schedule",),
    CancelEffect: ("cancel",),
    EndEffect: ("end",),
}
_EFFECT_MODELS = (SetEffect, AddEffect, ScheduleEffect, CancelEffect, EndEffect)


# --------------------------------------------------------------------------- references in a broken file

_PLACEHOLDER = "tabletop-placeholder"
"""The reserved id and text of a stand-in: findings that name it are about the stand-in, never reported."""
_NO_STAND_IN = object()
# Stand-ins the generic rules of `_stand_in` cannot make: the version has one accepted value.
_STAND_IN_OVERRIDES: dict[tuple[type[BaseModel], str], Any] = {(Scenario, "schema"): SCHEMA_VERSION}
# Models a stand-in may nest, tried shallowest first: a condition stand-in stays {decided: …}
# rather than {all: [{any: […]}]}, and recursive unions end.
_STAND_IN_DEPTHS = (1, 2, 3)
# The kinds of id each top-level list or mapping of a scenario defines.
_DEFINES = {
    "teams": ("team",),
    "roles": ("role",),
    "state": ("state variable",),
    "objectives": ("objective",),
    "injects": ("inject", "decision", "option"),
}
# A dangling-id finding is excused when the id may be defined in a part that was cut away or stood in for.
_EXCUSED_BY = {
    "team": ("team",),
    "role": ("role",),
    "role or team": ("role", "team"),
    "state variable": ("state variable",),
    "objective": ("objective",),
    "inject": ("inject",),
    "decision": ("decision",),
    "inject or decision": ("inject", "decision"),
    "option": ("option",),
}
_CUT = object()


@dataclasses.dataclass(frozen=True)
class _StandIn:
    """A value put in place of a required one that is missing or broken, so its object can stay."""

    value: Any


_Edits = dict[tuple[Any, ...], Any]
"""Path in the file's own data → _CUT or a _StandIn."""


@dataclasses.dataclass
class _Touched:
    """The parts of a broken file cut away or stood in for (in the file's own paths), and what they defined."""

    edits: _Edits
    ids: dict[str, set[str]]  # kind → ids defined inside touched parts
    whole: set[str]  # kinds whose every definition was touched

    def inside(self, loc: tuple[Any, ...]) -> bool:
        return any(loc[:n] in self.edits for n in range(1, len(loc) + 1))

    def near(self, loc: tuple[Any, ...]) -> bool:
        """Whether an edit is at, inside or around a path."""
        return any(path[: len(loc)] == loc or loc[: len(path)] == path for path in self.edits)

    def excuses(self, finding: _Finding) -> bool:
        if finding.value == _PLACEHOLDER or any(self.near(path) for path in finding.depends):
            return True
        for kind in _EXCUSED_BY.get(finding.kind, ()):
            if kind in self.whole:
                return True
            value = f"{finding.decision}/{finding.value}" if kind == "option" else finding.value
            if value in self.ids.get(kind, ()) or (kind == "option" and f"{finding.decision}/*" in self.ids["option"]):
                return True
        return False


@dataclasses.dataclass(frozen=True)
class Readable:
    """What could be read of a file with problems: its model (with stand-ins) and which parts came from the file."""

    model: Any  # a Scenario or ResponseScript
    edits: _Edits = dataclasses.field(default_factory=dict)
    maps: dict[tuple[Any, ...], list[int]] = dataclasses.field(default_factory=dict)

    def read(self, path: tuple[Any, ...]) -> bool:
        """Whether the node at a path of the model came from the file: neither it nor what holds it was touched.

        A list cut whole reads as empty in the model, and a stand-in is not the author's; parts cut
        from inside it (a broken item) only leave it shorter.
        """
        loc = _original(path, self.maps)
        return not any(loc[:n] in self.edits for n in range(1, len(loc) + 1))


def _partial_references(
    data: dict[Any, Any],
    root: type[BaseModel],
    errors: list[_Error],
    references: Callable[[Any], Iterator[_Finding]],
) -> tuple[Readable | None, list[tuple[tuple[Any, ...], _Message]]]:
    """What can be read of a file that failed validation, and the reference problems found in it.

    Each round mends what pydantic refused and validates again. A required value that is missing or
    broken gets a stand-in that validates (so the object holding it, and the references inside it,
    stay); anything else that failed is cut: an unknown key, an optional value, a list item, or an
    object none of whose broken required values has a stand-in. Rules across fields are not enforced
    in these rounds (their error is reported; they name no ids). Findings inside touched parts, and
    dangling ids that a touched part may define, are not reported: fixing the schema problem may fix them.
    """
    edits: _Edits = {}
    maps: dict[tuple[Any, ...], list[int]] = {}
    for round_ in range(PRUNE_ROUNDS):
        grew = False
        for e in errors:
            if _is_rule_error(e):
                continue  # not enforced below: nothing to mend
            repair = _repair(e, root)
            if repair is None:
                return None, []  # the top level itself is wrong: nothing sensible remains
            original = _original(repair[0], maps)
            if original not in edits:
                edits[original] = repair[1]
                grew = True
        if round_ and not grew:
            return None, []
        maps = {}
        current = _edited(data, _trie(edits), (), maps)
        try:
            partial = root.model_validate(current, context=PARTIAL)
        except pydantic.ValidationError as again:
            errors = _merge_union_branches([_classify(raw, root) for raw in again.errors(include_url=False)])
            continue
        break
    else:
        return None, []
    touched = _touched(data, edits, root)
    found: list[tuple[tuple[Any, ...], _Message]] = []
    # Findings share their sets of candidates; each set is redone once, not once per finding.
    candidates: dict[tuple[int, str], tuple[Any, frozenset[str]]] = {}
    for finding in references(partial):
        loc = _original(finding.loc, maps)
        moved = dataclasses.replace(finding, depends=tuple(_original(path, maps) for path in finding.depends))
        if touched.inside(loc) or touched.excuses(moved):
            continue
        if finding.kind:
            key = (id(finding.known), finding.kind)
            if key not in candidates:
                # A stand-in id is no candidate; an id defined in a touched part still exists, and may
                # be the one meant.
                extra = {i for kind in _EXCUSED_BY.get(finding.kind, ()) if kind != "option" for i in touched.ids[kind]}
                candidates[key] = (finding.known, (frozenset(finding.known) | extra) - {_PLACEHOLDER})
            finding = dataclasses.replace(finding, known=candidates[key][1])
        found.append((loc, finding.text))
    return Readable(partial, edits, maps), found


def _is_rule_error(e: _Error) -> bool:
    """Whether an error is a rule across the fields of one object (a model validator), not one field's."""
    return (
        e.kind in ("value_error", "assertion_error")
        and isinstance(e.raw.get("input"), dict)
        and bool(_models_in(e.target))
    )


def _repair(e: _Error, root: type[BaseModel]) -> tuple[tuple[Any, ...], Any] | None:
    """The path to mend for one error and how: a stand-in for a required value, else a cut; None for the top level.

    A required value without a stand-in climbs to the object holding it, since the object fails without it.
    """
    path = e.data_loc
    if e.kind == "extra_forbidden" and path:
        return path, _CUT  # an unknown key: without it the object may well be whole
    # The error knows the model that holds its last key; a path alone does not, when a condition or
    # effect names two kinds ({state: …, all: …}) and the key is one kind's tag.
    owners = _models_in(e.owner)
    field = _field_named(owners, path[-1]) if owners and path else None
    while path:
        if field is None:
            field = _field_at(path, root)
        if field is None or not field[0].model_fields[field[1]].is_required():
            return path, _CUT
        stand_in = _field_stand_in(*field)
        if stand_in is not _NO_STAND_IN:
            return path, _StandIn(stand_in)
        path, field = path[:-1], None
    return None


def _field_at(path: tuple[Any, ...], root: type[BaseModel]) -> tuple[type[BaseModel], str] | None:
    """The model field a path ends at (by name or alias), or None for a list item, mapping entry or unknown key."""
    current: Any = root
    for part in path[:-1]:
        step, current = _advance(current, part)
        if step == "tag":  # a condition or effect's tag is also its first key
            _, current = _advance(current, part)
        if current is None:
            return None
    step, member = _advance(current, path[-1])
    return _field_named(_models_in(member) if step == "tag" else _models_in(current), path[-1])


def _field_named(models: list[type[BaseModel]], key: Any) -> tuple[type[BaseModel], str] | None:
    for model in models:
        for name, field in model.model_fields.items():
            if isinstance(key, str) and key in (name, field.alias):
                return model, name
    return None


@functools.cache
def _field_stand_in(model: type[BaseModel], name: str) -> Any:
    """A value the field accepts, or _NO_STAND_IN. Shared between uses: never changed in place."""
    field = model.model_fields[name]
    annotation = _annotated(field)
    value = _STAND_IN_OVERRIDES.get((model, field.alias or name), _NO_STAND_IN)
    for depth in _STAND_IN_DEPTHS:
        if value is not _NO_STAND_IN:
            break
        value = _stand_in(annotation, depth)
    if value is _NO_STAND_IN:
        return value
    # Only a stand-in the schema accepts can keep its object; checked once per field.
    try:
        pydantic.TypeAdapter(annotation).validate_python(value, context=PARTIAL)
    except pydantic.ValidationError:
        return _NO_STAND_IN
    return value


def _annotated(field: FieldInfo) -> Any:
    """A field's type with its constraints, as pydantic would check it."""
    if not field.metadata:
        return field.annotation
    return typing.Annotated[(field.annotation, *field.metadata)]


def _stand_in(annotation: Any, depth: int) -> Any:
    """A neutral value of a type, nesting at most `depth` models, or _NO_STAND_IN."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        if any(isinstance(m, pydantic.BeforeValidator) and m.func is parse_duration for m in args[1:]):
            return "1s"  # with its unit, and longer than 0s wherever that is required
        return _stand_in(args[0], depth)
    if origin is Literal:
        return args[0]
    if origin in (Union, types.UnionType):
        for member in args:
            value = _stand_in(member, depth) if member is not type(None) else _NO_STAND_IN
            if value is not _NO_STAND_IN:
                return value
        return _NO_STAND_IN
    if origin is list:
        item = _stand_in(args[0], depth)
        return _NO_STAND_IN if item is _NO_STAND_IN else [item]  # one item, for lists that must not be empty
    if origin is dict:
        key, value = _stand_in(args[0], depth), _stand_in(args[1], depth)
        return _NO_STAND_IN if _NO_STAND_IN in (key, value) else {key: value}
    if annotation is str:
        return _PLACEHOLDER  # a valid id and a valid text
    if annotation in (float, int):
        return annotation(0)
    if annotation is bool:
        return False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and depth > 0:
        out = {}
        for name, field in annotation.model_fields.items():
            if field.is_required():
                value = _STAND_IN_OVERRIDES.get((annotation, field.alias or name), _NO_STAND_IN)
                if value is _NO_STAND_IN:
                    value = _stand_in(_annotated(field), depth - 1)
                if value is _NO_STAND_IN:
                    return value
                out[field.alias or name] = value
        return out
    return _NO_STAND_IN


def _original(loc: tuple[Any, ...], maps: dict[tuple[Any, ...], list[int]]) -> tuple[Any, ...]:
    """A path through the cut-down data as a path through the file's data (list items shift when some go)."""
    out: list[Any] = []
    for part in loc:
        kept = maps.get(tuple(out))
        if kept is not None and type(part) is int and 0 <= part < len(kept):
            part = kept[part]
        out.append(part)
    return tuple(out)


def _trie(edits: _Edits) -> dict[Any, Any]:
    trie: dict[Any, Any] = {}
    for path in sorted(edits, key=len):
        node = trie
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break  # a shorter edit already replaces this part
        else:
            node[path[-1]] = edits[path]
    return trie


def _edited(node: Any, trie: dict[Any, Any], path: tuple[Any, ...], maps: dict[tuple[Any, ...], list[int]]) -> Any:
    """A copy of the data with the edits made; only nodes on an edited path are copied."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            sub = trie.get(key)
            if sub is _CUT:
                continue
            if isinstance(sub, _StandIn):
                out[key] = sub.value
            else:
                out[key] = _edited(value, sub, path + (key,), maps) if sub else value
        for key, sub in trie.items():
            if isinstance(sub, _StandIn) and key not in node:  # a required key the file lacks
                out[key] = sub.value
        return out
    if isinstance(node, list):
        items = []
        kept = []
        for index, value in enumerate(node):
            sub = trie.get(index)
            if sub is _CUT:
                continue
            if isinstance(sub, _StandIn):
                items.append(sub.value)
            else:
                items.append(_edited(value, sub, path + (index,), maps) if sub else value)
            kept.append(index)
        if len(kept) != len(node):
            maps[path] = kept
        return items
    return node


def _touched(data: dict[Any, Any], edits: _Edits, root: type[BaseModel]) -> _Touched:
    """The ids each edited part defined (a superset: an edit inside an object counts its id too)."""
    ids: dict[str, set[str]] = {kind: set() for kinds in _DEFINES.values() for kind in kinds}
    whole: set[str] = set()
    if root is not Scenario:
        return _Touched(edits, ids, whole)
    for path in edits:
        top = path[0]
        if top not in _DEFINES:
            continue
        if len(path) == 1:
            whole.update(_DEFINES[top])
            continue
        item = _at(data, path[:2])
        if top == "state":
            ids["state variable"].add(str(path[1]))
            continue
        if not isinstance(item, dict):
            continue
        if top != "injects":
            _add_id(ids[_DEFINES[top][0]], item)
            continue
        # An inject, its decision, that decision's options, or one option.
        _add_id(ids["inject"], item)
        rest = path[2:]
        decision = item.get("decision")
        if not isinstance(decision, dict) or (rest and rest[0] != "decision"):
            continue
        decision_id = decision.get("id")
        if len(rest) <= 1 or rest[1] != "options":
            _add_id(ids["decision"], decision)
            if len(rest) <= 1 or rest[1] == "id":
                ids["option"].add(f"{decision_id}/*")
        else:
            option = _at(decision, rest[1:3]) if len(rest) >= 3 else None
            ids["option"].add(f"{decision_id}/{option.get('id')}" if isinstance(option, dict) else f"{decision_id}/*")
    return _Touched(edits, ids, whole)


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and type(part) is int and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _add_id(ids: set[str], item: dict[Any, Any]) -> None:
    if isinstance(item.get("id"), str):
        ids.add(item["id"])


# --------------------------------------------------------------------------- references


@dataclasses.dataclass(frozen=True)
class _Finding:
    """A reference problem: where, and either a fixed text or the id that points nowhere.

    For a dangling id the did-you-mean search over every known id is left until the text is
    needed, so a file with thousands of dangling ids does not cost ids × references.
    """

    loc: tuple[Any, ...]
    fixed: str | None = None
    kind: str = ""  # what the dangling id should name: "inject", "role or team", "option", …
    value: str = ""
    known: frozenset[str] | set[str] = frozenset()
    decision: str = ""  # for an option: its decision
    # Paths in the scenario the finding's truth rests on besides its own: when a broken file's
    # check had to touch one of them, the finding may be an artefact of that and is not reported.
    depends: tuple[tuple[Any, ...], ...] = ()

    @property
    def text(self) -> _Message:
        """The message, or a function that makes it."""
        if self.fixed is not None:
            return self.fixed
        return self.message

    def message(self) -> str:
        if self.fixed is not None:
            return self.fixed
        guess = difflib.get_close_matches(self.value, sorted(self.known), n=1, cutoff=0.6)
        if self.kind == "option":
            hint = f" (did you mean {guess[0]!r}?)" if guess else f"; its options are: {', '.join(sorted(self.known))}"
            return f"decision {self.decision!r} has no option {self.value!r}{hint}"
        return f"unknown {self.kind} {self.value!r}" + (f" (did you mean {guess[0]!r}?)" if guess else "")


def check_references(scenario: Scenario) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every duplicate id and dangling reference, as (path, message)."""
    for finding in _reference_findings(scenario):
        yield finding.loc, finding.message()


def check_script_references(
    scenario: Scenario, script: Any, base: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Dangling references in a response script (the model answer or a response file), as (path, message)."""
    for finding in _script_findings(scenario, script, base):
        yield finding.loc, finding.message()


def _reference_findings(scenario: Scenario) -> Iterator[_Finding]:
    """Every duplicate id and dangling reference of a scenario."""
    actors: dict[str, str] = {}
    for kind, items in (("team", scenario.teams), ("role", scenario.roles)):
        for index, item in enumerate(items):
            key = "teams" if kind == "team" else "roles"
            if item.id == "all":
                yield _Finding((key, index, "id"), f'"all" is reserved for everyone and cannot be a {kind} id')
            elif item.id in actors:
                yield _Finding((key, index, "id"), f"duplicate id {item.id!r} (already used by a {actors[item.id]})")
            else:
                actors[item.id] = kind
    teams = {t.id for t in scenario.teams}
    roles = {r.id for r in scenario.roles}
    for index, role in enumerate(scenario.roles):
        if role.team not in teams:
            yield _Finding(("roles", index, "team"), kind="team", value=role.team, known=teams)

    injects: dict[str, int] = {}
    decisions: dict[str, tuple[int, dict[str, int]]] = {}
    for index, inject in enumerate(scenario.injects):
        if inject.id in injects:
            yield _Finding(("injects", index, "id"), f"duplicate inject id {inject.id!r}")
        injects.setdefault(inject.id, index)
        if inject.decision is not None:
            decision = inject.decision
            if decision.id in decisions:
                yield _Finding(("injects", index, "decision", "id"), f"duplicate decision id {decision.id!r}")
            options: dict[str, int] = {}
            for opt_index, option in enumerate(decision.options):
                if option.id in options:
                    yield _Finding(
                        ("injects", index, "decision", "options", opt_index, "id"),
                        f"duplicate option id {option.id!r}",
                    )
                options.setdefault(option.id, opt_index)
            decisions.setdefault(decision.id, (index, options))
    variables = set(scenario.state)
    objectives: set[str] = set()
    for index, objective in enumerate(scenario.objectives):
        if objective.id in objectives:
            yield _Finding(("objectives", index, "id"), f"duplicate objective id {objective.id!r}")
        objectives.add(objective.id)
    dynamics: set[str] = set()
    for index, dynamic in enumerate(scenario.dynamics):
        if dynamic.id in dynamics:
            yield _Finding(("dynamics", index, "id"), f"duplicate dynamic id {dynamic.id!r}")
        dynamics.add(dynamic.id)
    refs = _Refs(actors, roles, set(injects), decisions, variables, objectives)

    for name, var in scenario.state.items():
        yield from refs.actors(("state", name, "visible_to"), var.visible_to)
    for index, dynamic in enumerate(scenario.dynamics):
        base = ("dynamics", index)
        if dynamic.var not in variables:
            yield _Finding(base + ("var",), kind="state variable", value=dynamic.var, known=variables)
        for field in ("when", "until"):
            condition = getattr(dynamic, field)
            if condition is not None:
                yield from refs.condition(base + (field,), condition)
    for index, inject in enumerate(scenario.injects):
        base = ("injects", index)
        yield from refs.actors(base + ("to",), inject.to)
        if inject.when is not None:
            yield from refs.condition(base + ("when",), inject.when)
        for obj_index, objective in enumerate(inject.objectives):
            if objective not in objectives:
                yield _Finding(base + ("objectives", obj_index), kind="objective", value=objective, known=objectives)
        yield from refs.effects(base + ("effects",), inject.effects)
        if inject.decision is not None:
            decision = inject.decision
            if decision.by is not None:
                yield from refs.actors(base + ("decision", "by"), decision.by)
            for opt_index, option in enumerate(decision.options):
                yield from refs.effects(base + ("decision", "options", opt_index, "effects"), option.effects)
            yield from refs.effects(base + ("decision", "on_timeout"), decision.on_timeout)
    expectation_ids: set[str] = set()
    for index, expectation in enumerate(scenario.scoring.expectations):
        base = ("scoring", "expectations", index)
        if expectation.id in expectation_ids:
            yield _Finding(base + ("id",), f"duplicate expectation id {expectation.id!r}")
        expectation_ids.add(expectation.id)
        if expectation.objective not in objectives:
            yield _Finding(base + ("objective",), kind="objective", value=expectation.objective, known=objectives)
        if expectation.by is not None:
            yield from refs.actors(base + ("by",), expectation.by)
        if expectation.after is not None:
            yield from refs.inject_or_decision(base + ("after",), expectation.after)
        if expectation.decision is not None:
            yield from refs.decision(base + ("decision",), expectation.decision)
            chosen = [expectation.option] if expectation.option is not None else expectation.options or []
            field = "option" if expectation.option is not None else "options"
            for opt_index, option in enumerate(chosen):
                path = base + ((field,) if field == "option" else (field, opt_index))
                yield from refs.option(path, expectation.decision, option)
        if expectation.respond is not None and expectation.respond not in injects:
            yield _Finding(base + ("respond",), kind="inject", value=expectation.respond, known=refs.injects)
        for field in ("message_to_any", "message_to_all"):
            targets = getattr(expectation, field)
            if targets is not None:
                yield from refs.actors(base + (field,), targets)
        if expectation.state is not None:
            yield from refs.condition(base + ("state",), expectation.state)
    hotwash: set[str] = set()
    for index, question in enumerate(scenario.hotwash):
        if question.id in hotwash:
            yield _Finding(("hotwash", index, "id"), f"duplicate question id {question.id!r}")
        hotwash.add(question.id)
    if scenario.model is not None:
        yield from _script_findings(scenario, scenario.model, ("model",), in_scenario=True)


def _script_findings(
    scenario: Scenario, script: Any, base: tuple[Any, ...] = (), *, in_scenario: bool = False
) -> Iterator[_Finding]:
    """Dangling references of a response script; `in_scenario` when it is the scenario's own model answer."""
    actors = {t.id: "team" for t in scenario.teams} | {r.id: "role" for r in scenario.roles}
    roles = {r.id for r in scenario.roles}
    injects = {i.id for i in scenario.injects}
    decisions = {d.id: (0, {o.id: n for n, o in enumerate(d.options)}) for d in scenario.decisions}
    refs = _Refs(actors, roles, injects, decisions, set(scenario.state), set())
    for decision_id, answer in script.decisions.items():
        path = base + ("decisions", decision_id)
        if decision_id not in decisions:
            yield _Finding(path, kind="decision", value=decision_id, known=set(decisions))
            continue
        yield from refs.option(path + ("option",), decision_id, answer.option)
        if answer.by is not None and answer.by not in roles:
            yield _Finding(path + ("by",), kind="role", value=answer.by, known=roles)
        elif answer.by is not None:
            yield from _decider_findings(scenario, path + ("by",), decision_id, answer.by, refs, in_scenario)
    for index, message in enumerate(script.messages):
        path = base + ("messages", index)
        if message.from_ not in roles:
            yield _Finding(path + ("from",), kind="role", value=message.from_, known=roles)
        yield from refs.actors(path + ("to",), message.to)
        if message.after is not None:
            yield from refs.inject_or_decision(path + ("after",), message.after)


def _decider_findings(
    scenario: Scenario, path: tuple[Any, ...], decision_id: str, role: str, refs: _Refs, in_scenario: bool
) -> Iterator[_Finding]:
    """A scripted answer by a role the decision does not allow, which play would silently hand to another."""
    inject, decision = scenario.decision(decision_id)
    named = decision.by if decision.by is not None else inject.to
    if any(actor != "all" and actor not in refs.known_actors for actor in named):
        return  # who may decide is not known for sure; the unknown id has its own finding
    allowed = scenario.resolve_roles(named)
    if role in allowed:
        return
    who = f"only {_either(allowed)} may" if allowed else "no role may"
    depends: tuple[tuple[Any, ...], ...] = ()
    if in_scenario:
        # Who may decide follows from the decision's `by` (or its inject's `to`) and the roles and teams.
        index = next(n for n, i in enumerate(scenario.injects) if i is inject)
        depends = (("injects", index, "decision", "by"), ("injects", index, "to"), ("roles",), ("teams",))
    yield _Finding(path, f"role {role!r} may not take decision {decision_id!r} ({who})", depends=depends)


def _either(ids: list[str]) -> str:
    """ "a", "a or b", "a, b or c"."""
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " or " + ids[-1]


@dataclasses.dataclass
class _Refs:
    known_actors: dict[str, str]
    roles: set[str]
    injects: set[str]
    decisions: dict[str, tuple[int, dict[str, int]]]
    variables: set[str]
    objectives: set[str]

    def __post_init__(self) -> None:
        # Built once: a finding keeps the set it names candidates from, and there may be thousands.
        self.actor_ids = frozenset(self.known_actors)
        self.actors_or_all = self.actor_ids | {"all"}
        self.decision_ids = frozenset(self.decisions)
        self.injects_or_decisions = frozenset(self.injects) | self.decision_ids

    def actors(self, path: tuple[Any, ...], ids: list[str]) -> Iterator[_Finding]:
        for index, actor in enumerate(ids):
            if actor != "all" and actor not in self.known_actors:
                yield _Finding(path + (index,), kind="role or team", value=actor, known=self.actors_or_all)

    def decision(self, path: tuple[Any, ...], decision: str) -> Iterator[_Finding]:
        if decision not in self.decisions:
            yield _Finding(path, kind="decision", value=decision, known=self.decision_ids)

    def inject_or_decision(self, path: tuple[Any, ...], target: str) -> Iterator[_Finding]:
        if target not in self.injects_or_decisions:
            yield _Finding(path, kind="inject or decision", value=target, known=self.injects_or_decisions)

    def option(self, path: tuple[Any, ...], decision: str, option: str) -> Iterator[_Finding]:
        if decision in self.decisions and option not in self.decisions[decision][1]:
            known = set(self.decisions[decision][1])
            yield _Finding(path, kind="option", value=option, known=known, decision=decision)

    def condition(self, path: tuple[Any, ...], condition: Any) -> Iterator[_Finding]:
        if isinstance(condition, (AllCondition, AnyCondition)):
            items = condition.all if isinstance(condition, AllCondition) else condition.any
            key = "all" if isinstance(condition, AllCondition) else "any"
            for index, inner in enumerate(items):
                yield from self.condition(path + (key, index), inner)
        elif isinstance(condition, NotCondition):
            yield from self.condition(path + ("not",), condition.not_)
        elif isinstance(condition, DecidedCondition):
            yield from self.decision(path + ("decided",), condition.decided)
        elif isinstance(condition, TimedOutCondition):
            yield from self.decision(path + ("timed_out",), condition.timed_out)
        elif isinstance(condition, ChoseCondition):
            yield from self.decision(path + ("chose", "decision"), condition.chose.decision)
            yield from self.option(path + ("chose", "option"), condition.chose.decision, condition.chose.option)
        elif isinstance(condition, DeliveredCondition):
            if condition.delivered not in self.injects:
                yield _Finding(path + ("delivered",), kind="inject", value=condition.delivered, known=self.injects)
        elif isinstance(condition, StateCondition):
            if condition.state not in self.variables:
                yield _Finding(path + ("state",), kind="state variable", value=condition.state, known=self.variables)
        elif isinstance(condition, MessageCondition):
            for field, value in (("from", condition.message.from_), ("to", condition.message.to)):
                if value is not None and value not in self.known_actors:
                    yield _Finding(path + ("message", field), kind="role or team", value=value, known=self.actor_ids)

    def effects(self, path: tuple[Any, ...], effects: list[Any]) -> Iterator[_Finding]:
        for index, effect in enumerate(effects):
            here = path + (index,)
            for field in ("set", "add"):
                changes = getattr(effect, field, None)
                if changes:
                    for var in changes:
                        if var not in self.variables:
                            yield _Finding(here + (field, var), kind="state variable", value=var, known=self.variables)
            if isinstance(effect, ScheduleEffect):
                # At the id as written, also inside {inject: …, in: …}, like every other reference.
                if isinstance(effect.schedule, str):
                    target, at = effect.schedule, here + ("schedule",)
                else:
                    target, at = effect.schedule.inject, here + ("schedule", "inject")
                if target not in self.injects:
                    yield _Finding(at, kind="inject", value=target, known=self.injects)
            cancel = getattr(effect, "cancel", None)
            if cancel is not None and cancel not in self.injects:
                yield _Finding(here + ("cancel",), kind="inject", value=cancel, known=self.injects)
