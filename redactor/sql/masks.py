"""Masking expressions, one template per target dialect, each proven on the real engine in tests.

Templates are SQL text in the *target* dialect with ``__v`` standing for the column; they are
parsed with that dialect and generated back in it, so nothing is transpiled across dialects.
Pitfalls the templates avoid (see docs/sql.md): ``SUBSTR(x, -4)`` returns the whole value on
PostgreSQL, SQLite has no ``RIGHT``/``YEAR``/``REPEAT``/SHA-2, and keyed hashing needs a secret the
database must not see.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from redactor.categories import Action, Category

MASK_PREFIX = "****"  # fixed width, so a masked value does not reveal the original's length
REDACTED = "[REDACTED]"

# The string type of each dialect (what CAST(… AS T) spells).
TEXT_TYPE: dict[str, str] = {
    "duckdb": "VARCHAR", "postgres": "TEXT", "sqlite": "TEXT", "spark": "STRING",
    "databricks": "STRING", "bigquery": "STRING", "snowflake": "VARCHAR", "trino": "VARCHAR",
}
EXECUTED_DIALECTS = ("duckdb", "postgres", "sqlite")  # masks proven on the engine by tests
SUPPORTED_DIALECTS = tuple(TEXT_TYPE)

# Last N characters, positive offsets only: start = LENGTH - N + 1 >= 2 whenever LENGTH > N.
_MASK = (
    "CASE WHEN __v IS NULL THEN NULL "
    "WHEN LENGTH(CAST(__v AS {T})) > {N} "
    "THEN '{P}' || SUBSTR(CAST(__v AS {T}), LENGTH(CAST(__v AS {T})) - {N_1}) "
    "ELSE '{P}' END"
)
_YEAR = {
    "sqlite": "CAST(STRFTIME('%Y', __v) AS INTEGER)",
    "default": "CAST(EXTRACT(YEAR FROM CAST(__v AS DATE)) AS INTEGER)",
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
        lambda n: column.copy() if isinstance(n, exp.Column) and n.name == "__v" else n
    )


def typed_null(sql_type: str | None, dialect: str) -> exp.Expression:
    """``CAST(NULL AS <type>)``: the column's own type when it parses, else the text type."""
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
    return exp.Cast(this=exp.Null(), to=dtype)


def mask_for(action: Action, column: exp.Expression, *, dialect: str, sql_type: str | None,
             category: Category | None, keep_last: int = 4,
             generalize_to: str | None = None) -> Mask:
    """The derived-table expression for a column under ``action`` (never RELEASE/REFUSE)."""
    text_type = TEXT_TYPE.get(dialect, "TEXT")
    if action is Action.MASK:
        n = max(0, int(keep_last))
        if n == 0:
            expr = _template(f"CASE WHEN __v IS NULL THEN NULL ELSE '{MASK_PREFIX}' END",
                             column, dialect)
            return Mask(expr, "masked entirely", True)
        text = _MASK.format(T=text_type, N=n, N_1=n - 1, P=MASK_PREFIX)
        return Mask(_template(text, column, dialect),
                    f"masked: only the last {n} characters kept", False)
    if action is Action.REDACT:
        expr = _template(f"CASE WHEN __v IS NULL THEN NULL ELSE '{REDACTED}' END", column,
                         dialect)
        return Mask(expr, f"redacted: replaced by {REDACTED}", True)
    if action is Action.GENERALIZE:
        target = generalize_to or ("year" if category is Category.BIRTH_DATE else None)
        if target == "year":
            expr = _template(_YEAR.get(dialect, _YEAR["default"]), column, dialect)
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
