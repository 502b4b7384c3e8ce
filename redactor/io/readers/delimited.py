"""CSV and TSV: every column read as text, exactly as written (no type guessing: an SSN column of
digits keeps its leading zeros, and released columns come out byte-for-byte the same)."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.io.readers.guards import check_column_names, first_nul, guard_error, too_long
from redactor.io.readers.source import Source, block_bytes, label
from redactor.io.readers.text import BOM, TextInput
from redactor.io.streams import PrefixedReader, TextGuard

_MAX_HEADER = 16 << 20


def _header_end(buf: bytes, quote: int = ord('"')) -> int | None:
    """Index just past the first record terminator outside quotes, or None if not yet seen."""
    in_q = False
    for i, ch in enumerate(buf):
        if ch == quote:
            in_q = not in_q
        elif ch == 10 and not in_q:  # \n
            return i + 1
    return None


def _read_header(src: TextInput, path: str, delimiter: str) -> tuple[list[str], bytes]:
    buf = src.head
    end = _header_end(buf)
    while end is None:
        try:
            chunk = src.stream.read(1 << 16)
        except (OSError, pa.ArrowException) as e:
            raise src.read_error(e) from None
        if not chunk:
            break
        buf += chunk
        end = _header_end(buf)
        if end is None and len(buf) > _MAX_HEADER:
            raise DataError(
                f"{label(path)}: the header row is longer than 16 MiB or opens a quote that "
                "never closes",
                hint="check the first line of the file",
            )
    if not buf.strip(b"\r\n\t " + BOM):
        raise DataError(
            f"{label(path)}: the file is empty (no header row)",
            hint="an export needs at least a header row with the column names",
        )
    if buf.startswith(BOM):  # the BOM is not part of the first column's name
        buf = buf[len(BOM) :]
        end = None if end is None else end - len(BOM)
    line = buf if end is None else buf[:end]
    if b"\x00" in line:
        raise DataError(
            f"{label(path)}: the header row contains NUL bytes; is this really a CSV file?",
            hint="export the table as UTF-8 text (NUL bytes mean binary or UTF-16 data)",
        )
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(
            f"{label(path)}: the header row is not UTF-8 text",
            hint="convert the file first, e.g. iconv -f latin1 -t utf-8",
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error:
        raise DataError(
            f"{label(path)}: the header row is not valid CSV (a stray or unclosed quote?)",
            hint="quote column names that hold quotes, doubling the inner quotes",
        ) from None
    if not rows:
        raise DataError(f"{label(path)}: the file is empty (no header row)")
    names = list(rows[0])  # kept as written: Arrow matches column_types by exact name
    check_column_names(names, label(path))
    return names, buf


@dataclass
class _BadRow:
    number: int | None
    unbalanced_quote: bool


def _csv_error(
    e: Exception, path: str, names: list[str], bad: list[_BadRow], rows_before: int
) -> DataError:
    msg = str(e)
    where = label(path)
    m = re.search(r"Expected (\d+) columns, got (\d+)", msg)
    if m:
        row = bad[0] if bad else None
        at = f"row {row.number}" if row and row.number else f"a row after row {rows_before + 1}"
        if row and row.unbalanced_quote:
            return DataError(
                f"{where}: {at} opens a quoted field that never closes (unterminated quote)",
                hint='close the quote; a quote inside a quoted field is written twice ("")',
            )
        return DataError(
            f"{where}: {at} has {m.group(2)} fields, the header has {m.group(1)}",
            hint="fix the ragged row (an unquoted delimiter or a missing field?); "
            "rows count from the header as row 1",
        )
    m = re.search(
        r"CSV column #(\d+): (?:Row #(\d+): )?CSV conversion error to string: invalid UTF8", msg
    )
    if m:
        i = int(m.group(1))
        col = names[i] if i < len(names) else f"#{i + 1}"
        at = f"row {m.group(2)}, column {col!r}" if m.group(2) else f"column {col!r}"
        return DataError(
            f"{where}: {at} holds bytes that are not UTF-8 text",
            hint="convert the file to UTF-8 first, e.g. iconv -f latin1 -t utf-8 "
            "(Latin-1 / Windows-1252 exports are common)",
        )
    if "straddl" in msg:
        return DataError(
            f"{where}: a row after row {rows_before + 1} is longer than "
            f"{block_bytes() >> 20} MiB (an unterminated quote, or one huge field?)",
            hint="close the quote, or raise the limit for this file with "
            "REDACTOR_MAX_ROW_MB (e.g. 16)",
        )
    if "quote" in msg.lower() or "premature end" in msg.lower():
        return DataError(
            f"{where}: unterminated quoted field after row {rows_before + 1}",
            hint="a field opens a quote that never closes",
        )
    return DataError(
        f"{where}: not valid CSV after row {rows_before + 1} ({type(e).__name__})",
        hint="check delimiter, quoting and encoding",
    )


def _first_long_row(batch: pa.RecordBatch, limit: int) -> int | None:
    """Index of the first row whose fields add up to more than ``limit`` bytes (CSV/TSV: every
    column is text; a row spread over several lines by quoted newlines is counted whole)."""
    if batch.num_rows == 0 or batch.num_columns == 0:
        return None
    total = None  # no Python list per batch (pa.array of one also imports pandas if present)
    for col in batch.columns:
        length = pc.fill_null(pc.cast(pc.binary_length(col), pa.int64()), 0)
        total = length if total is None else pc.add(total, length)
    total = pc.add(total, batch.num_columns - 1)  # the separators
    if pc.max(total).as_py() <= limit:
        return None
    return pc.index(pc.greater(total, limit), True).as_py()


def open_csv(
    path: str, delimiter: str, batch_rows: int, schema_only: bool = False, read_ahead: bool = True
) -> Source:
    fmt = Format.CSV if delimiter == "," else Format.TSV
    text = TextInput(path, fmt.value)
    try:
        names, prefix = _read_header(text, path, delimiter)
    except BaseException:
        text.close()
        raise
    schema = pa.schema([pa.field(n, pa.string()) for n in names])
    if schema_only:  # the header only: no data row is parsed
        text.close()
        return Source(path, fmt, schema, iter(()), _digest="")
    bad: list[_BadRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # the row's text is data: only whether its quotes balance is kept, never the text
        bad.append(_BadRow(row.number, (row.text or "").count('"') % 2 == 1))
        return "error"

    body = PrefixedReader(prefix, text.stream)
    limit = block_bytes()
    guard = TextGuard(body, max_line=limit, delimiter=delimiter.encode())
    stream = io.BufferedReader(guard, buffer_size=1 << 20)
    holding = not read_ahead  # see Source.hold_reading
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=block_bytes()),
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
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        text.close()
        if isinstance(e, OSError) and not isinstance(e, pa.ArrowException):
            raise text.read_error(e) from None
        if text.codec and "compress" in str(e).lower():
            raise text.read_error(e) from None
        raise _csv_error(e, path, names, bad, 0) from None
    if holding:  # Arrow starts reading ahead as it opens: no further than that
        guard.hold()

    def hold(on: bool) -> None:
        nonlocal holding
        holding = on
        if on:
            guard.hold()
        else:
            guard.release()

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        while True:
            try:
                if holding:
                    guard.release()
                b = reader.read_next_batch()
                if holding:
                    guard.hold()
            except StopIteration:
                if (err := guard_error(guard, path)) is not None:
                    raise err from None
                return
            except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
                if (err := guard_error(guard, path)) is not None:
                    raise err from None
                if text.codec and (
                    not isinstance(e, pa.ArrowInvalid) or "compress" in str(e).lower()
                ):
                    raise text.read_error(e) from None
                if isinstance(e, OSError) and not isinstance(e, pa.ArrowException):
                    raise text.read_error(e) from None
                raise _csv_error(e, path, names, bad, rows) from None
            if b.num_columns != len(names):
                raise DataError(f"{label(path)}: inconsistent column count after row {rows + 1}")
            b = pa.RecordBatch.from_arrays(b.columns, schema=schema)
            if (err := guard_error(guard, path)) is not None:
                raise err
            if (long_at := _first_long_row(b, limit)) is not None:
                raise too_long(path, f"row {rows + long_at + 2}")
            if body.saw_nul and (hit := first_nul(b)) is not None:
                raise DataError(
                    f"{label(path)}: row {rows + hit[0] + 2}, column {hit[1]!r} holds a NUL byte",
                    hint="NUL bytes mean binary or UTF-16 data: export the table as UTF-8 text",
                )
            rows += b.num_rows
            for off in range(0, b.num_rows, batch_rows):
                yield b.slice(off, batch_rows)

    src = Source(path, fmt, schema, batches(), _digest=text.hashing)

    def finish() -> None:
        # Arrow reads ahead in a thread of its own, through the Python streams above: read to
        # the end (now at once) so that no read of it is left waiting or under way when the
        # file closes or the interpreter exits (a thread inside Python code then hangs or
        # crashes it). What it had read is parsed and thrown away, errors and all.
        guard.halt()
        with contextlib.suppress(Exception):
            while True:
                reader.read_next_batch()

    src._closers.append(text.close)
    src._closers.append(finish)  # first (closers run in reverse)
    src._stoppers.append(guard.halt)  # Source.stop_reading / hold_reading
    src._holders.append(hold)
    return src
