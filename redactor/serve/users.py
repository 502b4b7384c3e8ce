"""The users file of ``redactor serve``: one ``NAME SCRAM-SHA-256$…`` line per login.

Only salted SCRAM-SHA-256 verifiers are stored (never a password or an unsalted hash). The file
is written whole to a temporary file beside it and renamed into place, owner-only (0600); a file
that others can write is refused when the server reads it (anyone who could write it could add
a login).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

from redactor.errors import BadInputError, UsageError
from redactor.serve.scram import Verifier

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$")
HEADER = "# redactor serve users: NAME SCRAM-SHA-256 verifier (written by `redactor users add`)\n"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise UsageError(
            f"user name {name!r} is not allowed",
            hint="use 1-63 letters, digits, '_', '.', '@' or '-', starting with a letter, digit "
            "or '_'",
        )
    return name


def read_users(path: str | os.PathLike) -> dict[str, Verifier]:
    p = Path(path)
    try:
        st = p.stat()
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(
            f"users file {p}: no such file",
            hint="create it with `redactor users add NAME --users FILE`",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInputError(f"users file {p}: cannot read it ({type(e).__name__})") from None
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise BadInputError(f"users file {p} can be written by other users", hint=f"chmod 600 {p}")
    out: dict[str, Verifier] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, verifier = line.partition(" ")
        where = f"users file {p}, line {n}"
        if not NAME.match(name):
            raise BadInputError(f"{where}: bad user name")
        if name in out:
            raise BadInputError(f"{where}: user {name} appears twice")
        out[name] = Verifier.parse(verifier, where)
    return out


def write_users(path: str | os.PathLike, users: dict[str, Verifier]) -> None:
    """Write the whole file atomically (temporary file, fsync, rename), mode 0600."""
    p = Path(path)
    body = HEADER + "".join(f"{n} {v.text()}\n" for n, v in sorted(users.items()))
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def add_user(path: str | os.PathLike, name: str, password: str, *, replace: bool = False) -> bool:
    """Add (or with ``replace``, change) one login. Returns True when it replaced one."""
    check_name(name)
    if not password:
        raise UsageError("the password is empty")
    p = Path(path)
    users = read_users(p) if p.exists() else {}
    existed = name in users
    if existed and not replace:
        raise UsageError(
            f"user {name} already exists in {p}", hint="pass --replace to change the password"
        )
    users[name] = Verifier.create(password)
    write_users(p, users)
    return existed
