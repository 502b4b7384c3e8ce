"""SQL rewrite latency over the golden fixtures (tests/fixtures/sql/*.sql), in process.

The cases are read and their inputs prepared exactly as ``tests/test_sql_fixtures.py`` does
(same canary field map, same decisions, same dialects). What is timed is one call of
``redactor.sql.rewrite.rewrite_query`` per case, with the field map and the decision built
beforehand: building a decision parses the policy pack (YAML), a per-process cost a
long-running service pays once. One warm-up round first, then ``rounds`` timed rounds.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time

from benchmarks import data


def measure(rounds: int = 20) -> dict:
    if str(data.REPO) not in sys.path:
        sys.path.insert(0, str(data.REPO))
    from redactor.errors import BadInputError, RefusedError
    from redactor.sql.rewrite import rewrite_query
    from tests.test_sql_canary import canary_map, court_order_decision, restricted_decision
    from tests.test_sql_fixtures import CASES, run_case

    t0 = time.perf_counter()
    fmap, restricted, court = canary_map(), restricted_decision(), court_order_decision()
    decision_s = time.perf_counter() - t0

    def rewrite(case: dict) -> None:
        decision = court if case.get("evidence") == "court_order" else restricted
        with contextlib.suppress(RefusedError, BadInputError):
            rewrite_query(case["input"], fmap, decision, dialect=case["dialect"], to=case.get("to"))

    # Warm-up; also notes any case that no longer gives its golden output (its timing is still
    # a timing, but the report says so).
    mismatched = [c["title"] for c in CASES if run_case(c) != c["expected"]]
    samples = []
    for _ in range(rounds):
        for case in CASES:
            t = time.perf_counter()
            rewrite(case)
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "cases": len(CASES),
        "rounds": rounds,
        "p50_ms": statistics.median(samples),
        "p95_ms": samples[max(0, round(len(samples) * 0.95) - 1)],
        "max_ms": samples[-1],
        "map_and_decisions_s": decision_s,
        "mismatched": mismatched,
    }
