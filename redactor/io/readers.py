"""Streaming readers: any supported input as an Arrow schema plus an iterator of record batches.

CSV/TSV columns are read as text, exactly as written (no type guessing: an SSN column of digits
keeps its leading zeros, and released columns come out byte-for-byte the same). Parquet keeps
its types; JSONL types are inferred by Arrow. Every error names the file and, where known, the
row and column, and never quotes a data value.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from redactor.colnames import escaped, name_problem
from redactor.errors import DataError, UsageError
from redactor.fieldmap import normalize_name
from redactor.io.formats import COMPRESSION, Format, compression_suffix
from redactor.io.streams import HashingReader, PrefixedReader, TextGuard, sha256_file

DEFAULT_BATCH_ROWS = 65_536


def _block_bytes() -> int:
    """Bytes per CSV/JSON block: also the longest row that can be read. 4 MiB keeps memory flat
    (larger blocks let the allocator's footprint grow with the input); a file with longer rows
    can raise it with REDACTOR_MAX_ROW_MB."""
    raw = os.environ.get("REDACTOR_MAX_ROW_MB", "").strip()
    if not raw:
        return 4 << 20
    try:
        mb = int(raw)
    except ValueError:
        mb = 0
    if not 1 <= mb <= 1024:
        raise UsageError(
            f"REDACTOR_MAX_ROW_MB={raw!r} is not a whole number of MiB from 1 to 1024",
            hint="e.g. REDACTOR_MAX_ROW_MB=16",
        )
    return mb << 20


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


def _where(path: str) -> str:
    return "standard input" if path == "-" else path


# What the first bytes of a file say it is (checked before parsing, so a file named for the
# wrong format gets a message that says what it really holds).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PAR1", "Parquet"),
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an Office document (an .xls workbook?)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ARROW1", "Arrow IPC"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
_CODEC_NAMES = {"gzip": "gzip", "zstd": "zstd", "bz2": "bzip2"}


def sniff(head: bytes) -> str | None:
    """What ``head`` (the first bytes of a file) says the file is, if it is not plain text."""
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bzip2"
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            # a CSV header may well begin "PAR1,": Parquet goes on with binary page headers
            if magic in (b"PAR1", b"ARROW1") and _looks_like_text(head[len(magic) :]):
                continue
            return what
    return None


def _read_upto(r, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the stream)."""
    out = b""
    while len(out) < n:
        chunk = r.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


_FIX_BY_KIND = {
    "Parquet": "pass --format parquet (or name it .parquet)",
    "UTF-16 text": "convert it to UTF-8 first, e.g. iconv -f utf-16 -t utf-8",
}


def _wrong_content(path: str, kind: str, fmt: str) -> DataError:
    if kind in ("gzip", "zstd", "bzip2", "xz"):
        suffix = {"gzip": ".gz", "zstd": ".zst", "bzip2": ".bz2", "xz": ".xz"}[kind]
        hint = (
            f"name it with the {suffix} suffix (e.g. data.{fmt}{suffix}) so it is decompressed, "
            "or decompress it first"
            if kind != "xz"
            else f"decompress it first, e.g. xz -dc FILE | redactor redact - --format {fmt} ..."
        )
        return DataError(f"{_where(path)}: holds {kind}-compressed data, not {fmt}", hint=hint)
    return DataError(
        f"{_where(path)}: holds {kind}, not {fmt} text",
        hint=_FIX_BY_KIND.get(kind, f"export the data as {fmt}, or pass the right --format"),
    )


class _TextInput:
    """A text input (CSV/TSV/JSONL) opened for streaming: raw bytes hashed as read, a codec
    chosen by the file's suffix (``.gz``, ``.zst``, ``.bz2``) and checked against its content,
    and ``head``, the first decompressed bytes, already read (``stream`` continues after it)."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path = path
        self.raw = _open_raw(path)
        self.hashing = HashingReader(self.raw)
        self.codec: str | None = None
        try:
            self._open(fmt)
        except BaseException:
            self.close()
            raise

    def _open(self, fmt: str) -> None:
        path = self.path
        comp = compression_suffix(path)
        first = _read_upto(self.hashing, 16)
        kind = sniff(first)
        if comp is not None:
            codec = COMPRESSION.get(comp)
            if codec is None:
                raise DataError(
                    f"{path}: {comp} compression is not supported",
                    hint="decompress it first and pipe it in, e.g. "
                    f"... | redactor redact - --format {fmt} ... (.gz, .zst and .bz2 are read)",
                )
            if kind != _CODEC_NAMES[codec]:
                raise DataError(
                    f"{path}: named {comp} but does not hold {_CODEC_NAMES[codec]} data"
                    + (f" (it holds {kind})" if kind else ""),
                    hint=f"rename the file to match its content, e.g. drop the {comp} suffix",
                )
            self.codec = codec
            inner = pa.PythonFile(PrefixedReader(first, self.hashing), mode="r")
            self.stream = pa.CompressedInputStream(inner, codec)
            try:
                first = _read_upto(self.stream, 16)
            except (OSError, pa.ArrowException):
                raise self.read_error() from None
            kind = sniff(first)
        else:
            self.stream = self.hashing
        if kind is not None:
            raise _wrong_content(path, kind, fmt)
        self.head = first

    def read_error(self, e: BaseException | None = None) -> DataError:
        if self.codec:
            return DataError(
                f"{self.path}: the {_CODEC_NAMES[self.codec]} data is corrupt or truncated",
                hint="check the file is complete (e.g. gzip -t), or export it again",
            )
        why = getattr(e, "strerror", None) or type(e).__name__ if e else "read error"
        return DataError(f"{_where(self.path)}: cannot read the input ({why})")

    def close(self) -> None:
        if self.path != "-":
            with contextlib.suppress(Exception):
                self.raw.close()


def check_column_names(names: list[str], where: str, what: str = "column") -> None:
    seen: dict[str, int] = {}
    for i, n in enumerate(names, start=1):
        if not str(n).strip():
            raise DataError(
                f"{where}: {what} {i} has a blank name",
                hint="give every column a name in the header row"
                if what == "column"
                else "give every key a name",
            )
        if (problem := name_problem(str(n))) is not None:
            raise DataError(
                f"{where}: {what} {i}'s name {escaped(str(n))} holds {problem}",
                hint="rename the column in the export: a name must be printable text on one line",
            )
        key = normalize_name(n)
        if key in seen:
            raise DataError(
                f"{where}: {what}s {seen[key]} and {i} are both named {key!r} as read "
                f"({escaped(names[seen[key] - 1])} and {escaped(str(n))}: case, surrounding "
                "spaces, invisible characters and look-alike letters are ignored)",
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


def _read_header(src: _TextInput, path: str, delimiter: str) -> tuple[list[str], bytes]:
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
                f"{_where(path)}: the header row is longer than 16 MiB or opens a quote that "
                "never closes",
                hint="check the first line of the file",
            )
    if not buf.strip(b"\r\n\t " + _BOM):
        raise DataError(
            f"{_where(path)}: the file is empty (no header row)",
            hint="an export needs at least a header row with the column names",
        )
    if buf.startswith(_BOM):  # the BOM is not part of the first column's name
        buf = buf[len(_BOM) :]
        end = None if end is None else end - len(_BOM)
    line = buf if end is None else buf[:end]
    if b"\x00" in line:
        raise DataError(
            f"{_where(path)}: the header row contains NUL bytes; is this really a CSV file?",
            hint="export the table as UTF-8 text (NUL bytes mean binary or UTF-16 data)",
        )
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(
            f"{_where(path)}: the header row is not UTF-8 text",
            hint="convert the file first, e.g. iconv -f latin1 -t utf-8",
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error:
        raise DataError(
            f"{_where(path)}: the header row is not valid CSV (a stray or unclosed quote?)",
            hint="quote column names that hold quotes, doubling the inner quotes",
        ) from None
    if not rows:
        raise DataError(f"{_where(path)}: the file is empty (no header row)")
    names = list(rows[0])  # kept as written: Arrow matches column_types by exact name
    check_column_names(names, _where(path))
    return names, buf


@dataclass
class _BadRow:
    number: int | None
    unbalanced_quote: bool


def _csv_error(
    e: Exception, path: str, names: list[str], bad: list[_BadRow], rows_before: int
) -> DataError:
    msg = str(e)
    where = _where(path)
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
            f"{_block_bytes() >> 20} MiB (an unterminated quote, or one huge field?)",
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


def _guard_error(guard: TextGuard, path: str, what: str = "row") -> DataError | None:
    """The stated limit a text input broke (see :class:`TextGuard`), as a one-line error."""
    if guard.problem is None:
        return None
    kind, line = guard.problem
    if kind == "long":
        return _too_long(path, f"line {line}", what)
    return DataError(
        f"{_where(path)}: line {line} has text right after a closing quote (a quoted field "
        'followed by more characters, like "abc"x, is not a field)',
        hint='quote the whole field and write a quote inside it twice (""), or remove the junk',
    )


def _too_long(path: str, at: str, what: str = "row") -> DataError:
    return DataError(
        f"{_where(path)}: {at} is longer than {_block_bytes() >> 20} MiB, the longest {what} read "
        "(an unterminated quote, or one huge field?)",
        hint="close the quote, or raise the limit for this file with REDACTOR_MAX_ROW_MB (e.g. 16)",
    )


def _first_long_row(batch: pa.RecordBatch, limit: int) -> int | None:
    """Index of the first row whose fields add up to more than ``limit`` bytes (CSV/TSV: every
    column is text; a row spread over several lines by quoted newlines is counted whole)."""
    if batch.num_rows == 0 or batch.num_columns == 0:
        return None
    total = pa.array([batch.num_columns - 1] * batch.num_rows, pa.int64())
    for col in batch.columns:
        total = pc.add(total, pc.fill_null(pc.cast(pc.binary_length(col), pa.int64()), 0))
    if pc.max(total).as_py() <= limit:
        return None
    return pc.index(pc.greater(total, limit), True).as_py()


def _first_nul(batch: pa.RecordBatch) -> tuple[int, str] | None:
    """(row index, column name) of the first NUL byte in a batch of text columns."""
    hits = []
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        idx = pc.index(pc.match_substring(col, "\x00"), True).as_py()
        if idx is not None and idx >= 0:
            hits.append((idx, name))
    return min(hits) if hits else None


def _open_csv(path: str, delimiter: str, batch_rows: int, schema_only: bool = False) -> Source:
    fmt = Format.CSV if delimiter == "," else Format.TSV
    text = _TextInput(path, fmt.value)
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
    limit = _block_bytes()
    guard = TextGuard(body, max_line=limit, delimiter=delimiter.encode())
    stream = io.BufferedReader(guard, buffer_size=1 << 20)
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_block_bytes()),
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

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        while True:
            try:
                b = reader.read_next_batch()
            except StopIteration:
                if (err := _guard_error(guard, path)) is not None:
                    raise err from None
                return
            except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
                if (err := _guard_error(guard, path)) is not None:
                    raise err from None
                if text.codec and (
                    not isinstance(e, pa.ArrowInvalid) or "compress" in str(e).lower()
                ):
                    raise text.read_error(e) from None
                if isinstance(e, OSError) and not isinstance(e, pa.ArrowException):
                    raise text.read_error(e) from None
                raise _csv_error(e, path, names, bad, rows) from None
            if b.num_columns != len(names):
                raise DataError(f"{_where(path)}: inconsistent column count after row {rows + 1}")
            b = pa.RecordBatch.from_arrays(b.columns, schema=schema)
            if (err := _guard_error(guard, path)) is not None:
                raise err
            if (long_at := _first_long_row(b, limit)) is not None:
                raise _too_long(path, f"row {rows + long_at + 2}")
            if body.saw_nul and (hit := _first_nul(b)) is not None:
                raise DataError(
                    f"{_where(path)}: row {rows + hit[0] + 2}, column {hit[1]!r} holds a NUL byte",
                    hint="NUL bytes mean binary or UTF-16 data: export the table as UTF-8 text",
                )
            rows += b.num_rows
            for off in range(0, b.num_rows, batch_rows):
                yield b.slice(off, batch_rows)

    src = Source(path, fmt, schema, batches(), _digest=text.hashing)
    src._closers.append(text.close)
    return src


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
    where = _where(path)
    if size == 0:
        return DataError(f"{where}: the file is empty", hint="export the table again")
    if not head.startswith(b"PAR1"):
        kind = sniff(head)
        if kind is None:
            kind = "text" if _looks_like_text(head) else "data of an unknown kind"
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


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 without control characters (other than tab and line ends)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(b < 0x20 and b not in (9, 10, 13) for b in head)


def _open_parquet(path: str, batch_rows: int) -> Source:
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
        fh = _open_raw(path)
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
                f"{_where(path)}: corrupt Parquet metadata (the footer cannot be read)",
                hint="the file is damaged: export it again",
            ) from None
        schema = pf.schema_arrow.remove_metadata()
        check_column_names(schema.names, _where(path))
        if digest is None:
            digest = sha256_file(path)
    except BaseException:
        for c in closers:
            c()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        try:
            for b in pf.iter_batches(batch_size=batch_rows):
                yield pa.RecordBatch.from_arrays(b.columns, schema=schema)
                rows += b.num_rows
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise DataError(
                f"{_where(path)}: corrupt Parquet data after row {rows} ({type(e).__name__})",
                hint="the file is damaged: export it again",
            ) from None

    src = Source(path, Format.PARQUET, schema, batches(), _digest=digest)
    src._closers.extend([pf.close, *closers])
    return src


_JSON_KINDS = {"object", "array", "number", "string", "boolean", "null"}


def _json_error(e: Exception, path: str, rows_before: int) -> DataError:
    msg = str(e)
    where = _where(path)
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


def _open_jsonl(path: str, batch_rows: int) -> Source:
    text = _TextInput(path, Format.JSONL.value)
    try:
        head = text.head + _read_upto(text.stream, 1 << 16)
    except (OSError, pa.ArrowException) as e:
        text.close()
        raise text.read_error(e) from None
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    if not head.strip():
        text.close()
        raise DataError(
            f"{_where(path)}: the file is empty",
            hint="JSON Lines needs at least one object per line",
        )
    body = PrefixedReader(head, text.stream)
    guard = TextGuard(body, max_line=_block_bytes())
    stream = io.BufferedReader(guard, buffer_size=1 << 20)
    try:
        reader = pajson.open_json(
            stream, read_options=pajson.ReadOptions(block_size=_block_bytes())
        )
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        text.close()
        raise _json_error(e, path, 0) from None
    schema = reader.schema
    try:
        check_column_names(schema.names, _where(path), "key")
    except BaseException:
        text.close()
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        rows = 0
        while True:
            try:
                b = reader.read_next_batch()
            except StopIteration:
                if (err := _guard_error(guard, path, "line")) is not None:
                    raise err from None
                return
            except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
                if (err := _guard_error(guard, path, "line")) is not None:
                    raise err from None
                raise _json_error(e, path, rows) from None
            if (err := _guard_error(guard, path, "line")) is not None:
                raise err
            if b.schema != schema:
                raise DataError(
                    f"{_where(path)}: the keys or their types change after line {rows}",
                    hint="make every line hold the same keys with one type each",
                )
            # Arrow's JSON reader does not check that strings are UTF-8; the writers need it
            if (bad := _first_bad_utf8(b)) is not None:
                raise DataError(
                    f"{_where(path)}: line {rows + bad[0] + 1}, key {bad[1]!r} holds bytes "
                    "that are not UTF-8 text",
                    hint="convert the file to UTF-8 first, e.g. iconv -f latin1 -t utf-8",
                )
            if body.saw_nul and (hit := _first_nul_json(b)) is not None:
                raise DataError(
                    f"{_where(path)}: line {rows + hit[0] + 1}, key {hit[1]!r} holds a NUL byte",
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
    return _first_nul(pa.RecordBatch.from_arrays(list(cols), names=list(names)))


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
