"""The scenarios that ship with Tabletop, found in a checkout or an installed wheel."""

from __future__ import annotations

import difflib
from pathlib import Path

from simulator.diagnostics import Problem, ScenarioError


def bundled_dir() -> Path:
    """The folder holding the bundled scenario files."""
    installed = Path(__file__).parent / "bundled_scenarios"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "scenarios"


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario name (file stem) → path."""
    folder = bundled_dir()
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def resolve_scenario(name: str) -> Path:
    """A path as given if it exists, else the bundled scenario of that name (with or without .yaml).

    A bare word (no folder, no .yaml) may also be the start or a part of one bundled name
    (`maritime` → maritime-bintan). A bare word that names no file and no single bundled scenario
    raises ScenarioError saying which bundled names it matches or resembles; saying "cannot read
    file" there would send the reader looking for a file they never meant. A path that does not
    exist is returned as given, so reading it reports the missing file.
    """
    path = Path(name)
    if path.exists():
        return path
    bundled = bundled_scenarios()
    stem = name.removesuffix(".yaml")
    if stem in bundled:
        return bundled[stem]
    if any(sep in name for sep in "/\\") or name.lower().endswith((".yaml", ".yml")) or not bundled:
        return path
    # Names that start with the word come first: `c` is more likely cyber-… than port-….
    starting = [s for s in bundled if s.startswith(stem)]
    matches = starting or [s for s in bundled if stem and stem in s]
    if len(matches) == 1:
        return bundled[matches[0]]
    if matches:
        message = f"{name!r} matches several bundled scenarios: {', '.join(matches)}"
    else:
        message = f"no scenario file or bundled scenario named {name!r}; " + _suggestion(stem, list(bundled))
    raise ScenarioError([Problem(name, 1, 1, message)])


def _suggestion(word: str, names: list[str]) -> str:
    # Compare with each name and with its first words too: "maritme" is close to "maritime",
    # not to all of "maritime-bintan".
    scored = []
    for candidate in names:
        parts = candidate.split("-")
        prefixes = ["-".join(parts[:n]) for n in range(1, len(parts) + 1)]
        score = max(difflib.SequenceMatcher(None, word, p).ratio() for p in prefixes)
        scored.append((score, candidate))
    best = max(scored)
    if best[0] >= 0.6:
        return f"did you mean {best[1]}?"
    return f"bundled scenarios: {', '.join(names)}"
