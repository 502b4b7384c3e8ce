"""`redactor serve` with real clients (psycopg/libpq, psql, a raw v3 client) against a real
server process over DuckDB canary data: the same guard and masks as export, every statement in
the request log under the login user, and faults that close one connection only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from redactor.requestlog import open_log
from tests.support.serve_client import RawClient, error_fields
from tests.support.serve_harness import PASSWORD, USER, add_user, open_request, redactor, serve
from tests.test_sql_canary import CANARY_MAP, canaries, duckdb_db, leaked


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("serve")
    url = duckdb_db(tmp / "canary.duckdb")
    with serve(url, CANARY_MAP, tmp) as s:
        s.request = open_request(s.log)  # type: ignore[attr-defined]
        yield s


def _entries(served) -> list:
    with open_log(served.log, create=False) as log:
        return log.requests()


def test_users_file_holds_only_salted_verifiers(tmp_path: Path) -> None:
    from redactor.serve.users import add_user as add_in_process

    users = tmp_path / "users.txt"
    add_user(users, "alice", "correct horse")  # the command
    add_in_process(users, "bob", "correct horse")
    text = users.read_text()
    assert "correct horse" not in text
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert [ln.split()[0] for ln in lines] == ["alice", "bob"]
    assert all(ln.split()[1].startswith("SCRAM-SHA-256$4096:") for ln in lines)
    assert lines[0].split()[1] != lines[1].split()[1]  # salted: same password, other verifier
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    again = redactor(
        "users", "add", "alice", "--users", str(users), "--password-stdin", stdin="x\n"
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    argv = redactor("users", "add", "carol", "--users", str(users))
    assert argv.returncode == 2 and "--password-stdin" in argv.stderr


def test_login_needs_the_password(served) -> None:
    with pytest.raises(psycopg.OperationalError) as err:
        psycopg.connect(served.dsn(password="wrong"), connect_timeout=10)
    assert "password authentication failed" in str(err.value)
    with pytest.raises(psycopg.OperationalError) as err:
        psycopg.connect(served.dsn(user="nobody"), connect_timeout=10)
    assert "password authentication failed" in str(err.value)  # no user enumeration


def test_unbound_session_refuses_data_until_bound(served) -> None:
    with psycopg.connect(served.dsn(), autocommit=True) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            con.execute("SELECT id FROM people")
        assert "redactor.request" in str(err.value)
        con.execute(f"SET redactor.request = '{served.request}'")
        assert con.execute("SELECT id FROM people ORDER BY id").fetchall()[0] == (1,)
        assert con.execute("SHOW redactor.request").fetchone() == (served.request,)


def test_protected_values_never_reach_the_client(served) -> None:
    secrets = canaries()
    with psycopg.connect(served.dsn(served.request)) as con:  # libpq, extended protocol
        rows = con.execute("SELECT * FROM people").fetchall()
        names = [
            d.name
            for d in con.execute(
                "SELECT p.*, d.dname FROM people p JOIN depts d ON p.dept_id = d.id"
            ).description
        ]
        binary = (
            con.cursor(binary=True)
            .execute(
                "SELECT id, first_name, last_name, birth_date, dl_number, notes FROM people "
                "WHERE id > %s",
                (0,),
            )
            .fetchall()
        )
        text = con.execute(
            "SELECT first_name || ' ' || last_name AS n, UPPER(dl_number) AS d,"
            " COALESCE(ssn, itin, address) AS c FROM people"
        ).fetchall()
    assert len(rows) == 6 and len(binary) == 6 and len(text) == 6
    values = [v for r in rows + binary + text for v in r]
    assert not leaked(values + names, secrets)
    assert "ssn" not in names and "immigration_status" not in names  # dropped, as in export
    assert any(isinstance(v, str) and v.endswith("01QZ") for v in values)  # keep_last mask ran


REFUSED = [
    ("SELECT id FROM people WHERE ssn = 'CNRYSSN001Q'", "42501", "used in WHERE"),
    ("SELECT id FROM people ORDER BY immigration_status", "42501", "ORDER BY"),
    ("SELECT * FROM crcsa", "42501", "sensitive"),
    ("SELECT id FROM people; SELECT 1", "42501", "2 statements"),
    ("DELETE FROM people", "42501", "DELETE is refused"),
    ("COPY people TO STDOUT", "42501", "COPY is refused"),
    ("SELECT * FROM pg_catalog.pg_stats", "42501", "statistics"),
    ("SELECT p.id FROM people p, pg_class c", "42501", "both the catalog and the tables"),
    ("BEGIN READ WRITE", "42501", "read-only"),
    ("SAVEPOINT a", "42501", "SAVEPOINT is refused"),
    ("SELECT FROM WHERE ((", "42601", ""),
]


@pytest.mark.parametrize(("sql", "state", "why"), REFUSED, ids=[r[0][:30] for r in REFUSED])
def test_refusals_over_the_wire(served, sql: str, state: str, why: str) -> None:
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        with pytest.raises(psycopg.Error) as err:
            con.execute(sql, prepare=False) if "CNRY" in sql else con.execute(sql.encode())
        assert err.value.sqlstate == state, str(err.value)
        assert why in str(err.value)
        assert "CNRY" not in str(err.value).upper()
        assert con.execute("SELECT 1 AS one").fetchone() == (1,)  # the session goes on


def test_parameters_are_checked_as_literals(served) -> None:
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            con.execute("SELECT id FROM people WHERE ssn = %s", ("CNRYSSN001Q",))
        assert "WHERE" in str(err.value) and "CNRY" not in str(err.value)
        cur = con.execute("SELECT id, city FROM people WHERE id = %s AND city = %s", (2, "City0"))
        assert cur.fetchall() == [(2, "City0")]
        # the same statement prepared on the server, executed again with other values
        for i in (1, 3, 5):
            got = con.execute("SELECT id FROM people WHERE id = %s", (i,), prepare=True)
            assert got.fetchall() == [(i,)]


def test_new_parameter_values_get_what_their_literals_get(served) -> None:
    """A prepared statement run with new values (its rewrite reused, redactor/serve/reuse.py)
    returns what the same statement with the values written in returns, logs one entry per
    value with no value in it, and is refused for every value where the literal is."""
    before = len(_entries(served))
    sql = "SELECT id, dl_number, birth_date FROM people WHERE id = {} AND city <> {}"
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        for i in range(1, 7):
            odd = f"CNRYQ'{i}\\ --"
            inline = sql.format(i, "'" + odd.replace("'", "''") + "'")
            want = con.execute(inline).fetchall()
            for prepare in (False, True):
                got = con.execute(sql.format("%s", "%s"), (i, odd), prepare=prepare).fetchall()
                assert got == want and len(want) == 1 and got[0][0] == i
        for i in range(3):
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
                con.execute("SELECT id FROM people WHERE ssn = %s", (f"CNRYSSN00{i}Q",))
            assert "WHERE" in str(err.value) and "CNRY" not in str(err.value)
    new = _entries(served)[before:]
    assert len(new) == 6 * 3 + 3
    assert [e.outcome for e in new[-3:]] == ["refused"] * 3
    assert all(e.completion is not None and e.completion.rows_out == 1 for e in new[:-3])
    assert "CNRY" not in served.log.read_bytes().decode("utf-8", "replace").upper()
    v = redactor("log", "verify", "--log", str(served.log))
    assert v.returncode == 0, v.stdout + v.stderr


def test_psql_browses_the_view_and_gets_masked_rows(served) -> None:
    r = subprocess.run(
        [
            "psql",
            served.dsn(served.request),
            "-X",
            "-A",
            "-t",
            "-c",
            r"\dt",
            "-c",
            "SELECT id, dl_number, notes FROM people ORDER BY id LIMIT 2",
            "-c",
            "SELECT version()",
            "-c",
            "SHOW TimeZone",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    tables = [ln.split("|")[1] for ln in lines if ln.startswith("public|")]
    assert tables == ["depts", "orders", "people"]  # crcsa is sensitive; nothing unmapped
    assert "1|*******01QZ|called [NAME] at home" in lines or any(
        ln.startswith("1|*******01QZ|") for ln in lines
    )
    assert not leaked([r.stdout], canaries())
    assert any("redactor serve" in ln for ln in lines) and "UTC" in lines


def test_catalog_probes_see_only_the_view(served) -> None:
    r = subprocess.run(
        ["psql", served.dsn(served.request), "-X", "-c", r"\d people", "-c", r"\d crcsa"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 'Table "public.people"' in r.stdout, r.stdout + r.stderr
    assert "dl_number" in r.stdout and "integer" in r.stdout
    for hidden in ("ssn", "immigration_status", "secret_col"):
        assert hidden not in r.stdout  # dropped under this decision, or unmapped
    assert 'Did not find any relation named "crcsa"' in r.stderr
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        names = {
            n
            for (n,) in con.execute(
                "SELECT relname FROM pg_catalog.pg_class WHERE "
                "relkind = 'r' AND relnamespace = (SELECT oid FROM "
                "pg_catalog.pg_namespace WHERE nspname = 'public')"
            )
        }
        assert names == {"people", "depts", "orders"}
        assert con.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'people'"
        ).fetchone() == (0.0,)  # no row count
        settings = dict(con.execute("SELECT name, setting FROM pg_catalog.pg_settings"))
        assert settings["server_version"] == "15.0" and not any(
            "/" in v for v in settings.values()
        )  # nothing of the host
        for probe in (
            "SELECT * FROM pg_catalog.pg_class, duckdb_settings()",
            "SELECT * FROM pg_catalog.pg_class, read_csv('/etc/passwd')",
            "SELECT current_setting('home_directory')",
        ):
            with pytest.raises(psycopg.Error) as err:
                con.execute(probe)
            assert err.value.sqlstate in ("0A000", "42501", "42704"), probe


def test_every_statement_is_logged_with_the_login(served) -> None:
    before = len(_entries(served))
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        con.execute("SELECT id, city FROM people").fetchall()
        with pytest.raises(psycopg.Error):
            con.execute("SELECT id FROM people WHERE ssn = 'CNRYSSN002Q'")
    new = _entries(served)[before:]
    assert [v.outcome for v in new] == ["redacted", "refused"] or [v.outcome for v in new] == [
        "released",
        "refused",
    ]
    with open_log(served.log, create=False) as log:
        payloads = [json.loads(e.payload) for e in log.entries() if e.kind == "request"][-2:]
    assert all(p["login_user"] == USER and p["opened_request"] == served.request for p in payloads)
    assert "CNRY" not in json.dumps(payloads)
    done = new[0].completion
    assert done is not None and done.rows_out == 6 and len(done.output_sha256 or "") == 64
    v = redactor("log", "verify", "--log", str(served.log))
    assert v.returncode == 0, v.stdout + v.stderr


#: Issue 19: "8 concurrent clients for a minute"; REDACTOR_SOAK_SECONDS shortens it locally.
SOAK_SECONDS = float(os.environ.get("REDACTOR_SOAK_SECONDS", "60"))


def test_concurrent_clients_lose_no_entry(served) -> None:
    """Eight clients issue statements for a minute: every statement is one request entry,
    none lost or duplicated, each completed, and the log's chain verifies."""
    before = len(_entries(served))
    errors: list[BaseException] = []
    sent = [0] * 8
    deadline = time.monotonic() + SOAK_SECONDS

    def client(n: int) -> None:
        try:
            with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
                i = 0
                while i < 5 or time.monotonic() < deadline:
                    rows = con.execute(
                        "SELECT id, city FROM people WHERE id >= %s", (1 + (n + i) % 3,)
                    ).fetchall()
                    assert len(rows) >= 4
                    sent[n] += 1
                    i += 1
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SOAK_SECONDS + 120)
    assert not errors, errors
    total = sum(sent)
    new = _entries(served)[before:]
    assert total >= 40 and len(new) == total, (total, len(new))
    assert len({v.request_id for v in new}) == total
    assert all(v.completion is not None and v.completion.status == "completed" for v in new)
    v = redactor("log", "verify", "--log", str(served.log))
    assert v.returncode == 0, v.stdout + v.stderr
    print(f"{total} statements from 8 clients in {SOAK_SECONDS:.0f} s, all logged once")


