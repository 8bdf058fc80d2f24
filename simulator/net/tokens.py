"""Role tokens: the secret each participant's client presents to play one role of an exercise.

A token is all a client needs to act as its role, so tokens are random (128 bits), kept only in a
file beside the exercise log that only its owner may read (`runs/x.db` → `runs/x.tokens.json`,
mode 0600), and never logged. A resumed exercise reuses the file, so participants reconnect with
the token they were given. Looking a token up compares it with every token in constant time.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

TOKEN_BYTES = 16
"""Random bytes per token (token_urlsafe turns 16 into 22 characters)."""


class TokenFileError(Exception):
    """A tokens file that cannot be read or written; the text says which file and why."""


def issue(roles: Iterable[str]) -> dict[str, str]:
    """A fresh random token for each role."""
    return {role: secrets.token_urlsafe(TOKEN_BYTES) for role in roles}


def tokens_path(log: str | Path) -> Path:
    """Where the tokens of the exercise logged in `log` are kept: beside it, `x.db` → `x.tokens.json`."""
    log = Path(log)
    return log.with_name(f"{log.stem}.tokens.json")


def load_or_issue(log: str | Path, roles: Iterable[str]) -> dict[str, str]:
    """The tokens of the exercise logged in `log`: those already issued, and new ones for roles that have none.

    The file is read if it exists (a resumed exercise: participants keep their tokens) and written
    when anything changed — a role without a token gets one, a role no longer in the scenario loses
    its own — atomically and readable by its owner only. Raises TokenFileError for a damaged file
    rather than issuing new tokens over it, which would lock every participant out without a word.
    """
    path = tokens_path(log)
    wanted = list(dict.fromkeys(roles))
    kept = _read(path) if path.exists() else {}
    tokens = {role: kept[role] for role in wanted if role in kept}
    tokens.update(issue(role for role in wanted if role not in tokens))
    if tokens != kept:
        _write(path, tokens)
    return tokens


def role_for(tokens: Mapping[str, str], token: str) -> str | None:
    """The role whose token this is, or None; every token is compared, in constant time each."""
    offered = token.encode("utf-8", "surrogatepass")
    found: str | None = None
    for role, known in tokens.items():
        # No early exit: how long the lookup takes must not tell which (or whether a) token matched.
        # Bytes, not str: compare_digest refuses str with non-ASCII characters, which a client may send.
        if hmac.compare_digest(known.encode("utf-8"), offered):
            found = role
    return found


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TokenFileError(f"{path}: cannot read the role tokens ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items()):
        raise TokenFileError(f"{path}: not a tokens file (expected a JSON object of role id to token)")
    return data


def _write(path: Path, tokens: dict[str, str]) -> None:
    text = json.dumps(tokens, indent=2, sort_keys=True) + "\n"
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600 in the same folder, so the rename below is atomic
        # and the tokens are never readable by others, not even for an instant; a crash leaves the
        # old file as it was.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise TokenFileError(f"{path}: cannot write the role tokens ({exc})") from None
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is only durable once the folder is; not every platform lets a folder be opened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
