"""Raw-text slots (issue 13): parts of a query that sqlglot keeps as raw text (``exp.Var``, a
``DataType`` kind held as a string, a collation …) and prints back verbatim. A payload there
closes the expression, reads raw columns and comments out the masked derived table that follows.

Every slot found by walking sqlglot's parsers for the postgres, duckdb and sqlite dialects (a
marker payload in every argument position; see the report on issue 13) is a case here, on the
three real engines seeded with canaries. The contract for each query:

* either the rewrite refuses it (RefusedError) or the parser rejects it (BadInputError), with a
  message that holds a position ``line L, col C`` and neither a canary nor the payload's text;
* or it runs, the generated SQL re-parses in the target dialect to exactly one statement, and no
  result cell (nor any error message) holds a canary.

A payload query that sqlglot itself prints back changed (``printed_raw``: a raw-text slot in that
dialect) must be refused outright. The core payloads (``CORE``) are the ones that exported
canaries before the fix.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot

from redactor.errors import BadInputError, DataError, RefusedError
from redactor.sql.export import catalog_schema, iter_query_batches
from redactor.sql.rewrite import rewrite_query
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures
from tests.test_sql_canary import (
    canaries,
    canary_map,
    duckdb_db,
    leaked,
    postgres_db,
    restricted_decision,
    seed,
)

ENGINES = ("duckdb", "sqlite", "postgres")
POSITION = re.compile(r"line \d+, col \d+")
# Text every payload carries; a message that shows it echoes the query.
PAYLOAD_MARK = re.compile(r"ssn\s+from\s+people|pg_stats|pg_read_file", re.IGNORECASE)


def sqlite_db(path: Path) -> str:
    """The canary schema on SQLite (dates stored as ISO text, as SQLite has no date type)."""
    con = sqlite3.connect(path)

    def executemany(stmt: str, rows: list[tuple]) -> None:
        con.executemany(
            stmt, [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r) for r in rows]
        )

    seed(con.execute, executemany, "?")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return duckdb_db(tmp_path_factory.mktemp("rawduck") / "canary.duckdb")


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sqlite_db(tmp_path_factory.mktemp("rawlite") / "canary.sqlite")


@pytest.fixture(scope="module")
def pg_canary_url(pg_cluster) -> str:  # noqa: F811
    import psycopg

    owner = pg_cluster.new_database()
    url = postgres_db(owner)
    with psycopg.connect(owner, autocommit=True) as con:  # pg_stats now holds the values
        con.execute("ANALYZE")
    return url


def _url(request: pytest.FixtureRequest, engine: str) -> str:
    name = {"duckdb": "duck_url", "sqlite": "sqlite_url", "postgres": "pg_canary_url"}[engine]
    return request.getfixturevalue(name)


_CATALOGS: dict[str, dict] = {}


def _catalog(url: str) -> dict:
    if url not in _CATALOGS:
        _CATALOGS[url] = catalog_schema(url)
    return _CATALOGS[url]


def printed_raw(sql: str, dialect: str) -> bool:
    """Whether sqlglot's own round trip of ``sql`` changes it: printed back and parsed again, it
    is not one statement with the same tree. That is what a raw-text slot does to a payload (and
    what the rewrite must refuse: the SQL that runs must be the SQL that was checked)."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError:
        return False  # the guard rejects it anyway
    try:
        again = [s for s in sqlglot.parse(tree.sql(dialect), read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError:
        return True
    return len(again) != 1 or again[0] != tree


def outcome(url: str, dialect: str, sql: str, *, refuse_raw: bool = True) -> tuple[str, str]:
    """Run ``sql`` through the contract; return (``refused``|``ran``|``engine error``, detail).

    Raises AssertionError when the contract is broken: a leak; a message without a position or
    with the payload; generated SQL that is not exactly one statement; with ``refuse_raw``, a
    query that sqlglot prints back changed (:func:`printed_raw`) and that was not refused.
    """
    secrets = canaries()
    try:
        result = rewrite_query(
            sql, canary_map(), restricted_decision(), dialect=dialect, catalog=_catalog(url)
        )
    except (RefusedError, BadInputError) as e:
        msg = str(e)
        assert POSITION.search(msg), f"no 'line L, col C' in the message: {msg!r}"
        assert not leaked([msg], secrets), msg
        assert not PAYLOAD_MARK.search(msg), f"the message echoes the query: {msg!r}"
        return "refused", msg.splitlines()[0]
    assert not (refuse_raw and printed_raw(sql, dialect)), (
        f"sqlglot prints this query back changed (a raw-text slot), yet it was not refused: "
        f"{result.sql[:300]}"
    )
    statements = [s for s in sqlglot.parse(result.sql, read=result.dialect) if s is not None]
    assert len(statements) == 1, f"{len(statements)} statements generated: {result.sql}"
    try:
        schema, batches = iter_query_batches(url, result.sql, batch_rows=3)
        table = pa.Table.from_batches(list(batches), schema=schema)
    except DataError as e:
        assert not leaked([str(e)], secrets), f"engine error quotes a canary: {e}"
        return "engine error", str(e).splitlines()[0]
    values = [v for col in table.columns for v in col.to_pylist()]
    values += table.column_names
    found = leaked(values, secrets)
    assert not found, f"LEAK {found[:3]}\nquery: {sql}\nrewritten: {result.sql}"
    return "ran", result.sql


# --- the core payloads: each exported canaries on at least one engine before the fix -----------
# (id, query, engines); refused wherever sqlglot prints it back changed (printed_raw)
CORE: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "extract-unit-ident",
        'SELECT EXTRACT("year FROM now()), ssn FROM people --" FROM birth_date) FROM people',
        ENGINES,
    ),
    (
        "extract-unit-2nd-statement",
        'SELECT EXTRACT("epoch FROM now()); SELECT ssn FROM people; --" FROM birth_date) '
        "FROM people",
        ENGINES,
    ),
    (
        "date_part-unit-string",
        "SELECT DATE_PART('year from now()) , ssn FROM people --', birth_date) FROM people",
        ENGINES,
    ),
    (
        "date_part-unit-ident",
        'SELECT DATE_PART("year from now()) , ssn FROM people --", birth_date) FROM people',
        ENGINES,
    ),
    (
        "decimal-precision",
        'SELECT CAST(1 AS DECIMAL("10)) , ssn FROM people --")) FROM people',
        ENGINES,
    ),
    (
        "decimal-scale",
        'SELECT CAST(1 AS DECIMAL(10, "2)) , ssn FROM people --")) FROM people',
        ENGINES,
    ),
    (
        "varchar-length",
        'SELECT CAST(1 AS VARCHAR("10)) , ssn FROM people --")) FROM people',
        ENGINES,
    ),
    (
        "numeric-cast-operator",
        'SELECT id::NUMERIC("10)) , ssn FROM people --") FROM people',
        ENGINES,
    ),
    (
        "decimal-2nd-statement",
        'SELECT CAST(1 AS DECIMAL("10)); SELECT ssn FROM people; --")) FROM people',
        ENGINES,
    ),
    (
        "type-name-ident",
        'SELECT CAST(id AS "usmallint) , ssn FROM people --") FROM people',
        ENGINES,
    ),
    (
        "type-name-cast-operator",
        'SELECT id::"usmallint) , ssn FROM people --" FROM people',
        ENGINES,
    ),
    (
        "type-name-2nd-statement",
        'SELECT CAST(id AS "foo); SELECT ssn FROM people; --") FROM people',
        ENGINES,
    ),
    (
        "collate-string",
        "SELECT city COLLATE 'nocase , ssn FROM people UNION ALL SELECT city, city' FROM people",
        ENGINES,
    ),
    (
        "date_bin-origin",
        "SELECT DATE_BIN(INTERVAL '1 day', birth_date, 'birth_date) , ssn FROM people --') "
        "FROM people",
        ENGINES,
    ),
    (
        "time_bucket-origin",
        "SELECT TIME_BUCKET(INTERVAL '1 day', birth_date, 'birth_date) , ssn FROM people --') "
        "FROM people",
        ("duckdb",),
    ),
    (
        "date_add-unit",
        'SELECT DATE_ADD(birth_date, 1, "day , ssn FROM people --") FROM people',
        ENGINES,
    ),
    (
        "interval-span-end",
        "SELECT INTERVAL '1' DAY TO \"second, ssn FROM people --\" FROM people",
        ENGINES,
    ),
    (
        "make_interval-kwarg",
        'SELECT MAKE_INTERVAL("days => 1) , ssn FROM people --" => 1) FROM people',
        ENGINES,
    ),
    (
        "make_interval-pg_stats",
        "SELECT MAKE_INTERVAL(\"days => 1), (SELECT string_agg(histogram_bounds::text, ';') "
        "FROM pg_stats WHERE tablename = 'people') --\" => 1) FROM people",
        ("postgres",),
    ),
    (
        "make_interval-pg_read_file",
        "SELECT MAKE_INTERVAL(\"days => 1), pg_read_file('/etc/hostname') --\" => 1) FROM people",
        ("postgres",),
    ),
]


