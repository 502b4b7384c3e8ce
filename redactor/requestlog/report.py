"""The quarterly report, computed from a verified log: counts, exceptions, refusals, attestation.

The report holds no personal data: agencies, stated purposes, outcomes, request ids, evidence
kinds and references (docket or citation numbers), categories and rule reasons, all of them
claims or policy terms the log holds. Requester names are left out (they stay in the log,
available through ``redactor log show``). Free text that a run wrote (a failed run's error
message, a notification's ground) is scrubbed first (:mod:`redactor.requestlog.report_scrub`).

Runs that stopped before any record was read (a wrong file, table or column, an unreadable
input: :func:`is_operator_error`) are kept out of every count and listed on their own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta

from redactor.requestlog.chain import VerifyResult
from redactor.requestlog.entry import OUTCOMES, utc_now
from redactor.requestlog.errors import LogTamperedError
from redactor.requestlog.log import RequestLog
from redactor.requestlog.notices import NOTICE_STATES, notice_state
from redactor.requestlog.views import RequestFilter, RequestView

# Used for the attestation only when a record does not say whether a restriction applied.
RESTRICTED_PURPOSES = frozenset(
    {"civil_immigration_enforcement", "criminal_immigration_enforcement"}
)
NO_AGENCY = "(not stated)"
NO_PURPOSE = "(none stated)"
_DELIVERED = ("released", "redacted", "incomplete")  # incomplete: output may have been released


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    @classmethod
    def quarter(cls, text: str) -> Period:
        m = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", text)
        if not m:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2026Q3)")
        year, q = int(m.group(1)), int(m.group(2))
        start = date(year, 3 * q - 2, 1)
        end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
        return cls(start, end, f"{year}Q{q}")

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        return cls(start, end, f"{start.isoformat()} to {end.isoformat()}")

    def months(self) -> list[str]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ReportMeta:
    """Who the report is from and who signs it (from options now, a config file later)."""

    agency_name: str | None = None
    preparer: str | None = None
    attest_name: str | None = None
    attest_title: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            text = " ".join(str(value).split())
            if not text:
                object.__setattr__(self, f.name, None)
                continue
            if _ONE_LINE.search(text) or len(text) > 200:
                raise ValueError(
                    f"--{f.name.replace('_', '-')} must be one line of at most 200 characters"
                )
            object.__setattr__(self, f.name, text)


@dataclass(frozen=True)
class Immigration:
    """The period's requests that stated or implied immigration enforcement."""

    total: int
    stated: int  # an immigration-enforcement purpose was stated
    implied: int  # a rule applied because of who asked (ICE asking "for research")
    totals: dict[str, int]
    by_month: dict[str, dict[str, int]]
    identity_released: int  # delivered protected categories, each under a reviewed exception
    released_categories: tuple[str, ...]


@dataclass(frozen=True)
class CountRow:
    agency: str  # canonical: the registry agency (ICE for "ERO Denver"), else the name as given
    purposes: str
    outcome: str
    requests: int
    names: str = ""  # the names as typed that were grouped under ``agency``


@dataclass(frozen=True)
class ListedRequest:
    """One request named in the report: ids, dates, agencies and policy terms only."""

    request_id: str
    date: str
    agency: str
    purposes: str
    outcome: str
    exceptions: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    released_categories: tuple[str, ...] = ()
    note: str | None = None
    reviewers: tuple[str, ...] = ()  # who accepted the evidence the exceptions rest on
    opened_request: str | None = None


