"""Every SQL mask, executed on the real engine (DuckDB, SQLite, PostgreSQL), with canary values:
mask keeps at most the last N characters and agrees with file redaction, null keeps the type,
year generalisation yields only the year. Also pins the pitfall that motivated the templates.
"""

from __future__ import annotations

import re
import sqlite3

import pyarrow as pa
import pytest
from sqlglot import exp

from redactor.categories import Action, Category
from redactor.masking import mask as arrow_mask
from redactor.sql.masks import EXECUTED_DIALECTS, SUPPORTED_DIALECTS, mask_for, typed_null
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures

VALUES = ["CNRY-123-45-6789", "AB1234567", "12345", "1234", "12", "", None]


def _sql(
    action: Action,
    dialect: str,
    *,
    keep_last: int = 4,
    sql_type: str | None = None,
    column: str = "v",
) -> str:
    m = mask_for(
        action,
        exp.column(column),
        dialect=dialect,
        sql_type=sql_type,
        category=Category.BIRTH_DATE if action is Action.GENERALIZE else None,
        keep_last=keep_last,
    )
    return m.expression.sql(dialect=dialect)


def _run(dialect: str, pg: str | None, select: str) -> list:
    values_sql = ", ".join(
        "(NULL, NULL)" if v is None else f"('{v}', DATE '1984-05-06')" for v in VALUES
    )
    if dialect == "sqlite":
        values_sql = values_sql.replace("DATE '1984-05-06'", "'1984-05-06'")
    q = f"SELECT {select} FROM (VALUES {values_sql}) AS t(v, d)"
    if dialect == "duckdb":
        import duckdb

        return [r[0] for r in duckdb.connect().execute(q).fetchall()]
    if dialect == "sqlite":
        con = sqlite3.connect(":memory:")
        con.execute("CREATE TABLE t (v TEXT, d TEXT)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?)",
            [(v, None if v is None else "1984-05-06") for v in VALUES],
        )
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

    pg_sql = sqlglot.transpile("SELECT SUBSTR('123-45-6789', -4)", read="duckdb", write="postgres")[
        0
    ]
    with psycopg.connect(pg_url) as con:
        assert con.execute(pg_sql).fetchone()[0] == "123-45-6789"
    for d in SUPPORTED_DIALECTS:
        assert ", -" not in _sql(Action.MASK, d) and "FROM -" not in _sql(Action.MASK, d)


def test_text_only_dialects_generate() -> None:
    for d in set(SUPPORTED_DIALECTS) - set(EXECUTED_DIALECTS):
        for a in (Action.MASK, Action.GENERALIZE, Action.REDACT, Action.NULL):
            assert "__v" not in _sql(a, d)


# --- Masks never raise on bad data (issue 13, part 4b) --------------------------------------
# A mask that raises on a value is an error oracle (the engine's message quotes the value) and
# breaks the export. Each mask runs here over hostile values on the real engine: no error, and
# the exact output that file redaction gives for the same input.

# (value, year that file redaction's generalize_year finds)
YEAR_CASES: list[tuple[str | None, str | None]] = [
    ("1964-02-25", "1964"),
    ("02/25/1964", "1964"),
    ("19640225", "1964"),
    ("25.02.1964", "1964"),
    ("1964-02-25T10:00:00Z", "1964"),
    ("1964-02-30", "1964"),
    ("  1964-02-25  ", "1964"),
    ("\t1964-02-25", "1964"),
    ("\n1964", "1964"),
    ("1964\n", "1964"),
    ("1964", "1964"),
    ("x 1964", "1964"),
    ("a,1964", "1964"),
    ("19640225é", "1964"),
    ("garbage", None),
    ("", None),
    ("   ", None),
    ("\v1964", None),
    ("1964\v", None),
    ("x\t1964", None),
    ("1964x", None),
    ("19641", None),
    ("196402251", None),
    ("1964,", None),
    ("1799-01-01", None),
    ("2100-01-01", None),
    ("2024-13-45", "2024"),
    ("\u00a01964", None),
    ("١٩٦٤-٠٢-٢٥", None),
    ("Tue Feb 25 00:00:00 1964 PST", None),
    ("O'Brien \\ 1964", "1964"),
    ("🦆" * 50 + " 1964", "1964"),
    ("1964" + "x" * 100_000, None),
    ("9" * 100_000, None),
    (None, None),
]
# Text masks: the same inputs plus unicode and lengths around keep_last.
MASK_CASES: list[str | None] = [v for v, _ in YEAR_CASES] + [
    "e\u0301e\u0301e\u0301e\u0301e\u0301",
    "שלום עולם",
    "🦆🦆🦆🦆🦆🦆",
    "ab",
    "abcd",
    "abcde",
    " ",
]


