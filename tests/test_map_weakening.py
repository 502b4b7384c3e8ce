"""A map cannot weaken a mask (issue 15, item 2): an action that would leave more of a protected
value in place than its category allows is refused when the map is loaded (``redactor map
check`` too), and a policy pack's defaults are checked by the same rule
(:func:`redactor.actions_rules.action_problem`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from redactor.actions_rules import action_problem
from redactor.categories import PROTECTED, Action, Category
from redactor.cli import cli
from redactor.errors import ConfigError
from redactor.fieldmap import parse_field_map
from redactor.policy.loader import parse_pack

WEAKENING = {
    "scrub on an ssn": {"category": "ssn", "action": "scrub"},
    "scrub on a name": {"category": "name", "action": "scrub"},
    "generalize an ssn (its last digits)": {"category": "ssn", "action": "generalize"},
    "generalize an ssn to the year": {
        "category": "ssn",
        "action": "generalize",
        "generalize_to": "year",
    },
    "generalize a licence number": {"category": "drivers_license", "action": "generalize"},
    "generalize an address to ZIP5": {
        "category": "address",
        "action": "generalize",
        "generalize_to": "zip5",
    },
    "an address left to a pack generalize at ZIP5": {
        "category": "address",
        "generalize_to": "zip5",
    },
    "mask keeping 5 characters": {"category": "drivers_license", "action": "mask", "keep_last": 5},
    "mask keeping 8 characters of an SSN": {"category": "ssn", "action": "mask", "keep_last": 8},
    "keep on a status column": {"category": "immigration_status", "action": "keep"},
    "release on a birth date": {"category": "birth_date", "action": "release"},
}


def _map(spec: dict) -> dict:
    return {"name": "m", "tables": {"t": {"columns": {"COL_X": spec, "county_cd": "none"}}}}


@pytest.mark.parametrize("case", WEAKENING)
def test_weakening_action_is_refused_at_load_naming_the_column(case: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_field_map(_map(WEAKENING[case]), source="m.yaml")
    assert "tables.t.columns.COL_X" in str(e.value) and "m.yaml" in str(e.value)


@pytest.mark.parametrize(
    "case",
    [
        "generalize an ssn (its last digits)",
        "mask keeping 5 characters",
        "generalize an address to ZIP5",
        "scrub on an ssn",
    ],
)
def test_map_check_refuses_a_weakening_map(case: str, tmp_path: Path) -> None:
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(_map(WEAKENING[case])))
    r = CliRunner().invoke(cli, ["map", "check", str(p)])
    assert r.exit_code == 4, r.output
    assert "weaken" in r.stderr and "COL_X" in r.stderr


STRONG = {
    "mask keeping 4": {"category": "ssn", "action": "mask", "keep_last": 4},
    "mask keeping 0": {"category": "phone", "action": "mask", "keep_last": 0},
    "birth date to the year": {"category": "birth_date", "action": "generalize"},
    "address to ZIP3": {"category": "address", "action": "generalize", "generalize_to": "zip3"},
    "address to the state": {
        "category": "address",
        "action": "generalize",
        "generalize_to": "state",
    },
    "scrub on free text": {"category": "free_text", "action": "scrub"},
    "hash an ssn": {"category": "ssn", "action": "hash"},
    "none released": {"category": "none", "action": "release"},
}


@pytest.mark.parametrize("case", STRONG)
def test_actions_that_keep_no_more_than_allowed_still_load(case: str) -> None:
    fm = parse_field_map(_map(STRONG[case]))
    assert fm.table("t").rule("COL_X") is not None


def test_the_rule_covers_every_protected_category() -> None:
    for cat in PROTECTED:
        assert action_problem(cat, Action.RELEASE) is not None
        assert action_problem(cat, Action.MASK, keep_last=5) is not None
        if cat is not Category.FREE_TEXT:
            assert action_problem(cat, Action.SCRUB) is not None
        for act in (Action.DROP, Action.NULL, Action.REDACT, Action.HASH):
            assert action_problem(cat, act) is None


def _pack_with(cat: str, action: str) -> bytes:
    src = Path(__file__).parents[1] / "redactor" / "policy" / "packs" / "colorado-sb21-131.yaml"
    data = yaml.safe_load(src.read_text())
    data.pop("include", None)
    data["actions"][cat] = action
    return yaml.safe_dump(data).encode()


@pytest.mark.parametrize(
    ("cat", "action"), [("ssn", "generalize"), ("drivers_license", "generalize"), ("name", "scrub")]
)
def test_a_pack_default_is_checked_by_the_same_rule(cat: str, action: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_pack(_pack_with(cat, action), "p.yaml")
    assert cat in str(e.value)
    assert action_problem(Category(cat), Action(action)) is not None


def test_a_pack_default_that_hides_enough_still_loads() -> None:
    assert (
        parse_pack(_pack_with("ssn", "redact"), "p.yaml").pack.actions[Category.SSN]
        is Action.REDACT
    )
