""" "Only the records specifically requested" (Illinois, Massachusetts): an order that names N
records lifts the rule only for an export of at most N records, enforced while streaming."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log

IL = [
    "--policy",
    "illinois-6-110-3",
    "--agency",
    "ICE",
    "--purpose",
    "civil_immigration_enforcement",
]
WARRANT = "judicial_warrant:1:26-mj-42;issuer=article_iii_judge;records={n}"


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(
        "FRST_NM,SOC_SEC_NO,county_cd\nZed,078-05-1121,001\nQuinn,219-09-9999,002\n"
        "Ava,321-54-9876,003\n"
    )
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: ssn\n      county_cd: none\n"
    )
    return src, m


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reviewed(records: int) -> str:
    """An Illinois request whose warrant naming ``records`` records a reviewer accepted."""
    r = run(
        "request",
        "open",
        *IL,
        "--requester",
        "ERO Chicago",
        "--evidence",
        WARRANT.format(n=records),
    )
    assert r.exit_code == 0, r.stderr
    rid = r.stdout.strip()
    r = run(
        "request", "review", rid, "--reviewer", "R. Counsel", "--accept", WARRANT.format(n=records)
    )
    assert r.exit_code == 0, r.stderr
    return rid


def test_order_naming_as_many_records_as_exported_releases_them(dataset, tmp_path, log_path):
    src, m = dataset
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), "--map", str(m), "--request", reviewed(3))
    assert r.exit_code == 0, r.stderr
    assert "219-09-9999" in out.read_text()  # lifted: the named records are released


def test_export_larger_than_the_order_is_refused_and_nothing_is_written(
    dataset, tmp_path, log_path
):
    src, m = dataset
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), "--map", str(m), "--request", reviewed(2))
    assert r.exit_code == 3, r.stderr
    assert "covers only 2 record" in r.stderr
    assert not out.exists()
    assert list(tmp_path.glob(".out.csv*")) == []
    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        assert [v.outcome for v in log.requests()] == ["failed"]


def test_the_same_order_typed_on_the_command_line_is_only_a_claim(dataset, tmp_path):
    src, m = dataset
    out = tmp_path / "out.csv"
    r = run(
        "redact", str(src), "-o", str(out), "--map", str(m), *IL, "--evidence", WARRANT.format(n=3)
    )
    assert r.exit_code == 0, r.stderr
    body = out.read_text()
    assert "219-09-9999" not in body and "Quinn" not in body
    assert "not reviewed" in r.stderr


def test_order_without_a_record_count_does_not_lift_the_rule(dataset, tmp_path):
    src, m = dataset
    out = tmp_path / "out.csv"
    r = run(
        "redact",
        str(src),
        "-o",
        str(out),
        "--map",
        str(m),
        *IL,
        "--evidence",
        "judicial_warrant:1:26-mj-42;issuer=article_iii_judge",
    )
    assert r.exit_code == 0, r.stderr
    body = out.read_text()
    assert "078-05-1121" not in body and "Zed" not in body
    assert "records=N" in r.stderr or "records" in r.stderr
