"""Policy packs: loading, validation and the decisions the Colorado packs make."""

from __future__ import annotations

import pytest
import yaml

from redactor.categories import Action, Category
from redactor.errors import ConfigError
from redactor.policy import builtin_pack_ids, decide, load_pack, parse_pack
from redactor.request import Evidence, Request

IDENTITY = {
    Category.NAME,
    Category.BIRTH_DATE,
    Category.SSN,
    Category.ITIN,
    Category.DRIVERS_LICENSE,
    Category.ADDRESS,
}
STATUS = {Category.IMMIGRATION_STATUS, Category.STATUS_PROXY, Category.PLACE_OF_BIRTH}


def _decide(
    pack: str,
    purposes: list[str],
    evidence: list[str] = (),
    agency: str | None = "Colorado State Patrol",
    reviewer: str | None = None,
):
    """``reviewer``: the evidence was accepted by that reviewer; None: it is only claimed."""
    ev = tuple(Evidence.parse(e) for e in evidence)
    if reviewer:
        ev = tuple(e.accepted_by(reviewer) for e in ev)
    return decide(Request(tuple(purposes), agency=agency, evidence=ev), [load_pack(pack)])


def withheld(d) -> set[Category]:
    return {c for c, cd in d.categories.items() if cd.action is not Action.RELEASE}


def test_builtin_packs_load_and_colorado_in_force_is_default():
    assert {"colorado", "colorado-2020", "colorado-sb21-131"} <= set(builtin_pack_ids())
    default = load_pack(None).pack
    assert default.id == "colorado"
    # the statute as amended and the 2020 guidance, together (strictest wins)
    assert {r.id.split(".")[0] for r in default.rules} == {"colorado-sb21-131", "colorado-2020"}
    assert default.registry_recipients
    assert default.obligations.report.every == "quarter" and default.obligations.report.attest


def test_co2020_solely_civil_withholds_identity_and_status():
    d = _decide("colorado-2020", ["civil_immigration_enforcement"], agency="ICE")
    assert not d.refused
    assert withheld(d) >= IDENTITY | STATUS


def test_co2020_a_second_purpose_no_longer_sidesteps_the_rule():
    """Legal review colorado-2020 #1: 'solely' qualifies only the statutory-duty condition."""
    d = _decide(
        "colorado-2020",
        ["civil_immigration_enforcement", "criminal_investigation"],
        agency="Denver Police Department",
    )
    assert withheld(d) >= IDENTITY | STATUS
    assert any("pii-release-test" in r for r in d.reasons)
    # the claimed criminal-investigation exception has no evidence: said, never granted
    assert any("claimed by the stated purpose but not granted" in r for r in d.reasons)


def test_sb21_131_has_no_sole_test():
    d = _decide("colorado-sb21-131", ["civil_immigration_enforcement", "criminal_investigation"])
    assert withheld(d) >= IDENTITY | STATUS
    d = _decide("colorado-sb21-131", ["criminal_immigration_enforcement"])
    assert withheld(d) >= IDENTITY | STATUS


def test_police_criminal_investigation_is_released_without_evidence():
    for pack in ("colorado", "colorado-2020", "colorado-sb21-131"):
        d = _decide(pack, ["criminal_investigation"], agency="Denver Police Department")
        assert withheld(d) & IDENTITY == set(), (pack, d.reasons)
        assert not d.immigration_request


def test_reviewed_court_order_releases_whole_under_every_colorado_pack():
    for pack in ("colorado", "colorado-2020", "colorado-sb21-131"):
        d = _decide(
            pack,
            ["criminal_investigation"],
            ["court_order:2026CR1234;issuer=state_court"],
            reviewer="Sgt. B. Reviewer",
        )
        assert not d.restricted, (pack, d.reasons)


def test_claimed_court_order_lifts_nothing():
    d = _decide(
        "colorado-sb21-131",
        ["civil_immigration_enforcement"],
        ["court_order:2026CR1234;issuer=state_court"],
        agency="ICE",
    )
    assert withheld(d) >= IDENTITY | STATUS
    assert not d.exceptions_granted
    assert any("is a claim typed with the request" in r for r in d.reasons)


def test_reviewed_court_warrant_lifts_sb21_131_even_for_immigration_purpose():
    d = _decide(
        "colorado-sb21-131",
        ["civil_immigration_enforcement"],
        ["judicial_warrant:1:26-mj-00042;issuer=federal_magistrate_judge"],
        agency="ICE",
        reviewer="R. Counsel",
    )
    assert not d.restricted
    assert d.exceptions_granted == (
        "colorado-sb21-131/judicial_process: judicial_warrant:1:26-mj-00042;"
        "issuer=federal_magistrate_judge (accepted by R. Counsel)",
    )
    assert d.lifted_categories and d.immigration_request


def test_ice_administrative_warrant_is_rejected_with_reason():
    d = _decide(
        "colorado-sb21-131",
        ["civil_immigration_enforcement"],
        ["administrative_warrant:I-200-0001"],
        reviewer="R. Counsel",
    )
    assert withheld(d) >= IDENTITY | STATUS
    assert any("administrative_warrant:I-200-0001 is not accepted" in r for r in d.reasons)
    assert not d.exceptions_granted


