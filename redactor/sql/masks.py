"""Masking expressions, one template per target dialect, each proven on the real engine in tests.

Templates are SQL text in the *target* dialect with ``__v`` standing for the column; they are
parsed with that dialect and generated back in it, so nothing is transpiled across dialects.
Pitfalls the templates avoid (see docs/sql.md): ``SUBSTR(x, -4)`` returns the whole value on
PostgreSQL, SQLite has no ``RIGHT``/``YEAR``/``REPEAT``/SHA-2, and keyed hashing needs a secret the
database must not see.

Every template is total: no value of any type makes it raise (an error would quote the value, an
oracle, and would break the export). Nothing casts to a narrower type; the year is read from the
text with a regular expression (SQLite: ``GLOB``), or with ``EXTRACT`` only when the catalog says
the column is a date or timestamp; a value that holds no year becomes NULL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from redactor.categories import Action, Category

MASK_FILL = "*"  # as redactor.masking.mask: one fill character per hidden character
REDACTED = "[REDACTED]"

# The string type of each dialect (what CAST(… AS T) spells).
TEXT_TYPE: dict[str, str] = {
    "duckdb": "VARCHAR",
    "postgres": "TEXT",
    "sqlite": "TEXT",
    "spark": "STRING",
    "databricks": "STRING",
    "bigquery": "STRING",
    "snowflake": "VARCHAR",
    "trino": "VARCHAR",
}
EXECUTED_DIALECTS = ("duckdb", "postgres", "sqlite")  # masks proven on the engine by tests
SUPPORTED_DIALECTS = tuple(TEXT_TYPE)

# Same result as redactor.masking.mask (file redaction): values longer than N keep their last N
# characters behind one '*' per hidden character; shorter values are all '*'. Positive offsets
# only: start = LENGTH - N + 1 >= 2 whenever LENGTH > N (SUBSTR(x, -N) leaks on PostgreSQL).
# {S} is the value as text: a plain CAST on most engines, TRY_CAST on DuckDB.
_MASK = (
    "CASE WHEN __v IS NULL THEN NULL {BLOB}"
    "WHEN LENGTH({S}) > {N} "
    "THEN {STARS_HIDDEN} || SUBSTR({S}, LENGTH({S}) - {N_1}) "
    "ELSE {STARS_ALL} END"
)
# n copies of '*': SQLite has no REPEAT or LPAD; Trino has no string REPEAT.
_STARS = {
    "sqlite": "REPLACE(HEX(ZEROBLOB({n})), '00', '*')",
    "trino": "LPAD('', {n}, '*')",
    "default": "REPEAT('*', {n})",
}
_AS_TEXT = {"duckdb": "TRY_CAST(__v AS {T})", "default": "CAST(__v AS {T})"}
# A SQLite BLOB as text may not be UTF-8 (the driver would fail to decode the kept tail):
# every byte is hidden instead.
_BLOB = {"sqlite": "WHEN TYPEOF(__v) = 'blob' THEN {STARS_BYTES} "}

# --- Generalise to the year ------------------------------------------------------------------
# The year as text ('1984'), so that file redaction's generalize_year, applied again to an
# export's result (defence in depth), finds the same year instead of an opaque integer.
# Text takes exactly the rule of redactor.masking.generalize_year (RE2): a year 1800-2099
# leading the value (after whitespace) and followed by a date separator, whitespace, 'T', the end,
# or four more digits and a word end (ISO, YYYYMMDD, timestamps); else one ending the value after
# a separator (MM/DD/YYYY, DD.MM.YYYY). Written without \s, \d, \b (RE2 and PostgreSQL differ on
# them): whitespace is RE2's [\t\n\f\r ], a word character [0-9A-Za-z_].
_WS = r"[\t\n\f\r ]"
_Y = "((?:1[89]|20)[0-9][0-9])"
YEAR_LEAD = rf"^{_WS}*{_Y}(?:[-/.]|[0-9]{{4}}(?:[^0-9A-Za-z_]|$)|{_WS}|T|$)"
YEAR_TAIL = rf"(?:^|[-/. ,]){_Y}{_WS}*$"
_YEAR_TEXT = {
    "duckdb": (
        f"NULLIF(COALESCE(NULLIF(REGEXP_EXTRACT(__s, '{YEAR_LEAD}', 1), ''), "
        f"REGEXP_EXTRACT(__s, '{YEAR_TAIL}', 1)), '')"
    ),
    "postgres": f"COALESCE(SUBSTRING(__s FROM '{YEAR_LEAD}'), SUBSTRING(__s FROM '{YEAR_TAIL}'))",
}
# SQLite has no regular expressions: the same rule with GLOB on the trimmed text. Only TEXT values
# count (SQLite is typeless: an INTEGER or REAL in a DATE column is not read as a day number, as
# STRFTIME would; a BLOB may not be text at all), as file redaction withholds numbers.
_SQ_WS = "CHAR(9, 10, 12, 13, 32)"
_SQ_L = f"LTRIM(__v, {_SQ_WS})"
_SQ_R = f"RTRIM(__v, {_SQ_WS})"
_SQ_YEAR = "(({x}) GLOB '1[89][0-9][0-9]' OR ({x}) GLOB '20[0-9][0-9]')"
_SQLITE_YEAR = (
    "CASE WHEN TYPEOF(__v) <> 'text' THEN NULL "
    f"WHEN {_SQ_YEAR.format(x=f'SUBSTR({_SQ_L}, 1, 4)')} AND (LENGTH({_SQ_L}) = 4 "
    f"OR SUBSTR({_SQ_L}, 5, 1) IN ('-', '/', '.', 'T', ' ', CHAR(9), CHAR(10), CHAR(12), CHAR(13)) "
    f"OR (SUBSTR({_SQ_L}, 5, 4) GLOB '[0-9][0-9][0-9][0-9]' AND (LENGTH({_SQ_L}) = 8 "
    f"OR NOT SUBSTR({_SQ_L}, 9, 1) GLOB '[0-9A-Za-z_]'))) THEN SUBSTR({_SQ_L}, 1, 4) "
    f"WHEN LENGTH({_SQ_R}) >= 4 AND {_SQ_YEAR.format(x=f'SUBSTR({_SQ_R}, LENGTH({_SQ_R}) - 3)')} "
    f"AND (LENGTH({_SQ_R}) = 4 OR SUBSTR({_SQ_R}, LENGTH({_SQ_R}) - 4, 1) IN ('-', '/', '.', ' ', "
    f"',')) THEN SUBSTR({_SQ_R}, LENGTH({_SQ_R}) - 3) END"
)
# A date or timestamp column (by its catalog type): the year, 1800-2099 as for text (the Arrow
# pass nulls other years anyway); timestamps with a time zone in UTC, as the export reads them.
_YEAR_DATE = (
    "CASE WHEN EXTRACT(YEAR FROM {D}) BETWEEN 1800 AND 2099 "
    "THEN CAST(CAST(EXTRACT(YEAR FROM {D}) AS INTEGER) AS {T}) END"
)
# Other dialects: generated only, never run by redactor (pinned in tests/test_sql_transpile.py).
_YEAR_DEFAULT = "CAST(CAST(EXTRACT(YEAR FROM CAST(__v AS DATE)) AS INTEGER) AS {T})"

_T = exp.DataType.Type
_DATE_TYPES = {
    _T.DATE,
    _T.DATE32,
    _T.DATETIME,
    _T.DATETIME2,
    _T.DATETIME64,
    _T.SMALLDATETIME,
    _T.TIMESTAMP,
    _T.TIMESTAMP_S,
    _T.TIMESTAMP_MS,
    _T.TIMESTAMP_NS,
    _T.TIMESTAMPNTZ,
}
_TZ_TYPES = {_T.TIMESTAMPTZ, _T.TIMESTAMPLTZ}
# Catalog types a typed NULL may keep; anything else (nested, enums, user-defined, parameters
# that are not plain numbers) becomes the text type, so no catalog text is printed into SQL.
_PLAIN_TYPES = {
    _T.TINYINT,
    _T.SMALLINT,
    _T.INT,
    _T.BIGINT,
    _T.INT128,
    _T.UTINYINT,
    _T.USMALLINT,
    _T.UINT,
    _T.UBIGINT,
    _T.FLOAT,
    _T.DOUBLE,
    _T.DECIMAL,
    _T.BOOLEAN,
    _T.DATE,
    _T.TIME,
    _T.TIMETZ,
    _T.TIMESTAMP,
    _T.TIMESTAMPTZ,
    _T.TEXT,
    _T.VARCHAR,
    _T.CHAR,
    _T.NCHAR,
    _T.NVARCHAR,
    _T.VARBINARY,
    _T.BINARY,
    _T.UUID,
    _T.INTERVAL,
    _T.JSON,
    _T.JSONB,
}
_PLAIN_TYPE_SQL = re.compile(r"[A-Z][A-Z0-9 ]*(?:\(\d{1,4}(?:, ?\d{1,4})?\))?")


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
    """``CAST(NULL AS <type>)``: the column's own type when it is a plain known type, else the
    text type."""
    return exp.Cast(this=exp.Null(), to=_null_type(sql_type, dialect).copy())


def _build_type(sql_type: str | None, dialect: str) -> exp.DataType | None:
    if not sql_type:
        return None
    try:
        return exp.DataType.build(sql_type, dialect=dialect)
    except Exception:  # an engine-specific type sqlglot does not know
        return None


def _plain(dtype: exp.DataType | None, dialect: str) -> bool:
    """A scalar type of the allow-list whose parameters are plain numbers, printed as such."""
    if dtype is None or dtype.this not in _PLAIN_TYPES:
        return False
    for p in dtype.expressions:
        if not (
            isinstance(p, exp.DataTypeParam)
            and isinstance(p.this, exp.Literal)
            and p.this.is_int
            and p.args.get("expression") is None
        ):
            return False
    try:
        return _PLAIN_TYPE_SQL.fullmatch(dtype.sql(dialect=dialect)) is not None
    except Exception:
        return False


@functools.lru_cache(maxsize=1024)
def _null_type(sql_type: str | None, dialect: str) -> exp.DataType:
    dtype = _build_type(sql_type, dialect)
    if not _plain(dtype, dialect):
        dtype = exp.DataType.build(TEXT_TYPE.get(dialect, "TEXT"), dialect=dialect)
    return dtype


def _type_kind(sql_type: str | None, dialect: str) -> str:
    """'date', 'tz' (timestamp with time zone), 'text', or 'other' (a known type that holds no
    date: numbers, binary, JSON, nested). Unknown types are read as text (always total)."""
    dtype = _build_type(sql_type, dialect)
    if dtype is None or dtype.this in (_T.UNKNOWN, _T.USERDEFINED):
        return "text"
    if dtype.this in _DATE_TYPES:
        return "date"
    if dtype.this in _TZ_TYPES:
        return "tz"
    if dtype.this in exp.DataType.TEXT_TYPES:
        return "text"
    return "other"


def _year_template(dialect: str, sql_type: str | None, text_type: str) -> str | None:
    """The year template for ``dialect``; None: the column cannot hold a year (typed NULL)."""
    if dialect == "sqlite":
        return _SQLITE_YEAR
    if dialect not in _YEAR_TEXT:
        return _YEAR_DEFAULT.format(T=text_type)  # generated only, never run by redactor
    kind = _type_kind(sql_type, dialect)
    if kind == "other":
        return None
    if kind in ("date", "tz"):
        d = "(__v AT TIME ZONE 'UTC')" if kind == "tz" else "__v"
        return _YEAR_DATE.format(D=d, T=text_type)
    s = _AS_TEXT.get(dialect, _AS_TEXT["default"]).format(T=text_type)
    return _YEAR_TEXT[dialect].replace("__s", s)


def mask_for(
    action: Action,
    column: exp.Expression,
    *,
    dialect: str,
    sql_type: str | None,
    category: Category | None,
    keep_last: int = 4,
    generalize_to: str | None = None,
) -> Mask:
    """The derived-table expression for a column under ``action`` (never RELEASE/REFUSE)."""
    m = _mask_for(
        action,
        dialect=dialect,
        sql_type=sql_type,
        category=category,
        keep_last=keep_last,
        generalize_to=generalize_to,
    )
    expr = m.expression.transform(
        lambda n: column.copy() if isinstance(n, exp.Column) and n.name == "__v" else n
    )
    return Mask(expr, m.description, m.withheld_entirely)


def _mask_text(dialect: str, keep_last: int) -> str:
    text_type = TEXT_TYPE.get(dialect, "TEXT")
    n = max(0, int(keep_last))
    stars = _STARS.get(dialect, _STARS["default"])
    s = _AS_TEXT.get(dialect, _AS_TEXT["default"]).format(T=text_type)
    length = f"LENGTH({s})"
    blob = _BLOB.get(dialect, "").format(STARS_BYTES=stars.format(n="LENGTH(__v)"))
    if not n:
        return f"CASE WHEN __v IS NULL THEN NULL {blob}ELSE {stars.format(n=length)} END"
    return _MASK.format(
        S=s,
        N=n,
        N_1=n - 1,
        BLOB=blob,
        STARS_HIDDEN=stars.format(n=f"{length} - {n}"),
        STARS_ALL=stars.format(n=length),
    )


@functools.lru_cache(maxsize=1024)
def _mask_for(
    action: Action,
    *,
    dialect: str,
    sql_type: str | None,
    category: Category | None,
    keep_last: int,
    generalize_to: str | None,
) -> Mask:
    """The mask with the column as ``__v`` (cached: callers only read it)."""
    column = exp.column("__v")
    text_type = TEXT_TYPE.get(dialect, "TEXT")
    if action is Action.MASK:
        n = max(0, int(keep_last))
        how = f"only the last {n} characters kept" if n else "every character hidden"
        return Mask(_template(_mask_text(dialect, n), column, dialect), f"masked: {how}", n == 0)
    if action is Action.REDACT:
        expr = _template(f"CAST('{REDACTED}' AS {text_type})", column, dialect)
        return Mask(expr, f"redacted: every value replaced by {REDACTED}", True)
    if action is Action.GENERALIZE:
        target = generalize_to or ("year" if category is Category.BIRTH_DATE else None)
        if target == "year":
            text = _year_template(dialect, sql_type, text_type)
            if text is None:
                return Mask(
                    typed_null(None, dialect),
                    "generalized to the year: the column's "
                    f"type ({sql_type}) holds no date, withheld as NULL",
                    True,
                )
            return Mask(_template(text, column, dialect), "generalized to the year", False)
        return Mask(
            typed_null(sql_type, dialect),
            f"generalize to {target or 'a coarser value'} is not done in SQL: withheld as NULL",
            True,
        )
    if action is Action.HASH:
        return Mask(
            typed_null(sql_type, dialect),
            "hash needs the keyed secret, which is never sent to the database: withheld "
            "as NULL (export a file and use `redactor redact` to hash)",
            True,
        )
    if action is Action.SCRUB:
        return Mask(
            typed_null(sql_type, dialect),
            "free text is scrubbed only in files: withheld as NULL in SQL",
            True,
        )
    if action is Action.NULL:
        return Mask(typed_null(sql_type, dialect), "nulled", True)
    if action is Action.DROP:
        return Mask(typed_null(sql_type, dialect), "dropped", True)
    raise ValueError(f"no SQL mask for action {action}")
