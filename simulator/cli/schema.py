"""`tabletop schema`: print the JSON Schema of scenario files."""

from __future__ import annotations

import argparse
import json

from simulator.schema import json_schema


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema (Draft 2020-12) of scenario files")
    parser.set_defaults(handler=run)


def schema_text() -> str:
    """The schema as committed under scenarios/ (stable key order, trailing newline)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    print(schema_text(), end="")
    return 0
