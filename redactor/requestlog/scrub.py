"""Keep values out of the log: SQL literals become ``?``, credentials leave URLs."""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit

UNPARSEABLE_QUERY = "<unparseable query withheld>"

_SECRET_PARAMS = {"password", "sslpassword", "passfile", "sslkey", "passphrase"}


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

    SQL that does not parse is withheld whole: :data:`UNPARSEABLE_QUERY`.
    """
    # imported here: a file redaction logs no query, and sqlglot is a tenth of start-up
    import sqlglot
    from sqlglot import exp

    # every node type that carries a value written in the query text
    literal_types = tuple(
        t for t in (getattr(exp, n, None) for n in (
            "Literal", "HexString", "ByteString", "BitString", "RawString", "National",
            "UnicodeString",
        )) if isinstance(t, type)
    )

    def to_placeholder(node: exp.Expression) -> exp.Expression:
        # ``$1``/``@p`` parameters hold a literal name or position, not a value: keep them.
        if isinstance(node, literal_types) and not isinstance(node.parent, exp.Parameter):
            return exp.var("?")
        return node

    try:
        with _quiet_sqlglot():
            statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
            out = []
            for statement in statements:
                stripped = statement.transform(to_placeholder)
                out.append(stripped.sql(dialect=dialect, comments=False))
    except Exception:  # ParseError, TokenError, and anything else: never echo the text
        return UNPARSEABLE_QUERY
    return "; ".join(out) if out else UNPARSEABLE_QUERY


_DSN_SECRET = re.compile(r"\b(password|sslpassword|passfile)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", re.I)


def redact_url(url: str) -> str:
    """``url`` without its password (user name kept) and without secret query parameters.

    Anything that is not a URL (a file path, ``-``) comes back unchanged, except that a
    libpq ``key=value`` connection string loses its ``password=``.
    """
    if "://" not in url:
        return _DSN_SECRET.sub(lambda m: f"{m.group(1)}=***", url) if "=" in url else url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}@{host}" if user else host
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() not in _SECRET_PARAMS]
        if netloc == parts.netloc and len(kept) == len(pairs):
            return url.split("#", 1)[0]
        query = f"?{urlencode(kept, safe='/')}" if kept else ""
        # built by hand: urlunsplit would turn sqlite:///path into sqlite:/path
        return f"{parts.scheme}://{netloc}{parts.path}{query}"
    except ValueError:
        return f"{url.split('://', 1)[0]}://<unparseable url withheld>"
