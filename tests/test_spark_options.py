"""The Spark engine without a Spark session: option checks (exit 2 before anything runs), the
optional dependency, the batch function shipped to executors, and the atomic output directory."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from redactor.categories import Action, Category
from redactor.errors import DataError, RefusedError
from redactor.masking import HashKey
from redactor.plan import ColumnPlan
from redactor.requestlog import open_log
from redactor.spark.files import StagedDirectory, partition_columns
from redactor.spark.job import refuse_withheld_partitions
from redactor.spark.transform import BatchRedactor
from redactor.transform import transform_batch

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
SECRET = b"s3cret-key-material-" + b"x" * 30
KEY = HashKey(secret=SECRET, fingerprint="abc123abc123")


def run(*args: str):
    return CliRunner().invoke(cli_(), list(args), catch_exceptions=False)


def cli_():
    from redactor.cli import cli

    return cli


class FixedKey:
    def get(self) -> HashKey:
        return KEY


PLAN = (
    ColumnPlan("id", Category.NONE, Action.RELEASE, "map", "none"),
    ColumnPlan("ssn", Category.SSN, Action.HASH, "map", "ssn: rule"),
    ColumnPlan("name", Category.NAME, Action.DROP, "map", "name: rule"),
    ColumnPlan("dl", Category.DRIVERS_LICENSE, Action.MASK, "map", "dl: rule", keep_last=2),
)
BATCH = pa.record_batch(
    {"id": [1, 2], "ssn": ["078-05-1120", None], "name": ["Zed", "Ann"], "dl": ["A1234567", "x"]}
)


def test_importing_the_cli_does_not_import_pyspark():
    code = "import sys, redactor.cli; sys.exit('pyspark' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_engine_spark_without_pyspark_is_a_usage_error(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    (tmp_path / "in").mkdir()
    r = run("redact", "--engine", "spark", str(tmp_path / "in"), "-o", str(tmp_path / "o"), *CIVIL)
    assert r.exit_code == 2 and "install redactor[spark]" in r.stderr, r.stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["-o", "-"], "standard input and output cannot be used"),
        (["-o", "OUT", "--format", "csv"], "Parquet datasets only"),
        (["-o", "OUT", "--output-format", "jsonl"], "Parquet datasets only"),
        (["-o", "IN/sub"], "overlap the input"),
        (["-o", "EXISTING"], "already exists"),
        (["-o", "hdfs://nn/x"], "only filesystem paths"),
    ],
)
def test_spark_usage_errors_exit_2_and_touch_nothing(tmp_path: Path, log_path, extra, needle):
    pytest.importorskip("pyspark")
    src = tmp_path / "in"
    src.mkdir()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("old")
    subs = {"OUT": str(tmp_path / "o"), "IN/sub": str(src / "sub"), "EXISTING": str(existing)}
    extra = [subs.get(a, a) for a in extra]
    r = run("redact", "--engine", "spark", str(src), *extra, *CIVIL)
    assert r.exit_code == 2, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert (existing / "keep.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing", "in"]
    with open_log(log_path) as log:
        assert log.requests() == []


def test_spark_options_need_the_spark_engine(tmp_path: Path):
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    r = run("redact", str(src), "-o", str(tmp_path / "b.csv"), "--overwrite", *CIVIL)
    assert r.exit_code == 2 and "--engine spark" in r.stderr


def test_batch_redactor_is_the_pipeline_transform():
    out_schema = transform_batch(BATCH.slice(0, 0), PLAN, KEY, None).schema
    fn = BatchRedactor(PLAN, out_schema, FixedKey())
    got = pa.Table.from_batches(list(fn(iter([BATCH, BATCH.slice(1)]))))
    want = pa.Table.from_batches(
        [transform_batch(BATCH, PLAN, KEY, None), transform_batch(BATCH.slice(1), PLAN, KEY, None)]
    )
    assert got.equals(want) and got.column_names == ["id", "ssn", "dl"]
    assert "078-05-1120" not in str(got.to_pylist())
    # pickled for the executors; its repr (what Spark's plan can show) names no key
    assert pickle.loads(pickle.dumps(BatchRedactor(PLAN, out_schema, None))).plan == PLAN
    assert "s3cret" not in repr(fn) and "abc123" not in repr(fn)


def test_batch_redactor_refuses_columns_in_another_order():
    out_schema = transform_batch(BATCH.slice(0, 0), PLAN, KEY, None).schema
    swapped = BATCH.select(["ssn", "id", "name", "dl"])
    with pytest.raises(DataError, match="unexpected order"):
        list(BatchRedactor(PLAN, out_schema, FixedKey())(iter([swapped])))


def test_withheld_partition_column_is_refused_by_name(tmp_path: Path):
    files = [str(tmp_path / "dl=A1" / "year=2020" / "part-0.parquet")]
    assert partition_columns(str(tmp_path), files) == ["dl", "year"]
    with pytest.raises(RefusedError, match=r"'dl'.*partition column"):
        refuse_withheld_partitions(PLAN, ["DL"], "lake/")
    refuse_withheld_partitions(PLAN, ["id"], "lake/")  # a released partition column is kept


def test_staged_directory_appears_whole_or_not_at_all(tmp_path: Path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(Exception, match="already exists"):
        StagedDirectory(str(dest)).check()
    staged = StagedDirectory(str(dest), replace=True)
    data = Path(staged.open())
    data.mkdir()
    (data / "new.txt").write_text("new")
    assert (dest / "old.txt").exists()  # untouched until the commit
    staged.commit()
    assert [p.name for p in dest.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    aborted = StagedDirectory(str(tmp_path / "other"))
    Path(aborted.open()).mkdir()
    aborted.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
