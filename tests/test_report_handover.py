"""A report an officer can hand over (issue 20 #7): who it is from and who signs, a plain-language
summary computed from the log, short ids with the full ones in an appendix, long rule text as
footnotes, operator errors listed but never counted, the report options' vocabulary, and no
protected value in any format (a canary run through the real CLI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import Completion, RequestRecord, open_log
from redactor.requestlog.report_document import short_ids

OFFICIAL = "Officer Canary Quill"
LONG_RULE = (
    "colorado-sb21-131/no_immigration_enforcement: C.R.S. 24-74-103 forbids disclosure for "
    "civil immigration enforcement"
)
REVIEWED = {
    "kind": "court_order",
    "reference": "26-1",
    "issuer": "state_court",
    "status": "accepted",
    "reviewer": "Sgt. B. Reviewer",
}
IMM = {"immigration_request": True, "restricted": True}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def add(log, time: str, decision: str, agency: str, purposes, *, done=None, **kw) -> str:
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
    log.complete(rid, done or Completion("completed", rows_in=4, rows_out=4))
    return rid


@pytest.fixture
def quarter(tmp_path) -> tuple[str, dict[str, str]]:
    path = str(tmp_path / "q.sqlite3")
    with open_log(path) as log:
        ids = {
            "refused": add(
                log,
                "2026-07-02T10:00:00Z",
                "refused",
                "ICE ERO",
                ("civil_immigration_enforcement",),
                reasons=(LONG_RULE,),
                **IMM,
            ),
            # ICE asking "for research": immigration enforcement implied by who asks
            "implied": add(
                log,
                "2026-07-03T10:00:00Z",
                "redacted",
                "ICE",
                ("research",),
                category_actions={"ssn": "drop", "name": "drop"},
                **IMM,
            ),
            "court": add(
                log,
                "2026-08-04T10:00:00Z",
                "released",
                "HSI",
                ("criminal_immigration_enforcement",),
                categories_lifted=("name",),
                exceptions_granted=("colorado-sb21-131/judicial_process: court_order:26-1",),
                evidence=[REVIEWED],
                category_actions={"name": "release"},
                **IMM,
            ),
            "routine": add(
                log,
                "2026-08-05T10:00:00Z",
                "redacted",
                "CDLE",
                ("research",),
                immigration_request=False,
            ),
            # a typo: the file could not be read, nothing was read or released
            "typo": add(
                log,
                "2026-09-06T10:00:00Z",
                "redacted",
                "ICE",
                ("civil_immigration_enforcement",),
                done=Completion(
                    "failed", rows_in=0, error="/srv/in/drivers.cvs: no such file or directory"
                ),
                **IMM,
            ),
        }
    return path, ids


def _json(path: str, *extra: str) -> dict:
    r = run("report", "--quarter", "2026Q3", "--output-format", "json", "--log", path, *extra)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_summary_is_computed_from_the_log_and_typos_are_not_counted(quarter):
    path, ids = quarter
    rep = _json(path)
    assert rep["summary"] == [
        "4 requests were logged from 2026-07-01 to 2026-09-30: 1 released in full, "
        "2 released with protected fields withheld, and 1 refused.",
        "3 requests stated or implied immigration enforcement (2 stated it as a purpose and "
        "1 came from an agency a rule restricts because of who asks): 1 released in full, "
        "1 released with protected fields withheld, and 1 refused.",
        "1 released identity data (name), under an exception resting on evidence a reviewer "
        "accepted.",
        "1 exception was used, reviewed by Sgt. B. Reviewer.",
        "1 run stopped on an operator error before reading any record (a wrong file, table "
        "or column, an unreadable input); it is listed separately and not counted.",
        "The attestation can be signed.",
    ]
    assert rep["total"] == 4 and rep["totals"]["failed"] == 0
    assert sum(r["requests"] for r in rep["rows"]) == 4
    assert [e["request_id"] for e in rep["operator_errors"]] == [ids["typo"]]
    assert rep["operator_errors"][0]["note"] == "[path]: no such file or directory"
    assert rep["immigration"]["by_month"]["2026-09"] == dict.fromkeys(
        ("released", "redacted", "refused", "failed", "incomplete"), 0
    )
    assert rep["agencies"][0] == {
        "agency": "U.S. Immigration and Customs Enforcement (ICE)",
        "requests": 3,
        "immigration": 3,
    }
    assert rep["exceptions_by_kind"] == {"judicial_process": 1}


def test_none_released_and_a_withheld_attestation_are_said_plainly(tmp_path):
    path = str(tmp_path / "q.sqlite3")
    with open_log(path) as log:
        add(
            log, "2026-07-02T10:00:00Z", "refused", "ICE", ("civil_immigration_enforcement",), **IMM
        )
    assert "None released identity data." in _json(path)["summary"]
    with open_log(path) as log:  # a release resting on a claim
        add(
            log,
            "2026-07-03T10:00:00Z",
            "released",
            "ICE",
            ("civil_immigration_enforcement",),
            categories_lifted=("name",),
            exceptions_granted=("x/judicial_process: c:1",),
            evidence=[{**REVIEWED, "status": "claimed", "reviewer": None}],
            **IMM,
        )
    summary = _json(path)["summary"]
    assert "1 request released identity data without a lawful exception" in summary[2]
    assert "1 with no review recorded" in summary[3]
    assert summary[-1].startswith("The attestation is withheld")


def test_markdown_has_the_signature_block_short_ids_appendix_and_footnotes(quarter):
    path, ids = quarter
    r = run(
        "report",
        "--quarter",
        "2026Q3",
        "--log",
        path,
        "-o",
        "-",
        "--agency-name",
        "Colorado Department of Revenue",
        "--preparer",
        "J. Doe",
        "--attest-name",
        "A. Officer",
        "--attest-title",
        "Chief Compliance Officer",
    )
    assert r.exit_code == 0 and r.stderr == ""
    md = r.stdout
    assert md.startswith("# Colorado Department of Revenue: request report 2026Q3")
    assert "- **Prepared by:** J. Doe" in md
    assert "Attested by: A. Officer" in md and "Title: Chief Compliance Officer" in md
    assert md.index("## Summary") < md.index("## Attestation") < md.index("## At a glance")
    # every full id once, in the appendix; the tables show 8 characters
    appendix = md[md.index("## Appendix: request ids") :]
    for key in ("refused", "court", "typo"):
        full = ids[key]
        assert md.count(full) == 1 and full in appendix
        assert f"| `{full[:8]}` |" in md[: md.index("## Appendix")]
    # the long rule text: a footnote marker in the table, the text once under Notes
    assert md.count(LONG_RULE) == 1
    (n,) = re.findall(r"\[\^(\d+)\]: " + re.escape(LONG_RULE), md)
    refused = md[md.index("## Refused requests") : md.index("## Failed or incomplete")]
    assert f"[^{n}]" in refused
    typo = md[md.index("## Operator errors (not counted)") : md.index("## Subject notif")]
    assert f"`{ids['typo'][:8]}`" in typo and "drivers.cvs" not in md
    assert OFFICIAL not in md


def test_short_ids_grow_until_they_differ():
    a, b = "abcdef12-0000-4000-8000-000000000001", "abcdef12-0000-4000-8000-000000000002"
    c = "ffff0000-1111-4000-8000-000000000000"
    assert short_ids([a, b, c]) == {a: a, b: b, c: "ffff0000"}
    d = "abcdef123-x"
    assert short_ids([a, d]) == {a: "abcdef12-", d: "abcdef123"}


def test_missing_names_are_warned_about_even_when_quiet(quarter):
    path, _ = quarter
    r = run("report", "--quarter", "2026Q3", "--log", path, "-q")
    assert r.exit_code == 0
    assert "warning: no --agency-name or --preparer" in r.stderr
    assert "(not given): pass --agency-name" in r.stdout
    assert "Attested by: ______" in r.stdout
    r = run("report", "--quarter", "2026Q3", "--log", path, "--preparer", "x\x07y")
    assert r.exit_code == 2 and "one line" in r.stderr


@pytest.mark.parametrize("name", ["q3.txt", "q3", "q3.md.bak"])
def test_an_unknown_extension_is_a_usage_error(quarter, tmp_path, name):
    path, _ = quarter
    out = tmp_path / name
    r = run("report", "--quarter", "2026Q3", "--log", path, "-o", str(out))
    assert r.exit_code == 2 and "cannot tell the report format" in r.stderr
    assert ".md, .markdown, .html" in r.stderr and "--output-format" in r.stderr
    assert not out.exists()
    r = run("report", "--quarter", "2026Q3", "--log", path, "-o", str(out), "--output-format", "md")
    assert r.exit_code == 0 and out.read_text().startswith("# Request report 2026Q3")


def test_an_extension_that_names_another_format_is_a_usage_error(quarter, tmp_path):
    path, _ = quarter
    out = tmp_path / "q3.html"
    r = run(
        "report", "--quarter", "2026Q3", "--log", path, "-o", str(out), "--output-format", "json"
    )
    assert r.exit_code == 2 and "names a html file but --output-format is json" in r.stderr
    assert not out.exists()


def test_output_format_vocabulary_and_the_old_spelling(quarter, tmp_path):
    path, _ = quarter
    new = run("report", "--quarter", "2026Q3", "--output-format", "csv", "--log", path)
    old = run("report", "--quarter", "2026Q3", "--format", "csv", "--log", path)
    assert new.exit_code == old.exit_code == 0 and new.stdout == old.stdout
    assert "deprecated" in old.stderr and "--output-format" in old.stderr
    r = run(
        "report", "--quarter", "2026Q3", "--format", "csv", "--output-format", "json", "--log", path
    )
    assert r.exit_code == 2 and "disagree" in r.stderr
    out = tmp_path / "q3.json"
    r = run("report", "--quarter", "2026Q3", "--log", path, "-o", str(out))
    assert r.exit_code == 0 and "written to" in r.stderr and json.loads(out.read_text())
    r = run("report", "--quarter", "2026Q3", "--log", path, "-o", str(out), "--quiet")
    assert r.exit_code == 0 and r.stderr == ""
    h = run("report", "--help").stdout
    assert "--output-format [md|html|pdf|csv|json]" in h and "(DEPRECATED" in h
    for opt in ("--agency-name", "--preparer", "--attest-name", "--attest-title", "-q, --quiet"):
        assert opt in h
    assert "redactor report --quarter 2026Q3 -o q3.pdf" in h


# -- no protected value in any report ------------------------------------------------------
SSN, ALIEN, FIRST = "078-05-1121", "A123456789", "Quillonia"
CANARIES = (SSN, SSN.replace("-", ""), ALIEN, FIRST, "maria_garcia", OFFICIAL, "Zedekiah")


def test_no_protected_value_reaches_any_report(tmp_path, log_path):
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
        "      NOTES: free_text\n      LAWFUL: immigration_status\n      county_cd: none\n"
    )
    good = tmp_path / "in.csv"
    good.write_text(
        f"FRST_NM,SOC_SEC_NO,NOTES,LAWFUL,county_cd\n{FIRST},{SSN},case {ALIEN},N,001\n"
        "Zedekiah,219-09-9999,none,Y,002\n"
    )
    # a file whose name holds values and whose second row is not UTF-8: fails before output
    bad = tmp_path / f"maria_garcia_{SSN}.csv"
    bad.write_bytes(
        b"FRST_NM,SOC_SEC_NO,NOTES,LAWFUL,county_cd\nZed,1,x,N,001\nQu\xffinn,3,y,Y,2\n"
    )
    base = ("--map", str(m), "--table", "t", "-q", "--requester", OFFICIAL)
    ice = ("--purpose", "civil_immigration_enforcement", "--agency", "ICE")
    assert run("redact", str(good), "-o", str(tmp_path / "a.csv"), *base, *ice).exit_code == 0
    r = run(
        "redact",
        str(good),
        "-o",
        str(tmp_path / "b.csv"),
        *base,
        "--purpose",
        "research",
        "--agency",
        "CDLE",
    )
    assert r.exit_code == 0, r.output
    assert run("redact", str(bad), "-o", str(tmp_path / "c.csv"), *base, *ice).exit_code == 4
    listed = json.loads(run("log", "list", "--json").stdout)
    assert len(listed) == 3
    assert SSN in (tmp_path / "b.csv").read_text()  # the canary is real data that was released
    for fmt in ("md", "html", "csv", "json"):
        r = run(
            "report",
            "--quarter",
            _this_quarter(),
            "--output-format",
            fmt,
            "--agency-name",
            "Colorado DMV",
            "--preparer",
            "J. Doe",
        )
        assert r.exit_code == 0, r.output
        found = [c for c in CANARIES if c.casefold() in r.stdout.casefold()]
        assert found == [], (fmt, found)
    rep = json.loads(run("report", "--quarter", _this_quarter(), "--output-format", "json").stdout)
    assert rep["total"] == 2 and len(rep["operator_errors"]) == 1
    assert "not UTF-8" in rep["operator_errors"][0]["note"]


def _this_quarter() -> str:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def test_report_files_are_written_whole(quarter, tmp_path):
    path, _ = quarter
    out = tmp_path / "q3.html"
    r = run(
        "report",
        "--quarter",
        "2026Q3",
        "--log",
        path,
        "-o",
        str(out),
        "-q",
        "--agency-name",
        "A",
        "--preparer",
        "B",
    )
    assert r.exit_code == 0 and out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in Path(tmp_path).iterdir() if p.name.endswith(".tmp")] == []
    html = out.read_text()
    assert html.count('<figure id="chart-') == 3 and "<script" not in html
    assert 'http-equiv="Content-Security-Policy"' in html
