"""`redactor serve` reads PostgreSQL results by COPY … (FORMAT csv) (redactor/serve/pgcopy.py):
the batches are the cursor path's own — same types, same values, NULL apart from '' — and the
guarantees hold: one statement, errors placed and never quoting a value, the connection reusable
after the end and after an early close."""

from __future__ import annotations

import math

import psycopg
import pyarrow as pa
import pytest

from redactor.errors import DataError, QueryError, RefusedError
from redactor.serve.pgcopy import CopyConnection
from redactor.sql.export import connect
from redactor.urls import parse_url
from tests.support.pgcluster import pg_cluster, reader_url  # noqa: F401 - pytest fixture

SECRET = "078-05-1120"

_TABLE = r"""
CREATE TABLE t AS SELECT g AS i4, g::int2 AS i2, (g * 1000000000000)::int8 AS i8,
  CASE WHEN g % 4 = 0 THEN NULL WHEN g % 4 = 1 THEN '' WHEN g % 4 = 2 THEN 'NULL'
       ELSE 'a,"b"' || E'\n\r' || g || ' \\N ''' END AS txt,
  ('v' || g)::varchar(10) AS vc, 'x'::char(3) AS ch, CASE WHEN g % 3 = 0 THEN NULL
  ELSE g % 2 = 0 END AS b, (g / 3.0)::float4 AS f4,
  CASE g WHEN 1 THEN 'NaN'::float8 WHEN 2 THEN 'Infinity' WHEN 3 THEN '-Infinity'
         WHEN 4 THEN '-0' ELSE g / 7.0 END AS f8,
  (g / 3.0)::numeric(10, 2) AS n102, (g / 3.0)::numeric AS n,
  DATE '2020-01-01' + g AS d, TIMESTAMP '2020-01-01 01:02:03.456789' + g * interval '1 hour' AS ts,
  TIMESTAMPTZ '2020-01-01 01:02:03+02' + g * interval '1 minute' AS tstz,
  TIME '01:02:03.5' + g * interval '1 second' AS tm, interval '1 day 2 hours' * g AS iv,
  json_build_object('k', g, 'v', 'x,y') AS js, md5(g::text)::uuid AS u, g::oid AS o,
  NULL::text AS nul, (g / 3.0)::numeric(50, 2) AS wide, E'\\x0102'::bytea AS by,
  ARRAY[g, g + 1] AS arr
FROM generate_series(1, 3000) g
"""
COPYABLE = "i4, i2, i8, txt, vc, ch, b, f4, f8, n102, n, d, ts, tstz, tm, iv, js, u, o, nul"


@pytest.fixture(scope="module")
def db(pg_cluster):  # noqa: F811
    admin = pg_cluster.new_database()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(_TABLE)
        con.execute(f"CREATE TABLE p AS SELECT '{SECRET}'::text AS ssn, DATE '0044-03-15 BC' AS d")
    url = parse_url(reader_url(admin))
    with CopyConnection(url) as cp, connect(url) as plain:
        yield cp, plain


def _read(con, sql: str, batch_rows: int = 1000) -> pa.Table:
    schema, batches = con.query(sql, batch_rows)
    return pa.Table.from_batches(list(batches), schema)


def _same(a: pa.Table, b: pa.Table) -> bool:
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for x, y in zip(a.columns, b.columns, strict=True):
        for u, v in zip(x.to_pylist(), y.to_pylist(), strict=True):
            both_nan = isinstance(u, float) and isinstance(v, float) and math.isnan(u)
            if u != v and not (both_nan and math.isnan(v)):
                return False
            if (
                isinstance(u, float)
                and isinstance(v, float)
                and math.copysign(1, u) != math.copysign(1, v)
            ):
                return False
    return True


@pytest.mark.parametrize(
    "sql",
    [
        f"SELECT {COPYABLE} FROM t ORDER BY i4",
        f"SELECT {COPYABLE} FROM t ORDER BY i4 LIMIT 40",  # a few rows: psycopg's loaders
        f"SELECT {COPYABLE} FROM t ORDER BY i4 LIMIT 65",  # just more: Arrow's CSV reader
        "SELECT nul, txt FROM t ORDER BY i4 LIMIT 8",
        "SELECT nul FROM t",  # one column of NULLs: every CSV line is empty
        "SELECT txt FROM t ORDER BY i4 -- a trailing comment ends at the newline",
        "SELECT '%s' || txt AS \"a,b\" FROM t WHERE i4 < 0",  # no rows
    ],
)
def test_copy_gives_the_cursor_paths_batches(db, sql: str) -> None:
    cp, plain = db
    before, connects = cp.copies, cp.connects
    got, want = _read(cp, sql), _read(plain, sql)
    assert cp.copies == before + 1, "read by COPY"
    assert _same(got, want), (got.slice(0, 5).to_pylist(), want.slice(0, 5).to_pylist())
    assert not cp._busy and cp.connects == max(connects, 1), "handed back and reused"


