"""Run a (rewritten) query on SQLite, DuckDB or PostgreSQL and stream the result as Arrow batches.

This is the second line of defence behind the guard and the rewrite:

* **Exactly one statement reaches the engine.** DuckDB: the SQL is split with
  ``extract_statements`` and refused unless it is one ``SELECT``; only that statement runs.
  SQLite: ``execute`` runs one statement and rejects the rest, which is turned into a refusal.
  PostgreSQL: the query is declared as a server-side cursor over the extended query protocol,
  which rejects a string holding more than one command; a result with more than one result set
  is refused.
* **Least privilege.** SQLite opens ``mode=ro`` with ``PRAGMA query_only`` and an authorizer
  that allows only reads; DuckDB opens ``read_only`` with external access and extension
  loading off and its configuration locked; PostgreSQL runs in a ``READ ONLY`` transaction (and
  ``default_transaction_read_only``) and refuses a role that is a superuser, has ``BYPASSRLS``,
  can read or write server files or run server programs, or can ``SET ROLE`` to such a role.
* **Time limits.** Each database call (running the query, each fetch of a batch) is limited to
  ``REDACTOR_STATEMENT_TIMEOUT`` seconds (default 1800) on every engine; PostgreSQL also gets a
  lock timeout (``REDACTOR_LOCK_TIMEOUT``, default 10 s) and an idle-in-transaction timeout.
* **No database message verbatim.** Driver messages quote values (``invalid input syntax for
  type date: "02/25/1964"``), so a failure is a :class:`~redactor.errors.QueryError` naming the
  engine's error class, the SQLSTATE where there is one and the position in the executed SQL;
  never the driver's text, the query or the URL's password.
* **Result types are exact.** Every column gets an Arrow type that holds its values without loss
  or the value's exact text: PostgreSQL ``numeric(p,s)`` becomes ``decimal128``/``decimal256``,
  unconstrained ``numeric`` its text; intervals become ISO-8601 duration text (``P1Y2M3DT4H``);
  ``json``/``jsonb``/``uuid``/``timetz`` and other types without an Arrow counterpart their text.

Nothing is fetched whole: DuckDB yields its own Arrow batches, SQLite and PostgreSQL
(server-side cursor) are read ``batch_rows`` rows at a time.
"""

from __future__ import annotations

import contextlib
import decimal
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from redactor.errors import DataError, QueryError, RedactorError, RefusedError, UsageError
from redactor.settings import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, current
from redactor.sql.schema import CatalogSpec
from redactor.urls import DbUrl, parse_url

DEFAULT_BATCH_ROWS = 65_536
STATEMENT_TIMEOUT_ENV = "REDACTOR_STATEMENT_TIMEOUT"
LOCK_TIMEOUT_ENV = "REDACTOR_LOCK_TIMEOUT"

READER_HINT = (
    "connect as a role that can only read the exported tables, e.g. "
    "CREATE ROLE redactor_reader LOGIN PASSWORD '...'; "
    "GRANT USAGE ON SCHEMA public TO redactor_reader; "
    "GRANT SELECT ON <each table to export> TO redactor_reader;  (no SUPERUSER, no BYPASSRLS, "
    "not a member of pg_read_server_files, pg_write_server_files or pg_execute_server_program)"
)
_WITHHELD = "the database's own message is not shown because it can quote data values"


# --- limits ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Limits:
    """Time limits for one database session, in seconds."""

    statement: float
    lock: float

    @staticmethod
    def from_env() -> Limits:
        """The limits in the running command's settings (REDACTOR_STATEMENT_TIMEOUT,
        REDACTOR_LOCK_TIMEOUT, validated by :mod:`redactor.settings`)."""
        s = current()
        return Limits(s.statement_timeout, s.lock_timeout)


@dataclass(slots=True)
class _Deadline:
    """A time limit on each database call; ``expired`` tells a timeout from other errors."""

    seconds: float
    expired: bool = False
    _until: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def call(self, interrupt: Callable[[], None] | None = None) -> Iterator[None]:
        self._until = time.monotonic() + self.seconds
        timer = None
        if interrupt is not None:
            timer = threading.Timer(self.seconds, self._fire, (interrupt,))
            timer.daemon = True
            timer.start()
        try:
            yield
        finally:
            self._until = None
            if timer is not None:
                timer.cancel()

    def _fire(self, interrupt: Callable[[], None]) -> None:
        with self._lock:
            self.expired = True
            with contextlib.suppress(Exception):
                interrupt()

    def sqlite_progress(self) -> int:
        """SQLite progress handler: non-zero stops the running statement."""
        if self._until is not None and time.monotonic() > self._until:
            self.expired = True
            return 1
        return 0


