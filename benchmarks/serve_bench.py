"""`redactor serve` against a direct connection to the same PostgreSQL (issue 19, item 7).

* per-statement overhead: p50/p95 of one small query (``SELECT id, city FROM s WHERE id =
  <n>``, psycopg) straight to PostgreSQL and through ``redactor serve``:

  - ``serve``: 100 values of n, each text sent twice (simple protocol), so half the
    statements find their rewrite in the session's cache;
  - ``serve_new_text``: the first sending of each of those texts only (a full rewrite each);
  - ``serve_parameters``: ``WHERE id = %s`` with a new value each time, bound by the server
    (extended protocol, as drivers send parameters): redactor binds each value as a literal
    and rewrites that statement the first time; later values reuse that rewrite
    (redactor/serve/reuse.py);
  - ``serve_masked_parameters``: the same on a DMV-like table of 12 columns, mapped as the
    test suite's canary table (most of them masked): ``SELECT id, first_name, dl_number, city
    FROM m WHERE id = %s``, 100 values in turn. Its rewrite carries the masked derived table,
    whose SQL each statement checks again;
  - ``serve_same_text``: one text sent again and again (the rewrite cache answers; psycopg
    prepares it after five runs);
* throughput: wall time for psql to read a ``--rows``-row result (4 columns, one masked) to
  /dev/null, straight and through ``redactor serve``.

Beside each wall time, the server process's CPU time (user + system, from /proc) for the same
work: on a shared machine the wall figures move with the load, the CPU figures much less.

Starts a throwaway cluster (tests/support/pgcluster.py) and a real server process; needs the
PostgreSQL server binaries and psql. Run: ``python -m benchmarks.serve_bench [--rows 1000000]
[--rounds 200]``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _timed(fn, rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def _ms(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {
        "p50_ms": round(statistics.median(xs) * 1000, 2),
        "p95_ms": round(xs[int(len(xs) * 0.95) - 1] * 1000, 2),
    }


def _cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (0.0 where /proc is absent)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _psql(dsn: str, sql: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        ["psql", dsn, "-X", "-A", "-t", "-q", "-o", "/dev/null", "-c", sql],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return time.perf_counter() - t0


def measure(rows: int, rounds: int) -> dict:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import psycopg

    from tests.support.pgcluster import reader_url, start_cluster
    from tests.support.serve_harness import open_request, serve
    from tests.test_sql_canary import CANARY_MAP

    cluster = start_cluster()
    try:
        admin = cluster.new_database("bench")
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(
                "CREATE TABLE s AS SELECT g AS id, 'City' || (g % 7) AS city "
                "FROM generate_series(1, 100) g"
            )
            con.execute(
                "CREATE TABLE t AS SELECT g AS id, 'City' || (g % 7) AS city, "
                "g % 1000 AS amount, 'Name' || g AS name "
                f"FROM generate_series(1, {rows}) g"
            )
            con.execute(
                "CREATE TABLE m AS SELECT g AS id, 'First' || g AS first_name, "
                "'Last' || g AS last_name, DATE '1970-01-01' + g AS birth_date, "
                "lpad((g * 7919 % 1000000000)::text, 9, '0') AS ssn, "
                "'9' || lpad(g::text, 8, '0') AS itin, "
                "'D' || lpad(g::text, 7, '0') AS dl_number, g || ' Main St' AS address, "
                "'City' || (g % 7) AS city, 'status' || (g % 3) AS immigration_status, "
                "g % 10 AS dept_id, 'note ' || g AS notes FROM generate_series(1, 100) g"
            )
            con.execute("ANALYZE")
        url = reader_url(admin)
        fmap = {
            "name": "bench",
            "tables": {
                "s": {"columns": {"id": "none", "city": "none"}},
                # a DMV-like table, mapped as the test suite's canary table: most columns masked
                "m": {"columns": dict(CANARY_MAP["tables"]["people"]["columns"])},
                "t": {
                    "columns": {
                        "id": "none",
                        "city": "none",
                        "amount": "none",
                        "name": {"category": "name", "action": "redact"},
                    }
                },
            },
        }
        direct_dsn = f"host={cluster.socket_dir} port=5432 user=redactor_reader dbname=bench"
        with (
            tempfile.TemporaryDirectory(prefix="sbench-") as tmp,
            serve(url, fmap, Path(tmp)) as srv,
        ):
            rid = open_request(srv.log)
            wire_dsn = srv.dsn(rid)
            with (
                psycopg.connect(direct_dsn, autocommit=True) as d,
                psycopg.connect(wire_dsn, autocommit=True) as w,
            ):
                q = "SELECT id, city FROM s WHERE id = {}"
                for con in (d, w):  # warm up (catalog cache, plans)
                    for i in range(5):
                        con.execute(q.format(1 + i)).fetchall()
                pid = srv.proc.pid
                direct = _timed(lambda i: d.execute(q.format(1 + i % 100)).fetchall(), rounds)
                c0 = _cpu(pid)
                wire = _timed(lambda i: w.execute(q.format(1 + i % 100)).fetchall(), rounds)
                c1 = _cpu(pid)
                # one text sent again and again (its rewrite is cached by the session)
                same = _timed(lambda i: w.execute(q.format(1)).fetchall(), rounds)
                c2 = _cpu(pid)
                pq = "SELECT id, city FROM s WHERE id = %s"  # a new value each time
                direct_p = _timed(lambda i: d.execute(pq, (1000 + i,)).fetchall(), rounds)
                c3 = _cpu(pid)
                params = _timed(lambda i: w.execute(pq, (1000 + i,)).fetchall(), rounds)
                c4 = _cpu(pid)
                # the same on a table whose rewrite carries masks (its SQL is longer to check)
                mq = "SELECT id, first_name, dl_number, city FROM m WHERE id = %s"
                direct_m = _timed(lambda i: d.execute(mq, (1 + i % 100,)).fetchall(), rounds)
                c5 = _cpu(pid)
                masked = _timed(lambda i: w.execute(mq, (1 + i % 100,)).fetchall(), rounds)
                c6 = _cpu(pid)
            big = "SELECT id, city, amount, name FROM t"
            psql_direct = min(_psql(direct_dsn, big) for _ in range(2))
            wire_runs = []
            for _ in range(2):
                c7 = _cpu(pid)
                wire_runs.append((_psql(wire_dsn, big), _cpu(pid) - c7))
            psql_wire, wire_cpu = min(wire_runs)
    finally:
        cluster.stop()
    # the first sending of each text (those of the warm-up were sent before)
    new_text = [t for i, t in enumerate(wire) if 5 <= i < 100]
    d_ms, w_ms, s_ms = _ms(direct), _ms(wire), _ms(same)
    n_ms, dp_ms, p_ms = _ms(new_text), _ms(direct_p), _ms(params)
    dm_ms, m_ms = _ms(direct_m), _ms(masked)
    return {
        "small_query": {
            "direct": d_ms,
            "direct_parameters": dp_ms,
            "serve": w_ms,
            "serve_new_text": n_ms,
            "serve_parameters": p_ms,
            "serve_same_text": s_ms,
            "rounds": rounds,
            "overhead_p50_ms": round(w_ms["p50_ms"] - d_ms["p50_ms"], 2),
            "overhead_p50_new_text_ms": round(n_ms["p50_ms"] - d_ms["p50_ms"], 2),
            "overhead_p50_parameters_ms": round(p_ms["p50_ms"] - dp_ms["p50_ms"], 2),
            "overhead_p50_same_text_ms": round(s_ms["p50_ms"] - d_ms["p50_ms"], 2),
            "serve_cpu_ms_per_statement": round((c1 - c0) / rounds * 1000, 2),
            "serve_cpu_ms_per_statement_same_text": round((c2 - c1) / rounds * 1000, 2),
            "serve_cpu_ms_per_statement_parameters": round((c4 - c3) / rounds * 1000, 2),
            "direct_masked_parameters": dm_ms,
            "serve_masked_parameters": m_ms,
            "overhead_p50_masked_parameters_ms": round(m_ms["p50_ms"] - dm_ms["p50_ms"], 2),
            "serve_cpu_ms_per_statement_masked_parameters": round((c6 - c5) / rounds * 1000, 2),
        },
        "throughput": {
            "rows": rows,
            "psql_direct_s": round(psql_direct, 2),
            "psql_serve_s": round(psql_wire, 2),
            "serve_rows_per_s": round(rows / psql_wire),
            "ratio_vs_direct": round(psql_direct / psql_wire, 3),
            "serve_cpu_s": round(wire_cpu, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.rows, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