@dataclass(frozen=True)
class NoticeRow:
    """A subject notification due for a request in the period, and what became of it."""

    request_id: str
    date: str
    agency: str
    pack: str
    due: str
    state: str  # on_time | late | suppressed | due | overdue (as of the report)
    notified_on: str | None = None
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PackSection:
    """What one policy pack did over the period."""

    pack: str
    versions: tuple[str, ...]
    requests: int
    restricted: int  # requests a rule of this pack applied to
    totals: dict[str, int]
    exceptions: tuple[str, ...]  # "request-id: exception: evidence"
    notices: dict[str, int]
    duties: tuple[str, ...]  # reporting duties stated by the pack (from the decisions)


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: str
    log_entries: int
    log_head_hash: str
    total: int
    totals: dict[str, int]
    rows: tuple[CountRow, ...]
    by_month: dict[str, dict[str, int]]
    exceptions: tuple[ListedRequest, ...]
    refused: tuple[ListedRequest, ...]
    unfinished: tuple[ListedRequest, ...]
    violations: tuple[ListedRequest, ...]
    notices: tuple[NoticeRow, ...] = ()
    packs: tuple[PackSection, ...] = ()
    as_of: str = ""
    meta: ReportMeta = field(default_factory=ReportMeta)
    operator_errors: tuple[ListedRequest, ...] = ()
    immigration: Immigration | None = None
    agencies: tuple[tuple[str, int, int], ...] = ()  # (canonical agency, requests, immigration)
    exceptions_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> tuple[str, ...]:
        """The plain-language summary the report opens with."""
        from redactor.requestlog.report_summary import summary_sentences

        return summary_sentences(self)

    @property
    def notice_totals(self) -> dict[str, int]:
        return {s: sum(n.state == s for n in self.notices) for s in NOTICE_STATES}

    @property
    def notices_missed(self) -> int:
        return sum(n.state in ("late", "overdue") for n in self.notices)

    @property
    def attested(self) -> bool:
        return not self.violations

    @property
    def attestation(self) -> str:
        if self.attested:
            return (
                f"No request logged from {self.period.start} to {self.period.end} was granted "
                f"for a prohibited purpose: every request under a restricted purpose either "
                f"withheld all protected categories or was released under an exception with "
                f"recorded evidence ({self.total} requests, computed from the verified log)."
            )
        return (
            f"ATTESTATION WITHHELD: {len(self.violations)} request(s) under a restricted "
            f"purpose released protected categories without an exception supported by "
            f"recorded evidence; they are listed under 'Requests that prevent attestation'."
        )

    def to_dict(self) -> dict:
        return {
            "meta": asdict(self.meta),
            "summary": list(self.summary),
            "period": {
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "generated_at": self.generated_at,
            "log": {"entries": self.log_entries, "head_hash": self.log_head_hash, "verified": True},
            "attested": self.attested,
            "attestation": self.attestation,
            "total": self.total,
            "totals": self.totals,
            "rows": [asdict(r) for r in self.rows],
            "by_month": self.by_month,
            "exceptions": [asdict(r) for r in self.exceptions],
            "refused": [asdict(r) for r in self.refused],
            "unfinished": [asdict(r) for r in self.unfinished],
            "violations": [asdict(r) for r in self.violations],
            "notifications": {
                "as_of": self.as_of,
                "totals": self.notice_totals,
                "missed": self.notices_missed,
                "items": [asdict(n) for n in self.notices],
            },
            "packs": [asdict(p) for p in self.packs],
            "immigration": asdict(self.immigration) if self.immigration else None,
            "agencies": [
                {"agency": a, "requests": n, "immigration": m} for a, n, m in self.agencies
            ],
            "exceptions_by_kind": self.exceptions_by_kind,
            "operator_errors": [asdict(r) for r in self.operator_errors],
        }


def canonical_agency(view: RequestView) -> str:
    """The agency a request is counted under: a registry agency by its canonical top agency
    (every name of ICE together), any other by its name with case and spacing normalised."""
    rec = view.record.recipient
    if rec is None and view.record.agency:  # an entry written before agencies were resolved
        from redactor.policy.recipients import match_recipient

        hit = match_recipient(view.record.agency)
        rec = hit.to_log() if hit else None
    if rec and rec.get("agency") and rec.get("agency") != "UNLISTED":
        try:
            from redactor.policy.recipients import registry

            entry = registry().entry(str(rec["agency"]))
            return f"{entry.name} ({entry.id})"
        except (StopIteration, Exception):  # an agency id no longer in the registry
            return str(rec["agency"])
    if view.record.agency:
        return " ".join(view.record.agency.split())
    return NO_AGENCY


def _reviewers(view: RequestView) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.reviewer for e in view.record.evidence if e.reviewer))


