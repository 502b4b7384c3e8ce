"""What runs is what was checked.

sqlglot keeps some parts of a query as raw text and its generator prints them back verbatim: the
unit of ``EXTRACT``/``DATE_PART``/``DATE_TRUNC`` and of an ``INTERVAL`` (``exp.Var``), type names
and type parameters (``DECIMAL("…")``, SQLite's ``[any text]``), function names it does not model
(``exp.Anonymous``). A payload in such a slot closes the expression, reads raw columns and comments
out the masked derived table that follows, so the database runs SQL that was never analysed.

Two checks close the class, both on the rewritten tree that analysis approved:

1. :func:`check_raw_text` — every string the generator prints without quoting or escaping must be
   a plain keyword from an allow-list (``RAW_WORDS``) or a plain number; anything else is refused
   with its position.
2. :func:`check_round_trip` — the generated SQL is parsed again in the target dialect: it must be
   exactly one statement whose syntax tree is structurally equal to the checked tree (ignoring
   only grouping parentheses, the way a dotted name is split into table and field parts, and the
   letter case of keywords).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

import redactor.sql.guard as guard
from redactor.errors import RefusedError

# Words sqlglot may hold as raw text (exp.Var) in a well-formed query: date/time parts and interval
# units as PostgreSQL, DuckDB and SQLite spell them, and collations. Matched case-insensitively.
_DATE_PARTS = """
    YEAR YEARS Y YY YYY YYYY YR YRS MONTH MONTHS MON MONS MM DAY DAYS D DD DAYOFMONTH
    HOUR HOURS H HH HR HRS MINUTE MINUTES M MI MIN MINS SECOND SECONDS S SEC SECS
    MILLISECOND MILLISECONDS MS MSEC MSECS MSECOND MSECONDS MILLISECON
    MICROSECOND MICROSECONDS US USEC USECS USECOND USECONDS NANOSECOND NANOSECONDS NS
    WEEK WEEKS W WK WEEKOFYEAR WOY WY ISOWEEK YEARWEEK QUARTER QUARTERS Q QTR
    DECADE DECADES DEC CENTURY CENTURIES C CENT MILLENNIUM MILLENNIA MIL MILS
    DOW DAYOFWEEK WEEKDAY DW ISODOW DAYOFWEEKISO DOY DAYOFYEAR YEARDAY ISOYEAR YEAROFWEEK
    YEAROFWEEKISO EPOCH EPOCH_SECOND EPOCH_SECONDS EPOCH_MILLISECOND EPOCH_MILLISECONDS
    EPOCH_MICROSECOND EPOCH_MICROSECONDS EPOCH_NANOSECOND JULIAN ERA
    TIMEZONE TIMEZONE_HOUR TIMEZONE_MINUTE
