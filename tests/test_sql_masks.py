"""Every SQL mask, executed on the real engine (DuckDB, SQLite, PostgreSQL), with canary values:
mask keeps at most the last N characters and agrees with file redaction, null keeps the type,
year generalisation yields only the year. Also pins the pitfall that motivated the templates.
"""

from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest
from sqlglot import exp

from redactor.categories import Action, Category
from redactor.masking import mask as arrow_mask
from redactor.sql.masks import EXECUTED_DIALECTS, SUPPORTED_DIALECTS, mask_for
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures

VALUES = ["CNRY-123-45-6789", "AB1234567", "12345", "1234", "12", "", None]


def _sql(action: Action, dialect: str, *, keep_last: int = 4, sql_type: str | None = None,
         column: str = "v") -> str:
    m = mask_for(action, exp.column(column), dialect=dialect, sql_type=sql_type,
                 category=Category.BIRTH_DATE if action is Action.GENERALIZE else None,
                 keep_last=keep_last)
    return m.expression.sql(dialect=dialect)


def _run(dialect: str, pg: str | None, select: str) -> list:
    values_sql = ", ".join("(NULL, NULL)" if v is None else f"('{v}', DATE '1984-05-06')"
                           for v in VALUES)
    if dialect == "sqlite":
        values_sql = values_sql.replace("DATE '1984-05-06'", "'1984-05-06'")
    q = f"SELECT {select} FROM (VALUES {values_sql}) AS t(v, d)"
    if dialect == "duckdb":
        import duckdb

        return [r[0] for r in duckdb.connect().execute(q).fetchall()]
    if dialect == "sqlite":
        con = sqlite3.connect(":memory:")
        con.execute("CREATE TABLE t (v TEXT, d TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)",
                        [(v, None if v is None else "1984-05-06") for v in VALUES])
        return [r[0] for r in con.execute(f"SELECT {select} FROM t")]
    import psycopg

    with psycopg.connect(pg) as con:
        return [r[0] for r in con.execute(q).fetchall()]


@pytest.fixture(params=EXECUTED_DIALECTS)
def engine(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("pg_url")
    return request.param, None


@pytest.mark.parametrize("keep_last", [0, 2, 4])
def test_mask_keeps_at_most_last_n_and_matches_file_redaction(engine, keep_last: int) -> None:
    dialect, pg = engine
    got = _run(dialect, pg, _sql(Action.MASK, dialect, keep_last=keep_last))
    expected = arrow_mask(pa.array(VALUES, pa.string()), keep_last).to_pylist()
    assert got == expected
    for v, m in zip(VALUES, got, strict=True):
        if v is None:
            assert m is None
            continue
        assert len(m) == len(v)
        visible = m.lstrip("*")
        assert len(visible) <= keep_last and (len(v) > keep_last or visible == "")
    assert "CNRY" not in "".join(x or "" for x in got)


def test_year_generalisation_yields_only_the_year(engine) -> None:
    dialect, pg = engine
    got = _run(dialect, pg, _sql(Action.GENERALIZE, dialect, column="d"))
    assert [g for g in got if g is not None] == ["1984"] * 6
    assert got[-1] is None


def test_redact_is_a_constant(engine) -> None:
    dialect, pg = engine
    got = _run(dialect, pg, _sql(Action.REDACT, dialect))
    assert set(got) == {"[REDACTED]"}


@pytest.mark.parametrize("action", [Action.NULL, Action.DROP, Action.HASH, Action.SCRUB])
def test_withheld_actions_are_typed_nulls(engine, action: Action) -> None:
    dialect, pg = engine
    expr = _sql(action, dialect, sql_type="DATE", column="d")
    assert set(_run(dialect, pg, expr)) == {None}
    if dialect == "duckdb":
        import duckdb

        rel = duckdb.connect().sql(f"SELECT {expr} AS x FROM (SELECT DATE '1984-05-06' AS d)")
        assert rel.to_arrow_table().schema.field("x").type == pa.date32()
    if dialect == "postgres":
        import psycopg

        with psycopg.connect(pg) as con:
            cur = con.execute(f"SELECT {expr} AS x FROM (SELECT DATE '1984-05-06' AS d) s")
            assert cur.description[0].type_code == 1082  # date


def test_pitfall_negative_substr_leaks_on_postgres(pg_url: str) -> None:  # noqa: F811
    """Why masks are per-dialect templates: SUBSTR(x, -4) transpiled to PostgreSQL returns the
    whole value. Our mask never uses a negative offset."""
    import psycopg
    import sqlglot

    pg_sql = sqlglot.transpile("SELECT SUBSTR('123-45-6789', -4)", read="duckdb",
                               write="postgres")[0]
    with psycopg.connect(pg_url) as con:
        assert con.execute(pg_sql).fetchone()[0] == "123-45-6789"
    for d in SUPPORTED_DIALECTS:
        assert ", -" not in _sql(Action.MASK, d) and "FROM -" not in _sql(Action.MASK, d)


def test_text_only_dialects_generate() -> None:
    for d in set(SUPPORTED_DIALECTS) - set(EXECUTED_DIALECTS):
        for a in (Action.MASK, Action.GENERALIZE, Action.REDACT, Action.NULL):
            assert "__v" not in _sql(a, d)