def _core_params() -> list:
    out = []
    for cid, sql, engines in CORE:
        for engine in engines:
            marks = [pytest.mark.postgres] if engine == "postgres" else []
            out.append(pytest.param(engine, sql, id=f"{engine}-{cid}", marks=marks))
    return out


@pytest.mark.parametrize(("engine", "sql"), _core_params())
def test_core_payload_is_refused(request: pytest.FixtureRequest, engine: str, sql: str) -> None:
    url = _url(request, engine)
    kind, detail = outcome(url, engine, sql)
    if printed_raw(sql, engine):
        assert kind == "refused", f"{engine}: not refused ({kind}): {detail}"


def test_core_payloads_are_raw_somewhere() -> None:
    """Each core payload hits a raw-text slot in at least one of its engines' dialects."""
    for cid, sql, engines in CORE:
        assert any(printed_raw(sql, e) for e in engines), cid


# --- every raw-text slot × hostile payloads ------------------------------------------------------
# {I}: the payload as a double-quoted identifier; {S}: as a string literal.
SLOTS: list[tuple[str, str]] = [
    ("extract-ident", "SELECT EXTRACT({I} FROM birth_date) AS v FROM people"),
    ("extract-string", "SELECT EXTRACT({S} FROM birth_date) AS v FROM people"),
    ("extract-interval", "SELECT EXTRACT({I} FROM INTERVAL '1 day') AS v FROM people"),
    ("date_part-string", "SELECT DATE_PART({S}, birth_date) AS v FROM people"),
    ("date_part-ident", "SELECT DATE_PART({I}, birth_date) AS v FROM people"),
    ("date_trunc-string", "SELECT DATE_TRUNC({S}, birth_date) AS v FROM people"),
    ("date_trunc-ident", "SELECT DATE_TRUNC({I}, birth_date) AS v FROM people"),
    ("date_diff-string", "SELECT DATE_DIFF({S}, birth_date, birth_date) AS v FROM people"),
    ("date_diff-ident", "SELECT DATE_DIFF({I}, birth_date, birth_date) AS v FROM people"),
    ("datediff-ident", "SELECT DATEDIFF({I}, birth_date, birth_date) AS v FROM people"),
    ("dateadd-ident", "SELECT DATEADD({I}, 1, birth_date) AS v FROM people"),
    ("date_add-unit", "SELECT DATE_ADD(birth_date, 1, {I}) AS v FROM people"),
    ("date_sub-unit", "SELECT DATE_SUB(birth_date, 1, {S}) AS v FROM people"),
    ("timestamp_add-unit", "SELECT TIMESTAMP_ADD(birth_date, 1, {I}) AS v FROM people"),
    ("time_add-unit", "SELECT TIME_ADD(birth_date, 1, {S}) AS v FROM people"),
    ("date_bin-origin", "SELECT DATE_BIN(INTERVAL '1 day', birth_date, {S}) AS v FROM people"),
    ("last_day-unit", "SELECT LAST_DAY(birth_date, {I}) AS v FROM people"),
    ("time_trunc-unit", "SELECT TIME_TRUNC(birth_date, {S}) AS v FROM people"),
    ("timestamp_trunc-unit", "SELECT TIMESTAMP_TRUNC(birth_date, {I}) AS v FROM people"),
    ("datetime_trunc-unit", "SELECT DATETIME_TRUNC(birth_date, {S}) AS v FROM people"),
    ("timestampdiff-unit", "SELECT TIMESTAMPDIFF(birth_date, birth_date, {I}) AS v FROM people"),
    ("datetime_diff-unit", "SELECT DATETIME_DIFF(birth_date, birth_date, {S}) AS v FROM people"),
    ("timestamp_diff-unit", "SELECT TIMESTAMP_DIFF(birth_date, birth_date, {I}) AS v FROM people"),
    ("time_diff-unit", "SELECT TIME_DIFF(birth_date, birth_date, {S}) AS v FROM people"),
    ("ts_or_ds_diff-unit", "SELECT TS_OR_DS_DIFF(birth_date, birth_date, {I}) AS v FROM people"),
    ("datetime_add-unit", "SELECT DATETIME_ADD(birth_date, 1, {I}) AS v FROM people"),
    ("datetime_sub-unit", "SELECT DATETIME_SUB(birth_date, 1, {S}) AS v FROM people"),
    ("timestamp_sub-unit", "SELECT TIMESTAMP_SUB(birth_date, 1, {I}) AS v FROM people"),
    ("time_sub-unit", "SELECT TIME_SUB(birth_date, 1, {S}) AS v FROM people"),
    ("ts_or_ds_add-unit", "SELECT TS_OR_DS_ADD(birth_date, 1, {I}) AS v FROM people"),
    ("time_slice-unit", "SELECT TIME_SLICE(birth_date, 1, {S}) AS v FROM people"),
    (
        "time_bucket-origin",
        "SELECT TIME_BUCKET(INTERVAL '1 day', birth_date, {S}) AS v FROM people",
    ),
    ("last_day_of_month-unit", "SELECT LAST_DAY_OF_MONTH(birth_date, {S}) AS v FROM people"),
    ("try_convert-type", "SELECT TRY_CONVERT(birth_date, {I}) AS v FROM people"),
    ("cast-type-ident", "SELECT CAST(id AS {I}) AS v FROM people"),
    ("cast-op-type-ident", "SELECT id::{I} AS v FROM people"),
    ("try_cast-type-ident", "SELECT TRY_CAST(id AS {I}) AS v FROM people"),
    ("cast-type-ident-param", "SELECT CAST(id AS {I}(10)) AS v FROM people"),
    ("cast-type-ident-array", "SELECT CAST(id AS {I}[]) AS v FROM people"),
    ("cast-qualified-type", "SELECT CAST(id AS pg_catalog.{I}) AS v FROM people"),
    ("cast-map-value-type", "SELECT CAST(id AS MAP(VARCHAR, {I})) AS v FROM people"),
    ("cast-struct-field-type", "SELECT CAST(id AS STRUCT(a {I})) AS v FROM people"),
    ("cast-row-type", "SELECT ROW(1, 2)::{I} AS v FROM people"),
    ("decimal-precision", "SELECT CAST(id AS DECIMAL({I})) AS v FROM people"),
    ("decimal-scale", "SELECT CAST(id AS DECIMAL(10, {I})) AS v FROM people"),
    ("varchar-length", "SELECT CAST(id AS VARCHAR({I})) AS v FROM people"),
    ("timestamp-precision", "SELECT CAST(id AS TIMESTAMP({I})) AS v FROM people"),
    ("timestamptz-precision", "SELECT CAST(id AS TIMESTAMP({I}) WITH TIME ZONE) AS v FROM people"),
    ("float-precision", "SELECT CAST(id AS FLOAT({I})) AS v FROM people"),
    ("cast-op-decimal", "SELECT id::DECIMAL({I}) AS v FROM people"),
    ("character-set", "SELECT CAST(city AS CHAR CHARACTER SET {I}) AS v FROM people"),
    ("convert-using", "SELECT CONVERT(city USING {I}) AS v FROM people"),
    ("interval-unit-ident", "SELECT INTERVAL '1' {I} AS v FROM people"),
    ("interval-number-unit", "SELECT INTERVAL 1 {I} AS v FROM people"),
    ("interval-string", "SELECT INTERVAL {S} AS v FROM people"),
    ("interval-span", "SELECT INTERVAL '1' DAY TO {I} AS v FROM people"),
    ("make_interval-kwarg", "SELECT MAKE_INTERVAL({I} => 1) AS v FROM people"),
    ("collate-ident", "SELECT city COLLATE {I} AS v FROM people"),
    ("collate-string", "SELECT city COLLATE {S} AS v FROM people"),
    ("to_char-format", "SELECT TO_CHAR(birth_date, {S}) AS v FROM people"),
    ("strftime-format", "SELECT STRFTIME(birth_date, {S}) AS v FROM people"),
    ("strftime-format-first", "SELECT STRFTIME({S}, birth_date) AS v FROM people"),
    ("strptime-format", "SELECT STRPTIME(city, {S}) AS v FROM people"),
    ("to_timestamp-format", "SELECT TO_TIMESTAMP(city, {S}) AS v FROM people"),
    ("at-time-zone-string", "SELECT birth_date AT TIME ZONE {S} AS v FROM people"),
    ("at-time-zone-ident", "SELECT birth_date AT TIME ZONE {I} AS v FROM people"),
    ("sqlite-date-modifier", "SELECT DATE(birth_date, {S}) AS v FROM people"),
    ("json-arrow", "SELECT notes -> {S} AS v FROM people"),
    ("json-arrow-text", "SELECT notes ->> {S} AS v FROM people"),
    ("json_extract-path", "SELECT JSON_EXTRACT(notes, {S}) AS v FROM people"),
    ("json_extract_path_text", "SELECT JSON_EXTRACT_PATH_TEXT(notes, {S}) AS v FROM people"),
    ("trim-leading", "SELECT TRIM(LEADING {S} FROM city) AS v FROM people"),
    ("order-nulls", "SELECT id FROM people ORDER BY id NULLS {I}"),
    ("frame-rows-bound", "SELECT SUM(id) OVER (ORDER BY id ROWS {I} PRECEDING) AS v FROM people"),
    (
        "frame-exclude",
        "SELECT SUM(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW "
        "EXCLUDE {I}) AS v FROM people",
    ),
    (
        "frame-range-interval",
        "SELECT COUNT(*) OVER (ORDER BY birth_date RANGE BETWEEN INTERVAL '1' {I} PRECEDING "
        "AND CURRENT ROW) AS v FROM people",
    ),
    ("fetch-first", "SELECT id FROM people FETCH FIRST {I} ROWS ONLY"),
    ("current_timestamp-precision", "SELECT CURRENT_TIMESTAMP({I}) AS v FROM people"),
    ("object_insert-key", "SELECT OBJECT_INSERT(notes, {S}, 1) AS v FROM people"),
]
# Hostile strings: quotes, ')', '--', '/*', ';', a newline, 'FROM people'.
PAYLOADS = [
    "x) , ssn FROM people --",
    "x)) , ssn FROM people --",
    "day , ssn FROM people --",
    "x); SELECT ssn FROM people; --",
    "x)\n, ssn FROM people /*",
    "x' , ssn FROM people --",
    'x" , ssn FROM people --',
]


