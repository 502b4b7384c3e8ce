"""Every ``REDACTOR_*`` environment setting, read once into one frozen, validated object.

A command (or an API call) reads the environment once at its start and puts the result in a
context variable (:func:`scope`); every module below asks :func:`current` instead of reading
``os.environ``, so one invocation sees one consistent set of settings and a bad value is one
usage error (exit 2) naming the variable, found before any work. Outside a scope (a library
call, a test that monkeypatches the environment) :func:`current` reads the environment afresh.

>>> s = Settings.from_env({"REDACTOR_MAX_ROW_MB": "16", "REDACTOR_SCRUB_NAMES": "off"})
>>> s.max_row_bytes, s.scrub_names, s.statement_timeout
(16777216, False, 1800.0)
>>> Settings.from_env({"REDACTOR_LOCK_TIMEOUT": "soon"})
Traceback (most recent call last):
...
redactor.errors.UsageError: REDACTOR_LOCK_TIMEOUT='soon' is not a number of seconds greater than 0
  hint: unset it for the default, or set e.g. REDACTOR_LOCK_TIMEOUT=600
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from redactor.errors import UsageError

DEFAULT_STATEMENT_TIMEOUT = 1800.0  # seconds, per database call
DEFAULT_LOCK_TIMEOUT = 10.0  # seconds (PostgreSQL lock waits; SQLite busy wait)
DEFAULT_MAX_ROW_MB = 4
_OFF = ("0", "off", "false", "no")
_ON = ("1", "on", "true", "yes")


def _text(env: str, raw: str) -> str:
    return raw


def _row_mb(env: str, raw: str) -> int:
    try:
        mb = int(raw)
    except ValueError:
        mb = 0
    if not 1 <= mb <= 1024:
        raise UsageError(
            f"{env}={raw!r} is not a whole number of MiB from 1 to 1024",
            hint=f"e.g. {env}=16",
        )
    return mb


def _seconds(env: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UsageError(
            f"{env}={raw!r} is not a number of seconds greater than 0",
            hint=f"unset it for the default, or set e.g. {env}=600",
        )
    return value


#: Parquet output codecs (``REDACTOR_PARQUET_COMPRESSION``); snappy is what DuckDB, Spark and
#: pyarrow write by default, and encodes about twice as fast as zstd (docs/benchmarks.md).
ParquetCodec = Literal["snappy", "zstd", "lz4", "none"]
PARQUET_CODECS: tuple[str, ...] = get_args(ParquetCodec)


def _codec(env: str, raw: str) -> str:
    low = raw.lower()
    if low not in PARQUET_CODECS:
        raise UsageError(
            f"{env}={raw!r} is not a Parquet codec redactor writes",
            hint=f"set {env} to one of {', '.join(PARQUET_CODECS)}, or unset it (snappy)",
        )
    return low


def _switch(env: str, raw: str) -> bool:
    low = raw.lower()
    if low in _ON:
        return True
    if low in _OFF:
        return False
    raise UsageError(
        f"{env}={raw!r} is not on or off",
        hint=f"set {env} to one of {', '.join(_ON)} or {', '.join(_OFF)}, or unset it",
    )


def _debug(env: str, raw: str) -> bool:
    return raw.lower() not in _OFF  # any other value turns tracebacks on, as it always did


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable: the setting it fills, how its text is read, what it does."""

    env: str
    field: str
    parse: Callable[[str, str], Any]
    help: str


#: Every environment variable redactor reads, in the order ``redactor config show`` lists them.
VARIABLES: tuple[Variable, ...] = (
    Variable("REDACTOR_LOG", "log", _text, "request log: SQLite path or postgresql:// URL"),
    Variable("REDACTOR_POLICY", "policy", _text, "policy pack id or file used by default"),
    Variable("REDACTOR_KEY_FILE", "key_file", _text, "file with the secret key for hash"),
    Variable("REDACTOR_MAX_ROW_MB", "max_row_mb", _row_mb, "longest CSV/JSON row, MiB (1-1024)"),
    Variable(
        "REDACTOR_STATEMENT_TIMEOUT",
        "statement_timeout",
        _seconds,
        "time limit of each database call, seconds",
    ),
    Variable(
        "REDACTOR_LOCK_TIMEOUT", "lock_timeout", _seconds, "database lock wait limit, seconds"
    ),
    Variable("REDACTOR_SCRUB_NAMES", "scrub_names", _switch, "remove person names from free text"),
    Variable(
        "REDACTOR_SPACY_MODEL", "spacy_model", _text, "installed spaCy model for person names"
    ),
    Variable("REDACTOR_CHROMIUM", "chromium", _text, "headless Chromium for PDF reports"),
    Variable("REDACTOR_DEBUG", "debug", _debug, "print a traceback for internal errors"),
    Variable(
        "REDACTOR_NARROW_READER",
        "narrow_reader",
        _switch,
        "read plain files converting only the kept columns",
    ),
    Variable(
        "REDACTOR_PARQUET_COMPRESSION",
        "parquet_compression",
        _codec,
        "codec of Parquet output: snappy, zstd, lz4 or none",
    ),
)


class Settings(BaseModel):
    """The settings of one invocation (unset variables take the defaults shown)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    log: str | None = None
    policy: str | None = None
    key_file: str | None = None
    max_row_mb: int = Field(default=DEFAULT_MAX_ROW_MB, ge=1, le=1024)
    statement_timeout: float = Field(default=DEFAULT_STATEMENT_TIMEOUT, gt=0, allow_inf_nan=False)
    lock_timeout: float = Field(default=DEFAULT_LOCK_TIMEOUT, gt=0, allow_inf_nan=False)
    scrub_names: bool = True
    spacy_model: str | None = None
    chromium: str | None = None
    debug: bool = False
    narrow_reader: bool = True
    parquet_compression: ParquetCodec = "snappy"
    #: which fields were set by a variable (for ``redactor config show``)
    from_env_vars: frozenset[str] = frozenset()

    @property
    def max_row_bytes(self) -> int:
        """Bytes per CSV/JSON block: also the longest row that can be read."""
        return self.max_row_mb << 20

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``); an empty variable is unset.
        A value that does not parse is a :class:`UsageError` naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for v in VARIABLES:
            raw = (env.get(v.env) or "").strip()
            if raw:
                values[v.field] = v.parse(v.env, raw)
        return cls(**values, from_env_vars=frozenset(values))


_CURRENT: ContextVar[Settings | None] = ContextVar("redactor_settings", default=None)


def current() -> Settings:
    """The settings of the running command or API call; outside one, read afresh."""
    return _CURRENT.get() or Settings.from_env()


@contextlib.contextmanager
def scope(settings: Settings | None = None) -> Iterator[Settings]:
    """Run a command (or API call) under one set of settings: ``settings``, else the enclosing
    scope's, else the environment read now (an invalid value raises here, before any work)."""
    chosen = settings or _CURRENT.get() or Settings.from_env()
    token = _CURRENT.set(chosen)
    try:
        yield chosen
    finally:
        _CURRENT.reset(token)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def scoped(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` (a command or a public API call) in :func:`scope`: one reading for the
    whole call, unless an enclosing scope already holds one."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with scope():
            return fn(*args, **kwargs)

    return wrapper


__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "VARIABLES",
    "Settings",
    "Variable",
    "current",
    "scope",
    "scoped",
]
