"""`redactor report`: the quarter's requests counted right, the attestation computed from the
log, no personal data. (The HTML page in a real browser: tests/test_report_browser.py.)"""

from __future__ import annotations

import json
import sqlite3

import click
import pytest
from click.testing import CliRunner

from redactor.cli.log import log_group, report_command
from redactor.requestlog import Completion, RequestRecord, open_log

OFFICIAL = "Officer Canary Quill"  # a requester name: must not appear in any report


def cli() -> click.Group:
    group = click.Group()
    group.add_command(log_group, "log")
    group.add_command(report_command, "report")
    return group


def run(*args: str):
    return CliRunner().invoke(cli(), list(args), catch_exceptions=False)


def add(
    log,
    time: str,
    decision: str,
    agency: str,
    purposes: tuple[str, ...],
    *,
    status: str | None = "completed",
    **kw,
) -> str:
    rid = log.begin(
        RequestRecord(
            command="redact",
            decision=decision,
            agency=agency,
            purposes=purposes,
            requester=OFFICIAL,
            time=time,
            **kw,
        )
    )
    if status:
        log.complete(
            rid,
            Completion(status, rows_out=5, error="write failed" if status == "failed" else None),
        )
    return rid


@pytest.fixture
def log_path(tmp_path) -> str:
    """The new user's three requests in 2026Q3, plus one just outside the quarter."""
    path = str(tmp_path / "requests.sqlite3")
    with open_log(path) as log:
        add(
            log,
            "2026-07-02T15:00:00Z",
            "refused",
            "ICE ERO",
            ("civil_immigration_enforcement",),
            reasons=("co-sb21-131: civil immigration enforcement is a prohibited purpose",),
            category_actions={"ssn": "refuse"},
        )
        add(
            log,
            "2026-08-10T09:30:00Z",
            "redacted",
            "CDLE",
            ("research",),
            category_actions={"ssn": "drop", "name": "mask", "none": "release"},
        )
        add(
            log,
            "2026-09-30T23:59:59Z",
            "released",
            "HSI",
            ("criminal_immigration_enforcement",),
            category_actions={"name": "release", "ssn": "release"},
            exceptions_granted=("court_order",),
            evidence=[{"kind": "court_order", "reference": "1:26-cr-00042", "issuer": "D. Colo."}],
        )
        add(log, "2026-10-01T00:00:00Z", "released", "CDOT", ("internal_operations",))
    return path


ICE = "U.S. Immigration and Customs Enforcement (ICE)"  # the report's canonical agency


