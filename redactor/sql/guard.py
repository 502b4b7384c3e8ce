"""The guard: exactly one read-only query, built only from what analysis can see through.

Checks run in two passes: :func:`parse_query` + :func:`check_syntax` on the parsed tree, then
:func:`check_qualified` once every column is qualified (whole-row references and unknown tables
only show up then). Messages never quote the query text or a literal: they name the construct and
point at its position (``line L, col C``).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from redactor.errors import BadInputError, RefusedError
from redactor.sql.parsed import parse as parse_sql

# Statements and clauses that write, change state, or read outside the schema.
_DENY_NAMES = (
    "Into",
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "Create",
    "Drop",
    "Command",
    "Copy",
    "Set",
    "Lock",
    "Pragma",
    "Attach",
    "Detach",
    "Use",
    "Transaction",
    "Commit",
    "Rollback",
    "Alter",
    "TruncateTable",
    "LoadData",
    "Export",
    "Grant",
    "Revoke",
    "Analyze",
    "Install",
    "Kill",
    "Describe",
    "Show",
    "Summarize",
    "ToFile",
    "ReadCSV",
    "ReadParquet",
    "UserDefinedFunction",
    "Placeholder",
)


def _node_types(names: tuple[str, ...]) -> tuple[type[exp.Expression], ...]:
    found = (getattr(exp, n, None) for n in names)
    return tuple(t for t in found if isinstance(t, type) and issubclass(t, exp.Expression))


_DENY = _node_types(_DENY_NAMES)
# Star-like constructs that select columns analysis cannot enumerate.
_STARLIKE = _node_types(("Columns", "StarMap"))

# Functions sqlglot does not model (exp.Anonymous) that are allowed by name. Everything else
# unmodelled is refused: that is where file readers (pg_read_file), side effects (nextval,
# set_config), remote access (dblink) and catalog readers (query_to_xml, current_setting) hide.
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    {
        "initcap",
        "lpad",
        "rpad",
        "btrim",
        "ltrim",
        "rtrim",
        "translate",
        "strpos",
        "instr",
        "printf",
        "format",
        "to_char",
        "to_date",
        "to_timestamp",
        "date_part",
        "age",
        "greatest",
        "least",
        "sign",
        "mod",
        "trunc",
        "soundex",
        "julianday",
        "unixepoch",
        "datetime",
        "time",
        "date",
        "typeof",
        "nullif",
        "ifnull",
        "nvl",
        "iif",
        "ceiling",
        "split_part",
        "concat_ws",
        "regexp_matches",
        "list_value",
        "array_length",
        "cardinality",
        "make_date",
        "justify_days",
        "bit_length",
        "octet_length",
        "char_length",
        "character_length",
        "reverse",
        "repeat",
        "strip_accents",
        "title",
        "week",
        "dayofweek",
        "dayofyear",
        "quarter",
        "epoch",
        "json",
    }
)

# Functions that return a set of rows: in the select list they multiply rows in ways the lineage
# analysis does not model, so they are refused there (in FROM, table functions are refused too).
_SET_RETURNING = _node_types(
    (
        "Unnest",
        "Explode",
        "ExplodeOuter",
        "Posexplode",
        "PosexplodeOuter",
        "Inline",
        "GenerateSeries",
    )
)
_SET_RETURNING_NAMES = frozenset(
    {
        "regexp_matches",
        "regexp_split_to_table",
        "string_to_table",
        "json_each",
        "jsonb_each",
        "json_array_elements",
        "jsonb_array_elements",
        "generate_subscripts",
    }
)
# Spellings of "the current time" sqlglot leaves unmodelled in some dialects, and the node that
# every target dialect can print (SQLite has no now()).
_CLOCK = {
    "now": exp.CurrentTimestamp,
    "transaction_timestamp": exp.CurrentTimestamp,
    "statement_timestamp": exp.CurrentTimestamp,
    "clock_timestamp": exp.CurrentTimestamp,
    "get_current_timestamp": exp.CurrentTimestamp,
    "current_timestamp": exp.CurrentTimestamp,
    "today": exp.CurrentDate,
}
# Deeper than this, sqlglot's recursive passes (and Python's stack) give out; refuse first.
MAX_DEPTH = 200

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+)[^>]*>")


def safe_name(name: str) -> str:
    """A name fit for an error message: shown only when it looks like an identifier.

    A quoted "identifier" can be a value in disguise (``WHERE ssn = "123-45-6789"`` on
    PostgreSQL); such names are never echoed.
    """
    return name if _IDENT.match(name or "") else "<unnamed>"


def position(node: exp.Expression | None) -> str | None:
    """``line L, col C`` of the first token of ``node`` that carries a position."""
    if node is None:
        return None
    for n in node.walk():
        meta = n.meta if n._meta else {}
        if "line" in meta and "col" in meta:
            width = max(0, int(meta.get("end", 0)) - int(meta.get("start", 0)))
            return f"line {meta['line']}, col {max(1, int(meta['col']) - width)}"
    return None


def at(node: exp.Expression | None) -> str:
    pos = position(node)
    return f" at {pos}" if pos else ""


def _line_col(sql: str, offset: int) -> str:
    before = sql[: max(0, offset)]
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    return f"line {line}, col {col}"


def parse_query(sql: str, dialect: str) -> exp.Query:
    """Parse ``sql``; exactly one query statement, else refuse. Parse errors are BadInputError."""
    if not sql or not sql.strip():
        raise BadInputError("The SQL query is empty", hint="pass a query or -f FILE")
    try:
        statements = [s for s in parse_sql(sql, dialect) if s is not None]
    except RecursionError:
        raise _too_deep() from None
    except ParseError as e:
        err = e.errors[0] if e.errors else {}
        desc = _TOKEN_REPR.sub(lambda m: m.group(1).lower(), str(err.get("description", "")))
        desc = _safe_description(re.sub(r"'[^']*'|\"[^\"]*\"", "…", desc)[:160], sql)
        where = f" at line {err['line']}, col {err['col']}" if "line" in err else ""
        raise BadInputError(
            f"SQL does not parse{where}: {desc or 'syntax error'}",
            hint=f"the query is read as {dialect} SQL (see --dialect)",
        ) from None
    except TokenError as e:
        where = ""
        start = getattr(e, "start", None)
        if isinstance(start, int):
            where = f" near {_line_col(sql, start)}"
        raise BadInputError(
            f"SQL does not parse{where}: an unterminated string or quoted name",
            hint=f"the query is read as {dialect} SQL (see --dialect)",
        ) from None
    except sqlglot.errors.SqlglotError as e:
        raise BadInputError(f"SQL does not parse ({type(e).__name__})") from None
    if len(statements) != 1:
        second = statements[1] if len(statements) > 1 else None
        raise RefusedError(
            f"Refused: the SQL holds {len(statements)} statements{at(second)}; "
            "only a single read-only query is accepted",
            hint="send one SELECT (a trailing ';' is fine)",
        )
    tree = statements[0]
    if depth(tree) > MAX_DEPTH:
        raise _too_deep()
    if not isinstance(tree, exp.Query):
        kind = type(tree).__name__.upper()
        raise RefusedError(
            f"Refused: {kind} statement{at(tree)}; only a single read-only query is accepted",
            hint="export queries must be SELECT (or WITH … SELECT, UNION …)",
        )
    return tree


# Words of sqlglot's parse-error descriptions; a description holding any other word of the
# query's own text is not shown (it may be a value: `Unknown option X) , SSN FROM …`).
_DESCRIPTION_TEXT = """expecting expected invalid expression unexpected token required keyword
    missing for unknown option table name but got line col class of after before statement
    the a an or and to in is not"""
_DESCRIPTION_WORDS = frozenset(_DESCRIPTION_TEXT.split())


def _safe_description(desc: str, sql: str) -> str:
    text = sql.casefold()
    for word in re.findall(r"[^\W_]{2,}", desc):
        if word.casefold() not in _DESCRIPTION_WORDS and word.casefold() in text:
            return "syntax error"
    return desc


def _too_deep() -> RefusedError:
    return RefusedError(
        f"Refused: the query nests more than {MAX_DEPTH} levels deep, more than can be checked",
        hint="flatten the expression (fewer nested parentheses, NOTs or subqueries)",
    )


def depth(tree: exp.Expression) -> int:
    """How deeply ``tree`` nests (iteratively: a deep tree must not exhaust the stack)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in node.iter_expressions())
    return deepest


