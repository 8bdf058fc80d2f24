"""The scenarios that ship with Tabletop, found in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path


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
    """A path as given if it exists, else the bundled scenario of that name (with or without .yaml)."""
    path = Path(name)
    if path.exists():
        return path
    bundled = bundled_scenarios()
    stem = name.removesuffix(".yaml")
    if stem in bundled:
        return bundled[stem]
    matches = [p for s, p in bundled.items() if s.startswith(stem) or stem in s]
    if len(matches) == 1 and not any(sep in name for sep in "/\\"):
        return matches[0]
    return path
