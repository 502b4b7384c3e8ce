"""Reviewed exceptions (issue 14 parts 3 and 5): open -> review -> run, hash-chained entries with
the OS user, documents by SHA-256 only, reviewer != requester, several runs per request, the
timeline, the report's reviewers and an attestation that only a forbidden release withholds."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401  (fixtures)

ORDER = "court_order:2026CR1234;issuer=state_court"
SECRET_DOC = b"In re Synthetic: order to produce the DMV record of Canary Quill, DOB 1970-01-01\n"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(
        "FRST_NM,SOC_SEC_NO,LAWFUL,county_cd\nZed,078-05-1121,N,001\n"
        "Quinn,219-09-9999,Y,002\nAva,321-54-9876,N,003\n"
    )
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: ssn\n      LAWFUL: immigration_status\n      county_cd: none\n"
    )
    return src, m


def open_request(
    *extra: str,
    agency="ICE ERO Denver",
    requester="Officer R. Requester",
    purpose="civil_immigration_enforcement",
) -> str:
    r = run(
        "request",
        "open",
        "--agency",
        agency,
        "--requester",
        requester,
        "--purpose",
        purpose,
        *extra,
    )
    assert r.exit_code == 0, r.stderr
    rid = r.stdout.strip()
    assert r.stdout == rid + "\n" and len(rid) == 36  # the id alone on stdout
    return rid


def redact(dataset, out: Path, *args: str):
    src, m = dataset
    return run("redact", str(src), "-o", str(out), "--map", str(m), "-q", *args)


def test_claim_lifts_nothing_review_lifts_it_and_every_step_is_chained(dataset, tmp_path, log_path):
    rid = open_request("--evidence", ORDER)
    claimed = tmp_path / "claimed.csv"
    assert redact(dataset, claimed, "--request", rid).exit_code == 0
    assert "078-05-1121" not in claimed.read_text()  # not reviewed: a claim, withheld

    doc = tmp_path / "order.pdf"
    doc.write_bytes(SECRET_DOC)
    r = run(
        "request",
        "review",
        rid[:8],
        "--reviewer",
        "Sgt. B. Reviewer",
        "--accept",
        "court_order:2026CR1234",
        "--document",
        str(doc),
        "--note",
        "checked",
    )
    assert r.exit_code == 0, r.stderr
    assert "released: name" in r.stderr  # the preview says what the review does

    outs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for out in outs:  # several exports under one request, each logged
        assert redact(dataset, out, "--request", rid).exit_code == 0
        assert "078-05-1121" in out.read_text()

    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        kinds = [e.kind for e in log.entries()]
        view = log.opened(rid)
    assert kinds == [
        "request_open",
        "request",
        "completion",
        "request_review",
        "request",
        "completion",
        "request",
        "completion",
    ]
    assert [r.outcome for r in view.runs] == ["redacted", "released", "released"]
    assert all(r.record.opened_request == rid and r.record.os_user for r in view.runs)
    assert view.opened.os_user and view.reviews[0].os_user
    granted = view.runs[-1].record.exceptions_granted
    assert granted and all("accepted by Sgt. B. Reviewer" in g for g in granted)
    # the document is stored by hash and size only, never its content or name
    raw = sqlite3.connect(log_path).execute("SELECT group_concat(payload) FROM request_log")
    text = raw.fetchone()[0]
    assert hashlib.sha256(SECRET_DOC).hexdigest() in text
    assert "Canary Quill" not in text and "order.pdf" not in text

    shown = run("request", "show", rid)
    assert shown.exit_code == 0
    for needle in (
        "opened by Officer R. Requester",
        "reviewed by Sgt. B. Reviewer",
        "accepted court_order:2026CR1234",
        "document sha256",
        "redact run",
        "released, 3 rows",
        "accepted by Sgt. B. Reviewer",
    ):
        assert needle in shown.stdout, needle
    js = json.loads(run("request", "show", rid, "--json").stdout)
    assert len(js["runs"]) == 3 and js["evidence"][0]["status"] == "accepted"
    assert js["opened"]["recipient"]["agency"] == "ICE"


def test_reviewer_who_is_the_requester_is_refused(log_path):
    rid = open_request("--evidence", ORDER, requester="J. Doe")
    for same in ("J. Doe", "j.  doe", "Doe, J."):
        r = run("request", "review", rid, "--reviewer", same, "--accept", "court_order:2026CR1234")
        assert r.exit_code == 3 and "is the requester" in r.stderr
    with open_log(log_path, create=False) as log:
        assert [e.kind for e in log.entries()] == ["request_open"]


def test_request_flags_are_refused_alongside_request(dataset, tmp_path, log_path):
    rid = open_request()
    for extra in (
        ["--agency", "Denver PD"],
        ["--purpose", "research"],
        ["--evidence", ORDER],
        ["--requester", "X"],
        ["--policy", "colorado-2020"],
    ):
        r = redact(dataset, tmp_path / "o.csv", "--request", rid, *extra)
        assert r.exit_code == 2 and "cannot be given with --request" in r.stderr, extra
    r = redact(dataset, tmp_path / "o.csv", "--request", "ffffffff-0000")
    assert r.exit_code == 4 and "no request" in r.stderr
    with open_log(log_path, create=False) as log:
        assert [e.kind for e in log.entries()] == ["request_open"]  # none of these logged


def test_review_rejects_administrative_and_immigration_judge_documents(dataset, tmp_path):
    rid = open_request(
        "--evidence",
        "subpoena:HSI-25-0042",
        "--evidence",
        "court_order:EOIR-1;issuer=immigration_judge",
    )
    r = run(
        "request",
        "review",
        rid,
        "--reviewer",
        "R. Counsel",
        "--accept",
        "subpoena:HSI-25-0042",
        "--accept",
        "court_order:EOIR-1",
    )
    assert r.exit_code == 0
    assert "HSI" in r.stderr and "administrative" in r.stderr and "NOT a court" in r.stderr
    out = tmp_path / "o.csv"
    assert redact(dataset, out, "--request", rid).exit_code == 0
    body = out.read_text()
    assert "078-05-1121" not in body and "Zed" not in body


def test_reviewed_order_caps_the_records_it_names(dataset, tmp_path, log_path):
    warrant = "judicial_warrant:1:26-mj-42;issuer=article_iii_judge;records={n}"
    for n, code in ((3, 0), (2, 3)):
        rid = open_request(
            "--evidence", warrant.format(n=n), "--policy", "illinois-6-110-3", agency="ICE"
        )
        run(
            "request",
            "review",
            rid,
            "--reviewer",
            "R. Counsel",
            "--accept",
            "judicial_warrant:1:26-mj-42",
        )
        out = tmp_path / f"o{n}.csv"
        r = redact(dataset, out, "--request", rid)
        assert r.exit_code == code, r.stderr
        assert out.exists() is (code == 0)
        if code:
            assert "covers only 2 record" in r.stderr


def test_a_reviewer_can_reject_and_the_attributes_accepted_are_the_reviewers(dataset, tmp_path):
    rid = open_request("--evidence", "court_order:26-1;issuer=article_iii_judge")
    # the reviewer reads the order: a state judge signed it (the reviewer's reading wins)
    run(
        "request",
        "review",
        rid,
        "--reviewer",
        "R. Counsel",
        "--accept",
        "court_order:26-1;issuer=state_judge",
    )
    js = json.loads(run("request", "show", rid, "--json").stdout)
    assert js["evidence"][0]["attributes"] == {"issuer": "state_judge"}
    run("request", "review", rid, "--reviewer", "Second Reviewer", "--reject", "court_order:26-1")
    js = json.loads(run("request", "show", rid, "--json").stdout)
    assert js["evidence"][0]["status"] == "rejected"
    out = tmp_path / "o.csv"
    assert redact(dataset, out, "--request", rid).exit_code == 0
    assert "078-05-1121" not in out.read_text()


def test_sql_takes_the_request_from_the_log(dataset, log_path):
    _, m = dataset
    rid = open_request()
    r = run("sql", "SELECT FRST_NM, county_cd FROM t", "--map", str(m), "--request", rid)
    assert r.exit_code == 0, r.stderr
    assert "CAST(NULL AS TEXT) AS frst_nm" in r.stdout  # ICE: the name is masked in the database
    with open_log(log_path, create=False) as log:
        (run_view,) = log.opened(rid).runs
    assert run_view.record.command == "sql" and run_view.record.opened_request == rid


def test_tampering_with_a_review_is_detected(log_path):
    rid = open_request("--evidence", ORDER)
    run(
        "request",
        "review",
        rid,
        "--reviewer",
        "Sgt. B. Reviewer",
        "--accept",
        "court_order:2026CR1234",
    )
    con = sqlite3.connect(log_path)
    rows = con.execute("SELECT sql FROM sqlite_master WHERE type='trigger'").fetchall()
    con.execute("DROP TRIGGER request_log_no_update")
    con.execute(
        "UPDATE request_log SET payload = replace(payload, 'Sgt. B. Reviewer', "
        "'Officer R. Requester') WHERE kind = 'request_review'"
    )
    con.commit()
    assert rows
    r = run("log", "verify", "--log", str(log_path))
    assert r.exit_code == 4 and "edited after logging" in r.stderr


# --- the attestation (part 5) ----------------------------------------------------------------
def _report(log_path) -> dict:
    from datetime import UTC, datetime

    q = f"{datetime.now(UTC).year}Q{(datetime.now(UTC).month - 1) // 3 + 1}"
    r = run("report", "--quarter", q, "--format", "json", "--log", str(log_path))
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_routine_state_patrol_request_keeps_the_attestation(dataset, tmp_path, log_path):
    r = redact(
        dataset,
        tmp_path / "o.csv",
        "--purpose",
        "criminal_investigation",
        "--agency",
        "Colorado State Patrol",
    )
    assert r.exit_code == 0
    rep = _report(log_path)
    assert rep["total"] == 1 and rep["attested"] is True, rep["violations"]


def test_report_lists_each_exception_with_its_reviewer_and_groups_ice(dataset, tmp_path, log_path):
    rid = open_request("--evidence", ORDER)
    run(
        "request",
        "review",
        rid,
        "--reviewer",
        "Sgt. B. Reviewer",
        "--accept",
        "court_order:2026CR1234",
    )
    assert redact(dataset, tmp_path / "a.csv", "--request", rid).exit_code == 0
    assert (
        redact(
            dataset,
            tmp_path / "b.csv",
            "--purpose",
            "research",
            "--agency",
            "U.S. Immigration & Customs Enforcement",
        ).exit_code
        == 0
    )
    rep = _report(log_path)
    assert rep["attested"] is True
    (ex,) = rep["exceptions"]
    assert ex["reviewers"] == ["Sgt. B. Reviewer"] and ex["opened_request"] == rid
    ice = [row for row in rep["rows"] if "(ICE)" in row["agency"]]
    assert sum(row["requests"] for row in ice) == 2  # "ICE ERO Denver" and the full name
    md = run("report", "--quarter", "2026Q4", "--log", str(log_path)).stdout
    assert "Sgt. B. Reviewer" in md


def test_usage_errors_before_a_decision_are_not_logged(dataset, tmp_path, log_path):
    for args in (
        ["--purpose", "curiosity", "--agency", "CDOT"],
        ["--purpose", "research"],
        ["--purpose", "research", "--agency", "CDOT", "--table", "nope"],
    ):
        assert redact(dataset, tmp_path / "o.csv", *args).exit_code in (2, 4)
    assert not log_path.exists()


# --- stores: old logs and PostgreSQL ---------------------------------------------------------
def _open_and_review(log) -> str:
    from redactor.requestlog.opened import OpenedRequest, Review

    rid = log.open_request(
        OpenedRequest(
            request_id="",
            agency="ICE",
            requester="A. Requester",
            purposes=("civil_immigration_enforcement",),
            evidence=({"kind": "court_order", "reference": "26-1"},),
            os_user="alice",
        )
    )
    log.review(
        rid,
        Review(
            reviewer="B. Reviewer",
            accepted=(
                {
                    "kind": "court_order",
                    "reference": "26-1",
                    "attributes": {"issuer": "state_court"},
                },
            ),
            os_user="bob",
        ),
    )
    return rid


def test_an_old_sqlite_log_is_upgraded_for_opened_requests(tmp_path):
    from tests.test_obligations import OLD_SQLITE

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in OLD_SQLITE:
        conn.execute(stmt)
    conn.close()
    with open_log(str(path)) as log:
        rid = _open_and_review(log)
        assert log.verify().ok
        assert log.opened(rid).evidence_states()[0].status == "accepted"
        assert not log.opened(rid).reviews[0].same_os_user


@pytest.mark.postgres
def test_opened_requests_and_reviews_on_postgres(pg_url):  # noqa: F811
    with open_log(pg_url) as log:
        rid = _open_and_review(log)
        assert log.verify().ok
        assert [e.kind for e in log.entries()] == ["request_open", "request_review"]
        assert log.opened(rid).reviews[0].reviewer == "B. Reviewer"


def test_opened_ids_and_run_ids_are_not_confused(dataset, tmp_path, log_path):
    rid = open_request()
    r = run("log", "show", rid, "--log", str(log_path))
    assert r.exit_code == 4 and f"redactor request show {rid}" in r.stderr
    assert redact(dataset, tmp_path / "o.csv", "--request", rid).exit_code == 0
    with open_log(log_path, create=False) as log:
        (run_id,) = [v.request_id for v in log.requests()]
    r = redact(dataset, tmp_path / "p.csv", "--request", run_id)
    assert r.exit_code == 4 and "not a request opened for review" in r.stderr
    assert run("log", "show", run_id, "--log", str(log_path)).exit_code == 0


def test_a_reviewers_note_is_scrubbed_before_it_is_logged(log_path):
    rid = open_request("--evidence", ORDER)
    r = run(
        "request",
        "review",
        rid,
        "--reviewer",
        "Sgt. B. Reviewer",
        "--accept",
        "court_order:2026CR1234",
        "--note",
        "subject SSN 078-05-1121 confirmed with clerk",
    )
    assert r.exit_code == 0, r.stderr
    text = (
        sqlite3.connect(log_path)
        .execute("SELECT payload FROM request_log WHERE kind = 'request_review'")
        .fetchone()[0]
    )
    assert "078-05-1121" not in text and "[SSN]" in text and "confirmed with clerk" in text
