"""Who issued a document, and which documents are administrative whatever they are called.

Where a law says court-issued, a judicial warrant, or a judge's signature, evidence counts only
with an ``issuer`` that is a court or judge of the kind the law names. These rules hold for
every pack, before the pack's own ``require`` lists:

- evidence of a court kind (``court_order``, ``judicial_warrant``, ``subpoena``) needs an
  ``issuer``; without one it is not accepted;
- ``immigration_judge`` (EOIR is part of the Department of Justice, not a court) and
  ``immigration_officer`` never satisfy a court requirement; an issuer outside the vocabulary
  below is not accepted either;
- administrative immigration documents are rejected whatever kind they are typed as: DHS forms
  I-200, I-203, I-205 (administrative warrants), I-247 (detainers), I-286, I-138 (subpoena),
  and DHS/HSI/ICE/CBP "immigration enforcement subpoenas". A reference, issuer or attribute
  that names such a form, or names an agency of the recipient registry, marks the document as
  administrative, and the reason says which.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from redactor.policy.recipients import match_recipient
from redactor.request import Evidence

COURT_KINDS: frozenset[str] = frozenset({"court_order", "judicial_warrant", "subpoena"})

ISSUERS: MappingProxyType[str, str] = MappingProxyType(
    {
        "article_iii_judge": "a federal district, circuit or Supreme Court judge (Article III)",
        "federal_magistrate_judge": "a U.S. magistrate judge (a federal court, not Article III)",
        "federal_court": "a federal court or its clerk",
        "state_judge": "a judge of a state court",
        "state_court": "a state court or its clerk",
        "federal_grand_jury": "a federal grand jury (subpoena issued through the court's clerk)",
        "immigration_judge": "an immigration judge (EOIR, Department of Justice): NOT a court",
        "immigration_officer": "an immigration officer (ICE, CBP, USCIS): NOT a court",
    }
)
NEVER_COURT: frozenset[str] = frozenset({"immigration_judge", "immigration_officer"})
COURT_ISSUERS: tuple[str, ...] = (
    "article_iii_judge",
    "federal_magistrate_judge",
    "federal_court",
    "state_judge",
    "state_court",
)

# Administrative (non-judicial) DHS forms, by number.
ADMIN_FORMS: MappingProxyType[str, str] = MappingProxyType(
    {
        "I-200": "Warrant for Arrest of Alien (administrative, signed by an immigration officer)",
        "I-203": "Order to Detain or Release Alien (administrative)",
        "I-205": "Warrant of Removal/Deportation (administrative)",
        "I-247": "Immigration Detainer (a request, not a court order)",
        "I-286": "Notice of Custody Determination (administrative)",
        "I-138": "DHS immigration enforcement subpoena (administrative, no judge)",
    }
)
_FORM = re.compile(
    r"(?<![A-Za-z0-9])I[\s_\-\u2010-\u2015]?(200|203|205|247|286|138)(?:[A-Z])?"
    r"(?![0-9])",
    re.I,
)
_ADMIN_WORDS = re.compile(
    r"\b(administrative\s+(subpoena|warrant)|immigration\s+enforcement\s+subpoena|"
    r"immigration\s+detainer|detainer)\b",
    re.I,
)
ADMIN_KINDS: frozenset[str] = frozenset(
    {"administrative_warrant", "administrative_subpoena", "detainer", "ncic_immigration_hit"}
)


def administrative_reason(ev: Evidence) -> str | None:
    """Why ``ev`` is an administrative immigration document (never court process), or None."""
    if ev.kind in ADMIN_KINDS:
        return f"{ev.kind} is an administrative immigration document, not court process"
    texts = [("reference", ev.reference), *((f"{k}=", v) for k, v in ev.attributes)]
    for where, text in texts:
        m = _FORM.search(text)
        if m:
            form = f"I-{m.group(1)}"
            return f"its {where.rstrip('=')} names DHS Form {form}, {ADMIN_FORMS[form]}"
        m2 = _ADMIN_WORDS.search(text.replace("_", " "))
        if m2:
            return (
                f"its {where.rstrip('=')} says {m2.group(0)!r}: an administrative immigration "
                "document, not court process"
            )
    for where, text in texts:
        if where == "records=" or where == "date=":
            continue
        hit = match_recipient(text.replace("_", " ").replace("-", " "))
        if hit is not None and hit.entry_id not in (None, "EOIR", "287G"):
            return (
                f"its {where.rstrip('=')} names {hit.canonical} ({hit.matched}), an "
                "immigration-enforcement agency: a DHS/HSI 'immigration enforcement subpoena' "
                "or warrant it issues is administrative, not issued by a court"
            )
    return None


def issuer_problem(ev: Evidence, allowed: tuple[str, ...] | None) -> str | None:
    """Why ``ev``'s issuer does not satisfy a court requirement (``allowed``: the values the
    pack names; None: any court issuer), or None when it does."""
    issuer = ev.attr("issuer")
    if issuer is None:
        return (
            "it has no issuer, and this law names court-issued process: say who issued it, "
            f"e.g. ;issuer={'|'.join((allowed or COURT_ISSUERS)[:2])}"
        )
    issuer = issuer.strip().lower()
    if issuer in NEVER_COURT:
        return f"its issuer is {issuer}: {ISSUERS[issuer]}"
    if issuer not in ISSUERS:
        return f"its issuer {issuer!r} is not a known court or judge (known: {', '.join(ISSUERS)})"
    accepted = allowed if allowed is not None else COURT_ISSUERS
    if issuer not in accepted:
        return f"its issuer is {issuer} ({ISSUERS[issuer]}); this law names {' or '.join(accepted)}"
    return None
