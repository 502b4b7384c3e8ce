"""The policy-pack schema: one law or directive as data, validated on load.

A pack says which categories it protects (rules), what triggers each rule (a stated purpose with
a ``sole`` or ``any`` test, the recipient agency, or always), which exceptions lift it and what
evidence each exception accepts or rejects, the default action per category, and the obligations
(log, notify the subject, report). See docs/policies.md.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from redactor.actions_rules import action_problem
from redactor.categories import Action, Category
from redactor.policy.issuers import COURT_KINDS, ISSUERS, NEVER_COURT


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Source(_Frozen):
    key: str
    url: str | None = None
    note: str | None = None


class Instrument(_Frozen):
    kind: Literal["statute", "regulation", "guidance", "executive_order", "directive", "policy"]
    cite: str
    date: dt.date | None = None


class Effective(_Frozen):
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")


class Purpose(_Frozen):
    description: str
    immigration_enforcement: bool = False  # used by reports to flag restricted-purpose requests


class Trigger(_Frozen):
    """One condition; a rule fires when any of its triggers holds.

    - ``always: true`` fires for every request;
    - ``purposes`` + ``test``: ``any`` fires when a stated purpose is among them, ``sole`` only
      when every stated purpose is among them;
    - ``recipients``: fires when the requesting agency is one of these agencies or classes;
    - ``registry: true``: fires when the requesting agency is in the shared recipient registry
      of immigration-enforcement agencies (``redactor policy recipients``), or names none.
    """

    always: bool = False
    purposes: tuple[str, ...] = ()
    test: Literal["any", "sole"] = "any"
    recipients: tuple[str, ...] = ()
    registry: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Trigger:
        kinds = sum([self.always, bool(self.purposes), bool(self.recipients), self.registry])
        if kinds != 1:
            raise ValueError(
                "a trigger needs exactly one of always, purposes, recipients or registry"
            )
        return self


class AcceptedEvidence(_Frozen):
    """One kind of evidence an exception accepts, and the attributes it must carry.

    ``require`` maps an attribute name to the values accepted (``[article_iii_judge]``) or to
    ``"*"`` (any non-empty value). In YAML a bare kind (``- court_order``) requires nothing.
    """

    kind: str
    require: dict[str, tuple[str, ...] | Literal["*"]] = {}
    # Regular expressions (case-insensitive, searched) over the evidence reference, e.g. a
    # statute citation: it must match ``reference_matches`` and must not match
    # ``reference_excludes`` (8 U.S.C. 1373 reaches status only, not addresses).
    reference_matches: str | None = None
    reference_excludes: str | None = None
    note: str | None = None

    @field_validator("reference_matches", "reference_excludes")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as e:
                raise ValueError(f"not a regular expression: {e}") from None
        return v

    @field_validator("require")
    @classmethod
    def _values(
        cls, v: dict[str, tuple[str, ...] | Literal["*"]]
    ) -> dict[str, tuple[str, ...] | Literal["*"]]:
        for name, allowed in v.items():
            if allowed != "*" and not allowed:
                raise ValueError(f"require.{name}: list the accepted values, or '*' for any")
        return v


class EvidenceRule(_Frozen):
    accept: tuple[AcceptedEvidence, ...]
    reject: tuple[str, ...] = ()

    @field_validator("accept", mode="before")
    @classmethod
    def _bare_kinds(cls, v: object) -> object:
        if isinstance(v, list | tuple):
            return [{"kind": x} if isinstance(x, str) else x for x in v]
        return v

    @field_validator("accept")
    @classmethod
    def _non_empty(cls, v: tuple[AcceptedEvidence, ...]) -> tuple[AcceptedEvidence, ...]:
        if not v:
            raise ValueError("an exception must accept at least one kind of evidence")
        return v

    @property
    def accepted_kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.kind for a in self.accept))


class Exception_(_Frozen):
    summary: str
    cite: str | None = None
    purposes: tuple[str, ...] = ()  # when set, a stated purpose must be one of these
    evidence: EvidenceRule
    limit_categories: tuple[Category, ...] = ()  # when set, lifts the rule only for these
    # "Only the records specifically requested": the accepted evidence must say how many
    # individual records it names (attribute ``records``, a positive integer); the decision then
    # caps the release at that many records (Decision.record_limit).
    specific_records: bool = False
    # False: the exception is not available when the requesting agency is in the recipient
    # registry (e.g. a criminal case number an immigration agency states about its own case).
    registry_agencies: bool = True


class Rule(_Frozen):
    id: str
    cite: str
    summary: str
    protects: tuple[Category, ...]
    when: tuple[Trigger, ...]
    unless: tuple[str, ...] = ()  # exception ids
    # decline: when the rule applies and no exception lifts it, the whole request is refused
    # (e.g. Oregon: decline and document), instead of withholding the protected categories.
    decline: bool = False

    @field_validator("protects")
    @classmethod
    def _no_none(cls, v: tuple[Category, ...]) -> tuple[Category, ...]:
        if Category.NONE in v:
            raise ValueError("'none' is not a protected category")
        if not v:
            raise ValueError("a rule must protect at least one category")
        return v

    @field_validator("when")
    @classmethod
    def _has_trigger(cls, v: tuple[Trigger, ...]) -> tuple[Trigger, ...]:
        if not v:
            raise ValueError("a rule needs at least one trigger (use `- always: true`)")
        return v


class NotifySubject(_Frozen):
    """Tell the person whose record was asked for, within ``days`` of the anchor.

    ``when``: ``triggered`` (every request a rule of the pack applies to, e.g. New York) or
    ``exception_granted`` (only when an order, warrant or subpoena was accepted, e.g. Illinois).
    ``business_days`` counts Monday to Friday (no holiday calendar). ``timezone`` (IANA) fixes
    the day the request was received on; without it the log takes the earliest calendar day
    anywhere (UTC-12), so a due date is never later than the law's. ``may_suppress`` lists the
    grounds on which notice may be withheld (recorded with ``redactor log notified
    --suppressed``).
    """

    days: int = Field(ge=0)
    business_days: bool = False
    anchor: Literal["request_received", "order_received", "disclosure"] = "request_received"
    before_disclosure: bool = False
    when: Literal["triggered", "exception_granted"] = "triggered"
    timezone: str | None = Field(default=None, pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+$")
    may_suppress: tuple[str, ...] = ()


class Report(_Frozen):
    every: Literal["month", "quarter", "year"] = "quarter"
    to: str | None = None
    attest: bool = False


class Certification(_Frozen):
    """A recipient's certification the law requires before access (e.g. C.R.S. 24-74-105: a
    third party with database access certifies every year, under penalty of perjury, that it
    will not use the data for immigration enforcement). Stated with every triggered decision so
    the request log records it."""

    cite: str
    statement: str
    every: Literal["month", "quarter", "year"] | None = "year"
    under_penalty_of_perjury: bool = False

    def text(self) -> str:
        """``certification (cite): statement, renewed every …, under penalty of perjury``."""
        return (
            f"certification ({self.cite}): {self.statement}"
            + (f", renewed every {self.every}" if self.every else "")
            + (", under penalty of perjury" if self.under_penalty_of_perjury else "")
        )


class Obligations(_Frozen):
    log: Literal["all_requests", "triggered_requests"] = "all_requests"
    notify_subject: NotifySubject | None = None
    report: Report | None = None
    certification: Certification | None = None


class Pack(_Frozen):
    id: str
    version: str
    title: str
    jurisdiction: str
    instrument: Instrument
    status: Literal["in_force", "pending", "vetoed", "superseded", "repealed"]
    effective: Effective = Effective()
    sources: tuple[Source, ...] = ()
    notes: tuple[str, ...] = ()
    purposes: dict[str, Purpose]
    evidence_kinds: dict[str, str]
    evidence_attributes: dict[str, str] = {}  # attribute name -> what it holds
    recipients: dict[str, tuple[str, ...]] = {}
    # agency_required: the pack decides by who asks, so a request that does not name its agency
    # (--agency) is refused rather than guessed about.
    agency_required: bool = False
    # registry_recipients: the law is about immigration enforcement, so a request from an agency
    # of the shared recipient registry is an immigration-enforcement request whatever purpose
    # it states: its stated purposes are replaced, for the rules' purpose triggers, by the
    # pack's immigration-enforcement purposes (a request naming no agency is treated the same
    # way: fail closed). Exceptions still need reviewer-accepted evidence.
    registry_recipients: bool = False
    rules: tuple[Rule, ...]
    exceptions: dict[str, Exception_] = {}
    actions: dict[Category, Action]
    obligations: Obligations = Obligations()

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: dict[Category, Action]) -> dict[Category, Action]:
        for cat, act in v.items():
            if act is Action.RELEASE:
                raise ValueError(f"actions.{cat}: a restricted category cannot default to release")
            if (problem := action_problem(cat, act)) is not None:
                raise ValueError(f"actions.{cat}: {problem}")
            if act is Action.HASH:
                raise ValueError(
                    f"actions.{cat}: hash cannot be a pack default (it needs an agency key); "
                    "set it per column in a field map"
                )
        return v

    @model_validator(mode="after")
    def _references(self) -> Pack:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        by_recipient = any(t.recipients or t.registry for r in self.rules for t in r.when)
        if self.agency_required and not (by_recipient or self.registry_recipients):
            raise ValueError("agency_required is set but no rule has a recipient trigger")
        if self.registry_recipients and not any(
            p.immigration_enforcement for p in self.purposes.values()
        ):
            raise ValueError(
                "registry_recipients needs a purpose marked immigration_enforcement: true"
            )
        for r in self.rules:
            for cat in r.protects:
                if cat not in self.actions:
                    raise ValueError(f"rule {r.id} protects {cat} but actions has no entry for it")
            for ex in r.unless:
                if ex not in self.exceptions:
                    raise ValueError(f"rule {r.id} names unknown exception {ex!r}")
            for t in r.when:
                for p in t.purposes:
                    if p not in self.purposes:
                        raise ValueError(f"rule {r.id} names unknown purpose {p!r}")
                for rc in t.recipients:
                    if rc not in self.recipients:
                        raise ValueError(f"rule {r.id} names unknown recipient class {rc!r}")
        for name, ex in self.exceptions.items():
            for k in (*ex.evidence.accepted_kinds, *ex.evidence.reject):
                if k not in self.evidence_kinds:
                    raise ValueError(f"exceptions.{name} names unknown evidence kind {k!r}")
            if set(ex.evidence.accepted_kinds) & set(ex.evidence.reject):
                raise ValueError(f"exceptions.{name} both accepts and rejects the same kind")
            for acc in ex.evidence.accept:
                allowed = acc.require.get("issuer")
                if isinstance(allowed, tuple):
                    bad = [i for i in allowed if i not in ISSUERS or i in NEVER_COURT]
                    if bad and acc.kind in COURT_KINDS:
                        courts = ", ".join(sorted(set(ISSUERS) - NEVER_COURT))
                        raise ValueError(
                            f"exceptions.{name}: {acc.kind} issuer {', '.join(bad)} is not a "
                            f"court or judge (courts: {courts})"
                        )
            needed = {a for acc in ex.evidence.accept for a in acc.require}
            if ex.specific_records:
                needed.add("records")
            for a in sorted(needed):
                if a not in self.evidence_attributes:
                    raise ValueError(
                        f"exceptions.{name} requires evidence attribute {a!r}, which "
                        "evidence_attributes does not declare"
                    )
            for p in ex.purposes:
                if p not in self.purposes:
                    raise ValueError(f"exceptions.{name} names unknown purpose {p!r}")
        return self
