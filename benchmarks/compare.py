"""redactor side by side with what a user would pick instead (issue 18)::

    python -m benchmarks.compare [--sizes 1000000,10000000] [--reps 3] [--tools ...] [--proto]

For each size, dataset and format (CSV→CSV, Parquet→Parquet), in one run, interleaved (every
repetition runs every tool once, in a rotated order), median of ``--reps``:

  redactor  ``redactor redact`` (the CLI, a child process) with a request log, restricted decision
  redactor-ref  the same with ``REDACTOR_NARROW_READER=0`` (every row read by the reference reader)
  duckdb    DuckDB ``COPY (SELECT <released columns> FROM read_csv(…, all_varchar=true)) TO …``
  polars    polars ``scan_csv(infer_schema=False)``/``scan_parquet`` → select → ``sink_*``
  pyarrow   the pyarrow whole-file copy of every column (the floor of ``python -m benchmarks``)
  proto     with ``--proto``: benchmarks/duckdb_engine_proto.py (the plan compiled to DuckDB)

Datasets: ``wide`` = 43 columns, a map that leaves 6 to detection (benchmarks/wide.py);
``dmv24`` = the 24 columns of sample_data with field_maps/dmv.yaml (every column mapped);
``scrub`` = dmv24 with the notes scrubbed (redactor and duckdb only). The released columns the
peers project are read from redactor's own output (a warm-up run, which also fills the page
cache). Start-up: every tool on 1,000-row files, and redactor on the wide file with the partial
map against the same file with a full map (the difference is the fixed cost of detection).
Peak RSS from ``wait4`` of each child. Writes ``<cache>/compare-<stamp>.{json,md}``.

The redactor measured is the one an installed user runs: before any timing, the package the
children import (``BENCH_REDACTOR_TREE``'s snapshot, else the working tree) is byte-compiled
once (``python -m compileall``, as pip does at install; a sandbox with
``PYTHONDONTWRITEBYTECODE=1`` would otherwise compile every module on every start), and every
child runs in an empty directory, so ``python -m redactor`` imports that package and not a
``redactor/`` in the current directory (which ``-m`` puts first on ``sys.path``). The timed
command is unchanged. ``--startup-only`` measures just the 1,000-row start-up.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from benchmarks import data, report, runners, wide

TOOLS = ("redactor", "redactor-ref", "duckdb", "polars", "pyarrow")

#: Where the children run: an empty directory (set by :func:`prepare_children`).
CHILD_CWD: Path = data.REPO


def run_child(argv: list[str]) -> runners.ChildRun:
    return runners.run_child(argv, cwd=CHILD_CWD)


def prepare_children(scratch: Path) -> dict:
    """Byte-compile the redactor package the children import, once, and give them an empty
    working directory; check that a child imports that package from its bytecode."""
    global CHILD_CWD
    CHILD_CWD = scratch / "cwd"
    CHILD_CWD.mkdir(exist_ok=True)
    if any(CHILD_CWD.iterdir()):
        raise SystemExit(f"{CHILD_CWD} must be empty: the children run there")
    tree = Path(os.environ.get("BENCH_REDACTOR_TREE") or data.REPO).resolve()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    compile_cmd = [sys.executable, "-m", "compileall", "-q", str(tree / "redactor")]
    subprocess.run(compile_cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    probe = "import redactor; print(redactor.__file__); print(redactor.__spec__.cached)"
    got = subprocess.run(
        [sys.executable, "-c", probe], cwd=CHILD_CWD, env=runners.child_env(),
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    source, cached = Path(got[0]), Path(got[1])
    if not source.is_relative_to(tree) or not cached.is_file():
        raise SystemExit(f"children import {source} (bytecode {cached}), not {tree}'s, compiled")
    return {"imported": str(source.parent), "bytecode": "compiled before timing"}


@dataclass(frozen=True, slots=True)
class Case:
    dataset: str  # wide | dmv24 | scrub
    ds: data.Dataset
    field_map: Path
    fmt: str

    @property
    def key(self) -> str:
        return f"{self.dataset} {self.ds.rows} {self.fmt}"


def full_wide_map(cache: Path) -> Path:
    """The wide map with the six columns listed too (as detection classes them): no detection."""
    doc = yaml.safe_load(wide.ensure_wide_map(cache).read_text(encoding="utf-8"))
    cols = doc["tables"][data.TABLE]["columns"]
    cols.update(
        OFFICE_ID="none",
        TXN_TYP="none",
        LAST_UPD_TS="none",
        ALT_CONTACT="phone",
        REF_NBR="none",
        PREV_LNAME="name",
    )
    doc["name"] = "dmv-wide-bench-full"
    path = cache / "wide-full-map.yaml"
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def output_columns(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        return list(pq.read_schema(path).names)
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def redactor_argv(case: Case, out: Path, log: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        *runners.redactor_cli(), "redact", str(case.ds.path(case.fmt)), "-o", str(out),
        "--map", str(case.field_map), "--table", data.TABLE, *runners.PURPOSE,
        "--requester", "benchmark", "--log", str(log), "-q", *extra,
    ]  # fmt: skip


def tool_argv(tool: str, case: Case, out: Path, columns: list[str], log: Path) -> list[str]:
    src = str(case.ds.path(case.fmt))
    py = sys.executable
    if tool == "redactor":
        return redactor_argv(case, out, log)
    if tool == "redactor-ref":  # the reference reader only (env execs: rusage is redactor's)
        return ["env", "REDACTOR_NARROW_READER=0", *redactor_argv(case, out, log)]
    if tool in ("duckdb", "polars"):
        return [py, "-m", "benchmarks.peers", tool, case.fmt, src, str(out), json.dumps(columns)]
    if tool == "pyarrow":
        return [py, "-m", "benchmarks.floor", "whole", case.fmt, src, str(out)]
    if tool == "proto":
        return [
            py, "-m", "benchmarks.duckdb_engine_proto", src, "-o", str(out),
            "--map", str(case.field_map), "--table", data.TABLE, "--log", str(log), "--quiet",
        ]  # fmt: skip
    raise ValueError(tool)


def run_once(argv: list[str], out: Path) -> dict:
    for p in (out, Path(f"{out}.manifest.json")):
        p.unlink(missing_ok=True)
    load = os.getloadavg()[0]
    try:
        r = run_child(argv)
    except runners.ChildFailed as e:  # the tree is shared: record it and go on
        print(f"  FAILED: {str(e)[:300]}", file=sys.stderr)
        return {"failed": str(e)[:2000], "load1": round(load, 2)}
    size = out.stat().st_size if out.exists() else 0
    for p in (out, Path(f"{out}.manifest.json")):
        p.unlink(missing_ok=True)
    return {
        "wall_s": round(r.wall_s, 4),
        "cpu_s": round(r.user_s + r.sys_s, 3),
        "maxrss_mb": round(r.maxrss_mb, 1),
        "output_mb": round(size / 1e6, 1),
        "load1": round(load, 2),
    }


def summarise(runs: list[dict]) -> dict:
    failed = [r for r in runs if "failed" in r]
    runs = [r for r in runs if "failed" not in r] or [{"wall_s": 0, "cpu_s": 0, "maxrss_mb": 0}]
    return {
        "failed": len(failed),
        "median_s": round(statistics.median(r["wall_s"] for r in runs), 4),
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
        "maxrss_mb": max(r["maxrss_mb"] for r in runs),
        "runs": runs,
    }


def cases_for(cache: Path, rows: int, seed: int, datasets: list[str], formats: list[str]):
    out = []
    for name in datasets:
        if name == "wide":
            ds, fmap = wide.ensure_wide(cache, rows, seed), wide.ensure_wide_map(cache)
        else:
            ds = data.ensure_dataset(cache, rows, seed)
            fmap = data.ensure_maps(cache).scrub if name == "scrub" else data.FIELD_MAP
        out.extend(Case(name, ds, fmap, fmt) for fmt in formats)
    return out


def measure_size(args, cache: Path, scratch: Path, rows: int) -> dict:
    datasets = args.datasets if rows < 10_000_000 else args.large_datasets
    cases = cases_for(cache, rows, args.seed, datasets, args.formats)
    log = scratch / "compare-requests.sqlite3"
    columns: dict[str, list[str]] = {}
    results: dict[str, dict[str, list[dict]]] = {c.key: {} for c in cases}
    for c in cases:  # warm-up: the released columns, the page cache
        out = scratch / f"warm.{c.fmt}"
        out.unlink(missing_ok=True)
        run_child(redactor_argv(c, out, log))
        columns[c.key] = output_columns(out, c.fmt)
        out.unlink(missing_ok=True)
        Path(f"{out}.manifest.json").unlink(missing_ok=True)
        print(f"{c.key}: {len(columns[c.key])} columns released", file=sys.stderr)
    for rep in range(args.reps):
        for c in cases:
            tools = [
                t
                for t in args.tools
                if c.dataset != "scrub" or t in ("redactor", "redactor-ref", "duckdb")
            ]
            k = rep % len(tools)
            for tool in tools[k:] + tools[:k]:
                out = scratch / f"cmp-{tool}.{c.fmt}"
                r = run_once(tool_argv(tool, c, out, columns[c.key], log), out)
                results[c.key].setdefault(tool, []).append(r)
                if "failed" not in r:
                    print(
                        f"  [{rep + 1}/{args.reps}] {c.key} {tool}: {r['wall_s']:.2f} s "
                        f"{r['maxrss_mb']:.0f} MB (load {r['load1']})",
                        file=sys.stderr,
                    )
    return {
        c.key: {
            "dataset": c.dataset,
            "rows": rows,
            "format": c.fmt,
            "input_mb": round(c.ds.size(c.fmt) / 1e6, 1),
            "columns_in": 43 if c.dataset == "wide" else 24,
            "columns_out": len(columns[c.key]),
            "tools": {t: summarise(rs) for t, rs in results[c.key].items()},
        }
        for c in cases
    }


def measure_startup(args, cache: Path, scratch: Path) -> dict:
    """1,000-row files: every tool, and redactor with and without detection of 6 columns."""
    small_wide = wide.ensure_wide(cache, 1000, args.seed)
    small_dmv = data.ensure_dataset(cache, 1000, args.seed)
    log = scratch / "compare-requests.sqlite3"
    variants = {
        STARTUP_DETECT: Case("wide", small_wide, wide.ensure_wide_map(cache), "csv"),
        STARTUP_FULL: Case("wide", small_wide, full_wide_map(cache), "csv"),
        STARTUP_DMV: Case("dmv24", small_dmv, data.FIELD_MAP, "csv"),
    }
    out = scratch / "start.csv"
    run_child(redactor_argv(variants[STARTUP_FULL], out, log))
    cols = output_columns(out, "csv")
    runs: dict[str, list[dict]] = {}
    peers = {
        t: Case("wide", small_wide, wide.ensure_wide_map(cache), "csv")
        for t in TOOLS
        if not t.startswith("redactor")
    }
    for _ in range(args.startup_reps):
        for name, c in variants.items():
            runs.setdefault(name, []).append(run_once(redactor_argv(c, out, log), out))
        for tool, c in peers.items():
            argv = tool_argv(tool, c, out, cols, log)
            runs.setdefault(f"{tool} wide", []).append(run_once(argv, out))
    return {k: summarise(v) for k, v in runs.items()}


# --- report ----------------------------------------------------------------------------------

STARTUP_DETECT = "redactor wide, 6 columns to detection"
STARTUP_FULL = "redactor wide, full map"
STARTUP_DMV = "redactor dmv24, full map"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _vs_duckdb(case: dict, tool: str) -> tuple[str, str, str, str] | None:
    t = case["tools"]
    if tool not in t or "duckdb" not in t:
        return None
    a, b = t[tool]["median_s"], t["duckdb"]["median_s"]
    if not a or not b:
        return None
    limit = 2.0 if case["dataset"] == "scrub" else 1.0
    what = f"{tool} / duckdb, {case['dataset']} {case['format']}, {case['rows']:,} rows"
    return what, f"{a:.2f} / {b:.2f} s = {a / b:.2f}x", f"<= {limit:.1f}x", _verdict(a / b <= limit)


def evaluate(res: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, goal, PASS/FAIL) rows."""
    rows = []
    for case in res["sizes"].values():
        rows += [r for tool in ("redactor", "proto") if (r := _vs_duckdb(case, tool))]
    st = res.get("startup")
    if st:
        for name in (STARTUP_DMV, STARTUP_DETECT):
            v = st[name]["median_s"]
            rows.append(
                (f"start-up, 1,000 rows, {name}", f"{v:.3f} s", "<= 0.3 s", _verdict(v <= 0.3))
            )
        d = st[STARTUP_DETECT]["median_s"] - st[STARTUP_FULL]["median_s"]
        what = "fixed cost of detecting 6 unmapped columns (1,000 rows)"
        rows.append((what, f"{d:.3f} s", "<= 0.15 s", _verdict(d <= 0.15)))
    by_key = {(c["dataset"], c["format"], c["rows"]): c for c in res["sizes"].values()}
    sizes = sorted({k[2] for k in by_key})
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for (dataset, fmt, n), case in by_key.items():
            other = by_key.get((dataset, fmt, large))
            if n != small or other is None:
                continue
            for tool in ("redactor", "proto"):
                if tool in case["tools"] and tool in other["tools"]:
                    a = case["tools"][tool]["maxrss_mb"]
                    b = other["tools"][tool]["maxrss_mb"]
                    what = f"peak RSS {tool} {dataset} {fmt}: {large:,} vs {small:,} rows"
                    rows.append((what, f"{b:.0f} / {a:.0f} MB = {b / a:.2f}", "<= 1.10",
                                 _verdict(b / a <= 1.10)))  # fmt: skip
    return rows