def _engine_select(dialect: str, pg: str | None, ddl_type: str, values: list, select: str) -> list:
    """``SELECT <select> FROM t`` over a one-column table ``t(v <ddl_type>)`` holding ``values``
    (bound as parameters, in order)."""
    rows = list(enumerate(values))
    if dialect == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute(f"CREATE TABLE t (i INTEGER, v {ddl_type})")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        return [r[0] for r in con.execute(f"SELECT {select} FROM t ORDER BY i").fetchall()]
    if dialect == "sqlite":
        con = sqlite3.connect(":memory:")
        con.execute(f"CREATE TABLE t (i INTEGER, v {ddl_type})")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        return [r[0] for r in con.execute(f"SELECT {select} FROM t ORDER BY i")]
    import psycopg

    with psycopg.connect(pg) as con:
        con.execute(f"CREATE TEMP TABLE t (i INTEGER, v {ddl_type})")
        with con.cursor() as cur:
            cur.executemany("INSERT INTO t VALUES (%s, %s)", rows)
        return [r[0] for r in con.execute(f"SELECT {select} FROM t ORDER BY i").fetchall()]


def _mask_sql(action: Action, dialect: str, sql_type: str | None, **kw) -> str:
    return mask_for(
        action,
        exp.column("v"),
        dialect=dialect,
        sql_type=sql_type,
        category=Category.BIRTH_DATE if action is Action.GENERALIZE else None,
        **kw,
    ).expression.sql(dialect=dialect)


def _year(values: list) -> list[str | None]:
    from redactor.masking import generalize_year

    return [
        None if y is None else str(y)
        for y in generalize_year(pa.array(values, pa.string())).to_pylist()
    ]


@pytest.mark.parametrize("sql_type", ["TEXT", None])
def test_year_of_text_never_raises_and_matches_file_redaction(engine, sql_type) -> None:
    dialect, pg = engine
    values = [v for v, _ in YEAR_CASES]
    got = _engine_select(
        dialect, pg, "TEXT", values, _mask_sql(Action.GENERALIZE, dialect, sql_type)
    )
    assert got == [y for _, y in YEAR_CASES]
    assert got == _year(values)  # file redaction on the same inputs


def test_year_agrees_with_file_redaction_on_generated_text(engine) -> None:
    """Thousands of strings built from date pieces, separators and whitespace that RE2 and the
    engine's regex (or SQLite's GLOB) could read differently."""
    import random

    dialect, pg = engine
    rnd = random.Random(13)
    pieces = [
        "1964",
        "2001",
        "1899",
        "1799",
        "2100",
        "19",
        "64",
        "0225",
        "-",
        "/",
        ".",
        " ",
        "\t",
        "\n",
        "\v",
        "\r",
        "\f",
        "T",
        "x",
        "é",
        ",",
        "_",
        "a",
        "0",
        "12",
        "\u00a0",
    ]
    values = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 5))) for _ in range(2000)]
    got = _engine_select(dialect, pg, "TEXT", values, _mask_sql(Action.GENERALIZE, dialect, "TEXT"))
    assert got == _year(values)
    assert sum(g is not None for g in got) > 150 and sum(g is None for g in got) > 150


def test_year_of_a_text_date_column_under_a_map_override_works(engine) -> None:
    """The reported case: `generalize` on a TEXT column of US dates raised on DuckDB and
    PostgreSQL (CAST to DATE), quoting the value."""
    dialect, pg = engine
    got = _engine_select(
        dialect,
        pg,
        "TEXT",
        ["02/25/1964", "not a date"],
        _mask_sql(Action.GENERALIZE, dialect, "TEXT"),
    )
    assert got == ["1964", None]


