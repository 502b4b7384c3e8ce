"""Run a (rewritten) query on SQLite, DuckDB or PostgreSQL and stream the result as Arrow batches.

Connections are read-only wherever the engine allows it (SQLite ``mode=ro``, DuckDB
``read_only`` with external access disabled, PostgreSQL ``READ ONLY`` transactions), a second line
of defence behind the guard. Nothing is fetched whole: DuckDB yields its own Arrow batches,
SQLite and PostgreSQL (server-side cursor) are read ``batch_rows`` rows at a time.
Errors never show the URL's password or the query text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from redactor.errors import BadInputError, DataError
from redactor.sql.schema import CatalogSpec
from redactor.sql.urls import DbUrl, parse_url, scrub_secrets

DEFAULT_BATCH_ROWS = 65_536


def catalog_schema(url: str) -> dict[str, list[tuple[str, str | None]]]:
    """``{table: [(column, declared type), …]}`` of the database's default schema (tables and
    views), in column order."""
    db = parse_url(url)
    with _errors(db, url, "read the catalog of"):
        if db.engine == "sqlite":
            con = _sqlite(db)
            try:
                names = [r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view') "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
                out: dict[str, list[tuple[str, str | None]]] = {}
                for n in names:
                    rows = con.execute("SELECT name, type FROM pragma_table_info(?)", (n,))
                    out[n] = [(r[0], r[1] or None) for r in rows]
                return out
            finally:
                con.close()
        if db.engine == "duckdb":
            con = _duckdb(db)
            try:
                rows = con.execute(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_catalog = current_database() "
                    "ORDER BY table_name, ordinal_position").fetchall()
            finally:
                con.close()
            return _group(rows)
        with _pg(db) as con:
            rows = con.execute(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r','v','m','p','f') "
                "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum").fetchall()
            return _group(rows)


def _group(rows: list[tuple[Any, ...]]) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for t, c, ty in rows:
        out.setdefault(t, []).append((c, ty))
    return out


def iter_query_batches(url: str, sql: str, batch_rows: int = DEFAULT_BATCH_ROWS
                       ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Execute ``sql`` (already rewritten) and return the result schema and a batch iterator.

    The connection stays open until the iterator is exhausted or closed.
    """
    db = parse_url(url)
    opener: Callable[[DbUrl, str, int, str], tuple[pa.Schema, Iterator[pa.RecordBatch]]] = {
        "sqlite": _sqlite_batches, "duckdb": _duckdb_batches, "postgresql": _pg_batches,
    }[db.engine]
    with _errors(db, url, "run the query on"):
        return opener(db, sql, batch_rows, url)


@contextlib.contextmanager
def _errors(db: DbUrl, url: str, doing: str) -> Iterator[None]:
    try:
        yield
    except (BadInputError, DataError):
        raise
    except Exception as e:  # driver errors: keep the first line, never the password or query
        first = scrub_secrets(str(e).strip().splitlines()[0] if str(e).strip() else "", url)
        raise DataError(f"Could not {doing} {db.display}: {type(e).__name__}: {first[:300]}",
                        hint="check the --db URL, that the database is reachable, and that "
                        "the query's tables exist") from None


# --- SQLite ----------------------------------------------------------------------------------
def _sqlite(db: DbUrl) -> sqlite3.Connection:
    path = Path(db.path or "")
    if not path.is_file():
        raise DataError(f"{db.display}: no such database file", hint="check the --db path")
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    con.execute("PRAGMA query_only = 1")
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
    if kinds <= {dt.date}:
        return pa.date32()
    if kinds <= {dt.datetime}:
        return pa.timestamp("us", tz="UTC") if any(
            v.tzinfo for v in values if v is not None) else pa.timestamp("us")
    if kinds <= {decimal.Decimal}:
        exps = [v.as_tuple().exponent for v in values if v is not None and v.is_finite()]
        scale = max([0, *(-e for e in exps if isinstance(e, int))])
        return pa.decimal128(38, min(scale, 18)) if len(exps) == len(
            [v for v in values if v is not None]) else pa.string()
    if kinds <= {dt.time}:
        return pa.time64("us")
    return pa.string()


