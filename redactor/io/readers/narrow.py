"""The rest of a plain input file, converting only the columns a plan keeps.

The reference readers (:mod:`~redactor.io.readers.delimited`, :mod:`~redactor.io.readers.parquet`)
read the first block: the header checks, the detection sample and the plan all come from it.
Once the plan is known, the rows after that block are read again by a reader that converts only
the columns the plan keeps (released, masked, hashed or scrubbed); the dropped ones come out as
nulls, which the transform never reads:

- CSV and TSV files: the reference reader's own parser (Arrow's streaming CSV reader, with the
  same options), reading the file directly instead of through the reference reader's checking
  streams, and converting only the kept columns; every row is still parsed, so a ragged row or
  an unterminated quote anywhere is an error;
- Parquet files: pyarrow's own reader, asked for the kept columns only.

Beside it, one thread reads the file's bytes once: its SHA-256 (for the manifest and the log),
and for text the checks the reference reader's streams make on every byte: no NUL byte, valid
UTF-8, no line longer than the row limit, no text right after a closing quote. Parsing and
checks run on two cores at once.

**Any doubt hands over to the reference reader**: a parser error or a byte check that fails,
and the rows not yet given are read by the reference reader instead, from the file's start
(checking every row, skipping those already given). A malformed file therefore fails with the
reference reader's own located message. One parser with the same options gives the same rows;
``tests/test_narrow_reader.py`` compares the two readers on generated files.

DuckDB's CSV scanner was measured for this and not used: it reads ``1,2,3,`` in a three-column
file as a good row (it drops empty trailing fields), so a row shifted by one field would have
been released shifted; it reads ``a, "b"`` as ``b`` where the reference reader keeps the text.

Used for regular, uncompressed CSV, TSV and Parquet files, not standard input (see
:func:`narrowable`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from redactor.io.formats import Format, compression_suffix

#: A text batch holds at least this many rows (the reference reader's 4 MiB blocks hold about
#: as many of a wide export's rows), so the later-batch checks see batches of the same size.
_MIN_BATCH_ROWS = 8_192
#: Bytes the checking thread reads at a time.
_CHUNK = 8 << 20
#: ... and hashes and shows the line guard at a time: a slice the core's cache holds between
#: the two (the guard makes several passes over it), shorter than the row limit (which lets
#: the guard skip its line-length scan when no line can be too long).
_GUARD_READ = 256 << 10


@dataclass
class Narrowed:
    """The rows after the first block, and the input's SHA-256 once they have all been read."""

    batches: Iterator[pa.RecordBatch]
    sha256: Callable[[], str]
    #: set once the reference reader has taken over (for tests and benchmarks)
    handed_over: bool = False


def narrowable(path: str, fmt: Format, schema: pa.Schema) -> bool:
    """Whether :func:`narrow` may read ``path``: a regular, uncompressed file, Parquet or
    CSV/TSV with at least two columns (in a one-column file an empty line is a value) and
    larger than two blocks (a smaller one is read whole by the reference reader at once)."""
    return may_narrow(path, fmt) and (fmt is Format.PARQUET or len(schema) >= 2)


def may_narrow(path: str, fmt: Format) -> bool:
    """:func:`narrowable` before the header is read (whatever its columns)."""
    from redactor.io.readers.source import block_bytes

    if path == "-" or compression_suffix(path) is not None:
        return False
    if fmt not in (Format.CSV, Format.TSV, Format.PARQUET):
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    # Parquet's first batch is a number of rows, not of bytes
    return fmt is Format.PARQUET or st.st_size > 2 * block_bytes()


