"""Credentials out of anything a person or a log sees: one ``redact_url`` for database URLs
(``--db``), request-log locations and logged sources."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

# query parameters (and libpq keywords) that carry a secret
SECRET_PARAMS = frozenset({"password", "sslpassword", "passfile", "sslkey", "passphrase", "token"})
_DSN_SECRET = re.compile(
    r"\b(password|sslpassword|passfile|sslkey|passphrase|token)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)",
    re.I,
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_FILE_SCHEMES = ("sqlite", "duckdb")


def redact_url(url: str) -> str:
    """``url`` with its password and secret query parameters replaced by ``***``.

    The user name is kept, so a reader can tell which account was used. ``sqlite://`` and
    ``duckdb://`` URLs are file paths and come back unchanged. Anything that is not a URL (a
    file path, ``-``) is returned as is, except that a libpq ``key=value`` connection string
    has its ``password=`` (and other secret keywords) replaced. A URL that does not parse is
    withheld whole.
    """
    m = _SCHEME.match(url or "")
    if not m:
        return _DSN_SECRET.sub(lambda g: f"{g.group(1)}=***", url) if "=" in (url or "") else url
    scheme = m.group(1)
    if scheme.lower().split("+", 1)[0] in _FILE_SCHEMES:
        return url
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            user, has_password, _ = userinfo.partition(":")
            netloc = f"{user}{':***' if has_password else ''}@{host}" if user else host
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        shown = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
        query = f"?{urlencode(shown, safe='/*')}" if shown else ""
        # built by hand (urlunsplit would rewrite some forms); the fragment is dropped
        return f"{parts.scheme}://{netloc}{parts.path}{query}"
    except ValueError:
        return f"{scheme}://<unparseable url withheld>"
