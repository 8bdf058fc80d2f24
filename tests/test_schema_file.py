"""The committed JSON Schema matches `tabletop schema`, is Draft 2020-12, and every bundled scenario points at it."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.cli import main

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
COMMITTED = SCENARIOS / "tabletop-1.schema.json"
MODELINE = "# yaml-language-server: $schema=tabletop-1.schema.json\n"


def printed_schema(capsys) -> str:
    assert main(["schema"]) == 0
    return capsys.readouterr().out


def test_the_committed_schema_matches_the_code(capsys):
    # On failure: .venv/bin/tabletop schema > scenarios/tabletop-1.schema.json
    assert COMMITTED.read_text(encoding="utf-8") == printed_schema(capsys)


def test_the_schema_is_draft_2020_12_and_closed(capsys):
    schema = json.loads(printed_schema(capsys))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"schema", "id", "title", "domain", "duration", "teams", "roles"}
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, name


def test_every_field_carries_a_description(capsys):
    schema = json.loads(printed_schema(capsys))
    models = {"<root>": schema, **schema["$defs"]}
    undocumented = [
        f"{model}.{field}"
        for model, definition in models.items()
        for field, spec in definition.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undocumented == []
    assert schema["properties"]["duration"]["description"] == "Scenario time the exercise lasts, e.g. 2h."


def test_every_bundled_scenario_starts_with_the_modeline():
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    assert scenarios
    for path in scenarios:
        assert path.read_text(encoding="utf-8").startswith(MODELINE), path.name
