"""Leak suite: adversarial export queries run on real DuckDB and PostgreSQL databases seeded with
canaries. Each query is either refused with the expected reason, or runs and returns no canary.
Refusal messages must not echo a canary or the query's literals either.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from redactor.errors import BadInputError, RefusedError
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
)

OK = None
# (query, expected refusal substring or OK, engines) — "both" unless said otherwise.
CASES: list[tuple[str, str | None, str]] = [
    # --- runs, masked at the source ---------------------------------------------------------
    ("SELECT * FROM people", OK, "both"),
    ("SELECT p.* FROM people p JOIN depts d ON p.dept_id = d.id", OK, "both"),
    ("SELECT ssn, itin, dl_number, first_name, last_name, birth_date, address, "
     "immigration_status, notes, secret_col FROM people", OK, "both"),
    ("SELECT e FROM people AS t(a, b, c, d, e)", OK, "both"),  # alias list on a base table
    ("SELECT first_name || ' ' || last_name AS \"Full Name\" FROM people", OK, "both"),
    ("WITH x AS (SELECT ssn AS s, id FROM people) SELECT s, id FROM x", OK, "both"),
    ("SELECT ssn FROM people UNION ALL SELECT dname FROM depts", OK, "both"),
    ("SELECT dname FROM depts UNION SELECT ssn FROM people", OK, "both"),
    ("SELECT (SELECT MAX(ssn) FROM people) AS m", OK, "both"),
    ("SELECT UPPER(ssn), LOWER(dl_number), REVERSE(itin) FROM people", OK, "both"),
    ("SELECT CASE WHEN ssn LIKE 'CNRY%' THEN 'yes' ELSE 'no' END AS probe FROM people", OK,
     "both"),
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
    ("SELECT \"SSN\" FROM people", OK, "duckdb"),  # quoted id: case-insensitive in DuckDB
    ("SELECT a.ssn, b.itin FROM people a CROSS JOIN people b", OK, "both"),
    ("/* hidden */ SELECT ssn -- trailing\n FROM people", OK, "both"),
    # --- refused: a withheld column outside the select list -----------------------------------
    ("SELECT * FROM people WHERE ssn = 'CNRYSSN001Q'", "used in WHERE", "both"),
    ("SELECT id FROM people WHERE ssn IN ('CNRYSSN001Q', 'CNRYSSN002Q')", "used in WHERE",
     "both"),
    ("SELECT p.id FROM people p JOIN orders o ON p.dl_number = CAST(o.amount AS TEXT)",
     "used in JOIN", "both"),
    ("SELECT people.id FROM people JOIN (VALUES ('CNRYSSN001Q')) AS v(s) ON people.ssn = v.s",
     "used in JOIN", "both"),
    ("SELECT p.id FROM people p JOIN people q USING (ssn)", "used in JOIN", "both"),
    ("SELECT birth_date, COUNT(*) FROM people GROUP BY birth_date", "used in GROUP BY", "both"),
    ("SELECT dept_id FROM people GROUP BY dept_id HAVING MAX(itin) > 'A'", "used in HAVING",
     "both"),
    ("SELECT id FROM people ORDER BY last_name", "used in ORDER BY", "both"),
    ("SELECT ssn AS k FROM people ORDER BY k", "used in ORDER BY", "both"),
    ("SELECT id, ROW_NUMBER() OVER (PARTITION BY address ORDER BY id) FROM people",
     "used in window", "both"),
    ("SELECT id FROM people QUALIFY ROW_NUMBER() OVER (PARTITION BY immigration_status "
     "ORDER BY id) = 1", "used in", "duckdb"),
    ("SELECT DISTINCT ON (birth_date) id FROM people", "used in DISTINCT ON", "both"),
    ("SELECT id FROM people p WHERE EXISTS (SELECT 1 FROM people q WHERE q.ssn = p.ssn "
     "AND q.id <> p.id)", "used in WHERE", "both"),
    ("SELECT id FROM depts WHERE dname IN (SELECT ssn FROM people)", "used in WHERE", "both"),
    ("SELECT id FROM depts WHERE dname = (SELECT MIN(ssn) FROM people)", "used in WHERE", "both"),
    ("WITH x AS (SELECT ssn AS s FROM people) SELECT * FROM x WHERE s LIKE 'CNRY%'",
     "used in WHERE", "both"),
    ("SELECT id FROM people WHERE secret_col IS NOT NULL", "unmapped", "both"),
    ("SELECT STRING_AGG(city, ',' ORDER BY ssn) FROM people", "used in ORDER BY", "both"),
    ("SELECT id FROM people LIMIT (SELECT COUNT(*) FROM people WHERE ssn > 'M')",
     "used in WHERE", "both"),
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
    ("SELECT * FROM people WHERE \"CNRYSSN001Q\" IS NULL", "not a column", "postgres"),
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
]


def _ids() -> list[str]:
    return [f"{i:02d}-{q[:40]}" for i, (q, _, _) in enumerate(CASES)]


@pytest.fixture(scope="module")
def duck_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return duckdb_db(tmp_path_factory.mktemp("duck") / "canary.duckdb")


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
    schema, batches = iter_query_batches(url, result.sql, batch_rows=2)
    table = pa.Table.from_batches(list(batches), schema=schema)
    values = [v for col in table.columns for v in col.to_pylist()]
    assert table.num_rows > 0
    assert not leaked(values, secrets), (result.sql, leaked(values, secrets))
    assert len(result.outputs) == table.num_columns


@pytest.mark.parametrize(("sql", "expected", "engines"), CASES, ids=_ids())
def test_duckdb(duck_url: str, sql: str, expected: str | None, engines: str) -> None:
    if engines not in ("both", "duckdb"):
        pytest.skip("PostgreSQL-only case")
    _check(duck_url, "duckdb", sql, expected)


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "expected", "engines"), CASES, ids=_ids())
def test_postgres(pg_canary_url: str, sql: str, expected: str | None, engines: str) -> None:
    if engines not in ("both", "postgres"):
        pytest.skip("DuckDB-only case")
    _check(pg_canary_url, "postgres", sql, expected)


def test_suite_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert sum(e is None for _, e, _ in CASES) >= 15


def test_refusal_names_column_and_position(duck_url: str) -> None:
    sql = "SELECT id\nFROM people\nWHERE  ssn = 'CNRYSSN001Q'"
    with pytest.raises(RefusedError) as err:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect="duckdb",
                      catalog=catalog_schema(duck_url))
    assert "people.ssn" in str(err.value) and "line 3, col 8" in str(err.value)
    assert err.value.exit_code == 3


def test_parse_error_has_position_and_no_literal() -> None:
    sql = "SELECT id FROM people WHERE ssn = 'CNRYSSN001Q' AND AND"
    with pytest.raises(BadInputError) as err:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect="duckdb")
    assert "line 1" in str(err.value) and "CNRY" not in str(err.value)
    with pytest.raises(BadInputError) as err:
        rewrite_query("SELECT 'CNRYSSN001Q", canary_map(), restricted_decision(),
                      dialect="duckdb")
    assert "CNRY" not in str(err.value) and err.value.exit_code == 4


def test_duckdb_connection_is_read_only(duck_url: str) -> None:
    """Defence in depth: even SQL that slipped past the guard cannot write or read files."""
    from redactor.errors import DataError

    with pytest.raises(DataError):
        _, b = iter_query_batches(duck_url, "CREATE TABLE x AS SELECT 1")
        list(b)
    with pytest.raises(DataError):
        _, b = iter_query_batches(duck_url, "SELECT * FROM read_csv('/etc/hostname')")
        list(b)


def test_unknown_lineage_still_masked(tmp_path: Path, duck_url: str) -> None:
    """Whatever the query does with a masked table, the derived table is what it reads."""
    sql = "SELECT * FROM people UNPIVOT (v FOR k IN (ssn, itin, city))"
    try:
        result = rewrite_query(sql, canary_map(), restricted_decision(), dialect="duckdb",
                               catalog=catalog_schema(duck_url))
    except RefusedError:
        return
    _schema, batches = iter_query_batches(duck_url, result.sql)
    values = [v for b in batches for c in b.columns for v in c.to_pylist()]
    assert not leaked(values, canaries())
