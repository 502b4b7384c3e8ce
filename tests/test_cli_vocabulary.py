"""One vocabulary (issue 20, item 1): `--format` is the input format and `--output-format` the
output format everywhere (export's old `--format` is a deprecated alias that warns); `-q` on each
command; `--help` shows only options that work there, with examples that run; "did you mean"
for commands and options; `redactor completion`, and man pages generated from the commands."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("redact", "sql", "export", "scan")


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_quiet_and_examples(command):
    text = run(command, "--help").stdout
    assert "-q, --quiet" in text
    assert "Example" in text


def test_sql_help_leaves_out_what_sql_refuses():
    text = run("sql", "--help").stdout
    assert "--manifest" not in text
    assert "-o, --output" in text


def test_input_and_output_format_mean_the_same_everywhere():
    for command in ("redact", "scan"):
        assert re.search(r"--format .*\n?.*[Ii]nput format", run(command, "--help").stdout)
    export = run("export", "--help").stdout
    assert "--output-format" in export and "deprecated alias of --output-format" in export
    assert "--output-format" in run("redact", "--help").stdout


def _examples(command: str) -> list[str]:
    """The example command lines of a command's help (continuation lines joined)."""
    text = run(command, "--help").stdout
    block = text.split("Example", 1)[1].split("\nOptions:", 1)[0]
    joined = re.sub(r"\\\n\s*", "", block)
    return [
        re.sub(r"\s+#.*$", "", line.strip())
        for line in joined.splitlines()[1:]
        if "redactor " in line
    ]


def test_every_example_in_help_runs(tmp_path):
    """Each example (other than Spark's and one that needs an opened request) runs from a
    directory holding the sample data and field maps, exit 0."""
    for name in ("sample_data", "field_maps"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "out").mkdir()
    env = {**os.environ, "REDACTOR_LOG": str(tmp_path / "requests.sqlite3")}
    env["PYTHONPATH"] = str(ROOT)
    shim = f'redactor() {{ "{sys.executable}" -m redactor "$@"; }}\n'
    ran = 0
    for command in COMMANDS:
        for line in _examples(command):
            if "--engine spark" in line or "…" in line:
                continue
            p = subprocess.run(
                ["bash", "-c", "set -o pipefail\n" + shim + line],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert p.returncode == 0, f"{line}\n{p.stderr}"
            ran += 1
    assert ran >= 6


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
    argv = ["export", "--db", f"sqlite:///{path}", "SELECT * FROM drivers", "--map", str(fmap)]
    argv += ["--agency", "CDLE", "--purpose", "research", "-q"]
    argv += ["--log", str(path.with_name("l.sqlite3")), *args]
    return run(*argv)


def test_export_output_format(db):
    r = export(db, "-o", "-", "--output-format", "jsonl")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == '{"county_cd":"001"}\n'
    assert "deprecated" not in r.stderr


def test_export_format_is_a_deprecated_alias_that_warns(db):
    r = export(db, "-o", "-", "--format", "jsonl")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == '{"county_cd":"001"}\n'
    assert "--format is deprecated" in r.stderr and "--output-format jsonl" in r.stderr


def test_export_format_and_output_format_must_agree(db):
    r = export(db, "-o", "-", "--format", "csv", "--output-format", "jsonl")
    assert r.exit_code == 2 and r.stdout == ""


def test_export_to_stdout_without_a_format_hints_output_format(db):
    r = export(db, "-o", "-")
    assert r.exit_code == 2
    assert "--output-format csv|tsv|parquet|jsonl" in r.stderr


def test_sql_writes_its_query_to_a_file(tmp_path):
    m = tmp_path / "map.yaml"
    m.write_text("name: k\ntables:\n  drivers:\n    columns:\n      county_cd: none\n")
    out = tmp_path / "q.sql"
    r = run(
        "sql",
        "SELECT county_cd FROM drivers",
        "--map",
        str(m),
        "--purpose",
        "research",
        "--agency",
        "CDLE",
        "--dry-run",
        "-q",
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.stderr
    assert "SELECT" in out.read_text() and r.stdout == ""
    assert "output columns" not in r.stderr  # -q hides the explanation


def test_did_you_mean_for_commands_and_options():
    r = run("polcy")
    assert r.exit_code == 2 and "Did you mean 'policy'" in r.stderr
    r = run("export", "--outptu-format", "csv")
    assert r.exit_code == 2 and "--output-format" in r.stderr
    r = run("redact", "x.csv", "--purpse", "research")
    assert r.exit_code == 2 and "--purpose" in r.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_clicks_script(shell):
    r = run("completion", shell)
    assert r.exit_code == 0
    assert "_REDACTOR_COMPLETE" in r.stdout and f"{shell}_complete" in r.stdout


def test_completion_completes_commands_and_options():
    env = {**os.environ, "_REDACTOR_COMPLETE": "bash_complete", "PYTHONPATH": str(ROOT)}
    env.update(COMP_WORDS="redactor export --output-f", COMP_CWORD="2")
    p = subprocess.run(
        [sys.executable, "-c", "from redactor.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--output-format" in p.stdout


def test_man_pages_are_generated_from_the_commands(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import man
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert man.main([str(tmp_path)]) == 0
    top = (tmp_path / "redactor.1").read_text()
    assert top.startswith('.TH "REDACTOR" "1"') and "redactor\\-export" in top
    export_page = (tmp_path / "redactor-export.1").read_text()
    assert "\\-\\-output\\-format" in export_page and ".SH OPTIONS" in export_page
    assert "\\-\\-manifest" not in (tmp_path / "redactor-sql.1").read_text()
    assert (tmp_path / "redactor-policy-show.1").exists()
