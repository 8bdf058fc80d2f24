"""Scenario files → validated `Scenario` models, with every problem reported at FILE:LINE:COL."""

from __future__ import annotations

import difflib
import gc
import hashlib
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
    AllCondition,
    AnyCondition,
    ChoseCondition,
    DecidedCondition,
    DeliveredCondition,
    MessageCondition,
    NotCondition,
    Scenario,
    ScheduleEffect,
    StateCondition,
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
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise ScenarioError([Problem(name, line, 1, "file is binary (contains NUL bytes), not a YAML text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError([Problem(name, line, col, "file is not valid UTF-8 text")]) from None
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
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        line, col = positions[0] + 1, positions[1] + 1
        raise ScenarioError(
            [Problem(name, line, col, f"the top level must be a mapping of scenario fields, not {kind}")]
        )
    try:
        scenario = Scenario.model_validate(data)
    except pydantic.ValidationError as exc:
        problems.extend(_schema_problems(exc, positions, name))
        raise ScenarioError(problems) from None
    problems.extend(Problem(name, *_where(positions, loc), message) for loc, message in check_references(scenario))
    if problems:
        raise ScenarioError(problems)
    return LoadedScenario(scenario, name, text, sha256, positions)


def _where(positions: safeyaml.Pos, loc: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    line, col = safeyaml.locate(positions, loc, key=key)
    return line + 1, col + 1


# --------------------------------------------------------------------------- schema errors


def _schema_problems(exc: pydantic.ValidationError, positions: safeyaml.Pos, name: str) -> list[Problem]:
    errors = exc.errors(include_url=False)
    # A typo shows up as one "extra" and one "missing" error; report it once, as a typo.
    missing = {tuple(e["loc"][:-1]): [] for e in errors if e["type"] == "missing"}
    for e in errors:
        if e["type"] == "missing":
            missing[tuple(e["loc"][:-1])].append(str(e["loc"][-1]))
    explained: set[tuple[Any, ...]] = set()
    problems = []
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden":
            field = str(loc[-1])
            allowed = _allowed_keys(loc[:-1])
            candidates = missing.get(loc[:-1], []) + sorted(allowed)
            guess = difflib.get_close_matches(field, candidates, n=1, cutoff=0.6)
            message = f"unknown key {field!r}"
            if guess:
                message += f" (did you mean {guess[0]!r}?)"
                explained.add(loc[:-1] + (guess[0],))
            elif allowed:
                message += "; expected one of: " + ", ".join(sorted(allowed))
            problems.append(Problem(name, *_where(positions, loc, key=True), message))
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "extra_forbidden" or loc in explained:
            continue
        problems.append(Problem(name, *_where(positions, loc, key=e["type"] == "missing"), _message(e)))
    return problems


def _message(error: Any) -> str:
    loc = error["loc"]
    field = next((str(part) for part in reversed(loc) if isinstance(part, str)), "value")
    kind = error["type"]
    if kind == "missing":
        return f"missing required key {field!r}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind == "literal_error":
        return f"{field}: {message[0].lower()}{message[1:]}, got {error['input']!r}"
    if (kind in ("string_pattern_mismatch",) and field in ("id", "var", "team")) or kind == "string_pattern_mismatch":
        return (
            f"{field}: {error['input']!r} is not a valid id "
            "(letters, digits, '-', '_', '.'; starting with a letter or digit; at most 64 characters)"
        )
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{field}: {message[0].lower()}{message[1:]}, got {_describe(error.get('input'))}"
    return f"{field}: {message}"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _allowed_keys(loc: tuple[Any, ...]) -> set[str]:
    """Keys accepted at a path, found by walking the schema along it."""
    current: Any = Scenario
    for part in loc:
        current = _step(current, part)
        if current is None:
            return set()
    models = _models_in(current)
    keys: set[str] = set()
    for model in models:
        for field_name, field in model.model_fields.items():
            keys.add(field.alias or field_name)
    return keys


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


def _step(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        # A union's branch is named in the path by its tag, or by the field taken next.
        for arg in typing.get_args(annotation):
            for model in _models_in(arg):
                if part in _TAGS_BY_MODEL.get(model, ()):
                    return model
        for arg in typing.get_args(annotation):
            stepped = _step(arg, part)
            if stepped is not None:
                return stepped
        return None
    if origin is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for field_name, field in annotation.model_fields.items():
            if part in (field_name, field.alias):
                return field.annotation
    return None


_TAGS_BY_MODEL: dict[type, tuple[str, ...]] = {
    AllCondition: ("all",),
    AnyCondition: ("any",),
    NotCondition: ("not",),
    DecidedCondition: ("decided",),
    ChoseCondition: ("chose",),
    TimedOutCondition: ("timed_out",),
    DeliveredCondition: ("delivered",),
    StateCondition: ("state",),
    MessageCondition: ("message",),
}


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
