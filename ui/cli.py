"""Entry point of the `tabletop` command: the headless commands plus those that open the terminal UI."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from simulator.cli import main as core_main
from ui import network
from ui.commands import register


def main(argv: Sequence[str] | None = None) -> int:
    """Run `tabletop`; returns the exit status."""
    return core_main(argv, extra=[register, network.register])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
