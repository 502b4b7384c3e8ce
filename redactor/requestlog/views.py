"""Requests as read back from the log: a request entry joined with its completion, if any."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from redactor.requestlog.chain import Entry
from redactor.requestlog.entry import Completion, Outcome, RequestRecord
from redactor.requestlog.notices import NoticeDue, NoticeState, Notification


@dataclass(frozen=True)
class RequestView:
    seq: int
    record: RequestRecord
    completion: Completion | None = None
    completion_seq: int | None = None
    notifications: tuple[Notification, ...] = ()

    @property
    def request_id(self) -> str:
        assert self.record.request_id is not None
        return self.record.request_id

    @property
    def outcome(self) -> Outcome:
        """refused (by decision) > failed (completion) > incomplete (none) > the decision."""
        if self.record.decision == "refused":
            return "refused"
        if self.completion is None:
            return "incomplete"
        if self.completion.status == "failed":
            return "failed"
        return self.record.decision

    @property
    def day(self) -> date:
        assert self.record.time is not None
        return date.fromisoformat(self.record.time[:10])

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "outcome": self.outcome,
            **self.record.to_payload(),
            "completion": self.completion.to_payload() if self.completion else None,
            "notifications": [n.to_payload() for n in self.notifications],
        }


def join_requests(entries: Iterable[Entry]) -> Iterator[RequestView]:
    """Requests in log order, each with its completion (completions follow their request)."""
    pending: dict[str, RequestView] = {}
    order: list[str] = []
    for e in entries:
        if e.kind == "request":
            pending[e.request_id] = RequestView(e.seq, RequestRecord.from_payload(e.payload_dict()))
            order.append(e.request_id)
        elif e.kind == "completion" and e.request_id in pending:
            view = pending[e.request_id]
            pending[e.request_id] = replace(
                view, completion=Completion.from_payload(e.payload_dict()), completion_seq=e.seq
            )
        elif e.kind == "notification" and e.request_id in pending:
            view = pending[e.request_id]
            pending[e.request_id] = replace(
                view,
                notifications=(*view.notifications, Notification.from_payload(e.payload_dict())),
            )
    for rid in order:
        yield pending[rid]


@dataclass(frozen=True)
class NoticeView:
    """One notification due: the request, what is due, what was recorded, and its state."""

    request: RequestView
    notice: NoticeDue
    notification: Notification | None
    state: NoticeState

    def to_dict(self) -> dict:
        return {
            "request_id": self.request.request_id,
            "request_day": self.request.day.isoformat(),
            "agency": self.request.record.agency,
            "outcome": self.request.outcome,
            "pack": self.notice.pack,
            "due": self.notice.due,
            "rule": self.notice.rule,
            "state": self.state,
            "notification": self.notification.to_payload() if self.notification else None,
        }


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to list. Dates are inclusive UTC calendar days; text matches ignore case."""

    start: date | None = None
    end: date | None = None
    agency: str | None = None
    purpose: str | None = None
    outcome: str | None = None

    def matches(self, view: RequestView) -> bool:
        day = view.day
        if self.start and day < self.start:
            return False
        if self.end and day > self.end:
            return False
        if self.agency and (view.record.agency or "").casefold() != self.agency.casefold():
            return False
        if self.purpose and self.purpose.casefold() not in {
            p.casefold() for p in view.record.purposes
        }:
            return False
        return not (self.outcome and view.outcome != self.outcome)
