"""`redactor redact --engine spark` on a local Spark session (local[2]): the Spark output equals
the single-machine output value for value, no canary reaches any file of the output directory
(or the manifest, the request log, Spark's event log), one request is logged with the executors'
row counts, and a withheld partition column is refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log
from tests.support.spark import (
    dmv_table,
    read_partitioned,
    spark,  # noqa: F401 - the session fixture
    with_values,
    write_partitioned,
)

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE", "--requester", "ERO"]

# Every masking action on the DMV columns; veh_count is left out so that detection runs on a
# sample, as it does on the local path.
MAP = """\
name: dmv-spark-test
tables:
  drivers:
    columns:
      record_id: none
      DL_NBR: {category: drivers_license, action: mask}
      LIC_CLASS_CD: status_proxy
      FRST_NM: {category: name, action: redact}
      MID_INIT: {category: name, action: "null"}
      lname: {category: name, action: hash}
      BIRTH_DT: {category: birth_date, action: generalize}
      SOC_SEC_NO: {category: ssn, action: hash}
      SSN_PRESENT_FLG: status_proxy
      RES_ADDR_LN1: {category: address, action: generalize, generalize_to: zip3}
      RES_CITY: {category: address, action: "null"}
      RES_ST: {category: address, action: generalize, generalize_to: state}
      ZIP5: {category: address, action: redact}
      Phone Number: {category: phone, action: mask, keep_last: 2}
      email_addr: email
      CNTRY_BIRTH: place_of_birth
      LAWFUL_PRES_IND: immigration_status
      SRC_DOC_TYP: status_proxy
      ISSUE_DT: none
      EXPR_DT: none
      county_cd: none
      PLATE_NO: none
      CUST_NOTES: {category: free_text, action: scrub}
