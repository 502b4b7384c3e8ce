"""Properties (issue 14 part 6): claims are not evidence. Under any pack, a request from an agency
of the recipient registry, under any of its names, with any stated purposes and any evidence
that no reviewer accepted, releases no protected category; and claimed evidence never changes
any decision at all."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redactor.categories import PROTECTED, Action
from redactor.policy import builtin_pack_ids, decide, load_pack
from redactor.policy.issuers import ISSUERS
from redactor.policy.recipients import registry
from redactor.request import Evidence, Request

PACKS = {p: load_pack(p) for p in builtin_pack_ids()}
NAMES = sorted(
    {n for a in registry().data.agencies for n in (a.name, *a.aliases)}
    | {f"ERO {o}" for a in registry().data.agencies for o in a.offices}
)
NOISE = ["U.S.", "the", "(", ")", "-", ",", "&", "field office", "Denver", "regional", "unit"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def agency_names(draw) -> str:
    name = draw(st.sampled_from(NAMES))
    name = draw(st.sampled_from([name, name.upper(), name.lower(), name.title()]))
    before = draw(st.lists(st.sampled_from(NOISE), max_size=2))
    after = draw(st.lists(st.sampled_from(NOISE), max_size=2))
    return " ".join([*before, name, *after])


@st.composite
def claims(draw, pack_id: str) -> tuple[Evidence, ...]:
    kinds = sorted(PACKS[pack_id].pack.evidence_kinds)
    out = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(kinds))
        ref = draw(
            st.sampled_from(
                ["2026CR1234", "1:26-mj-00042", "HSI-25-0042", "I-200-1", "8 USC 1373", "26CV100"]
            )
        )
        attrs = []
        if draw(st.booleans()):
            attrs.append(f"issuer={draw(st.sampled_from(sorted(ISSUERS)))}")
        if draw(st.booleans()):
            attrs.append(f"records={draw(st.integers(1, 5))}")
        if kind == "judicial_warrant" and draw(st.booleans()):
            attrs.append("state=MD")
        out.append(Evidence.parse(";".join([f"{kind}:{ref}", *attrs])))
    return tuple(out)


@st.composite
def registry_requests(draw):
    pack_id = draw(st.sampled_from(sorted(PACKS)))
    purposes = draw(
        st.lists(
            st.sampled_from(sorted(PACKS[pack_id].pack.purposes)),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return pack_id, Request(
        tuple(purposes), agency=draw(agency_names()), evidence=draw(claims(pack_id))
    )


def released(d) -> list:
    return [c for c in PROTECTED if d.action_for(c) is Action.RELEASE]


@SETTINGS
@given(registry_requests(), st.booleans())
def test_no_claim_only_request_from_a_registry_agency_releases_anything(case, enforced):
    pack_id, req = case
    assert registry().match(req.agency) is not None
    d = decide(req, [PACKS[pack_id]], record_limit_enforced=enforced)
    assert d.refused or released(d) == [], (pack_id, req, d.reasons)
    assert not d.exceptions_granted


def test_the_property_is_not_vacuous():
    """The same evidence, once a reviewer accepted it, does release under most packs."""
    ev = Evidence.parse("court_order:1:26-cv-1;issuer=article_iii_judge;records=1")
    lifted = [
        p
        for p, lp in PACKS.items()
        if released(
            decide(
                Request(
                    ("civil_immigration_enforcement",),
                    agency="ICE",
                    evidence=(ev.accepted_by("R. Counsel"),),
                ),
                [lp],
                record_limit_enforced=True,
            )
        )
    ]
    assert len(lifted) >= 6, lifted


@SETTINGS
@given(st.sampled_from(sorted(PACKS)), st.data())
def test_claimed_evidence_never_changes_a_decision(pack_id, data):
    """Whoever asks: typed evidence is logged, and lifts nothing (it may only add reasons)."""
    pack = PACKS[pack_id]
    agency = data.draw(
        st.one_of(
            agency_names(),
            st.sampled_from(
                ["Denver Police Department", "Colorado State Patrol", "CDOT", "Springfield PD"]
            ),
        )
    )
    purposes = tuple(
        data.draw(
            st.lists(
                st.sampled_from(sorted(pack.pack.purposes)), min_size=1, max_size=3, unique=True
            )
        )
    )
    ev = data.draw(claims(pack_id))
    with_claims = decide(
        Request(purposes, agency=agency, evidence=ev), [pack], record_limit_enforced=True
    )
    without = decide(Request(purposes, agency=agency), [pack], record_limit_enforced=True)
    assert with_claims.refused == without.refused
    assert with_claims.category_actions() == without.category_actions()
    assert with_claims.exceptions_granted == ()
