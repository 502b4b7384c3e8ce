"""The results: targets with PASS/FAIL, a plain-text table, Markdown for the docs, JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Target:
    key: str  # a..g
    what: str
    value: str
    target: str
    passed: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return "-" if self.passed is None else "PASS" if self.passed else "FAIL"


def machine() -> dict:
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {
            d: version(d)
            for d in (
                "redactor",
                "pyarrow",
                "presidio-analyzer",
                "presidio-structured",
                "presidio-anonymizer",
                "spacy",
                "sqlglot",
            )
        },
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def evaluate(res: dict) -> list[Target]:
    """The issue's targets, from the results dict that ``__main__`` builds."""
    out: list[Target] = []
    floor = res.get("floor", {})
    for key, case, limit in (("b", "redact", 1.2), ("c", "scrub", 2.0)):
        for fmt in ("csv", "parquet"):
            m = res.get(case, {}).get(fmt)
            f = floor.get(fmt)
            if m is None or f is None:
                continue
            r = _ratio(m["median_s"], f["best_s"])
            out.append(
                Target(
                    key,
                    f"{case} {fmt}->{fmt} vs floor",
                    f"{m['median_s']:.2f} s = {r:.2f}x floor",
                    f"<= {limit}x",
                    r <= limit,
                )
            )
    d = res.get("presidio")
    if d is not None:
        ours = res.get("scrub", {}).get("csv")
        rec_p = d["recall"]["recall"]
        rec_r = res.get("redactor_recall", {}).get("scrub", {}).get("recall")
        if ours is not None and rec_r is not None:
            r = ours["rows_per_s"] / d["rows_per_s_inner"]
            no_lower = rec_r >= rec_p
            out.append(
                Target(
                    "d",
                    "rows/s: redactor scrub csv / presidio-structured",
                    f"{r:,.0f}x; recall {rec_r:.4f} vs {rec_p:.4f}",
                    ">= 1000x, recall not lower",
                    r >= 1000 and no_lower,
                )
            )
    for fmt, m in res.get("scan", {}).items():
        out.append(
            Target(
                "e",
                f"scan {fmt} ({m['rows']:,} rows)",
                f"{m['median_s']:.2f} s",
                "< 5 s",
                m["median_s"] < 5,
            )
        )
    sql = res.get("sql")
    if sql is not None:
        out.append(
            Target(
                "f",
                f"SQL rewrite p50 ({sql['cases']} fixtures)",
                f"p50 {sql['p50_ms']:.1f} ms, p95 {sql['p95_ms']:.1f} ms",
                "p50 <= 20 ms",
                sql["p50_ms"] <= 20,
            )
        )
    rss = res.get("rss")
    if rss:
        small, large = rss["rows_small"], rss["rows_large"]
        for name, pair in rss["cases"].items():
            r = _ratio(pair["large_mb"], pair["small_mb"])
            out.append(
                Target(
                    "g",
                    f"peak RSS {name}: {large / 1e6:g}M vs {small / 1e6:g}M rows",
                    f"{pair['large_mb']:.0f} / {pair['small_mb']:.0f} MB = {r:.3f}",
                    "<= 1.10",
                    r <= 1.10,
                )
            )
    return out


MEASUREMENT_HEADER = ("measurement", "median", "CPU", "rows/s", "peak RSS", "vs floor")


