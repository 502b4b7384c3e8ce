"""The recipient registry (issue 14 part 1): one reviewed list of immigration-enforcement
agencies, matched robustly, shown by `redactor policy recipients`, used by every pack."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from redactor.categories import PROTECTED, Action
from redactor.cli import cli
from redactor.errors import ConfigError
from redactor.policy import builtin_pack_ids, decide, load_pack
from redactor.policy.recipients import match_recipient, parse_registry, registry, words
from redactor.request import Request


@pytest.mark.parametrize(
    ("typed", "entry", "agency", "office"),
    [
        ("ICE", "ICE", "ICE", None),
        ("ice", "ICE", "ICE", None),
        ("I.C.E.", "ICE", "ICE", None),
        ("ICE's Denver office", "ICE", "ICE", None),
        ("Immigration and Customs Enforcement", "ICE", "ICE", None),
        ("U.S. Immigration & Customs Enforcement", "ICE", "ICE", None),
        ("United States Immigration and Customs Enforcement", "ICE", "ICE", None),
        ("ERO", "ICE-ERO", "ICE", None),
        ("ICE ERO Denver", "ICE-ERO", "ICE", "Denver"),
        ("ERO Denver", "ICE-ERO", "ICE", "Denver"),
        ("Denver ERO field office", "ICE-ERO", "ICE", "Denver"),
        ("ICE/ERO - Salt Lake City Field Office", "ICE-ERO", "ICE", "Salt Lake City"),
        ("Enforcement & Removal Operations (ERO), Newark", "ICE-ERO", "ICE", "Newark"),
        ("HSI", "ICE-HSI", "ICE", None),
        ("Homeland Security Investigations - Denver", "ICE-HSI", "ICE", None),
        ("CBP", "CBP", "CBP", None),
        ("Customs & Border Protection (CBP)", "CBP", "CBP", None),
        ("U.S. Customs and Border Protection", "CBP", "CBP", None),
        ("Border Patrol", "CBP-USBP", "CBP", None),
        ("U.S. Border Patrol, El Paso Sector", "CBP-USBP", "CBP", None),
        ("Office of Field Operations", "CBP-OFO", "CBP", None),
        ("OFO", "CBP-OFO", "CBP", None),
        ("DHS", "DHS", "DHS", None),
        ("Dept. of Homeland Security", "DHS", "DHS", None),
        ("U.S. Department of Homeland Security", "DHS", "DHS", None),
        ("USCIS", "USCIS", "USCIS", None),
        ("Weld County 287(g) task force", "287G", "287G", None),
    ],
)
def test_every_name_of_an_immigration_agency_matches(typed, entry, agency, office):
    r = match_recipient(typed)
    assert r is not None, typed
    assert (r.entry_id, r.agency_id, r.office) == (entry, agency, office)


@pytest.mark.parametrize(
    "typed",
    [
        "Denver Police Department",
        "Colorado State Patrol",
        "Justice Department",
        "FBI",
        "Denver Public Schools",
        "Police",
        "Office of the State Auditor",
        "",
        "   ",
    ],
)
def test_other_agencies_do_not_match(typed):
    assert match_recipient(typed) is None


def test_an_unlisted_name_holding_a_keyword_is_treated_as_one_fail_closed():
    r = match_recipient("Joint immigration task force")
    assert r is not None and r.entry_id is None and "fail closed" in r.reason()


@given(
    st.sampled_from(["ICE", "ERO", "HSI", "CBP", "Border Patrol", "DHS"]),
    st.lists(
        st.sampled_from(["U.S.", "the", "(", ")", "-", ",", "&", "field", "office"]), max_size=4
    ),
    st.booleans(),
)
def test_matching_ignores_case_punctuation_and_noise_words(name, noise, upper):
    base = match_recipient(name)
    typed = " ".join([*noise, name.upper() if upper else name.lower()])
    got = match_recipient(typed)
    assert got is not None and got.entry_id == base.entry_id


def test_words_normalise_the_way_the_docstring_says():
    assert words("U.S. Customs & Border Protection (CBP)") == (
        "us",
        "customs",
        "and",
        "border",
        "protection",
        "cbp",
    )
    assert words("ICE's") == ("ice",)


def test_registry_is_data_with_review_metadata_and_shown_by_the_cli():
    reg = registry()
    assert reg.data.reviewed.by and reg.version and len(reg.sha256) == 64
    ids = {a.id for a in reg.data.agencies}
    assert {"DHS", "ICE", "ICE-ERO", "ICE-HSI", "CBP", "CBP-USBP", "CBP-OFO"} <= ids
    out = CliRunner().invoke(cli, ["policy", "recipients"])
    assert out.exit_code == 0
    for needle in (
        "ICE-ERO",
        "Enforcement and Removal Operations",
        "Denver",
        "HSI",
        "Border Patrol",
        "Office of Field Operations",
        "fail closed",
    ):
        assert needle in out.output
    # the registry file is not a policy pack
    assert "_recipients" not in builtin_pack_ids()


def test_a_broken_registry_is_refused():
    doc = yaml.safe_load(registry().data.model_dump_json())
    doc["agencies"][1]["parent"] = "NOPE"
    with pytest.raises(ConfigError, match="unknown parent"):
        parse_registry(yaml.safe_dump(doc).encode(), "bad.yaml")


IMMIGRATION_PACKS = [p for p in builtin_pack_ids() if load_pack(p).pack.registry_recipients]


def test_every_builtin_pack_uses_the_registry():
    assert set(IMMIGRATION_PACKS) == set(builtin_pack_ids())


@pytest.mark.parametrize("pack", IMMIGRATION_PACKS)
@pytest.mark.parametrize(
    "agency",
    ["ICE", "ERO Denver", "Customs & Border Protection (CBP)", "HSI", "U.S. Border Patrol"],
)
@pytest.mark.parametrize(
    "purposes",
    [("research",), ("criminal_investigation",), ("motor_vehicle_administration", "research")],
)
def test_a_registry_agency_gets_nothing_protected_whatever_purpose_it_states(
    pack, agency, purposes
):
    d = decide(Request(purposes, agency=agency), [load_pack(pack)])
    if d.refused:
        return
    released = [c for c in PROTECTED if d.action_for(c) is Action.RELEASE]
    assert released == [], (pack, agency, purposes, d.reasons)
    assert d.immigration_request
