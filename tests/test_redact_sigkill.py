"""`redactor redact` killed with SIGKILL at random points, 50 times: never a partial output at the
destination, never a leftover temporary file, always a request log that verifies, and a request
shows as incomplete or redacted only — and redacted only with its whole output in place.

Two kinds of victim, run a few at a time:

* stdin victims are fed a random number of bytes of a CSV on standard input that is never
  closed, so they cannot finish: whatever they did, the outcome must be no entry or
  ``incomplete`` and nothing may appear at the destination. Those fed more than two read blocks
  must reach the point where the request is logged; the test waits for that entry, then kills
  — so every run exercises kills after the request was logged, by construction.
* file victims read a file and are killed after a random delay, anywhere from start-up to
  after they finished; the assertions hold whatever the timing.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pacsv

from redactor.io.readers import _block_bytes
from redactor.io.writers import _TMP_RE
from redactor.requestlog import LogUnavailableError, open_log

_CSV_BLOCK = _block_bytes()  # the reader's block: the first batch needs one whole block
ROWS = 1_500_000  # > two read blocks, for the stdin victims
FILE_ROWS = 300_000
FILE_VICTIMS = 36
STDIN_VICTIMS = 14
MAP = (
    "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
    "      county_cd: none\n"
)


@dataclass
class Victim:
    n: int
    kind: str  # file | stdin
    dest: Path
    log: Path
    fed: int = 0
    saw_begin: bool = False
    returncode: int | None = None


def _cmd(src: str, v: Victim, m: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "redactor",
        "redact",
        src,
        "--format",
        "csv",
        "-o",
        str(v.dest / "out.csv"),
        "--map",
        str(m),
        "--log",
        str(v.log),
        "-q",
        "--purpose",
        "civil_immigration_enforcement",
        "--agency",
        "ICE",
    ]


def _requests(log: Path) -> list:
    if not log.exists():
        return []
    with open_log(log, create=False) as lg:
        assert lg.verify().ok
        return list(lg.requests())


def _file_victim(v: Victim, src: Path, m: Path, delay: float) -> Victim:
    """Killed ``delay`` seconds after start-up is over (its log file appears), or, for a
    negative delay, that long after it was started (during start-up)."""
    p = subprocess.Popen(_cmd(str(src), v, m), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if delay >= 0:
        deadline = time.monotonic() + 60
        while not v.log.exists() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    time.sleep(abs(delay))
    p.send_signal(signal.SIGKILL)
    v.returncode = p.wait()
    return v


def _stdin_victim(v: Victim, data: bytes, m: Path) -> Victim:
    p = subprocess.Popen(
        _cmd("-", v, m), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert p.stdin is not None
    try:
        p.stdin.write(data[: v.fed])
        p.stdin.flush()
        if v.fed > 2 * _CSV_BLOCK + (1 << 20):  # the first batch is parsed: wait for begin
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not v.saw_begin:
                time.sleep(0.05)
                with contextlib.suppress(LogUnavailableError):  # being created
                    v.saw_begin = bool(_requests(v.log))
            assert v.saw_begin, "a victim fed two blocks never logged its request"
            time.sleep(random.Random(v.n).uniform(0, 0.3))
        else:
            time.sleep(random.Random(v.n).uniform(0.05, 1.0))
        p.send_signal(signal.SIGKILL)
        v.returncode = p.wait()
    finally:
        p.stdin.close() if not p.stdin.closed else None
    return v


def _assert_clean_destination(v: Victim) -> list[Path]:
    """No partial output and no temporary file; returns the output, if one is there."""
    names = sorted(p.name for p in v.dest.iterdir())
    for n in names:
        if n.startswith("."):
            # only a named temp between link and rename could be left, and only if its
            # process is dead (the next run in this folder sweeps it)
            assert _TMP_RE.search(n), f"unexpected leftover {n}"
    return [v.dest / n for n in names if n == "out.csv"]


def test_sigkill_at_random_points(tmp_path: Path):
    rng = random.Random(20261122)
    src = tmp_path / "big.csv"
    with open(src, "w") as f:
        f.write("FRST_NM,SOC_SEC_NO,county_cd\n")
        f.writelines(f"Name{i},078-05-{i % 10000:04d},{i % 64:03d}\n" for i in range(ROWS))
    data = src.read_bytes()
    assert len(data) > 2 * _CSV_BLOCK + (4 << 20)
    small = tmp_path / "small.csv"  # the file victims' input
    cut = 0
    for _ in range(FILE_ROWS + 1):
        cut = data.index(b"\n", cut) + 1
    small.write_bytes(data[:cut])
    m = tmp_path / "map.yaml"
    m.write_text(MAP)

    victims: list[Victim] = []
    for n in range(FILE_VICTIMS + STDIN_VICTIMS):
        kind = "stdin" if n < STDIN_VICTIMS else "file"
        d = tmp_path / f"v{n}"
        d.mkdir()
        v = Victim(n, kind, d, tmp_path / f"log{n}.sqlite3")
        if kind == "stdin":  # half stop before two blocks, half after (no EOF either way)
            hi = 2 * _CSV_BLOCK if n % 2 else len(data) - 1
            lo = 0 if n % 2 else 2 * _CSV_BLOCK + (2 << 20)
            v.fed = rng.randrange(lo, hi)
        victims.append(v)
    # file victims: kill anywhere from start-up to a little after a normal run ends
    t0 = time.monotonic()
    probe_log = tmp_path / "p.sqlite3"
    probe = subprocess.Popen(
        _cmd(str(small), Victim(-1, "file", tmp_path, probe_log), m),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not probe_log.exists() and probe.poll() is None:
        time.sleep(0.01)
    t1 = time.monotonic()
    assert probe.wait() == 0
    work = time.monotonic() - t1  # reading, logging, writing and committing
    (tmp_path / "out.csv").unlink()
    (tmp_path / "out.csv.manifest.json").unlink()
    # one in six during start-up, the rest anywhere in the work and a little after it
    delays = {
        v.n: -rng.uniform(0, t1 - t0) if v.n % 6 == 0 else rng.uniform(0, work * 1.3)
        for v in victims
    }

    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(
            pool.map(
                lambda v: (
                    _stdin_victim(v, data, m)
                    if v.kind == "stdin"
                    else _file_victim(v, small, m, delays[v.n])
                ),
                victims,
            )
        )

    expected_rows = FILE_ROWS
    counts = {"no entry": 0, "incomplete": 0, "redacted": 0}
    for v in done:
        assert v.returncode in (0, -signal.SIGKILL), (v.n, v.returncode)
        reqs = _requests(v.log)  # verifies the log
        assert len(reqs) <= 1
        outcome = reqs[0].outcome if reqs else "no entry"
        assert outcome in counts, outcome
        counts[outcome] += 1
        outputs = _assert_clean_destination(v)
        if v.kind == "stdin":  # standard input never ended: it cannot have completed
            assert v.returncode == -signal.SIGKILL
            assert outputs == [] and outcome in ("no entry", "incomplete")
            if v.saw_begin:
                assert outcome == "incomplete"
            continue
        if v.returncode == 0:
            assert outputs and outcome == "redacted"
        if outputs:  # an output is whole, and logged as released before it appeared
            out = outputs[0]
            assert outcome == "redacted"
            assert reqs[0].completion.output_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
            t = pacsv.read_csv(out)
            assert t.column_names == ["county_cd"] and t.num_rows == expected_rows
            assert (v.dest / "out.csv.manifest.json").exists()
    killed_after_begin = sum(1 for v in done if v.kind == "stdin" and v.saw_begin)
    assert killed_after_begin == STDIN_VICTIMS // 2  # by construction (see the docstring)
    print(
        f"sigkill: {len(done)} victims, probe {t1 - t0:.2f}s + {work:.2f}s, {counts}, "
        f"{killed_after_begin} stdin victims killed after their request was logged"
    )
