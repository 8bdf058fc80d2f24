"""The safe YAML reader: YAML 1.2 scalars, positions from the same parse, and limits on hostile input."""

from __future__ import annotations

import math

import pytest

from simulator import safeyaml
from simulator.safeyaml import YamlError, locate, parse, resolve_plain


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12:30", "12:30"),  # YAML 1.1: 750
        ("no", "no"),  # YAML 1.1: False
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("0755", 755),  # YAML 1.1: octal 493
        ("0o17", 15),
        ("0x1F", 31),
        ("1_000", "1_000"),  # YAML 1.1: 1000
        ("2026-03-14", "2026-03-14"),  # YAML 1.1: a date
        ("true", True),
        ("False", False),
        ("~", None),
        ("", None),
        ("null", None),
        ("-3", -3),
        ("+2.5", 2.5),
        ("1e3", 1000.0),
        (".inf", math.inf),
        ("-.inf", -math.inf),
        ("1.2.3", "1.2.3"),
        ("sg.mpa", "sg.mpa"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text, value):
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_nan_is_a_float():
    assert math.isnan(resolve_plain(".nan"))


def test_data_and_positions_come_from_one_parse():
    data, pos, soft = parse("a: 1\nb:\n  - x\n  - {c: d}\n")
    assert data == {"a": 1, "b": ["x", {"c": "d"}]}
    assert soft == []
    assert locate(pos, ("a",)) == (0, 3)
    assert locate(pos, ("a",), key=True) == (0, 0)
    assert locate(pos, ("b", 1, "c")) == (3, 8)
    # A path that runs past the data stops at the deepest node it reached.
    assert locate(pos, ("b", 7, "zzz")) == (2, 2)
    assert locate(pos, ("b", 0, "zzz")) == (2, 4)


def test_quoted_and_tagged_scalars_keep_their_type():
    data, _, _ = parse(
        "a: '12:30'\nb: \"no\"\nc: !!str 3\nd: !!int '7'\ne: !!float 2\nf: !!bool 'true'\ng: !!null ''\n"
    )
    assert data == {"a": "12:30", "b": "no", "c": "3", "d": 7, "e": 2.0, "f": True, "g": None}


def test_a_core_tag_on_a_value_it_cannot_hold_is_an_error():
    with pytest.raises(YamlError) as caught:
        parse("a: !!int twelve\n")
    assert (caught.value.message, caught.value.line, caught.value.col) == ("'twelve' is not a valid int", 0, 3)


def test_duplicate_keys_are_reported_without_stopping_the_parse():
    data, _, soft = parse("a: 1\nb: 2\na: 3\nc: {x: 1, x: 2}\n")
    assert data == {"a": 1, "b": 2, "c": {"x": 1}}
    assert [(e.message, e.line, e.col) for e in soft] == [
        ("duplicate key 'a' (first defined at line 1)", 2, 0),
        # On the same line, the line alone would not say which came first.
        ("duplicate key 'x' (first defined at line 4, column 5)", 3, 10),
    ]


def test_merge_keys_merge_and_local_keys_win():
    data, pos, soft = parse("base: &b {x: 1, y: 2}\nother: {<<: *b, y: 3}\n")
    assert data["other"] == {"x": 1, "y": 3}
    assert soft == []
    # A merged key points back at where it was written.
    assert locate(pos, ("other", "x")) == (0, 13)


@pytest.mark.parametrize(
    ("text", "message", "line", "col"),
    [
        ("a: &a [*a]\n", "alias *a refers to a node that contains it (a recursive alias)", 0, 7),
        ("a: *nowhere\n", "alias *nowhere refers to no anchor defined before it", 0, 3),
        ("? [a, b]\n: c\n", "mapping keys must be plain scalars", 0, 2),
        (
            "a: !!python/name:os.system ''\n",
            "tag !!python/name:os.system is not allowed (only plain YAML data is read)",
            0,
            3,
        ),
        ("!!set {a, b}\n", "tag !!set is not allowed (only plain YAML data is read)", 0, 0),
        ("a: 1\n---\nb: 2\n", "a scenario file holds one YAML document; found a second", 1, 0),
        ("a: {<<: 1}\n", "a merge key (<<) takes a mapping or a list of mappings", 0, 4),
        ("a: " + "9" * 5000 + "\n", "a number with 5,000 digits is too long to read", 0, 3),
        ("a:\n\tb: 1\n", "invalid YAML: a tab character cannot indent or start a value; use spaces", 1, 0),
        (
            "a: 'open\n",
            "invalid YAML: found unexpected end of stream (while scanning a quoted scalar started at line 1, column 4)",
            1,
            0,
        ),
        ("a: b\nc: é \x01\n", "invalid YAML: control characters are not allowed (found #x0001)", 1, 5),
    ],
)
def test_hostile_or_broken_input_is_one_positioned_error(text, message, line, col):
    with pytest.raises(YamlError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.line, caught.value.col) == (message, line, col)


def test_nesting_and_node_limits():
    with pytest.raises(YamlError, match="nesting is deeper than 5 levels"):
        parse("[[[[[[1]]]]]]", max_depth=5)
    parse("[[[[[1]]]]]", max_depth=5)
    with pytest.raises(YamlError, match="document has more than 10 nodes"):
        parse("[" + ", ".join(["x"] * 10) + "]", max_nodes=10)
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(YamlError, match=r"aliases expand the document past 30 nodes \(an alias bomb\?\)"):
        parse(bomb, max_nodes=30)


def test_the_default_limits_stop_a_billion_laughs_fast():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    with pytest.raises(YamlError, match="alias bomb"):
        parse("\n".join(lines))
    assert safeyaml.MAX_NODES == 2_000_000


def test_ten_thousand_brackets_do_not_crash_the_interpreter():
    with pytest.raises(YamlError) as caught:
        parse("[" * 10_000)
    assert (caught.value.message, caught.value.line, caught.value.col) == ("nesting is deeper than 64 levels", 0, 64)
