"""JSON Lines: one object per line, types inferred by Arrow; every line must hold the same keys
with one type each."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.json as pajson

from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.io.readers.guards import check_column_names, first_nul, guard_error
from redactor.io.readers.source import Source, block_bytes, label, read_upto
from redactor.io.readers.text import BOM, TextInput
from redactor.io.streams import PrefixedReader, TextGuard


def _json_error(e: Exception, path: str, rows_before: int) -> DataError:
    msg = str(e)
    where = label(path)
    m = re.search(r"in row (\d+)", msg)
    line = f"line {rows_before + int(m.group(1)) + 1}" if m else f"a line after line {rows_before}"
    m2 = re.search(r"Column\(([^)]*)\) changed from (\w+) to (\w+)", msg)
    if m2:
        key, was, now = m2.group(1).lstrip("/"), m2.group(2), m2.group(3)
        if not key:
            return DataError(
                f"{where}: {line} is a JSON {now}, not an object",
                hint='each line must be one JSON object, e.g. {"col": value}',
            )
        return DataError(
            f"{where}: key {key!r} holds {was} values, then a {now} at {line}",
            hint="make each key hold one type (e.g. quote the numbers), or export as CSV",
        )
    m3 = re.search(r"Column\(([^)]*)\) was specified twice", msg)
    if m3:
        return DataError(
            f"{where}: key {m3.group(1).lstrip('/')!r} appears twice in one object at {line}",
            hint="give every key of an object a distinct name",
        )
    if "unexpected field" in msg.lower():
        return DataError(
            f"{where}: a key first appears part-way through the file (after line {rows_before})",
            hint="add every key (as null if need be) to the first lines, or export as CSV",
        )
    if "compress" in msg.lower():
        return DataError(f"{where}: the compressed data is corrupt or truncated")
    return DataError(
        f"{where}: {line} is not valid JSON",
        hint="each line must be one complete JSON object",
    )


def _first_bad_utf8(batch: pa.RecordBatch) -> tuple[int, str] | None:
    """(row, key) of the first value holding bytes that are not UTF-8, if any."""
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        try:
            col.validate(full=True)
        except pa.ArrowInvalid:
            for i in range(len(col)):
                try:
                    col.slice(i, 1).validate(full=True)
                except pa.ArrowInvalid:
                    return i, name
            return 0, name
    return None


def open_jsonl(path: str, batch_rows: int) -> Source:
    text = TextInput(path, Format.JSONL.value)
    try:
        head = text.head + read_upto(text.stream, 1 << 16)
    except (OSError, pa.ArrowException) as e:
        text.close()
        raise text.read_error(e) from None
    if head.startswith(BOM):
        head = head[len(BOM) :]
    if not head.strip():
        text.close()
        raise DataError(
            f"{label(path)}: the file is empty",
            hint="JSON Lines needs at least one object per line",
        )
    body = PrefixedReader(head, text.stream)
    guard = TextGuard(body, max_line=block_bytes())
    stream = io.BufferedReader(guard, buffer_size=1 << 20)
    try:
        reader = pajson.open_json(stream, read_options=pajson.ReadOptions(block_size=block_bytes()))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        text.close()
        raise _json_error(e, path, 0) from None
    schema = reader.schema
    try:
        check_column_names(schema.names, label(path), "key")
    except BaseException:
        text.close()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        while True:
            try:
                b = reader.read_next_batch()
            except StopIteration:
                if (err := guard_error(guard, path, "line")) is not None:
                    raise err from None
                return
            except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
                if (err := guard_error(guard, path, "line")) is not None:
                    raise err from None
                raise _json_error(e, path, rows) from None
            if (err := guard_error(guard, path, "line")) is not None:
                raise err
            if b.schema != schema:
                raise DataError(
                    f"{label(path)}: the keys or their types change after line {rows}",
                    hint="make every line hold the same keys with one type each",
                )
            # Arrow's JSON reader does not check that strings are UTF-8; the writers need it
            if (bad := _first_bad_utf8(b)) is not None:
                raise DataError(
                    f"{label(path)}: line {rows + bad[0] + 1}, key {bad[1]!r} holds bytes "
                    "that are not UTF-8 text",
                    hint="convert the file to UTF-8 first, e.g. iconv -f latin1 -t utf-8",
                )
            if body.saw_nul and (hit := _first_nul_json(b)) is not None:
                raise DataError(
                    f"{label(path)}: line {rows + hit[0] + 1}, key {hit[1]!r} holds a NUL byte",
                    hint="NUL bytes mean binary data: export the table as UTF-8 text",
                )
            rows += b.num_rows
            for off in range(0, b.num_rows, batch_rows):
                yield b.slice(off, batch_rows)

    src = Source(path, Format.JSONL, schema, batches(), _digest=text.hashing)
    src._closers.append(text.close)
    return src


def _first_nul_json(batch: pa.RecordBatch) -> tuple[int, str] | None:
    text_cols = [
        (n, c)
        for n, c in zip(batch.schema.names, batch.columns, strict=True)
        if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)
    ]
    if not text_cols:
        return None
    names, cols = zip(*text_cols, strict=True)
    return first_nul(pa.RecordBatch.from_arrays(list(cols), names=list(names)))
