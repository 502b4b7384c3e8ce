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
_COMPRESSED = {".gz", ".zst", ".zstd", ".bz2", ".xz", ".zip", ".lz4", ".br"}


def resolve_format(path: str, given: str | None, *, role: str) -> Format:
    """The format named by ``given``, else by the extension of ``path``.

    ``role`` ("input" / "output") only words the error."""
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
    if suffixes and suffixes[-1] in _COMPRESSED:
        raise DataError(
            f"{path}: compressed files ({suffixes[-1]}) are not supported",
            hint="decompress first and pipe it in, e.g. "
            f"zcat {path} | redactor redact - --format csv ...",
        )
    fmt = _EXT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise UsageError(
            f"Cannot tell the {role} format of {path} from its extension",
            hint=f"name it .csv/.tsv/.parquet/.jsonl or pass "
            f"--{'format' if role == 'input' else 'output-format'}",
        )
    return fmt
