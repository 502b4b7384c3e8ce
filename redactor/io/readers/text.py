"""The text inputs (CSV, TSV, JSON Lines) opened for streaming: hashed as read, decompressed by
their suffix, and refused when their content is not what their name says."""

from __future__ import annotations

import contextlib

import pyarrow as pa

from redactor.errors import DataError
from redactor.io.formats import COMPRESSION, compression_suffix
from redactor.io.readers.guards import sniff, wrong_content
from redactor.io.readers.source import label, open_raw, read_upto
from redactor.io.streams import HashingReader, PrefixedReader

#: The UTF-8 byte-order mark some exporters write first (not part of the first name or key).
BOM = b"\xef\xbb\xbf"
#: What :func:`~redactor.io.readers.guards.sniff` calls the data of each codec.
_CODEC_NAMES = {"gzip": "gzip", "zstd": "zstd", "bz2": "bzip2"}


class TextInput:
    """A text input (CSV/TSV/JSONL) opened for streaming: raw bytes hashed as read, a codec
    chosen by the file's suffix (``.gz``, ``.zst``, ``.bz2``) and checked against its content,
    and ``head``, the first decompressed bytes, already read (``stream`` continues after it)."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path = path
        self.raw = open_raw(path)
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
        first = read_upto(self.hashing, 16)
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
                first = read_upto(self.stream, 16)
            except (OSError, pa.ArrowException):
                raise self.read_error() from None
            kind = sniff(first)
        else:
            self.stream = self.hashing
        if kind is not None:
            raise wrong_content(path, kind, fmt)
        self.head = first

    def read_error(self, e: BaseException | None = None) -> DataError:
        if self.codec:
            return DataError(
                f"{self.path}: the {_CODEC_NAMES[self.codec]} data is corrupt or truncated",
                hint="check the file is complete (e.g. gzip -t), or export it again",
            )
        why = getattr(e, "strerror", None) or type(e).__name__ if e else "read error"
        return DataError(f"{label(self.path)}: cannot read the input ({why})")

    def close(self) -> None:
        if self.path != "-":
            with contextlib.suppress(Exception):
                self.raw.close()
