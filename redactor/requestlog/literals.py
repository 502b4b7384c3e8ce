"""Keep values out of the log: SQL literals become ``?``, credentials leave URLs
(:func:`redactor.urls.redact_url`, re-exported here)."""

from __future__ import annotations

import functools
import logging
from contextlib import contextmanager

from redactor.urls import redact_url

__all__ = ["UNPARSEABLE_QUERY", "redact_url", "strip_sql_literals"]

UNPARSEABLE_QUERY = "<unparseable query withheld>"


@contextmanager
def _quiet_sqlglot():
    # sqlglot's warnings (e.g. "… falling back to parsing as a 'Command'") quote the raw SQL.
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def strip_sql_literals(sql: str, dialect: str | None = None) -> str:
    """The query with every literal (and comment) replaced by ``?``.

    SQL that does not parse is withheld whole: :data:`UNPARSEABLE_QUERY`. A pure function of
    its arguments, so texts up to 16k characters are remembered (the wire front end and the
    log strip the same statement text again and again).
    """
    if len(sql) <= _CACHED_CHARS:
        return _strip_cached(sql, dialect)
    return _strip(sql, dialect)


_CACHED_CHARS = 16_384


@functools.lru_cache(maxsize=1024)
def _strip_cached(sql: str, dialect: str | None) -> str:
    return _strip(sql, dialect)


def _strip(sql: str, dialect: str | None) -> str:
    # imported here: a file redaction logs no query, and sqlglot is a tenth of start-up
    from sqlglot import exp

    from redactor.sql.parsed import parse as parse_sql

    # every node type that carries a value written in the query text
    literal_types = tuple(
        t
        for t in (
            getattr(exp, n, None)
            for n in (
                "Literal",
                "HexString",
                "ByteString",
                "BitString",
                "RawString",
                "National",
                "UnicodeString",
            )
        )
        if isinstance(t, type)
    )

    def to_placeholder(node: exp.Expression) -> exp.Expression:
        # ``$1``/``@p`` parameters hold a literal name or position, not a value: keep them.
        if isinstance(node, literal_types) and not isinstance(node.parent, exp.Parameter):
            return exp.var("?")
        return node

    try:
        with _quiet_sqlglot():
            statements = [s for s in parse_sql(sql, dialect) if s is not None]
            out = []
            for statement in statements:
                # each tree is this call's own copy (parsed.parse): changed in place
                stripped = statement.transform(to_placeholder, copy=False)
                out.append(stripped.sql(dialect=dialect, comments=False, copy=False))
    except Exception:  # ParseError, TokenError, and anything else: never echo the text
        return UNPARSEABLE_QUERY
    return "; ".join(out) if out else UNPARSEABLE_QUERY
