"""From a request and one or more policy packs to a Decision.

Per category the decision is ``release`` or the action that withholds it; the whole request may be
refused (an unknown purpose or evidence kind, or a pack whose action for a category is ``refuse``
once that category is present). Every outcome carries reasons that cite the pack rule.
When several packs apply, the strictest action per category wins, and an exception must be
satisfied under every pack (each pack is evaluated with its own exceptions).

Claims are not evidence: evidence lifts a rule only when a reviewer accepted it
(:attr:`Evidence.reviewer`); evidence typed with a request is a claim, logged and never lifting
anything. Accepted evidence must then pass :mod:`redactor.policy.issuers` (court kinds need a
court issuer; administrative DHS forms and subpoenas are rejected whatever kind they are typed
as) and the pack's own kind and attribute requirements (``issuer``, ``records`` …).

The requesting agency is matched against the shared recipient registry
(:mod:`redactor.policy.recipients`): under a pack with ``registry_recipients``, a registry agency
(or a request naming no agency) is an immigration-enforcement request whatever purpose it
states. An exception that releases "only the records specifically requested" is granted
only when its evidence says how many records it names (``records=N``) *and* the caller enforces
that cap (``record_limit_enforced=True``): otherwise the rule stays in force (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from redactor.categories import PROTECTED, Action, Category, strictest
from redactor.policy.issuers import COURT_KINDS, administrative_reason, issuer_problem
from redactor.policy.loader import LoadedPack
from redactor.policy.model import AcceptedEvidence, Exception_, Pack, Rule, Trigger
from redactor.policy.recipients import Recipient, match_recipient
from redactor.request import Evidence, Request
from redactor.requestlog.notices import NotifyDuty


@dataclass(frozen=True, slots=True)
class CategoryDecision:
    category: Category
    action: Action
    rules: tuple[str, ...] = ()  # "pack-id/rule-id" of every rule that withholds it
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    request: Request
    packs: tuple[LoadedPack, ...]
    categories: Mapping[Category, CategoryDecision]
    refused: bool = False
    reasons: tuple[str, ...] = ()
    triggered_rules: tuple[str, ...] = ()
    exceptions_granted: tuple[str, ...] = ()
    obligations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    # At most this many records may be released (an exception for "only the records
    # specifically requested" was granted); None: no cap. The caller must enforce it.
    record_limit: int | None = None
    # The requesting agency as resolved against the recipient registry (None: not listed).
    recipient: Recipient | None = None
    # A rule applied because of who asks or an immigration-enforcement purpose (not only an
    # always-on rule): the request is one the law restricts. The attestation rests on this.
    immigration_request: bool = False
    # Categories a triggered rule protects that an exception released.
    lifted_categories: tuple[Category, ...] = ()

    def action_for(self, category: Category) -> Action:
        if category is Category.NONE:
            return Action.RELEASE
        cd = self.categories.get(category)
        return cd.action if cd else Action.RELEASE

    @property
    def restricted(self) -> bool:
        """True when any protected category is withheld (or the request is refused)."""
        return self.refused or any(c.action is not Action.RELEASE for c in self.categories.values())

    def category_actions(self) -> dict[str, str]:
        return {c.value: self.action_for(c).value for c in Category if c in PROTECTED}


_WORD = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _recipient_matches(agency: str | None, names: Sequence[str]) -> str | None:
    """The name in ``names`` the agency is (as a whole-word sequence), if any."""
    if not agency:
        return None
    toks = _tokens(agency)
    for name in names:
        nt = _tokens(name)
        if nt and any(toks[i : i + len(nt)] == nt for i in range(len(toks) - len(nt) + 1)):
            return name
    return None


@dataclass(frozen=True, slots=True)
class _Asker:
    """Who asks, as the rules of one pack see it."""

    recipient: Recipient | None
    registry_reason: str | None  # set when the pack treats the request as immigration enforcement
    purposes: tuple[str, ...]  # the purposes the purpose triggers test


def _asker(pack: Pack, req: Request, recipient: Recipient | None) -> _Asker:
    if not pack.registry_recipients:
        return _Asker(recipient, None, req.purposes)
    if recipient is not None:
        why = recipient.reason()
    elif not (req.agency or "").strip():
        why = (
            "the request names no agency: treated as possibly an immigration-enforcement "
            "agency (fail closed; state it with --agency)"
        )
    else:
        return _Asker(None, None, req.purposes)
    imm = [p for p, d in pack.purposes.items() if d.immigration_enforcement]
    stated = [p for p in req.purposes if p in imm]
    eff = tuple(stated or imm[:1])
    others = [p for p in req.purposes if p not in imm]
    if others:
        why += (
            f", so it is an immigration-enforcement request whatever purpose it states "
            f"(stated {', '.join(req.purposes)}: a claim)"
        )
    else:
        why += ", so it is an immigration-enforcement request"
    return _Asker(recipient, why, eff)


def _trigger_reason(pack: Pack, t: Trigger, req: Request, asker: _Asker) -> str | None:
    """Why the trigger fires for this request, or None."""
    if t.always:
        return "applies to every stated purpose"
    if t.registry:
        if asker.registry_reason:
            return asker.registry_reason
        if asker.recipient is not None:
            return asker.recipient.reason()
        if not (req.agency or "").strip():
            return "the request names no agency (fail closed)"
        return None
    if t.purposes:
        purposes = asker.purposes
        hits = [p for p in purposes if p in t.purposes]
        if asker.registry_reason and hits:
            return asker.registry_reason
        if t.test == "any" and hits:
            return f"stated purposes include {', '.join(hits)}"
        if t.test == "sole" and hits and len(hits) == len(purposes):
            return f"stated purpose is solely {' and '.join(hits)}"
        return None
    for cls in t.recipients:
        names = (cls, *pack.recipients.get(cls, ()))
        hit = _recipient_matches(req.agency, names)
        if hit:
            return f"requesting agency {req.agency!r} is a {cls} recipient ({hit})"
    return None


def _not_triggered_note(t: Trigger, req: Request) -> str | None:
    if t.purposes and t.test == "sole":
        hits = [p for p in req.purposes if p in t.purposes]
        others = [p for p in req.purposes if p not in t.purposes]
        if hits and others:
            return (
                f"stated purposes include {', '.join(hits)} but not solely "
                f"(also {', '.join(others)}): the 'sole' test is not met"
            )
    return None


def _missing_attributes(acc: AcceptedEvidence, ev: Evidence) -> list[str]:
    """What ``ev`` lacks to be accepted as ``acc`` (empty: accepted)."""
    out = []
    if acc.reference_matches and not re.search(acc.reference_matches, ev.reference, re.I):
        out.append(f"a reference matching {acc.reference_matches!r}")
    if acc.reference_excludes and re.search(acc.reference_excludes, ev.reference, re.I):
        out.append(f"a reference other than {acc.reference_excludes!r}")
    for name, allowed in acc.require.items():
        value = ev.attr(name)
        if allowed == "*":
            if not value:
                out.append(f"{name}=…")
        elif value not in allowed:
            out.append(f"{name}={'|'.join(allowed)}")
    return out


def _records_named(ev: Evidence) -> int | None:
    value = ev.attr("records")
    if value is None or not value.isdigit() or int(value) < 1:
        return None
    return int(value)


@dataclass
class _PackResult:
    withheld: dict[Category, list[tuple[Action, str, str]]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    triggered: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)
    refused: bool = False
    record_limit: int | None = None
    immigration: bool = False
    covered: set[Category] = field(default_factory=set)


def _screen(ev: Evidence, acc: AcceptedEvidence | None) -> str | None:
    """Why ``ev`` cannot count as ``acc`` under any law (administrative document, court kind
    without a court issuer), or None."""
    admin = administrative_reason(ev)
    if admin:
        return f"rejected: {admin}"
    if ev.kind in COURT_KINDS:
        allowed = acc.require.get("issuer") if acc is not None else None
        problem = issuer_problem(ev, allowed if isinstance(allowed, tuple) else None)
        if problem:
            return f"not accepted: {problem}"
    return None


def _claim_note(name: str, ev: Evidence, why_not: str | None) -> str:
    note = (
        f"evidence {ev} is a claim typed with the request, not reviewed: it is logged and "
        f"lifts no rule (exception {name} needs a reviewer to accept it: redactor request "
        f"review ID --accept {ev.key})"
    )
    if why_not:
        note += f"; even if accepted it would be {why_not}"
    return note


def _grant(
    pack: Pack,
    name: str,
    ex: Exception_,
    req: Request,
    enforced: bool,
    notes: list[str],
    asker_is_registry: bool = False,
) -> tuple[str, int | None] | None:
    """(evidence text, record cap) when the request satisfies exception ``name``, else None
    (with the reasons why in ``notes``)."""
    purpose_ok = not ex.purposes or any(p in ex.purposes for p in req.purposes)
    kinds = ex.evidence.accepted_kinds
    if not ex.registry_agencies and asker_is_registry:
        if any(e.kind in kinds for e in req.evidence):
            notes.append(
                f"exception {name} is not available to an immigration-enforcement agency of the "
                "recipient registry (its own case papers do not establish it)"
            )
        return None
    accepted: list[Evidence] = []
    for e in req.evidence:
        if e.kind in ex.evidence.reject:
            notes.append(
                f"evidence {e.key} is not accepted for {name} ({pack.evidence_kinds[e.kind]})"
            )
            continue
        if e.kind not in kinds:
            continue
        accs = [a for a in ex.evidence.accept if a.kind == e.kind]
        screened = [_screen(e, a) for a in accs]
        lacks = [_missing_attributes(a, e) for a in accs]
        fits = [not m and not sc for m, sc in zip(lacks, screened, strict=True)]
        if ex.specific_records and _records_named(e) is None:
            why_records = (
                "only the records it specifically names may be released, so it must say how "
                "many (add ;records=N)"
            )
        else:
            why_records = None
        if not e.accepted:
            why_not = next((sc for sc in screened if sc), None)
            if why_not is None and not any(fits):
                need = min(lacks, key=len)
                why_not = f"short of {' and '.join(need)}"
            if why_not is None and why_records:
                why_not = f"short: {why_records}"
            notes.append(_claim_note(name, e, why_not))
            continue
        if not any(fits):
            sc = next((x for x in screened if x), None)
            if sc:
                notes.append(f"evidence {e.key} (accepted by {e.reviewer}) is {sc}")
                continue
            need = min(lacks, key=len)
            notes.append(
                f"evidence {e.key} (accepted by {e.reviewer}) is not accepted for {name}: it "
                f"needs {' and '.join(need)}"
            )
            continue
        if why_records:
            notes.append(f"evidence {e.key} is not accepted for {name}: {why_records}")
            continue
        accepted.append(e)
    if not purpose_ok:
        if accepted:
            notes.append(f"exception {name} needs a stated purpose of {' or '.join(ex.purposes)}")
        return None
    if not accepted:
        if ex.purposes and not any(e.kind in kinds for e in req.evidence):
            notes.append(
                f"exception {name} is claimed by the stated purpose but not granted: it "
                f"needs reviewer-accepted evidence of kind {' or '.join(kinds)}"
            )
        elif any(e.kind in ex.evidence.reject for e in req.evidence):
            notes.append(f"exception {name} needs evidence of kind {' or '.join(kinds)}")
        return None
    cap = None
    if ex.specific_records:
        cap = min(n for e in accepted if (n := _records_named(e)) is not None)
        if not enforced:
            notes.append(
                f"exception {name} releases only the {cap} record(s) the evidence names, and "
                "this command cannot limit its output to them: not granted (select only the "
                "named records, through a command that enforces the limit)"
            )
            return None
    return ", ".join(f"{e} (accepted by {e.reviewer})" for e in accepted), cap


def _evaluate_pack(
    lp: LoadedPack, req: Request, enforced: bool, recipient: Recipient | None
) -> _PackResult:
    pack = lp.pack
    pid = pack.id
    res = _PackResult()
    reasons = res.reasons
    triggered = res.triggered
    granted_names = res.granted
    obligations = res.obligations
    withheld = res.withheld

    unknown_p = [p for p in req.purposes if p not in pack.purposes]
    unknown_e = [e.kind for e in req.evidence if e.kind not in pack.evidence_kinds]
    if unknown_p or unknown_e:
        if unknown_p:
            reasons.append(
                f"{pid}: unknown stated purpose {', '.join(unknown_p)}; known purposes: "
                f"{', '.join(pack.purposes)}"
            )
        if unknown_e:
            reasons.append(
                f"{pid}: unknown evidence kind {', '.join(unknown_e)}; known kinds: "
                f"{', '.join(pack.evidence_kinds)}"
            )
        res.refused = True
        return res
    if pack.agency_required and not (req.agency or "").strip():
        reasons.append(
            f"{pid}: this law applies by who receives the data, and the request does not name "
            "the requesting agency: refused (state it with --agency)"
        )
        res.refused = True
        return res

    # Which exceptions does the request satisfy?
    asker = _asker(pack, req, recipient)
    is_registry = asker.registry_reason is not None or asker.recipient is not None
    granted: dict[str, str] = {}
    caps: dict[str, int] = {}
    ex_notes: dict[str, list[str]] = {}
    for name, ex in pack.exceptions.items():
        notes = ex_notes.setdefault(name, [])
        got = _grant(pack, name, ex, req, enforced, notes, is_registry)
        if got is not None:
            granted[name] = got[0]
            if got[1] is not None:
                caps[name] = got[1]

    lifted_any = False
    for rule in pack.rules:
        fired = [(t, w) for t in rule.when if (w := _trigger_reason(pack, t, req, asker))]
        why = fired[0][1] if fired else None
        if any(not t.always for t, _ in fired):
            res.immigration = True
        rid = f"{pid}/{rule.id}"
        if why is None:
            note = next((n for t in rule.when if (n := _not_triggered_note(t, req))), None)
            if note:
                reasons.append(f"{rid} ({rule.cite}) does not apply: {note}")
            continue
        triggered.append(rid)
        lifting = [n for n in rule.unless if n in granted]
        lifted_any = lifted_any or bool(lifting)
        for n in lifting:
            if n in caps:
                res.record_limit = min(caps[n], res.record_limit or caps[n])
        if rule.decline and not lifting:
            res.refused = True
            reasons.append(
                f"{rid} ({rule.cite}): {why}, so the request is declined whole "
                "(this law requires declining it, not redacting it)"
            )
            for n in rule.unless:
                for note in ex_notes.get(n, []):
                    if f"{rid}: {note}" not in reasons:
                        reasons.append(f"{rid}: {note}")
            continue
        res.covered.update(rule.protects)
        _apply_rule(pack, rule, rid, why, granted, ex_notes, withheld, reasons, granted_names)

    if triggered:
        ob = pack.obligations
        obligations.append(f"{pid}: log {ob.log.replace('_', ' ')}")
        n = ob.notify_subject
        if n and (n.when == "triggered" or lifted_any):
            obligations.append(
                NotifyDuty(
                    pid, n.days, n.business_days, n.anchor, n.before_disclosure, n.timezone
                ).text()
            )
        if ob.certification:
            obligations.append(f"{pid}: {ob.certification.text()}")
        if ob.report:
            obligations.append(
                f"{pid}: report every {ob.report.every}"
                + (f" to {ob.report.to}" if ob.report.to else "")
                + (" with attestation" if ob.report.attest else "")
            )
    return res


def _apply_rule(
    pack: Pack,
    rule: Rule,
    rid: str,
    why: str,
    granted: Mapping[str, str],
    ex_notes: Mapping[str, list[str]],
    withheld: dict[Category, list[tuple[Action, str, str]]],
    reasons: list[str],
    granted_names: list[str],
) -> None:
    lifting = [n for n in rule.unless if n in granted]
    for cat in rule.protects:
        lifted_by = next(
            (
                n
                for n in lifting
                if not pack.exceptions[n].limit_categories
                or cat in pack.exceptions[n].limit_categories
            ),
            None,
        )
        if lifted_by is None:
            withheld.setdefault(cat, []).append((pack.actions[cat], rid, why))
    for i, n in enumerate(lifting):
        entry = f"{pack.id}/{n}: {granted[n]}"
        if entry not in granted_names:
            granted_names.append(entry)
        if i:  # one reason per rule is enough; every exception granted is listed above
            continue
        ex = pack.exceptions[n]
        scope = f" for {', '.join(ex.limit_categories)}" if ex.limit_categories else ""
        reasons.append(
            f"{rid} ({rule.cite}) is lifted{scope} by exception {n} "
            f"({ex.summary}; evidence {granted[n]})"
        )
    kept = [c for c in rule.protects if any(r == rid for _, r, _ in withheld.get(c, []))]
    if kept:
        reasons.append(f"{rid} ({rule.cite}): {why}, so {', '.join(kept)} are withheld")
        for n in rule.unless:
            for note in ex_notes.get(n, []):
                if f"{rid}: {note}" not in reasons:
                    reasons.append(f"{rid}: {note}")


def decide(
    request: Request, packs: Sequence[LoadedPack], *, record_limit_enforced: bool = False
) -> Decision:
    """Decide a request under every pack given (at least one).

    ``record_limit_enforced``: the caller will release no more than ``Decision.record_limit``
    records. Without it, an exception limited to the records an order specifically names is
    never granted.
    """
    if not packs:
        raise ValueError("decide() needs at least one policy pack")
    all_withheld: dict[Category, list[tuple[Action, str, str]]] = {}
    reasons: list[str] = []
    triggered: list[str] = []
    granted: list[str] = []
    obligations: list[str] = []
    warnings: list[str] = []
    refused = False
    record_limit: int | None = None
    day = request.received.date()
    recipient = match_recipient(request.agency)
    immigration = False
    covered: set[Category] = set()
    for lp in packs:
        p = lp.pack
        if p.status != "in_force":
            warnings.append(f"policy pack {p.id} has status {p.status}")
        if p.effective.start and day < p.effective.start:
            warnings.append(
                f"policy pack {p.id} takes effect on {p.effective.start}, after this request "
                f"({day}); applied anyway (the stricter choice)"
            )
        if p.effective.end and day > p.effective.end:
            warnings.append(f"policy pack {p.id} ceased to have effect on {p.effective.end}")
        res = _evaluate_pack(lp, request, record_limit_enforced, recipient)
        immigration = immigration or res.immigration
        covered |= res.covered
        refused = refused or res.refused
        reasons += res.reasons
        triggered += res.triggered
        granted += res.granted
        obligations += res.obligations
        if res.record_limit is not None:
            record_limit = min(res.record_limit, record_limit or res.record_limit)
        for cat, items in res.withheld.items():
            all_withheld.setdefault(cat, []).extend(items)

    categories: dict[Category, CategoryDecision] = {}
    for cat in Category:
        if cat is Category.NONE:
            continue
        items = all_withheld.get(cat, [])
        if not items:
            categories[cat] = CategoryDecision(cat, Action.RELEASE)
            continue
        action = strictest([a for a, _, _ in items])
        categories[cat] = CategoryDecision(
            cat,
            action,
            rules=tuple(dict.fromkeys(r for _, r, _ in items)),
            reasons=tuple(dict.fromkeys(f"{r}: {why}" for _, r, why in items)),
        )
    if not triggered and not refused:
        reasons.append(
            "no rule of "
            + ", ".join(lp.pack.id for lp in packs)
            + " applies to the stated purposes: released"
        )
    return Decision(
        request=request,
        packs=tuple(packs),
        categories=MappingProxyType(categories),
        refused=refused,
        reasons=tuple(reasons),
        triggered_rules=tuple(triggered),
        exceptions_granted=tuple(granted),
        obligations=tuple(dict.fromkeys(obligations)),
        warnings=tuple(warnings),
        record_limit=record_limit,
        recipient=recipient,
        immigration_request=immigration,
        lifted_categories=tuple(
            c for c in Category if c in covered and categories[c].action is Action.RELEASE
        ),
    )
