"""What a data team would write instead of redactor: a projection of the released columns.

Run as a child process (interpreter start-up and imports count, as they do for redactor)::

    python -m benchmarks.peers duckdb|polars csv|parquet INPUT OUTPUT COLUMNS_JSON

``duckdb``: ``COPY (SELECT <columns> FROM read_csv(IN, all_varchar=true)) TO OUT`` (Parquet:
``read_parquet`` and ``FORMAT parquet``), DuckDB's defaults otherwise (all cores, insertion
order kept). ``polars``: ``scan_csv(infer_schema=False)`` / ``scan_parquet`` → ``select`` →
``sink_csv`` / ``sink_parquet`` (the streaming engine). No validation, hashing, log or manifest:
exactly the one-liner that loses every guarantee. Prints one JSON line with the inner seconds.
"""

from __future__ import annotations

import json
import sys
import time


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def duckdb_copy(fmt: str, src: str, dst: str, columns: list[str]) -> None:
    import duckdb

    select = ", ".join(_quote(c) for c in columns)
    if fmt == "csv":
        query = (
            f"COPY (SELECT {select} FROM read_csv({_literal(src)}, all_varchar=true)) "
            f"TO {_literal(dst)} (FORMAT csv, HEADER)"
        )
    else:
        query = (
            f"COPY (SELECT {select} FROM read_parquet({_literal(src)})) "
            f"TO {_literal(dst)} (FORMAT parquet)"
        )
    duckdb.connect().execute(query)


def polars_copy(fmt: str, src: str, dst: str, columns: list[str]) -> None:
    import polars as pl

    if fmt == "csv":
        pl.scan_csv(src, infer_schema=False).select(columns).sink_csv(dst)
    else:
        pl.scan_parquet(src).select(columns).sink_parquet(dst)


TOOLS = {"duckdb": duckdb_copy, "polars": polars_copy}


def main(argv: list[str]) -> int:
    tool, fmt, src, dst, columns = argv
    t0 = time.perf_counter()
    TOOLS[tool](fmt, src, dst, json.loads(columns))
    print(json.dumps({"seconds": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
