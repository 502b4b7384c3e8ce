"""Paths that alias: the files one request reads and writes must be distinct files.

The input, the output, the manifest and the request log (with SQLite's ``-wal``, ``-shm`` and
``-journal`` companions) are compared before anything is written, in two ways:

- by *real path* (``os.path.realpath``: symlinks, symlinked folders, ``..`` and ``./`` resolved),
  which also covers files that do not exist yet (the output, a new manifest);
- by *file identity* (``st_dev``, ``st_ino``) for those that exist, so two names of one file
  (a hard link, a bind mount) are the same file.

A clash is a :class:`~redactor.errors.UsageError` (exit 2) raised before the log is opened or
any output created, so nothing changes. ``-`` (standard input or output) and database URLs are
not files and are left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redactor.errors import UsageError

if TYPE_CHECKING:
    from redactor.audit import Job

LOG_COMPANIONS = ("", "-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class Role:
    """One file a request touches: what it is (``input``, ``output``…) and its path."""

    role: str
    path: str


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)  # follows symlinks: a link to the input is the input
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _is_file_path(path: str | None) -> bool:
    return bool(path) and path != "-" and "://" not in path


def expand(roles: list[Role]) -> list[Role]:
    """The request log's companion files join it under its role (a manifest written over
    ``log-wal`` would corrupt the log as surely as one over the log)."""
    out = []
    for r in roles:
        if r.role == "request log":
            out += [Role(r.role, r.path + s) for s in LOG_COMPANIONS]
        else:
            out.append(r)
    return out


def check_distinct(roles: list[Role]) -> None:
    """Raise UsageError when two roles name the same file (real path or device and inode)."""
    files = [r for r in expand([r for r in roles if _is_file_path(r.path)])]
    seen: list[tuple[Role, str, tuple[int, int] | None]] = []
    for r in files:
        real = os.path.realpath(os.path.expanduser(r.path))
        ident = _identity(real)
        for other, o_real, o_ident in seen:
            if other.role == r.role:
                continue
            if real == o_real or (ident is not None and ident == o_ident):
                how = "is the same file as" if real != o_real else "resolves to the same path as"
                raise UsageError(
                    f"The {r.role} {r.path!r} {how} the {other.role} {other.path!r}; "
                    "nothing was written",
                    hint=f"choose another path for the {r.role} (symlinks and hard links to "
                    "one file count as the same file)",
                )
        seen.append((r, real, ident))


def check_job_paths(job: Job, log_target: str | None, *, with_log: bool = True) -> None:
    """Input, output, manifest and request log of one request must be four distinct files (by
    real path and by device and inode), checked before the log is opened or anything is
    written. ``log_target`` None is the default log."""
    from redactor.audit import manifest_path_for

    roles = [Role("input", job.source), Role("output", job.output)]
    manifest = manifest_path_for(job)
    if manifest:
        roles.append(Role("manifest", manifest))
    if with_log:
        from redactor.requestlog.log import default_log_target

        roles.append(Role("request log", log_target or default_log_target()))
    check_distinct(roles)


__all__ = ["Role", "check_distinct", "check_job_paths"]
