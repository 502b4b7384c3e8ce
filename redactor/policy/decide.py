"""From a request and one or more policy packs to a Decision.

Per category the decision is ``release`` or the action that withholds it; the whole request may be
refused (an unknown purpose or evidence kind, or a pack whose action for a category is ``refuse``
once that category is present). Every outcome carries reasons that cite the pack rule.
When several packs apply, the strictest action per category wins, and an exception must be
satisfied under every pack (each pack is evaluated with its own exceptions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from redactor.categories import PROTECTED, Action, Category, strictest
from redactor.policy.loader import LoadedPack
from redactor.policy.model import Pack, Rule, Trigger
from redactor.request import Request


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


def _trigger_reason(pack: Pack, t: Trigger, req: Request) -> str | None:
    """Why the trigger fires for this request, or None."""
    if t.always:
        return "applies to every stated purpose"
    if t.purposes:
        hits = [p for p in req.purposes if p in t.purposes]
        if t.test == "any" and hits:
            return f"stated purposes include {', '.join(hits)}"
        if t.test == "sole" and hits and len(hits) == len(req.purposes):
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


def _evaluate_pack(
    lp: LoadedPack, req: Request
) -> tuple[
    dict[Category, list[tuple[Action, str, str]]], list[str], list[str], list[str], list[str], bool
]:
    pack = lp.pack
    pid = pack.id
    reasons: list[str] = []
    triggered: list[str] = []
    granted_names: list[str] = []
    obligations: list[str] = []
    withheld: dict[Category, list[tuple[Action, str, str]]] = {}

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
        return withheld, reasons, triggered, granted_names, obligations, True

    # Which exceptions does the request satisfy?
    granted: dict[str, str] = {}
    ex_notes: dict[str, list[str]] = {}
    for name, ex in pack.exceptions.items():
        purpose_ok = not ex.purposes or any(p in ex.purposes for p in req.purposes)
        accepted = [e for e in req.evidence if e.kind in ex.evidence.accept]
        rejected = [e for e in req.evidence if e.kind in ex.evidence.reject]
        notes = ex_notes.setdefault(name, [])
        for e in rejected:
            notes.append(
                f"evidence {e.kind}:{e.reference} is not accepted for {name} "
                f"({pack.evidence_kinds[e.kind]})"
            )
        if purpose_ok and accepted:
            granted[name] = ", ".join(f"{e.kind}:{e.reference}" for e in accepted)
        elif ex.purposes and purpose_ok:
            notes.append(
                f"exception {name} is claimed by the stated purpose but not granted: it "
                f"needs evidence of kind {' or '.join(ex.evidence.accept)}"
            )
        elif accepted and not purpose_ok:
            notes.append(f"exception {name} needs a stated purpose of {' or '.join(ex.purposes)}")
        elif rejected:
            notes.append(
                f"exception {name} needs evidence of kind {' or '.join(ex.evidence.accept)}"
            )

    for rule in pack.rules:
        why = next((w for t in rule.when if (w := _trigger_reason(pack, t, req))), None)
        rid = f"{pid}/{rule.id}"
        if why is None:
            note = next((n for t in rule.when if (n := _not_triggered_note(t, req))), None)
            if note:
                reasons.append(f"{rid} ({rule.cite}) does not apply: {note}")
            continue
        triggered.append(rid)
        _apply_rule(pack, rule, rid, why, granted, ex_notes, withheld, reasons, granted_names)

    if triggered:
        ob = pack.obligations
        obligations.append(f"{pid}: log {ob.log.replace('_', ' ')}")
        if ob.notify_subject:
            n = ob.notify_subject
            unit = "business days" if n.business_days else "days"
            obligations.append(
                f"{pid}: notify the subject within {n.days} {unit} of {n.anchor.replace('_', ' ')}"
            )
        if ob.report:
            obligations.append(
                f"{pid}: report every {ob.report.every}"
                + (" with attestation" if ob.report.attest else "")
            )
    return withheld, reasons, triggered, granted_names, obligations, False


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


def decide(request: Request, packs: Sequence[LoadedPack]) -> Decision:
    """Decide a request under every pack given (at least one)."""
    if not packs:
        raise ValueError("decide() needs at least one policy pack")
    all_withheld: dict[Category, list[tuple[Action, str, str]]] = {}
    reasons: list[str] = []
    triggered: list[str] = []
    granted: list[str] = []
    obligations: list[str] = []
    warnings: list[str] = []
    refused = False
    for lp in packs:
        if lp.pack.status != "in_force":
            warnings.append(f"policy pack {lp.pack.id} has status {lp.pack.status}")
        w, r, t, g, o, ref = _evaluate_pack(lp, request)
        refused = refused or ref
        reasons += r
        triggered += t
        granted += g
        obligations += o
        for cat, items in w.items():
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
    )