def _purposes(view: RequestView) -> str:
    return " + ".join(sorted(view.record.purposes)) or NO_PURPOSE


def _evidence(view: RequestView) -> tuple[str, ...]:
    return tuple(
        f"{e.kind}: {e.reference}"
        + (
            f" (accepted by {e.reviewer})"
            if e.reviewer
            else " (claimed)"
            if e.status == "claimed"
            else ""
        )
        for e in view.record.evidence
    )


def released_protected(view: RequestView) -> tuple[str, ...]:
    """Protected categories this request's decision let through unchanged."""
    actions = view.record.category_actions
    if not actions and view.record.decision == "released":
        return ("(all fields)",)
    return tuple(c for c, a in actions.items() if a in ("release", "keep") and c != "none")


def is_restricted(view: RequestView) -> bool:
    """Whether the law restricts this request: a rule applied because of who asks or an
    immigration-enforcement purpose (``immigration_request``). An always-on rule (status
    withheld from everyone) does not make a routine request restricted. Older entries fall back
    to ``restricted``, then to the stated purposes."""
    if view.record.immigration_request is not None:
        return view.record.immigration_request
    if view.record.restricted is not None:
        return view.record.restricted
    return bool(RESTRICTED_PURPOSES.intersection(view.record.purposes))


def violation_note(view: RequestView) -> str | None:
    """Why this request prevents attestation (a release the law forbids), or None."""
    if not is_restricted(view) or view.outcome not in _DELIVERED:
        return None
    rec = view.record
    if rec.immigration_request is not None:  # entries that say what an exception released
        if not rec.categories_lifted:
            return None  # only categories no triggered rule protects were released
        if not rec.exceptions_granted:
            return "protected categories released under a restricted request with no exception"
        if not any(e.status == "accepted" and e.reviewer for e in rec.evidence):
            return "exception granted on evidence no reviewer accepted (a claim)"
        return None
    released = released_protected(view)
    if not released:
        return None
    if not rec.exceptions_granted:
        return "protected categories released under a restricted purpose with no exception"
    if not rec.evidence:
        return "exception granted but no evidence recorded"
    if all(e.status == "claimed" for e in rec.evidence):
        return "exception granted on evidence no reviewer accepted (a claim)"
    return None


def _listed(view: RequestView, **extra) -> ListedRequest:
    return ListedRequest(
        view.request_id,
        view.day.isoformat(),
        canonical_agency(view),
        _purposes(view),
        view.outcome,
        reviewers=_reviewers(view),
        opened_request=view.record.opened_request,
        **extra,
    )


def _notice_rows(
    views: list[RequestView], today: date, clean: dict[str, str]
) -> tuple[NoticeRow, ...]:
    rows = []
    for v in views:
        made = {n.pack: n for n in v.notifications}
        for notice in v.record.notices_due():
            rec = made.get(notice.pack)
            rows.append(
                NoticeRow(
                    v.request_id,
                    v.day.isoformat(),
                    v.record.agency or NO_AGENCY,
                    notice.pack,
                    notice.due,
                    notice_state(notice, rec, today),
                    rec.on if rec else None,
                    clean.get(rec.reference, rec.reference) if rec and rec.reference else None,
                    clean.get(rec.reason, rec.reason) if rec and rec.reason else None,
                )
            )
    return tuple(rows)


