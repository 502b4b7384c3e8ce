"""PostgreSQL results read by ``COPY (<query>) TO STDOUT (FORMAT csv)`` and parsed by Arrow.

Reading through a server-side cursor (:mod:`redactor.sql.export`) builds a Python tuple per row,
then Arrow arrays from the tuples. ``COPY`` sends each row as one CSV line, which psycopg hands
over as bytes and :mod:`pyarrow.csv` parses a batch at a time in C++: the same Arrow batches for
a fraction of the work per row (``benchmarks/serve_bench.py``; figures in docs/serve.md).

What runs is what was checked:

* the rewritten SQL is first *prepared* as the unnamed statement over the extended protocol
  (parsed and described, nothing runs): the server refuses it unless it is exactly one
  statement, and its description gives every column's type OID and modifier, from which the
  Arrow types are the cursor path's own (:func:`redactor.sql.export._pg_field`), never read
  from the data;
* the same text then runs as ``COPY (\\n<sql>\\n) TO STDOUT (FORMAT csv)`` in the same read-only
  transaction (begun, limited and role-checked by the connection as for any statement). A text
  that parses alone as one statement parses the same between the parentheses (a trailing line
  comment ends at the newline); the locks its parse took hold the tables' definitions until
  the transaction ends; a row whose field count is not the description's stops the
  statement, and so does a batch whose parsed row count is not the count of rows received.

A result of at most :data:`FEW_ROWS` rows (the common small statement) is not given to Arrow's
CSV reader, whose fixed cost is then the larger one: each field goes through psycopg's text
loaders for its column's type and ``pa.array``, exactly as the cursor path reads it.

A result with a column whose CSV text Arrow does not read back as the cursor path's value
(``bytea``, arrays, ``numeric`` wider than 38 digits; dates and times unless DateStyle is ISO;
``timestamptz`` unless TimeZone is UTC; a client encoding other than UTF8) is read through the
cursor as before. A value Arrow cannot parse (a BC date, ``infinity``, a ``NaN`` numeric —
which the cursor path refuses too) stops the statement with a message naming the column, never
the value.
"""

from __future__ import annotations

import contextlib
import queue
import re
import select
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from redactor.errors import DataError, RefusedError
from redactor.sql import export as _export
from redactor.sql.export import ReadConnection
from redactor.urls import DbUrl

COPY_PREFIX = "COPY (\n"
COPY_SUFFIX = "\n) TO STDOUT (FORMAT csv)"
BLOCK_BYTES = 8 << 20  # a batch is parsed when it holds this many bytes (or batch_rows rows)
FEW_ROWS = 64  # a result of at most this many rows is read as the cursor path reads it
READ_AHEAD = 2  # batches a result's reader thread keeps parsed ahead of the session
_UTC = frozenset(
    {b"UTC", b"Etc/UTC", b"UCT", b"Etc/UCT", b"GMT", b"Etc/GMT", b"Universal", b"Zulu"}
)
_CSV_COLUMN = re.compile(r"In CSV column #(\d+)")


@dataclass(frozen=True, slots=True)
class _Described:
    """A result column as :func:`redactor.sql.export._pg_field` reads it (psycopg's Column)."""

    name: str
    type_code: int
    precision: int | None
    scale: int | None


