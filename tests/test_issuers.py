"""Court issuers and administrative forms (issue 14 part 2): where a law says court-issued, a
judicial warrant or a judge's signature, evidence counts only with an issuer of the kind the law
names; administrative DHS forms are rejected whatever kind they are typed as."""

from __future__ import annotations

import pytest
import yaml

from redactor.categories import PROTECTED, Action
from redactor.errors import ConfigError
from redactor.policy import builtin_pack_ids, decide, load_pack, parse_pack
from redactor.policy.issuers import administrative_reason, issuer_problem
from redactor.request import Evidence, Request

ALL_PACKS = builtin_pack_ids()


def accepted(text: str) -> Evidence:
    return Evidence.parse(text).accepted_by("R. Counsel")


def released(d) -> set:
    return {c for c in PROTECTED if d.action_for(c) is Action.RELEASE}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("subpoena:HSI-25-0042", "HSI"),
        ("subpoena:I-138-2025-77", "I-138"),
        ("court_order:I-200 0001", "I-200"),
        ("judicial_warrant:I203-5", "I-203"),
        ("court_order:ref;form=I-205", "I-205"),
        ("judicial_warrant:W-1;issuer=state_court;form=I-247A", "I-247"),
        ("court_order:X-9;note=I-286", "I-286"),
        ("subpoena:DHS immigration enforcement subpoena 12", "immigration enforcement subpoena"),
        ("subpoena:2025-77;court=ICE Office of the Principal Legal Advisor", "ICE"),
        ("subpoena:CBP-2025-1", "CBP"),
        ("court_order:ERO-DEN-26-3", "ERO"),
        ("subpoena:26-1;issued_by=administrative subpoena", "administrative subpoena"),
        ("administrative_warrant:W-1", "administrative"),
        ("detainer:D-1", "administrative"),
    ],
)
def test_administrative_documents_are_named_whatever_kind_they_are_typed_as(text, needle):
    why = administrative_reason(Evidence.parse(text))
    assert why is not None and needle in why, why


@pytest.mark.parametrize(
    "text",
    [
        "court_order:2026CR1234",
        "subpoena:1:26-mj-00042",
        "judicial_warrant:26-MJ-0042;issuer=article_iii_judge",
        "court_order:D. Colo. 1:26-cv-02000;issuer=federal_court",
    ],
)
def test_court_documents_are_not_called_administrative(text):
    assert administrative_reason(Evidence.parse(text)) is None


@pytest.mark.parametrize(
    ("issuer", "needle"),
    [
        (None, "has no issuer"),
        ("immigration_judge", "NOT a court"),
        ("immigration_officer", "NOT a court"),
        ("ice", "not a known court"),
        ("federal_grand_jury", "this law names"),
    ],
)
def test_issuers_that_never_satisfy_a_court_requirement(issuer, needle):
    text = "court_order:26-1" + (f";issuer={issuer}" if issuer else "")
    assert needle in issuer_problem(Evidence.parse(text), None)


@pytest.mark.parametrize("pack", ALL_PACKS)
@pytest.mark.parametrize("kind", ["court_order", "judicial_warrant", "subpoena"])
@pytest.mark.parametrize("issuer", [None, "immigration_judge", "immigration_officer"])
def test_no_pack_accepts_a_court_kind_without_a_court_issuer(pack, kind, issuer):
    text = f"{kind}:26-CV-1;records=1" + (f";issuer={issuer}" if issuer else "")
    d = decide(
        Request(("civil_immigration_enforcement",), agency="ICE", evidence=(accepted(text),)),
        [load_pack(pack)],
        record_limit_enforced=True,
    )
    assert d.refused or not released(d) & set(PROTECTED), (pack, d.reasons)
    assert not d.exceptions_granted


@pytest.mark.parametrize("pack", ALL_PACKS)
@pytest.mark.parametrize("kind", ["court_order", "judicial_warrant", "subpoena"])
def test_hsi_subpoena_releases_nothing_to_ice_under_any_pack(pack, kind):
    d = decide(
        Request(
            ("criminal_investigation",),
            agency="ICE",
            evidence=(accepted(f"{kind}:HSI-25-0042;issuer=federal_court;records=1"),),
        ),
        [load_pack(pack)],
        record_limit_enforced=True,
    )
    assert d.refused or not released(d), (pack, d.reasons)
    assert not d.exceptions_granted
    p = load_pack(pack).pack
    if any(kind in ex.evidence.accepted_kinds for ex in p.exceptions.values()):
        # where the law would take such a document, the reason says why this one is not
        assert any("HSI" in r and "administrative" in r for r in d.reasons), d.reasons


def test_reasons_say_which_form():
    d = decide(
        Request(
            ("civil_immigration_enforcement",),
            agency="ICE",
            evidence=(accepted("judicial_warrant:I-200-0001;issuer=article_iii_judge"),),
        ),
        [load_pack("colorado")],
    )
    assert any("DHS Form I-200" in r and "administrative" in r for r in d.reasons)


def test_a_pack_cannot_name_an_immigration_judge_as_a_court():
    doc = yaml.safe_load(load_pack("new-york-green-light").pack.model_dump_json(by_alias=True))
    doc["exceptions"]["judicial_process"]["evidence"]["accept"][0]["require"]["issuer"] = [
        "immigration_judge"
    ]
    with pytest.raises(ConfigError, match="not a court or judge"):
        parse_pack(yaml.safe_dump(doc).encode(), "bad.yaml")


@pytest.mark.parametrize(
    ("pack", "issuer", "ok"),
    [
        ("new-york-green-light", "article_iii_judge", True),
        ("new-york-green-light", "state_judge", False),  # Article III only (fail closed)
        ("massachusetts-940cmr37", "federal_magistrate_judge", False),
        ("colorado-sb21-131", "state_court", True),  # court-issued: any court
        ("colorado-sb21-131", "federal_magistrate_judge", True),
    ],
)
def test_court_orders_count_only_from_the_courts_each_law_names(pack, issuer, ok):
    d = decide(
        Request(
            ("civil_immigration_enforcement",),
            agency="ICE",
            evidence=(accepted(f"court_order:26-1;issuer={issuer};records=1"),),
        ),
        [load_pack(pack)],
        record_limit_enforced=True,
    )
    assert bool(d.exceptions_granted) is ok, d.reasons