def normalize_clock(tree: exp.Expression) -> None:
    """``now()`` and friends as the node every dialect prints (SQLite has no ``now()``)."""
    for fn in list(tree.find_all(exp.Anonymous)):
        node = _CLOCK.get(fn.name.lower())
        if node is not None and not fn.expressions:
            fn.replace(node())


def check_syntax(tree: exp.Expression, dialect: str | None = None) -> None:
    """Refuse writes, side effects, star-like, set-returning and unknown functions anywhere."""
    bad = tree.find(*_DENY)
    if bad is not None:
        kind = type(bad).__name__
        what = {
            "Into": "SELECT … INTO",
            "Lock": "FOR UPDATE/SHARE",
            "Placeholder": "a parameter",
            "ReadCSV": "file reader read_csv()",
            "ReadParquet": "file reader read_parquet()",
        }.get(kind, kind.upper())
        raise RefusedError(
            f"Refused: {what}{at(bad)}; only a single read-only query is accepted",
            hint="remove it; export queries may not write, lock, or read files",
        )
    star_fn = tree.find(*_STARLIKE)
    if star_fn is not None:
        raise RefusedError(
            f"Refused: star-like function {type(star_fn).__name__.upper()}{at(star_fn)} selects "
            "columns that cannot be checked",
            hint="list the columns by name",
        )
    for star in tree.find_all(exp.Star):
        parent = star.parent
        if isinstance(parent, exp.Column) and not isinstance(parent.parent, exp.Select):
            raise RefusedError(  # t.*::text, ROW(t.*), COUNT(t.*): every column in one value
                f"Refused: whole-row value {safe_name(parent.table)}.*{at(parent)} inside "
                f"{type(parent.parent).__name__.upper()} passes every column of a table at "
                "once, which cannot be checked",
                hint="list the columns by name",
            )
        if parent is None or isinstance(parent, (exp.Select, exp.Column, exp.Count)):
            continue
        raise RefusedError(
            f"Refused: '*' inside {type(parent).__name__.upper()}{at(parent)} passes whole rows "
            "that cannot be checked",
            hint="list the columns by name",
        )
    for srf in tree.find_all(*_SET_RETURNING):
        if not _in_from(srf):
            name = type(srf).__name__.upper()
            name = next(
                (
                    n
                    for n in ("GENERATE_SERIES", "POSEXPLODE", "INLINE")
                    if n.replace("_", "") in name
                ),
                "UNNEST",
            )
            raise _set_returning(name, srf)
    for fn in tree.find_all(exp.Anonymous):
        name = fn.name.lower()
        if name in _SET_RETURNING_NAMES and dialect in (None, "postgres") and not _in_from(fn):
            raise _set_returning(safe_name(fn.name), fn)
        if name not in ALLOWED_FUNCTIONS:
            raise RefusedError(
                f"Refused: function {safe_name(fn.name)}(){at(fn)} is not on the allowlist",
                hint="functions that read files, other tables or settings, or change state are "
                "refused; see docs/sql.md for what is allowed",
            )


