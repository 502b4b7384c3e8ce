"""Parquet: types kept, read a row group's column chunks at a time (standard input is spooled
to an anonymous temporary file first, for random access)."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from redactor.errors import DataError
from redactor.io.formats import Format, compression_suffix
from redactor.io.readers.guards import check_column_names, looks_like_text, sniff
from redactor.io.readers.source import Source, label, open_raw
from redactor.io.streams import FileDigest


def _spool_stdin() -> tuple[BinaryIO, str]:
    """Parquet needs random access: copy standard input to an anonymous temporary file (no
    name on disk where the platform allows, so nothing is left behind if the process dies)."""
    f = tempfile.TemporaryFile(prefix="redactor-stdin-", suffix=".parquet")  # noqa: SIM115
    h = hashlib.sha256()
    while chunk := sys.stdin.buffer.read(1 << 20):
        h.update(chunk)
        f.write(chunk)
    f.flush()
    f.seek(0)
    return f, h.hexdigest()


def _parquet_shape_error(path: str, f: BinaryIO) -> DataError | None:
    """A clear error if ``f`` cannot be Parquet: empty, wrong content, or truncated."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    head = f.read(16)
    where = label(path)
    if size == 0:
        return DataError(f"{where}: the file is empty", hint="export the table again")
    if not head.startswith(b"PAR1"):
        kind = sniff(head)
        if kind is None:
            kind = "text" if looks_like_text(head) else "data of an unknown kind"
            if kind == "text":
                kind = "JSON Lines text" if head.lstrip().startswith(b"{") else "CSV text"
        fix = {
            "CSV text": "pass --format csv (or name it .csv)",
            "JSON Lines text": "pass --format jsonl (or name it .jsonl)",
        }
        return DataError(
            f"{where}: not a Parquet file (it holds {kind})",
            hint=fix.get(kind, "check the file, or pass --format for its real format"),
        )
    f.seek(max(size - 4, 0))
    tail = f.read(4)
    f.seek(0)
    if size < 12 or tail != b"PAR1":
        return DataError(
            f"{where}: truncated Parquet file (no footer at the end)",
            hint="the copy is incomplete: copy or export it again",
        )
    return None


def open_parquet(path: str, batch_rows: int) -> Source:
    comp = compression_suffix(path)
    if comp is not None:
        raise DataError(
            f"{path}: compressed Parquet ({comp}) is not supported",
            hint="decompress it first: Parquet needs random access (and compresses its own pages)",
        )
    closers: list = []
    if path == "-":
        fh, digest = _spool_stdin()
    else:
        fh = open_raw(path)
        digest = None
    closers.append(fh.close)
    try:
        err = _parquet_shape_error(path, fh)
        if err is not None:
            raise err
        try:
            # pre_buffer=False: read column chunks as they are needed, so memory stays flat
            # (pre-buffering keeps a growing cache of whole row groups)
            pf = pq.ParquetFile(fh, pre_buffer=False)
        except (pa.ArrowInvalid, pa.ArrowException, OSError):
            raise DataError(
                f"{label(path)}: corrupt Parquet metadata (the footer cannot be read)",
                hint="the file is damaged: export it again",
            ) from None
        schema = pf.schema_arrow.remove_metadata()
        check_column_names(schema.names, label(path))
        if digest is None:  # read beside the rows, not before them
            digest = FileDigest(path)
    except BaseException:
        for c in closers:
            c()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        try:
            if src.unread_in_first:  # the first rows without the columns the plan drops
                first = _first_without(pf, schema, src.unread_in_first, batch_rows)
                if first is None:
                    return
                yield first
                rows = first.num_rows
            for b in _after(pf.iter_batches(batch_size=batch_rows), rows):
                yield pa.RecordBatch.from_arrays(b.columns, schema=schema)
                rows += b.num_rows
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise DataError(
                f"{label(path)}: corrupt Parquet data after row {rows} ({type(e).__name__})",
                hint="the file is damaged: export it again",
            ) from None

    src = Source(path, Format.PARQUET, schema, batches(), _digest=digest, _skippable=True)
    src._closers.extend([pf.close, *closers])
    return src


def _first_without(
    pf: pq.ParquetFile, schema: pa.Schema, unread: tuple[int, ...], batch_rows: int
) -> pa.RecordBatch | None:
    """The first non-empty batch with the ``unread`` columns as nulls (never decoded), or None
    when the file has no rows."""
    from redactor.io.readers.narrow import Widen

    keep = [i for i in range(len(schema)) if i not in set(unread)]
    names = [schema.field(i).name for i in keep]
    for b in pf.iter_batches(batch_size=batch_rows, columns=names):
        if b.num_rows:
            return Widen(schema, keep)(b.num_rows, b.columns)
    return None


def _after(batches: Iterator[pa.RecordBatch], skip: int) -> Iterator[pa.RecordBatch]:
    """``batches`` without their first ``skip`` rows."""
    for b in batches:
        if skip >= b.num_rows:
            skip -= b.num_rows
            continue
        yield b.slice(skip) if skip else b
        skip = 0
