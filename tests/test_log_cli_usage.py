"""A request id prefix under 4 characters is a usage error (exit 2), whichever command takes the
id, and it reads nothing from the log: it is the user's mistake, not a bug (exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import RequestRecord, open_log


@pytest.fixture
def log_path(tmp_path: Path) -> str:
    path = str(tmp_path / "requests.sqlite3")
    with open_log(path) as log:
        log.begin(
            RequestRecord(
                command="sql",
                decision="refused",
                agency="ICE",
                purposes=("civil_immigration_enforcement",),
            )
        )
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text("SOC_SEC_NO,county_cd\n078-05-1121,001\n")
    fmap = tmp_path / "map.yaml"
    fmap.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      SOC_SEC_NO: ssn\n      county_cd: none\n"
    )
    return src, fmap


def commands(prefix: str, dataset: tuple[Path, Path]) -> list[list[str]]:
    src, fmap = dataset
    out = str(src.with_name("out.csv"))
    return [
        ["log", "show", prefix],
        ["log", "notified", prefix],
        ["request", "show", prefix],
        [
            "request",
            "review",
            prefix,
            "--reviewer",
            "Sgt. B. Reviewer",
            "--accept",
            "court_order:2026CR1234",
        ],
        ["redact", str(src), "-o", out, "--map", str(fmap), "--table", "t", "--request", prefix],
    ]


@pytest.mark.parametrize("prefix", ["", "a", "ab", "abc"])
@pytest.mark.parametrize("which", range(5))
def test_short_id_prefix_is_a_usage_error(log_path, dataset, prefix, which):
    args = commands(prefix, dataset)[which]
    with open_log(log_path, create=False) as log:
        entries_before = len(list(log.entries()))
    result = CliRunner().invoke(cli, [*args, "--log", log_path], catch_exceptions=False)
    assert result.exit_code == 2, (args, result.output)
    assert "at least 4 characters" in result.stderr
    assert "internal error" not in result.stderr
    assert not dataset[0].with_name("out.csv").exists()
    with open_log(log_path, create=False) as log:
        assert len(list(log.entries())) == entries_before  # nothing logged for a usage error


def test_four_characters_are_looked_up(log_path):
    """The boundary: 4 characters is a lookup (here: no such request, exit 4), not exit 2."""
    result = CliRunner().invoke(
        cli, ["log", "show", "zzzz", "--log", log_path], catch_exceptions=False
    )
    assert result.exit_code == 4, result.output
    assert "no request zzzz" in result.stderr
