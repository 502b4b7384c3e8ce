"""`redactor sql --to spark` output executed on a local Spark session over canary tables: the
masked columns come out masked exactly as file redaction masks them, and no canary comes out."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from tests.test_sql_canary import canaries, leaked, people_rows
from tests.test_sql_export import CANARY_MAP_YAML

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (extra: spark)")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: Spark needs a JVM (Java 17)", allow_module_level=True)

PEOPLE = (
    "id INT, first_name STRING, last_name STRING, birth_date DATE, ssn STRING, "
    "itin STRING, dl_number STRING, address STRING, city STRING, "
    "immigration_status STRING, dept_id INT, notes STRING, secret_col STRING"
)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    existed = SparkSession.getActiveSession() is not None
    session = (
        SparkSession.builder.master("local[2]")
        .appName("redactor-sql-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.createDataFrame(people_rows(), PEOPLE).createOrReplaceTempView("people")
    session.createDataFrame(
        [(1, "Licensing"), (2, "Titles")], "id INT, dname STRING"
    ).createOrReplaceTempView("depts")
    session.createDataFrame(
        [(i, i, 100 * i) for i in range(1, 7)], "id INT, person_id INT, amount INT"
    ).createOrReplaceTempView("orders")
    yield session
    if not existed:
        session.stop()


def _to_spark(query: str, tmp_path) -> str:
    fm = tmp_path / "canary.yaml"
    fm.write_text(CANARY_MAP_YAML)
    r = CliRunner().invoke(
        cli,
        [
            "sql",
            query,
            "--map",
            str(fm),
            "--agency",
            "ICE",
            "--purpose",
            "civil_immigration_enforcement",
            "--policy",
            "colorado-sb21-131",
            "--dialect",
            "duckdb",
            "--to",
            "spark",
            "--dry-run",
        ],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip()


def test_select_star_is_masked_on_spark(spark, tmp_path) -> None:
    rows = spark.sql(_to_spark("SELECT * FROM people ORDER BY id", tmp_path)).collect()
    assert len(rows) == 6
    by_id = {r["id"]: r.asDict() for r in rows}
    raw = {r[0]: r for r in people_rows()}
    for i, r in by_id.items():
        assert r["first_name"] == "[REDACTED]"
        assert r["birth_date"] == str(raw[i][3].year)
        dl = raw[i][6]  # mask keep_last 4: as redactor.masking.mask
        assert r["dl_number"] == ("*" * (len(dl) - 4) + dl[-4:] if len(dl) > 4 else "*" * len(dl))
        for col in ("last_name", "ssn", "itin", "address", "immigration_status", "notes"):
            assert r[col] is None, col
        assert r["city"] == raw[i][8] and r["dept_id"] == raw[i][10]
    assert "secret_col" not in by_id[1]  # not in the field map: not part of the schema
    assert not leaked([v for r in rows for v in r], canaries())


QUERIES = [
    "SELECT p.*, d.dname FROM people p JOIN depts d ON p.dept_id = d.id",
    "SELECT first_name || ' ' || last_name AS full_name, UPPER(ssn) AS s, "
    "SUBSTR(dl_number, 1, 40) AS d, CONCAT(itin, city) AS c FROM people",
    "WITH x AS (SELECT ssn AS s, id FROM people) SELECT s, id FROM x "
    "UNION ALL SELECT dname, id FROM depts",
    "SELECT e FROM people AS t(a, b, c, d, e)",
    "SELECT id, LAG(dl_number) OVER (ORDER BY id) AS prev, COALESCE(address, notes, 'n') AS a "
    "FROM people",
    "SELECT p.id, x.s2 FROM people p, LATERAL (SELECT p.ssn AS s2) x",
    "SELECT (SELECT MAX(immigration_status) FROM people) AS m, COUNT(DISTINCT birth_date) AS n "
    "FROM people",
    "SELECT CAST(birth_date AS VARCHAR) AS b, RIGHT(dl_number, 6) AS r FROM people",
]


@pytest.mark.parametrize("query", QUERIES)
def test_rewritten_queries_leak_nothing_on_spark(spark, tmp_path, query: str) -> None:
    rows = spark.sql(_to_spark(query, tmp_path)).collect()
    assert rows
    values = [v for r in rows for v in r]
    assert not leaked(values, canaries()), leaked(values, canaries())
