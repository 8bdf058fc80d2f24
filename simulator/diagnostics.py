"""Problems found in a file, printed as FILE:LINE:COL: severity: MESSAGE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning at a position in a file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly form."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
        }


MAX_PROBLEMS = 100
"""Problems shown per file: past this many, the rest are one line saying how many more there are."""


def capped(problems: list[Problem]) -> list[Problem]:
    """The problems of one file in file order: the first MAX_PROBLEMS, then one "… and N more" line.

    A pasted blob can hold hundreds of thousands of mistakes; printing them all buries the first,
    which is the one to fix. The last line sits at the first problem left out.
    """
    ordered = sorted(problems, key=lambda p: (p.line, p.col, p.message))
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    rest = ordered[MAX_PROBLEMS:]
    first = rest[0]
    severity = "error" if any(p.severity == "error" for p in rest) else "warning"
    noun = "problem" if len(rest) == 1 else "problems"
    summary = Problem(first.file, first.line, first.col, f"… and {len(rest):,} more {noun} not shown", severity)
    return ordered[:MAX_PROBLEMS] + [summary]


class ScenarioError(Exception):
    """A scenario file that cannot be used; carries its problems in file order (capped, see `capped`)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = capped(problems)
        self.total = len(problems)
        """How many problems there are, counting those `problems` leaves out."""
        super().__init__("\n".join(str(p) for p in self.problems))
