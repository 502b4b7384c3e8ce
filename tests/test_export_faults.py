"""`redactor export` under faults: SIGKILL at random points, a PostgreSQL connection dropped
mid-stream, and unreadable database files.

Whatever happens, the destination is whole or absent, the request log verifies, and a request is
never logged as anything it did not do (a kill leaves it ``incomplete``; a failure ``failed``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow.parquet as pq
import pytest

from redactor.requestlog import open_log
from tests.support.pgcluster import READER, pg_cluster  # noqa: F401 - pytest fixture

ROOT = Path(__file__).resolve().parent.parent
ROWS = 300_000
KILLS = int(os.environ.get("REDACTOR_EXPORT_KILLS", "50"))
LANES = 4  # concurrent exports; each lane has its own request log
PURPOSE = [
    "--purpose",
    "civil_immigration_enforcement",
    "--agency",
    "ICE",
    "--policy",
    "colorado-sb21-131",
]
MAP = """name: faults
tables:
  people:
    columns:
      id: none
      first_name: name
      ssn: ssn
      dl_number: {category: drivers_license, action: mask, keep_last: 4}
      city: none
"""
SELECT_PEOPLE = (
    "SELECT i AS id, 'CnryFirst' || i AS first_name, 'CNRYSSN' || i AS ssn, "
    "'CNRYDL' || lpad(CAST(i AS VARCHAR), 8, '0') AS dl_number, "
    "'City' || (i % 7) AS city"
)


def _export(
    db_url: str, out: Path, log: Path, map_path: Path, batch_rows: int = 20_000, **kw
) -> subprocess.Popen:
    env = {**os.environ, "REDACTOR_LOG": str(log)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "redactor",
            "export",
            "--db",
            db_url,
            "SELECT * FROM people",
            "--map",
            str(map_path),
            *PURPOSE,
            "-o",
            str(out),
            "--batch-rows",
            str(batch_rows),
            "-q",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        **kw,
    )


def _outcomes(log: Path) -> list[str]:
    with open_log(log, create=False) as lg:
        assert lg.verify().ok, f"{log} does not verify"
        return [v.outcome for v in lg.requests()]


def _tables(path: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
    finally:
        con.close()


def _lane_outcomes(log: Path) -> list[str]:
    """Outcomes in a lane's log. A kill while the very first process of a lane was creating the
    log can leave an SQLite file without the log's schema (nothing begun; see the report on
    redactor/requestlog/store_sqlite.py): that counts as an empty log only when it holds no
    table at all."""
    if not log.exists():
        return []
    if not _tables(log):
        return []
    with open_log(log, create=False) as lg:
        assert lg.verify().ok, f"{log} does not verify"
        return [v.outcome for v in lg.requests()]


@pytest.fixture(scope="module")
def big_duckdb(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    d = tmp_path_factory.mktemp("faults")
    con = duckdb.connect(str(d / "big.duckdb"))
    con.execute(f"CREATE TABLE people AS {SELECT_PEOPLE} FROM range({ROWS}) t(i)")
    con.close()
    (d / "map.yaml").write_text(MAP)
    return f"duckdb:///{d / 'big.duckdb'}", d / "map.yaml"


def test_sigkill_during_export_never_leaves_partial_output(big_duckdb, tmp_path: Path) -> None:
    url, map_path = big_duckdb
    # Calibrate on LANES whole runs at once (as loaded as the kill loop), so that kills land
    # anywhere from start-up to the rename.
    t0 = time.perf_counter()
    procs = [
        _export(url, tmp_path / f"whole{j}.parquet", tmp_path / f"whole{j}.sqlite3", map_path)
        for j in range(LANES)
    ]
    for j, p in enumerate(procs):
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
        assert pq.ParquetFile(tmp_path / f"whole{j}.parquet").metadata.num_rows == ROWS
        assert _outcomes(tmp_path / f"whole{j}.sqlite3") == ["redacted"]
    full = time.perf_counter() - t0

    rng = random.Random(20261122)
    offsets = [rng.uniform(0.02, 1.1 * full) for _ in range(KILLS)]

    def attempt(i: int) -> tuple[int, bool]:
        lane = i % LANES
        out = tmp_path / f"out{i}.parquet"
        proc = _export(url, out, tmp_path / f"lane{lane}.sqlite3", map_path)
        time.sleep(offsets[i])
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=300)
        assert proc.returncode in (0, -signal.SIGKILL), proc.returncode
        return lane, killed

    # Attempts of one lane run one after another (their log sees kills in sequence).
    by_lane: dict[int, list[int]] = {}
    for i in range(KILLS):
        by_lane.setdefault(i % LANES, []).append(i)
    with ThreadPoolExecutor(LANES) as pool:
        results = list(pool.map(lambda ids: [attempt(i) for i in ids], by_lane.values()))
    killed = sum(k for lane in results for _, k in lane)

    outcomes: list[str] = []
    for lane, ids in by_lane.items():
        lane_outcomes = _lane_outcomes(tmp_path / f"lane{lane}.sqlite3")
        outcomes += lane_outcomes
        assert set(lane_outcomes) <= {"incomplete", "redacted"}, lane_outcomes
        # A kill before the log's begin entry leaves no entry: at most one per attempt.
        assert len(lane_outcomes) <= len(ids)
        whole = 0
        for i in ids:
            out = tmp_path / f"out{i}.parquet"
            if out.exists():  # never partial: a destination exists only once it is whole
                assert pq.ParquetFile(out).metadata.num_rows == ROWS
                assert Path(f"{out}.manifest.json").exists()
                whole += 1
        # Completion is logged just before the rename: a kill between them leaves a
        # "redacted" entry without a file, never a file without one.
        assert whole <= lane_outcomes.count("redacted")
    assert killed >= KILLS // 4, (killed, full)
    assert outcomes.count("incomplete") >= 1, outcomes


def _one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("  hint:")]
    assert len(lines) == 1 and lines[0].startswith("redactor:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def _failed_once(log: Path) -> None:
    assert _outcomes(log) == ["failed"]


@pytest.mark.postgres
def test_postgres_connection_dropped_mid_stream(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    import psycopg

    dbname = "faults_drop"
    pg_cluster.new_database(dbname)
    with psycopg.connect(pg_cluster.dsn_for(dbname), autocommit=True) as con:
        con.execute(
            "CREATE TABLE people AS SELECT g AS id, 'CnryFirst' || g AS first_name, "
            "'CNRYSSN' || g AS ssn, 'CNRYDL' || lpad(g::text, 8, '0') AS dl_number, "
            "'City' || (g % 7) AS city FROM generate_series(1, 400000) g"
        )
    pg_cluster.reader_url(dbname)  # exports run as the least-privilege reader role
    secret = "Sekr3tPw9"
    url = (
        f"postgresql://{READER}:{secret}@/{dbname}?"
        f"host={quote(str(pg_cluster.socket_dir), safe='')}"
    )
    (tmp_path / "map.yaml").write_text(MAP)
    outdir = tmp_path / "out"
    outdir.mkdir()
    out, log = outdir / "drop.csv", tmp_path / "log.sqlite3"
    proc = _export(url, out, log, tmp_path / "map.yaml", batch_rows=500)
    # Wait until the export streams (its server-side cursor is being fetched from), then drop
    # its connection from a second one.
    n = 0
    deadline = time.monotonic() + 120
    with psycopg.connect(pg_cluster.dsn_for("postgres"), autocommit=True) as con:
        while not n and proc.poll() is None and time.monotonic() < deadline:
            n = con.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND query LIKE 'FETCH FORWARD%%'",
                (dbname,),
            ).fetchone()[0]
            time.sleep(0.01)
    assert n >= 1, "the export finished before its connection could be dropped"
    _, err = proc.communicate(timeout=120)
    stderr = err.decode()
    assert proc.returncode == 4, stderr
    line = _one_line(stderr)
    assert secret not in stderr and "Could not fetch rows from" in line, line
    assert list(outdir.iterdir()) == []  # no output, temporary file removed
    _failed_once(log)
    with open_log(log, create=False) as lg:
        (view,) = lg.requests()
        assert secret not in repr(view)


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "missing"])
@pytest.mark.parametrize("engine", ["duckdb", "sqlite"])
def test_unreadable_database_file_fails_cleanly(tmp_path: Path, engine: str, damage: str) -> None:
    db = tmp_path / f"agency.{engine}"
    if engine == "duckdb":
        con = duckdb.connect(str(db))
        con.execute(f"CREATE TABLE people AS {SELECT_PEOPLE} FROM range(20000) t(i)")
        con.close()
    else:
        import sqlite3

        con = sqlite3.connect(db)
        con.execute("CREATE TABLE people (id, first_name, ssn, dl_number, city)")
        con.executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?, ?)",
            [
                (i, f"CnryFirst{i}", f"CNRYSSN{i}", f"CNRYDL{i:08d}", f"City{i % 7}")
                for i in range(20000)
            ],
        )
        con.commit()
        con.close()
    data = db.read_bytes()
    if damage == "corrupt":  # keep the header, scramble the pages
        rng = random.Random(7)
        db.write_bytes(data[:100] + bytes(rng.randrange(256) for _ in range(len(data) - 100)))
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 3])
    else:
        db.unlink()
    (tmp_path / "map.yaml").write_text(MAP)
    outdir = tmp_path / "out"
    outdir.mkdir()
    log = tmp_path / "log.sqlite3"
    proc = _export(f"{engine}:///{db}", outdir / "x.csv", log, tmp_path / "map.yaml")
    _, err = proc.communicate(timeout=120)
    stderr = err.decode()
    assert proc.returncode == 4, stderr
    _one_line(stderr)
    assert "CNRY" not in stderr.upper()
    assert list(outdir.iterdir()) == []
    _failed_once(log)
