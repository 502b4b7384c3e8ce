"""A request for data: who asks, for which agency, for what stated purposes, with what evidence.

A stated purpose is a claim and is recorded as such. So is evidence typed with a request: an
:class:`Evidence` lifts a rule only once a reviewer accepted it (``reviewer`` set, by
``redactor request review``); until then it is logged and lifts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redactor.errors import UsageError

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


_ATTR = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One document supporting an exception: ``court_order:2026CR1234``.

    Attributes a pack may require follow the reference, each ``;name=value``:
    ``judicial_warrant:2026-MJ-123;issuer=article_iii_judge;records=2``. Names are lower-case
    words (``issuer``, ``date``, ``records``, ``court``); a value may not contain ``;``. The
    reference itself may contain ``:`` (``1:26-mj-00042``) but not ``;``.
    """

    kind: str
    reference: str
    attributes: tuple[tuple[str, str], ...] = ()
    # Who accepted it after checking the document (``request review --accept``); None: a claim.
    reviewer: str | None = None
    review_id: str | None = None  # the log entry (seq) of that review, when known

    @property
    def key(self) -> str:
        """``KIND:REFERENCE``: how a review names it."""
        return f"{self.kind}:{self.reference}"

    @property
    def accepted(self) -> bool:
        return bool(self.reviewer)

    def accepted_by(self, reviewer: str, review_id: str | None = None) -> Evidence:
        """This evidence as accepted by ``reviewer`` (a new object; claims stay claims)."""
        if not reviewer.strip():
            raise UsageError("A reviewer's name cannot be empty")
        return Evidence(self.kind, self.reference, self.attributes, reviewer.strip(), review_id)

    @classmethod
    def parse(cls, text: str) -> Evidence:
        head, *attr_parts = text.split(";")
        kind, sep, ref = head.partition(":")
        kind = kind.strip().lower().replace("-", "_")
        ref = ref.strip()
        if not sep or not _KIND.match(kind) or not ref:
            raise UsageError(
                f"Evidence {text!r} is not of the form KIND:REFERENCE[;NAME=VALUE …]",
                hint="e.g. --evidence court_order:2026CR1234 or "
                "--evidence 'judicial_warrant:26-MJ-123;issuer=article_iii_judge' "
                "(see `redactor policy show` for kinds and attributes)",
            )
        attrs: dict[str, str] = {}
        for part in attr_parts:
            if not part.strip():
                continue
            name, eq, value = part.partition("=")
            name = name.strip().lower().replace("-", "_")
            value = value.strip()
            if not eq or not _ATTR.match(name) or not value:
                raise UsageError(
                    f"Evidence attribute {part.strip()!r} in {text!r} is not NAME=VALUE",
                    hint="e.g. ;issuer=article_iii_judge or ;records=2",
                )
            if name in attrs:
                raise UsageError(f"Evidence attribute {name!r} is given twice in {text!r}")
            attrs[name] = value
        return cls(kind=kind, reference=ref, attributes=tuple(sorted(attrs.items())))

    def attr(self, name: str) -> str | None:
        return dict(self.attributes).get(name)

    def to_log(self) -> dict[str, object]:
        """The request log's form of this evidence (kind, reference, issuer, date, attributes)."""
        out: dict[str, object] = {
            "kind": self.kind,
            "reference": self.reference,
            "status": "accepted" if self.accepted else "claimed",
        }
        if self.reviewer:
            out["reviewer"] = self.reviewer
        if self.review_id:
            out["review"] = self.review_id
        attrs = dict(self.attributes)
        for key in ("issuer", "date"):
            if key in attrs:
                out[key] = attrs[key]
        if attrs:
            out["attributes"] = attrs
        return out

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference}" + "".join(f";{k}={v}" for k, v in self.attributes)


def normalize_purpose(p: str) -> str:
    return p.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True, slots=True)
class Request:
    purposes: tuple[str, ...]
    requester: str | None = None
    agency: str | None = None
    evidence: tuple[Evidence, ...] = ()
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The request id opened with ``redactor request open`` this run belongs to, if any.
    opened_request: str | None = None

    @property
    def claims(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if not e.accepted)

    @property
    def accepted_evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.accepted)

    def __post_init__(self) -> None:
        if not self.purposes:
            raise UsageError(
                "A request needs at least one stated purpose",
                hint="add --purpose, e.g. --purpose civil_immigration_enforcement",
            )
        # Normalise and de-duplicate, keeping order; a frozen dataclass needs object.__setattr__.
        seen = tuple(dict.fromkeys(normalize_purpose(p) for p in self.purposes if p.strip()))
        if not seen:
            raise UsageError("A request needs at least one non-empty stated purpose")
        object.__setattr__(self, "purposes", seen)


def opened_request(request_id: str, log_target: str | None) -> tuple[Request, tuple[str, ...]]:
    """The Request of an opened request (accepted evidence carries its reviewer; claims stay
    claims; rejected evidence is left out) and the policies it was opened under."""
    request, policies, _ = opened_with_packs(request_id, log_target)
    return request, policies


def opened_with_packs(
    request_id: str, log_target: str | None
) -> tuple[Request, tuple[str, ...], dict[str, str]]:
    """:func:`opened_request`, and the SHA-256 of each pack as it was when the request was
    opened (a pack changed since is decided as it is now, with a warning)."""
    from redactor.requestlog import open_log

    with open_log(log_target, create=False) as log:
        rid = log.resolve_id(request_id, opened=True)
        view = log.opened(rid)
    o = view.opened
    evidence: list[Evidence] = []
    for st in view.evidence_states():
        if st.status == "rejected":
            continue
        e = st.evidence
        attrs = dict(e.attributes or {})
        ev = Evidence(e.kind, e.reference, tuple(sorted(attrs.items())))
        if st.status == "accepted" and st.reviewer:
            ev = ev.accepted_by(st.reviewer, str(st.review_seq) if st.review_seq else None)
        evidence.append(ev)
    received = datetime.fromisoformat(o.time.replace("Z", "+00:00")) if o.time else None
    kwargs = {"received": received} if received else {}
    request = Request(
        purposes=o.purposes,
        requester=o.requester,
        agency=o.agency,
        evidence=tuple(evidence),
        opened_request=rid,
        **kwargs,
    )
    return request, o.policies, {p.id: p.sha256 for p in o.packs}