TYPED_YEAR = {  # dialect -> [(DDL type, catalog type, values, expected)]
    "duckdb": [
        (
            "DATE",
            "DATE",
            ["1964-02-25", "infinity", "-infinity", "1700-01-01", None],
            ["1964", None, None, None, None],
        ),
        ("TIMESTAMP", "TIMESTAMP", ["1964-02-25 23:59:59", "infinity", None], ["1964", None, None]),
        (
            "TIMESTAMPTZ",
            "TIMESTAMP WITH TIME ZONE",
            ["1964-12-31 20:00:00+00", None],
            ["1964", None],
        ),
        ("INTEGER", "INTEGER", [19640225, 1964, None], [None, None, None]),
        ("BLOB", "BLOB", [b"1964-02-25", b"\xff\xfe", None], [None, None, None]),
        ("INTEGER[]", "INTEGER[]", [[1964, 2], None], [None, None]),
    ],
    "postgres": [
        (
            "DATE",
            "date",
            ["1964-02-25", "infinity", "-infinity", "0044-03-15 BC", None],
            ["1964", None, None, None, None],
        ),
        (
            "TIMESTAMP",
            "timestamp without time zone",
            ["1964-02-25 23:59:59", "infinity"],
            ["1964", None],
        ),
        (
            "TIMESTAMPTZ",
            "timestamp with time zone",
            ["1964-12-31 20:00:00+00", "-infinity"],
            ["1964", None],
        ),  # 1965 in the session's Asia/Tokyo
        ("INTEGER", "integer", [19640225, None], [None, None]),
        ("BYTEA", "bytea", [b"1964-02-25", b"\xff\x00"], [None, None]),
        ("JSONB", "jsonb", ['"1964-02-25"', '{"d": "1964-02-25"}'], [None, None]),
        ("INTEGER[]", "integer[]", [[1964, 2], None], [None, None]),
    ],
    "sqlite": [  # typeless: one DATE column holding every storage class
        (
            "DATE",
            "DATE",
            ["1964-02-25", 2450000, 2450000.5, b"1964-02-25", None, "02/25/1964"],
            ["1964", None, None, None, None, "1964"],
        ),
    ],
}


def test_year_of_typed_columns_never_raises(engine) -> None:
    """Dates (infinite, before 1800, BC), time zones, numbers, binary, JSON and arrays: the
    year or NULL, never an error. An INTEGER is not read as YYYYMMDD (file redaction neither);
    on SQLite a number is not a Julian day (STRFTIME would read 2450000 as 1995)."""
    dialect, pg = engine
    import psycopg.types.json  # noqa: F401 - registers JSON adaptation

    for ddl, catalog_type, values, expected in TYPED_YEAR[dialect]:
        if dialect == "postgres" and ddl == "TIMESTAMPTZ":
            # the session's zone must not move the year: the mask reads the UTC year
            with __import__("psycopg").connect(pg) as con:
                con.execute("ALTER DATABASE " + con.info.dbname + " SET TimeZone = 'Asia/Tokyo'")
        got = _engine_select(
            dialect, pg, ddl, values, _mask_sql(Action.GENERALIZE, dialect, catalog_type)
        )
        assert got == expected, (ddl, got)


MASK_TYPED = {  # dialect -> [(DDL type, catalog type, values)]
    "duckdb": [
        ("BLOB", "BLOB", [b"\xff\xfe\x00\x01abc", b"", None]),
        ("INTEGER[]", "INTEGER[]", [[1, 2, 3], [], None]),
        (
            "STRUCT(a INTEGER, b VARCHAR)",
            "STRUCT(a INTEGER, b VARCHAR)",
            [{"a": 1, "b": "x'y"}, None],
        ),
        ("DATE", "DATE", ["infinity", "1964-02-25"]),
        ("DOUBLE", "DOUBLE", [float("nan"), float("inf"), -0.0, 1e308]),
    ],
    "postgres": [
        ("BYTEA", "bytea", [b"\xff\xfe\x00\x01abc", b""]),
        ("INTEGER[]", "integer[]", [[1, 2, 3], []]),
        ("JSONB", "jsonb", ['{"a": "b"}', "null"]),
        ("DATE", "date", ["infinity", "1964-02-25"]),
        ("DOUBLE PRECISION", "double precision", [float("nan"), float("inf")]),
    ],
    "sqlite": [("BLOB", "BLOB", [b"\xff\xfe\x00\x01abc", b"", 12345678, 1.5, "text", None])],
}


