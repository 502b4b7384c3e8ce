"""Progress: a bar on a terminal only after ~2 s and never under -q or off a terminal; with
`--progress json`, JSON lines (redactor.progress/1) on standard error, data untouched on stdout;
the engine's callback sees rows and bytes per batch."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.cli.progress import SCHEMA, ProgressReport

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_on_a_terminal_waits_two_seconds_then_draws():
    clock, out = Clock(), Tty()
    rep = ProgressReport("auto", total_bytes=1000, stream=out, clock=clock)
    clock.t += 1.5
    rep.update(10, 100)
    assert out.getvalue() == ""  # a short job stays silent
    clock.t += 1.0
    rep.update(20, 200)
    drawn = out.getvalue()
    assert "20 rows" in drawn
    rep.close()


@pytest.mark.parametrize(("stream", "quiet"), [(io.StringIO(), False), (Tty(), True)])
def test_auto_is_silent_off_a_terminal_or_under_quiet(stream, quiet):
    clock = Clock()
    rep = ProgressReport("auto", quiet=quiet, stream=stream, clock=clock)
    for i in range(5):
        clock.t += 10
        rep.update(i * 100, i * 1000)
    rep.close()
    assert stream.getvalue() == ""
    assert rep.mode == "off"


def test_json_lines_have_the_documented_shape_and_eta():
    clock, out = Clock(), io.StringIO()
    rep = ProgressReport("json", total_bytes=4000, stream=out, clock=clock, interval=1.0)
    clock.t += 0.5
    rep.update(10, 500)  # not yet due
    clock.t += 0.5
    rep.update(20, 1000)
    clock.t += 1.0
    rep.update(40, 2000)
    rep.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["event"] for d in lines] == ["progress", "progress", "done"]
    first = lines[0]
    assert set(first) == {
        "schema",
        "event",
        "rows",
        "bytes",
        "total_rows",
        "total_bytes",
        "elapsed_s",
        "rows_per_s",
        "bytes_per_s",
        "eta_s",
    }
    assert first["schema"] == SCHEMA
    assert (first["rows"], first["bytes"], first["total_bytes"]) == (20, 1000, 4000)
    assert first["eta_s"] == pytest.approx(3.0)  # 3000 bytes left at 1000 B/s
    assert lines[-1]["rows"] == 40 and lines[-1]["eta_s"] is None


def test_a_failed_job_ends_with_stopped():
    out = io.StringIO()
    with pytest.raises(RuntimeError), ProgressReport("json", stream=out):
        raise RuntimeError("boom")
    assert json.loads(out.getvalue().splitlines()[-1])["event"] == "stopped"


@pytest.fixture
def many_rows(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text(
        "ID,SOC_SEC_NO\n" + "".join(f"{i},078-05-{i % 10000:04d}\n" for i in range(5000))
    )
    m = tmp_path / "map.yaml"
    m.write_text("name: p\ntables:\n  t:\n    columns:\n      ID: none\n      SOC_SEC_NO: ssn\n")
    return src, m


def test_redact_progress_json_counts_every_row_and_leaves_stdout_alone(tmp_path, many_rows):
    src, m = many_rows
    argv = ["redact", str(src), "--map", str(m), "--table", "t", *CIVIL, "-q"]
    argv += ["--log", str(tmp_path / "l.sqlite3"), "--progress", "json"]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('"ID"\n"0"') and "078-05" not in result.stdout
    events = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert events[-1]["event"] == "done"
    assert events[-1]["rows"] == 5000
    assert events[-1]["bytes"] == events[-1]["total_bytes"] == src.stat().st_size


def test_engine_progress_callback_sees_rows_and_bytes(tmp_path, many_rows):
    from redactor import Request
    from redactor.api import redact_file

    src, m = many_rows
    from redactor.fieldmap import load_field_map

    seen: list[tuple[int, int | None]] = []
    redact_file(
        str(src),
        str(tmp_path / "out.csv"),
        Request(purposes=("civil_immigration_enforcement",), agency="ICE"),
        field_map=load_field_map(str(m)),
        table_name="t",
        log=str(tmp_path / "l.sqlite3"),
        progress=lambda rows, b: seen.append((rows, b)),
    )
    assert seen and seen[-1][0] == 5000
    assert seen[-1][1] == src.stat().st_size
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)


def test_export_progress_json(tmp_path):
    import sqlite3

    db = tmp_path / "a.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE drivers (county_cd TEXT)")
    con.executemany("INSERT INTO drivers VALUES (?)", [(f"{i:03d}",) for i in range(300)])
    con.commit()
    con.close()
    fmap = tmp_path / "map.yaml"
    fmap.write_text("name: k\ntables:\n  drivers:\n    columns:\n      county_cd: none\n")
    argv = ["export", "--db", f"sqlite:///{db}", "SELECT * FROM drivers", "--map", str(fmap)]
    argv += ["--agency", "CDLE", "--purpose", "research", "-q", "-o", str(tmp_path / "o.csv")]
    argv += ["--log", str(tmp_path / "l.sqlite3"), "--progress", "json", "--batch-rows", "100"]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    last = json.loads(result.stderr.strip().splitlines()[-1])
    assert (last["schema"], last["event"], last["rows"]) == (SCHEMA, "done", 300)
