"""Entry point of the `tabletop` command: the headless commands plus those that open the terminal UI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from simulator.cli import main as core_main

DEMO_SCENARIO = "port-drill"


def _register_demo(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="play the demo exercise (headless until the consoles land)")
    parser.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    return core_main(["simulate", DEMO_SCENARIO, "--policy", "model"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run `tabletop`; returns the exit status."""
    return core_main(argv, extra=[_register_demo])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
