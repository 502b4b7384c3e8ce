"""Dataset formats and how a path names one (or, for standard input, what its first bytes
say it holds)."""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import PurePath

from redactor.errors import DataError, UsageError


class Format(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"
    JSONL = "jsonl"


_EXT = {
    ".csv": Format.CSV,
    ".tsv": Format.TSV,
    ".tab": Format.TSV,
    ".parquet": Format.PARQUET,
    ".pq": Format.PARQUET,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".json": Format.JSONL,
}
#: Compressed text inputs read as a stream (Arrow's codecs): the suffix names the codec.
COMPRESSION = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
_COMPRESSED = {*COMPRESSION, ".xz", ".zip", ".lz4", ".br", ".7z", ".tgz"}


def compression_suffix(path: str) -> str | None:
    """The compression suffix of ``path`` (``.gz``...), or None."""
    suffixes = [s.lower() for s in PurePath(path).suffixes] if path != "-" else []
    return suffixes[-1] if suffixes and suffixes[-1] in _COMPRESSED else None


def resolve_format(path: str, given: str | None, *, role: str) -> Format:
    """The format named by ``given``, else by the extension of ``path``.

    For an input, a compression suffix is looked through (``x.csv.gz`` is CSV; the reader
    decompresses it, or refuses a codec it cannot stream). An output is never compressed.
    ``role`` ("input" / "output") only words the error."""
    comp = compression_suffix(path)
    if comp and role != "input":
        raise DataError(
            f"{path}: compressed output ({comp}) is not supported",
            hint="write plain output and compress it afterwards, or pipe -o - into a compressor",
        )
    if given:
        try:
            return Format(given.lower())
        except ValueError:
            raise UsageError(
                f"Unknown {role} format {given!r}",
                hint=f"use one of {', '.join(f.value for f in Format)}",
            ) from None
    if path == "-" and role == "input":
        return sniff_stdin()
    if path == "-":
        raise UsageError(
            f"Cannot tell the {role} format of standard {'input' if role == 'input' else 'output'}",
            hint=f"say it with --{'format' if role == 'input' else 'output-format'} "
            "csv|tsv|parquet|jsonl",
        )
    suffixes = [s.lower() for s in PurePath(path).suffixes]
    if comp:
        suffixes = suffixes[:-1]
    fmt = _EXT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise UsageError(
            f"Cannot tell the {role} format of {path} from its extension",
            hint=f"name it .csv/.tsv/.parquet/.jsonl{' (then ' + comp + ')' if comp else ''} or "
            f"pass --{'format' if role == 'input' else 'output-format'}",
        )
    return fmt


#: How much of standard input is looked at to tell its format (put back before it is read).
STDIN_PEEK = 64 << 10


def sniff_stdin() -> Format:
    """The format of standard input, read from its first bytes as csvkit and DuckDB do: Parquet
    when it starts with the ``PAR1`` magic followed by binary data, JSON Lines when its first
    non-blank byte is ``{``, else CSV (a TSV on stdin needs ``--format tsv``). Compressed or
    other binary data is left to the CSV reader, which refuses it naming what it holds.

    The bytes looked at are put back: ``sys.stdin`` is replaced by a stream that yields them
    first, then the rest of the original standard input, so the readers (and the input's
    SHA-256) see every byte."""
    head = peek_stdin()
    from redactor.io.readers.guards import sniff_format

    return Format(sniff_format(head) or Format.CSV)


def peek_stdin(limit: int = STDIN_PEEK) -> bytes:
    """Up to ``limit`` first bytes of standard input (fewer at its end; reading stops at the
    first non-blank byte once 16 bytes are in), without consuming them."""
    from redactor.io.streams import PrefixedReader

    raw = sys.stdin.buffer
    head = b""
    while len(head) < limit:
        chunk = raw.read1(limit - len(head)) if hasattr(raw, "read1") else raw.read(4096)
        if not chunk:
            break
        head += chunk
        if len(head) >= 16 and head.strip():
            break
    if head:
        buffered = io.BufferedReader(PrefixedReader(head, raw))  # type: ignore[arg-type]
        sys.stdin = io.TextIOWrapper(buffered, encoding="utf-8", errors="strict")
    return head
