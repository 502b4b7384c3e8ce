"""`redactor sql --to bigquery|snowflake|trino|spark`: the masking expressions that sqlglot
transpiling gets wrong (docs/research: negative SUBSTR offsets, RIGHT/LEFT, CONCAT's NULL
semantics, CAST to string, hashes turned into byte-returning or missing functions) never appear;
each mask is pinned to the exact text its target engine documents as correct.

These dialects are not executed here (Spark is, in tests/test_sql_spark.py), so the assertions are
on the generated SQL and on its syntax tree re-read in the target dialect.
"""

from __future__ import annotations

import pytest
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from redactor.categories import Action, Category
from redactor.cli import cli
from redactor.sql.masks import SUPPORTED_DIALECTS, mask_for
from tests.test_sql_export import CANARY_MAP_YAML

TEXT_ONLY = ("bigquery", "snowflake", "trino", "spark")

# keep_last 4 on column v, per target: stars via REPEAT (Trino has no string REPEAT: LPAD),
# a positive SUBSTR start (LENGTH - 3), never SUBSTR(x, -4) / RIGHT(x, 4).
EXPECTED_MASK = {
    "bigquery": "CASE WHEN v IS NULL THEN NULL WHEN LENGTH(CAST(v AS STRING)) > 4 THEN "
    "REPEAT('*', LENGTH(CAST(v AS STRING)) - 4) || SUBSTR(CAST(v AS STRING), "
    "LENGTH(CAST(v AS STRING)) - 3) ELSE REPEAT('*', LENGTH(CAST(v AS STRING))) END",
    "snowflake": "CASE WHEN v IS NULL THEN NULL WHEN LENGTH(CAST(v AS VARCHAR)) > 4 THEN "
    "REPEAT('*', LENGTH(CAST(v AS VARCHAR)) - 4) || SUBSTRING(CAST(v AS VARCHAR), "
    "LENGTH(CAST(v AS VARCHAR)) - 3) ELSE REPEAT('*', LENGTH(CAST(v AS VARCHAR))) "
    "END",
    "trino": "CASE WHEN v IS NULL THEN NULL WHEN LENGTH(CAST(v AS VARCHAR)) > 4 THEN "
    "LPAD('', LENGTH(CAST(v AS VARCHAR)) - 4, '*') || SUBSTR(CAST(v AS VARCHAR), "
    "LENGTH(CAST(v AS VARCHAR)) - 3) ELSE LPAD('', LENGTH(CAST(v AS VARCHAR)), '*') END",
    "spark": "CASE WHEN v IS NULL THEN NULL WHEN LENGTH(CAST(v AS STRING)) > 4 THEN "
    "REPEAT('*', LENGTH(CAST(v AS STRING)) - 4) || SUBSTRING(CAST(v AS STRING), "
    "LENGTH(CAST(v AS STRING)) - 3) ELSE REPEAT('*', LENGTH(CAST(v AS STRING))) END",
}
# The year as text; Snowflake spells EXTRACT as DATE_PART, BigQuery's integer is INT64.
EXPECTED_YEAR = {
    "bigquery": "CAST(CAST(EXTRACT(YEAR FROM CAST(v AS DATE)) AS INT64) AS STRING)",
    "snowflake": "CAST(CAST(DATE_PART(YEAR, CAST(v AS DATE)) AS INT) AS VARCHAR)",
    "trino": "CAST(CAST(EXTRACT(YEAR FROM CAST(v AS DATE)) AS INTEGER) AS VARCHAR)",
    "spark": "CAST(CAST(EXTRACT(YEAR FROM CAST(v AS DATE)) AS INT) AS STRING)",
}
TEXT = {"bigquery": "STRING", "snowflake": "VARCHAR", "trino": "VARCHAR", "spark": "STRING"}
# Constructs the research note found wrong after transpiling, and hashes (a keyed HMAC needs a
# secret the database must never see: hash is NULL in SQL).
RISKY = (
    exp.Right,
    exp.Left,
    exp.Concat,
    exp.ConcatWs,
    exp.SHA,
    exp.SHA2,
    exp.MD5,
    exp.RegexpReplace,
    exp.RegexpExtract,
    exp.Anonymous,
)


def _mask(action: Action, dialect: str, keep_last: int = 4) -> str:
    return mask_for(
        action,
        exp.column("v"),
        dialect=dialect,
        sql_type=None,
        category=Category.BIRTH_DATE if action is Action.GENERALIZE else None,
        keep_last=keep_last,
    ).expression.sql(dialect=dialect)


def test_every_dialect_has_masks() -> None:
    assert set(TEXT_ONLY) <= set(SUPPORTED_DIALECTS)


