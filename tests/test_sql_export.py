"""`redactor sql` and `redactor export` end to end: sample SQLite database, DuckDB and
PostgreSQL canary databases, credentials in URLs, streaming."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.fieldmap import load_field_map
from redactor.sql.export import iter_query_batches
from redactor.sql.urls import parse_url, redact_url
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures
from tests.test_sql_canary import canaries, duckdb_db, leaked, postgres_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DB = ROOT / "sample_data" / "agency.sqlite"
DMV_MAP = ROOT / "field_maps" / "dmv.yaml"
CANARY_MAP_YAML = """
name: canary
tables:
  people:
    columns:
      id: none
      first_name: {category: name, action: redact}
      last_name: name
      birth_date: {category: birth_date, action: generalize}
      ssn: ssn
      itin: {category: itin, action: hash}
      dl_number: {category: drivers_license, action: mask, keep_last: 4}
      address: {category: address, action: "null"}
      city: none
      immigration_status: immigration_status
      dept_id: none
      notes: {category: free_text, action: scrub}
  depts: {columns: {id: none, dname: none}}
  orders: {columns: {id: none, person_id: none, amount: none}}
  crcsa: {sensitive_table: true, columns: {id: none, person_id: none}}
"""
needs_sample = pytest.mark.skipif(
    not SAMPLE_DB.exists() or not DMV_MAP.exists(),
    reason="sample_data/agency.sqlite or field_maps/dmv.yaml missing",
)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _protected_sample_values() -> set[str]:
    """Values of protected drivers columns that never occur in a released column."""
    table = load_field_map(DMV_MAP).table("drivers")
    con = sqlite3.connect(SAMPLE_DB)
    cols = [r[1] for r in con.execute("PRAGMA table_info(drivers)")]
    protected, released = set(), set()
    for row in con.execute("SELECT * FROM drivers"):
        for c, v in zip(cols, row, strict=True):
            rule = table.rule(c)
            target = protected if (rule is None or rule.protected) else released
            if v is not None:
                target.add(str(v))
    return {v for v in protected - released if len(v) >= 5}


@needs_sample
def test_export_sample_drivers_releases_no_protected_value(tmp_path: Path, log_path: Path) -> None:
    out = tmp_path / "ice.csv"
    r = invoke(
        "export",
        "--db",
        f"sqlite:///{SAMPLE_DB}",
        "SELECT * FROM drivers",
        "--map",
        str(DMV_MAP),
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
        "-o",
        str(out),
        "-q",
    )
    assert r.exit_code == 0, r.output
    text = out.read_text()
    manifest = Path(f"{out}.manifest.json").read_text()
    assert text.count("\n") > 100
    secrets = _protected_sample_values()
    assert len(secrets) > 1000
    log = log_path.read_bytes().decode("utf-8", "replace")
    for blob in (text, manifest, log):
        blob = re.sub(r"[0-9a-f-]{16,}", "", blob)  # hashes and ids, which hold digit runs
        found = [s for s in secrets if s in blob]
        assert not found, found[:5]
    assert json.loads(manifest)["input"]["source"].startswith("sqlite:///")


@needs_sample
def test_export_filter_on_ssn_is_refused_naming_the_column(tmp_path: Path, log_path: Path) -> None:
    out = tmp_path / "ice.csv"
    r = invoke(
        "export",
        "--db",
        f"sqlite:///{SAMPLE_DB}",
        "SELECT record_id FROM drivers WHERE SOC_SEC_NO = '589836008'",
        "--map",
        str(DMV_MAP),
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
        "-o",
        str(out),
    )
    assert r.exit_code == 3
    assert "SOC_SEC_NO" in r.stderr and "WHERE" in r.stderr and "line 1, col 37" in r.stderr
    assert "589836008" not in r.stderr and not out.exists()
    log = log_path.read_bytes()
    assert b"refused" in log and b"589836008" not in log


@needs_sample
def test_export_sensitive_table_is_refused(tmp_path: Path) -> None:
    r = invoke(
        "export",
        "--db",
        f"sqlite:///{SAMPLE_DB}",
        "SELECT appl_id FROM crcsa_applicants",
        "--map",
        str(DMV_MAP),
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert r.exit_code == 3 and "sensitive_table" in r.stderr


def _canary_export(tmp_path: Path, url: str, sql: str, fmt: str = "parquet"):
    fm = tmp_path / "canary.yaml"
    fm.write_text(CANARY_MAP_YAML)
    out = tmp_path / f"out.{fmt}"
    r = invoke(
        "export",
        "--db",
        url,
        sql,
        "--map",
        str(fm),
        "--agency",
        "ICE",
        "--purpose",
        "civil_immigration_enforcement",
        "--policy",
        "colorado-sb21-131",
        "-o",
        str(out),
        "--batch-rows",
        "2",
        "-q",
    )
    return r, out


def test_export_duckdb_masks_and_drops(tmp_path: Path) -> None:
    url = duckdb_db(tmp_path / "c.duckdb")
    r, out = _canary_export(
        tmp_path,
        url,
        "SELECT p.*, d.dname FROM people p JOIN depts d ON p.dept_id = d.id ORDER BY p.id",
    )
    assert r.exit_code == 0, r.output
    t = pq.read_table(out)
    assert t.num_rows == 6
    assert "ssn" not in t.column_names and "last_name" not in t.column_names  # dropped
    assert t.column("dl_number").to_pylist()[0] == "*******01QZ"
    assert t.column("first_name").to_pylist()[0] == "[REDACTED]"
    assert set(t.column("birth_date").to_pylist()) <= {1951, 1952, 1953, 1954, 1955, 1956}
    assert set(t.column("itin").to_pylist()) == {None}  # hash is not done in SQL
    values = [v for c in t.columns for v in c.to_pylist()]
    assert not leaked(values, canaries())


@pytest.mark.postgres
def test_export_postgres_over_socket_url(tmp_path: Path, pg_cluster) -> None:  # noqa: F811
    url = postgres_db(pg_cluster.new_database())
    r, out = _canary_export(tmp_path, url, "SELECT * FROM people", fmt="jsonl")
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert text.count("\n") == 6 and not leaked([text], canaries())
    r2, _ = _canary_export(tmp_path, url, "SELECT id FROM people ORDER BY ssn")
    assert r2.exit_code == 3 and "people.ssn" in r2.stderr


def test_urls_never_show_passwords() -> None:
    url = "postgresql://alice:s3cr%40t@db.example:5432/dmv?sslmode=require&password=p2"
    shown = redact_url(url)
    assert "s3cr" not in shown and "p2" not in shown and "alice" in shown
    assert "s3cr" not in repr(parse_url(url))
    assert parse_url("sqlite:////abs/a.db").path == "/abs/a.db"
    assert parse_url("duckdb:///rel/a.duckdb").path == "rel/a.duckdb"
    assert parse_url("postgresql+psycopg:///db?host=/tmp").dialect == "postgres"


def test_connection_error_hides_password(tmp_path: Path) -> None:
    url = f"postgresql://bob:hunter2pw@/nodb?host={tmp_path}&connect_timeout=2"
    r, out = _canary_export(tmp_path, url, "SELECT id FROM people")
    assert r.exit_code == 4 and "hunter2pw" not in r.output + r.stderr
    assert "***" in r.stderr and not out.exists()
    r = invoke(
        "export",
        "--db",
        "mysql://u:hunter2pw@h/db",
        "SELECT 1",
        "--map",
        "x",
        "--purpose",
        "research",
        "-o",
        str(tmp_path / "o.csv"),
    )
    assert r.exit_code == 2 and "hunter2pw" not in r.stderr


def test_batches_stream(tmp_path: Path) -> None:
    url = duckdb_db(tmp_path / "s.duckdb")
    _, batches = iter_query_batches(url, "SELECT range AS n FROM range(10000)", batch_rows=1000)
    sizes = [b.num_rows for b in batches]
    assert sum(sizes) == 10000 and max(sizes) <= 2048 and len(sizes) >= 5
    db = tmp_path / "s.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (n INTEGER, s TEXT)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?)", [(i, None if i < 5 else str(i)) for i in range(25)]
    )
    con.commit()
    con.close()
    schema, batches = iter_query_batches(f"sqlite:///{db}", "SELECT n, s FROM t", batch_rows=5)
    assert [b.num_rows for b in batches] == [5] * 5
    assert str(schema.field("s").type) == "string"


def test_sql_command_prints_rewrite_and_refuses(tmp_path: Path) -> None:
    fm = tmp_path / "canary.yaml"
    fm.write_text(CANARY_MAP_YAML)
    base = [
        "--map",
        str(fm),
        "--agency",
        "ICE",
        "--purpose",
        "civil_immigration_enforcement",
        "--policy",
        "colorado-sb21-131",
        "--dialect",
        "duckdb",
    ]
    r = invoke("sql", "SELECT ssn, city FROM people -- note", *base, "--explain")
    assert r.exit_code == 0, r.stderr
    assert "CAST(NULL AS TEXT) AS ssn" in r.stdout and "--" not in r.stdout
    assert "ssn: WITHHELD" in r.stderr
    q = tmp_path / "q.sql"
    q.write_text("DELETE FROM people WHERE ssn = 'CNRYSSN001Q'")
    r = invoke("sql", "-f", str(q), *base)
    assert r.exit_code == 3 and "DELETE" in r.stderr and "CNRY" not in r.stderr
    r = invoke("sql", "SELECT FROM WHERE", *base)
    assert r.exit_code == 4
    r = invoke("sql", *base)
    assert r.exit_code == 2


# --- database errors are never shown or logged verbatim (issue 13, part 4) --------------------
# Each query makes the engine's own error message quote a protected value of the table.
ORACLE_SQL = {
    "duckdb": "SELECT id, CAST(ssn AS DATE) AS d FROM people",
    "sqlite": "SELECT id, json_extract('{}', ssn) AS d FROM people",
    "postgres": "SELECT id, CAST(ssn AS date) AS d FROM people",
}
ORACLE_CLASS = {
    "duckdb": "ConversionException",
    "sqlite": "SQLITE_ERROR",
    "postgres": "InvalidDatetimeFormat",
}


def _sqlite_canary(path: Path) -> str:
    from tests.test_sql_canary import seed

    con = sqlite3.connect(path)
    seed(con.execute, con.executemany, "?")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def _raw_error(engine: str, url: str, sql: str) -> str:
    """The message the driver itself gives for ``sql`` (what redactor must not pass on)."""
    db = parse_url(url)
    try:
        if engine == "duckdb":
            import duckdb

            duckdb.connect(db.path, read_only=True).sql(sql).fetchall()
        elif engine == "sqlite":
            sqlite3.connect(db.path).execute(sql).fetchall()
        else:
            import psycopg

            with psycopg.connect(db.conninfo) as con:
                con.execute(sql).fetchall()
    except Exception as e:  # any driver error
        return str(e)
    raise AssertionError(f"{sql} did not fail on {engine}")


@pytest.fixture
def oracle_dbs(tmp_path: Path, pg_cluster) -> dict[str, str]:  # noqa: F811
    return {
        "duckdb": duckdb_db(tmp_path / "o.duckdb"),
        "sqlite": _sqlite_canary(tmp_path / "o.sqlite"),
        "postgres": postgres_db(pg_cluster.new_database()),
    }


@pytest.mark.postgres
def test_database_error_is_not_echoed(oracle_dbs: dict[str, str]) -> None:
    from redactor.errors import QueryError

    secrets = canaries()
    for engine, url in oracle_dbs.items():
        sql = ORACLE_SQL[engine]
        assert leaked([_raw_error(engine, url, sql)], secrets), engine  # the attack works raw
        with pytest.raises(QueryError) as err:
            _, batches = iter_query_batches(url, sql, batch_rows=2)
            list(batches)
        msg = str(err.value)
        assert not leaked([msg, repr(err.value.args)], secrets), (engine, msg)
        assert "CNRY" not in msg.upper() and "json_extract" not in msg and "CAST(ssn" not in msg
        assert err.value.error_class == ORACLE_CLASS[engine] and ORACLE_CLASS[engine] in msg
        assert err.value.exit_code == 4
        if engine == "postgres":
            assert err.value.sqlstate == "22007" and "SQLSTATE 22007" in msg
        if engine == "duckdb":
            assert err.value.offset == sql.index("CAST") and "line 1, col 12" in msg, msg


@pytest.mark.postgres
def test_database_error_position_is_in_the_executed_sql(oracle_dbs: dict[str, str]) -> None:
    from redactor.errors import QueryError

    sql = "SELECT 1 AS a,\n  CAST('CNRYLIT1' AS DATE) AS d"
    where = {"duckdb": ("CAST(", "line 2, col 3"), "postgres": ("'CNRYLIT1'", "line 2, col 8")}
    for engine, (token, line_col) in where.items():
        with pytest.raises(QueryError) as err:
            _, batches = iter_query_batches(oracle_dbs[engine], sql)
            list(batches)
        assert err.value.offset == sql.index(token), (engine, err.value.offset)
        assert line_col in str(err.value) and "CNRYLIT1" not in str(err.value), str(err.value)


@pytest.mark.postgres
def test_database_error_reaches_neither_message_nor_log(
    oracle_dbs: dict[str, str], tmp_path: Path
) -> None:
    from redactor.errors import QueryError
    from redactor.io.formats import Format
    from redactor.requestlog import open_log
    from redactor.sql.job import export_query
    from tests.test_sql_canary import canary_map, court_order_decision

    secrets = canaries()
    for engine, url in oracle_dbs.items():
        log_file = tmp_path / f"{engine}.log.sqlite3"
        out = tmp_path / f"{engine}.csv"
        with open_log(log_file) as lg, pytest.raises(QueryError) as err:
            # unrestricted: the query reads the raw ssn, so only the error path could leak it
            export_query(
                url,
                ORACLE_SQL[engine],
                canary_map(),
                court_order_decision(),
                output=str(out),
                output_format=Format.CSV,
                log=lg,
            )
        assert not leaked([str(err.value)], secrets), (engine, str(err.value))
        with open_log(log_file, create=False) as lg:
            (view,) = lg.requests()
            assert view.outcome == "failed" and ORACLE_CLASS[engine] in repr(view), repr(view)
            assert not leaked([repr(view)], secrets), (engine, repr(view))
        assert not leaked([log_file.read_bytes().decode("utf-8", "replace")], secrets)
        assert not out.exists()