def narrow(
    path: str,
    fmt: Format,
    schema: pa.Schema,
    keep: Sequence[int],
    skip: int,
    *,
    batch_rows: int,
    reference: Callable[[], Iterator[pa.RecordBatch]],
    sha256: Callable[[], str] | None = None,
) -> Narrowed:
    """The rows of ``path`` after the first ``skip``, with only the columns ``keep`` (indexes
    into ``schema``) converted. ``reference()`` opens the reference reader over the whole file,
    for the hand-over (see the module docstring). ``sha256``: the input's digest when the
    reference reader has it already (Parquet hashes the whole file when it opens it); else a
    thread reads the file for it (and, for text, the byte checks)."""
    from redactor.io.readers.source import block_bytes

    limit = block_bytes()  # read here: the threads below do not see this command's settings
    checks = _ByteChecks(path, text=fmt is not Format.PARQUET, tab=fmt is Format.TSV, limit=limit)
    if fmt is Format.PARQUET:
        rows = _prefetched(_parquet_rows(path, schema, keep, batch_rows))
    else:
        rows = _prefetched(_text_rows(path, fmt, schema, keep, batch_rows, limit))
    if sha256 is None or fmt is not Format.PARQUET:
        checks.start()
    else:
        checks.digest = sha256()  # nothing to check byte by byte in Parquet

    def batches() -> Iterator[pa.RecordBatch]:
        given = 0  # rows after ``skip`` yielded so far
        doubt = False
        try:
            for b in _skipping(rows, skip):
                checks.raise_if_doubt()
                given += b.num_rows
                yield b
        except _Doubt:
            doubt = True
        if checks.ident is not None:  # started
            checks.join()
        if doubt or checks.doubt:
            out.handed_over = True
            yield from _skipping(reference(), skip + given)

    def digest() -> str:
        if checks.ident is not None:
            checks.join()
        return checks.digest

    out = Narrowed(batches(), digest)
    return out


class _Doubt(Exception):
    """The narrow reader cannot vouch for the rest of the file: the reference reader takes over."""


