#!/usr/bin/env python3
"""Set up Tabletop in ./.venv (once, or when its requirements change) and run it: needs only Python 3.11+.

python3 run.py demo           # the demo exercise
python3 run.py test           # the test suite (extra arguments go to pytest)
python3 run.py COMMAND ...    # any other tabletop command, e.g. validate, simulate, report
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".bootstrap-stamp"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment() -> None:
    """Create the virtual environment and install the project with its test tools, if needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py is what older Pythons meet first
        sys.exit(f"Tabletop needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    print("Setting up Tabletop in .venv (first run only; about a minute) …", file=sys.stderr)
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    install = [*pip, "install", "-e", f"{ROOT}[dev]"]
    if (ROOT / "constraints.txt").exists():
        install += ["-c", str(ROOT / "constraints.txt")]
    subprocess.run(install, check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    ensure_environment()
    if not argv:
        argv = ["demo"]
    env = dict(os.environ)
    # How the user reaches tabletop from here, so hints it prints (e.g. the AAR command) can be run as shown.
    env.setdefault("TABLETOP_COMMAND", f"python3 {Path(sys.argv[0]).resolve()}")
    if argv[0] == "test":
        # The suite runs from the repository; every other command from where the user stands,
        # so relative paths mean what they say.
        command, cwd = [str(PYTHON), "-m", "pytest", *argv[1:]], ROOT
    else:
        command, cwd = [str(PYTHON), "-m", "ui.cli", *argv], Path.cwd()
    try:
        return subprocess.call(command, cwd=cwd, env=env)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
