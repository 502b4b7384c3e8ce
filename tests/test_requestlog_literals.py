"""What the log keeps of a query and a source: structure, never values or credentials."""

from __future__ import annotations

import logging

import pytest

from redactor.requestlog import UNPARSEABLE_QUERY, redact_url, strip_sql_literals


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        (
            "SELECT a FROM t WHERE ssn = '123-45-6789' -- 123-45-6789",
            None,
            "SELECT a FROM t WHERE ssn = ?",
        ),
        (
            "select * from t where dl in ('A1', 'B2') "
            "and dob between '1990-01-01' and '1991-01-01'",
            None,
            "SELECT * FROM t WHERE dl IN (?, ?) AND dob BETWEEN ? AND ?",
        ),
        ("INSERT INTO t VALUES (1, 'Ana'), (2, 'Bo')", None, "INSERT INTO t VALUES (?, ?), (?, ?)"),
        (
            "SELECT x FROM t WHERE a = $1 AND b = E'Ana' AND c = $$Bo$$ LIMIT 5",
            "postgres",
            "SELECT x FROM t WHERE a = $1 AND b = ? AND c = ? LIMIT ?",
        ),
        ('SELECT id FROM t WHERE name = "Ana Lopez"', "mysql", "SELECT id FROM t WHERE name = ?"),
        (
            "SELECT 1; SELECT name FROM t WHERE ssn LIKE '%6789'",
            None,
            "SELECT ?; SELECT name FROM t WHERE ssn LIKE ?",
        ),
    ],
)
def test_every_literal_becomes_a_placeholder(sql, dialect, expected):
    assert strip_sql_literals(sql, dialect) == expected


def test_unparseable_sql_is_withheld_whole_and_not_echoed(caplog):
    caplog.set_level(logging.DEBUG)
    assert (
        strip_sql_literals("SELECT name FROM t WHERE ssn = '123-45-6789", None) == UNPARSEABLE_QUERY
    )
    # sqlglot's "falling back to Command" warning would quote the raw statement
    assert strip_sql_literals("SHOW TABLES LIKE '123-45-6789'", "mysql") == "SHOW TABLES LIKE ?"
    assert "6789" not in caplog.text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://app:hunter2@db:5432/dmv?sslmode=require&password=hunter2",
            "postgresql://app:***@db:5432/dmv?sslmode=require&password=***",
        ),
        ("postgresql://:hunter2@db/dmv", "postgresql://db/dmv"),
        ("postgres://app@db/dmv?sslkey=/k/app.key#frag", "postgres://app@db/dmv?sslkey=***"),
        ("duckdb:////abs/agency.duckdb", "duckdb:////abs/agency.duckdb"),
        ("sqlite:///var/data/dmv.db", "sqlite:///var/data/dmv.db"),
        (
            "host=db user=app password='hun ter2' dbname=dmv",
            "host=db user=app password=*** dbname=dmv",
        ),
        ("sample_data/dmv.csv", "sample_data/dmv.csv"),
        ("-", "-"),
    ],
)
def test_redact_url_hides_passwords_only(url, expected):
    assert redact_url(url) == expected


@pytest.mark.parametrize("dialect", [None, "postgres", "tsql", "mysql", "duckdb"])
def test_stripping_an_already_stripped_query_keeps_it(dialect):
    """The log strips again whatever the caller passes; that must not withhold a clean query."""
    once = strip_sql_literals(
        "SELECT a FROM t JOIN u ON t.id = u.id WHERE ssn = '1' AND x IN (1, 2) ORDER BY a LIMIT 10",
        dialect,
    )
    assert "?" in once and strip_sql_literals(once, dialect) == once


def test_an_unreachable_postgres_log_fails_without_echoing_the_password(tmp_path):
    from redactor.requestlog import LogUnavailableError, open_log

    url = f"postgresql://app:hunter2@/audit?host={tmp_path}&connect_timeout=2"
    with pytest.raises(LogUnavailableError) as err:
        open_log(url)
    assert err.value.exit_code == 4 and "hunter2" not in str(err.value)
    assert "postgresql://app:***@/audit" in str(err.value)
