"""`redactor serve` in front of PostgreSQL: the SQL leak corpus through the wire gives what the
export path gives; JDBC, SQLAlchemy + pandas and psql work against it."""

from __future__ import annotations

import contextlib
import csv
import subprocess
from pathlib import Path

import psycopg
import pytest

from redactor.errors import RedactorError
from redactor.io.formats import Format
from redactor.policy import decide, load_pack
from redactor.serve.statements import classify
from redactor.sql.job import export_query
from tests.support import serve_jdbc
from tests.support.pgcluster import pg_cluster  # noqa: F401 - pytest fixture
from tests.support.serve_harness import PASSWORD, USER, open_request, serve
from tests.test_sql_canary import canaries, canary_map, leaked, postgres_db
from tests.test_sql_leaks import CASES

PG_CASES = [(q, want) for q, want, engines in CASES if engines in ("both", "all", "postgres")]


@pytest.fixture(scope="module")
def pg_served(pg_cluster, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    tmp = tmp_path_factory.mktemp("serve_pg")
    admin = pg_cluster.new_database()
    url = postgres_db(admin)
    from tests.test_sql_canary import CANARY_MAP

    with serve(url, CANARY_MAP, tmp) as s:
        s.request = open_request(s.log)  # type: ignore[attr-defined]
        s.url = url  # type: ignore[attr-defined]
        s.tmp = tmp  # type: ignore[attr-defined]
        s.admin = admin  # type: ignore[attr-defined]
        yield s


def _export(url: str, sql: str, request: str, log: Path, out: Path):
    """What `redactor export --request ID` gives for ``sql``: the header of its output, or
    the refusal."""
    from redactor.request import opened_request

    req, policies = opened_request(request, str(log))
    decision = decide(req, [load_pack(p) for p in policies])
    try:
        export_query(
            url,
            sql,
            canary_map(),
            decision,
            output=str(out),
            output_format=Format.CSV,
            dialect="postgres",
            manifest="",
            log=None,
        )
    except RedactorError as e:
        return None, str(e)
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], len(rows) - 1


def test_leak_corpus_through_the_wire_matches_export(pg_served) -> None:
    secrets = canaries()
    mismatches = []
    with psycopg.connect(pg_served.dsn(pg_served.request), autocommit=True) as con:
        for i, (sql, want) in enumerate(PG_CASES):
            header, info = _export(
                pg_served.url, sql, pg_served.request, pg_served.log, pg_served.tmp / f"e{i}.csv"
            )
            try:
                cur = con.execute(sql.encode())
                rows = cur.fetchall() if cur.description else []
                names = [d.name for d in cur.description or ()]
                wire = ("rows", names, len(rows))
                assert not leaked([v for r in rows for v in r] + names, secrets), sql
            except psycopg.Error as e:
                msg = str(e)
                assert not leaked([msg], secrets) and "CNRY" not in msg.upper(), msg
                wire = ("error", e.sqlstate, msg)
            exported = ("rows", header, info) if header is not None else ("error", info)
            if classify(sql).kind == "probe":  # answered from the view, by design
                continue
            if wire[0] != exported[0] or (wire[0] == "rows" and wire[1:] != exported[1:]):
                mismatches.append((sql, wire, exported))
            if want is not None:
                assert wire[0] == "error" and wire[1] in ("42501", "42601"), (sql, wire)
    assert not mismatches, mismatches
    assert len(PG_CASES) >= 40


