"""Issue 15 item 10: sampling covers the file.

The plan is made from rows spread over the whole first batch, and every later batch is sampled
for the columns detection released: a column that looks clear for its first rows and holds SSNs
later stops the run (exit 4, nothing written, logged failed) instead of releasing them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from redactor.cli import cli
from redactor.io.readers import DEFAULT_BATCH_ROWS
from redactor.pipeline import spread_sample
from redactor.requestlog import open_log

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def ssn(i: int) -> str:
    return f"{100 + i % 600:03d}-{10 + i % 80:02d}-{1000 + i % 8000:04d}"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(path: Path, later: list[str | None]) -> None:
    n_first = DEFAULT_BATCH_ROWS
    county = [f"{i % 64:03d}" for i in range(n_first)] + later
    pq.write_table(
        pa.table({"county_cd": county, "n": list(range(len(county)))}),
        path,
        row_group_size=n_first,
    )


def test_ssns_after_the_first_batch_stop_the_run(tmp_path: Path, log_path: Path):
    src = tmp_path / "in.parquet"
    later = [ssn(i) for i in range(5_000)]
    write(src, later)
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), *CIVIL)
    assert r.exit_code == 4, r.stderr
    assert "look like ssn" in r.stderr and f"after {DEFAULT_BATCH_ROWS}" in r.stderr
    assert not out.exists() and not Path(f"{out}.manifest.json").exists()
    assert not any(s in r.stderr for s in later[:50])
    with open_log(log_path, create=False) as lg:
        entries = [(e.kind, json.loads(e.payload)) for e in lg.entries()]
    assert [k for k, _ in entries] == ["request", "completion"]
    assert entries[1][1]["status"] == "failed"


def test_a_clear_file_still_passes(tmp_path: Path):
    src = tmp_path / "in.parquet"
    write(src, [f"{i % 64:03d}" for i in range(5_000)])
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), *CIVIL)
    assert r.exit_code == 0, r.stderr
    assert len(out.read_text().splitlines()) == DEFAULT_BATCH_ROWS + 5_000 + 1


def test_the_first_sample_is_spread_over_the_batch():
    b = pa.RecordBatch.from_pydict({"x": list(range(100_000))})
    s = spread_sample(b, 5_000).column(0).to_pylist()
    assert len(s) == 5_000 and s[0] == 0 and s[-1] > 99_000
    assert spread_sample(b.slice(0, 10), 5_000).num_rows == 10