class CopyConnection(ReadConnection):
    """A :class:`~redactor.sql.export.ReadConnection` whose PostgreSQL queries are read by
    ``COPY … (FORMAT csv)`` where every result column allows it (see the module docstring);
    everything else — the catalog, the transaction, the role check, other engines — is the
    parent's."""

    copies = 0  # queries read by COPY (for tests and benchmarks)

    def _opener(self) -> Callable[..., tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
        if self.db.engine != "postgresql":
            return super()._opener()

        def run(*args: Any) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
            out = copy_batches(*args)
            if isinstance(out[1], CopyStream):
                self.copies += 1
            return out

        return run

    def result_schema(self, sql: str) -> pa.Schema | None:
        """The result columns of ``sql`` (already rewritten): names and the cursor path's
        Arrow types, from the server's description of it prepared (nothing runs, no row is
        read). None where this connection cannot tell (another engine, or busy streaming)."""

        if self.db.engine != "postgresql" or self._busy:
            return None
        con = self._raw("run the query on")
        try:
            columns = described(self.db, con, sql, self.deadline)
            return pa.schema([pa.field(c.name, _export._pg_field(c)[0]) for c in columns])
        finally:
            try:
                con.rollback()
            except Exception:
                self._drop()


def _positioned(e: Any, prefix: int) -> Any:
    e._redactor_prefix = prefix
    return e


def describe(con: Any, sql: str) -> list[_Described]:
    """Prepare ``sql`` as the unnamed statement and describe it (nothing runs): the columns
    of its result. Raises psycopg's error for a statement the server refuses."""
    import psycopg
    from psycopg import pq

    pg, enc = con.pgconn, con.info.encoding
    res = pg.prepare(b"", sql.encode(enc))
    if res.status == pq.ExecStatus.COMMAND_OK:
        res = pg.describe_prepared(b"")
    if res.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(res, encoding=enc)
    out = []
    types = con.adapters.types
    for i in range(res.nfields):
        oid, fmod = res.ftype(i), res.fmod(i)
        info = types.get(oid)
        out.append(
            _Described(
                (res.fname(i) or b"").decode(enc) or f"column_{i + 1}",
                oid,
                info.get_precision(fmod) if info is not None else None,
                info.get_scale(fmod) if info is not None else None,
            )
        )
    return out


# Arrow types whose CSV text (as PostgreSQL prints it in text form) Arrow reads back exactly.
def _readable(t: pa.DataType, iso_dates: bool, utc: bool) -> bool:
    if pa.types.is_string(t) or pa.types.is_boolean(t) or pa.types.is_integer(t):
        return True
    if pa.types.is_float32(t) or pa.types.is_float64(t):
        return True
    if pa.types.is_decimal128(t):
        return True
    if pa.types.is_date32(t) or pa.types.is_time64(t):
        return iso_dates
    if pa.types.is_timestamp(t):
        return iso_dates and (t.tz is None or utc)
    return False  # bytea, arrays, decimal256


def copy_plan(con: Any, columns: list[_Described]) -> pa.Schema | None:
    """The result schema (the cursor path's types) when every column can be read from CSV,
    else None."""
    pg = con.pgconn
    if not columns:  # a CSV line cannot tell zero columns from one NULL
        return None
    if (pg.parameter_status(b"client_encoding") or b"").upper() not in (b"UTF8", b"UNICODE"):
        return None
    iso = (pg.parameter_status(b"DateStyle") or b"").upper().startswith(b"ISO")
    utc = (pg.parameter_status(b"TimeZone") or b"") in _UTC
    fields = []
    for c in columns:
        t, _ = _export._pg_field(c)
        if not _readable(t, iso, utc):
            return None
        fields.append(pa.field(c.name, t))
    return pa.schema(fields)


def described(db: DbUrl, con: Any, sql: str, deadline: Any) -> list[_Described]:
    """The server's description of ``sql`` prepared as the unnamed statement (nothing runs):
    more than one statement is refused, any other error is located in the query."""
    import psycopg

    with _export._errors(db, "run the query on", sql, deadline):
        try:
            return describe(con, sql)
        except psycopg.Error as e:
            if e.sqlstate == "42601" and ";" in sql and _export._pg_multiple(e):
                raise _export._one_statement_refusal("more than one statement") from None
            raise _positioned(e, 0) from None


def copy_batches(
    db: DbUrl,
    con: Any,
    sql: str,
    batch_rows: int,
    deadline: Any,
    release: Callable[..., None],
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Execute ``sql`` (already rewritten) on ``con`` (in its statement's read-only
    transaction): by COPY where :func:`copy_plan` allows, else through the cursor of
    :func:`redactor.sql.export._pg_batches`. The iterator's ``close`` ends the transaction and
    calls ``release`` as the cursor path does."""

    def end(drop: bool = False) -> None:
        if drop:  # a COPY still sending: closing the connection stops it on the server
            release(False)
            return
        _export.end_transaction(con, release)

    try:
        columns = described(db, con, sql, deadline)
        schema = copy_plan(con, columns)
    except BaseException:
        end()
        raise
    if schema is None:
        return _export._pg_batches(db, con, sql, batch_rows, deadline, release)
    try:
        stream = CopyStream(db, con, sql, schema, batch_rows, deadline, end, columns)
    except BaseException:
        end()
        raise
    return schema, stream


_QUOTED = re.compile(rb'"((?:[^"]|"")*)"')


def csv_fields(line: bytes) -> list[bytes | None]:
    """The fields of one CSV line as PostgreSQL's COPY writes it: an unquoted empty field is
    NULL, a quoted one (``""``) the empty string; quotes doubled inside quotes."""
    if line.endswith(b"\n"):
        line = line[:-1]
    if b'"' not in line:
        return [f if f else None for f in line.split(b",")]
    out: list[bytes | None] = []
    pos, end = 0, len(line)
    while True:
        if line.startswith(b'"', pos):
            m = _QUOTED.match(line, pos)
            if m is None:
                raise DataError("the database sent a CSV line that does not parse")
            out.append(m.group(1).replace(b'""', b'"'))
            pos = m.end()
        else:
            comma = line.find(b",", pos)
            stop = end if comma < 0 else comma
            out.append(line[pos:stop] or None)
            pos = stop
        if pos >= end:
            return out
        if line[pos : pos + 1] != b",":
            raise DataError("the database sent a CSV line that does not parse")
        pos += 1
        if pos == end:
            out.append(None)
            return out


class CopyStream:
    """The batches of one ``COPY … TO STDOUT (FORMAT csv)``, sent over the extended protocol
    (one command only). Each CopyData message is one row; ``batch_rows`` rows (or
    :data:`BLOCK_BYTES`) are parsed at once by Arrow as the schema says (types from the
    description, not inferred). The rows are taken from libpq without blocking (a wait on the
    socket releases the GIL for the other sessions). ``close`` at the end ends the transaction;
    ``close`` before the end drops the driver connection (the server stops the COPY), and the
    next statement opens another."""

    def __init__(
        self,
        db: DbUrl,
        con: Any,
        sql: str,
        schema: pa.Schema,
        batch_rows: int,
        deadline: Any,
        end: Callable[[bool], None],
        columns: list[_Described],
    ) -> None:
        import psycopg
        from psycopg import pq
        from psycopg.generators import execute

        self.db, self.sql, self.schema, self.deadline = db, sql, schema, deadline
        self.batch_rows = max(1, batch_rows)
        self._con, self._pg = con, con.pgconn
        self._end = end
        self._closed = False
        self._done = False
        self._prefix = len(COPY_PREFIX)
        self._first = True
        self._exhausted = False  # the session has taken the last batch
        self._ahead: _ReadAhead | None = None
        self._tx: Any = None
        self._oids = [c.type_code for c in columns]
        self._converters = [_export._pg_field(c)[1] for c in columns]
        self._names = [f"c{i}" for i in range(len(schema))]
        self._parse = pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
        self._convert = pcsv.ConvertOptions(
            column_types={n: f.type for n, f in zip(self._names, schema, strict=True)},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        )
        text = (COPY_PREFIX + sql + COPY_SUFFIX).encode(con.info.encoding)
        with _export._errors(db, "run the query on", sql, deadline):
            try:
                self._pg.send_query_params(text, None)  # extended protocol: one command
                results = con.wait(execute(self._pg))
                self._check(results, pq.ExecStatus.COPY_OUT)
            except psycopg.Error as e:
                raise _positioned(e, self._prefix) from None
        self._poll = select.poll()
        self._poll.register(self._pg.socket, select.POLLIN)

    def _check(self, results: list[Any], want: Any) -> None:
        import psycopg
        from psycopg import pq

        for r in results:
            if r.status == pq.ExecStatus.FATAL_ERROR:
                raise psycopg.errors.error_from_result(r, encoding=self._con.info.encoding)
        if not results or results[-1].status != want:
            raise RefusedError(
                f"Refused: {self.db.display} did not answer the query with one result",
                hint="connect to the server directly, not through a proxy",
            )

    def __iter__(self) -> CopyStream:
        return self

    def __next__(self) -> pa.RecordBatch:
        if self._closed or self._exhausted:
            self.close()
            raise StopIteration
        try:
            batch = self._next()
        except BaseException:
            self.close()
            raise
        if batch is None:
            self._exhausted = True
            self.close()
            raise StopIteration
        return batch

    def _next(self) -> pa.RecordBatch | None:
        import psycopg

        if self._ahead is not None:
            kind, value = self._ahead.take()
            if kind == "error":
                with _export._errors(self.db, "fetch rows from", self.sql, self.deadline):
                    raise value
            return value
        with _export._errors(self.db, "fetch rows from", self.sql, self.deadline):
            try:
                block, rows, done = self._read()
                if done:
                    self._finish()
                    self._exhausted = True  # this batch is the last
            except psycopg.Error as e:
                raise _positioned(e, self._prefix) from None
        if not rows:
            return None
        if isinstance(block, list):
            return self._few(block)
        batch = self._parse_block(block, rows)
        if not done:  # a large result: read and parse the next batches while this one is sent
            self._ahead = _ReadAhead(self)
        return batch

    def _few(self, lines: list[bytes]) -> pa.RecordBatch:
        """A few rows read as the cursor path reads them: each CSV field (NULL apart from "")
        through psycopg's text loaders for the column's type, then ``pa.array`` of the
        column's type (the fixed cost of Arrow's CSV reader is the larger one here)."""
        from psycopg import pq
        from psycopg.adapt import Transformer

        if self._tx is None:
            tx = Transformer(self._con)
            tx.set_loader_types(self._oids, pq.Format.TEXT)
            self._tx = tx
        width = len(self.schema)
        with _export._errors(self.db, "fetch rows from", self.sql, self.deadline):
            rows = []
            for line in lines:
                cells = csv_fields(line)
                if len(cells) != width:
                    raise RefusedError(
                        f"Refused: {self.db.display} sent a row of {len(cells)} fields for "
                        f"{width} columns; the result is not the one described"
                    )
                rows.append(self._tx.load_sequence(cells))
        arrays = []
        for i, (f, vs) in enumerate(zip(self.schema, zip(*rows, strict=True), strict=True)):
            convert = self._converters[i]
            try:
                arrays.append(pa.array(convert(vs) if convert else vs, type=f.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                raise DataError(
                    f"{self.db.display}: result column {i + 1} holds values that do not fit "
                    f"{f.type}",
                    hint="CAST the column to text in the query (a multi-dimensional array or "
                    "an out-of-range value cannot be written as it is)",
                ) from None
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _read(
        self, stop: threading.Event | None = None
    ) -> tuple[list[bytes] | bytearray, int, bool]:
        """Up to one batch of rows, how many, and whether the COPY has ended. The first
        :data:`FEW_ROWS` rows are kept one by one: a result that ends there is returned as
        that list (see :meth:`_few`); otherwise the rows' CSV lines, back to back."""
        pg = self._pg
        get, consume, poll = pg.get_copy_data, pg.consume_input, self._poll.poll
        limit, block = self.batch_rows, BLOCK_BYTES
        few: list[bytes] = []
        if self._first:
            self._first = False
            while len(few) <= FEW_ROWS and len(few) < limit:
                n, data = get(1)
                if n > 0:
                    few.append(bytes(data))
                elif n == 0:
                    poll()
                    consume()
                else:
                    return few, len(few), True
        buf = bytearray(b"".join(few))
        rows = len(few)
        if rows >= limit:
            return buf, rows, False
        while True:
            n, data = get(1)
            if n > 0:
                buf += data
                rows += 1
                if rows >= limit or len(buf) >= block:
                    return buf, rows, False
            elif n == 0:  # no whole row buffered: wait for the socket (the GIL is released)
                if stop is None:
                    poll()
                else:
                    while not poll(100):
                        if stop.is_set():
                            raise _Stopped
                consume()
            else:  # -1: the COPY ended (-2 raises)
                return buf, rows, True

    def _finish(self) -> None:
        from psycopg import pq
        from psycopg.generators import fetch_many

        self._done = True
        self._check(self._con.wait(fetch_many(self._pg)), pq.ExecStatus.COMMAND_OK)

    def _parse_block(self, block: bytearray, rows: int) -> pa.RecordBatch:
        try:  # the streaming reader: a fraction of read_csv's fixed cost for a small block
            read = pcsv.ReadOptions(
                column_names=self._names, use_threads=False, block_size=len(block) + 1
            )
            table = pcsv.open_csv(
                pa.py_buffer(block),
                read_options=read,
                parse_options=self._parse,
                convert_options=self._convert,
            ).read_all()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            m = _CSV_COLUMN.search(str(e))  # the message quotes the value: never shown
            i = int(m.group(1)) if m else None
            if i is not None and 0 <= i < len(self.schema):
                t = self.schema.field(i).type  # by position: an alias may read like a value
                what = f"result column {i + 1} holds a value that {t} cannot hold"
            else:
                what = "the result could not be read"
            raise DataError(
                f"{self.db.display}: {what}",
                hint="CAST the column to text in the query (a BC or infinite date, a NaN "
                "numeric or an out-of-range value cannot be written as it is)",
            ) from None
        if table.num_rows != rows:
            raise RefusedError(
                f"Refused: {self.db.display} sent {rows} rows that read as {table.num_rows}; "
                "the result is not the one described",
            )
        batch = table.rename_columns(self.schema.names).combine_chunks().to_batches()[0]
        return batch if batch.schema == self.schema else batch.cast(self.schema)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._ahead is not None:  # the reader thread lets go of the connection first
            self._ahead.stop()
        with contextlib.suppress(Exception):
            self._poll.unregister(self._pg.socket)
        self._end(self._active())

    def _active(self) -> bool:
        """Whether the server may still be sending (stopped early, or a value Arrow could not
        read): then the connection is dropped rather than drained."""
        from psycopg import pq

        if self._done:
            return False
        try:
            return self._pg.transaction_status == pq.TransactionStatus.ACTIVE
        except Exception:
            return True


class _Stopped(Exception):
    """The session closed the stream while its reader thread waited."""


class _ReadAhead:
    """A thread that reads and parses the next batches of a :class:`CopyStream` while the
    session transforms and sends the current one (the server goes on producing rows meanwhile;
    Arrow's parser and the socket waits release the GIL). It alone uses the connection until
    :meth:`stop` returns; at most :data:`READ_AHEAD` batches wait, so memory stays bounded.
    Errors are handed to the session, which raises them as the stream would."""

    def __init__(self, stream: CopyStream) -> None:
        self._stream = stream
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=READ_AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serve-copy", daemon=True)
        self._thread.start()

    def take(self) -> tuple[str, Any]:
        """The next ("batch", batch), ("batch", None) at the end, or ("error", exception)."""
        return self._queue.get()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        import psycopg

        s = self._stream
        try:
            while not self._stop.is_set():
                try:
                    block, rows, done = s._read(self._stop)
                    if done:
                        s._finish()
                except psycopg.Error as e:
                    self._put(("error", _positioned(e, s._prefix)))
                    return
                batch = s._parse_block(block, rows) if rows else None  # type: ignore[arg-type]
                if batch is not None and not self._put(("batch", batch)):
                    return
                if done:
                    self._put(("batch", None))
                    return
        except _Stopped:
            return
        except BaseException as e:  # handed to the session, raised there
            self._put(("error", e))


__all__ = ["COPY_PREFIX", "COPY_SUFFIX", "CopyConnection", "CopyStream", "copy_batches"]
