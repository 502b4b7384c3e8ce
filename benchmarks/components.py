"""What each piece of a redaction costs on its own, in one process (issue 18, item 3)::

    python -m benchmarks.components [--rows 1000000]

On the cached 43-column file (benchmarks/wide.py), CPU and wall seconds of: SHA-256 of the file,
a UTF-8 check of it, a NUL scan; pyarrow's CSV read of every column and of the released columns
only; DuckDB's projection; the later-rows check (``check_drift``) of one batch; importing
Presidio and building its engine; importing pandas. Each in a fresh child where import state
matters. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import data, wide

SNIPPETS = {
    "sha256 of the CSV": (
        "import hashlib\nh=hashlib.sha256()\nwith open(P,'rb',buffering=0) as f:\n"
        " while c:=f.read(8<<20): h.update(c)"
    ),
    "UTF-8 check of the CSV": (
        "import codecs\nd=codecs.getincrementaldecoder('utf-8')()\n"
        "with open(P,'rb',buffering=0) as f:\n while c:=f.read(8<<20): d.decode(c)"
    ),
    "NUL scan of the CSV": (
        "with open(P,'rb',buffering=0) as f:\n while c:=f.read(8<<20): c.find(b'\\0')"
    ),
    "pyarrow CSV read, 43 columns": (
        "import pyarrow as pa, pyarrow.csv as c\n"
        "n=open(P).readline().strip().replace('\"','').split(',')\n"
        "c.read_csv(P, convert_options=c.ConvertOptions(column_types={x: pa.string() for x in n}))"
    ),
    "pyarrow CSV read, released columns only": (
        "import pyarrow as pa, pyarrow.csv as c\n"
        "c.read_csv(P, convert_options=c.ConvertOptions(include_columns=COLS, "
        "column_types={x: pa.string() for x in COLS}))"
    ),
    "duckdb COPY projection CSV": (
        "import duckdb\nsel=', '.join('\"'+x+'\"' for x in COLS)\n"
        "duckdb.connect().execute(f\"COPY (SELECT {sel} FROM read_csv('{P}', all_varchar=true)) "
        "TO '{OUT}' (FORMAT csv, HEADER)\")"
    ),
    "import presidio_analyzer + build the engine": (
        "from redactor.detect.analyzer import build_analyzer\nbuild_analyzer()"
    ),
    "import pandas": "import pandas",
}

DRIFT = """
import pyarrow as pa, pyarrow.csv as c, time
from redactor.sampling import check_drift
n = open(P).readline().strip().replace('"', '').split(',')
r = c.open_csv(P, convert_options=c.ConvertOptions(column_types={x: pa.string() for x in n}),
               read_options=c.ReadOptions(block_size=4 << 20))
b = r.read_next_batch()
b = r.read_next_batch()
watched = [n.index(x) for x in WATCHED]
check_drift(b, watched, P, 1)  # imports
t0 = time.process_time(); w0 = time.perf_counter()
for _ in range(5):
    check_drift(b, watched, P, 1)
print(b.num_rows, (time.process_time() - t0) / 5, (time.perf_counter() - w0) / 5)
"""


def timed(code: str, env: dict[str, str]) -> dict:
    prelude = "".join(f"{k} = {v!r}\n" for k, v in env.items())
    wrapper = (
        "import time, resource\nw=time.perf_counter()\n"
        + prelude
        + code
        + "\nru=resource.getrusage(resource.RUSAGE_SELF)\n"
        "print('RESULT', time.perf_counter()-w, ru.ru_utime+ru.ru_stime)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, cwd=data.REPO, check=True
    ).stdout
    line = [x for x in out.splitlines() if x.startswith("RESULT")][-1].split()
    return {"wall_s": round(float(line[1]), 3), "cpu_s": round(float(line[2]), 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.components", description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cache-dir", type=Path, default=data.DEFAULT_CACHE)
    args = ap.parse_args(argv)
    cache = data.prepare_cache(args.cache_dir.resolve())
    ds = wide.ensure_wide(cache, args.rows)
    released = [
        "record_id", "RESTR_CD", "ENDORSE_CD", "SEX_CD", "HEIGHT_IN", "WEIGHT_LB", "EYE_CLR_CD",
        "HAIR_CLR_CD", "REF_NBR", "ISSUE_DT", "EXPR_DT", "ORGAN_DONOR_FLG", "VETERAN_FLG",
        "county_cd", "PLATE_NO", "veh_count", "OFFICE_ID", "LAST_UPD_TS",
    ]  # fmt: skip
    env = {
        "P": str(ds.csv),
        "COLS": released,
        "OUT": str(cache / "scratch" / "components.csv"),
        "WATCHED": ["REF_NBR", "OFFICE_ID", "LAST_UPD_TS"],
    }
    (cache / "scratch").mkdir(exist_ok=True)
    res: dict = {"rows": args.rows, "csv_mb": round(ds.size("csv") / 1e6, 1)}
    subprocess.run(["cat", str(ds.csv)], stdout=subprocess.DEVNULL, check=True)  # warm
    base = timed("pass", env)
    res["interpreter"] = base
    for name, code in SNIPPETS.items():
        res[name] = timed(code, env)
    out = subprocess.run(
        [sys.executable, "-c", "".join(f"{k} = {v!r}\n" for k, v in env.items()) + DRIFT],
        capture_output=True, text=True, cwd=data.REPO, check=True,
    ).stdout.split()  # fmt: skip
    res["check_drift of one 4 MiB batch"] = {
        "rows": int(out[0]),
        "cpu_s": round(float(out[1]), 4),
        "wall_s": round(float(out[2]), 4),
    }
    t = time.strftime("%Y%m%d-%H%M%S")
    (cache / f"components-{t}.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
