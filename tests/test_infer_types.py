"""Issue 20 item 6: CSV→Parquet keeps text by default; ``--infer-types`` types released columns
only where every value's text survives (leading zeros, odd dates and empties keep a column text),
never types a withheld column, and refuses standard input (it reads the file twice)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from click.testing import CliRunner

from redactor.cli import cli

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
MAP = """name: t
tables:
  t:
    columns:
      SOC_SEC_NO: ssn
      seq: none
      neg: none
      zip: none
      issued: none
      bad_day: none
      mixed: none
      minus_zero: none
      blank: none
"""
HEADER = ["SOC_SEC_NO", "seq", "neg", "zip", "issued", "bad_day", "mixed", "minus_zero", "blank"]
ROWS = [
    # SOC_SEC_NO, seq, neg, zip, issued, bad_day, mixed, minus_zero, blank
    ("219-09-9999", "1", "-5", "00123", "2024-01-05", "2024-02-28", "7", "3", "x"),
    ("078-05-1121", "2", "0", "80211", "2023-12-31", "2024-02-30", "x", "-0", ""),
    ("123-45-6789", "300", "17", "02134", "2020-02-29", "2024-03-01", "9", "4", "y"),
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(
        ",".join(HEADER) + "\n" + "".join(",".join(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    m = tmp_path / "m.yaml"
    m.write_text(MAP, encoding="utf-8")
    return src, m


def test_typed_only_where_every_value_keeps_its_text(tmp_path: Path):
    src, m = write(tmp_path)
    out = tmp_path / "out.parquet"
    args = ("redact", str(src), "-o", str(out), "--map", str(m), "--table", "t", *CIVIL, "-q")
    r = run(*args, "--infer-types")
    assert r.exit_code == 0, r.stderr
    t = pq.read_table(out)
    assert "SOC_SEC_NO" not in t.column_names  # withheld: never typed, never released
    types = {f.name: f.type for f in t.schema}
    assert types["seq"] == pa.int64() and types["neg"] == pa.int64()
    assert types["issued"] == pa.date32()
    for text in ("zip", "bad_day", "mixed", "minus_zero", "blank"):
        assert types[text] == pa.string(), text
    header = HEADER
    for name in t.column_names:  # every value prints back exactly as it was written
        i = header.index(name)
        assert pc.cast(t.column(name), pa.string()).to_pylist() == [r[i] for r in ROWS], name
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["output"]["inferred_types"] == {
        "seq": "int64",
        "neg": "int64",
        "issued": "date32[day]",
    }
    # without the flag every column stays text
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    assert all(f.type == pa.string() for f in pq.read_table(out).schema)


def test_standard_input_and_typed_inputs_are_usage_errors(tmp_path: Path, log_path: Path):
    src, m = write(tmp_path)
    r = CliRunner().invoke(
        cli,
        ["redact", "-", "--format", "csv", "-o", str(tmp_path / "o.parquet"), "--map", str(m),
         "--table", "t", *CIVIL, "--infer-types"],
        input=src.read_text(),
    )  # fmt: skip
    assert r.exit_code == 2 and "needs a file, not standard input" in r.stderr
    pq.write_table(pa.table({"seq": ["1"]}), tmp_path / "in.parquet")
    r = run("redact", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "o2.parquet"), *CIVIL,
            "--infer-types")  # fmt: skip
    assert r.exit_code == 2 and "applies to CSV and TSV input" in r.stderr
    assert not log_path.exists()  # usage errors are not requests