"""

# Protected values planted in the data; none may reach any output byte.
CANARIES = {
    3: {
        "FRST_NM": "Qzcanaryfirst",
        "lname": "Qzcanarylast",
        "SOC_SEC_NO": "531-86-2204",
        "DL_NBR": "QZCANARY77DL0001",
        "RES_ADDR_LN1": "77 Qzcanary Way, Denver, CO 80211",
        "email_addr": "qzcanary@example.org",
        "SRC_DOC_TYP": "QZCANARY FOREIGN PASSPORT",
        "CUST_NOTES": "Called re SSN 531-86-2204 and DL QZ7654321",
    },
    1500: {
        "MID_INIT": "Qzcanarymid",
        "RES_CITY": "Qzcanaryville",
        "ZIP5": "80299",
        "LAWFUL_PRES_IND": "QZCANARYSTATUS",
        "CNTRY_BIRTH": "QZCANARYLAND",
        "Phone Number": "(303) 555-0999",
        "lname": "Qzcanaryother",
    },
}
SEARCHED = [
    v
    for row in CANARIES.values()
    for k, v in row.items()
    if k not in ("CUST_NOTES", "ZIP5", "Phone Number")
] + ["531-86-2204", "QZ7654321"]
ROWS = 3_000


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lake")
    table = with_values(dmv_table(ROWS), CANARIES)
    table = table.set_column(
        table.schema.get_field_index("BIRTH_DT"),
        "BIRTH_DT",
        pc.if_else(pc.equal(table["record_id"], 4), dt.date(1901, 2, 3), table["BIRTH_DT"]),
    )
    (root / "map.yaml").write_text(MAP)
    # the single-machine reference reads the same rows as one file (partition column last, as
    # Spark orders it)
    names = [n for n in table.column_names if n != "county_cd"] + ["county_cd"]
    pq.write_table(table.select(names), root / "drivers.parquet")
    return {
        "root": root,
        "by_county": write_partitioned(table, root / "by_county", ["county_cd"]),
        "by_class": write_partitioned(table, root / "by_class", ["LIC_CLASS_CD"]),
        "map": root / "map.yaml",
    }


def files_under(path: Path) -> list[Path]:
    return [Path(d, n) for d, _, ns in os.walk(path) for n in ns]


def test_spark_output_equals_local_and_no_canary_anywhere(
    spark,  # noqa: F811
    dataset,
    tmp_path: Path,
    key_file: Path,
    log_path: Path,
):
    out = tmp_path / "ice_drivers"
    common = ["--map", str(dataset["map"]), "--table", "drivers", *CIVIL]
    r = run("redact", "--engine", "spark", str(dataset["by_county"]), "-o", str(out), *common)
    assert r.exit_code == 0, r.stderr
    assert f"wrote {ROWS} rows to {out}" in r.stderr
    local_out = tmp_path / "local.parquet"
    r = run(
        "redact",
        str(dataset["root"] / "drivers.parquet"),
        "-o",
        str(local_out),
        *common,
        "--log",
        str(tmp_path / "local-log.sqlite3"),
    )
    assert r.exit_code == 0, r.stderr

    # no canary in any byte of any file: data, _SUCCESS, .crc, the manifest, the request log,
    # Spark's event log; and not the key either
    secret = key_file.read_bytes().strip()
    manifest = Path(f"{out}.manifest.json")
    event_logs = files_under(spark.event_dir) if spark.event_dir else []
    searched = [*files_under(out), manifest, log_path, *event_logs]
    assert any(p.name == "_SUCCESS" for p in searched) and any(p.suffix == ".crc" for p in searched)
    if event_logs:  # the job's plan is recorded in Spark's event log, which is searched below
        assert b"MapInArrow" in b"".join(p.read_bytes() for p in event_logs)
    for p in searched:
        data = p.read_bytes()
        leaked = [c for c in SEARCHED if c.encode() in data]
        assert not leaked, (p, leaked)
        assert secret not in data, p
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left

    # value for value: the same columns, types and values as the single-machine path
    got = read_partitioned(out, {"county_cd": pa.string()}).sort_by("record_id")
    want = pq.read_table(local_out).sort_by("record_id")
    assert got.column_names == want.column_names
    assert "SOC_SEC_NO" in got.column_names and "LAWFUL_PRES_IND" not in got.column_names
    assert got.schema == want.schema
    assert got.equals(want)
    row = got.filter(pc.equal(got["record_id"], 4)).to_pylist()[0]
    assert row["BIRTH_DT"] == 1901 and row["FRST_NM"] == "[REDACTED]"
    assert len(row["SOC_SEC_NO"]) == 64  # an HMAC, not the number
    # partitioning kept
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(
        f"county_cd={c}" for c in set(got["county_cd"].to_pylist())
    )

    # one request, logged by the driver, with the row counts the executors read from the footers
    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        views = log.requests()
    assert len(views) == 1
    v = views[0]
    assert v.record.source == str(dataset["by_county"]) and v.outcome == "redacted"
    assert v.completion.rows_in == ROWS and v.completion.rows_out == ROWS
    doc = json.loads(manifest.read_text())
    assert doc["request_id"] == v.record.request_id
    assert doc["output"]["rows"] == ROWS and doc["output"]["sha256"] == v.completion.output_sha256
    assert doc["engine"]["partition_columns"] == ["county_cd"]
    assert doc["hash_key_fingerprint"] and doc["hash_key_fingerprint"].encode() not in secret


def test_withheld_partition_column_is_refused_and_logged(
    spark,  # noqa: F811
    dataset,
    tmp_path: Path,
    log_path: Path,
):
    out = tmp_path / "o"
    r = run(
        "redact",
        "--engine",
        "spark",
        str(dataset["by_class"]),
        "-o",
        str(out),
        "--map",
        str(dataset["map"]),
        *CIVIL,
    )
    assert r.exit_code == 3, r.stderr
    assert "'LIC_CLASS_CD'" in r.stderr and "partition column" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with open_log(log_path, create=False) as log:
        n = len(list(log.entries()))
        views = log.requests()
    assert n == 1 and [v.outcome for v in views] == ["refused"]
    assert "LIC_CLASS_CD" in " ".join(views[0].record.reasons)


def test_failed_job_leaves_no_output_and_is_logged_failed(
    spark,  # noqa: F811
    dataset,
    tmp_path: Path,
    log_path: Path,
):
    src = tmp_path / "lake"
    shutil.copytree(dataset["by_county"], src)
    bad = src / "county_cd=999"
    bad.mkdir()
    (bad / "part-9.parquet").write_bytes(b"PAR1 not really parquet PAR1")
    out = tmp_path / "o"
    r = run(
        "redact",
        "--engine",
        "spark",
        str(src),
        "-o",
        str(out),
        "--map",
        str(dataset["map"]),
        "--strict",
        *CIVIL,
    )
    assert r.exit_code == 4, r.stderr
    assert r.stderr.splitlines()[-2].startswith("redactor: ") and "Traceback" not in r.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]  # no staging directory left
    with open_log(log_path, create=False) as log:
        views = log.requests()
    assert [v.outcome for v in views] == ["failed"]
    assert views[0].completion is not None and views[0].completion.rows_out is None


def test_dry_run_prints_the_plan_and_writes_and_logs_nothing(
    spark,  # noqa: F811
    dataset,
    tmp_path: Path,
    log_path: Path,
    key_file: Path,
):
    out = tmp_path / "o"
    r = run(
        "redact",
        "--engine",
        "spark",
        str(dataset["by_county"]),
        "-o",
        str(out),
        "--map",
        str(dataset["map"]),
        "--dry-run",
        *CIVIL,
    )
    assert r.exit_code == 0, r.stderr
    assert "SOC_SEC_NO" in r.stderr and "hash" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == [key_file.name] and not log_path.exists()