def is_operator_error(view: RequestView) -> bool:
    """A run that stopped before it read a single record and released nothing: a wrong file,
    table or column name, an unreadable input. It is not a request the agency answered (the
    operator runs it again), so it is kept out of the counts and listed on its own. A run with
    no completion is never one: its output may have been released."""
    c = view.completion
    return (
        view.outcome == "failed"
        and c is not None
        and not c.rows_in
        and not c.rows_out
        and c.output_sha256 is None
    )


def exception_kind(granted: str) -> str:
    """``colorado-sb21-131/judicial_process: court_order:26-1`` -> ``judicial_process``."""
    head = granted.split(": ", 1)[0]
    return head.rsplit("/", 1)[-1].strip() or granted


def stated_immigration(view: RequestView) -> bool:
    """An immigration-enforcement purpose was stated (else the restriction was implied by who
    asked)."""
    return bool(RESTRICTED_PURPOSES.intersection(view.record.purposes))


def identity_released(view: RequestView) -> tuple[str, ...]:
    """Protected categories a restricted request delivered (lawfully or not)."""
    if not is_restricted(view) or view.outcome not in _DELIVERED:
        return ()
    if view.record.immigration_request is not None:
        return view.record.categories_lifted
    return released_protected(view)


def _immigration(views: list[RequestView], period: Period) -> Immigration:
    mine = [v for v in views if is_restricted(v)]
    by_month = {m: dict.fromkeys(OUTCOMES, 0) for m in period.months()}
    for v in mine:
        by_month[v.day.strftime("%Y-%m")][v.outcome] += 1
    totals = Counter(v.outcome for v in mine)
    lawful = [v for v in mine if identity_released(v) and violation_note(v) is None]
    return Immigration(
        total=len(mine),
        stated=sum(stated_immigration(v) for v in mine),
        implied=sum(not stated_immigration(v) for v in mine),
        totals={o: totals.get(o, 0) for o in OUTCOMES},
        by_month=by_month,
        identity_released=len(lawful),
        released_categories=tuple(sorted({c for v in lawful for c in identity_released(v)})),
    )


def _texts_to_scrub(views: list[RequestView]) -> list[str]:
    out = [v.completion.error for v in views if v.completion and v.completion.error]
    for v in views:
        for n in v.notifications:
            out += [t for t in (n.reference, n.reason) if t]
    return out


def _pack_sections(
    views: list[RequestView], notices: tuple[NoticeRow, ...]
) -> tuple[PackSection, ...]:
    ids = sorted({p.id for v in views for p in v.record.packs})
    out = []
    for pid in ids:
        mine = [v for v in views if any(p.id == pid for p in v.record.packs)]
        prefix = f"{pid}/"
        restricted = [
            v
            for v in mine
            if any(r.startswith(prefix) for r in v.record.reasons)
            or any(str(o).startswith(f"{pid}:") for o in v.record.obligations)
        ]
        totals = Counter(v.outcome for v in mine)
        exceptions = tuple(
            f"{v.request_id}: {g.removeprefix(prefix)}"
            for v in mine
            for g in v.record.exceptions_granted
            if g.startswith(prefix)
        )
        duties = tuple(
            sorted(
                {
                    str(o).split(": ", 1)[1]
                    for v in mine
                    for o in v.record.obligations
                    if isinstance(o, str) and o.startswith(f"{pid}: report")
                }
            )
        )
        pn = [n for n in notices if n.pack == pid]
        out.append(
            PackSection(
                pack=pid,
                versions=tuple(
                    sorted({p.version for v in mine for p in v.record.packs if p.id == pid})
                ),
                requests=len(mine),
                restricted=len(restricted),
                totals={o: totals.get(o, 0) for o in OUTCOMES},
                exceptions=exceptions,
                notices={s: sum(n.state == s for n in pn) for s in NOTICE_STATES},
                duties=duties,
            )
        )
    return tuple(out)


