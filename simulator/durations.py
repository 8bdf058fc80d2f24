"""Scenario-time durations: parse "90s", "15m", "1h30m" and format seconds back."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$")


MAX_DURATION = 30 * 86400
"""The longest duration a scenario may use, in seconds (30 days): anything longer is a slip of the keyboard."""


class DurationError(ValueError):
    """A string that is not a duration."""


def parse_duration(value: object) -> float:
    """Seconds for a duration written as "90s", "15m", "1h30m" or the number 0."""
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration; write e.g. 90s, 15m or 1h30m")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            # YAML reads .inf and .nan as numbers; "write infs" would be no help.
            raise DurationError("must be a finite duration such as 90s, 15m or 1h30m")
        if value == 0:
            return 0.0
        # A bare number is ambiguous (seconds? minutes?), so the unit is required.
        raise DurationError(f"{value!r} has no unit; write {value}s, {value}m or {value}h")
    if not isinstance(value, str):
        raise DurationError(f"expected a duration such as 90s, 15m or 1h30m, got {type(value).__name__}")
    text = value.strip()
    if text.startswith("-"):
        raise DurationError(f"{value!r} is negative; scenario time only runs forward")
    if any(ch.isspace() for ch in text):
        # The JSON Schema editors check against has no spaces either: both must agree on one file.
        joined = "".join(text.split())
        if _DURATION.match(joined) and joined:
            raise DurationError(f"{value!r} has spaces; write {joined}")
    match = _DURATION.match(text)
    if not text or not match:
        hint = ""
        if re.fullmatch(r"\d+:\d\d(:\d\d)?", text):
            hours, minutes, *rest = text.split(":")
            hint = f" (for {value} write {int(hours)}h{int(minutes)}m" + (f"{int(rest[0])}s" if rest else "") + ")"
        raise DurationError(f"{value!r} is not a duration; write e.g. 90s, 15m or 1h30m{hint}")
    hours = float(match["h"] or 0)
    minutes = float(match["m"] or 0)
    seconds = float(match["s"] or 0)
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds: float) -> str:
    """The shortest "1h30m"-style text for a number of seconds."""
    seconds = round(seconds, 3)
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{int(hours)}h")
    if minutes:
        parts.append(f"{int(minutes)}m")
    if secs:
        parts.append(f"{secs:g}s")
    return sign + "".join(parts)


def format_clock(seconds: float) -> str:
    """Elapsed scenario time as T+HH:MM:SS, the way an MSEL writes it."""
    sign = "-" if seconds < 0 else "+"
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"T{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
