"""REDACTOR_* settings (issue 17 item 3): read once per command into one validated object; a bad
value is one usage error (exit 2) naming the variable, before any work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.errors import UsageError
from redactor.settings import VARIABLES, Settings, current, scope

BAD = {
    "REDACTOR_MAX_ROW_MB": ["0", "1025", "16.5", "lots", "-1"],
    "REDACTOR_STATEMENT_TIMEOUT": ["0", "-1", "soon", "nan", "inf"],
    "REDACTOR_LOCK_TIMEOUT": ["0", "-3", "never", "NaN", "-inf"],
    "REDACTOR_SCRUB_NAMES": ["maybe", "2"],
    "REDACTOR_PARQUET_COMPRESSION": ["gzip", "brotli", "zst", "snappy9"],
}


@pytest.mark.parametrize(
    ("env", "raw"), [(env, raw) for env, values in BAD.items() for raw in values]
)
def test_a_bad_value_is_a_usage_error_naming_the_variable(env: str, raw: str) -> None:
    with pytest.raises(UsageError) as err:
        Settings.from_env({env: raw})
    assert str(err.value).startswith(f"{env}=") and err.value.exit_code == 2


def test_every_variable_is_read_and_unset_means_default() -> None:
    s = Settings.from_env({})
    assert (s.max_row_bytes, s.statement_timeout, s.lock_timeout) == (4 << 20, 1800.0, 10.0)
    assert s.scrub_names and not s.debug and s.log is None and not s.from_env_vars
    given = {
        "REDACTOR_LOG": "/x/log.sqlite3",
        "REDACTOR_POLICY": "oregon-180-805",
        "REDACTOR_KEY_FILE": "/x/key",
        "REDACTOR_MAX_ROW_MB": " 16 ",
        "REDACTOR_STATEMENT_TIMEOUT": "0.5",
        "REDACTOR_LOCK_TIMEOUT": "3",
        "REDACTOR_SCRUB_NAMES": "OFF",
        "REDACTOR_SPACY_MODEL": "en_core_web_sm",
        "REDACTOR_CHROMIUM": "/usr/bin/chromium",
        "REDACTOR_DEBUG": "1",
        "REDACTOR_NARROW_READER": "off",
        "REDACTOR_PARQUET_COMPRESSION": "ZSTD",
    }
    s = Settings.from_env(given)
    assert {v.env for v in VARIABLES} == set(given)
    assert s.from_env_vars == {v.field for v in VARIABLES}
    assert (s.max_row_mb, s.statement_timeout, s.lock_timeout) == (16, 0.5, 3.0)
    assert not s.scrub_names and s.debug and s.key_file == "/x/key" and not s.narrow_reader
    assert s.parquet_compression == "zstd" and Settings.from_env({}).parquet_compression == "snappy"
    with pytest.raises(ValueError):  # frozen: nothing below a command can change them
        s.max_row_mb = 1  # type: ignore[misc]


def test_read_once_per_scope_and_afresh_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "8")
    with scope() as s:
        monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "32")
        assert current() is s and current().max_row_mb == 8
        with scope() as inner:  # a nested call (CLI -> API) keeps the command's settings
            assert inner is s
    assert current().max_row_mb == 32  # outside a command: the environment as it is now


def test_a_bad_variable_stops_any_command_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDACTOR_LOCK_TIMEOUT", "soon")
    r = CliRunner().invoke(cli, ["policy", "recipients"])
    assert r.exit_code == 2 and "REDACTOR_LOCK_TIMEOUT='soon'" in r.stderr
    assert r.stdout == ""


def test_no_module_reads_a_redactor_variable_but_settings() -> None:
    root = Path(__file__).resolve().parent.parent
    readers = set()
    for path in (root / "redactor").rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel != "redactor/settings.py" and re.search(
            r"os\.environ(\.get)?\s*[\[(]\s*(\"REDACTOR_|[A-Z_]*_ENV\b|ENV_VAR\b|env\b)", text
        ):
            readers.add(rel)
    assert readers == set(), sorted(readers)


@pytest.mark.parametrize(
    ("raw", "codec"), [(None, "SNAPPY"), ("zstd", "ZSTD"), ("none", "UNCOMPRESSED")]
)
def test_parquet_output_is_written_with_the_codec_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str | None, codec: str
) -> None:
    import pyarrow.parquet as pq

    if raw is None:
        monkeypatch.delenv("REDACTOR_PARQUET_COMPRESSION", raising=False)
    else:
        monkeypatch.setenv("REDACTOR_PARQUET_COMPRESSION", raw)
    (tmp_path / "in.csv").write_text("county_cd,ssn\n001,219-09-9999\n002,219-09-9998\n")
    (tmp_path / "map.yaml").write_text(
        "name: m\ntables:\n  t:\n    columns:\n      county_cd: none\n      ssn: ssn\n"
    )
    out = tmp_path / "out.parquet"
    args = ["redact", str(tmp_path / "in.csv"), "-o", str(out), "--map", str(tmp_path / "map.yaml")]
    args += ["--table", "t", "--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
    r = CliRunner().invoke(cli, [*args, "--log", str(tmp_path / "log.sqlite3"), "-q"])
    assert r.exit_code == 0, r.output
    meta = pq.ParquetFile(out).metadata
    assert meta.row_group(0).column(0).compression == codec
    assert pq.read_table(out).to_pylist() == [{"county_cd": "001"}, {"county_cd": "002"}]