# --- errors ----------------------------------------------------------------------------------
@contextlib.contextmanager
def _errors(
    db: DbUrl,
    doing: str,
    sql: str | None = None,
    deadline: _Deadline | None = None,
    *,
    positions: bool = True,
) -> Iterator[None]:
    try:
        yield
    except RedactorError:
        raise
    except Exception as e:
        raise _query_error(e, db, doing, sql if positions else None, deadline) from None


def _query_error(
    e: BaseException, db: DbUrl, doing: str, sql: str | None, deadline: _Deadline | None
) -> QueryError:
    """A QueryError for a driver exception: the engine's error class, its SQLSTATE and the
    position in ``sql``, never the driver's message."""
    error_class, sqlstate, offset = _classify(e, db, sql)
    where = f"Could not {doing} {db.display}"
    raised = f"{error_class}{_state(sqlstate)}"
    limit = deadline.seconds if deadline is not None else DEFAULT_STATEMENT_TIMEOUT
    if (deadline is not None and deadline.expired) or sqlstate == "57014":
        msg = (
            f"{where}: the query was stopped after {limit:g} s ({raised}): it ran longer "
            "than the statement timeout"
        )
        hint = (
            f"make the query cheaper, or raise {STATEMENT_TIMEOUT_ENV} (seconds); on "
            "PostgreSQL a cancel by an administrator looks the same"
        )
    elif sqlstate == "55P03":
        msg = f"{where}: the query waited too long for a lock ({raised})"
        hint = f"retry later, or raise {LOCK_TIMEOUT_ENV} (seconds)"
    elif sqlstate is not None and sqlstate[:2] in ("08", "57", "53", "28"):
        msg = f"{where}: the connection failed ({raised})"
        hint = "check that the database is reachable and the login is allowed; " + _WITHHELD
    elif sql is not None and offset is not None:
        msg = (
            f"{where}: the database raised {raised} at {_line_col(sql, offset)} of the SQL "
            "sent to the database"
        )
        hint = (
            "look at the query there (e.g. a CAST or a function given a value it cannot "
            "take); " + _WITHHELD
        )
    else:
        msg = f"{where}: the database raised {raised}"
        hint = (
            "check the --db URL, that the query's tables exist, and any CAST or function "
            "given values it cannot take; " + _WITHHELD
        )
    return QueryError(msg, hint=hint, error_class=error_class, sqlstate=sqlstate, offset=offset)


def _state(sqlstate: str | None) -> str:
    return f" (SQLSTATE {sqlstate})" if sqlstate else ""


def _line_col(sql: str, offset: int) -> str:
    before = sql[:offset]
    return f"line {before.count(chr(10)) + 1}, col {offset - (before.rfind(chr(10)) + 1) + 1}"


_DUCK_PREFIX = re.compile(r"^([A-Z][A-Za-z ]*?) Error: ")
_DUCK_POSITION = re.compile(r'"position":"(\d+)"')


def _classify(e: BaseException, db: DbUrl, sql: str | None) -> tuple[str, str | None, int | None]:
    name = type(e).__name__
    if db.engine == "postgresql":
        import psycopg

        if isinstance(e, psycopg.Error):
            offset = None
            pos = getattr(e.diag, "statement_position", None) if e.diag else None
            if pos and pos.isdigit():
                offset = int(pos) - 1 - getattr(e, "_redactor_prefix", 0)
            return name, e.sqlstate or _pg_lost(e), _in_range(offset, sql)
        return name, None, None
    if db.engine == "sqlite":
        if isinstance(e, sqlite3.Error):
            return getattr(e, "sqlite_errorname", None) or name, None, None
        return name, None, None
    text = str(e)
    m = _DUCK_PREFIX.match(text)
    import duckdb

    if not isinstance(e, duckdb.Error) and m:  # raised through the Arrow reader
        name = m.group(1).title().replace(" ", "") + "Exception"
    p = _DUCK_POSITION.search(text)
    offset = _duck_offset(sql, int(p.group(1))) if (p and sql is not None) else None
    return name, None, offset


def _pg_lost(e: BaseException) -> str | None:
    """SQLSTATE 08006 (connection failure) for a connection that was lost without the server's
    error reaching the client (libpq: "server closed the connection unexpectedly"), as JDBC
    reports it; None for any other error without a SQLSTATE."""
    import psycopg
    from psycopg import pq

    if not isinstance(e, psycopg.OperationalError):
        return None
    conn = getattr(e, "pgconn", None)
    return "08006" if conn is None or conn.status == pq.ConnStatus.BAD else None


