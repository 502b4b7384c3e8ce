"""Errors of the request log (all :class:`redactor.errors.RedactorError`, so the CLI maps them)."""

from __future__ import annotations

from redactor.errors import BadInputError, RedactorError


class LogUnavailableError(BadInputError):
    """The log cannot be opened or written: no request may proceed without it (exit 4)."""


class LogTamperedError(BadInputError):
    """``verify`` found an edited, deleted, reordered or inserted entry (exit 4)."""


class LogUsageError(RedactorError):
    """The log API was called out of order (a bug in the caller, exit 1)."""


def check_append(kind: str, request_id: str, existing_kinds: set[str]) -> None:
    """Refuse a second request entry for one id, or a completion without (or after) one."""
    if kind == "request" and "request" in existing_kinds:
        raise LogUsageError(f"request {request_id} is already in the log")
    if kind == "completion" and "request" not in existing_kinds:
        raise LogUsageError(f"cannot complete request {request_id}: it was never begun")
    if kind == "completion" and "completion" in existing_kinds:
        raise LogUsageError(f"request {request_id} is already completed")
    if kind == "notification" and "request" not in existing_kinds:
        raise LogUsageError(
            f"cannot record a notification for request {request_id}: it was never logged"
        )
    if kind == "request_open" and "request_open" in existing_kinds:
        raise LogUsageError(f"request {request_id} is already opened")
    if kind == "request_review" and "request_open" not in existing_kinds:
        raise LogUsageError(f"cannot review request {request_id}: it was never opened")
