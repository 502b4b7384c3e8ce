"""Issue 15 item 7: every input type and fault ends as a documented exit code and a log entry.

Half floats, decimals of any precision (decimal256), dictionaries of any value type, time and
duration types, extension types (UUID) — released, masked, hashed or withheld, into every
output format — end 0, 3 or 4, never 1, and every request that got past its decision is in the
log. An error raised inside detection is exit 4 and a logged failure; a request log on a full
disk is exit 4.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
SSN = ["078-05-1121", "219-09-9999", "123-45-6789"]
TYPES = {
    "float16": lambda: pa.array(np.array([1.5, 2.5, 3.5], dtype=np.float16)),
    "dict_float16": lambda: pa.array(
        np.array([1.5, 2.5, 1.5], dtype=np.float16)
    ).dictionary_encode(),
    "decimal256": lambda: pa.array([decimal.Decimal("1.5")] * 3, pa.decimal256(60, 10)),
    "decimal32": lambda: pa.array([decimal.Decimal("1.5")] * 3, pa.decimal128(3, 1)),
    "dict_date": lambda: pa.array([dt.date(2020, 1, 1)] * 3).dictionary_encode(),
    "dict_binary": lambda: pa.array([b"\xff\x00", b"b", b"\xff\x00"]).dictionary_encode(),
    "time32": lambda: pa.array([1, 2, 3], pa.time32("s")),
    "time64": lambda: pa.array([1, 2, 3], pa.time64("ns")),
    "duration": lambda: pa.array([1, 2, 3], pa.duration("s")),
    "uuid": lambda: pa.array([bytes(range(i, i + 16)) for i in range(3)], pa.uuid()),
}
RULES = {
    "unmapped": None,
    "release": "none",
    "withhold": "ssn",
    "mask": "{category: ssn, action: mask}",
    "hash": "{category: ssn, action: hash}",
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def log_entries(log: Path) -> list[tuple[str, dict]]:
    if not log.exists():
        return []
    with open_log(log, create=False) as lg:
        return [(e.kind, json.loads(e.payload)) for e in lg.entries()]


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("kind", sorted(TYPES))
def test_every_type_ends_documented_and_logged(
    kind: str, rule: str, tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
):
    key = tmp_path / "k"
    key.write_bytes(os.urandom(32).hex().encode())
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(key))
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"col": TYPES[kind](), "ssn": SSN, "n": [1, 2, 3]}), src)
    m = tmp_path / "m.yaml"
    cols = "      ssn: ssn\n      n: none\n" + (
        f"      col: {RULES[rule]}\n" if RULES[rule] else ""
    )
    m.write_text("name: k\ntables:\n  t:\n    columns:\n" + cols)
    for fmt in ("csv", "parquet", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        before = len(log_entries(log_path))
        r = run("redact", str(src), "-o", str(out), "--map", str(m), "--table", "t", "-q", *CIVIL)
        assert r.exit_code in (0, 3, 4), (kind, rule, fmt, r.stderr)
        assert "internal error" not in r.stderr and "Traceback" not in r.stderr
        new = log_entries(log_path)[before:]
        assert new, (kind, rule, fmt, "no log entry")
        if r.exit_code == 4:
            assert new[-1][0] == "completion" and new[-1][1]["status"] == "failed"
            assert not out.exists()
        if r.exit_code == 0:
            body = out.read_bytes()
            assert not any(s.encode() in body for s in SSN)
        with contextlib.suppress(FileNotFoundError):
            out.unlink()


def test_an_error_inside_detection_is_exit_4_and_logged(
    tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import redactor.detect as detect

    def broken(*_a, **_k):
        raise RuntimeError("a bug in a recognizer")

    monkeypatch.setattr(detect, "classify_columns", broken)
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n")
    out = tmp_path / "o.csv"
    r = run("redact", str(src), "-o", str(out), *CIVIL)
    assert r.exit_code == 4, r.stderr
    assert "could not be classified (RuntimeError)" in r.stderr
    assert "a bug in a recognizer" not in r.stderr and not out.exists()
    kinds = log_entries(log_path)
    assert [k for k, _ in kinds] == ["request", "completion"]
    assert kinds[1][1]["status"] == "failed"


@pytest.fixture
def full_disk(tmp_path: Path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + r.stderr.decode()[:80])
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_request_log_on_a_full_disk_is_exit_4(tmp_path: Path, full_disk: Path):
    log = full_disk / "req.sqlite3"
    open_log(log).close()
    fd = os.open(full_disk / "filler", os.O_WRONLY | os.O_CREAT)
    with contextlib.suppress(OSError):
        while True:
            os.write(fd, b"\0" * 512)
    os.close(fd)
    src = tmp_path / "in.csv"
    src.write_text("county_cd,note\n001," + "x" * 20_000 + "\n")
    out = tmp_path / "o.csv"
    r = run("redact", str(src), "-o", str(out), "--log", str(log), *CIVIL)
    assert r.exit_code == 4, r.stderr
    assert "request log" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
