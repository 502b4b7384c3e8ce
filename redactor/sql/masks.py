"""Masking expressions, one template per target dialect, each proven on the real engine in tests.

Templates are SQL text in the *target* dialect with ``__v`` standing for the column; they are
parsed with that dialect and generated back in it, so nothing is transpiled across dialects.
Pitfalls the templates avoid (see docs/sql.md): ``SUBSTR(x, -4)`` returns the whole value on
PostgreSQL, SQLite has no ``RIGHT``/``YEAR``/``REPEAT``/SHA-2, and keyed hashing needs a secret the
database must not see.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from redactor.categories import Action, Category

MASK_FILL = "*"  # as redactor.masking.mask: one fill character per hidden character
REDACTED = "[REDACTED]"

# The string type of each dialect (what CAST(… AS T) spells).
TEXT_TYPE: dict[str, str] = {
    "duckdb": "VARCHAR", "postgres": "TEXT", "sqlite": "TEXT", "spark": "STRING",
    "databricks": "STRING", "bigquery": "STRING", "snowflake": "VARCHAR", "trino": "VARCHAR",
}
EXECUTED_DIALECTS = ("duckdb", "postgres", "sqlite")  # masks proven on the engine by tests
SUPPORTED_DIALECTS = tuple(TEXT_TYPE)

# Same result as redactor.masking.mask (file redaction): values longer than N keep their last N
# characters behind one '*' per hidden character; shorter values are all '*'. Positive offsets
# only: start = LENGTH - N + 1 >= 2 whenever LENGTH > N (SUBSTR(x, -N) leaks on PostgreSQL).
_MASK = (
    "CASE WHEN __v IS NULL THEN NULL "
    "WHEN LENGTH(CAST(__v AS {T})) > {N} "
    "THEN {STARS_HIDDEN} || SUBSTR(CAST(__v AS {T}), LENGTH(CAST(__v AS {T})) - {N_1}) "
    "ELSE {STARS_ALL} END"
)
# n copies of '*': SQLite has no REPEAT or LPAD; Trino has no string REPEAT.
_STARS = {
    "sqlite": "REPLACE(HEX(ZEROBLOB({n})), '00', '*')",
    "trino": "LPAD('', {n}, '*')",
    "default": "REPEAT('*', {n})",
}
# The year as text ('1984'), so that file redaction's generalize_year, applied again to an
# export's result (defence in depth), finds the same year instead of an opaque integer.
_YEAR = {
    "sqlite": "STRFTIME('%Y', __v)",
    "default": "CAST(CAST(EXTRACT(YEAR FROM CAST(__v AS DATE)) AS INTEGER) AS {T})",
}


@dataclass(frozen=True, slots=True)
class Mask:
    """How one column appears inside the substituted derived table."""

    expression: exp.Expression
    description: str  # e.g. "masked: last 4 characters kept"
    withheld_entirely: bool  # the value carries nothing (NULL or a constant)


def _template(text: str, column: exp.Expression, dialect: str) -> exp.Expression:
    tree = sqlglot.parse_one(text, read=dialect)
    return tree.transform(
        lambda n: column.copy() if isinstance(n, exp.Column) and n.name == "__v" else n,
        copy=False,
    )


def typed_null(sql_type: str | None, dialect: str) -> exp.Expression:
    """``CAST(NULL AS <type>)``: the column's own type when it parses, else the text type."""
    return exp.Cast(this=exp.Null(), to=_null_type(sql_type, dialect).copy())


@functools.lru_cache(maxsize=1024)
def _null_type(sql_type: str | None, dialect: str) -> exp.DataType:
    dtype: exp.DataType | None = None
    if sql_type:
        try:
            dtype = exp.DataType.build(sql_type, dialect=dialect)
        except Exception:  # an engine-specific type sqlglot does not know
            dtype = None
        if dtype is not None and dtype.this in (exp.DataType.Type.UNKNOWN,
                                                exp.DataType.Type.USERDEFINED):
            dtype = None
    if dtype is None:
        dtype = exp.DataType.build(TEXT_TYPE.get(dialect, "TEXT"), dialect=dialect)
    return dtype


def mask_for(action: Action, column: exp.Expression, *, dialect: str, sql_type: str | None,
             category: Category | None, keep_last: int = 4,
             generalize_to: str | None = None) -> Mask:
    """The derived-table expression for a column under ``action`` (never RELEASE/REFUSE)."""
    m = _mask_for(action, dialect=dialect, sql_type=sql_type, category=category,
                  keep_last=keep_last, generalize_to=generalize_to)
    expr = m.expression.transform(
        lambda n: column.copy() if isinstance(n, exp.Column) and n.name == "__v" else n)
    return Mask(expr, m.description, m.withheld_entirely)


@functools.lru_cache(maxsize=1024)
def _mask_for(action: Action, *, dialect: str, sql_type: str | None, category: Category | None,
              keep_last: int, generalize_to: str | None) -> Mask:
    """The mask with the column as ``__v`` (cached: callers only read it)."""
    column = exp.column("__v")
    text_type = TEXT_TYPE.get(dialect, "TEXT")
    if action is Action.MASK:
        n = max(0, int(keep_last))
        stars = _STARS.get(dialect, _STARS["default"])
        length = f"LENGTH(CAST(__v AS {text_type}))"
        text = _MASK.format(T=text_type, N=n, N_1=n - 1,
                            STARS_HIDDEN=stars.format(n=f"{length} - {n}"),
                            STARS_ALL=stars.format(n=length)) if n else (
            f"CASE WHEN __v IS NULL THEN NULL ELSE {stars.format(n=length)} END")
        how = f"only the last {n} characters kept" if n else "every character hidden"
        return Mask(_template(text, column, dialect), f"masked: {how}", n == 0)
    if action is Action.REDACT:
        expr = _template(f"CAST('{REDACTED}' AS {text_type})", column, dialect)
        return Mask(expr, f"redacted: every value replaced by {REDACTED}", True)
    if action is Action.GENERALIZE:
        target = generalize_to or ("year" if category is Category.BIRTH_DATE else None)
        if target == "year":
            expr = _template(_YEAR.get(dialect, _YEAR["default"]).format(T=text_type), column,
                             dialect)
            return Mask(expr, "generalized to the year", False)
        return Mask(typed_null(sql_type, dialect),
                    f"generalize to {target or 'a coarser value'} is not done in SQL: withheld "
                    "as NULL", True)
    if action is Action.HASH:
        return Mask(typed_null(sql_type, dialect),
                    "hash needs the keyed secret, which is never sent to the database: withheld "
                    "as NULL (export a file and use `redactor redact` to hash)", True)
    if action is Action.SCRUB:
        return Mask(typed_null(sql_type, dialect),
                    "free text is scrubbed only in files: withheld as NULL in SQL", True)
    if action is Action.NULL:
        return Mask(typed_null(sql_type, dialect), "nulled", True)
    if action is Action.DROP:
        return Mask(typed_null(sql_type, dialect), "dropped", True)
    raise ValueError(f"no SQL mask for action {action}")
