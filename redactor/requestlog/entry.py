"""What one log entry holds: a request (with its decision) or the completion of one.

Everything here is plain data that serialises to JSON; nothing holds a protected value (the
caller passes literal-stripped queries and credential-free URLs, and :meth:`RequestLog.begin`
strips them again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, Literal

from redactor.requestlog.notices import NoticeDue, notices_from_obligations

Command = Literal["redact", "sql", "export"]
Decision = Literal["released", "redacted", "refused"]
Status = Literal["completed", "failed"]
Outcome = Literal["released", "redacted", "refused", "failed", "incomplete"]

COMMANDS: tuple[str, ...] = ("redact", "sql", "export")
DECISIONS: tuple[str, ...] = ("released", "redacted", "refused")
STATUSES: tuple[str, ...] = ("completed", "failed")
OUTCOMES: tuple[str, ...] = ("released", "redacted", "refused", "failed", "incomplete")


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and a ``Z`` suffix."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize_time(value: str | datetime) -> str:
    """Any ISO 8601 time (naive means UTC) as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):  # e.g. an obligation's due date
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} cannot be written to the request log")


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` gives for the record's parts (dataclasses of strings,
    numbers, dicts and tuples), without its deep copy of every leaf: the leaves are immutable."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_plain(v) for v in value)
    return value


def _strs(value: Iterable[Any] | str | None, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    out = tuple(str(v) for v in value)
    if any(not v for v in out):
        raise ValueError(f"{what}: empty value")
    return out


@dataclass(frozen=True)
class Evidence:
    """What supports an exception: kind (court_order, judicial_warrant, …) and its reference."""

    kind: str
    reference: str
    issuer: str | None = None
    date: str | None = None
    attributes: Mapping[str, str] | None = None  # every ;name=value given (issuer, records, …)
    # claimed (typed with the request: lifts nothing) or accepted (by ``reviewer``, in the
    # review entry ``review``); None in entries written before reviews existed.
    status: str | None = None
    reviewer: str | None = None
    review: str | None = None

    def __post_init__(self) -> None:
        if self.attributes is not None:
            object.__setattr__(
                self, "attributes", {str(k): str(v) for k, v in sorted(self.attributes.items())}
            )

    @classmethod
    def coerce(cls, value: Evidence | Mapping[str, Any] | tuple | list) -> Evidence:
        if isinstance(value, Evidence):
            return value
        if isinstance(value, Mapping):
            keys = (
                "kind",
                "reference",
                "issuer",
                "date",
                "attributes",
                "status",
                "reviewer",
                "review",
            )
            return cls(**{k: value.get(k) for k in keys if value.get(k) is not None})
        if isinstance(value, tuple | list) and 2 <= len(value) <= 4:
            return cls(*(str(v) if v is not None else None for v in value))
        raise TypeError(f"evidence must be (kind, reference) or a mapping, not {type(value)}")


@dataclass(frozen=True)
class PackRef:
    """A policy pack as applied: id, version and the SHA-256 of its YAML."""

    id: str
    version: str
    sha256: str

    @classmethod
    def coerce(cls, value: PackRef | Mapping[str, Any] | tuple | list) -> PackRef:
        if isinstance(value, PackRef):
            return value
        if isinstance(value, Mapping):
            return cls(str(value["id"]), str(value["version"]), str(value["sha256"]))
        return cls(*(str(v) for v in value))


@dataclass(frozen=True)
class FieldMapRef:
    """A field map as applied: its name and the SHA-256 of its file (None if built in)."""

    name: str
    sha256: str | None = None

    @classmethod
    def coerce(
        cls, value: FieldMapRef | Mapping[str, Any] | tuple | list | str | None
    ) -> FieldMapRef | None:
        if value is None or isinstance(value, FieldMapRef):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            return cls(str(value["name"]), value.get("sha256"))
        return cls(*value)


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType({str(k): v for k, v in sorted((value or {}).items())})


@dataclass(frozen=True)
class RequestRecord:
    """One request and the policy decision on it, logged before any output is released.

    Sequences may be given as lists; they are stored as tuples. ``time`` (UTC ISO 8601) is set
    by the log when None. ``restricted`` says whether a pack's restriction was triggered for
    this request (the report's attestation uses it; when None, the report falls back to the
    stated purposes). ``dialect`` is the SQL dialect of ``query``, used to re-strip literals.
    """

    command: Command
    decision: Decision
    request_id: str | None = None
    requester: str | None = None
    agency: str | None = None
    purposes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    packs: tuple[PackRef, ...] = ()
    field_map: FieldMapRef | None = None
    source: str | None = None
    query: str | None = None
    dialect: str | None = None
    reasons: tuple[str, ...] = ()
    category_actions: Mapping[str, str] = field(default_factory=dict)
    columns_withheld: tuple[str, ...] = ()
    exceptions_granted: tuple[str, ...] = ()
    obligations: tuple[str, ...] | Mapping[str, Any] = ()
    restricted: bool | None = None
    redactor_version: str | None = None
    time: str | None = None
    # Notifications due (one per pack that requires one), computed by RequestLog.begin from
    # the obligation lines; older entries have none stored and are derived on reading.
    notices: tuple[NoticeDue, ...] = ()
    # The request opened with ``redactor request open`` this run belongs to (None: the request
    # was given on the command line, so its evidence is claims only).
    opened_request: str | None = None
    # The operating-system user who ran the command (beside the names given).
    os_user: str | None = None
    # The requesting agency as resolved against the recipient registry (canonical name, agency
    # group, entry id, alias matched); None when it is not a registry agency.
    recipient: Mapping[str, Any] | None = None
    # A rule applied because of who asks or an immigration-enforcement purpose (not only an
    # always-on rule); None in entries written before this was recorded. The attestation uses it.
    immigration_request: bool | None = None
    # Protected categories a triggered rule covers that were released because an exception
    # lifted the rule.
    categories_lifted: tuple[str, ...] = ()
    # A statement received by `redactor serve`: the login user, the session id and the
    # client's address (None for every other command, and in entries written before these were
    # fields of the record; such entries verify as they were written).
    login_user: str | None = None
    session: str | None = None
    client: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.command not in COMMANDS:
            raise ValueError(f"command must be one of {COMMANDS}, not {self.command!r}")
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {self.decision!r}")
        for name in (
            "purposes",
            "reasons",
            "columns_withheld",
            "exceptions_granted",
            "categories_lifted",
        ):
            set_(self, name, _strs(getattr(self, name), name))
        set_(self, "evidence", tuple(Evidence.coerce(e) for e in self.evidence))
        set_(self, "notices", tuple(NoticeDue.coerce(n) for n in self.notices))
        set_(self, "packs", tuple(PackRef.coerce(p) for p in self.packs))
        set_(self, "field_map", FieldMapRef.coerce(self.field_map))
        if self.recipient is not None:
            set_(self, "recipient", _frozen_mapping(self.recipient))
        set_(
            self,
            "category_actions",
            _frozen_mapping({str(k): str(v) for k, v in dict(self.category_actions).items()}),
        )
        if isinstance(self.obligations, Mapping):
            set_(self, "obligations", _frozen_mapping(self.obligations))
        else:
            set_(self, "obligations", _strs(self.obligations, "obligations"))
        if self.time is not None:
            set_(self, "time", normalize_time(self.time))
        # fail now, not at append time, if not serialisable; kept: it is what the log appends
        set_(self, "_canonical", canonical_json(self.to_payload()))

    def canonical(self) -> str:
        """The entry's canonical JSON (:func:`canonical_json` of :meth:`to_payload`)."""
        return self._canonical  # type: ignore[attr-defined]  # set by __post_init__

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, FieldMapRef):
                value = _plain(value)
            elif isinstance(value, tuple):
                value = [_plain(v) if hasattr(v, "__dataclass_fields__") else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RequestRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})

    def notices_due(self) -> tuple[NoticeDue, ...]:
        """The notices stored with the request, or (for an entry written before they were
        stored) derived from its obligation lines and time."""
        if self.notices or self.time is None:
            return self.notices
        return notices_from_obligations(self.obligations, self.time)


@dataclass(frozen=True)
class Completion:
    """How a request ended: appended as its own entry once the output is (or is not) written.

    ``error`` is a one-line message that never contains data values.
    """

    status: Status
    rows_in: int | None = None
    rows_out: int | None = None
    output_sha256: str | None = None
    output: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.error is not None:
            object.__setattr__(self, "error", " ".join(str(self.error).split()))

    def to_payload(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Completion:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})