def _cell(t: dict) -> str:
    note = f", {t['failed']} run(s) failed" if t.get("failed") else ""
    return f"{t['median_s']:.2f} s ({t['cpu_s']:.1f} CPU, {t['maxrss_mb']:.0f} MB{note})"


def markdown(res: dict) -> str:
    order = ("redactor", "redactor-ref", "proto", "duckdb", "polars", "pyarrow")
    tools = [t for t in order if any(t in c["tools"] for c in res["sizes"].values())]
    head = ["case", "rows", "input", "columns", *tools, "redactor / duckdb"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] if res["sizes"] else []
    for c in res["sizes"].values():
        t = c["tools"]
        ok = "duckdb" in t and t["duckdb"]["median_s"] and t["redactor"]["median_s"]
        ratio = t["redactor"]["median_s"] / t["duckdb"]["median_s"] if ok else 0
        cells = [
            f"{c['dataset']} {c['format']}→{c['format']}",
            f"{c['rows']:,}",
            f"{c['input_mb']:.0f} MB",
            f"{c['columns_in']}→{c['columns_out']}",
            *(_cell(t[x]) if x in t else "—" for x in tools),
            f"{ratio:.2f}x" if ratio else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if res.get("startup"):
        lines += ["", "| start-up, 1,000-row CSV | median | CPU | peak RSS |", "|---|---|---|---|"]
        for name, s in res["startup"].items():
            cpu, rss = s["cpu_s"], s["maxrss_mb"]
            lines.append(f"| {name} | {s['median_s']:.3f} s | {cpu:.2f} s | {rss:.0f} MB |")
    imported = res.get("tree", {}).get("imported")
    if imported:
        lines += ["", f"redactor imported from `{imported}`, byte-compiled before timing."]
    lines += ["", "| target | measured | goal | result |", "|---|---|---|---|"]
    for row in evaluate(res):
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | **{row[3]}** |")
    loads = [
        r["load1"] for c in res["sizes"].values() for t in c["tools"].values() for r in t["runs"]
    ]
    if loads:
        lines += ["", f"Load average (1 min) before each run: {min(loads):.1f}-{max(loads):.1f}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    ap.add_argument("--sizes", default="1000000", help="comma-separated row counts")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--startup-reps", type=int, default=5)
    ap.add_argument("--datasets", default="wide,dmv24,scrub")
    ap.add_argument("--large-datasets", default="wide,dmv24", help="datasets at 10M rows and more")
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--proto", action="store_true", help="also the DuckDB-engine prototype")
    ap.add_argument("--no-startup", action="store_true")
    ap.add_argument("--startup-only", action="store_true", help="only the 1,000-row start-up")
    ap.add_argument("--cache-dir", type=Path, default=data.DEFAULT_CACHE)
    ap.add_argument("--seed", type=int, default=data.DEFAULT_SEED)
    args = ap.parse_args(argv)
    args.datasets = args.datasets.split(",")
    args.large_datasets = args.large_datasets.split(",")
    args.formats = args.formats.split(",")
    args.tools = args.tools.split(",") + (["proto"] if args.proto else [])
    cache = data.prepare_cache(args.cache_dir.resolve())
    scratch = cache / "scratch"
    scratch.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"uptime at start: {uptime}", file=sys.stderr)
    res: dict = {
        "stamp": stamp,
        "machine": report.machine(),
        "uptime_start": uptime,
        "reps": args.reps,
    }
    for mod in ("duckdb", "polars"):
        res["machine"]["versions"][mod] = __import__(mod).__version__
    res["command"] = "python -m benchmarks.compare " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    git = ["git", "-C", str(data.REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--short", "redactor"], capture_output=True, text=True)
    res["tree"] = {
        "head": head.stdout.strip(),
        "redactor_files_changed": len(dirty.stdout.splitlines()),
        "snapshot": os.environ.get("BENCH_REDACTOR_TREE"),
    }
    res["tree"].update(prepare_children(scratch))
    res["sizes"] = {}
    if not args.no_startup:
        res["startup"] = measure_startup(args, cache, scratch)
    for rows in (int(x) for x in ([] if args.startup_only else args.sizes.split(","))):
        res["sizes"].update(measure_size(args, cache, scratch, rows))
        # partial results after each size (a long 10M run may be cut short)
        (cache / f"compare-{stamp}.json").write_text(json.dumps(res, indent=1) + "\n")
        (cache / f"compare-{stamp}.md").write_text(markdown(res))
    res["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    md = markdown(res)
    (cache / f"compare-{stamp}.json").write_text(json.dumps(res, indent=1) + "\n")
    (cache / f"compare-{stamp}.md").write_text(md)
    print(md)
    print(
        f"uptime at end: {res['uptime_end']}\nresults: {cache / f'compare-{stamp}.json'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
