"""Author and participant text made safe to show: literal Rich Text with control characters removed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text

# Whole escape sequences first (CSI, OSC, DCS/PM/APC strings, two-byte escapes), so their
# parameters do not survive as visible garbage, then every remaining C0/C1 control but tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clear screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """The text without terminal escape sequences or control characters (tabs and newlines kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


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
