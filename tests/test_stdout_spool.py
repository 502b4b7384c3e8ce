"""Standard output gets nothing until the input is known good (`-o -` is spooled).

A bad row far past the first batch used to leave every earlier batch on standard output: a
consumer of the pipe (`… | redactor redact - … | load`) took a partial export for a whole one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from redactor.requestlog import open_log

MAP = "name: s\ntables:\n  t:\n    columns:\n      id: none\n      ssn: ssn\n      city: none\n"
ROWS = 250_000  # about 7 MB: several 4 MiB read blocks, so batches are written before the end


def _csv(path: Path, tail: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("id,ssn,city\n")
        for i in range(ROWS):
            f.write(f"{i},219-09-{i % 10000:04d},Salida{i % 7}\n")
        f.write(tail)


def _redact(src: Path, m: Path, log: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "REDACTOR_LOG": str(log)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from redactor.cli import main; main()",
            "redact",
            "-",
            "--format",
            "csv",
            "-o",
            "-",
            "--output-format",
            "csv",
            "--map",
            str(m),
            "--purpose",
            "civil_immigration_enforcement",
            "--agency",
            "ICE",
            "--requester",
            "t",
            "-q",
        ],
        stdin=src.open("rb"),
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("tail", ["1,2\n", '7,"219-09-9999\n'])  # ragged; unterminated quote
def test_a_bad_row_at_the_end_leaves_stdout_empty(tmp_path: Path, tail: str) -> None:
    src, m, log = tmp_path / "in.csv", tmp_path / "map.yaml", tmp_path / "log.sqlite3"
    _csv(src, tail)
    m.write_text(MAP)
    r = _redact(src, m, log)
    assert r.returncode == 4, r.stderr
    assert r.stdout == b""
    with open_log(str(log), create=False) as lg:
        assert [v.outcome for v in lg.requests()] == ["failed"]


def test_a_good_input_reaches_stdout_whole(tmp_path: Path) -> None:
    src, m, log = tmp_path / "in.csv", tmp_path / "map.yaml", tmp_path / "log.sqlite3"
    _csv(src, "")
    m.write_text(MAP)
    r = _redact(src, m, log)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0] == '"id","city"' and len(lines) == ROWS + 1
    assert b"219-09-" not in r.stdout
