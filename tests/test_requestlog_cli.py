"""`redactor log list|show|verify`: filters, exit codes, and naming the tampered entry."""

from __future__ import annotations

import json
import sqlite3

import click
import pytest
from click.testing import CliRunner

from redactor.cli.log import log_group
from redactor.requestlog import Completion, RequestRecord, open_log


def run(*args: str, env: dict[str, str] | None = None):
    group = click.Group()
    group.add_command(log_group, "log")
    return CliRunner(env=env).invoke(group, ["log", *args], catch_exceptions=False)


@pytest.fixture
def log_path(tmp_path) -> tuple[str, list[str]]:
    path = str(tmp_path / "requests.sqlite3")
    rows = [
        ("2026-07-01T08:00:00Z", "refused", "ICE", ("civil_immigration_enforcement",), None),
        (
            "2026-07-15T08:00:00Z",
            "redacted",
            "CDLE",
            ("research", "benefits_administration"),
            "completed",
        ),
        ("2026-08-01T08:00:00Z", "released", "CDLE", ("research",), "failed"),
        ("2026-09-30T23:00:00Z", "released", "cdle", ("research",), None),
    ]
    ids = []
    with open_log(path) as log:
        for time, decision, agency, purposes, status in rows:
            rid = log.begin(
                RequestRecord(
                    command="sql", decision=decision, agency=agency, purposes=purposes, time=time
                )
            )
            if status:
                log.complete(
                    rid, Completion(status, error="disk full" if status == "failed" else None)
                )
            ids.append(rid)
    return path, ids


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([], [0, 1, 2, 3]),
        (["--agency", "CDLE"], [1, 2, 3]),
        (["--purpose", "research", "--from", "2026-07-15", "--to", "2026-08-01"], [1, 2]),
        (["--decision", "refused"], [0]),
        (["--status", "failed"], [2]),
        (["--outcome", "incomplete"], [3]),  # released by decision, never completed
        (["--outcome", "released"], []),
        (["--to", "2026-09-30"], [0, 1, 2, 3]),  # the whole last day counts
    ],
)
def test_list_filters(log_path, filters, expected):
    path, ids = log_path
    result = run("list", "--json", *filters, "--log", path)
    assert result.exit_code == 0, result.output
    assert [r["request_id"] for r in json.loads(result.stdout)] == [ids[i] for i in expected]


def test_list_reads_the_log_named_by_the_environment(log_path):
    path, ids = log_path
    result = run("list", env={"REDACTOR_LOG": path})
    assert result.exit_code == 0
    assert all(rid in result.stdout for rid in ids) and "incomplete" in result.stdout


def test_show_by_prefix_gives_both_entries(log_path):
    path, ids = log_path
    shown = json.loads(run("show", ids[2][:8], "--log", path).stdout)
    assert shown["request_id"] == ids[2] and shown["outcome"] == "failed"
    assert [e["kind"] for e in shown["entries"]] == ["request", "completion"]
    assert shown["entries"][1]["payload"]["error"] == "disk full"
    assert run("show", "ffffffff-0000", "--log", path).exit_code == 4


def test_verify_ok_then_sqlite3_shell_edit_fails_naming_the_entry(log_path):
    path, ids = log_path
    ok = run("verify", "--log", path)
    assert ok.exit_code == 0 and ok.stdout.startswith("ok: 6 entries verified; head seq 6 hash ")
    head = ok.stdout.split()[-1]

    # an insider with the sqlite3 shell: drop the guard, quietly turn a refusal into a release
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TRIGGER request_log_no_update; UPDATE request_log SET payload = "
        "replace(payload, '\"refused\"', '\"released\"') WHERE seq = 1;"
    )
    conn.close()
    bad = run("verify", "--log", path)
    assert bad.exit_code == 4 and bad.stdout == ""
    first_line = bad.stderr.splitlines()[0]
    assert f"entry seq 1 (request {ids[0]})" in first_line and "edited" in first_line
    assert "request_log_no_update was dropped" in bad.stderr
    assert "Traceback" not in bad.output

    # a recorded head hash that no longer matches is reported too
    assert (
        "expected head hash is not in the chain"
        in run("verify", "--expect-head", head, "--log", path).stderr
    )


def test_expect_head_catches_a_rewritten_tail(log_path):
    path, _ = log_path
    head = run("verify", "--log", path).stdout.split()[-1]
    assert run("verify", "--expect-head", head, "--log", path).exit_code == 0
    with open_log(path) as log:  # a later, legitimate append keeps the old head in the chain
        log.begin(RequestRecord(command="redact", decision="refused"))
    assert run("verify", "--expect-head", head, "--log", path).exit_code == 0
    assert run("verify", "--expect-head", "0" * 64, "--log", path).exit_code == 4


def test_reading_a_missing_log_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "nope.sqlite3"
    for args in (["list"], ["verify"], ["show", "abcd1234"]):
        result = run(*args, "--log", str(missing))
        assert result.exit_code == 4 and "no request log at" in result.stderr
    assert not missing.exists()
