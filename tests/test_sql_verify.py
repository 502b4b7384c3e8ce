"""What runs is what was checked (redactor/sql/verify.py), and database errors located in the
user's own query (RewriteResult.position_of, redactor/sql/job.py).

The attack catalogue on real engines lives in tests/test_sql_rawtext.py; these tests pin the two
checks themselves: each must refuse on its own, without the other, so that a regression in one is
still caught by the other.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from redactor.errors import QueryError, RefusedError
from redactor.io.formats import Format
from redactor.sql import verify
from redactor.sql.job import export_query
from redactor.sql.rewrite import rewrite_query
from tests.test_sql_canary import canaries, canary_map, duckdb_db, restricted_decision

PAYLOADS = [  # (dialect, query) pairs whose raw text leaked every SSN before the fix
    (
        "postgres",
        'SELECT EXTRACT("year FROM now()), ssn FROM people --" FROM birth_date) FROM people',
    ),
    ("postgres", "SELECT DATE_PART('year from x) , ssn FROM people --', birth_date) FROM people"),
    ("duckdb", 'SELECT CAST(1 AS DECIMAL("10) , ssn FROM people --")) FROM people'),
    ("postgres", "SELECT DATE_TRUNC('day) , ssn FROM people --', birth_date) FROM people"),
    ("duckdb", "SELECT DATE_DIFF('day) , ssn FROM people --', birth_date, birth_date) FROM people"),
]


@pytest.mark.parametrize(("dialect", "sql"), PAYLOADS)
def test_raw_text_check_alone_refuses(
    dialect: str, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "check_round_trip", lambda *a, **k: None)
    with pytest.raises(RefusedError, match="raw text") as e:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect=dialect)
    assert "line 1" in str(e.value) and "ssn FROM" not in str(e.value)


@pytest.mark.parametrize(("dialect", "sql"), PAYLOADS[:3])
def test_round_trip_check_alone_refuses(
    dialect: str, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "check_raw_text", lambda tree: None)
    with pytest.raises(RefusedError, match="does not read back") as e:
        rewrite_query(sql, canary_map(), restricted_decision(), dialect=dialect)
    assert "ssn FROM" not in str(e.value)


def test_without_both_checks_the_payload_reads_raw_ssns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack is real: with both checks off, the SQL that would run reads the raw table."""
    monkeypatch.setattr(verify, "check_raw_text", lambda tree: None)
    monkeypatch.setattr(verify, "check_round_trip", lambda *a, **k: None)
    result = rewrite_query(PAYLOADS[0][1], canary_map(), restricted_decision(), dialect="postgres")
    ran = sqlglot.parse_one(result.sql, read="postgres")
    assert "SSN FROM PEOPLE --" in result.sql
    assert ran.find(sqlglot.exp.Subquery) is None  # the masked copy was commented out


def test_round_trip_refuses_a_second_statement_and_a_different_tree() -> None:
    result = rewrite_query(
        "SELECT id, city FROM people", canary_map(), restricted_decision(), dialect="duckdb"
    )
    verify.check_round_trip(result.tree, result.sql, "duckdb")  # the real SQL passes
    with pytest.raises(RefusedError, match="2 statements"):
        verify.check_round_trip(result.tree, result.sql + "; SELECT ssn FROM people", "duckdb")
    tampered = result.sql.replace("CAST(NULL AS TEXT) AS ssn", "ssn AS ssn")
    assert tampered != result.sql
    with pytest.raises(RefusedError, match="does not read back"):
        verify.check_round_trip(result.tree, tampered, "duckdb")


def test_cross_dialect_output_must_read_the_same_columns() -> None:
    result = rewrite_query(
        "SELECT CONCAT(itin, city) AS c FROM people",
        canary_map(),
        restricted_decision(),
        dialect="duckdb",
        to="spark",
    )
    verify.check_round_trip(result.tree, result.sql, "spark", source="duckdb")
    tampered = result.sql.replace("CAST(NULL AS STRING) AS itin", "itin AS itin")
    assert tampered != result.sql
    with pytest.raises(RefusedError, match="same tables and columns"):
        verify.check_round_trip(result.tree, tampered, "spark", source="duckdb")


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        (
            "duckdb",
            "SELECT EXTRACT(year FROM birth_date) AS y, INTERVAL 1 DAY AS i, "
            "DATE_TRUNC('month', birth_date) AS m, DATE_DIFF('day', birth_date, "
            "birth_date) AS d FROM people",
        ),
        (
            "postgres",
            "SELECT EXTRACT(dow FROM birth_date) AS y, INTERVAL '2 hours' AS i, "
            "DATE_PART('year', birth_date) AS p, city COLLATE \"C\" AS c, "
            "CAST(id AS NUMERIC(10, 2)) AS n FROM people",
        ),
        ("sqlite", "SELECT CAST(id AS INTEGER) AS i, city COLLATE NOCASE AS c FROM people"),
        (
            "duckdb",
            "SELECT SUM(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND "
            "CURRENT ROW) AS s FROM people USING SAMPLE 50 PERCENT (bernoulli)",
        ),
    ],
)
def test_plain_keywords_in_raw_slots_still_work(dialect: str, sql: str) -> None:
    result = rewrite_query(sql, canary_map(), restricted_decision(), dialect=dialect)
    assert len(sqlglot.parse(result.sql, read=dialect)) == 1


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT CAST(id AS myschema.mytype) FROM people",
        'SELECT CAST(id AS "my type") FROM people',
    ],
)
def test_user_defined_type_names_are_refused(sql: str) -> None:
    with pytest.raises(RefusedError, match="type name"):
        rewrite_query(sql, canary_map(), restricted_decision(), dialect="postgres")


def test_database_error_points_into_the_users_query(tmp_path: Path) -> None:
    """A DuckDB conversion error quotes the value; the user gets its class and the position in
    the query they wrote (line 2), not in the rewritten SQL, and no value."""
    url = duckdb_db(tmp_path / "c.duckdb")
    query = "SELECT id,\n   CAST(city AS INTEGER) AS c FROM people"
    with pytest.raises(QueryError) as e:
        export_query(
            url,
            query,
            canary_map(),
            restricted_decision(),
            output=str(tmp_path / "o.csv"),
            output_format=Format.CSV,
        )
    message = str(e.value)
    assert "ConversionException at line 2, col 9 of the query" in message
    assert "City" not in message and not any(c in message for c in canaries())
    assert not (tmp_path / "o.csv").exists()


def test_position_of_maps_offsets_back_and_not_into_masks() -> None:
    query = "SELECT id,\n  CAST(city AS INTEGER) + 1 AS c FROM people p WHERE p.id > 'x'"
    result = rewrite_query(query, canary_map(), restricted_decision(), dialect="postgres")
    assert result.position_of(result.sql.index("CAST(p.city")) == "line 2, col 8"
    assert result.position_of(result.sql.index("'x'")) == "line 2, col 61"
    assert result.position_of(result.sql.index("REPEAT")) is None  # redactor's own mask
