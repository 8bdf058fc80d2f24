"""Safe YAML reading: plain data plus the position of every node, from one libyaml parse.

Why not `yaml.safe_load`: it silently merges duplicate keys, reads YAML 1.1 (`12:30` is 750,
`no` is False), has no limit on alias expansion, and libyaml's C composer recurses, so deep
nesting crashes the interpreter. Here libyaml's C *parser* (an explicit-stack state machine)
produces events and this module composes them, enforcing limits as it goes.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

_Parser = getattr(yaml, "CBaseLoader", None) or yaml.BaseLoader  # libyaml when the wheel has it

MAX_DEPTH = 64
MAX_NODES = 2_000_000

# Positions mirror the data: a scalar is (line, col); a mapping (line, col, {key: (kline, kcol, pos)});
# a sequence (line, col, [pos, ...]). Lines and columns are 0-based here.
Pos = tuple

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 control characters but tab, new line and carriage return."""
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x1B: "ESC", 0x7F: "DEL", 0x9B: "CSI", 0x9D: "OSC"}

_TAG = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}
# Plain scalars starting with anything else are strings; this keeps the common case cheap.
_MAYBE_TYPED = set("0123456789+-.~nNtTfF")
_MAX_DIGITS = 4000


class YamlError(Exception):
    """A YAML problem at a position (0-based line and column)."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def resolve_plain(value: str) -> Any:
    """A plain scalar read by the YAML 1.2 core schema: `no` and `12:30` stay strings."""
    if not value or value[0] in _MAYBE_TYPED:
        if value in _SPECIAL:
            return _SPECIAL[value]
        if _INT.match(value):
            if len(value) > _MAX_DIGITS:
                # Python refuses to convert longer decimal strings; no scenario number is this long.
                raise ValueError(f"a number with {len(value):,} digits is too long to read")
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        if _INT_HEX.match(value):
            return int(value[2:], 16)
        if _INT_OCT.match(value):
            return int(value[2:], 8)
    return value


def _explicit_scalar(tag: str, value: str, line: int, col: int) -> Any:
    if tag == _TAG + "str":
        return value
    if tag == _TAG + "null" and value in ("", "~", "null", "Null", "NULL"):
        return None
    if tag == _TAG + "bool" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if tag == _TAG + "int":
        resolved = resolve_plain(value)
        if isinstance(resolved, int) and not isinstance(resolved, bool):
            return resolved
    if tag == _TAG + "float":
        resolved = resolve_plain(value)
        if isinstance(resolved, (int, float)) and not isinstance(resolved, bool):
            return float(resolved)
    if tag in (_TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null"):
        raise YamlError(f"{value!r} is not a valid {tag.removeprefix(_TAG)}", line, col)
    raise YamlError(f"tag {_short(tag)} is not allowed (only plain YAML data is read)", line, col)


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


class _Frame:
    __slots__ = ("anchor", "children", "col", "data", "is_map", "key", "key_col", "key_line", "line", "merges", "size")

    def __init__(self, is_map: bool, line: int, col: int, anchor: str | None) -> None:
        self.is_map = is_map
        self.data: Any = {} if is_map else []
        self.children: Any = {} if is_map else []
        self.line = line
        self.col = col
        self.anchor = anchor
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.key_col = 0
        self.merges: list[tuple[dict, dict]] = []


_NO_KEY = object()


def parse(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> tuple[Any, Pos, list[YamlError]]:
    """Parse one YAML document into plain data and positions.

    Raises YamlError for problems that stop parsing (syntax, limits, forbidden tags); returns
    problems that do not (duplicate keys) so a file's problems can be reported together.
    """
    parser = _Parser(text)
    soft: list[YamlError] = []
    anchors: dict[str, tuple[Any, Pos, int]] = {}
    stack: list[_Frame] = []
    total = 0
    result: Any = None
    result_pos: Pos = (0, 0)
    documents = 0
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                mark = event.start_mark
                tag = event.tag
                value = event.value
                try:
                    if tag is None or tag == "!":
                        value = resolve_plain(value) if tag is None and event.implicit[0] else value
                    else:
                        value = _explicit_scalar(tag, value, mark.line, mark.column)
                except ValueError as exc:
                    raise YamlError(str(exc), mark.line, mark.column) from None
                if type(value) is str and _CONTROL.search(value):
                    # Only escapes ("\e", "\x9b") can put these in a value (libyaml refuses them raw):
                    # shown to a participant they would drive the terminal, so the author hears of it.
                    found = _CONTROL.search(value)
                    assert found is not None
                    code = ord(found.group())
                    name = _CONTROL_NAMES.get(code)
                    named = f"U+{code:04X} ({name})" if name else f"U+{code:04X}"
                    soft.append(
                        YamlError(
                            f"text holds the control character {named}; terminal control characters are "
                            "not allowed in scenario text (use plain text, tabs and new lines)",
                            mark.line,
                            mark.column,
                        )
                    )
                node: Any = value
                pos: Pos = (mark.line, mark.column)
                size = 1
                anchor = event.anchor
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                mark = event.start_mark
                tag = event.tag
                if tag is not None and tag != "!" and tag != _TAG + ("map" if kind is MappingStartEvent else "seq"):
                    raise YamlError(
                        f"tag {_short(tag)} is not allowed (only plain YAML data is read)", mark.line, mark.column
                    )
                if len(stack) >= max_depth:
                    raise YamlError(f"nesting is deeper than {max_depth} levels", mark.line, mark.column)
                stack.append(_Frame(kind is MappingStartEvent, mark.line, mark.column, event.anchor))
                total += 1
                if total > max_nodes:
                    raise YamlError(f"document has more than {max_nodes:,} nodes", mark.line, mark.column)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                if frame.merges:
                    for merged, merged_pos in frame.merges:
                        for key, value in merged.items():
                            if key not in frame.data:
                                frame.data[key] = value
                                frame.children[key] = merged_pos[key]
                node = frame.data
                pos = (frame.line, frame.col, frame.children)
                size = frame.size
                anchor = frame.anchor
            elif kind is AliasEvent:
                mark = event.start_mark
                if any(frame.anchor == event.anchor for frame in stack):
                    raise YamlError(
                        f"alias *{event.anchor} refers to a node that contains it (a recursive alias)",
                        mark.line,
                        mark.column,
                    )
                if event.anchor not in anchors:
                    raise YamlError(
                        f"alias *{event.anchor} refers to no anchor defined before it", mark.line, mark.column
                    )
                node, pos, size = anchors[event.anchor]
                total += size
                if total > max_nodes:
                    raise YamlError(
                        f"aliases expand the document past {max_nodes:,} nodes (an alias bomb?)", mark.line, mark.column
                    )
                anchor = None
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    raise YamlError("a scenario file holds one YAML document; found a second", mark.line, mark.column)
                continue
            elif kind is StreamEndEvent:
                break
            elif kind is StreamStartEvent or kind is DocumentEndEvent:
                continue
            else:  # pragma: no cover - libyaml emits no other events
                continue

            if kind is ScalarEvent:
                total += 1
                if total > max_nodes:
                    raise YamlError(f"document has more than {max_nodes:,} nodes", pos[0], pos[1])
            if anchor is not None:
                anchors[anchor] = (node, pos, size)
            if not stack:
                result, result_pos = node, pos
                continue
            top = stack[-1]
            top.size += size
            if not top.is_map:
                top.data.append(node)
                top.children.append(pos)
            elif top.key is _NO_KEY:
                if isinstance(node, (dict, list)):
                    raise YamlError("mapping keys must be plain scalars", pos[0], pos[1])
                top.key, top.key_line, top.key_col = node, pos[0], pos[1]
            else:
                key = top.key
                top.key = _NO_KEY
                if key == "<<" and not isinstance(node, (dict, list)):
                    raise YamlError("a merge key (<<) takes a mapping or a list of mappings", top.key_line, top.key_col)
                if key == "<<":
                    merges = node if isinstance(node, list) else [node]
                    merge_pos = pos[2] if isinstance(node, list) else [pos]
                    for item, item_pos in zip(merges, merge_pos, strict=True):
                        if not isinstance(item, dict):
                            raise YamlError(
                                "a merge key (<<) takes a mapping or a list of mappings", top.key_line, top.key_col
                            )
                        top.merges.append((item, item_pos[2]))
                elif key in top.data:
                    first = top.children[key]
                    # Two lists or two mappings under one key is how a pasted fragment usually
                    # goes wrong: say how to put it right.
                    earlier = top.data[key]
                    if isinstance(earlier, list) and isinstance(node, list):
                        hint = "; add these items to that list instead"
                    elif isinstance(earlier, dict) and isinstance(node, dict):
                        hint = "; merge these keys into that mapping instead"
                    else:
                        hint = ""
                    # On one line (a flow mapping) the line alone does not say which one came first.
                    where = f"line {first[0] + 1}"
                    if first[0] == top.key_line:
                        where += f", column {first[1] + 1}"
                    soft.append(
                        YamlError(
                            f"duplicate key {key!r} (first defined at {where}){hint}",
                            top.key_line,
                            top.key_col,
                        )
                    )
                else:
                    top.data[key] = node
                    top.children[key] = (top.key_line, top.key_col, pos)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.reader.ReaderError as exc:
        # The C reader counts UTF-8 bytes; turn the offset into a line and a column of characters.
        before = text.encode("utf-8")[: exc.position].decode("utf-8", errors="replace")
        line = before.count("\n")
        col = len(before) - (before.rfind("\n") + 1)
        found = f" (found #x{exc.character:04x})" if isinstance(exc.character, int) else ""
        raise YamlError(f"invalid YAML: {exc.reason}{found}", line, col) from None
    finally:
        parser.dispose()
    return result, result_pos, soft


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line, mark.column) if mark else (0, 0)
    message = exc.problem or "syntax error"
    lines = text.splitlines()
    if line < len(lines) and col < len(lines[line]) and lines[line][col] == "\t":
        return YamlError("invalid YAML: a tab character cannot indent or start a value; use spaces", line, col)
    if exc.context:
        context = exc.context
        start = exc.context_mark
        if start is not None and (start.line, start.column) != (line, col):
            context += f" started at line {start.line + 1}, column {start.column + 1}"
        message = f"{message} ({context})"
    return YamlError(f"invalid YAML: {message}", line, col)


def locate(pos: Pos, loc: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
    """The 0-based (line, col) of the node a path leads to; the deepest existing node if it stops short.

    Path parts that are not in the data (such as the tag of a discriminated union) are skipped.
    With key=True, a path ending at a mapping entry points at the key rather than the value.
    """
    current = pos
    last = len(loc) - 1
    for index, part in enumerate(loc):
        children = current[2] if len(current) == 3 else None
        if isinstance(children, dict) and part in children:
            entry = children[part]
            if key and index == last:
                return entry[0], entry[1]
            current = entry[2]
        elif isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
            current = children[part]
    return current[0], current[1]
