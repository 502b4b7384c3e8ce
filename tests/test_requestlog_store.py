"""The request log's stores, SQLite and PostgreSQL alike: no values in, append-only, tamper
evidence, 8 concurrent writers, and SIGKILL at any moment."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from redactor.requestlog import (
    Completion,
    RequestFilter,
    RequestRecord,
    open_log,
)
from redactor.requestlog.chain import entry_hash
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401  (fixtures)

SSN, NAME, PASSWORD = "123-45-6789", "Canaryname Zqxw", "s3cr3t-Canary-pw"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "log" / "requests.sqlite3")
    return request.getfixturevalue("pg_url")


def record(i: int = 0, **kw) -> RequestRecord:
    base = dict(
        command="redact",
        decision="redacted",
        requester="Officer Lee",
        agency="CDPS",
        purposes=("research",),
        category_actions={"ssn": "drop"},
        source="sample_data/dmv.csv",
        redactor_version="0.1.0",
    )
    return RequestRecord(**{**base, **kw, "agency": kw.get("agency", f"agency-{i % 3}")})


def raw_conn(target: str):
    """An insider's connection: the sqlite3 shell or psql, guards dropped first."""
    if "://" in target:
        conn = psycopg.connect(target, autocommit=True)
        conn.execute("DROP TRIGGER redactor_request_log_no_update_delete ON redactor_request_log")
        conn.execute("DROP TRIGGER redactor_request_log_no_truncate ON redactor_request_log")
        return conn, "redactor_request_log", "%s"
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("DROP TRIGGER request_log_no_update")
    conn.execute("DROP TRIGGER request_log_no_delete")
    return conn, "request_log", "?"


def test_values_never_reach_the_store(target):
    with open_log(target) as log:
        rid = log.begin(
            record(
                command="export",
                query=f"SELECT name FROM people WHERE ssn = '{SSN}' OR name IN ('{NAME}', 'x') "
                f"-- {SSN}",
                source=f"postgresql://reader:{PASSWORD}@db.example/dmv?password={PASSWORD}",
            )
        )
        log.complete(rid, Completion("completed", rows_in=3, rows_out=1, output="-"))
        view = log.requests()[0]
    assert view.record.query == "SELECT name FROM people WHERE ssn = ? OR name IN (?, ?)"
    assert view.record.source == "postgresql://reader:***@db.example/dmv?password=***"
    assert view.outcome == "redacted" and view.completion.rows_out == 1

    if "://" in target:
        with psycopg.connect(target) as conn:
            rows = conn.execute("SELECT t::text FROM redactor_request_log t").fetchall()
        stored = "\n".join(r[0] for r in rows)
    else:
        stored = b"".join(p.read_bytes() for p in Path(target).parent.iterdir()).decode(
            "utf-8", "replace"
        )
        assert oct(Path(target).stat().st_mode & 0o777) == "0o600"
    assert rid in stored  # the search below does look at the stored entries
    for canary in (SSN, NAME, PASSWORD):
        assert canary not in stored


def test_store_rejects_update_delete_truncate(target):
    with open_log(target) as log:
        log.begin(record())
    if "://" in target:
        with psycopg.connect(target, autocommit=True) as conn:
            for sql in (
                "UPDATE redactor_request_log SET payload = '{}'",
                "DELETE FROM redactor_request_log",
                "TRUNCATE redactor_request_log",
            ):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute(sql)
            assert conn.execute("SELECT count(*) FROM redactor_request_log").fetchone()[0] == 1
    else:
        conn = sqlite3.connect(target)
        for sql in ("UPDATE request_log SET payload = '{}'", "DELETE FROM request_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM request_log").fetchone()[0] == 1


def _fill(target: str, n: int = 4) -> list[str]:
    """n requests, each completed: entries seq 1..2n (request 2k-1, completion 2k)."""
    with open_log(target) as log:
        ids = []
        for i in range(n):
            rid = log.begin(record(i))
            log.complete(rid, Completion("completed", rows_out=i))
            ids.append(rid)
    return ids


def _edit(conn, t, ph):
    conn.execute(f"UPDATE {t} SET payload = replace(payload, 'agency-2', 'agency-X') WHERE seq = 5")


def _delete(conn, t, ph):
    conn.execute(f"DELETE FROM {t} WHERE seq = 4")


def _swap(conn, t, ph):
    rows = {
        s: r
        for s, *r in conn.execute(
            f"SELECT seq, kind, request_id, time, payload, prev_hash, hash FROM {t} "
            f"WHERE seq IN (3, 5)"
        ).fetchall()
    }
    conn.execute(f"UPDATE {t} SET hash = 'tmp' || hash WHERE seq IN (3, 5)")
    for seq, other in ((3, 5), (5, 3)):
        conn.execute(
            f"UPDATE {t} SET kind={ph}, request_id={ph}, time={ph}, payload={ph}, "
            f"prev_hash={ph}, hash={ph} WHERE seq = {ph}",
            (*rows[other], seq),
        )


def _insert(conn, t, ph):
    """A forger who knows the hash formula: renumbers the tail, slots a valid-looking entry."""
    for (seq,) in conn.execute(f"SELECT seq FROM {t} WHERE seq >= 5 ORDER BY seq DESC").fetchall():
        conn.execute(f"UPDATE {t} SET seq = seq + 1 WHERE seq = {ph}", (seq,))
    (prev,) = conn.execute(f"SELECT hash FROM {t} WHERE seq = 4").fetchone()
    payload = record(9, request_id="forged").to_payload()
    text = __import__("json").dumps(payload, sort_keys=True, separators=(",", ":"))
    when = "2026-01-01T00:00:00.000000Z"
    conn.execute(
        f"INSERT INTO {t} VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph}, {ph})",
        (
            5,
            "request",
            "forged",
            when,
            text,
            prev,
            entry_hash(prev, 5, "request", "forged", when, text),
        ),
    )