def _duck_offset(sql: str, position: int) -> int | None:
    """DuckDB reports a UTF-8 byte offset into the statement without its leading whitespace."""
    body = sql.lstrip(" \t\n\r\v\f")
    head = body.encode("utf-8")[:position].decode("utf-8", errors="ignore")
    return _in_range(len(sql) - len(body) + len(head), sql)


def _in_range(offset: int | None, sql: str | None) -> int | None:
    if offset is None or sql is None or not 0 <= offset < max(len(sql), 1):
        return None
    return offset


# --- one connection ---------------------------------------------------------------------------
class ReadConnection:
    """One read-only, least-privilege connection to a database, built once from its parsed URL:
    the catalog read, redactor's own sample queries and the user's (rewritten) query of one
    export all run on it, one after another (a query asked for while another's rows are still
    being read gets a connection of its own, closed with its rows).

    PostgreSQL: every statement runs in its own ``READ ONLY`` transaction, which begins by
    setting the time limits and checking the role again (a role granted a privilege since is
    refused at its next statement). When the server has dropped the connection, it is opened
    again once before a statement; if that fails too, the statement fails with a QueryError.
    SQLite and DuckDB: the file is opened read-only once.

    Use it as a context manager, or :meth:`close` it.
    """

    def __init__(self, db: DbUrl, limits: Limits | None = None) -> None:
        self.db = db
        self.limits = limits if limits is not None else Limits.from_env()
        self.deadline = _Deadline(self.limits.statement)
        self.connects = 0  # connections opened (for tests and benchmarks)
        self._con: Any = None
        self._busy = False
        self._closed = False

    def __repr__(self) -> str:
        return f"ReadConnection({self.db.display!r})"

    def __enter__(self) -> ReadConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        con, self._con = self._con, None
        if con is not None:
            with contextlib.suppress(Exception):
                con.close()

    # -- the driver connection --
    def _raw(self, doing: str) -> Any:
        """The open driver connection (opened on first use; PostgreSQL: reopened once when the
        server dropped it), ready for one statement."""
        if self._closed:
            raise UsageError(f"the connection to {self.db.display} is closed")
        self.deadline.expired = False
        if self.db.engine == "postgresql":
            return self._pg_ready(doing)
        if self._con is None:
            if self.db.engine == "sqlite":
                con = _sqlite(self.db, self.limits, self.deadline, doing)
                con.set_authorizer(_sqlite_authorizer)
            else:
                con = _duckdb(self.db, doing)
            self._con = con
            self.connects += 1
        return self._con

    def _pg_ready(self, doing: str) -> Any:
        for attempt in (1, 2):
            fresh = self._con is None or self._con.closed or self._con.broken
            if fresh:
                if self._con is not None:
                    with contextlib.suppress(Exception):
                        self._con.close()
                self._con = None
                self._con = _pg_connect(self.db, self.limits, doing)
                self.connects += 1
            try:
                _pg_begin(self.db, self._con, self.limits, doing)
            except QueryError:
                dropped = self._con.closed or self._con.broken
                if fresh or attempt == 2 or not dropped:
                    raise
                continue  # the server dropped a connection that served before: open it again
            return self._con
        raise AssertionError("unreachable")

    def _statement(self) -> tuple[ReadConnection, bool]:
        """The connection to run the next statement on, and whether the caller owns it (a query
        already streaming holds this one)."""
        if self._busy:
            return ReadConnection(self.db, self.limits), True
        return self, False

    # -- statements --
    def catalog(self) -> dict[str, list[tuple[str, str | None]]]:
        """``{table: [(column, declared type), …]}`` of the database's default schema (tables
        and views), in column order."""
        rc, owned = self._statement()
        try:
            return rc._catalog()
        finally:
            if owned:
                rc.close()

    def _catalog(self) -> dict[str, list[tuple[str, str | None]]]:
        db, deadline = self.db, self.deadline
        doing = "read the catalog of"
        con = self._raw(doing)
        if db.engine == "sqlite":
            con.set_authorizer(None)  # redactor's own catalog read (pragma_table_info)
            try:
                with _errors(db, doing, deadline=deadline, positions=False), deadline.call():
                    names = [
                        r[0]
                        for r in con.execute(
                            "SELECT name FROM sqlite_master WHERE type IN ('table','view') "
                            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                        )
                    ]
                    out: dict[str, list[tuple[str, str | None]]] = {}
                    for n in names:
                        rows = con.execute("SELECT name, type FROM pragma_table_info(?)", (n,))
                        out[n] = [(r[0], r[1] or None) for r in rows]
                return out
            finally:
                con.set_authorizer(_sqlite_authorizer)
        if db.engine == "duckdb":
            with (
                _errors(db, doing, deadline=deadline, positions=False),
                deadline.call(con.interrupt),
            ):
                rows = con.execute(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_catalog = current_database() "
                    "ORDER BY table_name, ordinal_position"
                ).fetchall()
            return _group(rows)
        try:
            with _errors(db, doing, deadline=deadline, positions=False):
                rows = con.execute(
                    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r','v','m','p','f') "
                    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
                ).fetchall()
            return _group(rows)
        finally:
            with contextlib.suppress(Exception):
                con.rollback()

    def query(
        self, sql: str, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """Execute ``sql`` (already rewritten): the result schema and a batch iterator, which
        holds this connection until it is exhausted or closed. Raises RefusedError (more than
        one statement, a privileged PostgreSQL role) or QueryError (the database failed)."""
        rc, owned = self._statement()
        try:
            return rc._query(sql, batch_rows, owned)
        except BaseException:
            if owned:
                rc.close()
            raise

    def _opener(self) -> Callable[..., tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
        """How this connection's engine runs a query and streams its batches."""
        openers = {"sqlite": _sqlite_batches, "duckdb": _duckdb_batches, "postgresql": _pg_batches}
        return openers[self.db.engine]

    def _query(
        self, sql: str, batch_rows: int, owned: bool
    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        opener = self._opener()
        con = self._raw("run the query on")

        def release(reusable: bool = True) -> None:
            self._busy = False
            if owned or not reusable:
                self.close() if owned else self._drop()

        self._busy = True
        try:
            return opener(self.db, con, sql, batch_rows, self.deadline, release)
        except BaseException:
            self._busy = False
            if owned:
                self.close()
            raise

    def _drop(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            with contextlib.suppress(Exception):
                con.close()


def connect(url: str | DbUrl, limits: Limits | None = None) -> ReadConnection:
    """A :class:`ReadConnection` to ``url`` (parsed once; opened on first use)."""
    return ReadConnection(url if isinstance(url, DbUrl) else parse_url(url), limits)


def db_of(source: str | ReadConnection) -> DbUrl:
    """The parsed URL of a URL or of an open connection."""
    return source.db if isinstance(source, ReadConnection) else parse_url(source)


# --- catalog ---------------------------------------------------------------------------------
def catalog_schema(url: str | ReadConnection) -> dict[str, list[tuple[str, str | None]]]:
    """``{table: [(column, declared type), …]}`` of the database's default schema (tables and
    views), in column order. Read through the same read-only, least-privilege connection
    (``url`` may be an open :class:`ReadConnection`, which is used and left open)."""
    if isinstance(url, ReadConnection):
        return url.catalog()
    with connect(url) as rc:
        return rc.catalog()


def _group(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for t, c, ty in rows:
        out.setdefault(t, []).append((c, ty))
    return out


# --- query -----------------------------------------------------------------------------------
def iter_query_batches(
    url: str | ReadConnection, sql: str, batch_rows: int = DEFAULT_BATCH_ROWS
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Execute ``sql`` (already rewritten) and return the result schema and a batch iterator.

    ``url``: a database URL (a connection is opened and closed with the iterator) or an open
    :class:`ReadConnection` (used, and left open). Raises RefusedError (more than one
    statement, a privileged PostgreSQL role) or QueryError (the database failed).
    """
    if isinstance(url, ReadConnection):
        return url.query(sql, batch_rows)
    rc = connect(url)
    return _owned_query(rc, sql, batch_rows)


def _owned_query(
    rc: ReadConnection, sql: str, batch_rows: int
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    try:
        return rc._query(sql, batch_rows, owned=True)
    except BaseException:
        rc.close()
        raise


def _one_statement_refusal(found: str) -> RefusedError:
    return RefusedError(
        f"Refused: the SQL sent to the database holds {found}; exactly one SELECT is run",
        hint="send one SELECT statement (no ';' between statements)",
    )


def _stream(
    fetch: Callable[[], pa.RecordBatch | None], close: Callable[[], None]
) -> Iterator[pa.RecordBatch]:
    try:
        batch = fetch()
        while batch is not None:
            if batch.num_rows:
                yield batch
            batch = fetch()
    finally:
        close()


# --- SQLite ----------------------------------------------------------------------------------
# Authorizer actions a read-only query needs; everything else (writes, ATTACH, PRAGMA,
# transactions, schema changes) is denied.
_SQLITE_ALLOWED = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        getattr(sqlite3, "SQLITE_RECURSIVE", 33),
    }
)


def _sqlite_authorizer(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED else sqlite3.SQLITE_DENY


def _sqlite(db: DbUrl, limits: Limits, deadline: _Deadline, doing: str) -> sqlite3.Connection:
    path = Path(db.path or "")
    if not path.is_file():
        raise DataError(f"{db.display}: no such database file", hint="check the --db path")
    with _errors(db, doing, positions=False):
        con = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=limits.lock,
            check_same_thread=False,
        )
        try:
            con.execute("PRAGMA query_only = 1")
            con.set_progress_handler(deadline.sqlite_progress, 10_000)
        except BaseException:
            con.close()
            raise
    return con


def _py_type(values: list[Any]) -> pa.DataType:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.string()
    if kinds == {bool}:
        return pa.bool_()
    if kinds <= {int, bool}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds <= {bytes, bytearray, memoryview}:
        return pa.binary()
    return pa.string()


def _sqlite_batches(
    db: DbUrl,
    con: sqlite3.Connection,
    sql: str,
    batch_rows: int,
    deadline: _Deadline,
    release: Callable[..., None],
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    doing = "run the query on"
    with _errors(db, doing, sql, deadline), deadline.call():
        try:
            cur = con.execute(sql)
        except sqlite3.ProgrammingError as e:
            if "one statement" in str(e):
                raise _one_statement_refusal("more than one statement") from None
            raise
        try:
            first = cur.fetchmany(batch_rows)
        except BaseException:
            cur.close()
            raise
    names = [d[0] for d in cur.description or ()]
    cols = list(zip(*first, strict=True)) if first else [() for _ in names]
    schema = pa.schema([pa.field(n, _py_type(list(c))) for n, c in zip(names, cols, strict=True)])
    pending = [first]

    def fetch() -> pa.RecordBatch | None:
        if pending:
            rows = pending.pop()
        else:
            with _errors(db, "fetch rows from", sql, deadline), deadline.call():
                rows = cur.fetchmany(batch_rows)
        if not rows:
            return None
        arrays = []
        for i, c in enumerate(zip(*rows, strict=True)):
            try:
                arrays.append(pa.array(c, type=schema.field(i).type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                if schema.field(i).type != pa.string():
                    raise DataError(
                        f"{db.display}: result column {names[i]!r} changes type between rows",
                        hint="CAST the column to one type in the query",
                    ) from None
                arrays.append(pa.array([None if v is None else str(v) for v in c], pa.string()))
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def close() -> None:
        with contextlib.suppress(Exception):
            cur.close()
        release()

    return schema, _stream(fetch, close)


# --- DuckDB ----------------------------------------------------------------------------------
def _duckdb(db: DbUrl, doing: str):
    import duckdb

    path = Path(db.path or "")
    if not path.is_file():
        raise DataError(f"{db.display}: no such database file", hint="check the --db path")
    with _errors(db, doing, positions=False):
        return duckdb.connect(
            str(path),
            read_only=True,
            config={
                "enable_external_access": False,
                "autoload_known_extensions": False,
                "autoinstall_known_extensions": False,
                "allow_community_extensions": False,
                "errors_as_json": True,  # lets the error position be read without the message
                "lock_configuration": True,  # last: no query can change any of the above
            },
        )


# DuckDB types whose Arrow form holds the value exactly; intervals and HUGEINT are fixed up in
# Arrow; anything else (TIMETZ, UHUGEINT, BIT, BIGNUM, UNION, VARIANT, ...) is read as text.
_DUCK_EXACT = frozenset(
    {
        "boolean",
        "tinyint",
        "smallint",
        "integer",
        "bigint",
        "utinyint",
        "usmallint",
        "uinteger",
        "ubigint",
        "float",
        "double",
        "decimal",
        "varchar",
        "blob",
        "date",
        "time",
        "timestamp",
        "timestamp_s",
        "timestamp_ms",
        "timestamp_ns",
        "timestamp with time zone",
        "uuid",
        "enum",
        "null",
    }
)
_DUCK_NESTED = frozenset({"list", "array", "struct", "map"})


def _duck_exact(t: Any, top: bool) -> bool:
    if t.id in _DUCK_EXACT or (top and t.id in ("interval", "hugeint")):
        return True
    if t.id in _DUCK_NESTED:
        return all(_duck_exact(c, False) for _, c in t.children if hasattr(c, "id"))
    return False


def _duck_column(arr: pa.Array | pa.ChunkedArray, duck_id: str) -> pa.Array:
    if duck_id == "interval":
        return pa.array(
            [
                None if v is None else iso_interval(v.months, v.days, v.nanoseconds)
                for v in arr.to_pylist()
            ],
            pa.string(),
        )
    if duck_id == "hugeint":  # up to 39 digits: decimal128(38, 0) cannot promise them
        return arr.cast(pa.decimal256(39, 0))
    if duck_id == "null":
        return arr.cast(pa.string())
    return arr


_DUCK_FIXED_TYPES = {"interval": pa.string(), "hugeint": pa.decimal256(39, 0), "null": pa.string()}


def _duck_arrow_type(t: pa.DataType, duck_id: str) -> pa.DataType:
    if duck_id in _DUCK_FIXED_TYPES:
        return _DUCK_FIXED_TYPES[duck_id]
    if pa.types.is_timestamp(t) and t.tz is not None:  # an instant: shown in UTC, as on PG
        return pa.timestamp(t.unit, tz="UTC")
    return t


def _duckdb_batches(
    db: DbUrl,
    con: Any,
    sql: str,
    batch_rows: int,
    deadline: _Deadline,
    release: Callable[..., None],
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import duckdb

    doing = "run the query on"
    positions = True
    with _errors(db, doing, sql, deadline), deadline.call(con.interrupt):
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            raise _one_statement_refusal(f"{len(statements)} statements")
        (statement,) = statements
        if statement.type != duckdb.StatementType.SELECT:
            kind = str(statement.type).rsplit(".", 1)[-1]
            multi = statement.type == duckdb.StatementType.MULTI
            raise RefusedError(
                f"Refused: DuckDB reads the SQL as a {kind} statement; only a single SELECT is run",
                hint="a PIVOT without an IN (...) list runs several statements: list the "
                "pivoted values"
                if multi
                else "send one SELECT statement",
            )
        rel = con.sql(statement)
        ids = [t.id for t in rel.types]
        exact = [_duck_exact(t, True) for t in rel.types]
        if not all(exact):  # read those columns as DuckDB's text, by position
            positions = False
            rel = rel.project(
                ", ".join(
                    (f"#{i + 1}" if ok else f"CAST(#{i + 1} AS VARCHAR)") + f" AS {_quote(n)}"
                    for i, (n, ok) in enumerate(zip(rel.columns, exact, strict=True))
                )
            )
            ids = [i if ok else "varchar" for i, ok in zip(ids, exact, strict=True)]
        reader = rel.to_arrow_reader(batch_rows)
    schema = pa.schema(
        [
            f.with_type(_duck_arrow_type(f.type, i)).remove_metadata()
            for f, i in zip(reader.schema, ids, strict=True)
        ]
    )
    fix = any(i in _DUCK_FIXED_TYPES for i in ids)

    def fetch() -> pa.RecordBatch | None:
        with (
            _errors(db, "fetch rows from", sql, deadline, positions=positions),
            deadline.call(con.interrupt),
        ):
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return None
        columns = batch.columns
        if fix:
            columns = [_duck_column(c, i) for c, i in zip(columns, ids, strict=True)]
        columns = [
            c if c.type == f.type else c.cast(f.type) for c, f in zip(columns, schema, strict=True)
        ]
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    def close() -> None:
        with contextlib.suppress(Exception):
            reader.close()
        release()

    return schema, _stream(fetch, close)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def iso_interval(months: int, days: int, nanoseconds: int) -> str:
    """An interval as ISO-8601 duration text, exactly as PostgreSQL prints it with
    ``IntervalStyle = iso_8601`` (``P1Y2M3DT4H5M6.789S``; each part carries its own sign)."""

    def trunc(a: int, b: int) -> int:
        return abs(a) // b * (1 if a >= 0 else -1)

    years = trunc(months, 12)
    mon = months - years * 12
    hours = trunc(nanoseconds, 3_600_000_000_000)
    rest = nanoseconds - hours * 3_600_000_000_000
    minutes = trunc(rest, 60_000_000_000)
    rest -= minutes * 60_000_000_000
    secs = trunc(rest, 1_000_000_000)
    frac = rest - secs * 1_000_000_000
    if not (years or mon or days or hours or minutes or secs or frac):
        return "PT0S"
    out = "P" + "".join(f"{v}{u}" for v, u in ((years, "Y"), (mon, "M"), (days, "D")) if v)
    if hours or minutes or secs or frac:
        out += "T" + "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M")) if v)
        if secs or frac:
            sign = "-" if secs < 0 or frac < 0 else ""
            fraction = f".{abs(frac):09d}".rstrip("0") if frac else ""
            out += f"{sign}{abs(secs)}{fraction}S"
    return out


# --- PostgreSQL ------------------------------------------------------------------------------
# Types psycopg loads into Python values that Arrow holds exactly; every other built-in type is
# loaded as the server's own text (registered per connection, see _pg_text_loaders).
_PG_NATIVE: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    26: pa.int64(),
    700: pa.float32(),
    701: pa.float64(),
    25: pa.string(),
    1043: pa.string(),
    1042: pa.string(),
    19: pa.string(),
    18: pa.string(),
    17: pa.binary(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1083: pa.time64("us"),
}
_PG_NUMERIC = 1700
_PG_PRIVILEGE_SQL = """
SELECT u.rolname, u.rolsuper, u.rolbypassrls,
  ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
        WHERE r.rolname IN ('pg_read_server_files', 'pg_write_server_files',
                            'pg_execute_server_program')
          AND pg_catalog.pg_has_role(u.oid, r.oid, 'MEMBER') ORDER BY 1),
  ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
        WHERE (r.rolsuper OR r.rolbypassrls) AND r.oid <> u.oid
          AND pg_catalog.pg_has_role(u.oid, r.oid, 'MEMBER') ORDER BY 1),
  pg_catalog.current_setting('transaction_read_only')
FROM pg_catalog.pg_roles u WHERE u.rolname IN (current_user, session_user)
"""

# The transaction's settings (its time limits; later transactions begin read-only too) and the
# role's attributes in one statement: each row is joined to the settings' one row (a CTE with
# volatile functions is evaluated once, before its rows are used), so a row returned means the
# settings were made; no row is refused.
_PG_BEGIN_SQL = (
    "WITH cfg AS (SELECT set_config('default_transaction_read_only', 'on', false) "
    "AS ro, set_config('statement_timeout', %s, true) AS st, "
    "set_config('lock_timeout', %s, true) AS lt, "
    "set_config('idle_in_transaction_session_timeout', %s, true) AS it, "
    "set_config('intervalstyle', 'iso_8601', true) AS iv) "
    + _PG_PRIVILEGE_SQL.strip().replace(
        "FROM pg_catalog.pg_roles u WHERE",
        "FROM cfg, pg_catalog.pg_roles u WHERE",
    )
)


def _pg_text_loaders(con: Any) -> None:
    import psycopg
    from psycopg.types.string import TextLoader

    for info in psycopg.postgres.types:
        if info.oid not in _PG_NATIVE:
            con.adapters.register_loader(info.oid, TextLoader)  # numeric too: exact digits


def _pg_connect(db: DbUrl, limits: Limits, doing: str) -> Any:
    """A connection whose transactions all begin READ ONLY (each statement's transaction is
    then begun by :func:`_pg_begin`). Raises QueryError when the server cannot be reached."""
    import psycopg

    try:
        con = psycopg.connect(db.conninfo or "", autocommit=False, connect_timeout=15)
    except psycopg.Error as e:
        raise QueryError(
            f"Could not connect to {db.display} ({type(e).__name__}): the server could not be "
            "reached or refused the login",
            hint="check the --db URL, that the database is reachable, and the role's login; "
            + _WITHHELD,
            error_class=type(e).__name__,
            sqlstate=e.sqlstate,
        ) from None
    try:
        con.read_only = True  # every transaction begins READ ONLY
        _pg_text_loaders(con)
    except BaseException:
        con.close()
        raise
    return con


def _pg_begin(db: DbUrl, con: Any, limits: Limits, doing: str) -> None:
    """Begin one statement's READ ONLY transaction in one round trip: the time limits set for
    it, and its role checked to hold no privilege beyond reading (RefusedError otherwise)."""
    ms = str(max(1, round(limits.statement * 1000)))
    lock = str(max(1, round(limits.lock * 1000)))
    try:
        with _errors(db, doing, positions=False):
            rows = con.execute(_PG_BEGIN_SQL, (ms, lock, ms), prepare=True).fetchall()
        _pg_check_privileges(db, rows)
    except BaseException:
        with contextlib.suppress(Exception):
            con.rollback()
        raise


def _pg_check_privileges(db: DbUrl, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        raise RefusedError(
            f"Refused: cannot read the attributes of the role connected to {db.display}",
            hint=READER_HINT,
        )
    for name, superuser, bypassrls, file_roles, privileged, read_only in rows:
        why = []
        if superuser:
            why.append("is a superuser")
        if bypassrls:
            why.append("has BYPASSRLS (row-level security would not apply)")
        if file_roles and not superuser:
            why.append("is a member of " + ", ".join(file_roles))
        if privileged:
            why.append("can SET ROLE to the privileged role(s) " + ", ".join(privileged))
        if why:
            raise RefusedError(
                f"Refused: the PostgreSQL role {name!r} of {db.display} "
                + " and ".join(why)
                + "; redactor reads only as a role that can do nothing but read",
                hint=READER_HINT,
                reasons=("privileged_database_role",),
            )
        if read_only != "on":
            raise RefusedError(
                f"Refused: {db.display} did not start a read-only transaction",
                hint="connect to the server directly, not through a proxy that "
                "rewrites transactions",
            )


def _pg_field(d: Any) -> tuple[pa.DataType, Callable[[Sequence[Any]], list[Any]] | None]:
    """The Arrow type of a result column (from its type OID and modifier, never from the data)
    and a converter for its Python values, if any."""
    import psycopg

    oid = d.type_code
    if oid in _PG_NATIVE:
        return _PG_NATIVE[oid], None
    if oid == _PG_NUMERIC:
        p, s = d.precision, d.scale
        if p is not None and s is not None and 0 <= s <= p <= 76:
            t = pa.decimal128(p, s) if p <= 38 else pa.decimal256(p, s)
            return t, lambda vs, name=d.name, t=t: [_pg_decimal(v, name, t) for v in vs]
        return pa.string(), None  # unconstrained: any number of digits, kept as exact text
    info = psycopg.postgres.types.get(oid)
    if info is not None and info.array_oid == oid:  # an array of a built-in type
        return pa.list_(_PG_NATIVE.get(info.oid, pa.string())), None
    return pa.string(), None


def _pg_decimal(v: str | None, name: str, t: pa.DataType) -> decimal.Decimal | None:
    if v is None:
        return None
    d = decimal.Decimal(v)
    if not d.is_finite():
        raise DataError(
            f"result column {name!r} holds NaN, which a {t} column cannot hold",
            hint=f"CAST({name} AS text) or to double precision in the query",
        )
    return d


def end_transaction(con: Any, release: Callable[..., None]) -> None:
    """Roll back a statement's read-only transaction and hand the connection back (or, when the
    rollback fails, drop it: the next statement opens another)."""
    try:
        con.rollback()
    except Exception:
        release(False)
    else:
        release()


def _pg_batches(
    db: DbUrl,
    con: Any,
    sql: str,
    batch_rows: int,
    deadline: _Deadline,
    release: Callable[..., None],
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import psycopg

    doing = "run the query on"  # the time limit is the server's statement_timeout
    name = f"redactor_{uuid.uuid4().hex[:12]}"
    # psycopg sends ``DECLARE "name" CURSOR FOR <sql>`` with the extended query protocol (one
    # command only); the server's error positions count from the start of that text.
    prefix = len(f'DECLARE "{name}" CURSOR FOR ')
    cur = con.cursor(name=name)  # server-side cursor

    def positioned(e: psycopg.Error) -> psycopg.Error:
        e._redactor_prefix = prefix  # type: ignore[attr-defined]
        return e

    def close() -> None:
        with contextlib.suppress(Exception):
            cur.close()
        end_transaction(con, release)

    try:
        with _errors(db, doing, sql, deadline):
            try:
                cur.execute(sql)
            except psycopg.Error as e:
                if e.sqlstate == "42601" and ";" in sql and _pg_multiple(e):
                    raise _one_statement_refusal("more than one statement") from None
                raise positioned(e) from None
            if cur.nextset():
                raise _one_statement_refusal("more than one result set")
        fields = [(d.name, *_pg_field(d)) for d in cur.description or ()]
    except BaseException:
        close()
        raise
    schema = pa.schema([pa.field(n, t) for n, t, _ in fields])

    def fetch() -> pa.RecordBatch | None:
        with _errors(db, "fetch rows from", sql, deadline):
            try:
                rows = cur.fetchmany(batch_rows)
            except psycopg.Error as e:
                raise positioned(e) from None
        if not rows:
            return None
        arrays = []
        for (n, t, convert), values in zip(fields, zip(*rows, strict=True), strict=True):
            vs = convert(values) if convert else values
            try:
                arrays.append(pa.array(vs, type=t))
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                raise DataError(
                    f"{db.display}: result column {n!r} holds values that do not fit {t}",
                    hint="CAST the column to text in the query (a multi-dimensional array "
                    "or an out-of-range value cannot be written as it is)",
                ) from None
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    return schema, _stream(fetch, close)


def _pg_multiple(e: Any) -> bool:
    """Whether a syntax error is the extended protocol's refusal of several commands (checked
    on the server's message, which is never shown)."""
    primary = getattr(e.diag, "message_primary", None) or ""
    return "multiple commands" in primary


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "READER_HINT",
    "STATEMENT_TIMEOUT_ENV",
    "CatalogSpec",
    "Limits",
    "ReadConnection",
    "catalog_schema",
    "connect",
    "db_of",
    "iso_interval",
    "iter_query_batches",
]