@pytest.mark.parametrize("keep_last", [0, 4])
def test_mask_of_typed_columns_never_raises(engine, keep_last: int) -> None:
    """Binary (not UTF-8), arrays, structs, JSON, infinite dates and floats: masked, no error;
    a non-UTF-8 SQLite BLOB is hidden entirely (its tail could not be decoded)."""
    dialect, pg = engine
    import psycopg.types.json

    for ddl, catalog_type, values in MASK_TYPED[dialect]:
        if dialect == "postgres" and ddl == "JSONB":
            values = [psycopg.types.json.Jsonb(__import__("json").loads(v)) for v in values]
        got = _engine_select(
            dialect,
            pg,
            ddl,
            values,
            _mask_sql(Action.MASK, dialect, catalog_type, keep_last=keep_last),
        )
        for v, m in zip(values, got, strict=True):
            assert (m is None) == (v is None), (ddl, v, m)
            if m is not None:
                assert isinstance(m, str) and len(m) - len(m.lstrip("*")) >= len(m) - keep_last
        if dialect == "sqlite":
            assert got[0] == "*" * 7 and got[1] == ""  # the blob's bytes, all hidden


@pytest.mark.parametrize("keep_last", [0, 2, 4])
def test_mask_of_hostile_text_matches_file_redaction(engine, keep_last: int) -> None:
    dialect, pg = engine
    got = _engine_select(
        dialect,
        pg,
        "TEXT",
        MASK_CASES,
        _mask_sql(Action.MASK, dialect, "TEXT", keep_last=keep_last),
    )
    assert got == arrow_mask(pa.array(MASK_CASES, pa.string()), keep_last).to_pylist()


def test_redact_and_typed_nulls_never_raise_on_hostile_values(engine) -> None:
    dialect, pg = engine
    assert set(
        _engine_select(dialect, pg, "TEXT", MASK_CASES, _mask_sql(Action.REDACT, dialect, "TEXT"))
    ) == {"[REDACTED]"}
    for action in (Action.NULL, Action.HASH, Action.SCRUB, Action.DROP):
        assert set(
            _engine_select(dialect, pg, "TEXT", MASK_CASES, _mask_sql(action, dialect, "TEXT"))
        ) == {None}


WEIRD_CATALOG_TYPES = [
    'DECIMAL("x")',
    "DECIMAL(10, x)",
    "mood",
    '"char"',
    "integer[]",
    "ENUM('a', 'b')",
    "STRUCT(a INTEGER)",
    "TEXT) AS v, (SELECT 1",
    "VARCHAR(10); DROP TABLE t",
    "USER-DEFINED",
    "tsvector",
    "MAP(VARCHAR, INTEGER)",
    "x" * 300,
]


_PLAIN_CAST = re.compile(r"CAST\(NULL AS [A-Z0-9 ]+(\(\d+(, \d+)?\))?\)|DATE\(NULL\)")


@pytest.mark.parametrize("dialect", SUPPORTED_DIALECTS)
def test_typed_null_never_prints_catalog_text(dialect: str) -> None:
    """A catalog type is kept only when it is a plain scalar type with numeric parameters;
    anything else (the raw-text slots of issue 13) becomes the text type."""
    text = typed_null(None, dialect).sql(dialect=dialect)
    for t in WEIRD_CATALOG_TYPES:
        out = typed_null(t, dialect).sql(dialect=dialect)
        assert _PLAIN_CAST.fullmatch(out), (t, out)
        assert not re.search(r"DROP|SELECT|MOOD|XX|\bX\b|[\"';]", out.upper()), (t, out)
        if dialect in EXECUTED_DIALECTS and t != "integer[]":  # SQLite's reads "integer"
            assert out == text, t
    for t in [
        "INTEGER",
        "numeric(10,2)",
        "DATE",
        "character varying(20)",
        'DECIMAL(10, 2) COLLATE "C"',
    ]:  # sqlglot reads the type and ignores the rest
        assert _PLAIN_CAST.fullmatch(typed_null(t, dialect).sql(dialect=dialect)), t
    assert typed_null("DATE", "duckdb").sql(dialect="duckdb") == "CAST(NULL AS DATE)"


def test_typed_nulls_of_weird_types_run(engine) -> None:
    dialect, pg = engine
    for t in WEIRD_CATALOG_TYPES:
        assert _engine_select(
            dialect, pg, "TEXT", ["x", None], typed_null(t, dialect).sql(dialect=dialect)
        ) == [None, None]
