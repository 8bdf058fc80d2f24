"""Helpers shared by the sub-commands: loading a scenario and printing its problems."""

from __future__ import annotations

import sys

from simulator.bundled import resolve_scenario
from simulator.diagnostics import ScenarioError
from simulator.loader import LoadedScenario, load_file


def load_or_report(name: str) -> LoadedScenario | None:
    """The scenario at a path or bundled name; on problems prints them and returns None."""
    try:
        return load_file(resolve_scenario(name))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None


def fail(message: str, status: int = 1) -> int:
    """Print an error line and return the exit status."""
    print(f"tabletop: error: {message}", file=sys.stderr)
    return status