def test_quarter_counts_three_requests_and_attests(log_path):
    result = run("report", "--quarter", "2026Q3", "--format", "json", "--log", log_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == 3  # 2026-10-01T00:00Z belongs to Q4
    assert report["totals"] == {
        "released": 1,
        "redacted": 1,
        "refused": 1,
        "failed": 0,
        "incomplete": 0,
    }
    assert [(r["agency"], r["purposes"], r["outcome"], r["requests"]) for r in report["rows"]] == [
        ("CDLE", "research", "redacted", 1),
        (ICE, "civil_immigration_enforcement", "refused", 1),
        (ICE, "criminal_immigration_enforcement", "released", 1),
    ]
    assert [r["names"] for r in report["rows"]] == ["CDLE", "ICE ERO", "HSI"]
    assert [(e["agency"], e["exceptions"], e["evidence"]) for e in report["exceptions"]] == [
        (ICE, ["court_order"], ["court_order: 1:26-cr-00042"])
    ]
    assert [r["agency"] for r in report["refused"]] == [ICE]
    assert report["by_month"]["2026-09"]["released"] == 1
    assert report["attested"] is True and report["violations"] == []

    for fmt in ("md", "csv", "html", "json"):
        out = run("report", "--quarter", "2026q3", "--format", fmt, "--log", log_path).stdout
        assert OFFICIAL not in out and "ICE ERO" in out
    md = run("report", "--quarter", "2026Q3", "--log", log_path).stdout
    assert f"| {ICE} | HSI | criminal_immigration_enforcement | released | 1 |" in md
    assert "No request logged from 2026-07-01 to 2026-09-30 was granted" in md


def test_attestation_withheld_names_the_requests_that_prevent_it(log_path):
    with open_log(log_path) as log:
        bad = add(
            log,
            "2026-08-01T10:00:00Z",
            "redacted",
            "ICE",
            ("civil_immigration_enforcement",),
            category_actions={"address": "release", "ssn": "drop"},
        )
        no_evidence = add(
            log,
            "2026-08-02T10:00:00Z",
            "released",
            "ICE",
            ("civil_immigration_enforcement",),
            exceptions_granted=("court_order",),
            category_actions={"name": "release"},
        )
        crashed = add(
            log,
            "2026-08-03T10:00:00Z",
            "released",
            "ICE",
            ("criminal_immigration_enforcement",),
            status=None,
        )
        # not violations: nothing protected released; failed (no output); restriction not
        # triggered by the pack even though a purpose name matches
        add(
            log,
            "2026-08-04T10:00:00Z",
            "redacted",
            "ICE",
            ("civil_immigration_enforcement",),
            category_actions={"none": "release", "ssn": "drop"},
        )
        add(
            log,
            "2026-08-05T10:00:00Z",
            "released",
            "ICE",
            ("civil_immigration_enforcement",),
            status="failed",
        )
        add(
            log,
            "2026-08-06T10:00:00Z",
            "released",
            "DMV",
            ("civil_immigration_enforcement",),
            restricted=False,
        )
    report = json.loads(
        run(
            "report",
            "--from",
            "2026-07-01",
            "--to",
            "2026-09-30",
            "--format",
            "json",
            "--log",
            log_path,
        ).stdout
    )
    assert report["attested"] is False
    assert report["attestation"].startswith("ATTESTATION WITHHELD: 3 request(s)")
    found = {v["request_id"]: (v["released_categories"], v["note"]) for v in report["violations"]}
    assert found == {
        bad: (
            ["address"],
            "protected categories released under a restricted purpose with no exception",
        ),
        no_evidence: (["name"], "exception granted but no evidence recorded"),
        crashed: (
            ["(all fields)"],
            "protected categories released under a restricted purpose with no exception",
        ),
    }
    assert report["totals"]["incomplete"] == 1 and report["totals"]["failed"] == 1


def test_report_refuses_a_tampered_log_and_writes_nothing(log_path, tmp_path):
    conn = sqlite3.connect(log_path)
    conn.execute("DROP TRIGGER request_log_no_update")
    conn.execute(
        "UPDATE request_log SET payload = replace(payload, '\"refused\"', '\"released\"')"
        " WHERE seq = 1"
    )
    conn.commit()
    conn.close()
    out = tmp_path / "q3.md"
    result = run("report", "--quarter", "2026Q3", "-o", str(out), "--log", log_path)
    assert result.exit_code == 4
    assert "fails verification" in result.stderr and "entry seq 1" in result.stderr
    assert not out.exists()


def test_output_file_is_whole_private_and_format_follows_extension(log_path, tmp_path):
    out = tmp_path / "q3.csv"
    out.write_text("old")
    result = run("report", "--quarter", "2026Q3", "-o", str(out), "--log", log_path)
    assert result.exit_code == 0 and result.stdout == ""
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text().splitlines() == [
        "period,agency,stated_purposes,outcome,requests,names_as_given",
        "2026Q3,CDLE,research,redacted,1,CDLE",
        # every name of ICE is counted under ICE, the names as given kept beside it
        "2026Q3,U.S. Immigration and Customs Enforcement (ICE),civil_immigration_enforcement,"
        "refused,1,ICE ERO",
        "2026Q3,U.S. Immigration and Customs Enforcement (ICE),criminal_immigration_enforcement,"
        "released,1,HSI",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "args", [[], ["--quarter", "2026Q5"], ["--quarter", "2026Q3", "--from", "2026-07-01"]]
)
def test_period_usage_errors_exit_2(log_path, args):
    result = run("report", *args, "--log", log_path)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_attestation_rests_on_what_the_law_restricts_and_on_reviewed_evidence(log_path):
    """Records that say whether the law restricted the request (issue 14 part 5)."""
    court = {"kind": "court_order", "reference": "26-1", "issuer": "state_court"}
    with open_log(log_path) as log:
        # an always-on status rule withheld status from the State Patrol: not restricted
        add(
            log,
            "2026-08-01T10:00:00Z",
            "redacted",
            "Colorado State Patrol",
            ("criminal_investigation",),
            restricted=True,
            immigration_request=False,
            category_actions={"name": "release", "immigration_status": "drop"},
        )
        # ICE, released on a reviewed court order: lawful
        add(
            log,
            "2026-08-02T10:00:00Z",
            "released",
            "ICE",
            ("civil_immigration_enforcement",),
            restricted=False,
            immigration_request=True,
            categories_lifted=("name",),
            exceptions_granted=("colorado-sb21-131/judicial_process: court_order:26-1",),
            evidence=[{**court, "status": "accepted", "reviewer": "Sgt. B. Reviewer"}],
            category_actions={"name": "release"},
        )
        # ICE, a triggered rule's protects released while nothing else was lifted: lawful
        add(
            log,
            "2026-08-03T10:00:00Z",
            "redacted",
            "ICE",
            ("research",),
            restricted=True,
            immigration_request=True,
            category_actions={"address": "release", "name": "drop"},
        )
    rep = json.loads(
        run("report", "--quarter", "2026Q3", "--format", "json", "--log", log_path).stdout
    )
    assert rep["attested"] is True, rep["violations"]
    with open_log(log_path) as log:
        # a release resting on a claim: the attestation is withheld and the reason says so
        bad = add(
            log,
            "2026-08-04T10:00:00Z",
            "released",
            "ICE",
            ("civil_immigration_enforcement",),
            restricted=False,
            immigration_request=True,
            categories_lifted=("name",),
            exceptions_granted=("x/judicial_process: court_order:26-1",),
            evidence=[{**court, "status": "claimed"}],
            category_actions={"name": "release"},
        )
    rep = json.loads(
        run("report", "--quarter", "2026Q3", "--format", "json", "--log", log_path).stdout
    )
    assert rep["attested"] is False
    assert [(v["request_id"], v["note"]) for v in rep["violations"]] == [
        (bad, "exception granted on evidence no reviewer accepted (a claim)")
    ]
    reviewed = [e for e in rep["exceptions"] if e["date"] == "2026-08-02"]
    assert [e["reviewers"] for e in reviewed] == [["Sgt. B. Reviewer"]]
