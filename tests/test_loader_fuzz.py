"""Whatever the input, the loader either returns a scenario or raises ScenarioError with positioned problems."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import safeyaml
from simulator.diagnostics import ScenarioError
from simulator.loader import LoadedScenario, load_bytes, load_text
from simulator.schema import CONDITION_KEYS, EFFECT_KEYS

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words that steer generated documents into the scenario language, so the fuzz reaches validation and
# reference checks rather than stopping at the first unknown key.
WORDS = [
    "schema",
    "tabletop/1",
    "id",
    "title",
    "domain",
    "cyber",
    "duration",
    "1h",
    "12:30",
    "no",
    "teams",
    "roles",
    "team",
    "name",
    "injects",
    "at",
    "when",
    "to",
    "from",
    "channel",
    "radio",
    "decision",
    "options",
    "effects",
    "state",
    "above",
    "objectives",
    "scoring",
    "expectations",
    "model",
    "<<",
    "all",
    *CONDITION_KEYS,
    *EFFECT_KEYS,
]
SCALARS = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=8),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
YAML_PIECES = st.sampled_from(
    [
        "\n",
        "  ",
        "\t",
        ": ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "&a ",
        "*a",
        "<<: *a",
        "!!python/object/apply:os.system ",
        "!!str ",
        "? ",
        "---\n",
        "...\n",
        "'",
        '"',
        "|\n",
        "# c\n",
        "\ufeff",
        "%YAML 1.2\n",
        *WORDS,
    ]
)


def outcome(load: Any) -> None:
    try:
        result = load()
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1
            assert "\n" not in problem.message
    else:
        assert isinstance(result, LoadedScenario)


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_scenario_errors(text):
    outcome(lambda: load_text(text, "fuzz.yaml"))


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_scenario_errors(raw):
    outcome(lambda: load_bytes(raw, "fuzz.yaml"))


@FAST
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_yaml_shaped_text_raises_only_scenario_errors(text):
    outcome(lambda: load_text(text, "fuzz.yaml"))


def _yamlish(value: Any, indent: int = 0) -> str:
    """Block-style YAML for nested data, written by hand so keys of every type reach the loader."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{_scalar(k)}: {_yamlish(v, indent + 1)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {_yamlish(v, indent + 1).lstrip()}" for v in value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value else ".nan"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.integers(0, 9), st.none()), inner, max_size=5),
    ),
    max_leaves=30,
)


@FAST
@given(st.dictionaries(st.sampled_from(WORDS), STRUCTURES, max_size=8))
def test_nested_structures_raise_only_scenario_errors(document):
    outcome(lambda: load_text(_yamlish(document).lstrip("\n") + "\n", "fuzz.yaml"))


MINIMAL = {
    "schema": "tabletop/1",
    "id": "fuzz",
    "title": "Fuzz",
    "domain": "cyber",
    "duration": "1h",
    "teams": [{"id": "t", "name": "T"}],
    "roles": [{"id": "r", "name": "R", "team": "t"}],
}


@FAST
@given(st.dictionaries(st.sampled_from(["injects", "state", "dynamics", "objectives", "scoring", "model"]), STRUCTURES))
def test_near_valid_scenarios_raise_only_scenario_errors(extra):
    outcome(lambda: load_text(_yamlish({**MINIMAL, **extra}).lstrip("\n") + "\n", "fuzz.yaml"))


# A real scenario with a few nodes replaced or deleted: reaches the pruning of broken parts and the
# reference checks on what remains, which arbitrary documents rarely do.
DRILL, _, _ = safeyaml.parse((Path(__file__).resolve().parent.parent / "scenarios" / "port-drill.yaml").read_text())


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _paths(child, path + (key,))
    return found


DRILL_PATHS = _paths(DRILL)
DELETE = object()


def _holds(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and part < len(node)


def _mutated(changes: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
    """The drill with each change applied where its path still leads (an earlier change may have cut it)."""
    document = copy.deepcopy(DRILL)
    for path, value in changes:
        parent: Any = document
        for part in path[:-1]:
            if not _holds(parent, part):
                break
            parent = parent[part]
        else:
            if _holds(parent, path[-1]):
                if value is DELETE:
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = value
    return document


@FAST
@given(
    st.lists(st.tuples(st.sampled_from(DRILL_PATHS), st.one_of(st.just(DELETE), STRUCTURES)), min_size=1, max_size=4)
)
def test_a_real_scenario_with_broken_parts_raises_only_scenario_errors(changes):
    text = _yamlish(_mutated(changes)).lstrip("\n") + "\n"
    outcome(lambda: load_text(text, "fuzz.yaml"))
    try:
        load_text(text, "fuzz.yaml")
    except ScenarioError as exc:
        # Every problem is at a line of the file, even those found in what remained after cutting.
        assert all(p.line <= text.count("\n") + 1 for p in exc.problems)
        assert exc.problems == sorted(exc.problems, key=lambda p: (p.line, p.col, p.message))
        lines = text.splitlines()
        for problem in exc.problems:
            # A stand-in is never named, and a reference problem sits at the id it names, as written
            # (so never at a key a stand-in filled in, which the file does not have).
            assert "tabletop-placeholder" not in problem.message
            named = REFERENCE.match(problem.message)
            if named:
                written = lines[problem.line - 1][problem.col - 1 :]
                assert written.startswith(f'"{named["id"]}"'), (problem, written)


# Reference problems, and the id each names.
REFERENCE = re.compile(
    r"(?:unknown (?:role or team|role|team|inject or decision|inject|decision|state variable|objective)"
    r"|decision '[^']*' has no option|duplicate (?:[a-z]+ )?id|role) '(?P<id>[^'\\]*)'"
)
