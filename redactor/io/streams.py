"""Byte streams: hashing wrappers, a stream with bytes put back in front, stdin/stdout."""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO


class _Watcher(io.RawIOBase):
    """Passes ``self._raw`` through unchanged and shows every chunk read to :meth:`_seen`."""

    _raw: io.RawIOBase | BinaryIO

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        if not data:
            return 0
        n = len(data)
        b[:n] = data
        self._seen(data)
        return n

    def _seen(self, data: bytes) -> None:
        raise NotImplementedError


class HashingReader(_Watcher):
    """Reads from ``raw`` and keeps a SHA-256 of every byte read."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self.bytes_read = 0

    def _seen(self, data: bytes) -> None:
        self._sha.update(data)
        self.bytes_read += len(data)

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


class FileDigest:
    """The SHA-256 of a file computed by a background thread (hashlib releases the GIL), so
    that reading the file for its digest overlaps the work on its contents. ``hexdigest()``
    waits for it; an error reading the file is raised there."""

    def __init__(self, path: str) -> None:
        import threading

        self._digest = ""
        self._error: OSError | None = None
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="redactor-input-digest", daemon=True
        )
        self._thread.start()

    def _run(self, path: str) -> None:
        try:
            self._digest = sha256_file(path)
        except OSError as e:
            self._error = e

    def hexdigest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest


def sha256_file(path: str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while data := f.read(chunk):
            h.update(data)
    return h.hexdigest()


class TextGuard(_Watcher):
    """Passes ``raw`` through and notes the first place a text input breaks a stated limit.

    - ``max_line``: the longest physical line in bytes (a JSON Lines row is one line; a CSV row
      is at least as long as its longest line);
    - ``quote``/``delimiter`` (CSV, TSV): a quoted field must end at a delimiter or line end. The
      quotes are counted from the start of the file, so a quote that leaves the count even
      closes a field (or is the first of a doubled ``""``); what follows it must be another
      quote, the delimiter, CR or LF — ``"219-09-9999"x`` is not a field.

    Vectorised with NumPy per read; ``problem`` is ``(kind, line)`` with kind ``"long"`` or
    ``"junk"`` and a 1-based physical line number, None while the input is clean.
    """

    def __init__(
        self,
        raw: io.RawIOBase | BinaryIO,
        *,
        max_line: int,
        delimiter: bytes | None = None,
        quote: bytes = b'"',
    ) -> None:
        self._raw = raw
        self._max = max_line
        self._delim = None if delimiter is None else delimiter[0]
        self._quote = quote[0]
        self._quotes = 0  # quotes seen so far
        self._since_nl = 0  # bytes since the last LF
        self._lines = 0  # LFs seen so far
        self._pending_close = False  # the last byte read was a closing quote
        self.problem: tuple[str, int] | None = None

    def _seen(self, data: bytes) -> None:
        if self.problem is None:
            self._check(data)

    def feed(self, data: bytes) -> None:
        """Check the next bytes of the input without reading them through this stream."""
        self._seen(data)

    def _line_at(self, data: bytes, pos: int) -> int:
        return self._lines + data.count(b"\n", 0, pos) + 1

    def _check(self, data: bytes) -> None:
        import numpy as np

        arr = np.frombuffer(data, dtype=np.uint8)
        size = len(arr)
        if self._delim is not None:
            q = np.flatnonzero(arr == self._quote)
            if self._pending_close and not _ends_field(arr[:1], self._quote, self._delim)[0]:
                self.problem = ("junk", self._lines + 1)
                return
            # quotes that leave the running count even close a field (or start a "" pair)
            closing = q[1 - self._quotes % 2 :: 2]
            inner = closing[closing < size - 1]
            bad = ~_ends_field(arr[inner + 1], self._quote, self._delim)
            if bad.any():
                self.problem = ("junk", self._line_at(data, int(inner[bad][0])))
                return
            self._pending_close = bool(len(closing) and closing[-1] == size - 1)
            self._quotes += len(q)
        if self._since_nl + size <= self._max:  # no line in this read can be too long
            nl_count = data.count(b"\n")
            if nl_count:
                self._since_nl = size - 1 - data.rindex(b"\n")
            else:
                self._since_nl += size
            self._lines += nl_count
            return
        nl = np.flatnonzero(arr == 10)
        if len(nl):
            starts = np.concatenate(([-1 - self._since_nl], nl[:-1]))
            over = np.flatnonzero(nl - starts - 1 > self._max)
            if len(over):
                self.problem = ("long", self._lines + int(over[0]) + 1)
                return
            self._since_nl = size - 1 - int(nl[-1])
        else:
            self._since_nl += size
        if self._since_nl > self._max:
            self.problem = ("long", self._lines + len(nl) + 1)
            return
        self._lines += len(nl)


def _ends_field(after, quote: int, delimiter: int):
    """Whether each byte may follow a closing quote: a quote (a doubled one), the delimiter,
    CR or LF."""
    return (after == quote) | (after == delimiter) | (after == 10) | (after == 13)
