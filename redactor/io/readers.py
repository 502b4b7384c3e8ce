"""Streaming readers: any supported input as an Arrow schema plus an iterator of record batches.

CSV/TSV columns are read as text, exactly as written (no type guessing: an SSN column of digits
keeps its leading zeros, and released columns come out byte-for-byte the same). Parquet keeps
its types; JSONL types are inferred by Arrow. Every error names the file and, where known, the
row and column, and never quotes a data value.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from redactor.errors import DataError
from redactor.fieldmap import normalize_name
from redactor.io.formats import Format
from redactor.io.streams import HashingReader, PrefixedReader, sha256_file

DEFAULT_BATCH_ROWS = 65_536
_CSV_BLOCK = 1 << 22  # bytes per CSV block
_MAX_HEADER = 16 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass
class Source:
    """An opened input. Iterate ``batches`` once; ``sha256`` is final after that."""

    path: str
    format: Format
    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    _digest: object = field(repr=False, default=None)
    _closers: list = field(repr=False, default_factory=list)
    rows_read: int = 0

    @property
    def display(self) -> str:
        return "standard input" if self.path == "-" else self.path

    def sha256(self) -> str:
        d = self._digest
        if isinstance(d, HashingReader):
            d.drain()
            return d.hexdigest()
        return str(d)

    def close(self) -> None:
        for c in reversed(self._closers):
            with contextlib.suppress(Exception):
                c()
        self._closers.clear()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_raw(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        if os.path.isdir(path):
            raise DataError(f"{path} is a directory, not a file")
        return open(path, "rb")
    except FileNotFoundError:
        raise DataError(f"{path}: no such file", hint="check the input path") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except OSError as e:
        raise DataError(f"{path}: cannot open ({e.strerror})") from None


def check_column_names(names: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        if not str(n).strip():
            raise DataError(
                f"{where}: column {i} has a blank name",
                hint="give every column a name in the header row",
            )
        key = normalize_name(n)
        if key in seen:
            raise DataError(
                f"{where}: columns {seen[key]} and {i} are both named {n!r} "
                "(names match case-insensitively)",
                hint="rename one of them; redactor cannot tell which one a field map means",
            )
        seen[key] = i


def _header_end(buf: bytes, quote: int = ord('"')) -> int | None:
    """Index just past the first record terminator outside quotes, or None if not yet seen."""
    in_q = False
    for i, ch in enumerate(buf):
        if ch == quote:
            in_q = not in_q
        elif ch == 10 and not in_q:  # \n
            return i + 1
    return None


def _read_header(raw: io.RawIOBase, path: str, delimiter: str) -> tuple[list[str], bytes]:
    buf = b""
    end = None
    while end is None:
        chunk = raw.read(1 << 16)
        if not chunk:
            break
        buf += chunk
        end = _header_end(buf)
        if end is None and len(buf) > _MAX_HEADER:
            raise DataError(f"{path}: the header row is longer than 16 MiB or has an open quote")
    if not buf.strip(b"\r\n\t " + _BOM):
        raise DataError(
            f"{path}: the file is empty (no header row)",
            hint="an export needs at least a header row with the column names",
        )
    if buf.startswith(_BOM):
        buf = buf[len(_BOM) :]
        end = None if end is None else end - len(_BOM)
    line = buf if end is None else buf[:end]
    if b"\x00" in line:
        raise DataError(f"{path}: the header row contains NUL bytes; is this really a CSV file?")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(
            f"{path}: the header row is not UTF-8 text",
            hint="convert the file first, e.g. iconv -f latin1 -t utf-8",
        ) from None
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    if not rows:
        raise DataError(f"{path}: the file is empty (no header row)")
    names = list(rows[0])  # kept as written: Arrow matches column_types by exact name
    check_column_names(names, path)
    return names, buf


def _csv_error(e: Exception, path: str, names: list[str], bad_row: list) -> DataError:
    msg = str(e)
    m = re.search(r"Expected (\d+) columns, got (\d+)", msg)
    if m:
        where = f"row {bad_row[0]}" if bad_row and bad_row[0] else "a row"
        return DataError(
            f"{path}: {where} has {m.group(2)} fields, the header has {m.group(1)}",
            hint="fix the ragged row (an unquoted delimiter or a missing field?); "
            "rows count from the header as row 1",
        )
    m = re.search(r"CSV column #(\d+): CSV conversion error to string: invalid UTF8", msg)
    if m:
        i = int(m.group(1))
        col = names[i] if i < len(names) else f"#{i + 1}"
        return DataError(
            f"{path}: column {col!r} holds bytes that are not UTF-8",
            hint="convert the file to UTF-8 first, e.g. iconv -f latin1 -t utf-8",
        )
    if "quote" in msg.lower() or "premature end" in msg.lower():
        return DataError(
            f"{path}: unterminated quoted field", hint="a field opens a quote that never closes"
        )
    return DataError(
        f"{path}: not valid CSV ({type(e).__name__})", hint="check delimiter, quoting and encoding"
    )


def _open_csv(path: str, delimiter: str, batch_rows: int, schema_only: bool = False) -> Source:
    raw = _open_raw(path)
    hashing = HashingReader(raw)
    names, prefix = _read_header(hashing, path, delimiter)
    fmt = Format.CSV if delimiter == "," else Format.TSV
    if schema_only:  # the header only: no data row is parsed
        if path != "-":
            raw.close()
        return Source(
            path, fmt, pa.schema([pa.field(n, pa.string()) for n in names]), iter(()), _digest=""
        )
    bad_row: list = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_row.append(row.number)
        return "error"

    stream = io.BufferedReader(PrefixedReader(prefix, hashing), buffer_size=1 << 20)
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_CSV_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                invalid_row_handler=on_invalid,
                # in a one-column file an empty line is an empty value, not nothing
                ignore_empty_lines=len(names) > 1,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as e:
        raw.close() if path != "-" else None
        raise _csv_error(e, path, names, bad_row) from None
    # Arrow reads the header itself; names must agree with ours (e.g. trimmed whitespace).
    schema = pa.schema([pa.field(n, pa.string()) for n in names])

    def batches() -> Iterator[pa.RecordBatch]:
        while True:
            try:
                b = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, pa.ArrowException) as e:
                raise _csv_error(e, path, names, bad_row) from None
            if b.num_columns != len(names):
                raise DataError(f"{path}: inconsistent column count")
            b = pa.RecordBatch.from_arrays(b.columns, schema=schema)
            for off in range(0, b.num_rows, batch_rows):
                yield b.slice(off, batch_rows)

    src = Source(
        path, Format.CSV if delimiter == "," else Format.TSV, schema, batches(), _digest=hashing
    )
    if path != "-":
        src._closers.append(raw.close)
    return src


def _spool_stdin() -> str:
    """Parquet needs random access: copy standard input to a private temporary file."""
    fd, tmp = tempfile.mkstemp(prefix="redactor-stdin-", suffix=".parquet")
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(sys.stdin.buffer, f, 1 << 20)
    return tmp


def _open_parquet(path: str, batch_rows: int) -> Source:
    closers = []
    real = path
    if path == "-":
        real = _spool_stdin()
        closers.append(lambda: os.unlink(real))
    elif not os.path.exists(path):
        raise DataError(f"{path}: no such file", hint="check the input path")
    try:
        pf = pq.ParquetFile(real)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        for c in closers:
            c()
        why = (
            "it is truncated or not Parquet"
            if "magic" in str(e).lower() or "size" in str(e).lower()
            else type(e).__name__
        )
        raise DataError(
            f"{path}: not a readable Parquet file ({why})",
            hint="check the file is complete, or pass --format for another format",
        ) from None
    schema = pf.schema_arrow.remove_metadata()
    check_column_names(schema.names, path)
    digest = sha256_file(real)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for b in pf.iter_batches(batch_size=batch_rows):
                yield pa.RecordBatch.from_arrays(b.columns, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise DataError(
                f"{path}: corrupt Parquet data ({type(e).__name__})",
                hint="the file is damaged; export it again",
            ) from None

    src = Source(path, Format.PARQUET, schema, batches(), _digest=digest)
    src._closers.extend([pf.close, *closers])
    return src


def _json_error(e: Exception, path: str) -> DataError:
    msg = str(e)
    m = re.search(r"in row (\d+)", msg)
    row = f" near row {int(m.group(1)) + 1}" if m else ""
    if "changed from" in msg or "conversion" in msg.lower():
        col = re.search(r"Column\(([^)]*)\)", msg)
        c = f" in key {col.group(1).lstrip('/')!r}" if col else ""
        return DataError(
            f"{path}: values of mixed types{c}{row}",
            hint="make each key hold one type (or export as CSV)",
        )
    return DataError(f"{path}: not valid JSON Lines{row}", hint="each line must be one JSON object")


def _open_jsonl(path: str, batch_rows: int) -> Source:
    raw = _open_raw(path)
    hashing = HashingReader(raw)
    head = hashing.read(1 << 16) or b""
    if not head.strip():
        raise DataError(f"{path}: the file is empty")
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    stream = io.BufferedReader(PrefixedReader(head, hashing), buffer_size=1 << 20)
    try:
        reader = pajson.open_json(stream, read_options=pajson.ReadOptions(block_size=_CSV_BLOCK))
    except (pa.ArrowInvalid, pa.ArrowException) as e:
        raise _json_error(e, path) from None
    schema = reader.schema
    check_column_names(schema.names, path)

    def batches() -> Iterator[pa.RecordBatch]:
        while True:
            try:
                b = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, pa.ArrowException) as e:
                raise _json_error(e, path) from None
            if b.schema != schema:
                raise DataError(
                    f"{path}: the keys or their types change part-way through the file",
                    hint="make every line hold the same keys with one type each",
                )
            for off in range(0, b.num_rows, batch_rows):
                yield b.slice(off, batch_rows)

    src = Source(path, Format.JSONL, schema, batches(), _digest=hashing)
    if path != "-":
        src._closers.append(raw.close)
    return src


def open_source(
    path: str, fmt: Format, *, batch_rows: int = DEFAULT_BATCH_ROWS, schema_only: bool = False
) -> Source:
    """Open ``path`` for streaming. With ``schema_only``, CSV/TSV read just the header and
    Parquet just its footer (JSON Lines must parse a first block to know its keys)."""
    if fmt is Format.CSV:
        return _open_csv(path, ",", batch_rows, schema_only)
    if fmt is Format.TSV:
        return _open_csv(path, "\t", batch_rows, schema_only)
    if fmt is Format.PARQUET:
        return _open_parquet(path, batch_rows)
    return _open_jsonl(path, batch_rows)


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