def test_malformed_and_oversized_messages_close_only_that_connection(served) -> None:
    bad = RawClient(served.port, USER, PASSWORD)
    bad.send(b"\x07", b"junk")
    kind, body = bad.read()
    assert kind == b"E" and error_fields(body)["C"] == "08P01"
    bad.close()
    big = RawClient(served.port, USER, PASSWORD)
    big.sock.sendall(b"Q" + struct.pack("!i", 1 << 30))
    kind, body = big.read()
    assert kind == b"E" and error_fields(body)["C"] == "54000"
    big.close()
    junk = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    junk.sendall(b"\xff" * 64)
    junk.close()
    with psycopg.connect(served.dsn(served.request), autocommit=True) as con:
        assert con.execute("SELECT 1 AS one").fetchone() == (1,)
    assert served.alive()


def test_function_call_and_copy_messages_are_refused(served) -> None:
    c = RawClient(served.port, USER, PASSWORD, options=f"-c redactor.request={served.request}")
    c.send(b"F", struct.pack("!i", 1234) + b"\0\0\0\0\0\0\0\0")
    kind, body = c.read()
    assert kind == b"E" and error_fields(body)["C"] == "42501"
    c.close()


def test_disconnect_mid_result_completes_the_entry_as_failed(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "big.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS id, 'x' || range AS note FROM range(200000)")
    con.close()
    fmap = {"name": "big", "tables": {"t": {"columns": {"id": "none", "note": "none"}}}}
    with serve(f"duckdb:///{path}", fmap, tmp_path / "srv") as s:
        rid = open_request(s.log)
        c = RawClient(s.port, USER, PASSWORD, options=f"-c redactor.request={rid}")
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.query("SELECT id, note FROM t")
        rows = 0
        while rows < 100:
            kind, _ = c.read()
            rows += kind == b"D"
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # reset: the server's next write fails

        def failed() -> bool:
            with open_log(s.log, create=False) as log:
                views = log.requests()
            return bool(views) and views[-1].completion is not None

        deadline = time.monotonic() + 30
        while not failed() and time.monotonic() < deadline:
            time.sleep(0.1)
        with open_log(s.log, create=False) as log:
            view = log.requests()[-1]
        assert view.completion is not None and view.completion.status == "failed"
        assert 100 <= (view.completion.rows_out or 0) < 200000
        assert "disconnected" in (view.completion.error or "")
        assert s.alive()
        # a cancel stops the statement (57014); its entry is completed as failed
        c = RawClient(s.port, USER, PASSWORD, options=f"-c redactor.request={rid}")
        c.query("SELECT id, note FROM t")
        kinds: list[bytes] = []
        while len(kinds) < 50:
            kinds.append(c.read()[0])
        c.cancel(s.port)
        while True:
            kind, body = c.read()
            if kind == b"E":
                assert error_fields(body)["C"] == "57014"
            if kind == b"Z":
                break
            kinds.append(kind)
        assert b"C" not in kinds  # it did not run to its end
        c.close()
        with open_log(s.log, create=False) as log:
            view = log.requests()[-1]
        assert view.completion is not None and view.completion.status == "failed"


