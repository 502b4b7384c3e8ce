"""A local Spark session for the tests (one per test run) and a partitioned DMV dataset.

Skips, with the reason, when pyspark or Java is missing. The session is ``local[2]``, writes
Parquet uncompressed (so a byte search of the output is meaningful) and keeps an event log in a
temporary directory (so tests can check what Spark records). It is never stopped by the tests:
later modules reuse it through ``SparkSession.getActiveSession()`` / ``getOrCreate()``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

ROOT = Path(__file__).resolve().parents[2]


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (home and Path(home, "bin", "java").exists()))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    if not java_available():
        pytest.skip("Java 17+ is not installed (no java on PATH, no JAVA_HOME): Spark needs a JVM")
    from redactor.spark.session import get_session

    events = tmp_path_factory.mktemp("spark-events")
    session = get_session(
        "local[2]",
        conf={
            "spark.sql.parquet.compression.codec": "uncompressed",
            "spark.sql.shuffle.partitions": "2",
            "spark.eventLog.enabled": "true",
            "spark.eventLog.compress": "false",
            "spark.eventLog.dir": events.as_uri(),
        },
    )
    # a session another module started first is reused as it is: write uncompressed anyway, and
    # tell the tests whether (and where) this session keeps an event log
    session.conf.set("spark.sql.parquet.compression.codec", "uncompressed")
    conf = session.sparkContext.getConf()
    logged = conf.get("spark.eventLog.enabled", "false") == "true"
    where = conf.get("spark.eventLog.dir", "")
    session.event_dir = Path(urlparse(where).path) if logged and where else None  # type: ignore[attr-defined]
    return session


@cache
def generator():
    """sample_data/generate.py (a script, not a package), loaded once."""
    spec = importlib.util.spec_from_file_location(
        "redactor_sample_generate", ROOT / "sample_data" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def dmv_table(rows: int, seed: int = 11) -> pa.Table:
    return generator().generate_dmv(rows, seed=seed)


def with_values(table: pa.Table, rows: dict[int, dict[str, object]]) -> pa.Table:
    """``table`` with some cells replaced (row index -> {column: value})."""
    cols = {n: table[n].to_pylist() for n in table.column_names}
    for i, values in rows.items():
        for c, v in values.items():
            cols[c][i] = v
    return pa.table(
        {n: pa.array(cols[n], table.schema.field(n).type) for n in cols}, schema=table.schema
    )


def write_partitioned(table: pa.Table, path: Path, by: list[str]) -> Path:
    """Hive-style ``col=value/`` directories of Parquet files, as a data lake holds them."""
    ds.write_dataset(
        table,
        path,
        format="parquet",
        partitioning=by,
        partitioning_flavor="hive",
        max_rows_per_file=(n := max(1, table.num_rows // 8)),
        max_rows_per_group=n,
    )
    return path


def read_partitioned(path: Path, by: dict[str, pa.DataType]) -> pa.Table:
    part = ds.partitioning(pa.schema(list(by.items())), flavor="hive")
    return ds.dataset(path, format="parquet", partitioning=part).to_table()