@pytest.mark.parametrize("dialect", TEXT_ONLY)
def test_masks_are_the_pinned_text(dialect: str) -> None:
    assert _mask(Action.MASK, dialect) == EXPECTED_MASK[dialect]
    assert _mask(Action.GENERALIZE, dialect) == EXPECTED_YEAR[dialect]
    assert _mask(Action.REDACT, dialect) == f"CAST('[REDACTED]' AS {TEXT[dialect]})"
    for a in (Action.NULL, Action.DROP, Action.HASH, Action.SCRUB):
        assert _mask(a, dialect) == f"CAST(NULL AS {TEXT[dialect]})"
    # keep_last 0: every character hidden, still NULL-preserving
    assert _mask(Action.MASK, dialect, keep_last=0).startswith("CASE WHEN v IS NULL THEN NULL")


@pytest.mark.parametrize("dialect", TEXT_ONLY)
@pytest.mark.parametrize("keep_last", [1, 2, 4, 9])
def test_mask_ast_has_no_risky_construct(dialect: str, keep_last: int) -> None:
    text = _mask(Action.MASK, dialect, keep_last)
    tree = sqlglot.parse_one(text, read=dialect)
    assert tree.sql(dialect=dialect) == text  # stable when the engine's own parser reads it
    assert not list(tree.find_all(*RISKY)), [n.sql(dialect) for n in tree.find_all(*RISKY)]
    for sub in tree.find_all(exp.Substring):
        start = sub.args["start"]
        assert isinstance(start, exp.Sub) and start.expression.to_py() == keep_last - 1
        assert sub.args.get("length") is None
    # NULL first: never concatenated into '****' or passed to CONCAT's NULL-skipping rules
    case = tree.assert_is(exp.Case)
    first = case.args["ifs"][0]
    assert first.this.assert_is(exp.Is) and isinstance(first.args["true"], exp.Null)
    for cast in tree.find_all(exp.Cast):
        assert cast.to.sql(dialect) == TEXT[dialect]  # CAST to the engine's own string type


def _sql(query: str, to: str, tmp_path) -> str:
    fm = tmp_path / "canary.yaml"
    fm.write_text(CANARY_MAP_YAML)
    r = CliRunner().invoke(
        cli,
        [
            "sql",
            query,
            "--map",
            str(fm),
            "--agency",
            "ICE",
            "--purpose",
            "civil_immigration_enforcement",
            "--policy",
            "colorado-sb21-131",
            "--dialect",
            "duckdb",
            "--to",
            to,
            "--dry-run",
        ],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.parametrize("dialect", TEXT_ONLY)
def test_cli_rewrite_reads_only_masked_columns(dialect: str, tmp_path) -> None:
    out = _sql(
        "SELECT p.*, d.dname FROM people p JOIN depts d ON p.dept_id = d.id", dialect, tmp_path
    )
    tree = sqlglot.parse_one(out, read=dialect)
    inner = [
        s
        for s in tree.find_all(exp.Select)
        if any(t.name == "people" for t in s.find_all(exp.Table))
        and s.find(exp.Subquery) is None
        and s is not tree
    ]
    assert len(inner) == 1
    cols = {sel.alias_or_name: sel.this for sel in inner[0].selects}
    released = {"id", "city", "dept_id"}
    for name, expr in cols.items():
        if name in released:
            assert isinstance(expr, exp.Column), name
        else:  # every protected column is a mask, a constant or a typed NULL
            assert not isinstance(expr, exp.Column), name
    assert cols["dl_number"].sql(dialect) == EXPECTED_MASK[dialect].replace("v", "dl_number")
    assert cols["birth_date"].sql(dialect) == EXPECTED_YEAR[dialect].replace("v", "birth_date")
    for name in ("ssn", "itin", "last_name", "address", "immigration_status", "notes"):
        assert cols[name].sql(dialect) == f"CAST(NULL AS {TEXT[dialect]})", name
    assert not list(tree.find_all(*RISKY[:-1]))


def test_user_functions_transpile_but_masks_are_not_transpiled(tmp_path) -> None:
    """A user's SUBSTR(x, -4) is the user's business (on a masked value); the masks never rely
    on what sqlglot makes of one."""
    out = _sql("SELECT SUBSTR(dl_number, -4) AS tail FROM people", "trino", tmp_path)
    tree = sqlglot.parse_one(out, read="trino")
    outer = tree.selects[0]
    assert "-4" in outer.sql("trino")  # the user's expression, applied to the masked column
    assert "LPAD(''" in out and "REPEAT(" not in out
