"""A decision table per pack (issue 14 part 6): agency x stated purposes x evidence x reviewed
or only claimed -> the per-category outcome. Each row was checked against the pack's notes and
the sources the pack lists (`redactor policy show PACK`); a change in any cell is a change in
what the law is read to allow, and must come with the pack change that explains it.

Outcomes: refused (declined whole) · released (nothing withheld) · withheld (every protected
category) · status (immigration status, status proxies, place of birth) · otherwise the
categories withheld, sorted.
"""

from __future__ import annotations

import pytest

from redactor.categories import PROTECTED, Action, Category
from redactor.policy import builtin_pack_ids, decide, load_pack
from redactor.request import Evidence, Request

STATUS = {Category.IMMIGRATION_STATUS, Category.STATUS_PROXY, Category.PLACE_OF_BIRTH}
CIV = ("civil_immigration_enforcement",)
ART3_ORDER = "court_order:1:26-cv-1;issuer=article_iii_judge;records=1"
# cells naming categories: Virginia §46.2-209's identifiers; California 1653.5(f) / New Mexico
# SB 36 SSN and status information; Oregon 180.805(2)-(3) contact information and status
VA_NEVER = "drivers_license,immigration_status,itin,place_of_birth,ssn,status_proxy"
SSN_AND_STATUS = "immigration_status,itin,place_of_birth,ssn,status_proxy"
OR_CONTACT_AND_STATUS = (
    "address,email,free_text,immigration_status,phone,place_of_birth,status_proxy"
)
# row: (agency as typed, stated purposes, evidence, reviewed: accepted by a reviewer?)
ROWS = {
    "ice-claim-only": ("ICE", CIV, [], False),
    "ero-research": ("ERO Denver", ("research",), [], False),
    "cbp-criminal": ("Customs & Border Protection (CBP)", ("criminal_investigation",), [], False),
    "ice-hsi-subpoena-reviewed": (
        "ICE",
        CIV,
        ["subpoena:HSI-25-0042;issuer=federal_court;records=1"],
        True,
    ),
    "ice-ij-order-reviewed": (
        "ICE",
        CIV,
        ["court_order:EOIR-1;issuer=immigration_judge;records=1"],
        True,
    ),
    "ice-art3-order-claimed": ("ICE", CIV, [ART3_ORDER], False),
    "ice-art3-order-reviewed": ("ICE", CIV, [ART3_ORDER], True),
    "ice-art3-warrant-reviewed": (
        "ICE",
        CIV,
        ["judicial_warrant:1:26-mj-1;issuer=article_iii_judge;records=1"],
        True,
    ),
    "ice-state-subpoena-reviewed": (
        "ICE",
        CIV,
        ["subpoena:26CV1;issuer=state_court;records=1"],
        True,
    ),
    "police-criminal": ("Denver Police Department", ("criminal_investigation",), [], False),
    "police-mixed": ("Denver Police Department", ("criminal_investigation", *CIV), [], False),
    "police-state-order-reviewed": (
        "Denver Police Department",
        ("criminal_investigation",),
        ["court_order:26CR1;issuer=state_court;records=1"],
        True,
    ),
}


def outcome(d) -> str:
    if d.refused:
        return "refused"
    held = {c for c, cd in d.categories.items() if cd.action is not Action.RELEASE}
    if not held:
        return "released"
    if held == set(PROTECTED):
        return "withheld"
    if held == STATUS:
        return "status"
    return ",".join(sorted(held))


def decide_row(pack: str, row: str):
    agency, purposes, evidence, reviewed = ROWS[row]
    ev = tuple(Evidence.parse(e) for e in evidence)
    if reviewed:
        ev = tuple(e.accepted_by("R. Counsel") for e in ev)
    return decide(
        Request(purposes, agency=agency, evidence=ev), [load_pack(pack)], record_limit_enforced=True
    )


