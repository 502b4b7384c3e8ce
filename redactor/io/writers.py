"""Streaming writers and the atomic destination.

Output goes to a private temporary file beside the destination (owner-only permissions; an
anonymous ``O_TMPFILE`` where Linux allows, so a killed run leaves nothing) and is renamed over
it only when everything succeeded; on any failure the destination is untouched and the temporary
file removed. Parquet is written fresh: no column statistics, no dictionary pages,
no key-value metadata (any of which could carry withheld values).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import errno
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv

from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.io.streams import HashingWriter


class BatchWriter(Protocol):
    def write(self, batch: pa.RecordBatch) -> None: ...
    def close(self) -> None: ...


class _CsvWriter:
    def __init__(self, sink: BinaryIO, schema: pa.Schema, delimiter: str) -> None:
        for f in schema:
            if pa.types.is_nested(f.type):
                raise DataError(
                    f"column {f.name!r} holds nested values, which CSV cannot hold",
                    hint="write Parquet or JSONL, or withhold the column",
                )
        # Arrow's CSV writer has no view types: write them as their plain counterparts
        plain = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
        self._schema = pa.schema([f.with_type(plain.get(f.type, f.type)) for f in schema])
        self._cast = self._schema != schema
        self._w = pacsv.CSVWriter(
            sink,
            self._schema,
            write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed"),
        )

    def write(self, batch: pa.RecordBatch) -> None:
        self._w.write_batch(batch.cast(self._schema) if self._cast else batch)

    def close(self) -> None:
        self._w.close()


class _ParquetWriter:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq  # only a Parquet output needs it (start-up)

        from redactor.settings import current

        self._w = pq.ParquetWriter(
            sink,
            schema.remove_metadata(),
            compression=current().parquet_compression,
            use_dictionary=False,
            write_statistics=False,
            store_schema=False,
            write_page_index=False,
        )
        self._schema = schema.remove_metadata()

    def write(self, batch: pa.RecordBatch) -> None:
        self._w.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=self._schema))

    def close(self) -> None:
        self._w.close()


def _json_default(v: object) -> object:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, pa.MonthDayNano):
        return {"months": v.months, "days": v.days, "nanoseconds": v.nanoseconds}
    raise TypeError(f"cannot write a {type(v).__name__} value as JSON")


class _JsonlWriter:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        self._sink = sink

    def write(self, batch: pa.RecordBatch) -> None:
        enc = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False
        )
        lines = [enc.encode(row) for row in batch.to_pylist()]
        if lines:
            self._sink.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        self._sink.flush()


def open_writer(fmt: Format, sink: BinaryIO, schema: pa.Schema) -> BatchWriter:
    if fmt is Format.CSV:
        return _CsvWriter(sink, schema, ",")
    if fmt is Format.TSV:
        return _CsvWriter(sink, schema, "\t")
    if fmt is Format.PARQUET:
        return _ParquetWriter(sink, schema)
    return _JsonlWriter(sink, schema)


_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "host"
_TMP_RE = re.compile(r"\.redactor-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-[a-z0-9_]+\.tmp$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_stale_temps(folder: Path) -> list[str]:
    """Remove temporary outputs that runs on this host left behind in ``folder`` when killed
    (their process is gone). Returns the names removed. Only files this user owns, named by
    :class:`AtomicOutput`, are touched."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    uid = os.getuid()
    for ent in entries:
        m = _TMP_RE.search(ent.name)
        if not (ent.name.startswith(".") and m and m.group("host") == _HOST):
            continue
        try:
            if ent.stat(follow_symlinks=False).st_uid != uid or _pid_alive(int(m.group("pid"))):
                continue
            os.unlink(ent.path)
            removed.append(ent.name)
        except OSError:
            continue
    return removed


