"""python -m benchmarks [--rows N] [--reps 3] [--only a,b,...] [--cache-dir DIR] ...

Measures, side by side, each the median of ``--reps`` child-process runs:

  a  floor: pyarrow copy of the same file, no transform (faster of streaming and whole-file)
  b  redactor redact, restricted decision (civil immigration enforcement, ICE), CSV and Parquet
  c  the same with the notes column scrubbed instead of dropped
  d  presidio-structured analyse + anonymise on a slice, and recall of both tools on it
  e  redactor scan on the full file
  f  SQL rewrite latency over the golden fixtures (in process)
  g  peak RSS of b and c at two sizes (the other size: --rss-rows, --rss-scale, or 1M when
     --rows is not 1M)

b and c bring a along (their targets are ratios to it). Prints a table with PASS/FAIL per
target; writes results-<timestamp>.json and .md into the cache directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks import data, groundtruth, report, runners, sqlbench

ALL = "a,b,c,d,e,f,g"
MILLION = 1_000_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--rows", type=int, default=MILLION, help="dataset rows (default 1,000,000)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per measurement (default 3)")
    ap.add_argument("--only", default=ALL, help="comma-separated subset of a,b,c,d,e,f,g")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=data.DEFAULT_CACHE,
        help="datasets, scratch files and results (default benchmarks/.cache)",
    )
    ap.add_argument("--seed", type=int, default=data.DEFAULT_SEED)
    ap.add_argument(
        "--presidio-rows",
        type=int,
        default=10_000,
        help="rows of the slice given to presidio-structured (default 10,000)",
    )
    ap.add_argument("--presidio-reps", type=int, default=None, help="default: --reps")
    ap.add_argument("--rss-rows", type=int, default=None, help="second size for g")
    ap.add_argument("--rss-scale", action="store_true", help="g at 10x --rows (10M by default)")
    ap.add_argument(
        "--rss-reps", type=int, default=1, help="repetitions at the second size (default 1)"
    )
    ap.add_argument(
        "--wait-load",
        type=float,
        default=None,
        help="first wait (up to 15 min) until the 1-minute load average is below this",
    )
    ap.add_argument("--sql-rounds", type=int, default=20, help="rounds over the SQL fixtures")
    args = ap.parse_args(argv)
    only = set(args.only.replace(",", "").replace(" ", ""))
    if not only or only - set(ALL.replace(",", "")):
        ap.error(f"--only takes letters from {ALL}")
    if only & {"b", "c"}:
        only.add("a")
    args.only = only
    if args.rss_rows is None:
        if args.rss_scale:
            args.rss_rows = args.rows * 10
        elif args.rows != MILLION:
            args.rss_rows = MILLION
    if args.reps < 1 or args.rows < 1000:
        ap.error("--reps must be >= 1 and --rows >= 1000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cache = data.prepare_cache(args.cache_dir.resolve())
    scratch = cache / "scratch"
    scratch.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    maps = data.ensure_maps(cache)
    ds = data.ensure_dataset(cache, args.rows, args.seed)
    if args.wait_load is not None:
        wait_for_quiet(args.wait_load)
    res: dict = {
        "stamp": stamp,
        "rows": args.rows,
        "reps": args.reps,
        "seed": args.seed,
        "dataset": {
            "csv_mb": round(ds.size("csv") / 1e6, 1),
            "parquet_mb": round(ds.size("parquet") / 1e6, 1),
            "columns": 24,
            "directory": str(ds.directory),
        },
        "machine": report.machine(),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    reps = args.reps
    try:
        run_all(args, res, cache, scratch, maps, ds, reps)
    except runners.ChildFailed as e:
        print(f"benchmarks: a measured command failed: {e}", file=sys.stderr)
        return 1
    res["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    targets = report.evaluate(res)
    report.emit(res, targets)
    jpath, mpath = report.write(res, targets, cache, stamp)
    print(f"\nresults: {jpath}\n         {mpath}", file=sys.stderr)
    return 0


def wait_for_quiet(limit: float, timeout_s: float = 900) -> None:
    """Other work on the machine inflates every wall time: wait for the load to settle."""
    deadline = time.monotonic() + timeout_s
    while (load := os.getloadavg()[0]) >= limit and time.monotonic() < deadline:
        print(f"load average {load:.2f} >= {limit}: waiting ...", file=sys.stderr)
        time.sleep(20)


def run_all(args, res, cache, scratch, maps, ds, reps) -> None:
    only = args.only
    if "a" in only:
        res["floor"] = {}
        for fmt in ("csv", "parquet"):
            f = runners.floor(ds, fmt, scratch, reps)
            res["floor"][fmt] = {
                "stream": f["stream"].summary(),
                "whole": f["whole"].summary(),
                "best_s": min(m.median_s for m in f.values()),
            }
    cases = [("b", "redact", maps.reviewed), ("c", "scrub", maps.scrub)]
    for key, case, fmap in cases:
        if key in only:
            res[case] = {
                fmt: runners.redact(ds, fmt, fmap, scratch, reps, f"{case} {fmt}").summary()
                for fmt in ("csv", "parquet")
            }
    if only & {"b", "c"}:
        tiny = data.ensure_dataset(cache, 1000, args.seed)
        res["startup"] = {
            "redactor redact, 1,000-row CSV": runners.redact(
                tiny, "csv", maps.reviewed, scratch, reps, "startup redact"
            ).summary(),
            "pyarrow stream copy, 1,000-row CSV": runners.floor(tiny, "csv", scratch, reps)[
                "stream"
            ].summary(),
        }
    if "d" in only:
        peer(args, res, cache, scratch, maps)
    if "e" in only:
        res["scan"] = {
            fmt: runners.scan(ds, fmt, scratch, reps).summary() for fmt in ("csv", "parquet")
        }
    if "f" in only:
        res["sql"] = sqlbench.measure(args.sql_rounds)
    if "g" in only and args.rss_rows:
        rss(args, res, cache, scratch, maps, ds)


def peer(args, res, cache, scratch, maps) -> None:
    """d: presidio-structured on the slice; recall of it and of redactor on the same rows."""
    sl = data.ensure_dataset(cache, args.presidio_rows, args.seed)
    self_check = groundtruth.measure_recall(sl.csv, sl.csv)
    if self_check.rate() != 0.0:  # the input must leak everything, or the check cannot fail
        raise AssertionError("recall of the input against itself is not 0")
    m = runners.presidio(sl, scratch, args.presidio_reps or args.reps)
    d = m.summary()
    d["median_inner_s"] = sorted(d["inner_s"])[len(d["inner_s"]) // 2]
    d["rows_per_s_inner"] = m.rows / d["median_inner_s"]
    d["recall"] = groundtruth.measure_recall(sl.csv, Path(d["output"])).as_dict()
    res["presidio"] = d
    res["redactor_recall"] = {}
    for name, fmap in (("scrub", maps.scrub), ("reviewed", maps.reviewed)):
        r = runners.redact(sl, "csv", fmap, scratch, 1, f"recall {name}", keep=True)
        out = Path(r.extra["output"])
        res["redactor_recall"][name] = groundtruth.measure_recall(sl.csv, out).as_dict()
        res["redactor_recall"][name]["slice_rows_per_s"] = round(r.rows_per_s, 1)


def rss(args, res, cache, scratch, maps, ds) -> None:
    """g: peak RSS of the redact runs at the main size and at the second size."""
    other = data.ensure_dataset(cache, args.rss_rows, args.seed)
    runs: dict = {}
    for case, fmap in (("redact", maps.reviewed), ("scrub", maps.scrub)):
        for fmt in ("csv", "parquet"):
            if case not in res:  # b/c were not selected: one run at the main size
                m = runners.redact(ds, fmt, fmap, scratch, 1, f"{case} {fmt}")
                res.setdefault(f"_{case}", {})[fmt] = m.summary()
            m = runners.redact(other, fmt, fmap, scratch, args.rss_reps, f"{case} {fmt}")
            runs[f"{case} {fmt}"] = m.summary()
    small, large = sorted((args.rows, args.rss_rows))
    cases = {}
    for name, m_other in runs.items():
        case, fmt = name.split()
        main_m = (res.get(case) or res[f"_{case}"])[fmt]
        by_rows = {args.rows: main_m["maxrss_mb"], args.rss_rows: m_other["maxrss_mb"]}
        cases[name] = {"small_mb": by_rows[small], "large_mb": by_rows[large]}
    res["rss"] = {"rows_small": small, "rows_large": large, "cases": cases}
    res["rss_runs"] = runs


if __name__ == "__main__":
    sys.exit(main())