def test_co2020_status_withheld_for_any_purpose_and_no_governor_exception():
    d = _decide("colorado-2020", ["research"])
    assert withheld(d) == STATUS
    # Moss v. Polis (legal review colorado-2020 #4): a governor's letter lifts nothing
    d = _decide(
        "colorado-2020", ["research"], ["governor_authorization:EO-2026-01"], reviewer="R. Counsel"
    )
    assert withheld(d) == STATUS
    assert not d.immigration_request  # only the always-on rule applied


@pytest.mark.parametrize("pack", ["colorado-2020", "colorado-sb21-131"])
def test_unknown_purpose_is_refused_listing_known_ones(pack):  # the library fails closed
    d = _decide(pack, ["civil_immigration_enforcement", "curiosity"])
    assert d.refused
    assert "unknown stated purpose curiosity" in d.reasons[0]
    assert "civil_immigration_enforcement" in d.reasons[0]


def test_unknown_evidence_kind_is_refused():
    d = _decide("colorado-2020", ["research"], ["pinky_swear:1"])
    assert d.refused and "unknown evidence kind pinky_swear" in d.reasons[0]


def _pack_doc(**over) -> dict:
    doc = yaml.safe_load(load_pack("colorado-sb21-131").pack.model_dump_json(by_alias=True))
    doc.update(over)
    return doc


def test_schema_expresses_recipient_triggers_notification_and_strictest_wins():
    ny = _pack_doc(
        id="test-ny-like",
        title="recipient-triggered test pack",
        rules=[
            {
                "id": "any-info-to-immigration-agency",
                "cite": "VTL 201(12) (test)",
                "summary": "no DMV data to an agency that primarily enforces immigration law",
                "protects": ["name", "address", "photo"],
                "when": [{"registry": True}],
                "unless": ["judicial_process"],
            }
        ],
        actions={"name": "null", "address": "refuse", "photo": "drop"},
        obligations={"log": "all_requests", "notify_subject": {"days": 3, "business_days": False}},
    )
    lp = parse_pack(yaml.safe_dump(ny).encode(), "test-ny.yaml")
    # fires on who asks, whatever the stated purpose
    req = Request(
        ("motor_vehicle_administration",), agency="U.S. Immigration and Customs Enforcement (ERO)"
    )
    d = decide(req, [lp])
    assert d.action_for(Category.NAME) is Action.NULL
    assert d.action_for(Category.ADDRESS) is Action.REFUSE
    assert any("notify the subject within 3 days" in o for o in d.obligations)
    # not for another agency
    assert not decide(
        Request(("motor_vehicle_administration",), agency="Denver PD"), [lp]
    ).restricted
    # several packs: the strictest action per category wins
    both = decide(
        Request(("motor_vehicle_administration",), agency="Denver PD"),
        [lp, load_pack("colorado-2020")],
    )
    assert both.action_for(Category.NAME) is Action.RELEASE
    assert both.action_for(Category.IMMIGRATION_STATUS) is Action.DROP  # from colorado-2020
    both = decide(req, [lp, load_pack("colorado-2020")])
    assert both.action_for(Category.NAME) is Action.DROP  # drop (colorado-2020) beats null
    assert both.action_for(Category.IMMIGRATION_STATUS) is Action.DROP  # from colorado-2020


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"actions": {"name": "drop", "birthdate": "drop"}}, "did you mean birth_date"),
        ({"actions": {"name": "release"}}, "cannot default to release"),
        ({"actions": {"name": "hash"}}, "cannot be a pack default"),
        (
            {
                "rules": [
                    {
                        "id": "r",
                        "cite": "c",
                        "summary": "s",
                        "protects": ["name"],
                        "when": [{"purposes": ["nope"]}],
                    }
                ]
            },
            "unknown purpose 'nope'",
        ),
    ],
)
def test_invalid_packs_fail_with_path_and_reason(change, message):
    doc = _pack_doc(**change)
    with pytest.raises(ConfigError) as e:
        parse_pack(yaml.safe_dump(doc).encode(), "bad.yaml")
    assert "bad.yaml" in str(e.value) and message in str(e.value)


def test_exception_without_accepted_evidence_is_invalid():
    doc = _pack_doc()
    doc["exceptions"]["judicial_process"]["evidence"]["accept"] = []
    with pytest.raises(ConfigError, match="at least one kind of evidence"):
        parse_pack(yaml.safe_dump(doc).encode(), "bad.yaml")


def test_default_records_the_24_74_105_certification_and_quarterly_attestation():
    d = _decide("colorado", ["civil_immigration_enforcement"], agency="ICE")
    assert any("certification (C.R.S. 24-74-105)" in o for o in d.obligations)
    assert any("report every quarter" in o and "with attestation" in o for o in d.obligations)


@pytest.mark.parametrize(
    ("include", "message"),
    [(["colorado-2021"], "is not a built-in pack"), (["new-jersey-pending"], "is not in force")],
)
def test_a_pack_can_include_only_builtin_packs_in_force(include, message):
    doc = {
        "id": "x",
        "version": "1",
        "title": "t",
        "jurisdiction": "US-CO",
        "instrument": {"kind": "statute", "cite": "c"},
        "status": "in_force",
        "include": include,
    }
    with pytest.raises(ConfigError, match=message):
        parse_pack(yaml.safe_dump(doc).encode(), "bundle.yaml")