def _to_array(values: list[Any], t: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        if t == pa.string():
            return pa.array([None if v is None else str(v) for v in values], type=pa.string())
        raise


def _rows_to_batch(rows: list[tuple[Any, ...]], names: list[str], schema: pa.Schema
                   ) -> pa.RecordBatch:
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [_to_array(list(c), schema.field(i).type) for i, c in enumerate(cols)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _dbapi_batches(fetch: Callable[[], list[tuple[Any, ...]]], names: list[str],
                   close: Callable[[], None], db: DbUrl, url: str
                   ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Infer the schema from the first batch (all-NULL columns become strings); later batches
    that do not fit become text for a string column, or fail with a clear message."""
    try:
        first = fetch()
    except BaseException:
        close()
        raise
    cols = list(zip(*first, strict=True)) if first else [() for _ in names]
    schema = pa.schema([pa.field(n, _py_type(list(c))) for n, c in zip(names, cols, strict=True)])

    def gen() -> Iterator[pa.RecordBatch]:
        try:
            rows = first
            while rows:
                try:
                    yield _rows_to_batch(rows, names, schema)
                except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                    raise DataError(
                        f"{db.display}: a result column changes type between rows",
                        hint="CAST the column to one type in the query") from None
                with _errors(db, url, "fetch rows from"):
                    rows = fetch()
        finally:
            close()

    return schema, gen()


def _sqlite_batches(db: DbUrl, sql: str, batch_rows: int, url: str
                    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    con = _sqlite(db)
    try:
        cur = con.execute(sql)
    except BaseException:
        con.close()
        raise
    names = [d[0] for d in cur.description or ()]
    return _dbapi_batches(lambda: cur.fetchmany(batch_rows), names, con.close, db, url)


# --- DuckDB ----------------------------------------------------------------------------------
def _duckdb(db: DbUrl):
    import duckdb

    path = Path(db.path or "")
    if not path.is_file():
        raise DataError(f"{db.display}: no such database file", hint="check the --db path")
    return duckdb.connect(str(path), read_only=True,
                          config={"enable_external_access": False, "autoload_known_extensions":
                                  False, "autoinstall_known_extensions": False})


def _duckdb_batches(db: DbUrl, sql: str, batch_rows: int, url: str
                    ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    con = _duckdb(db)
    try:
        reader = con.sql(sql).to_arrow_reader(batch_rows)
    except BaseException:
        con.close()
        raise

    def gen() -> Iterator[pa.RecordBatch]:
        try:
            with _errors(db, url, "fetch rows from"):
                for batch in reader:
                    if batch.num_rows:
                        yield batch
        finally:
            con.close()

    return reader.schema, gen()


# --- PostgreSQL ------------------------------------------------------------------------------
@contextlib.contextmanager
def _pg(db: DbUrl) -> Iterator[Any]:
    import psycopg

    con = psycopg.connect(db.conninfo or "", autocommit=False, connect_timeout=15)
    try:
        con.read_only = True
        yield con
    finally:
        con.close()


def _pg_batches(db: DbUrl, sql: str, batch_rows: int, url: str
                ) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    import psycopg

    con = psycopg.connect(db.conninfo or "", autocommit=False, connect_timeout=15)
    try:
        con.read_only = True
        cur = con.cursor(name=f"redactor_{uuid.uuid4().hex[:12]}")  # server-side cursor
        cur.itersize = batch_rows
        cur.execute(sql)
        first = cur.fetchmany(batch_rows)
    except BaseException:
        con.close()
        raise
    names = [d.name for d in cur.description or ()]
    pending = [first]

    def fetch() -> list[tuple[Any, ...]]:
        return pending.pop() if pending else cur.fetchmany(batch_rows)

    def close() -> None:
        with contextlib.suppress(Exception):
            cur.close()
        with contextlib.suppress(Exception):
            con.rollback()
        con.close()

    return _dbapi_batches(fetch, names, close, db, url)


__all__ = ["DEFAULT_BATCH_ROWS", "CatalogSpec", "catalog_schema", "iter_query_batches"]