"""
_COLLATIONS = "BINARY NOCASE RTRIM POSIX NOACCENT NFC UCS_BASIC"
_SAMPLING = "SYSTEM BERNOULLI RESERVOIR PERCENT ROWS"
RAW_WORDS: frozenset[str] = frozenset(" ".join((_DATE_PARTS, _COLLATIONS, _SAMPLING)).split())
# Keyword phrases sqlglot keeps as one string (window frames).
_PHRASES = frozenset({"CURRENT ROW"})

_PLAIN_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_NUMBER = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_HEX = re.compile(r"^[0-9A-Fa-f]*$")
_BITS = re.compile(r"^[01]*$")
_IN_STRING = re.compile(r"^[^'\"\\\x00-\x1f\x7f]*$")  # JSON path parts, printed inside a literal

# Nodes whose strings the generator quotes and escapes itself (the round trip proves it).
_QUOTED = (exp.Identifier,)
_JSON_PATH = tuple(
    t
    for t in (
        getattr(exp, n, None)
        for n in ("JSONPathKey", "JSONPathSubscript", "JSONPathSelector", "JSONPathSlice")
    )
    if isinstance(t, type)
)
_USERDEFINED = exp.DataType.Type.USERDEFINED


def _strings(node: exp.Expression) -> Iterator[tuple[str, str]]:
    for key, value in node.args.items():
        for v in value if isinstance(value, list) else (value,):
            if isinstance(v, str):
                yield key, v


def near(node: exp.Expression | None) -> str:
    """`` at line L, col C`` of ``node``, else `` near …`` its closest enclosing node with one.

    Nodes built from raw text (a unit parsed out of a string literal) carry no position.
    """
    pos = guard.position(node)
    if pos:
        return f" at {pos}"
    while node is not None and node.parent is not None:
        node = node.parent
        pos = guard.position(node)
        if pos:
            return f" near {pos}"
    return ""


def _refuse(what: str, node: exp.Expression, hint: str) -> RefusedError:
    return RefusedError(
        f"Refused: {what}{near(node)} is printed into the SQL as raw text and "
        "is not a plain keyword or number, so it cannot be checked",
        hint=hint,
    )


def check_raw_text(tree: exp.Expression) -> None:
    """Refuse any raw-printed string that is not an allow-listed keyword or a plain number."""
    for node in tree.walk():
        if isinstance(node, exp.DataType) and node.this is _USERDEFINED:
            raise RefusedError(
                f"Refused: a user-defined or unknown type name{near(node)} cannot be checked",
                hint="cast to a built-in type (TEXT, VARCHAR, INTEGER, BIGINT, NUMERIC(p, s), "
                "DATE, TIMESTAMP, BOOLEAN …)",
            )
        if isinstance(node, _QUOTED):
            continue
        for key, text in _strings(node):
            if isinstance(node, exp.Literal) and key == "this":
                if node.is_string or _NUMBER.match(text):
                    continue
                raise _refuse("a number", node, "write numbers as plain digits")
            if isinstance(node, exp.Var):
                if text.upper() in RAW_WORDS:
                    continue
                raise _refuse(
                    "a unit, part or keyword",
                    node,
                    "use a plain date part or interval unit (year, month, day, hour, "
                    "minute, second, …) without quotes; see docs/sql.md",
                )
            if isinstance(node, exp.HexString) and _HEX.match(text):
                continue
            if isinstance(node, exp.BitString) and _BITS.match(text):
                continue
            if _JSON_PATH and isinstance(node, _JSON_PATH) and _IN_STRING.match(text):
                continue
            if _PLAIN_WORD.match(text) or text.upper() in _PHRASES:
                continue
            raise _refuse(
                f"the text of {type(node).__name__.upper()}",
                node,
                "use plain names, keywords and numbers in type names, units and function names",
            )


# --- round trip ------------------------------------------------------------------------------
def _flat_name(node: exp.Expression) -> list[exp.Expression] | None:
    """The parts of a dotted name (``a.b.c``), however sqlglot split them; None if not one."""
    if isinstance(node, exp.Column):
        parts = [node.args.get(k) for k in ("catalog", "db", "table")]
        return [p for p in parts if p is not None] + [node.this]
    if isinstance(node, exp.Dot):
        left = _flat_name(node.this)
        if left is None or not isinstance(node.expression, (exp.Identifier, exp.Star)):
            return None
        return [*left, node.expression]
    return None


def _canon(value: object) -> object:
    """A hashable, structural form of a syntax tree, iterative so deep trees are fine."""
    if not isinstance(value, exp.Expression):
        return value
    out: dict[int, object] = {}
    flats: dict[int, list[exp.Expression] | None] = {}  # each node's dotted name, found once
    stack: list[tuple[exp.Expression, bool]] = [(value, False)]
    while stack:
        node, ready = stack.pop()
        inner = _unwrap(node)
        if inner is not node:
            if ready:
                out[id(node)] = out[id(inner)]
            else:
                stack += [(node, True), (inner, False)]
            continue
        if not ready:
            flat = flats[id(node)] = _flat_name(node)
            stack.append((node, True))
            stack.extend(
                (c, False) for c in (flat if flat is not None else _kids(node)) if id(c) not in out
            )
            continue
        out[id(node)] = _form(node, out, flats[id(node)])
    return out[id(value)]


def _unwrap(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren) and isinstance(node.this, exp.Expression):
        node = node.this
    return node


def _children(node: exp.Expression) -> list[exp.Expression]:
    flat = _flat_name(node)
    return flat if flat is not None else _kids(node)


def _kids(node: exp.Expression) -> list[exp.Expression]:
    kids: list[exp.Expression] = []
    for value in node.args.values():
        for v in value if isinstance(value, list) else (value,):
            if isinstance(v, exp.Expression):
                kids.append(v)
    return kids


def _leaf(v: object) -> object:
    return v.upper() if isinstance(v, str) else v


def _form(
    node: exp.Expression, done: dict[int, object], flat: list[exp.Expression] | None
) -> object:
    if flat is not None:
        return ("name", tuple(done[id(p)] for p in flat))
    if isinstance(node, exp.Identifier):  # the exact spelling matters here
        return ("id", node.this, bool(node.args.get("quoted")))
    if isinstance(node, exp.Literal):
        return ("lit", node.this, bool(node.is_string))
    items = []
    for key in sorted(node.args):
        value = node.args[key]
        if value is None or value is False or value == []:
            continue
        if isinstance(value, list):
            items.append(
                (
                    key,
                    tuple(
                        done[id(v)] if isinstance(v, exp.Expression) else _leaf(v) for v in value
                    ),
                )
            )
        elif isinstance(value, exp.Expression):
            items.append((key, done[id(value)]))
        else:
            items.append((key, _leaf(value)))
    return (type(node).__name__, tuple(items))


def _first_difference(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """The deepest node of ``a`` (the checked tree) where ``b`` stops matching it."""
    pairs = [(a, b)]
    found = a
    while pairs:
        x, y = pairs.pop()
        x, y = _unwrap(x), _unwrap(y)
        if _canon(x) == _canon(y):
            continue
        found = x
        kx, ky = _children(x), _children(y)
        if type(x) is not type(y) or len(kx) != len(ky):
            break
        pairs = list(zip(kx, ky, strict=True))
    return found


def _references(tree: exp.Expression) -> tuple[Counter[tuple[str, ...]], set[str]]:
    """What a tree reads: its table and column references (as dotted names, counted), and
    every identifier it spells."""
    refs: Counter[tuple[str, ...]] = Counter()
    for node in tree.walk():
        if isinstance(node, (exp.Column, exp.Table)):
            parts = [node.args.get(k) for k in ("catalog", "db")]
            parts.append(node.args.get("table") if isinstance(node, exp.Column) else None)
            parts.append(node.this)
            refs[
                (
                    type(node).__name__,
                    *(p.name.upper() for p in parts if isinstance(p, exp.Expression)),
                )
            ] += 1
    names = {i.name.upper() for i in tree.find_all(exp.Identifier)}
    return refs, names


def _check_translation(tree: exp.Expression, written: exp.Expression, dialect: str) -> None:
    """Across dialects the generator may add structure (Spark: ``CONCAT(a, b)`` becomes
    ``CONCAT(COALESCE(a, ''), …)``), so the trees cannot be equal. What a payload needs cannot
    appear, though: the written SQL must read exactly the tables and columns the checked tree
    reads, spell no name it does not, and hold no raw text outside the allow-list."""
    check_raw_text(written)
    want, names = _references(tree)
    got, spelled = _references(written)
    if got != want or not spelled <= names:
        raise RefusedError(
            f"Refused: the SQL written for {dialect} does not read the same tables and columns "
            "as the query that was checked",
            hint="some part of the query (a type name, unit or keyword) is printed as raw text; "
            "use plain names, keywords and numbers, or write the query in the target dialect",
        )


def _near_separator(tree: exp.Expression, dialect: str) -> str:
    """The position of the smallest expression whose SQL holds the ``;`` that split it."""
    best: tuple[int, exp.Expression] | None = None
    for node in tree.walk():
        text = node.sql(dialect=dialect, comments=False)
        if ";" in text and guard.position(node) and (best is None or len(text) < best[0]):
            best = (len(text), node)
    return near(best[1]) if best else near(tree)


def check_round_trip(
    tree: exp.Expression, sql: str, dialect: str, *, source: str | None = None
) -> None:
    """Parse the generated ``sql`` again in ``dialect``: one statement, equal to ``tree``.

    ``source`` is the dialect ``tree`` was read in, when it differs from ``dialect``.
    """
    loose = source is not None and source != dialect
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (SqlglotError, RecursionError):
        raise RefusedError(
            "Refused: the SQL generated for the database does not parse back"
            f"{guard.at(tree)}; some part of the query cannot be printed safely",
            hint="simplify the query (plain names, keywords and numbers)",
        ) from None
    if len(statements) != 1:
        raise RefusedError(
            f"Refused: the SQL generated for the database holds {len(statements)} statements"
            f"{_near_separator(tree, dialect)}; some part of the query was printed as raw text",
            hint="remove quotes and punctuation from type names, units and keywords",
        )
    if loose:
        _check_translation(tree, statements[0], dialect)
    elif _canon(statements[0]) != _canon(tree):
        node = _first_difference(tree, statements[0])
        raise RefusedError(
            f"Refused: the SQL generated for the database does not read back as the query that "
            f"was checked{near(node)}",
            hint="some part there (a type name, unit, collation or keyword) is printed as raw "
            "text; use plain names, keywords and numbers",
        )
