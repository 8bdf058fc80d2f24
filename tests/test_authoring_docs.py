"""The authors' guide tells the truth: its YAML validates and its field reference matches the models."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from simulator.cli import main
from simulator.fieldref import END, START, field_reference, splice

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "authoring.md"
FENCE = re.compile(r"^( *)```(\w+)\n(.*?)^\1```$", re.M | re.S)


def blocks(language: str) -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    found = []
    for indent, lang, body in FENCE.findall(text):
        if lang == language:
            found.append("\n".join(line.removeprefix(indent) for line in body.split("\n")))
    return found


def merge(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """A fragment pasted into a scenario: lists grow, mappings merge, other values replace."""
    out = copy.deepcopy(base)
    for key, value in fragment.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + value
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def check(data: dict[str, Any], tmp_path: Path, name: str, capsys, *, lint: bool) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().out
    if lint:
        assert main(["lint", str(path)]) == 0, capsys.readouterr().out
    capsys.readouterr()


def test_every_yaml_block_validates_complete_ones_lint_clean(tmp_path, capsys):
    scenario: dict[str, Any] | None = None
    steps: dict[str, Any] | None = None
    checked = 0
    for number, text in enumerate(blocks("yaml"), start=1):
        data = yaml.safe_load(text)
        if data is None:  # a comment-only block (the modeline example)
            continue
        if "schema" in data:
            check(data, tmp_path, f"block{number}", capsys, lint=True)
            scenario = steps = data
        else:
            assert scenario is not None, f"block {number} is a fragment before any complete scenario"
            steps = merge(steps or scenario, data)
            check(steps, tmp_path, f"block{number}", capsys, lint=False)
        checked += 1
    assert checked == 12


def test_tutorial_steps_add_up_to_the_whole_file():
    data = [yaml.safe_load(text) for text in blocks("yaml")]
    data = [d for d in data if d is not None]
    whole_index = next(i for i, d in enumerate(data) if i > 0 and "schema" in d)
    total = data[0]
    for fragment in data[1:whole_index]:
        total = merge(total, fragment)
    whole = data[whole_index]
    assert total == whole


def test_cookbook_scenario_lints_clean_and_simulates(tmp_path, capsys):
    data = [d for d in (yaml.safe_load(t) for t in blocks("yaml")) if d is not None]
    whole_index = next(i for i, d in enumerate(data) if i > 0 and "schema" in d)
    total = data[whole_index]
    for fragment in data[whole_index + 1 :]:
        total = merge(total, fragment)
    path = tmp_path / "cookbook.yaml"
    path.write_text(yaml.safe_dump(total, sort_keys=False, allow_unicode=True), encoding="utf-8")
    assert main(["lint", str(path)]) == 0
    assert main(["simulate", str(path), "--policy", "none"]) == 0
    out = capsys.readouterr().out
    assert "passengers-in-water" in out and "rumours" in out


def test_csv_example_imports_to_a_valid_scenario(tmp_path, capsys):
    (text,) = blocks("csv")
    source = tmp_path / "msel.csv"
    source.write_text(text, encoding="utf-8")
    target = tmp_path / "spill.yaml"
    assert main(["msel", "--import", str(source), "-o", str(target), "--domain", "maritime"]) == 0
    assert main(["validate", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{target}: ok — Imported MSEL: msel (maritime, 2 roles, 3 injects, 0 decisions)"
    )


def test_field_reference_matches_the_models():
    text = GUIDE.read_text(encoding="utf-8")
    assert START in text and END in text
    assert splice(text, field_reference()) == text, (
        "docs/authoring.md's field reference is stale; run: .venv/bin/python -m simulator.fieldref --write "
        "docs/authoring.md"
    )


def test_field_reference_covers_every_field_of_every_model():
    reference = field_reference()
    for heading in ("### Scenario", "### Inject", "### Decision", "### Expectation", "### ScheduleEffect.Target"):
        assert heading + "\n" in reference
    assert '| `from` | text | **required** | Who sends it, as the players see it, e.g. "Port Klang VTS". |' in reference
    assert "| `every` | duration | **required** | Interval between changes, e.g. 5m. |" in reference
    assert "| `when` | [condition](#conditions) | not set |" in reference
    assert "| `visible_to` | list of id | `[all]` |" in reference


def test_fieldref_write_refuses_a_file_without_markers(tmp_path, capsys):
    from simulator.fieldref import main as fieldref_main

    page = tmp_path / "page.md"
    page.write_text("# no markers\n", encoding="utf-8")
    assert fieldref_main(["--write", str(page)]) == 1
    assert "the markers" in capsys.readouterr().err
    page.write_text(f"# guide\n\n{START}\nold\n{END}\n", encoding="utf-8")
    assert fieldref_main(["--write", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == f"# guide\n\n{START}\n\n{field_reference()}\n{END}\n"