def test_connection_limit_and_idle_timeout(tmp_path: Path) -> None:
    url = duckdb_db(tmp_path / "c.duckdb")
    with serve(
        url, CANARY_MAP, tmp_path / "srv", "--max-connections", "2", "--idle-timeout", "1"
    ) as s:
        rid = open_request(s.log)
        a = psycopg.connect(s.dsn(rid), autocommit=True)
        b = psycopg.connect(s.dsn(), autocommit=True)
        with pytest.raises(psycopg.OperationalError) as err:
            psycopg.connect(s.dsn(), connect_timeout=10)
        assert "too many clients" in str(err.value)
        time.sleep(1.6)
        with pytest.raises(psycopg.OperationalError):
            a.execute("SELECT 1")  # closed by the idle timeout
        b.close()
        with psycopg.connect(s.dsn(rid), autocommit=True) as c:
            assert c.execute("SELECT 1 AS one").fetchone() == (1,)


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is needed to make a cert")
def test_tls_only_when_a_certificate_is_given(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    url = duckdb_db(tmp_path / "c.duckdb")
    with serve(
        url, CANARY_MAP, tmp_path / "srv", "--tls-cert", str(cert), "--tls-key", str(key)
    ) as s:
        rid = open_request(s.log)
        dsn = s.dsn(rid).replace("sslmode=disable", "sslmode=require")
        with psycopg.connect(dsn) as con:
            assert con.info.pgconn.ssl_in_use
            assert len(con.execute("SELECT id FROM people").fetchall()) == 6
        with pytest.raises(psycopg.OperationalError) as err:
            psycopg.connect(s.dsn(rid), connect_timeout=10)
        assert "TLS" in str(err.value)


def test_request_option_must_name_an_opened_request(served) -> None:
    with pytest.raises(psycopg.OperationalError) as err:
        psycopg.connect(served.dsn("no-such-request"), connect_timeout=10)
    assert "cannot bind" in str(err.value)
    assert os.environ.get("REDACTOR_LOG") != str(served.log)
