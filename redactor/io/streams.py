"""Byte streams: hashing wrappers, a stream with bytes put back in front, stdin/stdout."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO


class HashingReader(io.RawIOBase):
    """Reads from ``raw`` and keeps a SHA-256 of every byte read."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        if not data:
            return 0
        n = len(data)
        b[:n] = data
        self._sha.update(data)
        self.bytes_read += n
        return n

    def drain(self) -> None:
        """Read (and hash) whatever is left, so the digest covers the whole input."""
        while self.read(1 << 20):
            pass

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class PrefixedReader(io.RawIOBase):
    """``prefix`` followed by the rest of ``raw`` (bytes already read to look at a header).

    ``saw_nul`` turns true once a NUL byte has passed through (a cheap ``memchr`` per read):
    text formats use it to look for the offending row only when there is one."""

    def __init__(self, prefix: bytes, raw: io.RawIOBase | BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._raw = raw
        self.saw_nul = b"\x00" in prefix

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._raw.read(len(b))
        if not data:
            return 0
        if not self.saw_nul and b"\x00" in data:
            self.saw_nul = True
        b[: len(data)] = data
        return len(data)


class HashingWriter(io.RawIOBase):
    """Writes to ``raw`` and keeps a SHA-256 and a count of every byte written."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self.bytes_written = 0
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        data = bytes(b)
        try:
            self._raw.write(data)
        except OSError as e:  # kept: Arrow's writers may re-wrap it; the pipeline reports it
            self.error = e
            raise
        self._sha.update(data)
        self.bytes_written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.bytes_written

    def flush(self) -> None:
        self._raw.flush()

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    def close(self) -> None:
        # The owner closes the underlying file (it must fsync and rename it first).
        if not self.closed:
            self.flush()
        super().close()


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while data := f.read(chunk):
            h.update(data)
    return h.hexdigest()
