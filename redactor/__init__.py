"""redactor: field-level redaction of exports under state limits on sharing personal data with
federal immigration enforcement.

The Python API decides and logs every request exactly as the command line does::

    import redactor

    req = redactor.Request(purposes=["civil_immigration_enforcement"], agency="ICE")
    fm = redactor.load_field_map("field_maps/dmv.yaml")
    out = redactor.redact_table(table, req, field_map=fm, table_name="drivers",
                                log="requests.sqlite3")

``table`` is a ``pyarrow.Table``, a ``pyarrow.RecordBatchReader`` (the result streams) or a
pandas ``DataFrame``; the result is the same kind. See ``docs/python.md``.

Requests and decisions: :class:`Request`, :class:`Evidence`, :func:`opened_request` (a request
opened and reviewed in the log), :func:`decide`, :class:`Decision`.
Data: :func:`redact_table`, :func:`redact_file`, :func:`export_query`, :func:`rewrite_query`.
Maps and logs: :func:`load_field_map`, :class:`FieldMap`, :func:`open_log`.
Errors: :class:`RedactorError` and its subclasses (each with its command-line exit code).

Names load on first use, so ``import redactor`` does not pay for sqlglot, Presidio or Spark.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # requests, decisions
    "Request": "redactor.request",
    "Evidence": "redactor.request",
    "opened_request": "redactor.request",
    "decide": "redactor.api",
    "Decision": "redactor.policy.decide",
    "load_packs": "redactor.api",
    # data
    "redact_table": "redactor.api",
    "redact_file": "redactor.api",
    "export_query": "redactor.api",
    "rewrite_query": "redactor.api",
    "Outcome": "redactor.audit",
    # maps, logs
    "load_field_map": "redactor.api",
    "FieldMap": "redactor.fieldmap",
    "open_log": "redactor.api",
    "Category": "redactor.categories",
    "Action": "redactor.categories",
    # errors
    "RedactorError": "redactor.errors",
    "UsageError": "redactor.errors",
    "RefusedError": "redactor.errors",
    "BadInputError": "redactor.errors",
    "ConfigError": "redactor.errors",
    "DataError": "redactor.errors",
    "KeyFileError": "redactor.errors",
    "QueryError": "redactor.errors",
}

__all__ = [
    "Action",
    "BadInputError",
    "Category",
    "ConfigError",
    "DataError",
    "Decision",
    "Evidence",
    "FieldMap",
    "KeyFileError",
    "Outcome",
    "QueryError",
    "RedactorError",
    "RefusedError",
    "Request",
    "UsageError",
    "__version__",
    "decide",
    "export_query",
    "load_field_map",
    "load_packs",
    "open_log",
    "opened_request",
    "redact_file",
    "redact_table",
    "rewrite_query",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'redactor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from redactor.api import (
        decide,
        export_query,
        load_field_map,
        load_packs,
        open_log,
        redact_file,
        redact_table,
        rewrite_query,
    )
    from redactor.audit import Outcome
    from redactor.categories import Action, Category
    from redactor.errors import (
        BadInputError,
        ConfigError,
        DataError,
        KeyFileError,
        QueryError,
        RedactorError,
        RefusedError,
        UsageError,
    )
    from redactor.fieldmap import FieldMap
    from redactor.policy.decide import Decision
    from redactor.request import Evidence, Request, opened_request
