"""Dataset formats and how a path names one."""

from __future__ import annotations

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
