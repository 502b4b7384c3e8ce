"""Result types that real queries return (issue 13, item 7), on DuckDB, SQLite and PostgreSQL.

Each query runs through ``iter_query_batches`` (the Arrow schema and values) and through
``export_query`` into CSV and Parquet, and every value is compared exactly: numerics of any
precision and scale, intervals (ISO-8601 duration text on every engine), ``now()`` and
``current_date``, time, time with time zone, uuid, json/jsonb and arrays.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.policy import Decision, decide, load_pack
from redactor.request import Request
from redactor.sql.export import iso_interval, iter_query_batches
from redactor.sql.job import export_query
from tests.support.pgcluster import pg_cluster  # noqa: F401 - pytest fixture
from tests.test_sql_canary import canary_map, duckdb_db, postgres_db, seed

UTC = dt.UTC
NOW = object()  # a timestamp with time zone within minutes of now
TODAY = object()  # today's date (UTC or local)
NOW_TEXT = object()  # a "YYYY-MM-DD HH:MM:SS" text of about now

# (expression, alias, Arrow type, value read back, CSV text)
PG_CASES = [
    ("CAST(12.5 AS numeric(5,2))", "n5", pa.decimal128(5, 2), Decimal("12.50"), "12.50"),
    (
        "CAST('0.1234567890123456789012345' AS numeric(30,25))",
        "n30",
        pa.decimal128(30, 25),
        Decimal("0.1234567890123456789012345"),
        "0.1234567890123456789012345",
    ),
    (
        "CAST('123456789012345678901234567890.1234567890' AS numeric(40,10))",
        "n40",
        pa.decimal256(40, 10),
        Decimal("123456789012345678901234567890.1234567890"),
        "123456789012345678901234567890.1234567890",
    ),
    (
        "CAST(2 AS numeric) / 3",
        "unconstrained",
        pa.string(),
        "0.66666666666666666667",
        "0.66666666666666666667",
    ),
    (
        "CAST('1e-30' AS numeric)",
        "tiny",
        pa.string(),
        "0.000000000000000000000000000001",
        "0.000000000000000000000000000001",
    ),
    ("CAST('NaN' AS numeric)", "nan", pa.string(), "NaN", "NaN"),
    (
        "interval '1 year 2 mons 3 days 04:05:06.789'",
        "iv",
        pa.string(),
        "P1Y2M3DT4H5M6.789S",
        "P1Y2M3DT4H5M6.789S",
    ),
    ("-interval '1 day 2 seconds'", "neg_iv", pa.string(), "P-1DT-2S", "P-1DT-2S"),
    ("DATE '2024-03-01' - DATE '2024-02-01'", "days", pa.int32(), 29, "29"),
    ("TIME '12:34:56.5'", "t", pa.time64("us"), dt.time(12, 34, 56, 500000), "12:34:56.500000"),
    ("CAST('12:34:56+02' AS timetz)", "ttz", pa.string(), "12:34:56+02", "12:34:56+02"),
    (
        "CAST('00000000-0000-0000-0000-00000000002a' AS uuid)",
        "u",
        pa.string(),
        "00000000-0000-0000-0000-00000000002a",
        "00000000-0000-0000-0000-00000000002a",
    ),
    (
        'CAST(\'{"b": [1, 2], "a": null}\' AS jsonb)',
        "jb",
        pa.string(),
        '{"a": null, "b": [1, 2]}',
        '{"a": null, "b": [1, 2]}',
    ),
    ("CAST('{\"b\":1}' AS json)", "j", pa.string(), '{"b":1}', '{"b":1}'),
    (
        "TIMESTAMPTZ '2024-01-02 03:04:05.25+02'",
        "tz",
        pa.timestamp("us", tz="UTC"),
        dt.datetime(2024, 1, 2, 1, 4, 5, 250000, tzinfo=UTC),
        "2024-01-02 01:04:05.250000Z",
    ),
    (
        "TIMESTAMP '2024-01-02 03:04:05'",
        "ts",
        pa.timestamp("us"),
        dt.datetime(2024, 1, 2, 3, 4, 5),
        "2024-01-02 03:04:05.000000",
    ),
    ("DATE '2024-02-29'", "d", pa.date32(), dt.date(2024, 2, 29), "2024-02-29"),
    ("now()", "now", pa.timestamp("us", tz="UTC"), NOW, NOW),
    ("current_timestamp", "cts", pa.timestamp("us", tz="UTC"), NOW, NOW),
    ("current_date", "cd", pa.date32(), TODAY, TODAY),
    (
        "CAST(9223372036854775807 AS bigint)",
        "big",
        pa.int64(),
        9223372036854775807,
        "9223372036854775807",
    ),
    ("CAST(1.5 AS real)", "f4", pa.float32(), 1.5, "1.5"),
    ("true", "b", pa.bool_(), True, "true"),
]
DUCK_CASES = [
    ("CAST(12.5 AS DECIMAL(5,2))", "n5", pa.decimal128(5, 2), Decimal("12.50"), "12.50"),
    (
        "CAST('0.1234567890123456789012345' AS DECIMAL(38,25))",
        "n38",
        pa.decimal128(38, 25),
        Decimal("0.1234567890123456789012345"),
        "0.1234567890123456789012345",
    ),
    (
        "CAST('170141183460469231731687303715884105727' AS HUGEINT)",
        "h",
        pa.decimal256(39, 0),
        Decimal("170141183460469231731687303715884105727"),
        "170141183460469231731687303715884105727",
    ),
    # DuckDB's own Arrow export of this value is decimal128(38, 0) -1: read as text instead
    (
        "CAST('340282366920938463463374607431768211455' AS UHUGEINT)",
        "uh",
        pa.string(),
        "340282366920938463463374607431768211455",
        "340282366920938463463374607431768211455",
    ),
    (
        "INTERVAL '1 year 2 months 3 days 04:05:06.789'",
        "iv",
        pa.string(),
        "P1Y2M3DT4H5M6.789S",
        "P1Y2M3DT4H5M6.789S",
    ),
    ("-INTERVAL '1 day 2 seconds'", "neg_iv", pa.string(), "P-1DT-2S", "P-1DT-2S"),
    ("INTERVAL 0 DAY", "zero_iv", pa.string(), "PT0S", "PT0S"),
    ("TIME '12:34:56.5'", "t", pa.time64("us"), dt.time(12, 34, 56, 500000), "12:34:56.500000"),
    # DuckDB's Arrow export drops the offset (12:34:56): read as text instead
    ("CAST('12:34:56+02' AS TIMETZ)", "ttz", pa.string(), "12:34:56+02", "12:34:56+02"),
    (
        "CAST('00000000-0000-0000-0000-00000000002a' AS UUID)",
        "u",
        pa.string(),
        "00000000-0000-0000-0000-00000000002a",
        "00000000-0000-0000-0000-00000000002a",
    ),
    ("CAST('{\"b\":1}' AS JSON)", "j", pa.string(), '{"b":1}', '{"b":1}'),
    ("CAST('101' AS BIT)", "bits", pa.string(), "101", "101"),
    (
        "TIMESTAMPTZ '2024-01-02 03:04:05.25+02'",
        "tz",
        pa.timestamp("us", tz="UTC"),
        dt.datetime(2024, 1, 2, 1, 4, 5, 250000, tzinfo=UTC),
        "2024-01-02 01:04:05.250000Z",
    ),
    ("DATE '2024-02-29'", "d", pa.date32(), dt.date(2024, 2, 29), "2024-02-29"),
    ("current_timestamp", "cts", pa.timestamp("us", tz="UTC"), NOW, NOW),
    ("current_date", "cd", pa.date32(), TODAY, TODAY),
    ("NULL", "nul", pa.string(), None, ""),
]
SQLITE_CASES = [
    ("12.5", "f", pa.float64(), 12.5, "12.5"),
    ("9223372036854775807", "big", pa.int64(), 9223372036854775807, "9223372036854775807"),
    ("current_timestamp", "cts", pa.string(), NOW_TEXT, NOW_TEXT),
    ("datetime('now')", "dn", pa.string(), NOW_TEXT, NOW_TEXT),
    ("current_date", "cd", pa.string(), TODAY, TODAY),
    ("date('2024-02-29')", "d", pa.string(), "2024-02-29", "2024-02-29"),
    ("time('12:34:56')", "t", pa.string(), "12:34:56", "12:34:56"),
    ("CAST(NULL AS TEXT)", "nul", pa.string(), None, ""),
]
CASES = {"postgres": PG_CASES, "duckdb": DUCK_CASES, "sqlite": SQLITE_CASES}


def _sqlite_db(path: Path) -> str:
    con = sqlite3.connect(path)
    seed(con.execute, con.executemany, "?")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


@pytest.fixture(params=["duckdb", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "duckdb":
        return "duckdb", duckdb_db(tmp_path / "t.duckdb")
    if request.param == "sqlite":
        return "sqlite", _sqlite_db(tmp_path / "t.sqlite")
    cluster = request.getfixturevalue("pg_cluster")
    return "postgres", postgres_db(cluster.new_database())


def unrestricted() -> Decision:
    d = decide(
        Request(purposes=("motor_vehicle_administration",), agency="Colorado DMV"),
        [load_pack("colorado-sb21-131")],
    )
    assert not d.restricted and not d.refused
    return d


def _select(cases: list[tuple]) -> str:
    return "SELECT " + ", ".join(f"{e} AS {a}" for e, a, *_ in cases) + " FROM depts WHERE id = 1"


def _today() -> set[dt.date]:
    return {dt.datetime.now(UTC).date(), dt.date.today()}


def _same(got: object, expected: object, where: str) -> None:
    if expected is NOW:
        assert isinstance(got, dt.datetime) and got.tzinfo is not None, where
        assert abs(got - dt.datetime.now(UTC)) < dt.timedelta(minutes=10), (where, got)
    elif expected is TODAY:
        day = got if isinstance(got, dt.date) else dt.date.fromisoformat(str(got))
        assert day in _today(), (where, got)
    elif expected is NOW_TEXT:
        t = dt.datetime.fromisoformat(str(got)).replace(tzinfo=UTC)
        assert abs(t - dt.datetime.now(UTC)) < dt.timedelta(minutes=10), (where, got)
    else:
        assert got == expected and type(got) is type(expected), (where, got, expected)


def _same_text(got: str, expected: object, where: str) -> None:
    if expected is NOW:
        t = dt.datetime.strptime(got, "%Y-%m-%d %H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert abs(t - dt.datetime.now(UTC)) < dt.timedelta(minutes=10), (where, got)
    elif expected is TODAY:
        assert dt.date.fromisoformat(got) in _today(), (where, got)
    elif expected is NOW_TEXT:
        _same(got, NOW_TEXT, where)
    else:
        assert got == expected, (where, got, expected)


def test_batches_hold_exact_values(engine: tuple[str, str]) -> None:
    name, url = engine
    cases = CASES[name]
    schema, batches = iter_query_batches(url, _select(cases))
    table = pa.Table.from_batches(list(batches), schema=schema)
    assert table.num_rows == 1
    for expr, alias, typ, value, _ in cases:
        assert schema.field(alias).type == typ, (name, expr, schema.field(alias).type)
        _same(table.column(alias)[0].as_py(), value, f"{name} {expr}")


@pytest.mark.parametrize("fmt", [Format.CSV, Format.PARQUET])
def test_export_writes_exact_values(engine: tuple[str, str], tmp_path: Path, fmt: Format) -> None:
    name, url = engine
    cases = CASES[name]
    out = tmp_path / f"out.{fmt.value}"
    export_query(
        url, _select(cases), canary_map(), unrestricted(), output=str(out), output_format=fmt
    )
    if fmt is Format.CSV:
        with out.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 1
        for expr, alias, _, _, text in cases:
            _same_text(rows[0][alias], text, f"{name} {expr} (CSV)")
        return
    table = pq.read_table(out)
    assert table.num_rows == 1
    for expr, alias, typ, value, _ in cases:
        assert table.schema.field(alias).type == typ, (name, expr, table.schema.field(alias))
        _same(table.column(alias)[0].as_py(), value, f"{name} {expr} (Parquet)")


def test_now_on_every_engine(engine: tuple[str, str]) -> None:
    """``now()``-style functions straight on the engine (the rewrite's allowlist is separate:
    DuckDB's ``now()`` is refused there today, ``current_timestamp`` is not)."""
    name, url = engine
    sql = {
        "postgres": "SELECT now() AS a, localtimestamp AS b, current_time AS c",
        "duckdb": "SELECT now() AS a, get_current_timestamp() AS b, today() AS c",
        "sqlite": "SELECT datetime('now') AS a, date('now') AS b, time('now') AS c",
    }[name]
    schema, batches = iter_query_batches(url, sql)
    row = pa.Table.from_batches(list(batches), schema=schema).to_pylist()[0]
    if name == "sqlite":
        _same(row["a"], NOW_TEXT, sql)
        _same(row["b"], TODAY, sql)
        assert dt.time.fromisoformat(row["c"])
        return
    _same(row["a"], NOW, sql)
    if name == "postgres":
        assert isinstance(row["b"], dt.datetime) and row["b"].tzinfo is None
        assert dt.time.fromisoformat(row["c"]).utcoffset() is not None  # timetz as text
    else:
        _same(row["b"], NOW, sql)
        _same(row["c"], TODAY, sql)


ARRAYS = {
    "postgres": (
        "SELECT ARRAY[1, 2, NULL] AS ints, ARRAY['a', NULL] AS texts, "
        "ARRAY[CAST('00000000-0000-0000-0000-00000000002a' AS uuid)] AS uuids, "
        "ARRAY[CAST(1.50 AS numeric(4,2))] AS nums, "
        "ARRAY[DATE '2024-02-29'] AS dates FROM depts WHERE id = 1",
        {
            "ints": (pa.list_(pa.int32()), [1, 2, None]),
            "texts": (pa.list_(pa.string()), ["a", None]),
            "uuids": (pa.list_(pa.string()), ["00000000-0000-0000-0000-00000000002a"]),
            "nums": (pa.list_(pa.string()), ["1.50"]),
            "dates": (pa.list_(pa.date32()), [dt.date(2024, 2, 29)]),
        },
    ),
    "duckdb": (
        "SELECT [1, 2, NULL] AS ints, ['a', NULL] AS texts, [DATE '2024-02-29'] AS "
        "dates, [INTERVAL 1 DAY] AS intervals FROM depts WHERE id = 1",
        {
            "ints": (pa.list_(pa.field("l", pa.int32())), [1, 2, None]),
            "texts": (pa.list_(pa.field("l", pa.string())), ["a", None]),
            "dates": (pa.list_(pa.field("l", pa.date32())), [dt.date(2024, 2, 29)]),
            "intervals": (pa.string(), "[1 day]"),
        },
    ),  # nested intervals: DuckDB's text
}


@pytest.mark.parametrize("name", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_arrays(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if name == "duckdb":
        url = duckdb_db(tmp_path / "a.duckdb")
    else:
        url = postgres_db(request.getfixturevalue("pg_cluster").new_database())
    sql, expected = ARRAYS[name]
    schema, batches = iter_query_batches(url, sql)
    row = pa.Table.from_batches(list(batches), schema=schema).to_pylist()[0]
    for col, (typ, value) in expected.items():
        assert schema.field(col).type == typ and row[col] == value, (col, schema.field(col))
    out = tmp_path / "a.parquet"
    export_query(
        url, sql, canary_map(), unrestricted(), output=str(out), output_format=Format.PARQUET
    )
    assert pq.read_table(out).to_pylist() == [row]
    with pytest.raises(DataError) as err:  # CSV has no nested values: refused, named
        export_query(
            url,
            sql,
            canary_map(),
            unrestricted(),
            output=str(tmp_path / "a.csv"),
            output_format=Format.CSV,
        )
    assert "ints" in str(err.value) and "nested" in str(err.value)
    assert not (tmp_path / "a.csv").exists()


@pytest.mark.postgres
def test_postgres_values_without_an_exact_column_fail_clearly(pg_cluster) -> None:  # noqa: F811
    url = postgres_db(pg_cluster.new_database())
    for sql, needle in [
        ("SELECT CAST('NaN' AS numeric(5,2)) AS n", "NaN"),
        ("SELECT ARRAY[[1, 2], [3, 4]] AS m", "multi-dimensional"),
    ]:
        with pytest.raises(DataError) as err:
            _, batches = iter_query_batches(url, sql)
            list(batches)
        assert needle in str(err.value) and "CAST" in str(err.value), str(err.value)


INTERVALS = [
    (0, 0, 0),
    (14, 3, 14_706_789_000),
    (-14, -3, -14_706_789_000),
    (1, -1, 1),
    (0, 0, -1),
    (0, 0, 59_999_999),
    (-25, 40, 3_600_000_000),
    (0, 1, -86_399_000_001),
    (120, 0, 0),
    (0, 0, 7_200_000_000),
    (5, 0, -500_000),
]


@pytest.mark.postgres
def test_iso_interval_is_what_postgres_prints(pg_cluster) -> None:  # noqa: F811
    """The DuckDB interval text is made in Python: it must be PostgreSQL's iso_8601 output."""
    url = postgres_db(pg_cluster.new_database())
    sql = "SELECT " + ", ".join(
        f"make_interval(months => {m}, days => {d}) + {us} * interval '1 microsecond' AS i{k}"
        for k, (m, d, us) in enumerate(INTERVALS)
    )
    schema, batches = iter_query_batches(url, sql)
    row = pa.Table.from_batches(list(batches), schema=schema).to_pylist()[0]
    for k, (m, d, us) in enumerate(INTERVALS):
        assert iso_interval(m, d, us * 1000) == row[f"i{k}"], (m, d, us, row[f"i{k}"])
