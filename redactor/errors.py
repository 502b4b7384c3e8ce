"""Typed errors. Every error a user can cause derives from :class:`RedactorError`.

The CLI maps each class to its exit code (docs/design.md §4) and prints
``str(error)`` (one line saying what happened, then where and how to fix it)
without a traceback. Messages must never contain a protected value.
"""

from __future__ import annotations


class RedactorError(Exception):
    """Root of every error redactor raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(RedactorError):
    """The command was called wrongly (bad option combination, missing argument)."""

    exit_code = 2


class RefusedError(RedactorError):
    """The policy refuses the request (or the query) as a whole."""

    exit_code = 3

    def __init__(
        self, message: str, *, hint: str | None = None, reasons: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, hint=hint)
        self.reasons = reasons


class BadInputError(RedactorError):
    """Unreadable or malformed data, an invalid field map or pack, SQL that does not parse."""

    exit_code = 4


class ConfigError(BadInputError):
    """A field map or policy pack that does not validate."""


class DataError(BadInputError):
    """A dataset file that cannot be read or written as asked."""


class KeyFileError(RefusedError):
    """A keyed action (``hash``) was asked for but no usable key is configured."""


class QueryError(DataError):
    """The database rejected or failed a query.

    Never carries the driver's message (it quotes values: ``invalid input syntax for type date:
    "02/25/1964"``): only the error class, the SQLSTATE where the engine has one, and the
    character offset (0-based) of the error in the SQL that was executed, when the engine reports
    one. :mod:`redactor.sql.job` maps that offset back to the user's own query.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        error_class: str = "",
        sqlstate: str | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.error_class = error_class
        self.sqlstate = sqlstate
        self.offset = offset
