"""The `tabletop` command line: headless commands, each in its own module, plus any the UI adds."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from simulator import __version__
from simulator.safetext import SafeStream

# Each module has `register(subparsers)`, which adds its sub-command and sets `handler`.
COMMAND_MODULES = (
    "simulator.cli.validate",
    "simulator.cli.lint",
    "simulator.cli.schema",
    "simulator.cli.simulate",
    "simulator.cli.report",
    "simulator.cli.sweep",
    "simulator.cli.new",
    "simulator.cli.msel",
    "simulator.cli.log",
)

Registrar = Callable[[argparse._SubParsersAction], None]


class CommandStream(SafeStream):
    """The cleaned stream commands print through, which remembers the stream it cleans for."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.unfiltered = stream


def control_stream(stream: TextIO) -> TextIO:
    """The terminal under the command line's text cleaning, for a command's own control sequences.

    Only for sequences the command writes itself with nothing from a scenario in them, such as a
    progress bar's carriage return and line erase, which the cleaning would otherwise strip (and the
    bar would then pile up on one line). Author text must keep going through `stream`.
    """
    return stream.unfiltered if isinstance(stream, CommandStream) else stream


def build_parser(extra: Sequence[Registrar] = ()) -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tabletop",
        description="Tabletop: crisis-management exercises as discrete-event simulations.",
    )
    parser.add_argument("--version", action="version", version=f"tabletop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in extra:
        register(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None, extra: Sequence[Registrar] = ()) -> int:
    """Run the command line; returns the exit status (0 ok, 1 problems found, 2 usage)."""
    # Commands print author text (titles, messages, ids in errors): none of it may reach the
    # terminal as escape sequences.
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CommandStream(out), CommandStream(err)  # type: ignore[assignment]
    try:
        return _run(argv, extra)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None, extra: Sequence[Registrar]) -> int:
    parser = build_parser(extra)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
