"""Issue 15 item 6 (the rest): a closed pipe and Ctrl-C end as documented.

- ``redactor redact … -o - | head``: exit 141 (128 + SIGPIPE), nothing on standard error (no
  "free space" hint), and the request logged ``failed``.
- Ctrl-C: exit 130 with one line, nothing written, a logged request completed ``failed``.
Real processes and real signals (redactor/interrupts.py documents the choice).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log

MAP = (
    "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
    "      county_cd: none\n"
)
CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def rows(n: int) -> str:
    return "FRST_NM,SOC_SEC_NO,county_cd\n" + "".join(
        f"N{i},{100 + i % 800:03d}-{10 + i % 80:02d}-{1000 + i % 8000:04d},{i % 64:03d}\n"
        for i in range(n)
    )


def statuses(log: Path) -> list[tuple[str, dict]]:
    with open_log(log, create=False) as lg:
        return [(e.kind, json.loads(e.payload)) for e in lg.entries()]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    m = tmp_path / "map.yaml"
    m.write_text(MAP)
    return m, tmp_path / "req.sqlite3"


def test_closed_pipe_is_quiet_141_and_logged_failed(tmp_path: Path, setup):
    m, log = setup
    src = tmp_path / "in.csv"
    src.write_text(rows(60_000))  # far more than a pipe holds
    cmd = [
        sys.executable,
        "-m",
        "redactor",
        "redact",
        str(src),
        "-o",
        "-",
        "--map",
        str(m),
        "--table",
        "t",
        "--log",
        str(log),
        "-q",
        *CIVIL,
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    head = p.stdout.read(200)  # `| head -c 200`
    p.stdout.close()
    err = p.stderr.read().decode()
    rc = p.wait(timeout=120)
    assert b"county_cd" in head.splitlines()[0], head[:40]
    assert rc == 141, err
    assert "free space" not in err and "Traceback" not in err and "BrokenPipe" not in err
    assert err == "", err
    kinds = statuses(log)
    done = [p for k, p in kinds if k == "completion"]
    assert len(done) == 1 and done[0]["status"] == "failed", kinds
    assert "closed standard output" in done[0]["error"]


def _wait_drained(fd: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the child has read everything written to the pipe (FIONREAD on it is 0)."""
    buf = bytearray(4)
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        fcntl.ioctl(fd, termios.FIONREAD, buf)
        if int.from_bytes(buf, sys.byteorder) == 0:
            return
        time.sleep(0.05)
    raise AssertionError("the child did not read its input")


def test_ctrl_c_exits_130_with_one_line_and_writes_nothing(tmp_path: Path, setup):
    m, log = setup
    out = tmp_path / "out.csv"
    cmd = [
        sys.executable,
        "-m",
        "redactor",
        "redact",
        "-",
        "--format",
        "csv",
        "-o",
        str(out),
        "--map",
        str(m),
        "--table",
        "t",
        "--log",
        str(log),
        "-q",
        *CIVIL,
    ]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdin is not None and p.stderr is not None
    p.stdin.write(rows(50).encode())  # less than a read block: the reader waits for more
    p.stdin.flush()
    _wait_drained(p.stdin.fileno(), p)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=60)
    err = p.stderr.read().decode()
    p.stdin.close()
    assert rc == 130, err
    assert err.strip().splitlines() == ["redactor: interrupted; nothing was written"], err
    assert sorted(os.listdir(tmp_path)) == ["map.yaml", "req.sqlite3"] or not out.exists()
    assert not out.exists()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    done = [p for k, p in statuses(log) if k == "completion"]
    assert done and done[-1]["status"] == "failed" and "interrupted" in done[-1]["error"]


def test_ctrl_c_while_writing_discards_the_output(tmp_path: Path, setup, monkeypatch):
    """An interrupt in the middle of the stream (after the request was logged)."""
    import redactor.pipeline as pipeline

    m, log = setup
    src = tmp_path / "in.csv"
    src.write_text(rows(20))
    out = tmp_path / "out.csv"

    def interrupt(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "transformed", interrupt)
    r = CliRunner().invoke(
        cli,
        [
            "redact",
            str(src),
            "-o",
            str(out),
            "--map",
            str(m),
            "--table",
            "t",
            "--log",
            str(log),
            *CIVIL,
        ],
        catch_exceptions=False,
    )
    assert r.exit_code == 130, r.stderr
    assert r.stderr.strip().splitlines()[-1] == "redactor: interrupted; nothing was written"
    assert not out.exists() and not Path(f"{out}.manifest.json").exists()
    kinds = statuses(log)
    assert [k for k, _ in kinds] == ["request", "completion"]
    assert kinds[1][1]["status"] == "failed"