def fill(template: str, payload: str) -> str:
    ident = '"' + payload.replace('"', '""') + '"'
    string = "'" + payload.replace("'", "''") + "'"
    return template.replace("{I}", ident).replace("{S}", string)


def _slot_params() -> list:
    out = []
    for sid, template in SLOTS:
        for engine in ENGINES:
            marks = [pytest.mark.postgres] if engine == "postgres" else []
            out.append(pytest.param(engine, template, id=f"{engine}-{sid}", marks=marks))
    return out


@pytest.mark.parametrize(("engine", "template"), _slot_params())
def test_raw_slot_payloads(request: pytest.FixtureRequest, engine: str, template: str) -> None:
    url = _url(request, engine)
    broken = []
    for payload in PAYLOADS:
        sql = fill(template, payload)
        try:
            outcome(url, engine, sql)
        except AssertionError as e:
            broken.append(f"payload {payload!r}: {str(e).splitlines()[0][:300]}")
    assert not broken, "\n".join(broken)


def test_payloads_are_hostile() -> None:
    """The catalogue can fail: sqlglot's own round trip of the core payloads (what the rewrite
    printed before issue 13) reads canaries on DuckDB."""
    import duckdb

    con = duckdb.connect()
    seed(con.execute, con.executemany, "?")
    leaking = []
    for cid, sql, engines in CORE:
        if "duckdb" not in engines:
            continue
        generated = sqlglot.parse_one(sql, read="duckdb").sql("duckdb")
        try:
            rows = con.sql(generated).fetchall()
        except duckdb.Error:
            continue
        if leaked([v for r in rows for v in r], canaries()):
            leaking.append(cid)
    con.close()
    assert len(leaking) >= 5, leaking
    for _, template in SLOTS:
        assert "{I}" in template or "{S}" in template
        assert PAYLOAD_MARK.search(fill(template, PAYLOADS[0]))


