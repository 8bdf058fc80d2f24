"""Author and participant text made safe to show: literal Rich Text with control characters removed."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from simulator.safetext import clean

__all__ = ["clean", "clock", "countdown", "in_world", "literal", "one_line", "pace_label"]


def one_line(text: str, limit: int = 0) -> str:
    """Clean text folded onto one line, optionally shortened with an ellipsis."""
    flat = " ".join(clean(text).split())
    if limit and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that shows `text` exactly as written: markup is never interpreted."""
    return Text(clean(text), style=style)


def clock(seconds: float) -> str:
    """Scenario time as T+HH:MM:SS."""
    whole = max(0, int(seconds))
    return f"T+{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def countdown(seconds: float) -> str:
    """Time left as MM:SS (or H:MM:SS)."""
    whole = max(0, round(seconds))
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60:02d}:{whole % 60:02d}"


def in_world(start: datetime | None, seconds: float) -> str:
    """The in-world date and time at a scenario time ("" when the scenario has no start)."""
    if start is None:
        return ""
    moment = start + timedelta(seconds=int(seconds))
    return moment.strftime("%a %d %b %H:%M:%S")


def pace_label(pace: float) -> str:
    """A speed in words a trainer reads at a glance."""
    if pace >= 60:
        minutes = pace / 60
        return f"{pace:g}× ({minutes:g} min/s)"
    return f"{pace:g}× ({pace:g} s/s)"
