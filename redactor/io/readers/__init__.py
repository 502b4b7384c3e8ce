"""Streaming readers: any supported input as an Arrow schema plus an iterator of record batches.

CSV/TSV columns are read as text, exactly as written (no type guessing: an SSN column of digits
keeps its leading zeros, and released columns come out byte-for-byte the same). Parquet keeps
its types; JSONL types are inferred by Arrow. Every error names the file and, where known, the
row and column, and never quotes a data value.

One module per format, as :mod:`redactor.io.writers` has one writer per format:
:mod:`~redactor.io.readers.delimited` (CSV and TSV), :mod:`~redactor.io.readers.parquet` and
:mod:`~redactor.io.readers.jsonl`, over what they share: :mod:`~redactor.io.readers.source` (the
opened input), :mod:`~redactor.io.readers.text` (a text input, decompressed and hashed as read)
and :mod:`~redactor.io.readers.guards` (what a file really holds, readable column names, the
limits a text input may break).
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from redactor.io.formats import Format
from redactor.io.readers.delimited import open_csv
from redactor.io.readers.guards import check_column_names, sniff
from redactor.io.readers.source import DEFAULT_BATCH_ROWS, Source, block_bytes

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "Source",
    "block_bytes",
    "check_column_names",
    "open_batches",
    "open_source",
    "sniff",
]

_block_bytes = block_bytes  # the name this had when the readers were one module


def open_source(
    path: str,
    fmt: Format,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    schema_only: bool = False,
    read_ahead: bool = True,
) -> Source:
    """Open ``path`` for streaming. With ``schema_only``, CSV/TSV read just the header and
    Parquet just its footer (JSON Lines must parse a first block to know its keys). Without
    ``read_ahead``, a CSV/TSV reader reads only while batches are asked for, from the start,
    until :meth:`Source.resume_reading` (see :meth:`Source.hold_reading`)."""
    if fmt is Format.CSV:
        return open_csv(path, ",", batch_rows, schema_only, read_ahead)
    if fmt is Format.TSV:
        return open_csv(path, "\t", batch_rows, schema_only, read_ahead)
    if fmt is Format.PARQUET:
        from redactor.io.readers.parquet import open_parquet

        return open_parquet(path, batch_rows)
    from redactor.io.readers.jsonl import open_jsonl

    return open_jsonl(path, batch_rows)


def open_batches(
    path: str, fmt: str | None = None, *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Schema and streaming batches of ``path`` (``-`` for stdin); format from ``fmt`` or the
    extension."""
    from redactor.io.formats import resolve_format

    src = open_source(path, resolve_format(path, fmt, role="input"), batch_rows=batch_rows)

    def gen() -> Iterator[pa.RecordBatch]:
        with src:
            yield from src.batches

    return src.schema, gen()
