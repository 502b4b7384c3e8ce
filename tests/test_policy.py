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


def _decide(pack: str, purposes: list[str], evidence: list[str] = (), agency: str | None = None):
    req = Request(
        tuple(purposes), agency=agency, evidence=tuple(Evidence.parse(e) for e in evidence)
    )
    return decide(req, [load_pack(pack)])


def withheld(d) -> set[Category]:
    return {c for c, cd in d.categories.items() if cd.action is not Action.RELEASE}


def test_builtin_packs_load_and_colorado_2020_is_default():
    assert {"colorado-2020", "colorado-sb21-131"} <= set(builtin_pack_ids())
    assert load_pack(None).pack.id == "colorado-2020"


def test_co2020_solely_civil_withholds_identity_and_status():
    d = _decide("colorado-2020", ["civil_immigration_enforcement"], agency="ICE")
    assert not d.refused
    assert withheld(d) >= IDENTITY | STATUS
    assert any("identity-solely-civil-immigration" in r and "solely" in r for r in d.reasons)


def test_co2020_mixed_purpose_fails_the_sole_test_but_status_stays_withheld():
    d = _decide("colorado-2020", ["civil_immigration_enforcement", "criminal_investigation"])
    assert withheld(d) == STATUS
    assert any("'sole' test is not met" in r for r in d.reasons)
    # the claimed law-enforcement exception has no evidence: said, never silently granted
    assert any("claimed by the stated purpose but not granted" in r for r in d.reasons)


def test_sb21_131_has_no_sole_test():
    d = _decide("colorado-sb21-131", ["civil_immigration_enforcement", "criminal_investigation"])
    assert withheld(d) >= IDENTITY | STATUS
    d = _decide("colorado-sb21-131", ["criminal_immigration_enforcement"])
    assert withheld(d) >= IDENTITY | STATUS


def test_court_order_releases_whole_under_both_packs():
    for pack in ("colorado-2020", "colorado-sb21-131"):
        d = _decide(pack, ["criminal_investigation"], ["court_order:2026CR1234"])
        assert not d.restricted, (pack, d.reasons)


def test_court_order_lifts_sb21_131_even_for_immigration_purpose():
    d = _decide(
        "colorado-sb21-131", ["civil_immigration_enforcement"], ["judicial_warrant:1:26-mj-00042"]
    )
    assert not d.restricted
    assert d.exceptions_granted == (
        "colorado-sb21-131/judicial_process: judicial_warrant:1:26-mj-00042",
    )


def test_ice_administrative_warrant_is_rejected_with_reason():
    d = _decide(
        "colorado-sb21-131",
        ["civil_immigration_enforcement"],
        ["administrative_warrant:I-200-0001"],
    )
    assert withheld(d) >= IDENTITY | STATUS
    assert any("administrative_warrant:I-200-0001 is not accepted" in r for r in d.reasons)
    assert not d.exceptions_granted


def test_co2020_status_withheld_for_any_purpose_without_exception():
    d = _decide("colorado-2020", ["research"])
    assert withheld(d) == STATUS
    d = _decide("colorado-2020", ["research"], ["governor_authorization:EO-2026-01"])
    assert withheld(d) == set()


@pytest.mark.parametrize("pack", ["colorado-2020", "colorado-sb21-131"])
def test_unknown_purpose_is_refused_listing_known_ones(pack):
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
                "when": [{"recipients": ["immigration_enforcement"]}],
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
    both = decide(req, [lp, load_pack("colorado-2020")])
    assert both.action_for(Category.NAME) is Action.NULL  # null beats release
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
