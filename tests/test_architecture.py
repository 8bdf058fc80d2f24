"""The headless core stays headless: importing any simulator module never pulls in Textual or the UI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def simulator_modules() -> list[str]:
    modules = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules


def test_no_simulator_source_imports_textual_or_ui():
    offenders = []
    for path in (ROOT / "simulator").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("textual", "ui")]
    assert offenders == []


def test_importing_every_simulator_module_loads_no_textual():
    code = (
        "import importlib, sys\n"
        f"for name in {simulator_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'ui'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_the_ui_talks_only_to_the_session_api():
    """Consoles read and command through the session, never its engine: a remote session has no engine."""
    offenders = []
    for path in (ROOT / "ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("exercise", "env"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.module in ("simpy", "simulator.engine"):
                names = {alias.name for alias in node.names}
                # The refusal and the record types are part of the API; the Exercise and its clock are not.
                if node.module == "simpy" or names - {"CommandError", "DecisionRecord"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module}")
            elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "simpy" for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: import simpy")
    assert offenders == []
