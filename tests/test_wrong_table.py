"""The wrong table is not a way out (issue 15, item 4): when the input's columns match another
table of the field map better than the one named with ``--table`` (above all a
``sensitive_table``), the request is refused (exit 3), naming the table it looks like. Before,
``--table drivers`` on the CRCSA applicants export planned it by the drivers table's rules and
released it (with the applicants' membership, which itself reveals status)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.errors import RefusedError
from redactor.fieldmap import parse_field_map
from redactor.plan import check_table_choice

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
DMV_MAP = ROOT / "field_maps" / "dmv.yaml"
CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
COURT = ["--purpose", "criminal_investigation", "--evidence", "court_order:2026CR1234",
         "--agency", "Denver Police Department"]  # fmt: skip


@pytest.mark.parametrize("decision", [CIVIL, COURT], ids=["civil", "court"])
def test_the_sensitive_table_under_another_name_is_refused(tmp_path: Path, decision) -> None:
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(
        cli,
        [
            "redact",
            str(SAMPLES / "crcsa_applicants.csv"),
            "-o",
            str(out),
            "--map",
            str(DMV_MAP),
            "--table",
            "drivers",
            *decision,
        ],
    )
    assert r.exit_code == 3, r.stderr
    first = r.stderr.strip().splitlines()[0]
    assert "crcsa_applicants" in first and "better than 'drivers'" in first, first
    assert "--table crcsa_applicants" in r.stderr
    assert not out.exists()


def test_the_right_table_still_runs(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(
        cli,
        [
            "redact",
            str(SAMPLES / "dmv_drivers.csv"),
            "-o",
            str(out),
            "--map",
            str(DMV_MAP),
            "--table",
            "drivers",
            "-q",
            *CIVIL,
        ],
    )
    assert r.exit_code == 0, r.stderr
    assert out.exists()


MAP = {
    "name": "m",
    "tables": {
        "people": {"columns": {"ssn": "ssn", "first": "name", "county": "none"}},
        "events": {"columns": {"event_id": "none", "county": "none", "kind": "none"}},
        "roster": {"sensitive_table": True,
                   "columns": {"first": "name", "visa_type": "immigration_status",
                               "county": "none"}},
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("named", "columns", "looks_like"),
    [
        ("events", ["ssn", "first", "county"], "people"),
        ("people", ["first", "visa_type", "county"], "roster"),
        ("events", ["first", "visa_type", "county", "kind"], "roster"),  # 3 against 2
        ("events", ["f\u200birst", "VISA_TYPE", "county"], "roster"),  # names as read
    ],
)
def test_a_better_match_is_refused_naming_it(named: str, columns: list[str], looks_like: str):
    fm = parse_field_map(MAP)
    with pytest.raises(RefusedError) as e:
        check_table_choice(fm.table(named), columns)
    assert repr(looks_like) in str(e.value)
    assert e.value.exit_code == 3


@pytest.mark.parametrize(
    ("named", "columns"),
    [
        ("people", ["ssn", "first", "county"]),
        ("events", ["event_id", "county", "kind", "first"]),  # 3 against at most 2
        ("people", ["county"]),  # a tie is not a better match
        ("people", ["other"]),
    ],
)
def test_the_best_or_an_equal_match_passes(named: str, columns: list[str]):
    check_table_choice(parse_field_map(MAP).table(named), columns)
