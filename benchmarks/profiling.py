"""Profiles of the hot paths with pyinstrument (sampling, main thread, wall clock)::

    python -m benchmarks.profiling [--rows N] [--cases redact-csv,...] [--cache-dir DIR]

Runs the real CLI under ``python -m pyinstrument`` on the cached dataset and writes a text
report and a pyinstrument session per case into ``<cache>/profiles/``. Cases: redact-csv,
redact-parquet, scrub-csv, scrub-parquet, scan-csv, scan-parquet. Arrow's own worker threads are
not sampled; time the main thread spends waiting on them shows up in the calling frame.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from benchmarks import data, runners, wide

CASES = (
    "redact-csv", "redact-parquet", "scrub-csv", "scrub-parquet", "scan-csv", "scan-parquet",
    "wide-csv", "wide-parquet",  # the 43-column file, 6 columns left to detection (wide.py)
)  # fmt: skip


def cli_args(
    case: str, ds: data.Dataset, maps: data.Maps, scratch: Path, wide_ds: data.Dataset | None
) -> list[str]:
    kind, fmt = case.split("-")
    src = str(ds.path(fmt))
    if kind == "scan":
        return ["scan", src, "--table", data.TABLE, "-o", str(scratch / "profile-scan.yaml")]
    fmap = maps.scrub if kind == "scrub" else maps.reviewed
    if kind == "wide":
        assert wide_ds is not None
        src, fmap = str(wide_ds.path(fmt)), wide.ensure_wide_map(scratch.parent)
    return [
        "redact", src, "-o", str(scratch / f"profile-{case}.{fmt}"), "--map", str(fmap),
        "--table", data.TABLE, *runners.PURPOSE, "--requester", "benchmark",
        "--log", str(scratch / "requests.sqlite3"), "-q",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--cache-dir", type=Path, default=data.DEFAULT_CACHE)
    ap.add_argument("--seed", type=int, default=data.DEFAULT_SEED)
    args = ap.parse_args(argv)
    cache = data.prepare_cache(args.cache_dir.resolve())
    scratch = cache / "scratch"
    scratch.mkdir(exist_ok=True)
    out_dir = cache / "profiles"
    out_dir.mkdir(exist_ok=True)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    ds = data.ensure_dataset(cache, args.rows, args.seed)
    maps = data.ensure_maps(cache)
    wide_ds = None
    if any(c.startswith("wide") for c in cases):
        wide_ds = wide.ensure_wide(cache, args.rows, args.seed)
    for case in cases:
        if case not in CASES:
            ap.error(f"unknown case {case!r}; one of {', '.join(CASES)}")
        base = out_dir / f"{case}-{args.rows}"
        prof = [sys.executable, "-m", "pyinstrument", "--interval", "0.005"]
        cmd = [*prof, "-r", "pyisession", "-o", f"{base}.pyisession", "-m", "redactor"]
        subprocess.run(
            [*cmd, *cli_args(case, ds, maps, scratch, wide_ds)],
            check=True, cwd=data.REPO, env=runners.child_env(),
        )  # fmt: skip
        text = subprocess.run(
            [*prof, "--load", f"{base}.pyisession", "-r", "text", "-p", "show_all=false"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        Path(f"{base}.txt").write_text(text, encoding="utf-8")
        print(f"{case}: {base}.txt", file=sys.stderr)
    for p in scratch.glob("profile-*"):
        p.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
