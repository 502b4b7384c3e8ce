"""Issue 15 item 5: the input, output, manifest and request log are distinct files.

Compared by real path and by device and inode before anything is written, so a symlinked
folder, a hard link, ``..`` or a manifest named like the log all count; a clash is a usage
error (exit 2) and no file changes (the request log is not even created).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
DATA = "FRST_NM,SOC_SEC_NO,county_cd\nZed,078-05-1121,001\nQuinn,219-09-9999,002\n"
MAP = "name: s\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.csv").write_text(DATA)
    (tmp_path / "map.yaml").write_text(MAP)
    (tmp_path / "link").symlink_to(tmp_path / "data", target_is_directory=True)
    os.link(tmp_path / "data" / "in.csv", tmp_path / "hard.csv")
    (tmp_path / "logs").mkdir()
    return tmp_path


CASES = {
    # name: (output, manifest or None, log or None), relative to the tree
    "same path": ("data/in.csv", None, None),
    "dot-dot": ("data/../data/./in.csv", None, None),
    "symlinked folder": ("link/in.csv", None, None),
    "hard link": ("hard.csv", None, None),
    "manifest over input": ("out.csv", "link/in.csv", None),
    "manifest over output": ("out.csv", "data/../out.csv", None),
    "output over log": ("logs/req.csv", None, "logs/req.csv"),
    "manifest over log": ("out.csv", "logs/req.sqlite3", "logs/req.sqlite3"),
    "manifest over log wal": ("out.csv", "logs/req.sqlite3-wal", "logs/req.sqlite3"),
    "log is the input": ("out.csv", None, "hard.csv"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_aliasing_paths_are_a_usage_error_and_nothing_changes(case: str, tree: Path, log_path):
    output, manifest, log = CASES[case]
    before = snapshot(tree)
    args = ["redact", str(tree / "data" / "in.csv"), "-o", str(tree / output)]
    args += ["--map", str(tree / "map.yaml"), "--table", "t", *CIVIL]
    if manifest:
        args += ["--manifest", str(tree / manifest)]
    if log:
        args += ["--log", str(tree / log)]
    r = run(*args)
    assert r.exit_code == 2, (case, r.stderr)
    assert "same" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(tree) == before
    assert not (tree / "out.csv").exists()
    assert not log_path.exists()  # the default log was not created either


def test_distinct_paths_still_work(tree: Path, log_path: Path):
    out = tree / "link" / "out.csv"  # through the symlinked folder, but a new file
    r = run(
        "redact",
        str(tree / "data" / "in.csv"),
        "-o",
        str(out),
        "--map",
        str(tree / "map.yaml"),
        "--table",
        "t",
        *CIVIL,
    )
    assert r.exit_code == 0, r.stderr
    assert (tree / "data" / "out.csv").exists() and log_path.exists()
    assert (tree / "data" / "in.csv").read_text() == DATA


@pytest.mark.parametrize("clash", ["output", "manifest", "log"])
def test_export_over_its_own_database_or_log_is_a_usage_error(
    clash: str, tmp_path: Path, log_path: Path
) -> None:
    """`export` checks the same: an output, manifest or log written over the database file
    would destroy the data it reads."""
    import sqlite3

    db = tmp_path / "agency.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (id INTEGER, city TEXT)")
        con.execute("INSERT INTO t VALUES (1, 'Salida')")
    fm = tmp_path / "map.yaml"
    fm.write_text("name: m\ntables:\n  t:\n    columns:\n      id: none\n      city: none\n")
    out = tmp_path / "out.csv"
    args = {
        "output": ["-o", str(db), "--format", "csv"],
        "manifest": ["-o", str(out), "--manifest", str(db)],
        "log": ["-o", str(out), "--log", str(db)],
    }[clash]
    before = db.read_bytes()
    r = run(
        "export",
        "--db",
        f"sqlite:///{db}",
        "SELECT id, city FROM t",
        "--map",
        str(fm),
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
        *args,
    )
    assert r.exit_code == 2, r.stderr
    assert "same" in r.stderr and db.read_bytes() == before
    assert not out.exists()
