"""Helpers shared by the sub-commands: loading a scenario and printing its problems."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from simulator.bundled import resolve_scenario
from simulator.diagnostics import MAX_PROBLEMS, Problem, ScenarioError
from simulator.loader import LoadedScenario, load_file


def load_or_report(name: str) -> LoadedScenario | None:
    """The scenario at a path or bundled name; on problems prints them and returns None."""
    try:
        return load_file(resolve_scenario(name))
    except ScenarioError as exc:
        for line in error_lines(exc):
            print(line, file=sys.stderr)
        return None


def error_lines(exc: ScenarioError) -> list[str]:
    """The lines a terminal shows for a file that cannot be used (see `problem_lines`)."""
    # Past MAX_PROBLEMS the capped list ends in a positioned "… and N more" line: left out here.
    return problem_lines(exc.problems[:MAX_PROBLEMS], exc.total)


def problem_lines(problems: list[Problem], total: int | None = None) -> list[str]:
    """The first MAX_PROBLEMS problems of one file, then `FILE: note: N more problems not shown`.

    `total` counts every problem when `problems` holds only the first ones. The note has no
    line and column: the problems left out are spread over the file, and an editor that jumped to
    the position of one of them would hide the rest.
    """
    total = len(problems) if total is None else total
    lines = [str(problem) for problem in problems[:MAX_PROBLEMS]]
    if total > MAX_PROBLEMS and problems:
        rest = total - MAX_PROBLEMS
        lines.append(f"{problems[0].file}: note: {rest:,} more {'problem' if rest == 1 else 'problems'} not shown")
    return lines


def fail(message: str, status: int = 1) -> int:
    """Print an error line and return the exit status."""
    print(f"tabletop: error: {message}", file=sys.stderr)
    return status


def overwrites_input(output: str | Path, *inputs: str | Path) -> str | None:
    """An error message when `output` is one of the `inputs` (by path or by the file itself), else None.

    Written over, an exercise log or a scenario would be gone: one wrong tab completion after a
    workshop must not cost its only record.
    """
    out = Path(output)
    for source in inputs:
        src = Path(source)
        try:
            same = out.exists() and src.exists() and os.path.samefile(out, src)
        except OSError:
            same = False
        if same or out.resolve() == src.resolve():
            return f"{output} is the input file {source}; write the output somewhere else"
    return None


def unwritable(output: str | Path) -> str | None:
    """Why a new file cannot be written at `output` (its folders are made as needed), or None.

    Checked before the work that would fill the file, so that a mistyped path costs an error line,
    not a finished run followed by a traceback.
    """
    out = Path(output)
    if out.is_dir():
        return f"cannot write {output}: it is a folder"
    if out.exists():
        return None  # an existing file is the writer's to accept or refuse, with its own message
    # The nearest part of the path that exists must be a folder: "log.db/run.db" is a slip.
    existing = next((parent for parent in out.parents if parent.exists()), None)
    if existing is not None and not existing.is_dir():
        return f"cannot write {output}: {existing} is a file, not a folder"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Exclusive creation: nothing that appeared meanwhile is touched; the probe goes at once.
        out.open("xb").close()
        out.unlink()
    except OSError as exc:
        return f"cannot write {output}: {exc.strerror or exc}"
    return None
