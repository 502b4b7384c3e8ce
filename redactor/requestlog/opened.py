"""Requests opened for review: ``request_open`` and ``request_review`` entries, and the timeline
of one request (opened, reviewed, each run under it).

Evidence given when a request is opened is a claim. A reviewer, who must not be the requester,
accepts or rejects each piece after checking the document; only accepted evidence lifts a rule.
A document's SHA-256 (and size) is stored, never its content or file name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from redactor.requestlog.chain import Entry
from redactor.requestlog.entry import Evidence, PackRef, normalize_time
from redactor.requestlog.views import RequestView


def _evidence(items: Iterable[Any]) -> tuple[Evidence, ...]:
    return tuple(Evidence.coerce(e) for e in items)


def evidence_key(e: Evidence | Mapping[str, Any]) -> str:
    ev = Evidence.coerce(e)
    return f"{ev.kind}:{ev.reference}"


@dataclass(frozen=True)
class OpenedRequest:
    """A ``request_open`` entry: who asks, for which agency, why, with what (claimed) evidence,
    under which policy packs; and who opened it (the operating-system user)."""

    request_id: str
    agency: str
    requester: str
    purposes: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    policies: tuple[str, ...] = ()  # as given to --policy (empty: the default)
    packs: tuple[PackRef, ...] = ()
    recipient: Mapping[str, Any] | None = None
    os_user: str | None = None
    time: str | None = None
    redactor_version: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not self.agency.strip() or not self.requester.strip() or not self.purposes:
            raise ValueError("an opened request needs an agency, a requester and a purpose")
        set_(self, "purposes", tuple(self.purposes))
        set_(self, "policies", tuple(self.policies))
        set_(self, "evidence", _evidence(self.evidence))
        set_(self, "packs", tuple(PackRef.coerce(p) for p in self.packs))
        if self.recipient is not None:
            set_(self, "recipient", dict(self.recipient))
        if self.time is not None:
            set_(self, "time", normalize_time(self.time))

    def to_payload(self) -> dict[str, Any]:
        out = asdict(self)
        out["purposes"] = list(self.purposes)
        out["policies"] = list(self.policies)
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OpenedRequest:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


@dataclass(frozen=True)
class Document:
    sha256: str
    bytes: int

    @classmethod
    def coerce(cls, value: Document | Mapping[str, Any]) -> Document:
        if isinstance(value, Document):
            return value
        return cls(str(value["sha256"]), int(value["bytes"]))


@dataclass(frozen=True)
class Review:
    """A ``request_review`` entry: evidence a reviewer accepted or rejected after checking it."""

    reviewer: str
    accepted: tuple[Evidence, ...] = ()
    rejected: tuple[Evidence, ...] = ()
    documents: tuple[Document, ...] = ()
    note: str | None = None
    os_user: str | None = None
    same_os_user: bool = False  # the reviewer ran as the account that opened the request
    seq: int | None = None  # set when read back from the log
    time: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not self.reviewer.strip():
            raise ValueError("a review needs the reviewer's name")
        set_(self, "accepted", _evidence(self.accepted))
        set_(self, "rejected", _evidence(self.rejected))
        set_(self, "documents", tuple(Document.coerce(d) for d in self.documents))
        if not self.accepted and not self.rejected:
            raise ValueError("a review accepts or rejects at least one piece of evidence")
        if self.note is not None:
            set_(self, "note", " ".join(self.note.split()) or None)

    def to_payload(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("seq")
        out.pop("time")
        return out

    @classmethod
    def from_payload(
        cls, payload: Mapping[str, Any], seq: int | None = None, time: str | None = None
    ) -> Review:
        known = {f.name for f in fields(cls)} - {"seq", "time"}
        return cls(**{k: v for k, v in payload.items() if k in known}, seq=seq, time=time)


_NAME = re.compile(r"[^a-z0-9]+")


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two names given on command lines are the same (case, spacing, punctuation and
    the order of the words ignored)."""
    if not a or not b:
        return False

    def key(name: str) -> list[str]:
        return sorted(w for w in _NAME.split(name.casefold()) if w)

    return key(a) == key(b)


@dataclass(frozen=True)
class EvidenceState:
    """One piece of evidence of an opened request, as its reviews left it."""

    evidence: Evidence  # the attributes as accepted (the reviewer's reading wins)
    status: str  # claimed | accepted | rejected
    reviewer: str | None = None
    review_seq: int | None = None
    added_by_reviewer: bool = False


@dataclass(frozen=True)
class OpenedView:
    seq: int
    opened: OpenedRequest
    reviews: tuple[Review, ...] = ()
    runs: tuple[RequestView, ...] = field(default=())

    @property
    def request_id(self) -> str:
        return self.opened.request_id

    def evidence_states(self) -> list[EvidenceState]:
        """Each piece of evidence (claimed at opening or added by a reviewer) with its latest
        review."""
        states: dict[str, EvidenceState] = {}
        for e in self.opened.evidence:
            states[evidence_key(e)] = EvidenceState(e, "claimed")
        for rv in self.reviews:
            for status, items in (("accepted", rv.accepted), ("rejected", rv.rejected)):
                for e in items:
                    key = evidence_key(e)
                    prior = states.get(key)
                    ev = e if (e.attributes or prior is None) else prior.evidence
                    states[key] = EvidenceState(
                        ev,
                        status,
                        rv.reviewer,
                        rv.seq,
                        added_by_reviewer=prior is None or prior.added_by_reviewer,
                    )
        return list(states.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "opened": {"seq": self.seq, **self.opened.to_payload()},
            "reviews": [{"seq": r.seq, "time": r.time, **r.to_payload()} for r in self.reviews],
            "evidence": [
                {
                    **asdict(s.evidence),
                    "status": s.status,
                    "reviewer": s.reviewer,
                    "review_seq": s.review_seq,
                    "added_by_reviewer": s.added_by_reviewer,
                }
                for s in self.evidence_states()
            ],
            "runs": [r.to_dict() for r in self.runs],
        }


def opened_views(entries: Iterable[Entry], runs: Iterable[RequestView]) -> dict[str, OpenedView]:
    """Every opened request in the log, with its reviews and the runs made under it."""
    out: dict[str, OpenedView] = {}
    for e in entries:
        if e.kind == "request_open":
            out[e.request_id] = OpenedView(e.seq, OpenedRequest.from_payload(e.payload_dict()))
        elif e.kind == "request_review" and e.request_id in out:
            v = out[e.request_id]
            rv = Review.from_payload(e.payload_dict(), seq=e.seq, time=e.time)
            out[e.request_id] = OpenedView(v.seq, v.opened, (*v.reviews, rv), v.runs)
    for r in runs:
        under = r.record.opened_request
        if under in out:
            v = out[under]
            out[under] = OpenedView(v.seq, v.opened, v.reviews, (*v.runs, r))
    return out
