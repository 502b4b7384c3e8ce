"""Faults on the file path: a full disk (injected, and a real small tmpfs where the machine
allows) fails cleanly — exit 4, one line, no output, no temporary file, a ``failed`` request in
a log that verifies; outputs are owner-only; temporary files are anonymous (O_TMPFILE) or swept
when their process is dead."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.io import streams, writers
from redactor.io.writers import AtomicOutput
from redactor.requestlog import open_log

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
MAP = (
    "name: m\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
    "      county_cd: none\n      notes: none\n"
)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    with open(src, "w") as f:
        f.write("FRST_NM,SOC_SEC_NO,county_cd,notes\n")
        for i in range(60_000):
            f.write(f"Zed{i},078-05-{i % 10_000:04d},{i % 64:03d},{os.urandom(12).hex()}\n")
    m = tmp_path / "map.yaml"
    m.write_text(MAP)
    return src, m


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _assert_clean_failure(r, out: Path, log_path: Path, needle: str) -> None:
    assert r.exit_code == 4, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith(f"redactor: {out}: cannot write the output") and needle in lines[0]
    assert all(line.startswith("  hint: ") for line in lines[1:])
    assert list(out.parent.iterdir()) == []  # no output, no manifest, no temporary file
    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        views = list(log.requests())
    assert [v.outcome for v in views] == ["failed"]
    assert "No space left" in (views[0].completion.error or "")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("anonymous", [True, False])
def test_injected_enospc_fails_cleanly(
    inputs, tmp_path: Path, log_path: Path, monkeypatch, fmt: str, anonymous: bool
):
    src, m = inputs
    real_write = streams.HashingWriter.write

    def full_disk(self, b):
        if self.bytes_written + len(b) > 20_000:
            self.error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise self.error
        return real_write(self, b)

    monkeypatch.setattr(streams.HashingWriter, "write", full_disk)
    if not anonymous:
        monkeypatch.setattr(AtomicOutput, "_open_anonymous", lambda self, parent: None)
    outdir = tmp_path / "dest"
    outdir.mkdir()
    out = outdir / f"o.{fmt}"
    r = _run("redact", str(src), "-o", str(out), "--map", str(m), "-q", *CIVIL)
    _assert_clean_failure(r, out, log_path, "No space left on device")


def test_real_small_filesystem_fills_up(inputs, tmp_path: Path, log_path: Path):
    src, m = inputs
    mnt = tmp_path / "small"
    mnt.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot mount a tmpfs here: {e}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        out = mnt / "o.csv"
        r = _run("redact", str(src), "-o", str(out), "--map", str(m), "-q", *CIVIL)
        _assert_clean_failure(r, out, log_path, "No space left on device")
        assert os.statvfs(mnt).f_bfree == os.statvfs(mnt).f_blocks  # the space came back
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=20)


def test_outputs_are_owner_only_whatever_the_umask(inputs, tmp_path: Path):
    src, m = inputs
    out = tmp_path / "o.parquet"
    out.write_text("previous export")
    os.chmod(out, 0o644)
    old = os.umask(0)
    try:
        r = _run("redact", str(src), "-o", str(out), "--map", str(m), "-q", *CIVIL)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    assert Path(f"{out}.manifest.json").stat().st_mode & 0o777 == 0o600


def test_temporary_output_is_anonymous_until_commit(tmp_path: Path):
    out = AtomicOutput(str(tmp_path / "o.csv"))
    sink = out.open()
    sink.write(b"a,b\n1,2\n")
    out.finish_writing()
    assert list(tmp_path.iterdir()) == []  # nothing named exists while writing
    out.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]
    assert (tmp_path / "o.csv").read_bytes() == b"a,b\n1,2\n"
    aborted = AtomicOutput(str(tmp_path / "x.csv"))
    aborted.open().write(b"partial")
    aborted.abort()
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]


def test_link_fallback_copies_when_proc_link_fails(tmp_path: Path, monkeypatch):
    out = AtomicOutput(str(tmp_path / "o.csv"))
    out.open().write(b"x" * 100_000)

    def no_link(*a, **k):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    out.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]
    assert (tmp_path / "o.csv").read_bytes() == b"x" * 100_000
    assert (tmp_path / "o.csv").stat().st_mode & 0o777 == 0o600


def test_stale_named_temps_of_dead_processes_are_swept(inputs, tmp_path: Path):
    src, m = inputs
    dest = tmp_path / "dest"
    dest.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = writers._HOST
    dead = dest / f".o.csv.redactor-{host}-{gone.pid}-{uuid.uuid4().hex[:8]}.tmp"
    live = dest / f".o.csv.redactor-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    other_host = dest / f".o.csv.redactor-elsewhere-{gone.pid}-{uuid.uuid4().hex[:8]}.tmp"
    unrelated = dest / ".o.csv.swp"
    for p in (dead, live, other_host, unrelated):
        p.write_text("partial")
    r = _run("redact", str(src), "-o", str(dest / "o.csv"), "--map", str(m), "-q", *CIVIL)
    assert r.exit_code == 0, r.stderr
    left = sorted(p.name for p in dest.iterdir())
    assert dead.name not in left
    assert {live.name, other_host.name, unrelated.name, "o.csv"} <= set(left)