def _in_from(node: exp.Expression) -> bool:
    """Whether ``node`` is a source (FROM, JOIN, LATERAL) of its query, not an expression."""
    owner = node.find_ancestor(exp.From, exp.Join, exp.Lateral, exp.Select)
    return owner is not None and not isinstance(owner, exp.Select)


def _set_returning(name: str, node: exp.Expression) -> RefusedError:
    return RefusedError(
        f"Refused: set-returning function {name}(){at(node)} outside FROM turns one row into "
        "many, which the analysis does not follow",
        hint="export the column itself and split it afterwards",
    )


def check_qualified(
    tree: exp.Expression, known_tables: Collection[str], allowed_schemas: Collection[str]
) -> None:
    """After qualification: no whole-row references, no table outside the schema.

    ``known_tables`` holds casefolded base-table names; CTE names must not shadow them.
    """
    whole = tree.find(exp.TableColumn)
    if whole is not None:
        raise RefusedError(
            f"Refused: whole-row reference {safe_name(whole.name)}{at(whole)} passes every column "
            "of a table, which cannot be checked",
            hint="select the columns by name",
        )
    ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
    shadow = ctes & set(known_tables)
    if shadow:
        name = sorted(shadow)[0]
        raise RefusedError(
            f"Refused: the CTE {safe_name(name)} has the name of a table",
            hint="rename the CTE",
        )
    for t in tree.find_all(exp.Table):
        name = t.name.casefold()
        is_ident = isinstance(t.this, exp.Identifier)
        qualified = bool(t.args.get("db") or t.args.get("catalog"))
        if is_ident and not qualified and name in ctes:
            continue
        if not is_ident:
            raise RefusedError(
                f"Refused: table function or file reader{at(t)}; only tables of the field map "
                "(and the database catalog) may be read",
                hint="read_csv(), generate_series(), files and other table functions are refused",
            )
        if qualified and (t.args.get("catalog") or t.db.casefold() not in allowed_schemas):
            raise RefusedError(
                f"Refused: a table in another schema or database{at(t)}",
                hint="refer to tables without a schema (only "
                f"{', '.join(sorted(allowed_schemas)) or 'unqualified names'} allowed)",
            )
        if name not in known_tables:
            raise RefusedError(  # the name is not echoed: it is query text, not a known name
                f"Refused: unknown table{at(t)}; only tables of the field map "
                "(and the database catalog) may be read",
                hint="check the name, or map the table in the field map",
            )
