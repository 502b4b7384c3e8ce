""" "Did you mean" for agencies (issue 20 item 1): a typo of a registry agency gets a warning
that even -q keeps, and the decision is exactly the one for the name as typed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.policy import decide, load_pack
from redactor.policy.recipients import registry
from redactor.request import Request

TYPOS = {
    "ICEE": "ICE",
    "icee": "ICE",
    "ICEE Denver": "ICE",
    "CPB": "CBP",
    "HIS": "HSI",
    "DHSS": "DHS",
    "USCIZ": "USCIS",
    "Imigration & Custom Enforcement": "U.S. Immigration and Customs Enforcement",
}
LOCAL = [
    "Denver Police Department",
    "CBI",
    "Colorado Bureau of Investigation",
    "USPS",
    "Euro Police",
    "Aurora PD",
    "El Paso County Sheriff",
    "FBI",
    "Department of Human Services",
]


@pytest.mark.parametrize(("typed", "meant"), TYPOS.items())
def test_a_near_miss_is_hinted_and_treated_as_that_agency(typed: str, meant: str) -> None:
    """Fail closed: a typo of an immigration agency is decided as that agency's request."""
    reg = registry()
    assert reg.near_miss(typed) == f"did you mean {meant}?"
    found = reg.match(typed)
    assert found is not None and found.matched.endswith("(by near spelling)")
    exact = reg.match(meant)
    assert exact is not None and found.entry_id == exact.entry_id


@pytest.mark.parametrize("typed", [*LOCAL, "ICE", "ICE ERO Denver", "Border Patrol"])
def test_no_hint_for_other_agencies_or_for_a_match(typed: str) -> None:
    assert registry().near_miss(typed) is None


def test_the_warning_survives_quiet_and_a_typo_releases_nothing_more(tmp_path) -> None:
    r = CliRunner().invoke(
        cli,
        ["request", "open", "-q", "--agency", "ICEE", "--requester", "J. Doe",
         "--policy", "oregon-180-805", "--purpose", "criminal_investigation"],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "agency 'ICEE' is not spelt as in the recipient registry; did you mean ICE?" in r.stderr
    assert "opened request" not in r.stderr  # -q hid the summary, not the warning
    packs = [load_pack("oregon-180-805")]
    asked = Request(purposes=("criminal_investigation",), agency="ICEE", requester="J. Doe")
    ice = Request(purposes=("criminal_investigation",), agency="ICE", requester="J. Doe")
    assert decide(asked, packs).category_actions() == decide(ice, packs).category_actions()
    assert decide(asked, packs).immigration_request
