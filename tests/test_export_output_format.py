"""`redactor export`'s output: the format hints name `--output-format`, as on every command
(export's old `--format` is a deprecated alias); a compressed output name is refused even with a
format given (the file
would otherwise be plain text under a `.gz` name); and with `-o -` an export stopped by a later
batch leaves standard output empty (docs/sql.md, "After the query")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import redactor.sql.job as job
from redactor.cli import cli
from tests.test_sql_canary import CANARY_MAP, canaries, duckdb_db, leaked


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "a.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE drivers (county_cd TEXT)")
    con.execute("INSERT INTO drivers VALUES ('001')")
    con.commit()
    con.close()
    fmap = tmp_path / "map.yaml"
    fmap.write_text("name: k\ntables:\n  drivers:\n    columns:\n      county_cd: none\n")
    return path, fmap


def export(db: tuple[Path, Path], *args: str):
    path, fmap = db
    log = str(path.with_name("requests.sqlite3"))
    argv = ["export", "--db", f"sqlite:///{path}", "SELECT * FROM drivers", "--map", str(fmap)]
    argv += ["--agency", "CDLE", "--purpose", "research", "--log", log, "-q", *args]
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


@pytest.mark.parametrize("output", ["-", "out.xyz", "out"])
def test_a_format_that_cannot_be_told_hints_at_format(db, output):
    result = export(db, "-o", str(db[0].with_name(output)) if output != "-" else "-")
    assert result.exit_code == 2, result.output
    assert "--output-format csv|tsv|parquet|jsonl" in result.stderr
    assert " --format" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("given", [[], ["--format", "csv"]])
@pytest.mark.parametrize("name", ["out.csv.gz", "out.jsonl.zst", "out.csv.bz2"])
def test_compressed_output_is_refused_with_or_without_format(db, name, given):
    out = db[0].with_name(name)
    result = export(db, "-o", str(out), *given)
    assert result.exit_code == 4, result.output
    assert "compressed output" in result.stderr
    assert not out.exists()


def test_format_names_standard_output(db):
    result = export(db, "-o", "-", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert result.stdout == '{"county_cd":"001"}\n'


def test_a_later_batch_that_trips_the_check_leaves_stdout_empty(tmp_path: Path, monkeypatch):
    """The database is handed SQL whose first rows are clean and later rows read raw SSNs into a
    released column; two-row batches, so clean batches pass the check before one trips."""
    import yaml

    url = duckdb_db(tmp_path / "canary.duckdb")
    real = job.iter_query_batches
    attack = "SELECT id, CASE WHEN id > 4 THEN ssn ELSE city END AS city FROM people ORDER BY id"
    monkeypatch.setattr(job, "iter_query_batches", lambda u, _sql, n: real(u, attack, n))
    fmap = tmp_path / "canary.yaml"
    fmap.write_text(yaml.safe_dump(CANARY_MAP))
    argv = ["export", "--db", url, "SELECT id, city FROM people", "--map", str(fmap)]
    argv += ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
    argv += ["--policy", "colorado-sb21-131", "-o", "-", "--format", "csv", "-q"]
    argv += ["--batch-rows", "2", "--log", str(tmp_path / "requests.sqlite3")]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 4, result.output
    assert "holds values of a protected category (ssn)" in result.stderr
    assert result.stdout == ""  # not even the clean first batches
    assert not leaked([result.stderr], canaries())
