"""The writer thread (redactor/io/background.py): batches written in order and whole, an error
in the thread raised as itself in the command's thread, and a run that fails after output
began leaves no output, no temporary file and no thread behind."""

from __future__ import annotations

import errno
import io
import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.io.background import BackgroundWriter
from redactor.io.formats import Format
from redactor.io.writers import open_writer

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def _batches(n: int) -> list[pa.RecordBatch]:
    return [
        pa.record_batch({"i": pa.array(range(k * 100, k * 100 + 100)), "s": [f"v{k}"] * 100})
        for k in range(n)
    ]


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "redactor-writer"]


def test_batches_are_written_in_order_and_whole():
    direct, background = io.BytesIO(), io.BytesIO()
    schema = _batches(1)[0].schema
    w = open_writer(Format.CSV, direct, schema)
    for b in _batches(50):
        w.write(b)
    w.close()
    bw = BackgroundWriter(open_writer(Format.CSV, background, schema))
    for b in _batches(50):
        bw.write(b)
    bw.close()
    assert background.getvalue() == direct.getvalue()
    assert pacsv.read_csv(io.BytesIO(background.getvalue())).num_rows == 5000
    assert not _writer_threads()


class _FailsAt:
    def __init__(self, k: int) -> None:
        self.k, self.written = k, 0

    def write(self, batch: pa.RecordBatch) -> None:
        if self.written == self.k:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.written += 1

    def close(self) -> None:
        self.closed_after = self.written


def test_an_error_in_the_thread_is_raised_as_itself_and_nothing_after_it_is_written():
    inner = _FailsAt(3)
    bw = BackgroundWriter(inner)
    with pytest.raises(OSError) as err:
        for b in _batches(40):
            bw.write(b)
        bw.close()
    assert err.value.errno == errno.ENOSPC
    assert inner.written == 3
    bw.abandon()  # as the pipeline does on any error: returns, the thread is gone
    assert not _writer_threads()
    assert inner.closed_after == 3  # closed once the thread had stopped


def test_abandon_stops_a_thread_with_batches_queued():
    started, release = threading.Event(), threading.Event()

    class Slow:
        written = 0

        def write(self, batch: pa.RecordBatch) -> None:
            started.set()
            release.wait(5)
            Slow.written += 1

        def close(self) -> None:
            pass

    bw = BackgroundWriter(Slow())
    bw.write(_batches(1)[0])
    started.wait(5)
    bw.write(_batches(1)[0])  # queued behind the one being written
    release.set()
    bw.abandon()
    assert not _writer_threads()
    assert Slow.written <= 2
    with pytest.raises(RuntimeError):
        bw.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_malformed_row_after_output_began_leaves_nothing(tmp_path: Path, fmt: str):
    """Rows 1..199,999 are good (three batches are written through the thread), the last is
    ragged: exit 4, no output, no temporary file, and no writer thread left running."""
    src = tmp_path / "in.csv"
    with open(src, "w") as f:
        f.write("FRST_NM,SOC_SEC_NO,county_cd\n")
        for i in range(200_000):
            f.write(f"Zed{i},078-05-{i % 10_000:04d},{i % 64:03d}\n")
        f.write("Zed,078-05-1111,001,extra\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: m\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
        "      county_cd: none\n"
    )
    outdir = tmp_path / "dest"
    outdir.mkdir()
    out = outdir / f"o.{fmt}"
    r = CliRunner().invoke(
        cli,
        ["redact", str(src), "-o", str(out), "--map", str(m), "--table", "t", "-q", *CIVIL],
        catch_exceptions=False,
    )
    assert r.exit_code == 4, r.stderr
    assert "200,002" in r.stderr or "200002" in r.stderr, r.stderr  # the line is named
    assert list(outdir.iterdir()) == []
    assert not _writer_threads()
