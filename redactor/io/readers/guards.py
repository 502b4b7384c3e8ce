"""The checks every reader makes before a value is trusted: what a file's first bytes say it
really holds, column names a person can tell apart, and the limits a text input may break (an
over-long row, text after a closing quote, a NUL byte). Errors name the file and the row or
column, never a data value."""

from __future__ import annotations

import codecs

import pyarrow as pa
import pyarrow.compute as pc

from redactor.colnames import escaped, name_key, name_problem
from redactor.errors import DataError
from redactor.io.readers.source import block_bytes, label
from redactor.io.streams import TextGuard

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


def sniff(head: bytes) -> str | None:
    """What ``head`` (the first bytes of a file) says the file is, if it is not plain text."""
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bzip2"
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            # a CSV header may well begin "PAR1,": Parquet goes on with binary page headers
            if magic in (b"PAR1", b"ARROW1") and looks_like_text(head[len(magic) :]):
                continue
            return what
    return None


def sniff_format(head: bytes) -> str | None:
    """The dataset format the first bytes of an unnamed input (standard input) show, if any:
    ``parquet`` for the Parquet magic followed by binary page data, ``jsonl`` when the first
    non-blank byte (after a UTF-8 byte-order mark) is ``{``; None for anything else (read as
    CSV, whose reader refuses compressed or binary data by what :func:`sniff` says it is)."""
    if sniff(head) == "Parquet":
        return "parquet"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"{"):
        return "jsonl"
    return None


def looks_like_text(head: bytes) -> bool:
    """UTF-8 without control characters (other than tab and line ends)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(b < 0x20 and b not in (9, 10, 13) for b in head)


_FIX_BY_KIND = {
    "Parquet": "pass --format parquet (or name it .parquet)",
    "UTF-16 text": "convert it to UTF-8 first, e.g. iconv -f utf-16 -t utf-8",
}


def wrong_content(path: str, kind: str, fmt: str) -> DataError:
    if kind in ("gzip", "zstd", "bzip2", "xz"):
        suffix = {"gzip": ".gz", "zstd": ".zst", "bzip2": ".bz2", "xz": ".xz"}[kind]
        tool = {"gzip": "gzip", "zstd": "zstd", "bzip2": "bzip2", "xz": "xz"}[kind]
        hint = (
            f"name it with the {suffix} suffix (e.g. data.{fmt}{suffix}) so it is decompressed, "
            "or decompress it first"
            if kind != "xz" and path != "-"
            else f"decompress it first, e.g. {tool} -dc FILE | redactor redact - --format {fmt} ..."
        )
        return DataError(f"{label(path)}: holds {kind}-compressed data, not {fmt}", hint=hint)
    return DataError(
        f"{label(path)}: holds {kind}, not {fmt} text",
        hint=_FIX_BY_KIND.get(kind, f"export the data as {fmt}, or pass the right --format"),
    )


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
        key = name_key(n)
        if key in seen:
            raise DataError(
                f"{where}: {what}s {seen[key]} and {i} are both named {key!r} as read "
                f"({escaped(names[seen[key] - 1])} and {escaped(str(n))}: case, surrounding "
                "spaces, invisible characters and look-alike letters are ignored)",
                hint="rename one of them; redactor cannot tell which one a field map means",
            )
        seen[key] = i


def guard_error(guard: TextGuard, path: str, what: str = "row") -> DataError | None:
    """The stated limit a text input broke (see :class:`TextGuard`), as a one-line error."""
    if guard.problem is None:
        return None
    kind, line = guard.problem
    if kind == "long":
        return too_long(path, f"line {line}", what)
    return DataError(
        f"{label(path)}: line {line} has text right after a closing quote (a quoted field "
        'followed by more characters, like "abc"x, is not a field)',
        hint='quote the whole field and write a quote inside it twice (""), or remove the junk',
    )


def too_long(path: str, at: str, what: str = "row") -> DataError:
    return DataError(
        f"{label(path)}: {at} is longer than {block_bytes() >> 20} MiB, the longest {what} read "
        "(an unterminated quote, or one huge field?)",
        hint="close the quote, or raise the limit for this file with REDACTOR_MAX_ROW_MB (e.g. 16)",
    )


def first_nul(batch: pa.RecordBatch) -> tuple[int, str] | None:
    """(row index, column name) of the first NUL byte in a batch of text columns."""
    hits = []
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        idx = pc.index(pc.match_substring(col, "\x00"), True).as_py()
        if idx is not None and idx >= 0:
            hits.append((idx, name))
    return min(hits) if hits else None