def test_psql_against_postgres(pg_served) -> None:
    r = subprocess.run(
        [
            "psql",
            pg_served.dsn(pg_served.request),
            "-X",
            "-A",
            "-t",
            "-c",
            "SELECT id, dl_number FROM people WHERE id = 1",
            "-c",
            r"\dt",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "1|*******01QZ" in r.stdout and "public|people|table" in r.stdout
    assert "crcsa" not in r.stdout and not leaked([r.stdout], canaries())


@pytest.mark.skipif(serve_jdbc.missing() is not None, reason=str(serve_jdbc.missing()))
def test_jdbc_prepared_statements_and_metadata(pg_served, tmp_path: Path) -> None:
    r = serve_jdbc.run_probe(
        tmp_path, pg_served.port, pg_served.request, USER, PASSWORD, "CNRYSSN001Q"
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = r.stdout.splitlines()
    assert [ln for ln in out if ln.startswith("rows ")] == [f"rows {i} 5" for i in range(7)]
    assert "row 6|2|City0|*******02QZ|1952" in out  # binary transfer after prepareThreshold
    assert any(ln.startswith("refused 42501") and "WHERE" in ln for ln in out)
    assert [ln for ln in out if ln.startswith("table ")] == [
        "table depts",
        "table orders",
        "table people",
    ]
    assert not leaked(out, canaries())


def test_sqlalchemy_and_pandas(pg_served) -> None:
    sa = pytest.importorskip("sqlalchemy")
    pd = pytest.importorskip("pandas")
    from urllib.parse import quote

    engine = sa.create_engine(
        f"postgresql+psycopg://{USER}:{quote(PASSWORD)}@127.0.0.1:{pg_served.port}/x"
        f"?sslmode=disable&options={quote('-c redactor.request=' + pg_served.request)}",
        use_native_hstore=False,
    )  # its type lookup runs in a SAVEPOINT, which is refused
    try:
        df = pd.read_sql("SELECT id, city, birth_date, dl_number FROM people ORDER BY id", engine)
        assert list(df.columns) == ["id", "city", "birth_date", "dl_number"]
        assert len(df) == 6 and df["dl_number"][0] == "*******01QZ"
        assert list(df["birth_date"])[:2] == [1951, 1952]  # generalised to the year
        got = pd.read_sql(sa.text("SELECT id FROM people WHERE id > :x"), engine, params={"x": 3})
        assert list(got["id"]) == [4, 5, 6]
        insp = sa.inspect(engine)
        assert insp.get_table_names() == ["depts", "orders", "people"]
        cols = {c["name"]: str(c["type"]) for c in insp.get_columns("people")}
        assert cols["id"] == "INTEGER" and cols["dl_number"] == "TEXT"
        assert "ssn" not in cols and "secret_col" not in cols
        assert not leaked(df.astype(str).values.ravel().tolist(), canaries())
    finally:
        engine.dispose()


def test_sqlalchemy_reflection_of_keys_and_indexes_is_empty(pg_served) -> None:
    """Primary keys, indexes, unique and foreign keys are answered from the view: none, even
    where the backend has them (an index name can tell an unmapped column: people_ssn_idx)."""
    sa = pytest.importorskip("sqlalchemy")
    from urllib.parse import quote

    with psycopg.connect(pg_served.admin, autocommit=True) as admin:
        admin.execute("ALTER TABLE depts ADD CONSTRAINT depts_pk PRIMARY KEY (id)")
        admin.execute("CREATE UNIQUE INDEX people_ssn_idx ON people (ssn)")
        admin.execute("CREATE INDEX people_city_idx ON people (city)")
        admin.execute("ALTER TABLE orders ADD CONSTRAINT orders_fk FOREIGN KEY (id) "
                      "REFERENCES depts (id) NOT VALID")  # fmt: skip
    engine = sa.create_engine(
        f"postgresql+psycopg://{USER}:{quote(PASSWORD)}@127.0.0.1:{pg_served.port}/x"
        f"?sslmode=disable&options={quote('-c redactor.request=' + pg_served.request)}",
        use_native_hstore=False,
    )
    try:
        insp = sa.inspect(engine)
        answers = []
        for table in ("people", "depts", "orders"):
            pk = insp.get_pk_constraint(table)
            assert pk["constrained_columns"] == [] and not pk.get("name")
            assert insp.get_indexes(table) == []
            assert insp.get_foreign_keys(table) == []
            assert insp.get_unique_constraints(table) == []
            answers += [pk, insp.get_check_constraints(table), insp.get_table_comment(table)]
        assert insp.get_multi_indexes() == {(None, t): [] for t in ("depts", "orders", "people")}
        people = sa.Table("people", sa.MetaData(), autoload_with=engine)
        assert "ssn" not in people.c and "secret_col" not in people.c and "id" in people.c
        assert not people.indexes and not people.primary_key.columns
        text = repr(answers) + repr(people.indexes)
        assert "ssn" not in text and "_idx" not in text and "_pk" not in text
    finally:
        engine.dispose()


def test_client_gone_mid_copy_fails_the_entry_and_the_server_goes_on(pg_served) -> None:
    """A result read by COPY with a reader thread ahead: the client resets the connection
    after 100 rows; the entry is completed as failed with the rows sent, and the server (and
    a new session's backend connection) go on."""
    import socket
    import struct
    import time

    from redactor.requestlog import open_log
    from tests.support.serve_client import RawClient

    c = RawClient(
        pg_served.port, USER, PASSWORD, options=f"-c redactor.request={pg_served.request}"
    )
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.query(  # 6**8 rows
        "SELECT a.id, b.city, c.id AS c3, d.id AS d4, e.id AS e5, f.id AS f6, g.id AS g7, "
        "h.id AS h8 FROM people a, people b, people c, people d, people e, people f, people g, "
        "people h"
    )
    rows = 0
    while rows < 100:
        rows += c.read()[0] == b"D"
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()

    def last():
        with open_log(pg_served.log, create=False) as log:
            return log.requests()[-1]

    deadline = time.monotonic() + 30
    while last().completion is None and time.monotonic() < deadline:
        time.sleep(0.1)
    view = last()
    assert view.completion is not None and view.completion.status == "failed"
    assert 100 <= (view.completion.rows_out or 0) < 6**8
    assert "disconnected" in (view.completion.error or "")
    assert pg_served.alive()
    with psycopg.connect(pg_served.dsn(pg_served.request), autocommit=True) as con:
        assert len(con.execute("SELECT id, city FROM people").fetchall()) == 6


def test_backend_that_drops_fails_the_statement_and_the_server_goes_on(pg_served) -> None:
    from redactor.requestlog import open_log
    from tests.support.serve_client import RawClient, error_fields

    c = RawClient(
        pg_served.port, USER, PASSWORD, options=f"-c redactor.request={pg_served.request}"
    )
    c.query(  # 6**9 rows: far more than the server reads ahead (a few batches)
        "SELECT a.id, b.city, c.id AS c3, d.id AS d4, e.id AS e5, f.id AS f6, g.id AS g7, "
        "h.id AS h8, i.id AS i9 FROM people a, people b, people c, people d, people e, "
        "people f, people g, people h, people i"
    )
    for _ in range(100):
        assert c.read()[0] in (b"T", b"D")
    with psycopg.connect(pg_served.admin, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE usename = 'redactor_reader'"
        ).fetchone()
    assert killed and killed[0] >= 1
    states = []
    while True:
        kind, body = c.read()
        if kind == b"E":
            states.append(error_fields(body)["C"])
        if kind == b"Z":
            break
    c.close()
    assert states and states[0][:2] in ("57", "08"), states
    with open_log(pg_served.log, create=False) as log:
        view = log.requests()[-1]
    assert view.completion is not None and view.completion.status == "failed"
    assert (view.completion.rows_out or 0) >= 100
    with psycopg.connect(pg_served.dsn(pg_served.request), autocommit=True) as con:
        assert len(con.execute("SELECT id FROM people").fetchall()) == 6


def _reader_pids(admin: str) -> set[int]:
    with psycopg.connect(admin, autocommit=True) as con:
        rows = con.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = 'redactor_reader'"
        ).fetchall()
    return {r[0] for r in rows}


def test_a_session_reads_on_one_backend_connection_and_reconnects_once_when_dropped(
    pg_served,
) -> None:
    """One read-only backend connection per session, reused by its statements (each in its own
    read-only transaction); a connection the server dropped between statements is opened again
    once, and the statement runs."""
    before = _reader_pids(pg_served.admin)
    with psycopg.connect(pg_served.dsn(pg_served.request), autocommit=True) as con:
        assert len(con.execute("SELECT id FROM people").fetchall()) == 6
        first = _reader_pids(pg_served.admin) - before
        for _ in range(3):
            assert len(con.execute("SELECT id, city FROM people WHERE id > 2").fetchall()) == 4
        assert _reader_pids(pg_served.admin) - before == first
        assert len(first) == 1
        with psycopg.connect(pg_served.admin, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (next(iter(first)),))
        assert len(con.execute("SELECT id FROM people").fetchall()) == 6  # reconnected
        again = _reader_pids(pg_served.admin) - before
        assert len(again) == 1 and again != first
    with open_log_view(pg_served.log) as views:
        assert views[-1].completion is not None and views[-1].completion.status == "completed"


@contextlib.contextmanager
def open_log_view(log: Path):
    from redactor.requestlog import open_log

    with open_log(log, create=False) as lg:
        yield lg.requests()
