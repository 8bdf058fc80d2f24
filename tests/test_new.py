"""`tabletop new`: every domain's starter validates, lints clean and plays; existing files are never overwritten."""

from __future__ import annotations

import shlex

import pytest

from simulator.cli import main
from simulator.starter import DOMAINS

ALL_DOMAINS = ["maritime", "cyber", "cbrn", "ct", "hybrid"]


def test_the_five_domains_have_starters():
    assert sorted(DOMAINS) == sorted(ALL_DOMAINS)


@pytest.mark.parametrize("domain", ALL_DOMAINS)
def test_starter_validates_lints_clean_and_simulates(domain, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TABLETOP_COMMAND", raising=False)
    path = tmp_path / f"{domain} Drill 2026.yaml"
    assert main(["new", str(path), "--domain", domain]) == 0
    # The hint pastes into a shell as printed: the spaces in the name are quoted.
    quoted = shlex.quote(str(path))
    assert "'" in quoted
    assert capsys.readouterr().out == (
        f"wrote {path} ({domain} starter); next: tabletop validate {quoted} && tabletop lint {quoted}\n"
    )
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok — ")
    assert main(["lint", str(path)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["simulate", str(path)]) == 0
    assert "score: 100% (P), 3/3 points" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert f"id: {domain}-drill-2026 " in text
    assert f"domain: {domain} " in text
    assert "category: contingency" in text and "decision:" in text and "hotwash:" in text and "model:" in text


def test_default_domain_is_maritime_and_modeline_names_the_installed_schema(tmp_path, capsys):
    from simulator.bundled import bundled_dir

    path = tmp_path / "drill.yaml"
    assert main(["new", str(path)]) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    schema = (bundled_dir() / "tabletop-1.schema.json").resolve()
    assert lines[0] == f"# yaml-language-server: $schema={schema}"
    assert "#   file instead, run `tabletop schema > tabletop-1.schema.json` and change the first line to" in lines
    assert "domain: maritime            # maritime, cyber, cbrn, ct (counter-terrorism) or hybrid" in lines


def test_modeline_uses_a_schema_next_to_the_file(tmp_path, capsys):
    (tmp_path / "tabletop-1.schema.json").write_text("{}", encoding="utf-8")
    path = tmp_path / "drill.yaml"
    assert main(["new", str(path), "--domain", "cyber"]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=tabletop-1.schema.json"
    assert "tabletop schema >" not in text


def test_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text("precious\n", encoding="utf-8")
    assert main(["new", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"tabletop: error: {path} already exists; choose another name or delete it first\n"
    )
    assert path.read_text(encoding="utf-8") == "precious\n"


def test_a_missing_folder_is_made_as_the_guide_shows(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "drills/strait-watch.yaml", "--domain", "maritime"]) == 0
    capsys.readouterr()
    assert main(["validate", "drills/strait-watch.yaml"]) == 0


def test_a_file_where_the_folder_should_be_is_an_error(tmp_path, capsys):
    (tmp_path / "drills").write_text("not a folder\n")
    path = tmp_path / "drills" / "drill.yaml"
    assert main(["new", str(path)]) == 1
    assert capsys.readouterr().err == f"tabletop: error: {path.parent} is a file, not a folder\n"


def test_unknown_domain_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["new", str(tmp_path / "x.yaml"), "--domain", "space"])
    assert exc.value.code == 2
    assert "invalid choice: 'space'" in capsys.readouterr().err


def test_a_name_without_a_suffix_becomes_a_yaml_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TABLETOP_COMMAND", "python3 run.py")
    assert main(["new", str(tmp_path / "ferry-drill")]) == 0
    written = tmp_path / "ferry-drill.yaml"
    assert written.exists() and not (tmp_path / "ferry-drill").exists()
    assert f"next: python3 run.py validate {written} && python3 run.py lint {written}" in capsys.readouterr().out