def build_report(
    views: list[RequestView],
    period: Period,
    verified: VerifyResult,
    today: date | None = None,
    meta: ReportMeta | None = None,
) -> Report:
    """The report over ``views`` (already filtered to the period) from a verified log.
    Notification states are judged as of ``today`` (default: today, UTC). Operator errors
    (:func:`is_operator_error`) are listed, never counted."""
    from redactor.requestlog.report_scrub import scrub_notes

    today = today or datetime.now(UTC).date()
    clean = scrub_notes(_texts_to_scrub(views))
    notices = _notice_rows(views, today, clean)
    errors = [v for v in views if is_operator_error(v)]
    views = [v for v in views if not is_operator_error(v)]
    groups: dict[str, str] = {}  # casefolded canonical -> the first spelling seen
    names: dict[tuple[str, str, str], dict[str, None]] = {}
    keyed = []
    per_agency: Counter[str] = Counter()
    per_agency_imm: Counter[str] = Counter()
    for v in views:
        canon = canonical_agency(v)
        label = groups.setdefault(canon.casefold(), canon)
        key = (label, _purposes(v), v.outcome)
        names.setdefault(key, {})[" ".join((v.record.agency or NO_AGENCY).split())] = None
        keyed.append(key)
        per_agency[label] += 1
        per_agency_imm[label] += is_restricted(v)
    counts = Counter(keyed)
    totals = Counter(v.outcome for v in views)
    by_month = {m: dict.fromkeys(OUTCOMES, 0) for m in period.months()}
    for v in views:
        by_month[v.day.strftime("%Y-%m")][v.outcome] += 1
    violations = []
    for v in views:
        note = violation_note(v)
        if note:
            violations.append(
                _listed(
                    v,
                    exceptions=v.record.exceptions_granted,
                    evidence=_evidence(v),
                    released_categories=released_protected(v),
                    note=note,
                )
            )
    kinds = Counter(exception_kind(g) for v in views for g in v.record.exceptions_granted)

    def stopped(v: RequestView) -> str:
        if v.completion is None:
            return "no completion recorded (process stopped before finishing)"
        error = v.completion.error or "failed (no message recorded)"
        return clean.get(error, error)

    return Report(
        period=period,
        generated_at=utc_now(),
        log_entries=verified.entries,
        log_head_hash=verified.head_hash,
        total=len(views),
        totals={o: totals.get(o, 0) for o in OUTCOMES},
        rows=tuple(
            CountRow(a, p, o, n, "; ".join(names[(a, p, o)]))
            for (a, p, o), n in sorted(counts.items())
        ),
        by_month=by_month,
        exceptions=tuple(
            _listed(v, exceptions=v.record.exceptions_granted, evidence=_evidence(v))
            for v in views
            if v.record.exceptions_granted
        ),
        refused=tuple(
            _listed(v, reasons=v.record.reasons) for v in views if v.outcome == "refused"
        ),
        unfinished=tuple(
            _listed(v, note=stopped(v)) for v in views if v.outcome in ("failed", "incomplete")
        ),
        violations=tuple(violations),
        notices=notices,
        packs=_pack_sections(views, notices),
        as_of=today.isoformat(),
        meta=meta or ReportMeta(),
        operator_errors=tuple(_listed(v, note=stopped(v)) for v in errors),
        immigration=_immigration(views, period),
        agencies=tuple(
            (a, n, per_agency_imm[a])
            for a, n in sorted(per_agency.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        exceptions_by_kind=dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def report_from_log(
    log: RequestLog, period: Period, today: date | None = None, meta: ReportMeta | None = None
) -> Report:
    """Verify the whole log, then report on the period. A log that fails verification is not
    reported on: an attestation must not rest on a tampered record."""
    verified = log.verify()
    if not verified.ok:
        raise LogTamperedError(
            f"the request log at {log.location} fails verification; no report was written: "
            f"{verified.problems()[0]}",
            hint="run `redactor log verify` and investigate before reporting",
        )
    views = log.requests(RequestFilter(start=period.start, end=period.end))
    return build_report(views, period, verified, today, meta)
