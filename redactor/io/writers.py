"""Streaming writers and the atomic destination.

Output goes to a private temporary file beside the destination (owner-only permissions) and is
renamed over it only when everything succeeded; on any failure the destination is untouched and
the temporary file removed. Parquet is written fresh: no column statistics, no dictionary pages,
no key-value metadata (any of which could carry withheld values).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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
        self._w = pacsv.CSVWriter(
            sink,
            schema,
            write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed"),
        )

    def write(self, batch: pa.RecordBatch) -> None:
        self._w.write_batch(batch)

    def close(self) -> None:
        self._w.close()


class _ParquetWriter:
    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        self._w = pq.ParquetWriter(
            sink,
            schema.remove_metadata(),
            compression="zstd",
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


class AtomicOutput:
    """A destination that appears whole or not at all.

    ``open()`` gives a hashing binary sink; ``commit()`` fsyncs and renames the temporary file
    over the destination; ``abort()`` removes it. ``-`` writes to standard output (nothing to
    rename: the caller must have logged the request before writing)."""

    def __init__(self, path: str, *, mode: int = 0o600) -> None:
        self.path = path
        self.mode = mode
        self.tmp: str | None = None
        self._fh: BinaryIO | None = None
        self.sink: HashingWriter | None = None

    @property
    def is_stdout(self) -> bool:
        return self.path == "-"

    def open(self) -> HashingWriter:
        if self.is_stdout:
            self.sink = HashingWriter(sys.stdout.buffer)
            return self.sink
        dest = Path(self.path)
        if dest.is_dir():
            raise DataError(f"{self.path} is a directory", hint="name an output file with -o")
        parent = dest.parent if str(dest.parent) else Path(".")
        if not parent.is_dir():
            raise DataError(f"{self.path}: the folder {parent} does not exist")
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent)
        except OSError as e:
            raise DataError(
                f"{self.path}: cannot create a file in {parent} ({e.strerror})"
            ) from None
        os.fchmod(fd, self.mode)
        self._fh = os.fdopen(fd, "wb", buffering=1 << 20)
        self.sink = HashingWriter(self._fh)
        return self.sink

    def sha256(self) -> str:
        assert self.sink is not None
        return self.sink.hexdigest()

    def finish_writing(self) -> None:
        """Flush and fsync the temporary file (before the request's completion is logged)."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
        elif self.is_stdout:
            sys.stdout.buffer.flush()

    def commit(self) -> None:
        self.finish_writing()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)
            self.tmp = None
            try:  # make the rename durable
                dfd = os.open(str(Path(self.path).parent) or ".", os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
            except OSError:
                pass

    def abort(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if self.tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)
            self.tmp = None


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
