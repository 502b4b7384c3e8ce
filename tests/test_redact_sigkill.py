"""A `redactor redact` killed with SIGKILL at any point leaves no output at the destination and
a request log that verifies, where the request shows as incomplete (never as released)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from redactor.requestlog import open_log

ROOT = Path(__file__).resolve().parent.parent


def test_sigkill_at_random_points(tmp_path: Path):
    src = tmp_path / "big.csv"
    with open(src, "w") as f:
        f.write("FRST_NM,SOC_SEC_NO,county_cd\n")
        for i in range(900_000):
            f.write(f"Name{i},078-05-{i % 10000:04d},{i % 64:03d}\n")
    m = tmp_path / "map.yaml"
    m.write_text("name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
                 "      SOC_SEC_NO: ssn\n      county_cd: none\n")
    log_path = tmp_path / "log.sqlite3"
    env = {**os.environ, "REDACTOR_LOG": str(log_path)}
    rng = random.Random(20261122)
    killed = 0
    for attempt in range(8):
        out = tmp_path / f"out{attempt}.parquet"
        p = subprocess.Popen(
            [sys.executable, "-m", "redactor", "redact", str(src), "-o", str(out), "--map",
             str(m), "--purpose", "civil_immigration_enforcement", "-q"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.15, 1.0))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        assert p.returncode in (0, -signal.SIGKILL)
        if out.exists():  # finished (possibly killed after the rename): then it is whole
            assert pq.ParquetFile(out).metadata.num_rows == 900_000
    assert killed >= 2
    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        outcomes = [v.outcome for v in log.requests()]
    assert set(outcomes) <= {"incomplete", "redacted"}
    # an output exists exactly for the requests whose completion was logged
    written = sorted(tmp_path.glob("out*.parquet"))
    assert len(written) == outcomes.count("redacted")
    assert outcomes.count("incomplete") >= 1