TABLE: dict[str, dict[str, str]] = {
    "california-sb54-ab60": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "withheld",
        "ice-art3-warrant-reviewed": "withheld",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": SSN_AND_STATUS,
        "police-mixed": "withheld",
        "police-state-order-reviewed": SSN_AND_STATUS,
    },
    "colorado": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "released",
        "police-criminal": "status",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "colorado-24-74-1": {  # federal judge or magistrate only; a state court's order is not named
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "colorado-2020": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "released",
        "police-criminal": "status",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "colorado-sb21-131": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "released",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "district-of-columbia": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "withheld",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": "status",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "status",
    },
    "illinois-6-110-3": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "released",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "maryland-ps-3-529": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "withheld",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "massachusetts-940cmr37": {
        "ice-claim-only": "refused",
        "ero-research": "refused",
        "cbp-criminal": "refused",
        "ice-hsi-subpoena-reviewed": "refused",
        "ice-ij-order-reviewed": "refused",
        "ice-art3-order-claimed": "refused",
        "ice-art3-order-reviewed": "status",
        "ice-art3-warrant-reviewed": "status",
        "ice-state-subpoena-reviewed": "refused",
        "police-criminal": "status",
        "police-mixed": "refused",
        "police-state-order-reviewed": "status",
    },
    "minnesota-171-12": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "status",
        "ice-art3-warrant-reviewed": "status",
        "ice-state-subpoena-reviewed": "status",
        "police-criminal": "status",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "status",
    },
    "new-jersey-pending": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "new-mexico-sb36": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "released",
        "police-criminal": SSN_AND_STATUS,
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
    "new-york-green-light": {
        "ice-claim-only": "refused",
        "ero-research": "refused",
        "cbp-criminal": "refused",
        "ice-hsi-subpoena-reviewed": "refused",
        "ice-ij-order-reviewed": "refused",
        "ice-art3-order-claimed": "refused",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "released",
        "ice-state-subpoena-reviewed": "refused",
        "police-criminal": "released",
        "police-mixed": "refused",
        "police-state-order-reviewed": "released",
    },
    "oregon-180-805": {
        "ice-claim-only": "refused",
        "ero-research": "refused",
        "cbp-criminal": "refused",
        "ice-hsi-subpoena-reviewed": "refused",
        "ice-ij-order-reviewed": "refused",
        "ice-art3-order-claimed": "refused",
        "ice-art3-order-reviewed": "refused",
        "ice-art3-warrant-reviewed": "refused",
        "ice-state-subpoena-reviewed": OR_CONTACT_AND_STATUS,
        "police-criminal": "released",
        "police-mixed": "refused",
        "police-state-order-reviewed": "released",
    },
    "virginia-46-2-208": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": VA_NEVER,
        "ice-art3-warrant-reviewed": VA_NEVER,
        "ice-state-subpoena-reviewed": VA_NEVER,
        "police-criminal": VA_NEVER,
        "police-mixed": "withheld",
        "police-state-order-reviewed": VA_NEVER,
    },
    "washington-kww": {
        "ice-claim-only": "withheld",
        "ero-research": "withheld",
        "cbp-criminal": "withheld",
        "ice-hsi-subpoena-reviewed": "withheld",
        "ice-ij-order-reviewed": "withheld",
        "ice-art3-order-claimed": "withheld",
        "ice-art3-order-reviewed": "released",
        "ice-art3-warrant-reviewed": "withheld",
        "ice-state-subpoena-reviewed": "withheld",
        "police-criminal": "released",
        "police-mixed": "withheld",
        "police-state-order-reviewed": "released",
    },
}


def test_every_pack_has_a_table():
    assert set(TABLE) == set(builtin_pack_ids())


@pytest.mark.parametrize(("pack", "row"), [(p, r) for p in sorted(TABLE) for r in ROWS])
def test_decision_table(pack, row):
    assert outcome(decide_row(pack, row)) == TABLE[pack][row]


@pytest.mark.parametrize("pack", sorted(TABLE))
def test_claims_and_administrative_papers_never_release_to_an_immigration_agency(pack):
    """The rows every pack must agree on (the issue's 'Done means')."""
    for row in (
        "ice-claim-only",
        "ero-research",
        "cbp-criminal",
        "ice-hsi-subpoena-reviewed",
        "ice-ij-order-reviewed",
        "ice-art3-order-claimed",
        "police-mixed",
    ):
        assert TABLE[pack][row] in ("withheld", "refused"), (pack, row)
