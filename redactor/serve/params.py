"""Parameters of the extended query protocol, bound into the statement as literals.

``WHERE ssn = $1`` is refused exactly as ``WHERE ssn = '123-45-6789'`` is: the statement that
is checked (guard, rewrite) is the statement with its values in place, and what runs is that
statement's rewrite, never the client's text with parameters sent beside it. (A session may
reuse that rewrite for another value of the same shape only where it is provably the same
rewrite: :class:`Binding` and :mod:`redactor.serve.reuse`.)
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

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
_CAST_TYPES = {
    oid: exp.DataType.build(name, dialect="postgres") for oid, name in _CAST_NAMES.items()
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
        return exp.Null() if name is None else _cast(exp.Null(), oid)
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
            return _cast(exp.Literal.string(text.strip()), oid)
        return _cast(exp.Literal.number(text.strip()), oid)
    if oid == v.BOOL:
        return exp.Boolean(this=text.strip().lower() in ("t", "true", "1", "on", "yes", "y"))
    lit = exp.Literal.string(text)
    return lit if oid not in _CAST_TYPES else _cast(lit, oid)


def _cast(node: exp.Expression, oid: int) -> exp.Cast:
    """``CAST(node AS <oid's type>)``, as ``exp.cast`` builds it (its type parsed once)."""
    return exp.Cast(this=node, to=_CAST_TYPES[oid].copy())


def literals(
    raws: Sequence[bytes | None], formats: Sequence[int], oids: Sequence[int]
) -> list[exp.Expression]:
    """Each parameter of a Bind message as a SQL literal of its declared type (``$1`` first)."""
    out = []
    for i, raw in enumerate(raws):
        fmt = formats[0] if len(formats) == 1 else (formats[i] if formats else 0)
        out.append(literal(raw, oids[i] if i < len(oids) else 0, fmt, i + 1))
    return out


def bind(
    sql: str, raws: Sequence[bytes | None], formats: Sequence[int], oids: Sequence[int]
) -> str:
    """``sql`` with ``$1 … $n`` replaced by literals (PostgreSQL dialect)."""
    if not raws:
        return sql
    return _bind(sql, literals(raws, formats, oids))


def _bind(sql: str, values: Sequence[exp.Expression]) -> str:
    try:
        tree = parse_one_sql(sql, DIALECT)
    except SqlglotError:
        raise BadInputError("the statement does not parse (with parameters)") from None
    for p in placeholders(tree):
        n = int(p.this.this)
        if not 1 <= n <= len(values):
            raise ParameterError(f"there is no parameter ${n}", "42P02")
        p.replace(values[n - 1].copy())
    return tree.sql(dialect=DIALECT, copy=False)  # the tree is this call's own copy


# --- one rewrite for many values --------------------------------------------------------------
# A parameter whose literal is a plain unsigned number in a cast, or a plain string, is a *slot*:
# two bindings whose literals differ only in slot values bind to texts whose trees differ only in
# those literals' values (see redactor.serve.reuse, which checks it again for every statement
# shape before it reuses a rewrite). Any other literal (NULL, a boolean, a signed or exponent
# number, a date, a UUID …) is part of the shape itself.
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_STRING_OIDS = frozenset({v.TEXT, v.VARCHAR, v.UNKNOWN, 0})


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a reused rewrite takes a parameter's value: a literal of this kind."""

    n: int  # the parameter's number ($n)
    is_string: bool
    value: str

    @property
    def sentinel(self) -> str:
        """The value bound in its place to find it in a rewrite (see redactor.serve.reuse)."""
        if self.is_string:
            return f"\x1bredactor-parameter-{self.n}\x1b"
        return f"{7_300_000_000_000 + self.n}"


@dataclass(frozen=True, slots=True)
class Binding:
    """The values of one Bind message for a prepared statement's text: :meth:`text` is the
    statement with them bound as literals; :attr:`shape` is what two bindings must share for
    one to reuse the other's rewrite, :attr:`slots` the values that may differ."""

    sql: str  # the client's text, with $1 … $n
    values: tuple[exp.Expression, ...]
    shape: tuple[Hashable, ...]
    slots: tuple[Slot, ...]

    def text(self) -> str:
        return _bind(self.sql, self.values)

    def sentinel_text(self) -> str:
        """The statement with each slot bound to its sentinel (other literals as given)."""
        values = list(self.values)
        for s in self.slots:
            values[s.n - 1] = _slot_literal(values[s.n - 1], s.sentinel)
        return _bind(self.sql, values)


def _slot_literal(node: exp.Expression, value: str) -> exp.Expression:
    node = node.copy()
    inner = node.this if isinstance(node, exp.Cast) else node
    inner.set("this", value)
    return node


def _slot(node: exp.Expression, oid: int, n: int) -> Slot | None:
    if oid in _NUMERIC and isinstance(node, exp.Cast):
        inner = node.this
        if (
            isinstance(inner, exp.Literal)
            and not inner.is_string
            and _PLAIN_NUMBER.fullmatch(inner.this)
        ):
            return Slot(n, False, inner.this)
        return None
    if oid in _STRING_OIDS and isinstance(node, exp.Literal) and node.is_string:
        return Slot(n, True, node.this)
    return None


def binding(
    sql: str, raws: Sequence[bytes | None], formats: Sequence[int], oids: Sequence[int]
) -> Binding:
    """The parameters of a Bind message for ``sql`` (raises ParameterError as :func:`bind`)."""
    values = literals(raws, formats, oids)
    shape: list[Hashable] = []
    slots: list[Slot] = []
    for i, node in enumerate(values):
        oid = oids[i] if i < len(oids) else 0
        s = _slot(node, oid, i + 1)
        if s is None:
            shape.append(("fixed", node.sql(dialect=DIALECT)))
        else:
            slots.append(s)
            shape.append(("slot", s.is_string, oid if oid in _CAST_TYPES else None))
    return Binding(sql, tuple(values), tuple(shape), tuple(slots))