def _prefetched(batches: Iterator[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """``batches`` produced by a thread of their own, up to ``depth`` ahead: Arrow parses the
    next block (without the GIL) while the caller transforms and writes this one. Whatever the
    producer raises is raised here, in order; closing this generator stops the producer."""
    import queue

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for b in batches:
                while not stop.is_set():
                    try:
                        q.put(b, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(end)
        except BaseException as e:  # handed to the consumer
            q.put(e)

    t = threading.Thread(target=produce, name="redactor-narrow-reader", daemon=True)
    t.start()
    try:
        while (item := q.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # unblock a producer waiting on a full queue
                q.get_nowait()
        t.join()


def _skipping(batches: Iterator[pa.RecordBatch], skip: int) -> Iterator[pa.RecordBatch]:
    for b in batches:
        if skip >= b.num_rows:
            skip -= b.num_rows
            continue
        if skip:
            b, skip = b.slice(skip), 0
        yield b


class Widen:
    """Batches of ``schema`` from the kept columns' arrays, with nulls for the dropped ones
    (one null array per length and type, shared by every batch of that length)."""

    def __init__(self, schema: pa.Schema, keep: Sequence[int]) -> None:
        self.schema, self.keep = schema, list(keep)
        self._nulls: dict[tuple[int, pa.DataType], pa.Array] = {}

    def __call__(self, n: int, arrays: Sequence[pa.Array]) -> pa.RecordBatch:
        cols: list[pa.Array | None] = [None] * len(self.schema)
        for i, arr in zip(self.keep, arrays, strict=True):
            cols[i] = arr
        for i, f in enumerate(self.schema):
            if cols[i] is None:
                key = (n, f.type)
                if key not in self._nulls:
                    self._nulls[key] = pa.nulls(n, f.type)
                cols[i] = self._nulls[key]
        return pa.RecordBatch.from_arrays(cols, schema=self.schema)


def _parquet_rows(
    path: str, schema: pa.Schema, keep: Sequence[int], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    widen = Widen(schema, keep)
    names = [schema.field(i).name for i in keep]
    try:
        with pq.ParquetFile(path, pre_buffer=False) as pf:
            for b in pf.iter_batches(batch_size=batch_rows, columns=names):
                yield widen(b.num_rows, b.columns)
    except (pa.ArrowException, OSError):
        raise _Doubt from None


def _data_start(path: str) -> int:
    """The byte offset of the first data row: after the BOM and the header row (a quoted name
    may span lines), found as the reference reader finds it."""
    from redactor.io.readers.delimited import _header_end

    with open(path, "rb") as f:
        buf = b""
        while (end := _header_end(buf)) is None:
            chunk = f.read(1 << 16)
            if not chunk:
                return len(buf)
            buf += chunk
    return end


def _text_rows(
    path: str, fmt: Format, schema: pa.Schema, keep: Sequence[int], batch_rows: int, limit: int
) -> Iterator[pa.RecordBatch]:
    """The data rows of a CSV/TSV file with the reference reader's own parser and options
    (Arrow's streaming CSV reader), converting only the kept columns: every row is still
    parsed, so a ragged row or an unterminated quote anywhere is still an error."""
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(schema))]  # by position: the header was checked
    widen = Widen(schema, keep)
    try:
        with pa.OSFile(path, "rb") as f:
            f.seek(_data_start(path))
            reader = pacsv.open_csv(
                f,
                # half the row limit: Arrow reads a row of up to two blocks, so no row longer
                # than the limit gets through (a longer one, or one of over half the limit that
                # straddles two blocks, is an error: the reference reader then decides)
                read_options=pacsv.ReadOptions(
                    use_threads=False,
                    block_size=max(limit // 2, 1 << 16),
                    column_names=names,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter="\t" if fmt is Format.TSV else ",",
                    newlines_in_values=True,
                    ignore_empty_lines=len(names) > 1,
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=[names[i] for i in keep] or names[:1],
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for b in _coalesced(reader, min(_MIN_BATCH_ROWS, batch_rows)):
                arrays = [b.column(j) for j in range(len(keep))]
                for off in range(0, b.num_rows, batch_rows):
                    yield widen(
                        min(batch_rows, b.num_rows - off),
                        [a.slice(off, batch_rows) for a in arrays],
                    )
    except (pa.ArrowException, OSError):
        raise _Doubt from None


def _coalesced(reader: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The reader's blocks joined until each holds at least ``rows`` rows (the last may hold
    fewer): the half-size blocks would otherwise double the later-batch checks' calls."""
    held: list[pa.RecordBatch] = []
    count = 0
    for b in reader:
        held.append(b)
        count += b.num_rows
        if count >= rows:
            yield _joined(held)
            held, count = [], 0
    if held:
        yield _joined(held)


def _joined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    width = batches[0].num_columns
    columns = [pa.concat_arrays([b.column(j) for b in batches]) for j in range(width)]
    return pa.RecordBatch.from_arrays(columns, schema=batches[0].schema)


class _ByteChecks(threading.Thread):
    """One read of the file's bytes: SHA-256, and for text the checks the reference reader
    makes on the bytes of every column, converted or not — no NUL byte, valid UTF-8, no line
    longer than the row limit, no text right after a closing quote (its
    :class:`~redactor.io.streams.TextGuard`). ``doubt`` is set at the first failed check (the
    hashing goes on)."""

    def __init__(self, path: str, *, text: bool, tab: bool, limit: int) -> None:
        super().__init__(name="redactor-input-checks", daemon=True)
        self.path, self.text, self.tab, self.limit = path, text, tab, limit
        self.digest = ""
        self.doubt = False

    def raise_if_doubt(self) -> None:
        if self.doubt:
            raise _Doubt

    def run(self) -> None:
        try:
            self._read()
        except BaseException:  # an unreadable file: the reference reader says why
            self.doubt = True

    def _read(self) -> None:
        from redactor.io.streams import TextGuard

        h = hashlib.sha256()
        delimiter = b"\t" if self.tab else b","
        guard = TextGuard(io.BytesIO(), max_line=self.limit, delimiter=delimiter)
        tail = b""  # the bytes of a UTF-8 sequence a chunk boundary cut
        with open(self.path, "rb", buffering=0) as f:
            while chunk := f.read(_CHUNK):
                if not self.text or self.doubt:
                    h.update(chunk)
                    continue
                for at in range(0, len(chunk), _GUARD_READ):
                    piece = chunk[at : at + _GUARD_READ]
                    h.update(piece)
                    guard.feed(piece)
                data = tail + chunk if tail else chunk
                cut = _sequence_start(data)
                if b"\0" in chunk or not _valid_utf8(data[:cut]) or guard.problem:
                    self.doubt = True
                tail = data[cut:]
            if self.text and not self.doubt and tail:
                self.doubt = not _valid_utf8(tail)
        self.digest = h.hexdigest()


def _sequence_start(data: bytes) -> int:
    """Where the last, possibly incomplete, UTF-8 sequence of ``data`` starts (``len(data)`` if
    the last byte is ASCII): the bytes before it can be validated on their own."""
    n = len(data)
    for i in range(n - 1, max(n - 5, -1), -1):
        b = data[i]
        if b < 0x80:
            return n if i == n - 1 else i + 1
        if b >= 0xC0:
            return i
    return n


def _valid_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (Arrow's vectorised validation, no copy)."""
    if not data:
        return True
    import numpy as np

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    arr = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
