"""The project's adversarial SQL generator (tests/test_sql_fuzz.py) through the wire: every
generated query, sent to `redactor serve` over psycopg, is refused or returns no canary
fragment, and no error message carries one."""

from __future__ import annotations

import psycopg
import pytest
import sqlglot
from hypothesis import HealthCheck, Phase, given, seed, settings
from sqlglot.errors import SqlglotError

from redactor.fieldmap import normalize_name, parse_field_map
from tests.support.serve_harness import open_request, serve
from tests.test_sql_fuzz import FUZZ_MAP, TABLES, Canaries, build_db, queries

N = 60


@pytest.fixture(scope="module")
def fuzz_served(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("serve_fuzz")
    fm = parse_field_map(FUZZ_MAP, source="fuzz.yaml")
    can = Canaries(fm)
    con, _ = build_db(can)
    path = tmp / "fuzz.duckdb"
    con.execute(f"ATTACH '{path}' AS f")
    for t in TABLES:
        con.execute(f"CREATE TABLE f.{t} AS SELECT * FROM {t}")
    con.execute("DETACH f")
    raw = [v for r in con.execute("SELECT * FROM people").fetchall() for v in r]
    assert can.found(raw)  # the check would see a leak
    con.close()
    with serve(f"duckdb:///{path}", FUZZ_MAP, tmp) as s:
        rid = open_request(s.log)
        with psycopg.connect(s.dsn(rid), autocommit=True) as client:
            yield client, can, frozenset(f"people.{normalize_name(n)}" for n in can.k)


def test_generated_queries_never_leak_through_the_wire(fuzz_served) -> None:
    client, can, withheld = fuzz_served
    seen = {"sent": 0, "rows": 0, "refused": 0}

    @seed(19)
    @settings(
        max_examples=N,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(query=queries(withheld))
    def run(query) -> None:
        sql, _tags = query
        try:
            text = sqlglot.transpile(sql, read="duckdb", write="postgres")[0]
        except SqlglotError:
            return
        seen["sent"] += 1
        try:
            cur = client.execute(text.encode())
            rows = cur.fetchall() if cur.description else []
        except psycopg.Error as e:
            seen["refused"] += 1
            assert not can.found([str(e)]), str(e)
            return
        seen["rows"] += 1
        assert not can.found([v for r in rows for v in r]), f"LEAK through the wire: {text}"

    run()
    assert seen["sent"] >= N // 2 and seen["rows"] > 0 and seen["refused"] > 0, seen
