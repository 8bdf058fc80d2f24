"""Scenario files → validated `Scenario` models, with every problem reported at FILE:LINE:COL."""

from __future__ import annotations

import difflib
import gc
import hashlib
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pydantic
from pydantic import BaseModel

from simulator import safeyaml
from simulator.diagnostics import Problem, ScenarioError
from simulator.schema import (
    CONDITION_KEYS,
    EFFECT_KEYS,
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
    Scenario,
    ScheduleEffect,
    SetEffect,
    StateCondition,
    StateVar,
    TimedOutCondition,
)

MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
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


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError listing every problem."""
    return load_file(path).scenario


def load_file(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file, keeping its text and positions."""
    name = str(path)
    try:
        raw = _read_limited(Path(path))
    except OSError as exc:
        raise ScenarioError([Problem(name, 1, 1, f"cannot read file: {exc.strerror or exc}")]) from None
    return load_bytes(raw, name)


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    return data


def load_bytes(raw: bytes, name: str = "<scenario>") -> LoadedScenario:
    """Validate scenario bytes (UTF-8 YAML)."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError([Problem(name, 1, 1, f"file is larger than the {MAX_BYTES // (1024 * 1024)} MiB limit")])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError([Problem(name, 1, 1, "file is UTF-16 text; save it as UTF-8")])
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError([Problem(name, line, 1, "file is binary (contains NUL bytes), not a YAML text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        # Count characters, not bytes, before the bad byte so the column matches an editor's.
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", errors="replace")) + 1
        bad = raw[exc.start]
        raise ScenarioError(
            [Problem(name, line, col, f"file is not valid UTF-8 text (byte 0x{bad:02x}); save it as UTF-8")]
        ) from None
    return load_text(text, name, sha256=hashlib.sha256(raw).hexdigest())


def load_text(text: str, name: str = "<scenario>", *, sha256: str | None = None) -> LoadedScenario:
    """Validate scenario text."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        raise ScenarioError([Problem(name, 1, 1, "file is empty; a scenario starts with `schema: tabletop/1`")])
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
    problems = [Problem(name, e.line + 1, e.col + 1, e.message) for e in soft]
    if data is None:
        raise ScenarioError([Problem(name, 1, 1, "file holds no data; a scenario starts with `schema: tabletop/1`")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({str(data)[:40]!r})"
        line, col = positions[0] + 1, positions[1] + 1
        raise ScenarioError(
            [Problem(name, line, col, f"the top level must be a mapping of scenario fields, not {kind}")]
        )
    try:
        scenario = Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        problems.extend(_schema_problems(exc, positions, name))
        raise ScenarioError(problems) from None
    problems.extend(
        Problem(name, *_where(positions, loc, key=_is_dict_key(loc)), message)
        for loc, message in check_references(scenario)
    )
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(scenario, name, text, sha256, positions)


def _where(positions: safeyaml.Pos, loc: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    line, col = safeyaml.locate(positions, loc, key=key)
    return line + 1, col + 1


# --------------------------------------------------------------------------- schema errors


@dataclass
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


def _schema_problems(exc: pydantic.ValidationError, positions: safeyaml.Pos, name: str) -> list[Problem]:
    errors = [_classify(e) for e in exc.errors(include_url=False)]
    errors = _merge_union_branches(errors)
    # A typo shows up as one "extra" and one "missing" error; report it once, as a typo.
    missing: dict[tuple[Any, ...], list[str]] = {}
    for e in errors:
        if e.kind == "missing":
            missing.setdefault(e.data_loc[:-1], []).append(str(e.data_loc[-1]))
    explained: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        problems.append(Problem(name, *_where(positions, loc, key=key), message))

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
        allowed = {f.alias or n for model in parent for n, f in model.model_fields.items()}
        candidates = missing.get(loc[:-1], []) + sorted(allowed)
        guess = difflib.get_close_matches(field, candidates, n=1, cutoff=0.6)
        message = f"unknown key {field!r}"
        if guess:
            message += f" (did you mean {guess[0]!r}?)"
            explained.add(loc[:-1] + (guess[0],))
        elif allowed:
            message += "; expected one of: " + ", ".join(sorted(allowed))
        add(loc, message, key=True)
    for e in errors:
        if e.kind == "extra_forbidden" or e.data_loc in explained:
            continue
        if e.kind in ("condition", "effect"):
            add(*_union_tag_problem(e))
        elif e.kind in ("value_error", "assertion_error") and isinstance(e.raw.get("input"), dict):
            loc, message, on_key = _validator_problem(e, positions)
            add(loc, message, key=on_key)
        elif e.kind == "invalid_key" or e.on_key:
            add(e.data_loc, _key_message(e), key=True)
        elif e.kind != "missing":
            add(e.data_loc, _message(e))
    # Each missing key on its own line, in the order of the schema, at the mapping that lacks it.
    for parent, names in missing.items():
        for field in names:
            if parent + (field,) not in explained:
                add(parent, f"missing required key {field!r}")
    return problems


def _classify(error: Any) -> _Error:
    loc = tuple(error["loc"])
    on_key = bool(loc) and loc[-1] == "[key]"
    if on_key:
        loc = loc[:-1]
    current: Any = Scenario
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
            if any(getattr(meta, "tag", None) == part for meta in _metadata(member)):
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
        for field_name, field in annotation.model_fields.items():
            if part in (field_name, field.alias):
                return "data", field.annotation
    return "data", None


def _is_dict_key(loc: tuple[Any, ...]) -> bool:
    """Whether a path ends at a key the author chose (a variable or decision id), which is what names it."""
    current: Any = Scenario
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
        return "keys must be text, but this key reads as null"
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
    if kind in _EXPECTED:
        value = error.get("input")
        hint = f" (write [{value}] for a list of one)" if kind == "list_type" and isinstance(value, str) else ""
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


# --------------------------------------------------------------------------- references


def check_references(scenario: Scenario) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every duplicate id and dangling reference, as (path, message)."""
    actors: dict[str, str] = {}
    for kind, items in (("team", scenario.teams), ("role", scenario.roles)):
        for index, item in enumerate(items):
            key = "teams" if kind == "team" else "roles"
            if item.id == "all":
                yield (key, index, "id"), f'"all" is reserved for everyone and cannot be a {kind} id'
            elif item.id in actors:
                yield (key, index, "id"), f"duplicate id {item.id!r} (already used by a {actors[item.id]})"
            else:
                actors[item.id] = kind
    teams = {t.id for t in scenario.teams}
    roles = {r.id for r in scenario.roles}
    for index, role in enumerate(scenario.roles):
        if role.team not in teams:
            yield ("roles", index, "team"), _unknown("team", role.team, teams)

    injects: dict[str, int] = {}
    decisions: dict[str, tuple[int, dict[str, int]]] = {}
    for index, inject in enumerate(scenario.injects):
        if inject.id in injects:
            yield ("injects", index, "id"), f"duplicate inject id {inject.id!r}"
        injects.setdefault(inject.id, index)
        if inject.decision is not None:
            decision = inject.decision
            if decision.id in decisions:
                yield ("injects", index, "decision", "id"), f"duplicate decision id {decision.id!r}"
            options: dict[str, int] = {}
            for opt_index, option in enumerate(decision.options):
                if option.id in options:
                    yield (
                        ("injects", index, "decision", "options", opt_index, "id"),
                        f"duplicate option id {option.id!r}",
                    )
                options.setdefault(option.id, opt_index)
            decisions.setdefault(decision.id, (index, options))
    variables = set(scenario.state)
    objectives: set[str] = set()
    for index, objective in enumerate(scenario.objectives):
        if objective.id in objectives:
            yield ("objectives", index, "id"), f"duplicate objective id {objective.id!r}"
        objectives.add(objective.id)
    dynamics: set[str] = set()
    for index, dynamic in enumerate(scenario.dynamics):
        if dynamic.id in dynamics:
            yield ("dynamics", index, "id"), f"duplicate dynamic id {dynamic.id!r}"
        dynamics.add(dynamic.id)
    refs = _Refs(actors, roles, set(injects), decisions, variables, objectives)

    for name, var in scenario.state.items():
        yield from refs.actors(("state", name, "visible_to"), var.visible_to)
    for index, dynamic in enumerate(scenario.dynamics):
        base = ("dynamics", index)
        if dynamic.var not in variables:
            yield base + ("var",), _unknown("state variable", dynamic.var, variables)
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
                yield base + ("objectives", obj_index), _unknown("objective", objective, objectives)
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
            yield base + ("id",), f"duplicate expectation id {expectation.id!r}"
        expectation_ids.add(expectation.id)
        if expectation.objective not in objectives:
            yield base + ("objective",), _unknown("objective", expectation.objective, objectives)
        if expectation.by is not None:
            yield from refs.actors(base + ("by",), expectation.by)
        if expectation.after is not None and expectation.after not in injects and expectation.after not in decisions:
            yield base + ("after",), _unknown("inject or decision", expectation.after, set(injects) | set(decisions))
        if expectation.decision is not None:
            yield from refs.decision(base + ("decision",), expectation.decision)
            chosen = [expectation.option] if expectation.option is not None else expectation.options or []
            field = "option" if expectation.option is not None else "options"
            for opt_index, option in enumerate(chosen):
                path = base + ((field,) if field == "option" else (field, opt_index))
                yield from refs.option(path, expectation.decision, option)
        if expectation.respond is not None and expectation.respond not in injects:
            yield base + ("respond",), _unknown("inject", expectation.respond, set(injects))
        for field in ("message_to_any", "message_to_all"):
            targets = getattr(expectation, field)
            if targets is not None:
                yield from refs.actors(base + (field,), targets)
        if expectation.state is not None:
            yield from refs.condition(base + ("state",), expectation.state)
    hotwash: set[str] = set()
    for index, question in enumerate(scenario.hotwash):
        if question.id in hotwash:
            yield ("hotwash", index, "id"), f"duplicate question id {question.id!r}"
        hotwash.add(question.id)
    if scenario.model is not None:
        yield from check_script_references(scenario, scenario.model, ("model",))


def check_script_references(
    scenario: Scenario, script: Any, base: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Dangling references in a response script (the model answer or a response file)."""
    actors = {t.id: "team" for t in scenario.teams} | {r.id: "role" for r in scenario.roles}
    roles = {r.id for r in scenario.roles}
    injects = {i.id for i in scenario.injects}
    decisions = {d.id: (0, {o.id: n for n, o in enumerate(d.options)}) for d in scenario.decisions}
    refs = _Refs(actors, roles, injects, decisions, set(scenario.state), set())
    for decision_id, answer in script.decisions.items():
        path = base + ("decisions", decision_id)
        if decision_id not in decisions:
            yield path, _unknown("decision", decision_id, set(decisions))
            continue
        yield from refs.option(path + ("option",), decision_id, answer.option)
        if answer.by is not None and answer.by not in roles:
            yield path + ("by",), _unknown("role", answer.by, roles)
    for index, message in enumerate(script.messages):
        path = base + ("messages", index)
        if message.from_ not in roles:
            yield path + ("from",), _unknown("role", message.from_, roles)
        yield from refs.actors(path + ("to",), message.to)
        if message.after is not None and message.after not in injects and message.after not in decisions:
            yield path + ("after",), _unknown("inject or decision", message.after, injects | set(decisions))


def _unknown(kind: str, value: str, known: set[str]) -> str:
    guess = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    return f"unknown {kind} {value!r}" + (f" (did you mean {guess[0]!r}?)" if guess else "")


@dataclass
class _Refs:
    known_actors: dict[str, str]
    roles: set[str]
    injects: set[str]
    decisions: dict[str, tuple[int, dict[str, int]]]
    variables: set[str]
    objectives: set[str]

    def actors(self, path: tuple[Any, ...], ids: list[str]) -> Iterator[tuple[tuple[Any, ...], str]]:
        for index, actor in enumerate(ids):
            if actor != "all" and actor not in self.known_actors:
                yield path + (index,), _unknown("role or team", actor, set(self.known_actors) | {"all"})

    def decision(self, path: tuple[Any, ...], decision: str) -> Iterator[tuple[tuple[Any, ...], str]]:
        if decision not in self.decisions:
            yield path, _unknown("decision", decision, set(self.decisions))

    def option(self, path: tuple[Any, ...], decision: str, option: str) -> Iterator[tuple[tuple[Any, ...], str]]:
        if decision in self.decisions and option not in self.decisions[decision][1]:
            known = set(self.decisions[decision][1])
            guess = difflib.get_close_matches(option, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean {guess[0]!r}?)" if guess else f"; its options are: {', '.join(sorted(known))}"
            yield path, f"decision {decision!r} has no option {option!r}{hint}"

    def condition(self, path: tuple[Any, ...], condition: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
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
                yield path + ("delivered",), _unknown("inject", condition.delivered, self.injects)
        elif isinstance(condition, StateCondition):
            if condition.state not in self.variables:
                yield path + ("state",), _unknown("state variable", condition.state, self.variables)
        elif isinstance(condition, MessageCondition):
            for field, value in (("from", condition.message.from_), ("to", condition.message.to)):
                if value is not None and value not in self.known_actors:
                    yield path + ("message", field), _unknown("role or team", value, set(self.known_actors))

    def effects(self, path: tuple[Any, ...], effects: list[Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
        for index, effect in enumerate(effects):
            here = path + (index,)
            for field in ("set", "add"):
                changes = getattr(effect, field, None)
                if changes:
                    for var in changes:
                        if var not in self.variables:
                            yield here + (field, var), _unknown("state variable", var, self.variables)
            if isinstance(effect, ScheduleEffect):
                target = effect.schedule if isinstance(effect.schedule, str) else effect.schedule.inject
                if target not in self.injects:
                    yield here + ("schedule",), _unknown("inject", target, self.injects)
            cancel = getattr(effect, "cancel", None)
            if cancel is not None and cancel not in self.injects:
                yield here + ("cancel",), _unknown("inject", cancel, self.injects)
