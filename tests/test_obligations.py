"""Subject-notification obligations in the request log: due dates, `log pending`,
`log notified` (append-only entries), verification, old-log migration, and the report."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import click
import psycopg
import pytest
from click.testing import CliRunner

from redactor.cli.log import log_group, report_command
from redactor.errors import BadInputError
from redactor.policy import decide, load_pack
from redactor.request import Evidence, Request
from redactor.requestlog import RequestRecord, open_log
from redactor.requestlog.errors import LogUsageError
from redactor.requestlog.notices import (
    NoticeDue,
    Notification,
    NotifyDuty,
    add_business_days,
    received_day,
)
from redactor.requestlog.report import Period, report_from_log
from redactor.requestlog.report_text import render_markdown
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401  (fixtures)

ART3 = "judicial_warrant:26-MJ-0042;issuer=article_iii_judge;records=1"


# --- due dates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2026-07-03", 3, "2026-07-08"),  # Friday -> Wednesday
        ("2026-07-04", 3, "2026-07-08"),  # Saturday -> Wednesday
        ("2026-07-06", 3, "2026-07-09"),  # Monday -> Thursday
        ("2026-07-06", 0, "2026-07-06"),
    ],
)
def test_business_days_skip_weekends(start, n, due):
    assert add_business_days(date.fromisoformat(start), n) == date.fromisoformat(due)


def test_received_day_is_the_local_day_or_the_earliest_day_anywhere():
    # 02:30 UTC Tuesday is still Monday evening in New York
    assert received_day("2026-07-07T02:30:00Z", "America/New_York") == date(2026, 7, 6)
    assert received_day("2026-07-07T15:00:00Z", "America/New_York") == date(2026, 7, 7)
    # no zone: UTC-12, never later than any local day
    assert received_day("2026-07-07T11:59:00Z", None) == date(2026, 7, 6)
    assert received_day("2026-07-07T02:30:00Z", "Not/AZone") == date(2026, 7, 6)


def _notify_lines(pack: str, agency: str, evidence=()) -> tuple[str, ...]:
    req = Request(
        ("civil_immigration_enforcement",),
        agency=agency,
        evidence=tuple(Evidence.parse(e).accepted_by("R. Counsel") for e in evidence),
    )
    d = decide(req, [load_pack(pack)], record_limit_enforced=True)
    return tuple(o for o in d.obligations if "notify" in o)


@pytest.mark.parametrize(
    ("pack", "evidence", "days", "business"),
    [
        ("new-york-green-light", (), 3, False),
        ("illinois-6-110-3", (ART3,), 3, True),
        ("massachusetts-940cmr37", (ART3,), 3, True),
    ],
)
def test_decision_obligation_lines_parse_back(pack, evidence, days, business):
    (line,) = _notify_lines(pack, "ICE", evidence)
    duty = NotifyDuty.parse(line)
    assert duty is not None and duty.text() == line
    assert (duty.pack, duty.days, duty.business_days) == (pack, days, business)


def test_ny_due_date_counts_calendar_days_and_il_business_days():
    ny = NoticeDue.from_duty(
        NotifyDuty.parse(_notify_lines("new-york-green-light", "ICE")[0]), "2026-07-03T14:00:00Z"
    )  # Friday
    assert (ny.received, ny.due) == ("2026-07-03", "2026-07-06")  # Monday
    il = NoticeDue.from_duty(
        NotifyDuty.parse(_notify_lines("illinois-6-110-3", "ICE", (ART3,))[0]),
        "2026-07-03T14:00:00Z",
    )
    assert il.due == "2026-07-08"  # Wednesday


# --- the log ---------------------------------------------------------------------------------
def _record(
    pack: str = "new-york-green-light",
    time: str = "2026-07-03T14:00:00Z",
    evidence=(),
    agency: str = "ICE",
) -> RequestRecord:
    req = Request(
        ("civil_immigration_enforcement",),
        agency=agency,
        evidence=tuple(Evidence.parse(e).accepted_by("R. Counsel") for e in evidence),
    )
    d = decide(req, [load_pack(pack)], record_limit_enforced=True)
    return RequestRecord(
        command="redact",
        decision="refused" if d.refused else "released",
        agency=agency,
        purposes=req.purposes,
        evidence=tuple(e.to_log() for e in req.evidence),
        packs=tuple(lp.ref for lp in d.packs),
        reasons=d.reasons,
        exceptions_granted=d.exceptions_granted,
        obligations=d.obligations,
        restricted=d.restricted,
        time=time,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "requests.sqlite3")
    return request.getfixturevalue("pg_url")


def test_due_date_is_recorded_and_notifications_are_appended_not_updated(target):
    with open_log(target) as log:
        ny = log.begin(_record())
        il = log.begin(_record("illinois-6-110-3", evidence=(ART3,)))
        none = log.begin(_record("colorado-sb21-131"))
        stored = log.request_entries(ny)[0].payload_dict()["notices"]
        assert [(n["pack"], n["due"]) for n in stored] == [("new-york-green-light", "2026-07-06")]
        assert log.request_entries(il)[0].payload_dict()["evidence"][0]["attributes"] == {
            "issuer": "article_iii_judge",
            "records": "1",
        }

        states = {(o.request.request_id, o.state) for o in log.obligations(today=date(2026, 7, 7))}
        assert states == {(ny, "overdue"), (il, "due")}

        log.notify(
            ny,
            Notification("new-york-green-light", "made", "2026-07-07", reference="LTR-2026-0042"),
        )
        log.notify(
            il,
            Notification(
                "illinois-6-110-3",
                "suppressed",
                "2026-07-06",
                reason="court non-disclosure order 26-MC-3",
            ),
        )
        states = {(o.request.request_id, o.state) for o in log.obligations(today=date(2026, 7, 9))}
        assert states == {(ny, "late"), (il, "suppressed")}

        with pytest.raises(BadInputError, match="already has a notification"):
            log.notify(ny, Notification("new-york-green-light", "made", "2026-07-08"))
        with pytest.raises(BadInputError, match="no notification due"):
            log.notify(none, Notification("colorado-sb21-131", "made", "2026-07-08"))
        with pytest.raises(BadInputError, match="due under: illinois"):
            log.notify(il, Notification("new-york-green-light", "made", "2026-07-08"))
        with pytest.raises(BadInputError, match="before the request"):
            other = log.begin(_record())
            log.notify(other, Notification("new-york-green-light", "made", "2026-07-01"))
        with pytest.raises(LogUsageError, match="never logged"):
            log.store.append("notification", "no-such-request", '{"pack":"x"}')

        kinds = [e.kind for e in log.entries()]
        assert kinds.count("notification") == 2 and len(kinds) == 6
        assert log.verify().ok


def test_a_suppressed_notice_needs_its_ground():
    with pytest.raises(ValueError, match="needs the reason"):
        Notification("new-york-green-light", "suppressed", "2026-07-07")


def test_editing_a_notification_entry_is_detected(tmp_path):
    path = str(tmp_path / "log.sqlite3")
    with open_log(path) as log:
        rid = log.begin(_record())
        log.notify(rid, Notification("new-york-green-light", "made", "2026-07-04"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER request_log_no_update")
    conn.execute(
        "UPDATE request_log SET payload = replace(payload, '2026-07-04', '2026-07-03')"
        " WHERE kind = 'notification'"
    )
    conn.close()
    with open_log(path, create=False) as log:
        result = log.verify()
    assert not result.ok and result.first_bad.seq == 2
    assert "edited after logging" in result.first_bad.problem


OLD_SQLITE = (
    """CREATE TABLE request_log (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('request', 'completion')),
    request_id TEXT NOT NULL,
    time       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
    )""",
    "CREATE INDEX request_log_request_id ON request_log (request_id)",
    "CREATE TRIGGER request_log_no_update BEFORE UPDATE ON request_log BEGIN"
    " SELECT RAISE(ABORT, 'append-only'); END",
    "CREATE TRIGGER request_log_no_delete BEFORE DELETE ON request_log BEGIN"
    " SELECT RAISE(ABORT, 'append-only'); END",
)


def test_an_old_sqlite_log_is_read_as_is_and_upgraded_on_the_first_notification(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in OLD_SQLITE:
        conn.execute(stmt)
    conn.close()
    with open_log(str(path)) as log:
        rid = log.begin(_record())
        # an entry written before notices were stored: no "notices" key, derived on reading
        old = _record(time="2026-07-06T15:00:00Z").to_payload()
        del old["notices"]
        old["request_id"] = "0ld-request-0000"
        from redactor.requestlog.entry import canonical_json

        log.store.append("request", "0ld-request-0000", canonical_json(old))
        before = [(e.seq, e.hash) for e in log.entries()]
        assert {o.notice.due for o in log.obligations()} == {"2026-07-06", "2026-07-09"}
        log.notify(rid, Notification("new-york-green-light", "made", "2026-07-05"))
        after = [(e.seq, e.hash) for e in log.entries()]
        assert after[:2] == before and len(after) == 3
        assert log.verify().ok  # guards re-created, chain intact
    conn = sqlite3.connect(path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name='request_log'").fetchone()[0]
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    conn.close()
    assert "'notification'" in sql
    assert triggers == {"request_log_no_update", "request_log_no_delete"}


@pytest.mark.postgres
def test_an_old_postgres_log_is_upgraded_on_the_first_notification(pg_url):  # noqa: F811
    from redactor.requestlog.chain import KINDS_SQL
    from redactor.requestlog.store_postgres import SCHEMA_SQL

    old = SCHEMA_SQL.replace(
        "CONSTRAINT redactor_request_log_kind_check\n                   "
        f"CHECK (kind IN ({KINDS_SQL}))",
        "CHECK (kind IN ('request', 'completion'))",
    )
    assert old != SCHEMA_SQL
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(old)
    with open_log(pg_url) as log:
        rid = log.begin(_record())
        log.notify(rid, Notification("new-york-green-light", "made", "2026-07-05"))
        assert log.verify().ok
        assert [e.kind for e in log.entries()] == ["request", "notification"]


# --- report and CLI --------------------------------------------------------------------------
def _log_with_notices(path: str) -> dict[str, str]:
    with open_log(path) as log:
        ids = {
            "ny_on_time": log.begin(_record(time="2026-07-01T15:00:00Z")),
            "ny_missed": log.begin(_record(time="2026-07-02T15:00:00Z")),
            "il_due": log.begin(
                _record("illinois-6-110-3", time="2026-09-29T15:00:00Z", evidence=(ART3,))
            ),
            "co": log.begin(_record("colorado-sb21-131", time="2026-07-02T15:00:00Z")),
        }
        log.notify(
            ids["ny_on_time"],
            Notification("new-york-green-light", "made", "2026-07-03", reference="LTR-1"),
        )
    return ids


def test_report_has_notifications_made_and_missed_and_a_section_per_pack(tmp_path):
    path = str(tmp_path / "log.sqlite3")
    ids = _log_with_notices(path)
    with open_log(path, create=False) as log:
        rep = report_from_log(log, Period.quarter("2026Q3"), today=date(2026, 9, 30))
    states = {n.request_id: n.state for n in rep.notices}
    assert states == {
        ids["ny_on_time"]: "on_time",
        ids["ny_missed"]: "overdue",
        ids["il_due"]: "due",
    }
    assert rep.notices_missed == 1
    packs = {p.pack: p for p in rep.packs}
    assert set(packs) == {"new-york-green-light", "illinois-6-110-3", "colorado-sb21-131"}
    assert packs["new-york-green-light"].totals["refused"] == 2
    assert packs["new-york-green-light"].notices["overdue"] == 1
    assert packs["illinois-6-110-3"].exceptions[0].startswith(f"{ids['il_due']}: judicial_process")
    md = render_markdown(rep)
    assert "## Subject notifications" in md and "(**1 missed**)" in md
    assert "### colorado-sb21-131" in md and "Reporting duty: report every quarter" in md
    data = rep.to_dict()
    assert data["notifications"]["missed"] == 1 and len(data["packs"]) == 3


def _run(*args: str):
    group = click.Group()
    group.add_command(log_group, "log")
    group.add_command(report_command, "report")
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


def test_cli_pending_and_notified(tmp_path):
    path = str(tmp_path / "log.sqlite3")
    ids = _log_with_notices(path)
    r = _run("log", "pending", "--as-of", "2026-09-30", "--json", "--log", path)
    assert r.exit_code == 0
    assert {(x["request_id"], x["state"]) for x in json.loads(r.stdout)} == {
        (ids["ny_missed"], "overdue"),
        (ids["il_due"], "due"),
    }
    r = _run(
        "log",
        "notified",
        ids["il_due"][:8],
        "--on",
        "2026-09-30",
        "--ref",
        "IL-LTR-9",
        "--log",
        path,
    )
    assert r.exit_code == 0 and "notification made on 2026-09-30" in r.output
    r = _run("log", "pending", "--as-of", "2026-09-30", "--log", path)
    assert ids["ny_missed"] in r.output and ids["il_due"] not in r.output
    # the same notice twice: exit 4, the log unchanged
    r = _run("log", "notified", ids["il_due"], "--on", "2026-09-30", "--log", path)
    assert r.exit_code == 4 and "already has a notification" in r.output
    r = _run("log", "notified", ids["co"], "--log", path)
    assert r.exit_code == 4 and "no notification due" in r.output
    r = _run("log", "verify", "--log", path)
    assert r.exit_code == 0 and "ok: 6 entries verified" in r.output
    r = _run("report", "--quarter", "2026Q3", "--format", "json", "--log", path)
    assert json.loads(r.stdout)["notifications"]["totals"]["on_time"] == 2
