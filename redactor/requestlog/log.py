"""The request log: ``begin`` before any output is released, ``complete`` after; read it back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from redactor.errors import BadInputError, UsageError
from redactor.requestlog.chain import Entry, VerifyResult, verify_entries
from redactor.requestlog.entry import Completion, RequestRecord, canonical_json, utc_now
from redactor.requestlog.errors import LogUnavailableError
from redactor.requestlog.literals import redact_url, strip_sql_literals
from redactor.requestlog.notices import (
    Notification,
    notice_state,
    notices_from_obligations,
)
from redactor.requestlog.opened import OpenedRequest, OpenedView, Review, opened_views, same_person
from redactor.requestlog.views import NoticeView, RequestFilter, RequestView, join_requests

ENV_VAR = "REDACTOR_LOG"


class Store(Protocol):
    location: str  # where the log is, safe to print (no credentials)

    def append(self, kind: str, request_id: str, payload: str) -> Entry: ...
    def entries(self, request_id: str | None = None) -> Iterator[Entry]: ...
    def request_ids_with_prefix(self, prefix: str) -> list[str]: ...
    def guard_problems(self) -> tuple[str, ...]: ...
    def ensure_kind(self, kind: str) -> None: ...
    def close(self) -> None: ...


def default_log_target() -> str:
    """``$REDACTOR_LOG``, else ``requests.sqlite3`` in the user's data directory."""
    from redactor.settings import current

    if current().log:
        return current().log
    import platformdirs  # only for the default place (20 ms at start-up otherwise)

    return str(Path(platformdirs.user_data_dir("redactor")) / "requests.sqlite3")


def is_postgres_url(target: str) -> bool:
    return target.split("://", 1)[0].lower() in ("postgresql", "postgres") and "://" in target


def open_log(target: str | os.PathLike | None = None, *, create: bool = True) -> RequestLog:
    """Open (and with ``create``, initialise) the log at a path or ``postgresql://`` URL.

    ``create=False`` is for readers (list, show, verify, report): a missing log is an error
    rather than a new empty one.
    """
    where = str(target) if target is not None else default_log_target()
    if is_postgres_url(where):
        from redactor.requestlog.store_postgres import PostgresStore

        return RequestLog(PostgresStore(where, create=create))
    if "://" in where:
        raise LogUnavailableError(
            f"unsupported request log URL scheme: {redact_url(where)}",
            hint="use a file path (SQLite) or postgresql://user@host/dbname",
        )
    from redactor.requestlog.store_sqlite import SqliteStore

    return RequestLog(SqliteStore(where, create=create))


class RequestLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def location(self) -> str:
        return self.store.location

    # -- writing ---------------------------------------------------------------------------
    def begin(self, record: RequestRecord, **more: Any) -> str:
        """Append the request entry (durably) and return its request id; ``more`` sets other
        fields of the record as it is written (the wire front end's login user, session and
        client), in the same step.

        Defence in depth: the query's literals are stripped again and the source loses any
        credentials, whatever the caller already did.
        """
        time = record.time or utc_now()
        record = replace(  # one replace: each one validates the whole record again
            record,
            **more,
            request_id=record.request_id or str(uuid.uuid4()),
            time=time,
            query=None
            if record.query is None
            else strip_sql_literals(record.query, record.dialect),
            source=None if record.source is None else redact_url(record.source),
            notices=record.notices or notices_from_obligations(record.obligations, time),
        )
        assert record.request_id is not None and record.time is not None
        self.store.append("request", record.request_id, record.canonical())
        return record.request_id

    def open_request(self, opened: OpenedRequest) -> str:
        """Append a ``request_open`` entry (a request to be reviewed) and return its id."""
        opened = replace(
            opened, request_id=opened.request_id or str(uuid.uuid4()), time=opened.time or utc_now()
        )
        self.store.ensure_kind("request_open")
        self.store.append("request_open", opened.request_id, canonical_json(opened.to_payload()))
        return opened.request_id

    def review(self, request_id: str, review: Review) -> int:
        """Append a reviewer's acceptance or rejection of an opened request's evidence.

        Refused (RefusedError): a reviewer who is the requester. Returns the entry's seq."""
        view = self.opened(request_id)
        if same_person(review.reviewer, view.opened.requester):
            from redactor.errors import RefusedError

            raise RefusedError(
                f"request {request_id}: the reviewer {review.reviewer!r} is the requester; a "
                "request's evidence must be reviewed by someone else",
                hint="ask another person to run `redactor request review`",
            )
        if view.opened.os_user and review.os_user == view.opened.os_user:
            review = replace(review, same_os_user=True)
        self.store.ensure_kind("request_review")
        entry = self.store.append("request_review", request_id, canonical_json(review.to_payload()))
        return entry.seq

    def opened(self, request_id: str) -> OpenedView:
        """An opened request with its reviews and runs (BadInputError if there is none)."""
        entries = list(self.store.entries())
        views = opened_views(
            (e for e in entries if e.request_id == request_id), join_requests(entries)
        )
        if request_id not in views:
            raise BadInputError(
                f"no opened request {request_id} in the log at {self.location}",
                hint="open one with `redactor request open` (it prints the id), and give the "
                "same --log",
            )
        return views[request_id]

    def complete(self, request_id: str, completion: Completion) -> None:
        """Append the completion entry of a begun request (never an update of it)."""
        self.store.append("completion", request_id, canonical_json(completion.to_payload()))

    def notify(self, request_id: str, notification: Notification) -> None:
        """Record that the subject of a request was notified (or why notice was withheld) under
        one pack: appended as a ``notification`` entry, never an update of the request.

        Refused (BadInputError): a request with no notification due under that pack, a second
        record for the same request and pack, a date before the request's day or in the future.
        """
        view = next((v for v in self.requests() if v.request_id == request_id), None)
        if view is None:
            raise BadInputError(f"no request {request_id} in the log at {self.location}")
        notices = {n.pack: n for n in view.record.notices_due()}
        if not notices:
            raise BadInputError(
                f"request {request_id} has no notification due: no pack applied "
                "to it requires notifying the subject"
            )
        if notification.pack not in notices:
            raise BadInputError(
                f"request {request_id} has no notification due under {notification.pack}",
                hint=f"due under: {', '.join(notices)}",
            )
        done = {n.pack: n for n in view.notifications}
        if notification.pack in done:
            prior = done[notification.pack]
            raise BadInputError(
                f"request {request_id} already has a notification recorded under "
                f"{notification.pack} ({prior.status} on {prior.on})",
                hint="the log is append-only; a correction goes in the agency's own case file",
            )
        on = date.fromisoformat(notification.on)
        if on < view.day:
            raise BadInputError(f"notification date {on} is before the request ({view.day})")
        if on > datetime.now(UTC).date() + timedelta(days=1):
            raise BadInputError(f"notification date {on} is in the future")
        self.store.ensure_kind("notification")
        self.store.append("notification", request_id, canonical_json(notification.to_payload()))

    def obligations(
        self, where: RequestFilter | None = None, *, today: date | None = None
    ) -> list[NoticeView]:
        """Every notification due for the requests selected, with its state as of ``today``
        (default: today, UTC)."""
        today = today or datetime.now(UTC).date()
        out: list[NoticeView] = []
        for view in self.requests(where):
            made = {n.pack: n for n in view.notifications}
            for notice in view.record.notices_due():
                rec = made.get(notice.pack)
                out.append(NoticeView(view, notice, rec, notice_state(notice, rec, today)))
        return out

    # -- reading ---------------------------------------------------------------------------
    def entries(self) -> Iterator[Entry]:
        return self.store.entries()

    def requests(self, where: RequestFilter | None = None) -> list[RequestView]:
        views = join_requests(self.store.entries())
        return [v for v in views if where is None or where.matches(v)]

    def resolve_id(self, id_or_prefix: str, *, opened: bool = False) -> str:
        """A full request id from itself or a unique prefix (at least 4 characters).

        ``opened``: the id of a request opened for review (``request open``); otherwise the id
        of a run (redact, export, sql). An id of the other kind is refused with a pointer to the
        command that shows it."""
        if len(id_or_prefix) < 4:
            raise UsageError(
                "give at least 4 characters of the request id",
                hint="`redactor log list` shows the ids",
            )
        want = "request_open" if opened else "request"
        found = self.store.request_ids_with_prefix(id_or_prefix)
        kinds = {rid: {e.kind for e in self.store.entries(rid)} for rid in found}
        mine = [rid for rid in found if want in kinds[rid]]
        exact = id_or_prefix in mine
        if exact or len(mine) == 1:
            return id_or_prefix if exact else mine[0]
        if not mine and found:
            if opened:
                raise BadInputError(
                    f"{id_or_prefix} is a run (redact, export or sql), not a request opened for "
                    "review",
                    hint=f"see it with `redactor log show {id_or_prefix}`; its opened request, if "
                    "any, is its opened_request",
                )
            raise BadInputError(
                f"{id_or_prefix} is a request opened for review, not a run",
                hint=f"see its whole story with `redactor request show {id_or_prefix}`",
            )
        if not mine:
            raise BadInputError(f"no request {id_or_prefix} in the log at {self.location}")
        raise BadInputError(
            f"request id prefix {id_or_prefix} is ambiguous ({len(mine)} match)",
            hint="give more characters",
        )

    def request_entries(self, request_id: str) -> list[Entry]:
        return list(self.store.entries(request_id))

    def verify(self, *, expect_head: str | None = None) -> VerifyResult:
        return verify_entries(
            self.store.entries(),
            expect_head=expect_head,
            guard_problems=self.store.guard_problems(),
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> RequestLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
