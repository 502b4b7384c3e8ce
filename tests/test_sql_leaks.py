"""Leak suite: adversarial export queries run on real DuckDB, SQLite and PostgreSQL databases
seeded with canaries. Each query is either refused with the expected reason, or runs and returns no
canary. Refusal messages must not echo a canary or the query's literals either.

Engines per case: "both" (DuckDB and PostgreSQL), "all" (and SQLite), or one engine's name.
Issue 13's classes (GROUP BY ALL, whole-row casts, window frames, set-returning functions, deep
nesting, sampled/pivoted/ONLY tables, quoted upper-case names) are at the end; the raw-text slots
are in tests/test_sql_rawtext.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot

from redactor.errors import BadInputError, RefusedError
from redactor.sql.export import catalog_schema, iter_query_batches
from redactor.sql.rewrite import rewrite_query
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures
from tests.test_sql_canary import (
    CANARY_MAP,
    canaries,
    canary_map,
    duckdb_db,
    leaked,
    postgres_db,
    restricted_decision,
)
from tests.test_sql_rawtext import sqlite_db

OK = None
# (query, expected refusal substring or OK, engines) — "both" unless said otherwise.
CASES: list[tuple[str, str | None, str]] = [
    # --- runs, masked at the source ---------------------------------------------------------
    ("SELECT * FROM people", OK, "both"),
    ("SELECT p.* FROM people p JOIN depts d ON p.dept_id = d.id", OK, "both"),
    (
        "SELECT ssn, itin, dl_number, first_name, last_name, birth_date, address, "
        "immigration_status, notes, secret_col FROM people",
        OK,
        "both",
    ),
    ("SELECT e FROM people AS t(a, b, c, d, e)", OK, "both"),  # alias list on a base table
    ("SELECT first_name || ' ' || last_name AS \"Full Name\" FROM people", OK, "both"),
    ("WITH x AS (SELECT ssn AS s, id FROM people) SELECT s, id FROM x", OK, "both"),
    ("SELECT ssn FROM people UNION ALL SELECT dname FROM depts", OK, "both"),
    ("SELECT dname FROM depts UNION SELECT ssn FROM people", OK, "both"),
    ("SELECT (SELECT MAX(ssn) FROM people) AS m", OK, "both"),
    ("SELECT UPPER(ssn), LOWER(dl_number), REVERSE(itin) FROM people", OK, "both"),
    ("SELECT CASE WHEN ssn LIKE 'CNRY%' THEN 'yes' ELSE 'no' END AS probe FROM people", OK, "both"),
    ("SELECT COUNT(DISTINCT ssn) AS n, MAX(notes) AS m FROM people", OK, "both"),
    ("SELECT STRING_AGG(ssn, ',') AS s FROM people", OK, "both"),
    ("SELECT ARRAY_AGG(secret_col) AS a FROM people", OK, "both"),
    ("SELECT id, LAG(ssn) OVER (ORDER BY id) AS prev FROM people", OK, "both"),
    ("SELECT p.id, x.s2 FROM people p, LATERAL (SELECT p.ssn AS s2) x", OK, "both"),
    ("SELECT COALESCE(ssn, itin, dl_number, address) AS c FROM people", OK, "both"),
    ("SELECT CAST(birth_date AS TEXT) AS b FROM people", OK, "both"),
    ("SELECT SUBSTR(dl_number, 1, 40) AS d FROM people", OK, "both"),
    ("SELECT * FROM (SELECT * FROM people) sub", OK, "both"),
    ("SELECT ssn AS id, id AS ssn FROM people", OK, "both"),
    ("SELECT id, ssn, id, ssn FROM people", OK, "both"),  # duplicate output names
    ('SELECT "SSN" FROM people', OK, "duckdb"),  # quoted id: case-insensitive in DuckDB
    ("SELECT a.ssn, b.itin FROM people a CROSS JOIN people b", OK, "both"),
    ("/* hidden */ SELECT ssn -- trailing\n FROM people", OK, "both"),
    # --- refused: a withheld column outside the select list -----------------------------------
    ("SELECT * FROM people WHERE ssn = 'CNRYSSN001Q'", "used in WHERE", "both"),
    ("SELECT id FROM people WHERE ssn IN ('CNRYSSN001Q', 'CNRYSSN002Q')", "used in WHERE", "both"),
    (
        "SELECT p.id FROM people p JOIN orders o ON p.dl_number = CAST(o.amount AS TEXT)",
        "used in JOIN",
        "both",
    ),
    (
        "SELECT people.id FROM people JOIN (VALUES ('CNRYSSN001Q')) AS v(s) ON people.ssn = v.s",
        "used in JOIN",
        "both",
    ),
    ("SELECT p.id FROM people p JOIN people q USING (ssn)", "used in JOIN", "both"),
    ("SELECT birth_date, COUNT(*) FROM people GROUP BY birth_date", "used in GROUP BY", "both"),
    (
        "SELECT dept_id FROM people GROUP BY dept_id HAVING MAX(itin) > 'A'",
        "used in HAVING",
        "both",
    ),
    ("SELECT id FROM people ORDER BY last_name", "used in ORDER BY", "both"),
    ("SELECT ssn AS k FROM people ORDER BY k", "used in ORDER BY", "both"),
    (
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY address ORDER BY id) FROM people",
        "used in window",
        "both",
    ),
    (
        "SELECT id FROM people QUALIFY ROW_NUMBER() OVER (PARTITION BY immigration_status "
        "ORDER BY id) = 1",
        "used in",
        "duckdb",
    ),
    ("SELECT DISTINCT ON (birth_date) id FROM people", "used in DISTINCT ON", "both"),
    (
        "SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM people q WHERE q.ssn = p.ssn "
        "AND q.id <> p.id)",
        "used in WHERE",
        "both",
    ),
    ("SELECT id FROM depts WHERE dname IN (SELECT ssn FROM people)", "used in WHERE", "both"),
    ("SELECT id FROM depts WHERE dname = (SELECT MIN(ssn) FROM people)", "used in WHERE", "both"),
    (
        "WITH x AS (SELECT ssn AS s FROM people) SELECT * FROM x WHERE s LIKE 'CNRY%'",
        "used in WHERE",
        "both",
    ),
    ("SELECT id FROM people WHERE secret_col IS NOT NULL", "unmapped", "both"),
    ("SELECT STRING_AGG(city, ',' ORDER BY ssn) FROM people", "used in ORDER BY", "both"),
    (
        "SELECT id FROM people LIMIT (SELECT COUNT(*) FROM people WHERE ssn > 'M')",
        "used in WHERE",
        "both",
    ),
    # --- refused: what analysis cannot see through ---------------------------------------------
    ("SELECT p FROM people p", "whole-row", "both"),
    ("SELECT to_json(p) FROM people p", "Refused", "both"),
    ("SELECT row_to_json(p) FROM people p", "Refused", "postgres"),
    ("SELECT COLUMNS('s.*') FROM people", "Refused", "duckdb"),
    ("SELECT HASH(*) FROM people", "Refused", "duckdb"),
    ("SELECT * FROM read_csv('/etc/passwd')", "file reader", "duckdb"),
    ("SELECT * FROM 'people.parquet'", "unknown table", "duckdb"),
    ("SELECT * FROM ghosts", "unknown table", "both"),
    ("SELECT * FROM generate_series(1, 3)", "table function", "both"),
    ("SELECT * FROM crcsa", "sensitive_table", "both"),
    ("SELECT pg_read_file('/etc/passwd')", "not on the allowlist", "postgres"),
    ("SELECT nextval('s')", "not on the allowlist", "postgres"),
    ("SELECT * FROM pg_catalog.pg_stats", "another schema", "postgres"),
    ("SELECT * FROM information_schema.columns", "another schema", "both"),
    ('SELECT * FROM people WHERE "CNRYSSN001Q" IS NULL', "not a column", "postgres"),
    # --- refused: not a single read-only query -------------------------------------------------
    ("DELETE FROM people", "DELETE", "both"),
    ("UPDATE people SET ssn = 'x'", "UPDATE", "both"),
    ("DROP TABLE people", "DROP", "both"),
    ("SELECT 1; DROP TABLE people", "2 statements", "both"),
    ("WITH d AS (DELETE FROM people RETURNING *) SELECT * FROM d", "DELETE", "postgres"),
    ("SELECT * INTO stolen FROM people", "INTO", "postgres"),
    ("SELECT * FROM people FOR UPDATE", "FOR UPDATE", "both"),
    ("COPY people TO '/tmp/people.csv'", "COPY", "both"),
    ("ATTACH 'other.db' AS other", "Refused", "duckdb"),
    ("PRAGMA table_info('people')", "Refused", "duckdb"),
    ("SET search_path = evil", "Refused", "both"),
    ("INSERT INTO depts VALUES (9, 'x')", "INSERT", "both"),
    # --- issue 13 part 5: constructs the analysis used to miss ----------------------------------
    # GROUP BY ALL / ORDER BY ALL (DuckDB) group / sort on every select-list item: expanded first
    ("SELECT ssn, COUNT(*) AS n FROM people GROUP BY ALL", "used in GROUP BY", "duckdb"),
    (
        "SELECT city, birth_date, COUNT(*) AS n FROM people GROUP BY ALL",
        "used in GROUP BY",
        "duckdb",
    ),
    ("SELECT id, ssn FROM people ORDER BY ALL", "used in ORDER BY", "duckdb"),
    ("SELECT city, COUNT(*) AS n FROM people GROUP BY ALL", OK, "duckdb"),
    ("SELECT dept_id, MAX(ssn) AS m, COUNT(*) AS n FROM people GROUP BY ALL", OK, "duckdb"),
    ("SELECT id, city FROM people ORDER BY ALL", OK, "duckdb"),
    # whole-row casts and row constructors
    ("SELECT p.*::text AS r FROM people p", "whole", "both"),
    ("SELECT CAST(p.* AS TEXT) AS r FROM people p", "whole", "both"),
    ("SELECT ROW(p.*) AS r FROM people p", "Refused", "both"),
    ("SELECT CAST(ROW(p.*) AS TEXT) AS r FROM people p", "Refused", "both"),
    ("SELECT (p).* FROM people p", "Refused", "postgres"),
    # window frame bounds are expressions like any other
    (
        "SELECT id, SUM(id) OVER (ORDER BY id ROWS BETWEEN (SELECT MAX(LENGTH(ssn)) FROM people) "
        "PRECEDING AND CURRENT ROW) AS s FROM people",
        "used in",
        "both",
    ),
    (
        "SELECT id, COUNT(*) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND "
        "(SELECT COUNT(*) FROM people q WHERE q.ssn > 'M') FOLLOWING) AS s FROM people",
        "used in",
        "both",
    ),
    # set-returning functions in the select list multiply rows by a function of the value
    ("SELECT unnest(string_to_array(ssn, 'S')) AS u FROM people", "Refused", "both"),
    ("SELECT id, unnest([1, 2]) AS u FROM people", "Refused", "duckdb"),
    ("SELECT id, generate_series(1, LENGTH(ssn)) AS g FROM people", "Refused", "both"),
    ("SELECT id, generate_series(1, 3) AS g FROM people", "Refused", "both"),
    ("SELECT regexp_split_to_table(ssn, 'S') AS u FROM people", "Refused", "postgres"),
    ("SELECT json_each(to_json(ssn)) AS j FROM people", "Refused", "postgres"),
    ("SELECT string_to_table(ssn, 'S') AS u FROM people", "Refused", "postgres"),
    # --- issue 13 part 7: real queries work on every engine --------------------------------------
    ("SELECT id, CURRENT_DATE AS d, CURRENT_TIMESTAMP AS ts FROM people", OK, "all"),
    ("SELECT id, now() AS n FROM people", OK, "both"),
    ("SELECT id, ssn, CURRENT_DATE AS d FROM people WHERE id > 2", OK, "all"),
    ("SELECT id, city, first_name FROM people ORDER BY id", OK, "all"),
    ("SELECT * FROM people", OK, "all"),
    ("SELECT id FROM people WHERE ssn = 'CNRYSSN001Q'", "used in WHERE", "all"),
]


def _ids() -> list[str]:
    return [f"{i:02d}-{q[:40]}" for i, (q, _, _) in enumerate(CASES)]


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return duckdb_db(tmp_path_factory.mktemp("duck") / "canary.duckdb")


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sqlite_db(tmp_path_factory.mktemp("lite") / "canary.sqlite")


@pytest.fixture(scope="module")
def pg_canary_url(pg_cluster) -> str:  # noqa: F811
    return postgres_db(pg_cluster.new_database())


def _check(url: str, dialect: str, sql: str, expected: str | None) -> None:
    secrets = canaries()
    fm, decision = canary_map(), restricted_decision()
    catalog = catalog_schema(url)
    if expected is not None:
        with pytest.raises((RefusedError, BadInputError)) as err:
            rewrite_query(sql, fm, decision, dialect=dialect, catalog=catalog)
        msg = str(err.value)
        assert expected in msg, msg
        assert not leaked([msg], secrets), msg
        assert "CNRY" not in msg.upper(), msg  # no literal of the query is echoed
        return
    result = rewrite_query(sql, fm, decision, dialect=dialect, catalog=catalog)
    assert "CNRY" not in result.sql.upper() or "CNRY%" in sql.upper()
    statements = [s for s in sqlglot.parse(result.sql, read=dialect) if s is not None]
    assert len(statements) == 1, result.sql  # exactly one statement reaches the engine
    schema, batches = iter_query_batches(url, result.sql, batch_rows=2)
    table = pa.Table.from_batches(list(batches), schema=schema)
    values = [v for col in table.columns for v in col.to_pylist()]
    assert table.num_rows > 0
    assert not leaked(values, secrets), (result.sql, leaked(values, secrets))
    assert len(result.outputs) == table.num_columns


@pytest.mark.parametrize(("sql", "expected", "engines"), CASES, ids=_ids())
def test_duckdb(duck_url: str, sql: str, expected: str | None, engines: str) -> None:
    if engines not in ("both", "all", "duckdb"):
        pytest.skip("PostgreSQL-only case")
    _check(duck_url, "duckdb", sql, expected)


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "expected", "engines"), CASES, ids=_ids())
def test_postgres(pg_canary_url: str, sql: str, expected: str | None, engines: str) -> None:
    if engines not in ("both", "all", "postgres"):
        pytest.skip("DuckDB-only case")
    _check(pg_canary_url, "postgres", sql, expected)


@pytest.mark.parametrize(
    ("sql", "expected", "engines"),
    [c for c in CASES if c[2] in ("all", "sqlite")],
    ids=[i for i, c in zip(_ids(), CASES, strict=True) if c[2] in ("all", "sqlite")],
)
def test_sqlite(sqlite_url: str, sql: str, expected: str | None, engines: str) -> None:
    _check(sqlite_url, "sqlite", sql, expected)


def test_suite_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert sum(e is None for _, e, _ in CASES) >= 15


def test_refusal_names_column_and_position(duck_url: str) -> None:
    sql = "SELECT id\nFROM people\nWHERE  ssn = 'CNRYSSN001Q'"
    with pytest.raises(RefusedError) as err:
        rewrite_query(
            sql,
            canary_map(),
            restricted_decision(),
            dialect="duckdb",
            catalog=catalog_schema(duck_url),
        )
    assert "people.ssn" in str(err.value) and "line 3, col 8" in str(err.value)
    assert err.value.exit_code == 3


def test_parse_error_has_position_and_no_literal() -> None:
    sql = "SELECT id FROM people WHERE ssn = 'CNRYSSN001Q' AND AND"
    with pytest.raises(BadInputError) as err:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect="duckdb")
    assert "line 1" in str(err.value) and "CNRY" not in str(err.value)
    with pytest.raises(BadInputError) as err:
        rewrite_query("SELECT 'CNRYSSN001Q", canary_map(), restricted_decision(), dialect="duckdb")
    assert "CNRY" not in str(err.value) and err.value.exit_code == 4


def test_duckdb_connection_is_read_only(duck_url: str) -> None:
    """Defence in depth: even SQL that slipped past the guard cannot write or read files."""
    from redactor.errors import DataError

    with pytest.raises((DataError, RefusedError)):
        _, b = iter_query_batches(duck_url, "CREATE TABLE x AS SELECT 1")
        list(b)
    with pytest.raises((DataError, RefusedError)):
        _, b = iter_query_batches(duck_url, "SELECT * FROM read_csv('/etc/hostname')")
        list(b)


def test_unknown_lineage_still_masked(tmp_path: Path, duck_url: str) -> None:
    """Whatever the query does with a masked table, the derived table is what it reads."""
    sql = "SELECT * FROM people UNPIVOT (v FOR k IN (ssn, itin, city))"
    try:
        result = rewrite_query(
            sql,
            canary_map(),
            restricted_decision(),
            dialect="duckdb",
            catalog=catalog_schema(duck_url),
        )
    except RefusedError:
        return
    _schema, batches = iter_query_batches(duck_url, result.sql)
    values = [v for b in batches for c in b.columns for v in c.to_pylist()]
    assert not leaked(values, canaries())


# --- issue 13 part 5: nesting deeper than the parser can take -----------------------------------
DEEP = [
    "SELECT " + "(" * 2000 + "id" + ")" * 2000 + " FROM people",
    "SELECT id FROM people WHERE " + "NOT " * 2000 + "id = 1",
    "SELECT " + "- " * 2000 + "id FROM people",
    "SELECT " + "COALESCE(" * 1500 + "id" + ")" * 1500 + " FROM people",
    "SELECT id FROM " + "(SELECT id FROM " * 400 + "people" + ") AS s" * 400,
]


@pytest.mark.parametrize("sql", DEEP, ids=["parens", "not", "minus", "coalesce", "subqueries"])
def test_deep_nesting_is_a_clear_error(sql: str) -> None:
    """Never a RecursionError: either it rewrites, or it is refused / rejected with a message."""
    try:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect="duckdb")
    except (RefusedError, BadInputError) as e:
        assert "Recursion" not in str(e) and len(str(e).splitlines()[0]) < 300, str(e)


def _map_file(tmp_path: Path) -> str:
    import yaml

    path = tmp_path / "canary.yaml"
    path.write_text(yaml.safe_dump(CANARY_MAP), encoding="utf-8")
    return str(path)


def _sql_cli(tmp_path: Path, *args: str):
    from click.testing import CliRunner

    from redactor.cli import cli

    base = [
        "--map",
        _map_file(tmp_path),
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
        "--requester",
        "t",
        "--dialect",
        "duckdb",
    ]
    if "--" in args:
        i = args.index("--")
        argv = ["sql", *args[:i], *base, *args[i:]]
    else:
        argv = ["sql", *args, *base]
    return CliRunner().invoke(cli, argv)


@pytest.mark.parametrize("sql", DEEP[:2], ids=["parens", "not"])
def test_deep_nesting_cli_exit_code(tmp_path: Path, sql: str) -> None:
    result = _sql_cli(tmp_path, sql)
    assert result.exit_code in (3, 4), (
        result.exit_code,
        repr(result.exception),
        result.output[-300:],
    )
    assert "Traceback" not in result.output


# --- issue 13 part 6: clauses are kept or refused, never dropped --------------------------------
BIG_ROWS = 5000


def _big_rows() -> list[tuple[int, str]]:
    return [(i, f"CNRYBIG{i:05d}Q") for i in range(BIG_ROWS)]


def _big_map():
    import copy

    from redactor.fieldmap import parse_field_map

    m = copy.deepcopy(CANARY_MAP)
    m["tables"]["big"] = {"columns": {"id": "none", "ssn": "ssn"}}
    return parse_field_map(m, source="big.yaml")


@pytest.fixture(scope="module")
def big_duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    import duckdb

    path = tmp_path_factory.mktemp("bigduck") / "big.duckdb"
    url = duckdb_db(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE big (id INTEGER, ssn TEXT)")
    con.executemany("INSERT INTO big VALUES (?, ?)", _big_rows())
    con.close()
    return url


@pytest.fixture(scope="module")
def big_pg_url(pg_cluster) -> str:  # noqa: F811
    import psycopg

    owner = pg_cluster.new_database()
    with psycopg.connect(owner, autocommit=True) as con:  # before postgres_db() grants access
        con.execute("CREATE TABLE big (id INTEGER, ssn TEXT)")
        with con.cursor() as cur:
            cur.executemany("INSERT INTO big VALUES (%s, %s)", _big_rows())
    return postgres_db(owner)


# (engine, query, what must survive in the generated SQL, sampled?)
KEPT: list[tuple[str, str, str, bool]] = [
    ("duckdb", "SELECT id, ssn FROM big USING SAMPLE 1%", "SAMPLE", True),
    ("duckdb", "SELECT id FROM big USING SAMPLE 1 PERCENT (bernoulli)", "SAMPLE", True),
    ("duckdb", "SELECT b.id, b.ssn FROM big AS b TABLESAMPLE 1%", "SAMPLE", True),
    ("duckdb", "SELECT id FROM big TABLESAMPLE BERNOULLI (1)", "SAMPLE", True),
    ("duckdb", "SELECT id FROM big USING SAMPLE 10 ROWS", "SAMPLE", True),
    ("postgres", "SELECT id, ssn FROM big TABLESAMPLE BERNOULLI (1)", "TABLESAMPLE", True),
    ("postgres", "SELECT id FROM big TABLESAMPLE SYSTEM (1)", "TABLESAMPLE", True),
    (
        "postgres",
        "SELECT b.id FROM big AS b TABLESAMPLE BERNOULLI (1) REPEATABLE (7)",
        "TABLESAMPLE",
        True,
    ),
    (
        "duckdb",
        "SELECT * FROM people PIVOT (COUNT(*) FOR city IN ('City0', 'City1'))",
        "PIVOT",
        False,
    ),
    ("duckdb", "SELECT * FROM people UNPIVOT (v FOR k IN (id, dept_id))", "UNPIVOT", False),
    (
        "duckdb",
        "SELECT * FROM (SELECT city, dept_id FROM people) AS s "
        "PIVOT (COUNT(*) FOR city IN ('City0', 'City1'))",
        "PIVOT",
        False,
    ),
    ("postgres", "SELECT id FROM ONLY people", "ONLY", False),
    ("postgres", "SELECT p.id, p.ssn FROM ONLY people AS p", "ONLY", False),
]


def _kept_params() -> list:
    return [
        pytest.param(
            *k,
            id=f"{k[0]}-{i:02d}-{k[1][:40]}",
            marks=[pytest.mark.postgres] if k[0] == "postgres" else [],
        )
        for i, k in enumerate(KEPT)
    ]


@pytest.mark.parametrize(("engine", "sql", "clause", "sampled"), _kept_params())
def test_clause_kept_or_refused(
    request: pytest.FixtureRequest, engine: str, sql: str, clause: str, sampled: bool
) -> None:
    from redactor.errors import DataError

    url = request.getfixturevalue("big_duck_url" if engine == "duckdb" else "big_pg_url")
    secrets = canaries() + [s for _, s in _big_rows()]
    try:
        result = rewrite_query(
            sql, _big_map(), restricted_decision(), dialect=engine, catalog=catalog_schema(url)
        )
    except (RefusedError, BadInputError) as e:
        assert not leaked([str(e)], secrets) and "line " in str(e), str(e)
        return
    word = rf"\b{clause}\b" if clause != "SAMPLE" else "SAMPLE"  # TABLESAMPLE, USING SAMPLE
    assert re.search(word, result.sql, re.IGNORECASE), (
        f"{clause} was dropped by the rewrite: {result.sql}"
    )
    try:
        schema, batches = iter_query_batches(url, result.sql)
        table = pa.Table.from_batches(list(batches), schema=schema)
    except DataError as e:
        assert not leaked([str(e)], secrets), str(e)
        assert not sampled, f"a sampled query must run: {e}"
        return
    values = [v for col in table.columns for v in col.to_pylist()]
    assert not leaked(values, secrets), (result.sql, leaked(values, secrets)[:3])
    if sampled:
        assert table.num_rows < BIG_ROWS // 2, (table.num_rows, result.sql)


# --- issue 13 part 7: PostgreSQL quoted upper-case identifiers ------------------------------------
DRIVERS = [(dt.date(2001, 5, i), f"CNRYDRV{i:03d}Q", f"CnryDriver{i}q") for i in range(1, 4)]


@pytest.fixture(scope="module")
def drivers_pg_url(pg_cluster) -> str:  # noqa: F811
    import psycopg

    owner = pg_cluster.new_database()
    with psycopg.connect(owner, autocommit=True) as con:
        con.execute('CREATE TABLE "DRIVERS" ("ISSUE_DT" date, "SSN" text, "Name" text)')
        with con.cursor() as cur:
            cur.executemany('INSERT INTO "DRIVERS" VALUES (%s, %s, %s)', DRIVERS)
    return postgres_db(owner)


def _drivers_map():
    from redactor.fieldmap import parse_field_map

    return parse_field_map(
        {
            "name": "drivers",
            "tables": {"DRIVERS": {"columns": {"ISSUE_DT": "none", "SSN": "ssn", "Name": "name"}}},
        },
        source="drivers.yaml",
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "ISSUE_DT", "SSN", "Name" FROM "DRIVERS"',
        'SELECT * FROM "DRIVERS"',
        'SELECT d."ISSUE_DT" AS issued, d."SSN" FROM "DRIVERS" AS d ORDER BY d."ISSUE_DT"',
        'SELECT "ISSUE_DT" FROM "DRIVERS" WHERE "ISSUE_DT" >= DATE \'2001-05-01\'',
    ],
)
def test_postgres_quoted_upper_case_names_match(drivers_pg_url: str, sql: str) -> None:
    result = rewrite_query(
        sql,
        _drivers_map(),
        restricted_decision(),
        dialect="postgres",
        catalog=catalog_schema(drivers_pg_url),
    )
    schema, batches = iter_query_batches(drivers_pg_url, result.sql)
    table = pa.Table.from_batches(list(batches), schema=schema)
    assert table.num_rows == len(DRIVERS)
    values = [v for col in table.columns for v in col.to_pylist()]
    secrets = [s for _, s, _ in DRIVERS] + [n for _, _, n in DRIVERS]
    assert not leaked(values, secrets), result.sql
    issued = sorted(v for v in table.column(0).to_pylist())
    assert issued == sorted(d for d, _, _ in DRIVERS)  # released column comes out unchanged


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        'SELECT issue_dt FROM "DRIVERS"',  # unquoted: issue_dt, which "DRIVERS" does not have
        'SELECT "ISSUE_DT" FROM drivers',  # unquoted: table drivers, which does not exist
        'SELECT "issue_dt" FROM "DRIVERS"',
    ],
)
def test_postgres_unquoted_names_fold_to_lower_case(drivers_pg_url: str, sql: str) -> None:
    with pytest.raises((RefusedError, BadInputError)) as err:
        rewrite_query(
            sql,
            _drivers_map(),
            restricted_decision(),
            dialect="postgres",
            catalog=catalog_schema(drivers_pg_url),
        )
    assert "line 1, col" in str(err.value), str(err.value)


# --- issue 13 part 7: a query that starts with a comment line -------------------------------------
COMMENTED = "-- weekly licensing report\nSELECT id, city FROM people"


def test_query_starting_with_comment_on_the_command_line(tmp_path: Path) -> None:
    result = _sql_cli(tmp_path, COMMENTED)
    if result.exit_code != 0:  # then the help must say how to pass it
        from click.testing import CliRunner

        from redactor.cli import cli

        help_text = CliRunner().invoke(cli, ["sql", "--help"]).output
        # e.g. 'a query that starts with "--" …' or 'redactor sql … -- "-- comment …"'
        assert re.search(
            r"(start|begin)s? with\W{0,3}--|\s--\s+[\"']--", help_text, re.IGNORECASE
        ), (result.output, help_text)
    else:
        assert "SELECT" in result.output.upper() and "weekly" not in result.output


def test_query_after_double_dash_separator(tmp_path: Path) -> None:
    result = _sql_cli(tmp_path, "--", COMMENTED)
    assert result.exit_code == 0, (result.exit_code, result.output[-300:])
    assert "CITY" in result.output.upper()
