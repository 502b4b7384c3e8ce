"""What a client's statement is, decided before anything runs.

* ``query``: one read-only query over the database's tables: the export path (guard, rewrite,
  post-check, column plan, request log);
* ``probe``: a catalog probe (``pg_catalog``, ``information_schema``, ``version()``,
  ``current_setting``…) answered from the field map's view of the schema (:mod:`catalog`);
* ``set`` / ``show`` / ``reset`` / ``begin`` / ``commit`` / ``rollback``: session commands
  handled by the server itself;
* ``refuse``: everything else (writes, DDL, COPY, several statements, transaction control
  beyond BEGIN/COMMIT/ROLLBACK, a mix of catalog and data, the backend's statistics) with
  SQLSTATE 42501, or 42601 when it does not parse.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from redactor.sql.parsed import CACHED_TEXT  # longer texts are classified each time
from redactor.sql.parsed import parse_one as parse_one_sql

DIALECT = "postgres"
CATALOG_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
# Relations whose rows hold values from the tables (most-common values, histograms, bounds).
STATISTICS = frozenset(
    {
        "pg_stats",
        "pg_statistic",
        "pg_stats_ext",
        "pg_stats_ext_exprs",
        "pg_statistic_ext_data",
        "pg_stat_statements",
    }
)
CATALOG_FUNCTIONS = frozenset(
    {
        "version",
        "current_setting",
        "current_database",
        "current_schema",
        "current_schemas",
        "current_user",
        "session_user",
        "current_role",
        "current_catalog",
        "format_type",
        "obj_description",
        "col_description",
        "shobj_description",
        "to_regclass",
        "to_regtype",
        "to_regproc",
        "to_regnamespace",
        "inet_server_addr",
        "inet_server_port",
        "set_config",
        "current_version",
        "currentuser",
        "sessionuser",
    }
)
# pg_* functions that describe the catalog (answered from the view); any other pg_* function
# (pg_read_file, pg_ls_dir, pg_sleep…) goes to the guard, which refuses what it does not allow.
PG_CATALOG_CALLS = frozenset(
    {
        "pg_table_is_visible",
        "pg_type_is_visible",
        "pg_function_is_visible",
        "pg_collation_is_visible",
        "pg_get_userbyid",
        "pg_get_expr",
        "pg_get_indexdef",
        "pg_get_constraintdef",
        "pg_get_viewdef",
        "pg_get_partkeydef",
        "pg_get_serial_sequence",
        "pg_encoding_to_char",
        "pg_relation_size",
        "pg_total_relation_size",
        "pg_table_size",
        "pg_indexes_size",
        "pg_backend_pid",
        "pg_is_in_recovery",
        "pg_postmaster_start_time",
        "pg_get_keywords",
        "pg_get_statisticsobjdef_columns",
        "pg_relation_is_publishable",
        "pg_get_triggerdef",
        "pg_get_ruledef",
        "pg_get_function_arguments",
        "pg_get_function_result",
        "pg_tablespace_location",
        "pg_has_role",
        "pg_size_pretty",
    }
)
SETTABLE = frozenset(
    {
        "application_name",
        "extra_float_digits",
        "datestyle",
        "timezone",
        "client_encoding",
        "search_path",
        "statement_timeout",
        "intervalstyle",
        "standard_conforming_strings",
        "client_min_messages",
        "bytea_output",
        "lock_timeout",
        "idle_in_transaction_session_timeout",
        "default_transaction_read_only",
        "transaction_read_only",
        "jit",
        "geqo",
        "default_transaction_isolation",
        "transaction_isolation",
        "redactor.request",
    }
)
_SET = re.compile(
    r"^SET\s+(?:SESSION\s+|LOCAL\s+)?(?P<name>[A-Za-z_][\w.]*)\s*(?:=|\s+TO\s+|\s)"
    r"\s*(?P<value>.*?)\s*;?\s*$",
    re.I | re.S,
)
_SET_TZ = re.compile(
    r"^SET\s+(?:SESSION\s+|LOCAL\s+)?TIME\s+ZONE\s+(?P<value>.+?)\s*;?\s*$", re.I | re.S
)
_READ_ONLY_CHAR = re.compile(
    r"^SET\s+SESSION\s+CHARACTERISTICS\s+AS\s+TRANSACTION\s+(?P<m>.*?)"
    r"\s*;?\s*$",
    re.I | re.S,
)
_TX_MODES = re.compile(
    r"^(?:\s*(?:ISOLATION\s+LEVEL\s+(?:SERIALIZABLE|REPEATABLE\s+READ|READ\s+"
    r"COMMITTED|READ\s+UNCOMMITTED)|READ\s+ONLY|NOT\s+DEFERRABLE)\s*,?)*$",
    re.I,
)
_BEGIN = re.compile(
    r"^(?:BEGIN|START)(?:\s+(?:WORK|TRANSACTION))?(?P<modes>.*?)\s*;?\s*$", re.I | re.S
)
_END = re.compile(r"^(?P<w>COMMIT|END|ROLLBACK|ABORT)(?:\s+(?:WORK|TRANSACTION))?\s*;?\s*$", re.I)
_SHOW = re.compile(r"^SHOW\s+(?P<name>[A-Za-z_][\w.]*(?:\s+[A-Za-z_]\w*)*)\s*;?\s*$", re.I)
_RESET = re.compile(r"^(?:RESET\s+(?:ALL|[A-Za-z_][\w.]*)|DISCARD\s+ALL)\s*;?\s*$", re.I)
HOW_TO = (
    "every statement runs through redactor's guard: send one read-only query (SELECT, "
    "WITH … SELECT, VALUES or TABLE)"
)


@dataclass(frozen=True, slots=True)
class Statement:
    kind: str  # empty|query|probe|set|show|reset|begin|commit|rollback|refuse
    sql: str
    name: str | None = None  # set / show
    value: str | None = None  # set
    reason: str | None = None  # refuse
    sqlstate: str = "42501"
    tag: str | None = None  # command tag for session commands


def refuse(sql: str, reason: str, sqlstate: str = "42501") -> Statement:
    return Statement("refuse", sql, reason=reason, sqlstate=sqlstate)


def split(sql: str) -> list[str] | None:
    """The statements in ``sql`` (None when it does not tokenize)."""
    try:
        tokens = sqlglot.tokenize(sql, read=DIALECT)
    except SqlglotError:
        return None
    parts, start = [], 0
    for t in tokens:
        if t.token_type == TokenType.SEMICOLON:
            parts.append(sql[start : t.start])
            start = t.end + 1
    parts.append(sql[start:])
    return [p for p in parts if p.strip() and _not_only_comments(p)]


def _not_only_comments(text: str) -> bool:
    try:
        return bool(sqlglot.tokenize(text, read=DIALECT))
    except SqlglotError:
        return True


def unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == "'":
        return v[1:-1].replace("''", "'")
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1].replace('""', '"')
    return v


CLASSIFIED_CACHE = 1024  # statement texts whose classification a server keeps


def classify(sql: str) -> Statement:
    """What ``sql`` is: a pure function of its text, so a server keeps the answers for the
    texts it saw last (a Statement is frozen)."""
    return _classified(sql) if len(sql) <= CACHED_TEXT else _classify(sql)


@functools.lru_cache(maxsize=CLASSIFIED_CACHE)
def _classified(sql: str) -> Statement:
    return _classify(sql)


def _classify(sql: str) -> Statement:
    parts = split(sql)
    if parts is None:
        return refuse(sql, "the statement does not parse (unterminated string or comment)", "42601")
    if not parts:
        return Statement("empty", sql)
    if len(parts) > 1:
        return refuse(
            sql,
            f"the query string holds {len(parts)} statements; redactor serve runs "
            "one statement at a time (send them one by one)",
        )
    text = _strip_comments(parts[0]).strip()
    first = text.split(None, 1)[0].upper().rstrip(";") if text else ""
    if first in ("BEGIN", "START"):
        m = _BEGIN.match(text)
        modes = m["modes"] if m else "?"
        if not m or not _TX_MODES.match(modes or ""):
            return refuse(
                sql,
                "only BEGIN [READ ONLY] [ISOLATION LEVEL …] is accepted: every "
                "session is read-only",
            )
        return Statement("begin", sql, tag="BEGIN")
    if first in ("COMMIT", "END", "ROLLBACK", "ABORT"):
        m = _END.match(text)
        if not m:
            return refuse(
                sql,
                "transaction control beyond BEGIN, COMMIT and ROLLBACK (savepoints,"
                " prepared transactions, AND CHAIN) is refused",
            )
        w = m["w"].upper()
        return Statement(
            "commit" if w in ("COMMIT", "END") else "rollback",
            sql,
            tag="COMMIT" if w in ("COMMIT", "END") else "ROLLBACK",
        )
    if first == "SET":
        return _classify_set(sql, text)
    if first == "SHOW":
        m = _SHOW.match(text)
        if not m or m["name"].upper() == "ALL":
            return refuse(sql, "SHOW ALL is refused; SHOW one setting")
        return Statement("show", sql, name=" ".join(m["name"].lower().split()))
    if first in ("RESET", "DISCARD"):
        if _RESET.match(text):
            return Statement("reset", sql, tag=first)
        return refuse(sql, f"{first} is accepted only as RESET name, RESET ALL or DISCARD ALL")
    if first == "COPY":
        return refuse(sql, "COPY is refused: results leave redactor serve only as query rows")
    if first in ("SELECT", "WITH", "VALUES", "TABLE", "(") or text.startswith("("):
        return _classify_query(sql, text)
    if first in ("EXPLAIN",):
        return refuse(
            sql,
            "EXPLAIN is refused: plans show values of the tables (filter "
            "constants, statistics estimates)",
        )
    return refuse(sql, f"{first or 'this statement'} is refused: {HOW_TO}")


#: a string, quoted name or dollar-quoted string (kept), or a comment (replaced by a space)
_COMMENT_OR_QUOTED = re.compile(
    r"""(?P<keep>(?<![A-Za-z_0-9])[eE]'(?:[^'\\]|\\.|'')*'
    | '(?:[^']|'')*'
    | "(?:[^"]|"")*"
    | \$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$.*?\$(?P=tag)\$)
    | /\*.*?\*/ | --[^\n]*""",
    re.S | re.X,
)


def _strip_comments(text: str) -> str:
    """``text`` with each comment replaced by a space; a ``--`` or ``/*`` inside a string,
    a quoted name or a dollar-quoted string stays. (A nested ``/* /* */ */`` leaves text
    that does not parse, which is refused.)"""
    if "--" not in text and "/*" not in text:
        return text
    return _COMMENT_OR_QUOTED.sub(lambda m: m["keep"] or " ", text)


def _classify_set(sql: str, text: str) -> Statement:
    m = _READ_ONLY_CHAR.match(text)
    if m:
        if _TX_MODES.match(m["m"]):
            return Statement("set", sql, name="session characteristics", value=m["m"], tag="SET")
        return refuse(sql, "every session of redactor serve is read-only")
    m = _SET_TZ.match(text)
    if m:
        return Statement("set", sql, name="timezone", value=unquote(m["value"]), tag="SET")
    m = _SET.match(text)
    if not m:
        return refuse(sql, "SET is accepted only as SET name = value", "42601")
    name = m["name"].lower()
    if name == "transaction":
        rest = text.split(None, 2)[2] if len(text.split(None, 2)) > 2 else ""
        if _TX_MODES.match(rest):
            return Statement("set", sql, name="transaction", value=rest, tag="SET")
        return refuse(sql, "every transaction of redactor serve is read-only")
    if name not in SETTABLE:
        return refuse(
            sql,
            f"SET {name} is refused; redactor serve accepts SET for "
            "redactor.request and the client settings drivers send "
            "(application_name, DateStyle, TimeZone, extra_float_digits, …)",
        )
    value = unquote(m["value"])
    if name == "search_path" and not {unquote(p).lower() for p in value.split(",")} <= {
        "public",
        "$user",
        "pg_catalog",
    }:
        return refuse(
            sql,
            "SET search_path is accepted only for public: redactor serve "
            "reads only the mapped tables of the default schema",
        )
    return Statement("set", sql, name=name, value=value, tag="SET")


def _preprocess(text: str) -> str:
    """psql's catalog idioms as plain SQL: ``OPERATOR(pg_catalog.~)`` and ``COLLATE
    pg_catalog.default`` (the comparison itself is unchanged)."""
    out = re.sub(r"OPERATOR\s*\(\s*pg_catalog\s*\.\s*([^\s)]+)\s*\)", r" \1 ", text)
    return re.sub(r'COLLATE\s+(?:pg_catalog\s*\.\s*)?"?default"?', " ", out, flags=re.I)


def _function_names(tree: exp.Expression) -> set[str]:
    names = set()
    for f in tree.find_all(exp.Func):
        name = (f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower()
        names.add(name)
        parent = f.parent
        if isinstance(parent, exp.Dot) and parent.this.name.lower() == "pg_catalog":
            names.add("pg_catalog." + name)
    for d in tree.find_all(exp.Dot):
        if isinstance(d.this, exp.Identifier | exp.Column) and d.this.name.lower() == "pg_catalog":
            names.add("pg_catalog.")
    return names


def _classify_query(sql: str, text: str) -> Statement:
    pre = _preprocess(text)
    try:
        tree = parse_one_sql(pre, DIALECT)
    except SqlglotError:
        tree = None
    lowered = pre.lower()
    if tree is None:
        if "pg_catalog" in lowered or "information_schema" in lowered:
            return Statement("probe", pre)
        return refuse(sql, "the statement does not parse as PostgreSQL", "42601")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    catalog, data, stats = [], [], []
    for t in tree.find_all(exp.Table):
        name, schema = t.name.lower(), (t.db or "").lower()
        if not schema and name in ctes:
            continue
        if name in STATISTICS or name.startswith("pg_stat_"):
            stats.append(name)
        elif schema in CATALOG_SCHEMAS or (not schema and name.startswith("pg_")):
            catalog.append(name)
        elif not name and isinstance(t.this, exp.Func | exp.Anonymous):
            continue  # a table function; the guard decides
        else:
            data.append(name)
    if stats:
        return refuse(
            sql,
            f"{stats[0]} is refused: the backend's statistics hold values of the "
            "tables (most common values, histograms)",
        )
    functions = _function_names(tree)
    catalog_calls = {
        f
        for f in functions
        if f in CATALOG_FUNCTIONS or f in PG_CATALOG_CALLS or f.startswith("has_")
    }
    other_pg = sorted(
        f
        for f in functions
        if f.startswith("pg_") and f not in PG_CATALOG_CALLS and not f.startswith("pg_catalog.")
    )
    regcasts = any(
        isinstance(c, exp.Cast) and c.to.sql().lower().startswith("reg")
        for c in tree.find_all(exp.Cast)
    )
    if catalog:
        if data:
            return refuse(
                sql,
                "a statement that reads both the catalog and the tables is "
                "refused; query them separately",
            )
        return Statement("probe", pre)
    if not data and (catalog_calls or regcasts) and not other_pg:
        return Statement("probe", pre)
    return Statement("query", sql)
