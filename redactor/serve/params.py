"""Parameters of the extended query protocol, bound into the statement as literals.

``WHERE ssn = $1`` is refused exactly as ``WHERE ssn = '123-45-6789'`` is: the statement that
is checked (guard, rewrite) is the statement with its values in place, and what runs is that
statement's rewrite, never the client's text with parameters sent beside it.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from sqlglot import exp
from sqlglot.errors import SqlglotError

from redactor.errors import BadInputError
from redactor.serve import values as v
from redactor.sql.parsed import parse as parse_sql
from redactor.sql.parsed import parse_one as parse_one_sql

DIALECT = "postgres"
_CAST_NAMES = {
    v.INT2: "SMALLINT",
    v.INT4: "INTEGER",
    v.INT8: "BIGINT",
    v.FLOAT4: "REAL",
    v.FLOAT8: "DOUBLE PRECISION",
    v.NUMERIC: "NUMERIC",
    v.BOOL: "BOOLEAN",
    v.DATE: "DATE",
    v.TIMESTAMP: "TIMESTAMP",
    v.TIMESTAMPTZ: "TIMESTAMPTZ",
    v.TIME: "TIME",
    v.BYTEA: "BYTEA",
    v.OID: "BIGINT",
    v.UUID: "UUID",
    v.INTERVAL: "INTERVAL",
    v.JSON: "JSON",
    v.JSONB: "JSONB",
}
_NUMERIC = frozenset({v.INT2, v.INT4, v.INT8, v.FLOAT4, v.FLOAT8, v.NUMERIC, v.OID})


class ParameterError(BadInputError):
    """A parameter that cannot be bound (SQLSTATE 22P02 or 08P01)."""

    def __init__(self, message: str, sqlstate: str = "22P02") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def placeholders(tree: exp.Expression) -> list[exp.Parameter]:
    return [
        p
        for p in tree.find_all(exp.Parameter)
        if isinstance(p.this, exp.Literal) and not p.this.is_string
    ]


def count_parameters(sql: str) -> int:
    """The highest ``$n`` in ``sql`` (0 when it has none or does not parse)."""
    if "$" not in sql:
        return 0
    try:
        trees = parse_sql(sql, DIALECT)
    except SqlglotError:
        return 0
    nums = [int(p.this.this) for t in trees if t is not None for p in placeholders(t)]
    return max(nums, default=0)


def _decode_binary(raw: bytes, oid: int, n: int) -> str:
    try:
        if oid == v.INT2:
            return str(struct.unpack("!h", raw)[0])
        if oid == v.INT4:
            return str(struct.unpack("!i", raw)[0])
        if oid in (v.INT8, v.OID):
            return str(struct.unpack("!q" if len(raw) == 8 else "!I", raw)[0])
        if oid == v.FLOAT4:
            return repr(struct.unpack("!f", raw)[0])
        if oid == v.FLOAT8:
            return repr(struct.unpack("!d", raw)[0])
        if oid == v.BOOL:
            return "true" if raw == b"\x01" else "false"
        if oid in (v.TEXT, v.VARCHAR, v.UNKNOWN, 0):
            return raw.decode("utf-8")
    except (struct.error, UnicodeDecodeError):
        raise ParameterError(f"parameter ${n}: binary value does not fit its type") from None
    raise ParameterError(
        f"parameter ${n}: binary format for type OID {oid} is not supported; send it as text",
        "0A000",
    )


def literal(raw: bytes | None, oid: int, fmt: int, n: int) -> exp.Expression:
    """One parameter as a SQL literal of its declared type."""
    if raw is None:
        name = _CAST_NAMES.get(oid)
        return exp.Null() if name is None else exp.cast(exp.Null(), name)
    if fmt == 1:
        text = _decode_binary(raw, oid, n)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParameterError(f"parameter ${n} is not valid UTF-8", "22021") from None
    if "\0" in text:
        raise ParameterError(f"parameter ${n} holds a NUL character", "22021")
    if oid in _NUMERIC:
        try:
            number = float(text)
        except ValueError:
            raise ParameterError(f"parameter ${n} is not a number") from None
        if not math.isfinite(number):
            return exp.cast(exp.Literal.string(text.strip()), _CAST_NAMES[oid])
        return exp.cast(exp.Literal.number(text.strip()), _CAST_NAMES[oid])
    if oid == v.BOOL:
        return exp.Boolean(this=text.strip().lower() in ("t", "true", "1", "on", "yes", "y"))
    name = _CAST_NAMES.get(oid)
    lit = exp.Literal.string(text)
    return lit if name is None else exp.cast(lit, name)


def bind(
    sql: str, raws: Sequence[bytes | None], formats: Sequence[int], oids: Sequence[int]
) -> str:
    """``sql`` with ``$1 … $n`` replaced by literals (PostgreSQL dialect)."""
    if not raws:
        return sql
    try:
        tree = parse_one_sql(sql, DIALECT)
    except SqlglotError:
        raise BadInputError("the statement does not parse (with parameters)") from None
    used = placeholders(tree)
    for p in used:
        n = int(p.this.this)
        if not 1 <= n <= len(raws):
            raise ParameterError(f"there is no parameter ${n}", "42P02")
        i = n - 1
        fmt = formats[0] if len(formats) == 1 else (formats[i] if formats else 0)
        oid = oids[i] if i < len(oids) else 0
        p.replace(literal(raws[i], oid, fmt, n))
    return tree.sql(dialect=DIALECT, copy=False)  # the tree is this call's own copy