@pytest.mark.parametrize(
    ("tamper", "bad_seq", "intact_to", "words"),
    [
        (_edit, 5, 4, "edited"),
        (_delete, 5, 3, "seq 4 deleted"),
        (_swap, 3, 2, "does not link"),
        (_insert, 6, 5, "does not link"),
    ],
)
def test_verify_names_the_first_bad_entry(target, tamper, bad_seq, intact_to, words):
    ids = _fill(target)
    with open_log(target, create=False) as log:
        assert log.verify().ok
    conn, table, ph = raw_conn(target)
    tamper(conn, table, ph)
    conn.close()
    with open_log(target, create=False) as log:
        result = log.verify()
    assert not result.ok
    assert result.first_bad.seq == bad_seq and words in result.first_bad.problem
    # every tampering above leaves the entry written as seq 5 (request of ids[2]) first in line
    assert result.first_bad.request_id == ids[2]
    assert result.head_seq == intact_to  # the chain is trustworthy up to here
    assert any("guard missing" in p for p in result.guard_problems)


def test_tail_truncation_needs_the_recorded_head(target):
    _fill(target)
    with open_log(target, create=False) as log:
        head = log.verify().head_hash
    conn, table, _ = raw_conn(target)
    conn.execute(f"DELETE FROM {table} WHERE seq >= 7")
    conn.close()
    with open_log(target, create=False) as log:
        alone = log.verify()
        against_head = log.verify(expect_head=head)
    assert alone.first_bad is None and alone.entries == 6  # the documented limit
    assert not against_head.ok and against_head.expected_head_found is False


# -- 8 writers at once ---------------------------------------------------------------------
WRITERS, PER_WRITER = 8, 200


def _writer(target: str, worker: int, start) -> None:
    with open_log(target) as log:
        start.wait()
        for i in range(PER_WRITER):
            rid = log.begin(record(i, requester=f"w{worker}"))
            log.complete(rid, Completion("completed", rows_out=i))


@pytest.mark.slow
def test_eight_concurrent_writers_one_valid_chain(target):
    open_log(target).close()  # schema first, so the race is on appends
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(target, w, start)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=240)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    with open_log(target, create=False) as log:
        result = log.verify()
        views = log.requests()
    assert result.ok, result.problems()
    assert result.entries == 2 * WRITERS * PER_WRITER
    assert len(views) == WRITERS * PER_WRITER
    assert {v.outcome for v in views} == {"redacted"}


# -- SIGKILL ---------------------------------------------------------------------------------
_CHILD = textwrap.dedent("""
    import sys, time
    from redactor.requestlog import open_log, RequestRecord, Completion
    log = open_log(sys.argv[1])
    rid = log.begin(RequestRecord(command="redact", decision="released", agency="CDOT"))
    print(rid, flush=True)
    if sys.argv[2] == "hang":
        time.sleep(60)
    while True:
        log.complete(rid, Completion("completed", rows_out=1))
        rid = log.begin(RequestRecord(command="redact", decision="released", agency="CDOT"))
""")


def _child(target: str, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, target, mode], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def test_sigkill_between_begin_and_complete_shows_incomplete(target):
    child = _child(target, "hang")
    rid = child.stdout.readline().strip()
    child.send_signal(signal.SIGKILL)
    child.wait()
    with open_log(target, create=False) as log:
        assert log.verify().ok
        (view,) = log.requests()
        assert view.request_id == rid and view.outcome == "incomplete"
        assert log.requests(RequestFilter(outcome="released")) == []


def test_sigkill_mid_append_leaves_a_chain_that_verifies_and_extends(target):
    for kill_after in (0.3, 0.45, 0.6):
        child = _child(target, "loop")
        child.stdout.readline()
        time.sleep(kill_after)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    with open_log(target) as log:
        before = log.verify()
        rid = log.begin(record())  # no lock left behind
        log.complete(rid, Completion("failed", error="disk full"))
        after = log.verify()
        views = log.requests()
    assert before.ok and before.entries > 10
    assert after.ok and after.entries == before.entries + 2
    assert views[-1].outcome == "failed"
    assert sum(v.outcome == "incomplete" for v in views) <= 3


@pytest.mark.postgres
def test_postgres_writer_that_does_not_own_the_table(pg_url):  # noqa: F811  (fixture)
    """The role setup from docs/request-log.md: the writer appends, but cannot drop a guard."""
    from redactor.requestlog.store_postgres import SCHEMA_SQL

    suffix = pg_url.split("/")[3].split("?")[0]
    owner, writer = f"log_owner_{suffix}", f"log_writer_{suffix}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} NOLOGIN")
        admin.execute(f"CREATE ROLE {writer} LOGIN")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {owner}")
        admin.execute(f"SET ROLE {owner}")
        admin.execute(SCHEMA_SQL)
        admin.execute("RESET ROLE")
        admin.execute(f"GRANT SELECT, INSERT ON redactor_request_log TO {writer}")
    writer_url = pg_url.replace("postgresql://postgres@", f"postgresql://{writer}@")
    with open_log(writer_url) as log:
        rid = log.begin(record())
        log.complete(rid, Completion("completed"))
        assert log.verify().ok
    with psycopg.connect(writer_url, autocommit=True) as conn:
        for sql in (
            "DROP TRIGGER redactor_request_log_no_update_delete ON redactor_request_log",
            "ALTER TABLE redactor_request_log DISABLE TRIGGER ALL",
            "DELETE FROM redactor_request_log",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
