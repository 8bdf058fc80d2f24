"""No command lets author text reach the terminal as escape sequences or control characters."""

from __future__ import annotations

import io
import sys

import pytest

from simulator.cli import main
from simulator.safetext import clean
from tests.conftest import SCENARIOS

HOSTILE_TITLE = '"[bold red]x[/] [link=http://x]drill[/link]"'
ESCAPING_TITLE = '"[bold red]x[/] \\x1b[2J\\x1b]0;pwned\\x07 \\x9b31m drill\\r"'


def _drill(tmp_path, title: str, inject_title: str):
    text = (SCENARIOS / "port-drill.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Port drill — bunker spill at the container terminal", f"title: {title}")
    text = text.replace("title: Bunker hose parted at berth 7", f"title: {inject_title}")
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path):
    """A valid scenario whose text is Rich markup: every command must print it as written."""
    return _drill(tmp_path, HOSTILE_TITLE, '"Hose [reverse]parted[/reverse]"')


@pytest.fixture
def escaping(tmp_path):
    """A scenario whose text holds terminal escapes (YAML double-quoted escapes): refused, never echoed."""
    return _drill(tmp_path, ESCAPING_TITLE, '"Hose \\x1b[31mparted\\x1b[0m"')


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{}"],
        ["simulate", "{}", "--policy", "model"],
        ["msel", "{}"],
        ["msel", "{}", "--format", "csv"],
        ["sweep", "{}", "--runs", "3", "--jobs", "1"],
    ],
    ids=["validate", "simulate", "msel-md", "msel-csv", "sweep"],
)
def test_commands_print_markup_in_author_text_as_written(argv, hostile, capsys):
    assert main([arg.format(hostile) for arg in argv]) == 0
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "[bold red]x[/]" in shown or "[reverse]parted[/reverse]" in shown or argv[0] == "sweep"


@pytest.mark.parametrize("command", ["validate", "simulate", "msel", "sweep", "lint"])
def test_escapes_in_author_text_are_refused_and_never_reach_the_terminal(command, escaping, capsys):
    assert main([command, str(escaping)]) == 1
    out = capsys.readouterr()
    for stream in (out.out, out.err):
        assert not any(ch in stream for ch in "\x1b\x07\x9b\r")
    assert "hostile.yaml:5:8: error: text holds the control character U+001B (ESC)" in out.err + out.out


def test_clean_removes_whole_sequences_and_keeps_text():
    assert clean("a\x1b[2Jb\x1b]0;title\x07c\x9b31md\te\nf") == "abcd\te\nf"
    assert clean("plain [bold]text[/]") == "plain [bold]text[/]"


class FakeTerminal(io.StringIO):
    """Stands in for a terminal on stderr, so the sweep draws its progress bar into it."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_keeps_its_own_control_sequences_and_only_those(hostile, monkeypatch, capsys):
    # Warnings name the scenario file, so a hostile file name reaches stderr next to the bar.
    scenario = hostile.rename(hostile.with_name("drill\x1b]0;pwned\x07\x1b[2J.yaml"))
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["sweep", str(scenario), "--runs", "3", "--jobs", "1", "-o", str(scenario.with_suffix(".html"))]) == 0
    shown = terminal.getvalue()
    assert "drill.yaml:" in shown and "warning:" in shown  # the name, minus its escape sequences
    # The bar is redrawn in place and wiped at the end, so it needs its carriage return and erase-line ...
    assert shown.startswith("\r\x1b[2K[") and "] 3/3 runs" in shown
    wipe = shown.index("\r\x1b[2K", shown.index("] 3/3 runs"))
    # ... but everything else on stderr (warnings quote author ids and paths) is still cleaned.
    rest = shown.replace("\r\x1b[2K", "")
    assert not any(ch in rest for ch in "\x1b\x07\x9b\r")
    assert "report:" in shown[wipe:]
    assert not any(ch in capsys.readouterr().out for ch in "\x1b\x07\x9b\r")
