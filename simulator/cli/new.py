"""`tabletop new PATH [--domain D]`: write a commented starter scenario that validates and lints clean."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from simulator.cli.common import fail
from simulator.starter import DOMAINS, starter_text


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("new", help="write a commented starter scenario (refuses to overwrite)")
    parser.add_argument("path", metavar="PATH", help="the scenario file to create, e.g. my-drill.yaml")
    parser.add_argument(
        "--domain",
        choices=sorted(DOMAINS),
        default="maritime",
        help="tailor teams, roles, state and injects to this domain (default maritime)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if not path.suffix:
        # `tabletop new ferry-drill` means a scenario file: editors pick the YAML language (and the
        # schema) by the suffix.
        path = path.with_name(path.name + ".yaml")
    if path.exists():
        return fail(f"{path} already exists; choose another name or delete it first")
    if path.parent.exists() and not path.parent.is_dir():
        return fail(f"{path.parent} is a file, not a folder")
    try:
        # Like `report -o` and `simulate --log`: a missing folder is made, not an error.
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return fail(f"cannot create folder {path.parent}: {exc.strerror or exc}")
    text = starter_text(path, args.domain)
    try:
        # "x" mode: never clobber a file that appeared since the check above.
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        return fail(f"cannot write {path}: {exc.strerror or exc}")
    # Pasted as it is printed: quoted where the shell needs it, with the command as this was started.
    command = os.environ.get("TABLETOP_COMMAND", "").strip() or "tabletop"
    quoted = shlex.quote(str(path))
    print(f"wrote {path} ({args.domain} starter); next: {command} validate {quoted} && {command} lint {quoted}")
    return 0
