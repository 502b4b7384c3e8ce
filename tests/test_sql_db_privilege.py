"""Least privilege at the database (issue 13, parts 1 and 2), on the real engines.

* PostgreSQL refuses a superuser, a BYPASSRLS role, a member of the server-file roles and a role
  that can SET ROLE to a superuser, with a hint that shows how to create a reader role; a plain
  reader role works.
* Every connection is read-only: writes tried straight through ``iter_query_batches`` (past the
  guard) fail on all three engines and leave the data as it was, while the same write on a
  connection without these defences succeeds (so the tests can fail).
* Exactly one statement reaches the engine: ``SELECT 1; <slow statement>`` is refused at once.
* ``REDACTOR_STATEMENT_TIMEOUT`` stops a slow query on every engine; PostgreSQL also has a lock
  timeout.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

from redactor.errors import QueryError, RefusedError, UsageError
from redactor.sql.export import catalog_schema, iter_query_batches
from redactor.sql.urls import parse_url
from tests.support.pgcluster import pg_cluster, pg_url, reader_url  # noqa: F401 - fixtures
from tests.test_sql_canary import duckdb_db, postgres_db, seed

SLOW_CTE = (
    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 2000000000) "
    "SELECT count(*) AS n FROM r"
)


def _rows(url: str, sql: str) -> list[dict]:
    schema, batches = iter_query_batches(url, sql)
    return pa.Table.from_batches(list(batches), schema=schema).to_pylist()


def _sqlite_db(path: Path) -> str:
    con = sqlite3.connect(path)
    seed(con.execute, con.executemany, "?")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


@pytest.fixture
def engines(tmp_path: Path, pg_cluster) -> dict[str, str]:  # noqa: F811
    return {
        "duckdb": duckdb_db(tmp_path / "c.duckdb"),
        "sqlite": _sqlite_db(tmp_path / "c.sqlite"),
        "postgres": postgres_db(pg_cluster.new_database()),
    }


def _role_url(pg_url: str, role: str) -> str:  # noqa: F811
    return pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")


def _create_role(pg_url: str, role: str, ddl: str) -> str:  # noqa: F811
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE IF NOT EXISTS t (id integer)")
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            con.execute(f"CREATE ROLE {role} LOGIN")
            con.execute(ddl.format(role=role))
        con.execute(f"GRANT SELECT ON t TO {role}")
    return _role_url(pg_url, role)


# --- PostgreSQL roles ------------------------------------------------------------------------
@pytest.mark.postgres
def test_superuser_is_refused_with_a_reader_recipe(pg_url: str) -> None:  # noqa: F811
    for call in (lambda: catalog_schema(pg_url), lambda: iter_query_batches(pg_url, "SELECT 1")):
        with pytest.raises(RefusedError) as err:
            call()
        assert err.value.exit_code == 3
        msg = str(err.value)
        assert "'postgres'" in msg and "superuser" in msg, msg
        assert "CREATE ROLE redactor_reader LOGIN" in msg and "GRANT SELECT ON" in msg, msg


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("role", "ddl", "expected"),
    [
        ("files_r", "GRANT pg_read_server_files TO {role}", "pg_read_server_files"),
        ("files_w", "GRANT pg_write_server_files TO {role}", "pg_write_server_files"),
        ("prog_x", "GRANT pg_execute_server_program TO {role}", "pg_execute_server_program"),
        ("rls_by", "ALTER ROLE {role} BYPASSRLS", "BYPASSRLS"),
        (
            "su_member",
            "CREATE ROLE su_admin SUPERUSER NOLOGIN; GRANT su_admin TO {role}",
            "SET ROLE to the privileged role(s) su_admin",
        ),
    ],
)
def test_privileged_roles_are_refused(
    pg_url: str,  # noqa: F811
    role: str,
    ddl: str,
    expected: str,
) -> None:
    url = _create_role(pg_url, role, ddl)
    with psycopg.connect(url) as con:  # the role can log in and read: only redactor refuses
        assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with pytest.raises(RefusedError) as err:
        iter_query_batches(url, "SELECT id FROM t")
    assert expected in str(err.value) and "redactor_reader" in str(err.value), str(err.value)


@pytest.mark.postgres
def test_reader_role_reads(pg_cluster) -> None:  # noqa: F811
    url = postgres_db(pg_cluster.new_database())
    assert parse_url(url).display.startswith("postgresql://redactor_reader@")
    assert [c for c, _ in catalog_schema(url)["depts"]] == ["id", "dname"]
    assert _rows(url, "SELECT id, dname FROM depts ORDER BY id") == [
        {"id": 1, "dname": "Licensing"},
        {"id": 2, "dname": "Titles"},
    ]


# --- read-only everywhere --------------------------------------------------------------------
def _pg_count(url: str) -> tuple[int, int]:
    with psycopg.connect(url, autocommit=True) as con:
        n = con.execute("SELECT count(*) FROM depts").fetchone()[0]
        seq = con.execute("SELECT last_value FROM dept_seq").fetchone()[0]
    return n, seq


@pytest.mark.postgres
def test_postgres_connection_is_read_only(pg_url: str) -> None:  # noqa: F811
    url = postgres_db(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:  # the reader may write: only the
        con.execute("CREATE SEQUENCE dept_seq")  # read-only transaction stops it
        con.execute("GRANT USAGE, UPDATE ON SEQUENCE dept_seq TO redactor_reader")
        con.execute("GRANT INSERT, DELETE ON depts TO redactor_reader")
    with psycopg.connect(url, autocommit=True) as con:  # without redactor: the writes work
        con.execute("SELECT nextval('dept_seq')")
        con.execute("INSERT INTO depts VALUES (3, 'Plates')")
        con.execute("DELETE FROM depts WHERE id = 3")
    before = _pg_count(pg_url)
    writes = [
        "SELECT nextval('dept_seq') AS n",
        "WITH d AS (DELETE FROM depts RETURNING id) SELECT id FROM d",
        "WITH i AS (INSERT INTO depts VALUES (9, 'x') RETURNING id) SELECT id FROM i",
        "SELECT set_config('transaction_read_only', 'off', false) AS s",
    ]
    for sql in writes:
        with pytest.raises(QueryError) as err:
            _rows(url, sql)
        assert err.value.sqlstate in ("25006", "25001", "0A000"), (sql, err.value.sqlstate)
    assert _pg_count(pg_url) == before


def test_duckdb_connection_is_read_only(tmp_path: Path) -> None:
    url = duckdb_db(tmp_path / "c.duckdb")
    path = parse_url(url).path
    con = duckdb.connect(path)
    con.execute("CREATE SEQUENCE dept_seq")
    con.close()
    spare = tmp_path / "spare.duckdb"
    shutil.copy(path, spare)
    con = duckdb.connect(str(spare), read_only=True)  # read-only alone: settings still change
    con.execute("SET enable_progress_bar = true")
    con.close()
    con = duckdb.connect(str(spare))  # without redactor: the writes work
    con.execute("SELECT nextval('dept_seq')")
    con.execute("DELETE FROM depts")
    con.close()
    refused = [
        "DELETE FROM depts",
        "SET enable_external_access = true",
        "SET threads = 1",
        f"COPY depts TO '{tmp_path / 'out.csv'}'",
        "ATTACH ':memory:' AS m",
        "INSTALL httpfs",
        "CALL pragma_version()",
    ]
    for sql in refused:
        with pytest.raises(RefusedError):
            _rows(url, sql)
    failing = [
        "SELECT nextval('dept_seq') AS n",
        f"SELECT * FROM read_csv('{spare}')",
        "SELECT * FROM read_text('/etc/hostname')",
    ]
    for sql in failing:
        with pytest.raises(QueryError):
            _rows(url, sql)
    assert not (tmp_path / "out.csv").exists()
    con = duckdb.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM depts").fetchone() == (2,)
    assert con.execute(
        "SELECT last_value FROM duckdb_sequences() WHERE sequence_name = 'dept_seq'"
    ).fetchone() == (None,)  # never advanced
    con.close()


def test_sqlite_connection_is_read_only(tmp_path: Path) -> None:
    url = _sqlite_db(tmp_path / "c.sqlite")
    path = parse_url(url).path
    spare = tmp_path / "spare.sqlite"
    shutil.copy(path, spare)
    con = sqlite3.connect(spare)  # without redactor: the writes work
    con.execute("DELETE FROM depts")
    con.execute(f"ATTACH '{tmp_path / 'new.sqlite'}' AS other")
    con.close()
    (tmp_path / "new.sqlite").unlink()
    writes = [
        "DELETE FROM depts",
        "INSERT INTO depts VALUES (3, 'x')",
        "UPDATE depts SET dname = 'x'",
        "DROP TABLE depts",
        f"ATTACH '{tmp_path / 'new.sqlite'}' AS other",
        "PRAGMA query_only = 0",
        "CREATE TEMP TABLE x AS SELECT 1",
        "BEGIN IMMEDIATE",
    ]
    for sql in writes:
        with pytest.raises(QueryError) as err:  # denied by the authorizer (or query_only)
            _rows(url, sql)
        assert err.value.error_class in ("SQLITE_AUTH", "SQLITE_SCHEMA"), (sql, err.value)
    assert not (tmp_path / "new.sqlite").exists()
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM depts").fetchone() == (2,)
    con.close()


# --- one statement ---------------------------------------------------------------------------
@pytest.mark.postgres
def test_only_one_statement_reaches_the_engine(engines: dict[str, str], monkeypatch) -> None:
    monkeypatch.setenv("REDACTOR_STATEMENT_TIMEOUT", "20")
    second = {"postgres": "SELECT pg_sleep(5)", "duckdb": SLOW_CTE, "sqlite": SLOW_CTE}
    for engine, url in engines.items():
        for sql in (
            f"SELECT 1 AS a; {second[engine]}",
            f"SELECT 1 AS a;\n{second[engine]};",
            f"SELECT 1 AS a; /* c */ {second[engine]} -- x",
        ):
            t0 = time.monotonic()
            with pytest.raises(RefusedError) as err:
                _, batches = iter_query_batches(url, sql)
                list(batches)
            assert time.monotonic() - t0 < 2.5, (engine, "the second statement ran")
            assert "statement" in str(err.value) and err.value.exit_code == 3
        for sql in ("SELECT 1 AS a", "SELECT 1 AS a;", "SELECT 1 AS a; -- done\n"):
            assert _rows(url, sql) == [{"a": 1}], (engine, sql)


def test_python_drivers_would_run_the_second_statement(tmp_path: Path) -> None:
    """What the single-statement rule prevents: DuckDB's ``sql()`` runs every statement, and
    psycopg's simple query protocol (used without parameters) sends them all."""
    con = duckdb.connect()
    con.sql("CREATE TABLE t (x INTEGER)")
    con.sql("SELECT 1; INSERT INTO t VALUES (1)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)


# --- time limits -----------------------------------------------------------------------------
@pytest.mark.postgres
def test_statement_timeout_stops_a_slow_query(engines: dict[str, str], monkeypatch) -> None:
    monkeypatch.setenv("REDACTOR_STATEMENT_TIMEOUT", "0.5")
    slow = {"postgres": "SELECT pg_sleep(30) AS s", "duckdb": SLOW_CTE, "sqlite": SLOW_CTE}
    for engine, url in engines.items():
        t0 = time.monotonic()
        with pytest.raises(QueryError) as err:
            _rows(url, slow[engine])
        elapsed = time.monotonic() - t0
        assert elapsed < 3, (engine, elapsed)
        msg = str(err.value)
        assert "statement timeout" in msg and "0.5 s" in msg, (engine, msg)
        assert "REDACTOR_STATEMENT_TIMEOUT" in msg and err.value.exit_code == 4
        expected = {
            "postgres": "QueryCanceled",
            "duckdb": "InterruptException",
            "sqlite": "SQLITE_INTERRUPT",
        }[engine]
        assert err.value.error_class == expected, (engine, err.value.error_class)
        assert err.value.sqlstate == ("57014" if engine == "postgres" else None)


@pytest.mark.postgres
def test_lock_timeout(pg_url: str, monkeypatch) -> None:  # noqa: F811
    url = postgres_db(pg_url)
    monkeypatch.setenv("REDACTOR_LOCK_TIMEOUT", "0.3")
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with psycopg.connect(pg_url) as con:
            con.execute("LOCK TABLE depts IN ACCESS EXCLUSIVE MODE")
            holding.set()
            release.wait(10)

    th = threading.Thread(target=hold)
    th.start()
    try:
        assert holding.wait(10)
        t0 = time.monotonic()
        with pytest.raises(QueryError) as err:
            _rows(url, "SELECT id FROM depts")
        assert time.monotonic() - t0 < 3
        assert err.value.sqlstate == "55P03" and "lock" in str(err.value)
        assert "REDACTOR_LOCK_TIMEOUT" in str(err.value)
    finally:
        release.set()
        th.join()


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_bad_timeout_setting_is_a_usage_error(tmp_path: Path, monkeypatch, value: str) -> None:
    url = duckdb_db(tmp_path / "c.duckdb")
    monkeypatch.setenv("REDACTOR_STATEMENT_TIMEOUT", value)
    with pytest.raises(UsageError) as err:
        iter_query_batches(url, "SELECT 1")
    assert "REDACTOR_STATEMENT_TIMEOUT" in str(err.value) and err.value.exit_code == 2