class AtomicOutput:
    """A destination that appears whole or not at all.

    ``open()`` gives a hashing binary sink; ``commit()`` fsyncs and puts the file in place;
    ``abort()`` discards it. ``-`` is standard output: the data is spooled to an anonymous
    private temporary file (in ``$TMPDIR``) and copied to standard output only on ``commit()``,
    so a failure leaves standard output empty. Files are created owner-only (``mode``, 0600).

    Where the filesystem allows (Linux ``O_TMPFILE``) the data is written to an anonymous file
    in the destination's folder: a process killed while writing leaves nothing behind. On
    commit it is linked under a temporary name (``linkat`` of ``/proc/self/fd/N`` with
    ``AT_SYMLINK_FOLLOW``: a plain ``link()`` of that path fails with EXDEV) and renamed over
    the destination. Elsewhere a named temporary ``.NAME.redactor-HOST-PID-RANDOM.tmp`` is
    used; ones whose process is dead are swept by the next run writing to that folder."""

    def __init__(self, path: str, *, mode: int = 0o600) -> None:
        self.path = path
        self.mode = mode
        self.tmp: str | None = None
        self._fh: BinaryIO | None = None
        self._anonymous = False
        self._error: OSError | None = None
        self.sink: HashingWriter | None = None

    @property
    def is_stdout(self) -> bool:
        return self.path == "-"

    def _temp_name(self) -> str:
        dest = Path(self.path)
        tag = secrets.token_hex(4)
        return str(dest.parent / f".{dest.name}.redactor-{_HOST}-{os.getpid()}-{tag}.tmp")

    def open(self) -> HashingWriter:
        if self.is_stdout:
            # Spooled: standard output gets nothing until the whole input was read, checked and
            # the request's completion logged; a failure near the end leaves it empty.
            try:
                self._fh = tempfile.TemporaryFile(buffering=1 << 20)  # noqa: SIM115 (closed by commit/abort)
            except OSError as e:
                raise DataError(
                    f"standard output: cannot create a spool file in {tempfile.gettempdir()} "
                    f"({e.strerror})",
                    hint="set TMPDIR to a writable folder with free space",
                ) from None
            self.sink = HashingWriter(self._fh)
            return self.sink
        dest = Path(self.path)
        if dest.is_dir():
            raise DataError(f"{self.path} is a directory", hint="name an output file with -o")
        parent = dest.parent if str(dest.parent) else Path(".")
        if not parent.is_dir():
            raise DataError(f"{self.path}: the folder {parent} does not exist")
        sweep_stale_temps(parent)
        try:
            fd = self._open_anonymous(parent)
            if fd is None:
                self.tmp = self._temp_name()
                fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.mode)
            os.fchmod(fd, self.mode)
        except OSError as e:
            raise DataError(
                f"{self.path}: cannot create a file in {parent} ({e.strerror})"
            ) from None
        self._fh = os.fdopen(fd, "wb", buffering=1 << 20)
        self.sink = HashingWriter(self._fh)
        return self.sink

    def _open_anonymous(self, parent: Path) -> int | None:
        flag = getattr(os, "O_TMPFILE", None)
        if flag is None or not os.path.isdir("/proc/self/fd"):
            return None
        try:
            fd = os.open(parent, flag | os.O_RDWR, self.mode)  # readable: see _link_anonymous
        except OSError as e:
            if e.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                return None  # the filesystem (or kernel) has no anonymous files
            raise
        self._anonymous = True
        return fd

    def sha256(self) -> str:
        assert self.sink is not None
        return self.sink.hexdigest()

    def write_error(self) -> OSError | None:
        """The error that stopped writing the output, if writing it is what failed."""
        if self.sink is not None and self.sink.error is not None:
            return self.sink.error
        return self._error

    def finish_writing(self) -> None:
        """Flush and fsync the temporary file (before the request's completion is logged)."""
        try:
            if self.is_stdout:
                if self._fh is not None:
                    self._fh.flush()
            elif self._fh is not None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                if not self._anonymous:  # an anonymous file must stay open until linked
                    self._fh.close()
                    self._fh = None
        except OSError as e:
            self._error = e
            raise

    def commit(self) -> None:
        self.finish_writing()
        if self.is_stdout:
            self._release_to_stdout()
            return
        try:
            if self._anonymous and self._fh is not None:
                self.tmp = self._temp_name()
                self._link_anonymous(self.tmp)
                self._fh.close()
                self._fh = None
            if self.tmp is not None:
                os.replace(self.tmp, self.path)
                self.tmp = None
        except OSError as e:
            self._error = e
            raise
        try:  # make the rename durable
            dfd = os.open(str(Path(self.path).parent) or ".", os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    def _release_to_stdout(self) -> None:
        assert self._fh is not None
        try:
            self._fh.seek(0)
            sys.stdout.flush()
            out = sys.stdout.buffer
            fd = _fileno(out)
            if fd is None:  # not a real file (a test runner's capture): its own write
                shutil.copyfileobj(self._fh, out, 1 << 20)
                out.flush()
            else:
                out.flush()
                # os.write on the descriptor: a reader that closes the pipe part-way makes the
                # next write fail with EPIPE (BufferedWriter can drop a short write silently)
                while chunk := self._fh.read(1 << 20):
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
        except OSError as e:
            self._error = e
            raise
        finally:
            self._fh.close()
            self._fh = None

    def _link_anonymous(self, name: str) -> None:
        assert self._fh is not None and self.tmp is not None
        fd = self._fh.fileno()
        parent = os.path.dirname(name) or "."
        dfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.link(
                f"/proc/self/fd/{fd}",
                os.path.basename(name),
                dst_dir_fd=dfd,
                follow_symlinks=True,
            )
        except OSError:
            # no linkable /proc: copy into a named temporary file instead
            out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.mode)
            try:
                os.fchmod(out, self.mode)
                size = os.fstat(fd).st_size
                off = 0
                while off < size:
                    n = os.sendfile(out, fd, off, size - off)
                    if n == 0:
                        break
                    off += n
                os.fsync(out)
            finally:
                os.close(out)
        finally:
            os.close(dfd)

    def abort(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if self.tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)
            self.tmp = None


def _fileno(stream: BinaryIO) -> int | None:
    try:
        return stream.fileno()
    except (OSError, AttributeError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def write_text_atomic(path: str, text: str, *, mode: int = 0o600) -> None:
    out = AtomicOutput(path, mode=mode)
    sink = out.open()
    try:
        sink.write(text.encode("utf-8"))
        out.commit()
    except BaseException:
        out.abort()
        raise


def dumps_json(obj: object) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False, default=_json_default)
