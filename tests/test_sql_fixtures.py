"""Golden fixtures (tests/fixtures/sql/*.sql), in the style of sqlglot's optimizer fixtures:

    # title: what the case shows
    # dialect: duckdb            (the query's dialect)
    # to: snowflake              (optional: the dialect to write)
    # evidence: court_order      (optional: the request carries a court order)
    <input query, one or more lines>;
    <expected rewritten query on one line, or "REFUSED: <first line of the message>">;

Cases are separated by a blank line. They use the canary field map without a live catalog and a
civil-immigration-enforcement request under colorado-sb21-131.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from redactor.errors import BadInputError, RefusedError
from redactor.sql.rewrite import rewrite_query
from tests.test_sql_canary import canary_map, court_order_decision, restricted_decision

FIXTURES = Path(__file__).parent / "fixtures" / "sql"


def load_cases() -> list[dict[str, str]]:
    cases = []
    for path in sorted(FIXTURES.glob("*.sql")):
        for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
            lines = block.strip().splitlines()
            meta = {}
            while lines and lines[0].startswith("# "):
                key, _, value = lines.pop(0)[2:].partition(":")
                meta[key.strip()] = value.strip()
            assert len(lines) >= 2, f"{path.name}: case {meta.get('title')} needs input + output"
            meta["input"] = "\n".join(lines[:-1]).rstrip().removesuffix(";")
            meta["expected"] = lines[-1].rstrip().removesuffix(";")
            meta["file"] = path.name
            cases.append(meta)
    return cases


CASES = load_cases()


def run_case(case: dict[str, str]) -> str:
    decision = (
        court_order_decision() if case.get("evidence") == "court_order" else restricted_decision()
    )
    try:
        return rewrite_query(
            case["input"], canary_map(), decision, dialect=case["dialect"], to=case.get("to")
        ).sql
    except (RefusedError, BadInputError) as e:
        return "REFUSED: " + str(e).splitlines()[0]


@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_fixture(case: dict[str, str]) -> None:
    assert run_case(case) == case["expected"]


def test_fixtures_cover_refusals_and_rewrites() -> None:
    refused = [c for c in CASES if c["expected"].startswith("REFUSED:")]
    assert len(refused) >= 5 and len(CASES) - len(refused) >= 5


def measure_latency(rounds: int = 5) -> tuple[float, float]:
    """p50/p95 of one rewrite over the fixtures, in milliseconds (run by hand; not asserted)."""
    samples = []
    for _ in range(rounds):
        for c in CASES:
            t = time.perf_counter()
            run_case(c)
            samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
