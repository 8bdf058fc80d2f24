"""No command lets author text reach the terminal as escape sequences or control characters."""

from __future__ import annotations

import io
import sys

import pytest

from simulator.cli import main
from simulator.safetext import clean
from tests.conftest import SCENARIOS

HOSTILE_TITLE = '"[bold red]x[/] \\x1b[2J\\x1b]0;pwned\\x07 \\x9b31m drill\\r"'


@pytest.fixture
def hostile(tmp_path):
    text = (SCENARIOS / "port-drill.yaml").read_text(encoding="utf-8")
    text = text.replace("title: Port drill — bunker spill at the container terminal", f"title: {HOSTILE_TITLE}")
    text = text.replace("title: Bunker hose parted at berth 7", 'title: "Hose \\x1b[31mparted\\x1b[0m"')
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


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
def test_commands_print_hostile_author_text_inert(argv, hostile, capsys):
    assert main([arg.format(hostile) for arg in argv]) in (0, 1)
    out = capsys.readouterr()
    for stream in (out.out, out.err):
        assert not any(ch in stream for ch in "\x1b\x07\x9b\r")
    # The text itself survives, literally, minus the control sequences.
    shown = out.out + out.err
    assert "[bold red]x[/]" in shown or "Hose parted" in shown or argv[0] == "sweep"


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
