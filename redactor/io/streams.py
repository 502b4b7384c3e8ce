"""Byte streams: hashing wrappers, a stream with bytes put back in front, stdin/stdout."""

from __future__ import annotations

import hashlib
import io
import threading
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
        self._odd = 0  # 1 while the quotes seen so far are odd in number
        self._since_nl = 0  # bytes since the last LF
        self._lines = 0  # LFs seen so far
        self._pending_close = False  # the last byte read was a closing quote
        self._halted = False
        self._holding = False
        self._gate = threading.Event()  # set whenever reads need not wait
        self._gate.set()
        self.problem: tuple[str, int] | None = None

    #: The longest a held read waits: a hold is advice, never a lock (a caller that forgot to
    #: release costs a second, not a hang).
    HOLD_AT_MOST = 1.0

    def hold(self) -> None:
        """Make reads wait until :meth:`release` or :meth:`halt`: a reader releases before it
        asks for rows and holds after, so that a parser reading ahead in a thread of its own
        reads only while its rows are wanted."""
        self._holding = True
        self._gate.clear()

    def release(self) -> None:
        self._holding = False
        self._gate.set()

    def halt(self) -> None:
        """Read nothing more: every later read (and one waiting) sees the end of the input.
        For a reader whose rows are no longer wanted (another reader gives the rest), so that
        its read-ahead stops instead of reading, checking and hashing bytes nobody uses."""
        self._halted = True
        self.release()

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._holding:
            self._gate.wait(self.HOLD_AT_MOST)
        return 0 if self._halted else super().readinto(b)

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
        if not size:
            return
        lf = arr == 10
        if self._delim is not None:
            if self._pending_close and not _ends_field(arr[:1], self._quote, self._delim)[0]:
                self.problem = ("junk", self._lines + 1)
                return
            at, odd, self._pending_close = _first_junk(arr, lf, self._quote, self._delim, self._odd)
            if at is not None:
                self.problem = ("junk", self._line_at(data, at))
                return
            self._odd = odd
        if self._since_nl + size <= self._max:  # no line in this read can be too long
            nl_count = int(np.count_nonzero(lf))
            if nl_count:
                self._since_nl = size - 1 - data.rindex(b"\n")
            else:
                self._since_nl += size
            self._lines += nl_count
            return
        nl = np.flatnonzero(lf)
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


def _bits(flags):
    """``flags`` (a bool array) as little-endian 64-bit words: bit ``j`` of word ``w`` is
    ``flags[64 * w + j]``; the bits past the end are 0."""
    import numpy as np

    packed = np.packbits(flags, bitorder="little")
    words = np.zeros((len(packed) + 7) // 8, dtype="<u8")
    words.view(np.uint8)[: len(packed)] = packed
    return words


def _inside(quotes, parity: int):
    """For each bit of ``quotes`` (words from :func:`_bits`): 1 where the quotes counted up to
    and including that byte, plus ``parity``, are odd. A prefix XOR inside each word (six
    shifts), then each word's carry from the words before it."""
    import numpy as np

    x = quotes.copy()
    for shift in (1, 2, 4, 8, 16, 32):
        x ^= x << np.uint64(shift)
    odd = x >> np.uint64(63)  # each word's own quote count, mod 2
    carry = np.bitwise_xor.accumulate(odd) ^ odd ^ np.uint64(parity)
    return x ^ (np.uint64(0) - carry)  # a carry of 1 flips every bit of its word


def _first_junk(arr, lf, quote: int, delimiter: int, parity: int) -> tuple[int | None, int, bool]:
    """The position in ``arr`` of the first quote that closes a field (leaves the count of
    quotes, starting from ``parity``, even) and is followed by anything but a quote, the
    delimiter, CR or LF (None if there is none); the count's parity after ``arr``; and
    whether its last byte is a closing quote (the caller checks it against the next read).

    Bit masks, not positions: this runs on every byte of a text input, and a file that quotes
    every field has two quotes per field."""
    import numpy as np

    q = _bits(arr == quote)
    inside = _inside(q, parity)
    closing = q & ~inside
    size = len(arr)
    last = np.uint64((size - 1) % 64)
    odd = int((inside[-1] >> last) & np.uint64(1))
    ends_closing = bool((closing[-1] >> last) & np.uint64(1))
    follows = closing << np.uint64(1)  # the byte after each closing quote
    follows[1:] |= closing[:-1] >> np.uint64(63)
    cand = follows & ~(q | _bits(arr == delimiter) | _bits(lf))
    if size % 64:  # the bit past the last byte is the next read's
        cand[-1] &= np.uint64((1 << (size % 64)) - 1)
    words = np.flatnonzero(cand)
    if not len(words):
        return None, odd, ends_closing
    bits = np.unpackbits(cand[words].view(np.uint8), bitorder="little").reshape(-1, 64)
    row, col = np.nonzero(bits)
    after = words[row] * 64 + col
    bad = after[arr[after] != 13]  # CR is the only other byte that may follow
    return (int(bad[0]) - 1 if len(bad) else None), odd, ends_closing


def _ends_field(after, quote: int, delimiter: int):
    """Whether each byte may follow a closing quote: a quote (a doubled one), the delimiter,
    CR or LF."""
    return (after == quote) | (after == delimiter) | (after == 10) | (after == 13)
