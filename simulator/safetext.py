"""Author and participant text made safe for a terminal: escape sequences and control characters removed.

Scenario files and messages are untrusted: an inject title holding `ESC [2J` or an OSC title
sequence must not clear anyone's screen or retitle their window, whether it is shown by the
terminal UI or printed by a command.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# Whole escape sequences first (CSI, OSC, DCS/PM/APC strings, two-byte escapes), so their
# parameters do not survive as visible garbage; then every other C0/C1 control but tab and newline.
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
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))


class SafeStream:
    """A text stream that cleans everything written to it (used for the command line's output)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(clean(text))
        # Report the caller's length: some writers check that everything they passed was taken.
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
