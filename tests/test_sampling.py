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
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.errors import DataError
from redactor.io.readers import DEFAULT_BATCH_ROWS
from redactor.requestlog import open_log
from redactor.sampling import Reservoir, check_whole_input, spread_sample

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def ssn(i: int) -> str:
    return f"{100 + i % 600:03d}-{10 + i % 80:02d}-{1000 + i % 8000:04d}"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(path: Path, later: list[str | None], name: str = "county_cd") -> None:
    n_first = DEFAULT_BATCH_ROWS
    county = [f"{i % 64:03d}" for i in range(n_first)] + later
    pq.write_table(
        pa.table({name: county, "n": list(range(len(county)))}),
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


def dob(i: int) -> str:
    return f"{1941 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}"


FIRST = ["Maria", "Jose", "Ana", "Luis", "Carmen", "Wei", "Aisha", "John"]
LAST = ["Garcia", "Lopez", "Nguyen", "Okafor", "Hernandez", "Smith", "Kowalski"]


def person(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // 3) % len(LAST)]}"


def test_later_rows_of_any_protected_kind_stop_the_run(tmp_path: Path, log_path: Path):
    """Not only SSN shapes: birth dates and person names after a clear first batch stop too
    (both were released before: only SSN/ITIN/e-mail/status were checked in later batches)."""
    for kind, later in {
        "birth dates": [dob(i) for i in range(3_000)],
        "names": [person(i) for i in range(3_000)],
    }.items():
        src = tmp_path / f"{kind}.parquet"
        write(src, later, name="fld_a")  # a name that says nothing; the content decides
        out = tmp_path / f"{kind}.csv"
        r = run("redact", str(src), "-o", str(out), *CIVIL)
        assert r.exit_code == 4, (kind, r.stderr)
        assert "column 1 was released on the evidence of the first rows" in r.stderr
        assert not out.exists(), kind
        assert not any(v in r.stderr for v in later[:50]), kind


def test_a_growing_row_number_is_not_a_reason_to_stop(tmp_path: Path):
    """A counter in a CSV (text) outgrows "small whole numbers" in later batches; that alone
    must not stop the run, or every large export with a row id would fail."""
    n = 3 * DEFAULT_BATCH_ROWS
    src = tmp_path / "in.csv"
    src.write_text(
        "county_cd,seq\n" + "".join(f"{i % 64:03d},{i}\n" for i in range(n)), encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), *CIVIL, "-q")
    assert r.exit_code == 0, r.stderr
    assert len(out.read_text().splitlines()) == n + 1


def test_the_reservoir_is_uniform_over_the_whole_input():
    res = Reservoir([0], size=2_000)
    total = 200_000
    for start in range(0, total, 10_000):
        res.add(pa.RecordBatch.from_pydict({"x": list(range(start, start + 10_000))}))
    rows = res.table().column(0).to_pylist()
    assert res.seen == total and len(rows) == 2_000 and len(set(rows)) == 2_000
    # each quarter of the input holds a quarter of the sample (binomial sd ~19 of 500)
    per_quarter = [sum(q * 50_000 <= v < (q + 1) * 50_000 for v in rows) for q in range(4)]
    assert all(400 <= c <= 600 for c in per_quarter), per_quarter


def test_the_whole_input_sample_withholds_what_the_first_rows_released():
    """The reservoir check on its own: a column whose later rows are birth dates is stopped
    even when no single later batch was looked at (the check the run makes before commit)."""

    codes = pa.RecordBatch.from_pydict({"fld": [f"{i % 64:03d}" for i in range(20_000)]})
    # half codes, half birth dates: neither batch on its own is what the sample sees
    dates = pa.RecordBatch.from_pydict(
        {"fld": [dob(i) if i % 2 else f"{i % 64:03d}" for i in range(20_000)]}
    )
    res = Reservoir([0])
    res.add(codes)
    res.add(dates)
    import pytest

    from redactor.errors import DataError

    with pytest.raises(DataError, match=r"column 1 was released .* drawn over all 40000 rows"):
        check_whole_input(res, codes.schema, [0], "in.csv")
    single = Reservoir([0])
    single.add(codes)
    check_whole_input(single, codes.schema, [0], "in.csv")  # one batch: nothing to add


def test_the_later_rows_check_samples_each_batch_in_proportion(monkeypatch):
    """Small CSV blocks must not multiply the rows classified (1,000 per 65,536 rows, at least
    64 from a batch), and each batch is classified on its own, so one short run of protected
    rows among clear batches is not diluted away."""
    import redactor.sampling as sampling

    calls: list[int] = []
    real = sampling.check_samples

    def counting(samples, columns, where):
        calls.extend(b.num_rows for b, _ in samples)
        return real(samples, columns, where)

    monkeypatch.setattr(sampling, "check_samples", counting)
    for size in (4_096, 65_536):
        calls.clear()
        watch = sampling.DriftWatch([0], "in.csv", group=16)
        for start in range(0, 262_144, size):
            watch.add(pa.record_batch({"c": [f"{i % 64:03d}" for i in range(size)]}), start)
        watch.flush()
        assert 4_000 <= sum(calls) <= 4_200, (size, sum(calls))
    watch = sampling.DriftWatch([0], "in.csv", group=16)
    for start in range(0, 3 * 4_096, 4_096):  # clear batches, then one of SSNs, then clear ones
        watch.add(pa.record_batch({"c": [f"{i % 64:03d}" for i in range(4_096)]}), start)
    watch.add(pa.record_batch({"c": [ssn(i) for i in range(4_096)]}), 12_288)
    for start in range(4 * 4_096, 8 * 4_096, 4_096):
        watch.add(pa.record_batch({"c": [f"{i % 64:03d}" for i in range(4_096)]}), start)
    with pytest.raises(DataError, match="rows after 12288 look like ssn"):
        watch.flush()  # classified together, but each batch on its own: the SSN one stops it
    streaming = sampling.DriftWatch([0], "in.csv")  # a stream: each batch before it goes out
    streaming.add(pa.record_batch({"c": [f"{i % 64:03d}" for i in range(4_096)]}), 0)
    with pytest.raises(DataError, match="rows after 4096 look like ssn"):
        streaming.add(pa.record_batch({"c": [ssn(i) for i in range(4_096)]}), 4_096)
