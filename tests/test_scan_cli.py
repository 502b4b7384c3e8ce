"""`redactor scan`: a loadable, commented field map from a sample; atomic -o; stdin."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.categories import Category as C
from redactor.cli.scan import scan_command
from redactor.detect.scan import render_field_map, reservoir_sample
from redactor.fieldmap import load_field_map
from tests.support.detection_synth import a_number, birth_date, ssn

R = random.Random(9)
ROWS = 1200


def _table() -> pa.Table:
    return pa.table(
        {
            "FRST_NM": [R.choice(["Ana", "Wei", "Omar", "Lucia"]) for _ in range(ROWS)],
            "BRTH_DT": [birth_date(R).isoformat() for _ in range(ROWS)],
            "Soc Sec #": [ssn(R) for _ in range(ROWS)],
            "A_NBR": [a_number(R) for _ in range(ROWS)],
            "CASE_NBR": [str(R.randint(100_000_000, 999_999_999)) for _ in range(ROWS)],
            "county_cd": [R.choice(["01", "31", "59"]) for _ in range(ROWS)],
        }
    )


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory) -> str:
    p = tmp_path_factory.mktemp("scan") / "intake export.csv"
    pacsv.write_csv(_table(), p)
    return str(p)


def test_scan_writes_a_map_that_loads_with_evidence_and_no_values(csv_path, tmp_path) -> None:
    out = tmp_path / "map.yaml"
    res = CliRunner().invoke(scan_command, [csv_path, "--sample", "500", "-o", str(out)])
    assert res.exit_code == 0, res.output
    fm = load_field_map(out)
    t = fm.table(None)
    assert t.rule("frst_nm").category is C.NAME
    assert t.rule("BRTH_DT").category is C.BIRTH_DATE
    assert t.rule("soc sec #").category is C.SSN
    assert t.rule("A_NBR").category is C.IMMIGRATION_STATUS
    assert t.rule("CASE_NBR").category is C.NONE
    assert t.rule("county_cd").category is C.NONE
    text = out.read_text()
    assert "500 sampled" in text and "# ssn 0.9" in text and "content:" in text
    sample = _table()
    for col in ("Soc Sec #", "A_NBR", "BRTH_DT"):
        assert not any(v in text for v in sample.column(col).to_pylist()[:200])
    assert not list(tmp_path.glob(".map.yaml.*"))  # no temp file left behind


def test_scan_stdin_jsonl_to_stdout_and_parquet(tmp_path) -> None:
    rows = [{"dob": birth_date(R).isoformat(), "email": f"user{i}@example.org"} for i in range(50)]
    data = "\n".join(json.dumps(r) for r in rows) + "\n"
    res = CliRunner().invoke(
        scan_command, ["-", "--format", "jsonl", "--table", "people"], input=data
    )
    assert res.exit_code == 0, res.output
    assert "people:" in res.stdout and "dob: birth_date" in res.stdout
    pq_path = tmp_path / "t.parquet"
    pq.write_table(_table(), pq_path, row_group_size=300)
    res = CliRunner().invoke(scan_command, [str(pq_path), "--sample", "100"])
    assert res.exit_code == 0 and "A_NBR: immigration_status" in res.stdout


def test_bad_sample_and_missing_input_exit_with_the_contract_codes(tmp_path) -> None:
    assert CliRunner().invoke(scan_command, ["x.csv", "--sample", "0"]).exit_code == 2
    res = CliRunner().invoke(scan_command, [str(tmp_path / "missing.csv")])
    assert res.exit_code == 4


def test_reservoir_is_uniform_bounded_and_deterministic() -> None:
    batches = [pa.record_batch({"i": pa.array(range(s, s + 1000))}) for s in range(0, 20000, 1000)]
    a, seen = reservoir_sample(iter(batches), k=2000, seed=1)
    b, _ = reservoir_sample(iter(batches), k=2000, seed=1)
    assert seen == 20000 and a.num_rows == 2000 and a.equals(b)
    vals = a.column("i").to_pylist()
    assert vals == sorted(vals) and len(set(vals)) == 2000
    halves = sum(v < 10000 for v in vals)
    assert 900 < halves < 1100  # both halves of the stream are represented


def test_render_quotes_odd_names_and_skips_case_duplicates() -> None:
    from redactor.detect import classify_columns

    t = pa.table({"a: b": ["x"] * 3, "#x": ["y"] * 3, "Ñame": ["Ana"] * 3})
    sugg = dict(classify_columns(t))
    sugg["ÑAME"] = sugg["Ñame"]
    text = render_field_map(
        sugg, map_name="m", table_name="t", source="s", rows_seen=3, rows_sampled=3
    )
    assert "skipped: same name as" in text
    assert "'a: b': none" in text