def measurement_rows(res: dict) -> list[tuple[str, ...]]:
    """(measurement, median, CPU, rows/s, peak RSS, vs floor) for every timed thing."""
    rows = []
    floor = res.get("floor", {})

    def add(label: str, m: dict, fmt: str | None = None) -> None:
        f = floor.get(fmt) if fmt else None
        rows.append(
            (
                label,
                f"{m['median_s']:.3f} s",
                f"{sorted(m['cpu_s'])[len(m['cpu_s']) // 2]:.2f} s",
                f"{m['rows_per_s']:,.0f}",
                f"{m['maxrss_mb']:.0f} MB",
                f"{m['median_s'] / f['best_s']:.2f}x" if f else "",
            )
        )

    for fmt in ("csv", "parquet"):
        f = floor.get(fmt)
        if f:
            add(f"a. floor {fmt}: stream copy", f["stream"], fmt)
            add(f"a. floor {fmt}: whole read+write", f["whole"], fmt)
    for key, case, what in (("b", "redact", "redact"), ("c", "scrub", "redact + scrub notes")):
        for fmt, m in res.get(case, {}).items():
            add(f"{key}. {what} {fmt}->{fmt}", m, fmt)
    d = res.get("presidio")
    if d:
        rows.append(
            (
                f"d. presidio-structured, {d['rows']:,}-row slice",
                f"{d['median_inner_s']:.1f} s",
                "",
                f"{d['rows_per_s_inner']:,.1f}",
                f"{d['maxrss_mb']:.0f} MB",
                "",
            )
        )
    for fmt, m in res.get("scan", {}).items():
        add(f"e. scan {fmt}", m, fmt)
    for name, m in res.get("rss_runs", {}).items():
        add(f"g. {name} at {m['rows'] / 1e6:g}M rows", m)
    s = res.get("startup")
    if s:
        for name, m in s.items():
            rows.append(
                (
                    f"   start-up: {name}",
                    f"{m['median_s']:.3f} s",
                    f"{sorted(m['cpu_s'])[len(m['cpu_s']) // 2]:.2f} s",
                    "",
                    f"{m['maxrss_mb']:.0f} MB",
                    "",
                )
            )
    return rows


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]


def text(res: dict, targets: list[Target]) -> str:
    mach = res["machine"]
    lines = [
        f"redactor benchmarks: {res['rows']:,} rows, median of {res['reps']} runs; "
        f"{mach['nproc']} cores ({mach['cpu']}), {mach['memory_gib']} GiB; load average "
        f"{res['loadavg_start'][0]:.2f} at start, {res.get('loadavg_end', ['?'])[0]} at end",
        "",
        *_table(MEASUREMENT_HEADER, measurement_rows(res)),
        "",
        *_table(
            ("", "target", "measured", "goal", "result"),
            [(t.key, t.what, t.value, t.target, t.verdict) for t in targets],
        ),
    ]
    sql = res.get("sql")
    if sql and sql.get("mismatched"):
        lines.append(f"note: SQL fixtures whose output changed: {', '.join(sql['mismatched'])}")
    d = res.get("presidio")
    if d:
        rr = res.get("redactor_recall", {})
        lines.append("")
        lines.append(
            "recall on the slice (cells of protected columns / identifiers in notes): "
            + "; ".join(
                f"{name} {r['recall']:.4f} ({r['recall_cells']:.4f} / {r['recall_notes']:.4f})"
                for name, r in [("presidio", d["recall"])]
                + [(f"redactor {k}", v) for k, v in rr.items()]
            )
        )
        lines.append(f"presidio column tags: {d['entity_mapping']}")
    return "\n".join(lines)


def markdown(res: dict, targets: list[Target]) -> str:
    def md(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(str(c) for c in r) + " |" for r in rows),
        ]

    return "\n".join(
        [
            *md(MEASUREMENT_HEADER, measurement_rows(res)),
            "",
            *md(
                ("", "target", "measured", "goal", "result"),
                [(t.key, t.what, t.value, t.target, f"**{t.verdict}**") for t in targets],
            ),
        ]
    )


def write(res: dict, targets: list[Target], directory: Path, stamp: str) -> tuple[Path, Path]:
    res = {**res, "targets": [asdict(t) | {"verdict": t.verdict} for t in targets]}
    jpath = directory / f"results-{stamp}.json"
    jpath.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    mpath = directory / f"results-{stamp}.md"
    mpath.write_text(markdown(res, targets) + "\n", encoding="utf-8")
    return jpath, mpath


def emit(res: dict, targets: list[Target]) -> None:
    print(text(res, targets), file=sys.stdout, flush=True)
