"""Subject notification: the duty a pack records in a decision, its due date, and its record.

A pack that makes the agency tell a person that their record was asked for (New York: within 3
days of the request; Illinois and Massachusetts: within 3 business days of receiving the order)
puts one obligation line per pack in the decision, in the fixed grammar of
:meth:`NotifyDuty.text`. :meth:`RequestLog.begin` parses those lines and stores a
:class:`NoticeDue` (with the due date) in the request entry, so the due date is part of the
hashed record. A notification made (or lawfully withheld) is appended later as its own
``notification`` entry: the log is never updated.

Business days are Monday to Friday with no holiday calendar (see docs/policies.md): a due date
may therefore fall on a public holiday, which is early, never late.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

NoticeState = Literal["on_time", "late", "suppressed", "due", "overdue"]
NOTICE_STATES: tuple[str, ...] = ("on_time", "late", "suppressed", "due", "overdue")
NotificationStatus = Literal["made", "suppressed"]

_NOTIFY = re.compile(
    r"^(?P<pack>[^:\s]+): notify the subject within (?P<days>\d+) "
    r"(?P<unit>business days|days) of (?P<anchor>request received|order received|disclosure)"
    r"(?P<before>, before disclosure)?(?: \(time zone (?P<tz>[^)\s]+)\))?$"
)


@dataclass(frozen=True)
class NotifyDuty:
    """One pack's duty to notify the subject, as the decision states it."""

    pack: str
    days: int
    business_days: bool = False
    anchor: str = "request_received"
    before_disclosure: bool = False
    timezone: str | None = None

    def text(self) -> str:
        unit = "business days" if self.business_days else "days"
        out = (
            f"{self.pack}: notify the subject within {self.days} {unit} of "
            f"{self.anchor.replace('_', ' ')}"
        )
        if self.before_disclosure:
            out += ", before disclosure"
        if self.timezone:
            out += f" (time zone {self.timezone})"
        return out

    @classmethod
    def parse(cls, text: str) -> NotifyDuty | None:
        m = _NOTIFY.match(text.strip())
        if not m:
            return None
        return cls(
            pack=m["pack"],
            days=int(m["days"]),
            business_days=m["unit"] != "days",
            anchor=m["anchor"].replace(" ", "_"),
            before_disclosure=bool(m["before"]),
            timezone=m["tz"],
        )


def add_business_days(start: date, n: int) -> date:
    """``n`` working days (Monday to Friday) after ``start``; a weekend start counts from the
    next Monday (Saturday + 3 business days = Wednesday)."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def received_day(time_utc: str, timezone: str | None) -> date:
    """The calendar day a request (logged in UTC) was received on, where the law counts it.

    With a time zone the local day; without one, or if the zone is unknown on this machine,
    the day at UTC-12, the earliest anywhere, so that a due date is never computed late.
    """
    moment = datetime.fromisoformat(time_utc.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if timezone:
        try:
            from zoneinfo import ZoneInfo

            return moment.astimezone(ZoneInfo(timezone)).date()
        except Exception:  # no tz database here: fall back to the earliest day (fail early)
            pass
    return (moment.astimezone(UTC) - timedelta(hours=12)).date()


@dataclass(frozen=True)
class NoticeDue:
    """A notification due for one request under one pack, as stored in the request entry."""

    pack: str
    due: str  # ISO date: the last day on which notice is on time
    received: str  # ISO date the count starts from
    days: int
    business_days: bool
    anchor: str
    before_disclosure: bool = False
    timezone: str | None = None

    @classmethod
    def from_duty(cls, duty: NotifyDuty, time_utc: str) -> NoticeDue:
        start = received_day(time_utc, duty.timezone)
        due = (
            add_business_days(start, duty.days)
            if duty.business_days
            else start + timedelta(days=duty.days)
        )
        return cls(
            duty.pack,
            due.isoformat(),
            start.isoformat(),
            duty.days,
            duty.business_days,
            duty.anchor,
            duty.before_disclosure,
            duty.timezone,
        )

    @classmethod
    def coerce(cls, value: NoticeDue | Mapping[str, Any]) -> NoticeDue:
        if isinstance(value, NoticeDue):
            return value
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in known})

    @property
    def due_date(self) -> date:
        return date.fromisoformat(self.due)

    @property
    def rule(self) -> str:
        unit = "business days" if self.business_days else "days"
        return f"within {self.days} {unit} of {self.anchor.replace('_', ' ')}"


def notices_from_obligations(
    obligations: Iterable[str] | Mapping[str, Any], time_utc: str
) -> tuple[NoticeDue, ...]:
    """The notifications due for a request, from its decision's obligation lines."""
    if isinstance(obligations, Mapping):
        return ()
    out: dict[str, NoticeDue] = {}
    for line in obligations:
        duty = NotifyDuty.parse(str(line))
        if duty is not None and duty.pack not in out:
            out[duty.pack] = NoticeDue.from_duty(duty, time_utc)
    return tuple(out.values())


@dataclass(frozen=True)
class Notification:
    """A ``notification`` entry: notice was given (``made``) or lawfully withheld
    (``suppressed``, with the ground) for one request under one pack.

    ``reference`` points to the agency's own record of the letter (never the person's name or
    address); ``by`` is the official who records it.
    """

    pack: str
    status: NotificationStatus
    on: str  # ISO date the notice was sent (or the decision to withhold it was made)
    reference: str | None = None
    by: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ("made", "suppressed"):
            raise ValueError(f"status must be made or suppressed, not {self.status!r}")
        date.fromisoformat(self.on)
        if self.status == "suppressed" and not (self.reason or "").strip():
            raise ValueError("a suppressed notification needs the reason (the lawful ground)")
        for name in ("reference", "by", "reason"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, " ".join(str(value).split()) or None)

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Notification:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


def notice_state(notice: NoticeDue, made: Notification | None, today: date) -> NoticeState:
    """on_time / late / suppressed when recorded; else due (today ≤ due date) or overdue."""
    if made is not None:
        if made.status == "suppressed":
            return "suppressed"
        return "on_time" if date.fromisoformat(made.on) <= notice.due_date else "late"
    return "due" if today <= notice.due_date else "overdue"