def test_types_without_an_exact_csv_reading_go_through_the_cursor(db) -> None:
    cp, plain = db
    before = cp.copies
    for sql in ("SELECT wide, by, arr FROM t ORDER BY i4", "SELECT FROM t"):
        assert _same(_read(cp, sql), _read(plain, sql))
    assert cp.copies == before


def test_one_statement_only_and_errors_placed_without_values(db) -> None:
    cp, _ = db
    with pytest.raises(RefusedError, match="more than one statement"):
        _read(cp, "SELECT 1; SELECT ssn FROM p")
    with pytest.raises(QueryError) as e:  # raised while rows stream
        _read(cp, "SELECT 1 / (i4 - 2500) AS x FROM t")
    assert e.value.sqlstate == "22012"
    with pytest.raises(QueryError) as e:  # raised by the prepare: placed in the SQL sent
        _read(cp, "SELECT i4,\n  nosuch FROM t")
    assert e.value.offset == 13 and "line 2, col 3" in str(e.value)
    for rows in ("", "t, "):  # a few rows (psycopg's loaders), many rows (Arrow's reader)
        for bad in ("DATE '0044-03-15 BC'", "'NaN'::numeric(5, 2)"):
            with pytest.raises((DataError, QueryError)) as e:  # never the value
                _read(cp, f"SELECT ssn, {bad} AS d FROM {rows}p")
            text = str(e.value) + str(e.value.hint)
            assert SECRET not in text and "0044" not in text
            if rows:
                assert "column 2" in str(e.value)
    _read(cp, "SELECT 1 AS one")
    connects = cp.connects
    with pytest.raises(QueryError):
        _read(cp, "SELECT 1 / (i4 - 2500) AS x FROM t")
    assert _read(cp, "SELECT count(*) AS c FROM t").to_pylist() == [{"c": 3000}]
    assert cp.connects == connects, "a statement the server failed leaves the connection usable"


def test_an_early_close_stops_the_copy_and_the_next_statement_runs(db) -> None:
    cp, _ = db
    _, batches = cp.query("SELECT i4, txt FROM t", 100)
    assert next(batches).num_rows == 100
    batches.close()  # type: ignore[attr-defined]
    assert not cp._busy
    assert _read(cp, "SELECT max(i4) AS m FROM t").to_pylist() == [{"m": 3000}]


def test_timestamptz_outside_utc_goes_through_the_cursor(pg_cluster) -> None:  # noqa: F811
    admin = pg_cluster.new_database()
    name = admin.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"ALTER DATABASE {name} SET timezone = 'Asia/Kolkata'")
    url = parse_url(reader_url(admin))
    sql = "SELECT TIMESTAMPTZ '1850-06-01 12:00:00+00' AS old, 1 AS i"  # offset +05:53:28
    with CopyConnection(url) as cp, connect(url) as plain:
        assert _same(_read(cp, sql), _read(plain, sql))
        assert cp.copies == 0
        assert _read(cp, "SELECT 1 AS i, 'x' AS s").to_pylist() == [{"i": 1, "s": "x"}]
        assert cp.copies == 1


def test_result_schema_describes_without_running_or_reconnecting(db) -> None:
    cp, plain = db
    sql = f"SELECT {COPYABLE}, wide, arr FROM t"
    connects = cp.connects
    want, rows = plain.query(sql, 1)
    rows.close()  # type: ignore[attr-defined]
    assert cp.result_schema(sql) == want
    with pytest.raises(QueryError) as e:
        cp.result_schema("SELECT 1 / 0 AS x, nosuch FROM t")
    assert e.value.offset == 19
    with pytest.raises(RefusedError):
        cp.result_schema("SELECT 1; SELECT 2")
    assert cp.result_schema("SELECT 1 AS one") == pa.schema([pa.field("one", pa.int32())])
    assert cp.connects == max(connects, 1) and not cp._busy
