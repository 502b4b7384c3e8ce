"""The dataset directories: input files and their partition columns, the private staging
directory, the atomic commit, and file facts (size, SHA-256, Parquet row count) gathered on the
executors.

Paths are filesystem paths that the driver and every executor see (one machine, or a shared
mount such as NFS or Lustre); ``hdfs://`` and object-store URIs are refused for now (see
docs/scale.md, Limits).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from redactor.errors import DataError, UsageError

if TYPE_CHECKING:
    from pyspark import SparkContext

_CHUNK = 1 << 20


def check_local_path(path: str, role: str) -> None:
    scheme = urlparse(path).scheme
    if scheme and scheme != "file" and len(scheme) > 1:  # "C:" is not a scheme
        raise UsageError(
            f"{role} {path}: only filesystem paths are supported with --engine spark for now",
            hint="use a path the driver and every executor see (e.g. a shared mount); "
            "see docs/scale.md",
        )


def local_path(uri: str) -> str:
    """A ``file:`` URI as Spark reports it (percent-encoded) back to a path."""
    u = urlparse(uri)
    if u.scheme in ("", "file"):
        return unquote(u.path) if u.scheme else uri
    raise DataError(f"Spark read {u.scheme}:// files, which redactor cannot verify")


def partition_columns(root: str, files: Iterable[str]) -> list[str]:
    """Hive-style partition column names (``col=value/`` directories), outermost first."""
    names: list[str] = []
    base = Path(root).resolve()
    for f in files:
        rel = Path(f).resolve().relative_to(base)
        keys = [part.split("=", 1)[0] for part in rel.parts[:-1] if "=" in part]
        if len(keys) > len(names):
            names = keys
    return names


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str
    size: int
    sha256: str
    rows: int | None  # from the Parquet footer; None for other files (_SUCCESS, .crc)


def file_facts(path: str, parquet: bool | None = None) -> FileFacts:
    """Runs on an executor: hash one file and read its footer's row count. ``parquet``: None
    decides by the name (Spark's ``part-*.parquet``; not ``_SUCCESS`` or ``.crc`` files)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    rows = None
    name = os.path.basename(path)
    if parquet is None:
        parquet = name.endswith(".parquet") and not name.startswith(("_", "."))
    if parquet:
        import pyarrow.parquet as pq

        rows = pq.read_metadata(path).num_rows
    return FileFacts(path, size, h.hexdigest(), rows)


def gather_facts(
    sc: SparkContext, paths: Sequence[str], *, parquet: bool | None = None
) -> list[FileFacts]:
    """File facts for ``paths``, computed in parallel by the executors."""
    if not paths:
        return []
    slices = max(1, min(len(paths), sc.defaultParallelism * 4))
    sc.setJobDescription("redactor: hash files and read Parquet footers")
    try:
        facts = functools.partial(file_facts, parquet=parquet)
        return sc.parallelize(list(paths), slices).map(facts).collect()
    finally:
        sc.setJobDescription(None)  # type: ignore[arg-type]


def tree_digest(root: str, facts: Iterable[FileFacts]) -> str:
    """SHA-256 over (relative path, size, SHA-256) of every file, sorted by path."""
    h = hashlib.sha256()
    base = Path(root).resolve()
    for rel, f in sorted((Path(f.path).resolve().relative_to(base).as_posix(), f) for f in facts):
        h.update(f"{rel}\t{f.size}\t{f.sha256}\n".encode())
    return h.hexdigest()


def all_files(root: str) -> list[str]:
    """Every file under ``root``, hidden and bookkeeping files included."""
    out = []
    for d, _, names in os.walk(root):
        out.extend(os.path.join(d, n) for n in names)
    return out


class StagedDirectory:
    """An output directory that appears whole or not at all.

    Spark writes into ``.<name>.<random>.tmp/data`` beside the destination (the staging parent
    is private: mode 0700); :meth:`commit` renames ``data`` to the destination, :meth:`abort`
    removes the staging directory. An existing destination is replaced only when ``replace``
    is set, and then only after the new directory is complete.
    """

    def __init__(self, dest: str, *, replace: bool = False) -> None:
        self.dest = os.path.abspath(dest)
        self.replace = replace
        self.staging: str | None = None

    def check(self) -> None:
        parent = os.path.dirname(self.dest)
        if not os.path.isdir(parent):
            raise UsageError(f"{self.dest}: the folder {parent} does not exist")
        if os.path.lexists(self.dest):
            if not os.path.isdir(self.dest) or os.path.islink(self.dest):
                raise UsageError(
                    f"{self.dest} exists and is not a directory",
                    hint="name a new directory with -o",
                )
            if not self.replace:
                raise UsageError(
                    f"the output directory {self.dest} already exists",
                    hint="name a new directory with -o, or add --overwrite to replace it "
                    "once the new output is complete",
                )

    def open(self) -> str:
        """Create the staging directory; returns the path Spark should write to."""
        self.check()
        parent = os.path.dirname(self.dest)
        name = os.path.basename(self.dest)
        try:
            self.staging = tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
        except OSError as e:
            raise DataError(
                f"{self.dest}: cannot create a directory in {parent} ({e.strerror})"
            ) from None
        return os.path.join(self.staging, "data")

    @property
    def data(self) -> str:
        assert self.staging is not None
        return os.path.join(self.staging, "data")

    def commit(self) -> None:
        assert self.staging is not None
        old = None
        if os.path.lexists(self.dest):
            if not self.replace:
                raise DataError(
                    f"{self.dest} appeared while the job ran; the new output was not committed"
                )
            old = os.path.join(self.staging, "replaced")
            os.rename(self.dest, old)
        try:
            os.rename(self.data, self.dest)
        except OSError:
            if old is not None:  # put the previous output back
                os.rename(old, self.dest)
            raise
        _fsync_dir(os.path.dirname(self.dest))
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None

    def abort(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
