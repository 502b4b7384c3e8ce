"""Timed child processes: the floor copies, the real ``redactor`` CLI and the Presidio peer.

Every measured run is a fresh process (so interpreter start-up and imports count, as they do
for a user), reaped with ``os.wait4`` for its own peak RSS and CPU times. Outputs go to a
scratch directory and are deleted after each repetition, except where a caller keeps them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import data
from benchmarks.data import Dataset

PURPOSE = ("--purpose", "civil_immigration_enforcement", "--agency", "ICE")


class ChildFailed(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ChildRun:
    wall_s: float
    user_s: float
    sys_s: float
    maxrss_mb: float
    stdout: str = field(repr=False, default="")

    def json(self) -> dict:
        return json.loads(self.stdout.strip().splitlines()[-1])


@dataclass
class Measurement:
    name: str
    rows: int
    runs: list[ChildRun] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    command: str = ""

    @property
    def median_s(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_mb for r in self.runs)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.median_s

    def summary(self) -> dict:
        return {
            "name": self.name,
            "rows": self.rows,
            "median_s": round(self.median_s, 4),
            "runs_s": [round(r.wall_s, 4) for r in self.runs],
            "cpu_s": [round(r.user_s + r.sys_s, 3) for r in self.runs],
            "maxrss_mb": round(self.maxrss_mb, 1),
            "rows_per_s": round(self.rows_per_s, 1),
            "command": self.command,
            **self.extra,
        }


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Pattern-only scrubbing and the default pack, whatever the caller's shell says.
    for var in ("REDACTOR_SPACY_MODEL", "REDACTOR_POLICY", "REDACTOR_KEY_FILE"):
        env.pop(var, None)
    # BENCH_REDACTOR_TREE: a snapshot of the redactor package to measure (e.g. one commit,
    # extracted with git archive) ahead of the working tree, which others may be editing.
    tree = env.get("BENCH_REDACTOR_TREE")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, str(data.REPO), env.get("PYTHONPATH")]))
    return env


# A child's ru_maxrss starts at the RSS of the process that spawned it (Linux keeps the
# high-water mark across fork/vfork + exec), so a fat benchmark process would inflate every
# child's figure. Children are therefore started by this small launcher (``python -S``, ~11 MB),
# which times them and reports their own wait4 usage.
_LAUNCHER = """\
import json, os, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    json.dump([wall, os.waitstatus_to_exitcode(status), ru.ru_utime, ru.ru_stime, ru.ru_maxrss], f)
"""


def run_child(argv: Sequence[str], *, cwd: Path = data.REPO) -> ChildRun:
    """Run ``argv`` to completion; its wall time, CPU times and peak RSS. Raises on failure."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as rep,
    ):
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, rep.name, *argv]
        subprocess.run(launcher, stdout=out, stderr=err, cwd=cwd, env=child_env(), check=True)
        wall, rc, user, system, maxrss_kb = json.loads(Path(rep.name).read_text())
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        if rc != 0:
            tail = err.read().decode("utf-8", "replace").strip()[-2000:]
            raise ChildFailed(f"exit {rc}: {' '.join(argv)}\n{tail}")
    return ChildRun(wall, user, system, maxrss_kb / 1024, stdout)


def repeat(
    m: Measurement,
    argv: Sequence[str],
    reps: int,
    cleanup: Sequence[Path] = (),
    after: Callable[[ChildRun], None] | None = None,
) -> Measurement:
    m.command = " ".join(_short(a) for a in argv)
    for _ in range(reps):
        for p in cleanup:
            p.unlink(missing_ok=True)
        run = run_child(argv)
        m.runs.append(run)
        if after:
            after(run)
        print(f"  {m.name}: {run.wall_s:.2f} s, {run.maxrss_mb:.0f} MB", file=sys.stderr)
    return m


def _short(arg: str) -> str:
    """Paths relative to the repository, for commands quoted in the report."""
    try:
        return str(Path(arg).relative_to(data.REPO))
    except ValueError:
        return arg


def redactor_cli() -> list[str]:
    if os.environ.get("BENCH_REDACTOR_TREE"):  # the snapshot, not the installed entry point
        return [sys.executable, "-m", "redactor"]
    exe = Path(sys.executable).with_name("redactor")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "redactor"]


# --------------------------------------------------------------------------------------------------


def floor(ds: Dataset, fmt: str, scratch: Path, reps: int) -> dict[str, Measurement]:
    out = scratch / f"floor.{fmt}"
    result = {}
    for mode in ("stream", "whole"):
        m = Measurement(f"floor {mode} {fmt}", ds.rows)
        argv = [sys.executable, "-m", "benchmarks.floor", mode, fmt, str(ds.path(fmt)), str(out)]
        repeat(m, argv, reps, cleanup=[out])
        m.extra["inner_s"] = [round(r.json()["seconds"], 4) for r in m.runs]
        out.unlink(missing_ok=True)
        result[mode] = m
    return result


def redact(
    ds: Dataset, fmt: str, field_map: Path, scratch: Path, reps: int, name: str, keep: bool = False
) -> Measurement:
    """``redactor redact`` under a restricted decision (civil immigration enforcement, ICE)."""
    out = scratch / f"{name.replace(' ', '_')}.{fmt}"
    manifest = Path(f"{out}.manifest.json")
    argv = [
        *redactor_cli(),
        "redact",
        str(ds.path(fmt)),
        "-o",
        str(out),
        "--map",
        str(field_map),
        "--table",
        data.TABLE,
        *PURPOSE,
        "--requester",
        "benchmark",
        "--log",
        str(scratch / "requests.sqlite3"),
        "-q",
    ]
    m = repeat(Measurement(name, ds.rows), argv, reps, cleanup=[out, manifest])
    m.extra["input_mb"] = round(ds.size(fmt) / 1e6, 1)
    m.extra["output_mb"] = round(out.stat().st_size / 1e6, 1)
    if not keep:
        out.unlink(missing_ok=True)
        manifest.unlink(missing_ok=True)
    else:
        m.extra["output"] = str(out)
    return m


def scan(ds: Dataset, fmt: str, scratch: Path, reps: int) -> Measurement:
    out = scratch / "scan.yaml"
    argv = [*redactor_cli(), "scan", str(ds.path(fmt)), "--table", data.TABLE, "-o", str(out)]
    m = repeat(Measurement(f"scan {fmt}", ds.rows), argv, reps, cleanup=[out])
    out.unlink(missing_ok=True)
    return m


def presidio(slice_: Dataset, scratch: Path, reps: int) -> Measurement:
    out = scratch / "presidio.csv"
    argv = [sys.executable, "-m", "benchmarks.presidio_peer", str(slice_.csv), str(out)]
    m = repeat(Measurement("presidio-structured", slice_.rows), argv, reps, cleanup=[out])
    inner = [r.json() for r in m.runs]
    m.extra.update(
        {
            "inner_s": [round(i["seconds"], 3) for i in inner],
            "analyse_s": [round(i["analyse_seconds"], 3) for i in inner],
            "anonymise_s": [round(i["anonymise_seconds"], 3) for i in inner],
            "setup_s": [round(i["setup_seconds"], 3) for i in inner],
            "entity_mapping": inner[-1]["entity_mapping"],
            "output": str(out),
        }
    )
    return m


def inner_rate(m: Measurement) -> float:
    """Rows per second over the timed work only (the median of the children's own timings)."""
    return m.rows / statistics.median(m.extra["inner_s"])


def as_json(m: Measurement) -> dict:
    d = m.summary()
    d["runs"] = [{k: v for k, v in asdict(r).items() if k != "stdout"} for r in m.runs]
    return d
