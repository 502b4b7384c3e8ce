"""What every reader shares: the opened input (:class:`Source`), the batch and block sizes, and
opening the raw bytes of a path (``-`` for standard input)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import pyarrow as pa

from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.io.streams import FileDigest, HashingReader

DEFAULT_BATCH_ROWS = 65_536


def block_bytes() -> int:
    """Bytes per CSV/JSON block: also the longest row that can be read. 4 MiB keeps memory flat
    (larger blocks let the allocator's footprint grow with the input); a file with longer rows
    can raise it with REDACTOR_MAX_ROW_MB."""
    from redactor.settings import current

    return current().max_row_bytes


@dataclass
class Source:
    """An opened input. Iterate ``batches`` once; ``sha256`` is final after that."""

    path: str
    format: Format
    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    _digest: object = field(repr=False, default=None)
    _closers: list = field(repr=False, default_factory=list)
    _stoppers: list = field(repr=False, default_factory=list)
    _holders: list = field(repr=False, default_factory=list)
    rows_read: int = 0
    #: Columns (indexes) whose first block is not decoded, set before the first batch is
    #: asked for: nulls stand for them (Parquet only; see :meth:`skip_in_first_block`).
    unread_in_first: tuple[int, ...] = ()
    _skippable: bool = field(repr=False, default=False)

    def skip_in_first_block(self, columns: Sequence[int]) -> bool:
        """Do not decode ``columns`` in the first batch (they come as nulls): for columns the
        plan drops whatever their content, when a narrow reader gives every later row. Later
        batches of this reader hold every column. Only before the first batch is read, and
        only by a reader that can (Parquet); returns whether it will."""
        if not self._skippable or not columns or len(set(columns)) >= len(self.schema):
            return False
        self.unread_in_first = tuple(sorted(set(columns)))
        return True

    @property
    def display(self) -> str:
        return label(self.path)

    def sha256(self) -> str:
        d = self._digest
        if isinstance(d, HashingReader):
            d.drain()
            return d.hexdigest()
        if isinstance(d, FileDigest):
            return d.hexdigest()
        return str(d)

    def hold_reading(self) -> None:
        """Until :meth:`resume_reading`, a reader that reads ahead in a thread of its own
        reads only while a batch is being asked for: for a caller that may not want the
        rest (see :meth:`stop_reading`). A no-op for readers without read-ahead. To hold
        from the start (Arrow's CSV reader reads ahead as it opens), open with
        ``read_ahead=False``."""
        self._holding(True)

    def resume_reading(self) -> None:
        """Read ahead again (after :meth:`hold_reading`)."""
        self._holding(False)

    def stop_reading(self) -> None:
        """No more of ``batches`` is wanted (another reader gives the rest): a reader that
        reads ahead in the background stops at its next read. ``batches`` must not be read
        after this; :meth:`sha256` no longer covers the whole input."""
        for stop in self._stoppers:
            stop()

    def _holding(self, on: bool) -> None:
        for hold in self._holders:
            hold(on)

    def close(self) -> None:
        for c in reversed(self._closers):
            with contextlib.suppress(Exception):
                c()
        self._closers.clear()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_raw(path: str) -> BinaryIO:
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


def label(path: str) -> str:
    """How a message names an input: its path, or "standard input" for ``-``."""
    return "standard input" if path == "-" else path


def read_upto(r, n: int) -> bytes:
    """Up to ``n`` bytes (fewer only at the end of the stream)."""
    out = b""
    while len(out) < n:
        chunk = r.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return out
