"""Database URLs: parsed once into a :class:`DbUrl` (the engine, its file or connection string,
and a credential-free display form), and credentials kept out of anything a person or a log
sees (:func:`redact_url` for ``--db`` URLs, request-log locations and logged sources;
:func:`scrub_secrets` for drivers' messages).

``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``duckdb:///path.duckdb``,
``postgresql://user:secret@host:5432/db``, ``postgresql:///db?host=/socket/dir``
(``postgres://`` and a ``+driver`` suffix such as ``postgresql+psycopg://`` are accepted).
A URL's password is never shown: use :func:`redact_url` for anything a person or a log sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from redactor.errors import UsageError

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


# --- parsed database URLs ---------------------------------------------------------------------
Engine = Literal["sqlite", "duckdb", "postgresql"]


@dataclass(frozen=True, slots=True)
class DbUrl:
    engine: Engine
    path: str | None  # file path for sqlite/duckdb
    conninfo: str | None  # libpq URI for postgresql (credentials included: never print it)
    display: str  # redacted form, safe to print and log

    @property
    def dialect(self) -> str:
        """The sqlglot dialect that matches the engine."""
        return {"sqlite": "sqlite", "duckdb": "duckdb", "postgresql": "postgres"}[self.engine]

    def __repr__(self) -> str:  # never show conninfo
        return f"DbUrl({self.display!r})"


def parse_url(url: str) -> DbUrl:
    """Parse a ``--db`` URL; raises UsageError (whose message shows only the redacted URL)."""
    shown = redact_url(url)
    m = _SCHEME.match(url or "")
    if not m:
        raise UsageError(
            f"--db {shown!r} is not a database URL",
            hint="use sqlite:///path.db, duckdb:///path.duckdb or postgresql://user@host:port/db",
        )
    scheme = m.group(1).lower().split("+", 1)[0]
    rest = url[m.end() :]
    if scheme in ("sqlite", "duckdb"):
        path_part = rest.split("?", 1)[0]
        if not path_part.startswith("/") or path_part == "/":
            raise UsageError(
                f"--db {shown!r} needs a file path after {scheme}:///",
                hint=f"{scheme}:///relative/file or {scheme}:////absolute/file",
            )
        return DbUrl(scheme, unquote(path_part[1:]), None, shown)  # type: ignore[arg-type]
    if scheme in ("postgresql", "postgres"):
        conninfo = "postgresql://" + rest
        return DbUrl("postgresql", None, conninfo, shown)
    raise UsageError(
        f"--db {shown!r}: unsupported database kind {scheme!r}",
        hint="supported: sqlite, duckdb, postgresql",
    )


def scrub_secrets(message: str, url: str) -> str:
    """Remove the password (and the raw URL) of ``url`` from a driver's error message."""
    out = message.replace(url, redact_url(url))
    try:
        parts = urlsplit(url)
        secrets = [parts.password] if parts.password else []
        secrets += [v for k, v in parse_qsl(parts.query) if k.lower() in SECRET_PARAMS and v]
    except ValueError:
        secrets = []
    for s in secrets:
        for form in {s, unquote(s)}:
            if form:
                out = out.replace(form, "***")
    return out


__all__ = ["SECRET_PARAMS", "DbUrl", "Engine", "parse_url", "redact_url", "scrub_secrets"]
