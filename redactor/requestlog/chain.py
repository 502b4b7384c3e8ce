"""The hash chain: how an entry's hash is computed and how a sequence of entries is verified.

``hash = SHA-256(prev_hash | seq | kind | request_id | time | payload)`` over the exact stored
payload text (canonical JSON). The first entry links to :data:`GENESIS`. Because ``seq`` and
``prev_hash`` are inside the hash, editing, deleting, reordering or inserting an entry breaks
the chain at that entry. What a keyless chain cannot show by itself: the loss of the newest
entries (tail truncation) or a wholesale rewrite by someone who recomputes every hash. Both
are caught by comparing against a head hash recorded elsewhere (``expect_head``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64
# request: one run (redact/export/sql) and its decision; completion: how it ended; notification:
# a subject notified; request_open / request_review: a request opened for review
# (``redactor request open``) and a reviewer's acceptance or rejection of its evidence.
KINDS = ("request", "completion", "notification", "request_open", "request_review")
KINDS_SQL = ", ".join(f"'{k}'" for k in KINDS)


def entry_hash(
    prev_hash: str, seq: int, kind: str, request_id: str, time: str, payload: str
) -> str:
    material = "\x1f".join((prev_hash, str(seq), kind, request_id, time, payload))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One stored row. ``payload`` is the canonical JSON text exactly as hashed."""

    seq: int
    kind: str
    request_id: str
    time: str
    payload: str
    prev_hash: str
    hash: str

    def payload_dict(self) -> dict:
        return json.loads(self.payload)

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "request_id": self.request_id,
            "time": self.time,
            "payload": self.payload_dict(),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class BadEntry:
    """The first entry at which the chain fails, and why."""

    seq: int
    request_id: str | None
    problem: str

    def __str__(self) -> str:
        rid = f" (request {self.request_id})" if self.request_id else ""
        return f"entry seq {self.seq}{rid}: {self.problem}"


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    head_seq: int
    head_hash: str
    first_bad: BadEntry | None = None
    guard_problems: tuple[str, ...] = ()
    expected_head_found: bool | None = None  # None: no expectation given

    @property
    def ok(self) -> bool:
        return (
            self.first_bad is None
            and not self.guard_problems
            and self.expected_head_found is not False
        )

    def problems(self) -> list[str]:
        out = [str(self.first_bad)] if self.first_bad else []
        out += list(self.guard_problems)
        if self.expected_head_found is False:
            out.append(
                "the expected head hash is not in the chain: entries recorded then "
                "have been removed or rewritten"
            )
        return out


def verify_entries(
    entries: Iterable[Entry],
    *,
    expect_head: str | None = None,
    guard_problems: tuple[str, ...] = (),
) -> VerifyResult:
    """Walk entries in ``seq`` order; stop at the first that does not fit the chain."""
    prev_hash, prev_seq, count = GENESIS, 0, 0
    requests: set[str] = set()
    completed: set[str] = set()
    opened: set[str] = set()
    found = None if expect_head is None else False
    expect = (expect_head or "").strip().lower()

    def bad(e: Entry, problem: str) -> VerifyResult:
        return VerifyResult(
            count,
            prev_seq,
            prev_hash,
            BadEntry(e.seq, e.request_id, problem),
            guard_problems,
            found,
        )

    for e in entries:
        if e.seq != prev_seq + 1:
            missing = (
                f"seq {prev_seq + 1}"
                if e.seq == prev_seq + 2
                else f"seq {prev_seq + 1}–{e.seq - 1}"
            )
            return bad(
                e,
                f"entries before it are missing ({missing} deleted)"
                if e.seq > prev_seq
                else "out of order",
            )
        if e.prev_hash != prev_hash:
            return bad(
                e,
                "does not link to the entry before it "
                "(an entry was inserted, deleted or moved here)",
            )
        if entry_hash(e.prev_hash, e.seq, e.kind, e.request_id, e.time, e.payload) != e.hash:
            return bad(e, "content differs from what was written (edited after logging)")
        try:
            payload = json.loads(e.payload)
        except ValueError:
            return bad(e, "payload is not JSON")
        if e.kind not in KINDS:
            return bad(e, f"unknown kind {e.kind!r}")
        if e.kind == "request":
            if payload.get("request_id") != e.request_id or e.request_id in requests:
                return bad(e, "request id does not match its payload or is logged twice")
            under = payload.get("opened_request")
            if under is not None and under not in opened:
                return bad(e, f"run under request {under}, which was never opened")
            requests.add(e.request_id)
        elif e.kind == "request_open":
            if payload.get("request_id") != e.request_id or e.request_id in opened:
                return bad(e, "opened request id does not match its payload or is opened twice")
            opened.add(e.request_id)
        elif e.kind == "request_review":
            if e.request_id not in opened:
                return bad(e, "review of a request that was never opened")
        elif e.kind == "notification":
            if e.request_id not in requests:
                return bad(e, "notification for a request that was never logged")
            if not isinstance(payload, dict) or not payload.get("pack"):
                return bad(e, "notification entry does not name its policy pack")
        else:
            if e.request_id not in requests or e.request_id in completed:
                return bad(e, "completion of a request that was never begun or already completed")
            completed.add(e.request_id)
        prev_hash, prev_seq, count = e.hash, e.seq, count + 1
        if found is False and e.hash == expect:
            found = True
    return VerifyResult(count, prev_seq, prev_hash, None, guard_problems, found)