def test_same_slots_with_keywords_still_run(duck_url: str) -> None:
    """The defence must keep real queries working: keywords in those slots are fine."""
    ok = [
        "SELECT EXTRACT(year FROM DATE '2020-02-03') AS y, id FROM people",
        "SELECT DATE_TRUNC('month', DATE '2020-02-03') AS m, city FROM people",
        "SELECT CAST(id AS DECIMAL(10, 2)) AS d, CAST(city AS VARCHAR(20)) AS c FROM people",
        "SELECT id::INTEGER AS i, INTERVAL '1' DAY AS one_day FROM people",
        "SELECT city COLLATE NOCASE AS c FROM people",
        "SELECT STRFTIME(DATE '2020-02-03', '%Y') AS y FROM people",
    ]
    for sql in ok:
        kind, detail = outcome(duck_url, "duckdb", sql, refuse_raw=False)
        assert kind == "ran", (sql, detail)


@pytest.mark.parametrize(
    "engine", ["duckdb", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_driver_runs_exactly_one_statement(request: pytest.FixtureRequest, engine: str) -> None:
    """Behind the guard: SQL holding two statements is refused by the driver layer, never run
    (DuckDB would run both and return the second's rows)."""
    url = _url(request, engine)
    for sql in (
        "SELECT id FROM depts; SELECT ssn FROM people",
        "SELECT id FROM depts;\nSELECT ssn FROM people;",
    ):
        try:
            schema, batches = iter_query_batches(url, sql)
            rows = pa.Table.from_batches(list(batches), schema=schema).to_pylist()
        except (DataError, RefusedError) as e:
            assert not leaked([str(e)], canaries()), str(e)
            continue
        pytest.fail(
            f"{engine} ran two statements and returned {len(rows)} rows "
            f"(leaked: {leaked([str(r) for r in rows], canaries())[:2]})"
        )
