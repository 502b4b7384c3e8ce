"""`--json` documents (docs/json.md): `redact --dry-run --json`, `export --dry-run/--explain
--json` (redactor.plan/1) and `scan --json` (redactor.scan/1). Each action says where it came
from (pack default, map override, redactor's fail-closed rule); no data value is in a plan."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.cli import cli

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
CANARIES = ("Zed", "078-05-1121", "q-canary-9")
PLAN_KEYS = {
    "schema",
    "command",
    "status",
    "decision",
    "columns",
    "query",
    "warnings",
    "rows_out",
    "request_id",
    "error",
}
COLUMN_KEYS = {
    "name",
    "category",
    "action",
    "withheld",
    "origin",
    "action_from",
    "confidence",
    "reason",
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,SOC_SEC_NO,county_cd,mystery\nZed,078-05-1121,001,q-canary-9\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: s\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: {category: ssn, action: mask}\n      county_cd: none\n"
    )
    return src, m


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_redact_dry_run_json_attributes_every_action(files):
    src, m = files
    r = run("redact", str(src), "--map", str(m), "--table", "t", *CIVIL, "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == PLAN_KEYS
    assert (doc["schema"], doc["command"], doc["status"]) == (
        "redactor.plan/1",
        "redact",
        "dry-run",
    )
    assert doc["decision"]["outcome"] == "restricted" and doc["decision"]["reasons"]
    cols = {c["name"]: c for c in doc["columns"]}
    assert all(set(c) == COLUMN_KEYS for c in cols.values())
    assert (cols["FRST_NM"]["action"], cols["FRST_NM"]["action_from"]) == ("drop", "pack")
    assert (cols["SOC_SEC_NO"]["action"], cols["SOC_SEC_NO"]["action_from"]) == ("mask", "map")
    assert "field map override" in cols["SOC_SEC_NO"]["reason"]
    assert "pack default" in cols["FRST_NM"]["reason"]
    assert (cols["county_cd"]["action"], cols["county_cd"]["withheld"]) == ("release", False)
    assert (cols["mystery"]["origin"], cols["mystery"]["action_from"]) == ("unknown", "redactor")
    for v in CANARIES:
        assert v not in r.stdout
    assert "mystery" in r.stderr  # the warning is still on stderr


def test_json_without_dry_run_is_a_usage_error(files):
    src, m = files
    r = run("redact", str(src), "--map", str(m), "--table", "t", *CIVIL, "--json")
    assert r.exit_code == 2
    assert "--dry-run" in r.stderr and r.stdout == ""


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "a.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE drivers (FRST_NM TEXT, SOC_SEC_NO TEXT, county_cd TEXT)")
    con.execute("INSERT INTO drivers VALUES ('Zed', '078-05-1121', '001')")
    con.commit()
    con.close()
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: s\ntables:\n  drivers:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: {category: ssn, action: mask}\n      county_cd: none\n"
    )
    return path, m


def export(db: tuple[Path, Path], *args: str):
    path, m = db
    argv = ["export", "--db", f"sqlite:///{path}", "SELECT * FROM drivers", "--map", str(m)]
    argv += [*CIVIL, "--log", str(path.with_name("l.sqlite3")), *args]
    return run(*argv)


def test_export_dry_run_json(db):
    r = export(db, "-o", "-", "--output-format", "csv", "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["schema"], doc["command"], doc["status"]) == (
        "redactor.plan/1",
        "export",
        "dry-run",
    )
    outs = {o["name"]: o for o in doc["query"]["outputs"]}
    assert outs["SOC_SEC_NO"]["state"] == "masked"
    assert (outs["SOC_SEC_NO"]["action"], outs["SOC_SEC_NO"]["action_from"]) == ("mask", "map")
    assert outs["FRST_NM"]["action_from"] == "pack"
    assert outs["county_cd"]["state"] == "released"
    assert {c["name"] for c in doc["columns"]} >= {"SOC_SEC_NO", "county_cd"}
    for v in CANARIES[:2]:
        assert v not in r.stdout


def test_a_refused_query_still_prints_a_document(db):
    path, m = db
    argv = ["export", "--db", f"sqlite:///{path}", "--map", str(m), *CIVIL, "--dry-run", "--json"]
    argv += ["SELECT county_cd FROM drivers WHERE SOC_SEC_NO = '078-05-1121'", "-o", "x.csv"]
    r = run(*argv)
    assert r.exit_code == 3, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "refused" and doc["error"] and "SOC_SEC_NO" in doc["error"]
    assert "078-05-1121" not in r.stdout + r.stderr


def test_export_explain_json_with_a_file_output(db, tmp_path):
    out = tmp_path / "o.parquet"
    r = export(db, "-o", str(out), "--explain", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "redacted" and doc["rows_out"] == 1 and doc["request_id"]
    assert pq.read_table(out).column("county_cd").to_pylist() == ["001"]


def test_export_explain_json_cannot_share_stdout_with_data(db):
    r = export(db, "-o", "-", "--output-format", "csv", "--explain", "--json")
    assert r.exit_code == 2 and r.stdout == ""


def test_scan_json(files):
    src, _ = files
    r = run("scan", str(src), "--table", "t", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "redactor.scan/1"
    cols = {c["name"]: c for c in doc["columns"]}
    assert cols["SOC_SEC_NO"]["category"] == "ssn" and cols["SOC_SEC_NO"]["flagged"] is True
    assert set(cols["county_cd"]) == {
        "name",
        "category",
        "confidence",
        "flagged",
        "clear",
        "review",
        "evidence",
    }
    assert "tables:" in doc["field_map"]


def test_csv_to_parquet_keeps_text_as_text(tmp_path):
    """Leading zeros, dates and numbers-looking codes come out as the same strings."""
    src = tmp_path / "in.csv"
    src.write_text("county_cd,issued,amount\n007,2026-01-02,0012.50\n010,01/02/2026,1e3\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: s\ntables:\n  t:\n    columns:\n      county_cd: none\n      issued: none\n"
        "      amount: none\n"
    )
    out = tmp_path / "out.parquet"
    r = run(
        "redact",
        str(src),
        "-o",
        str(out),
        "--map",
        str(m),
        "--table",
        "t",
        *CIVIL,
        "-q",
        "--log",
        str(tmp_path / "l.sqlite3"),
    )
    assert r.exit_code == 0, r.stderr
    t = pq.read_table(out)
    assert {str(f.type) for f in t.schema} == {"string"}
    assert t.to_pydict() == {
        "county_cd": ["007", "010"],
        "issued": ["2026-01-02", "01/02/2026"],
        "amount": ["0012.50", "1e3"],
    }
