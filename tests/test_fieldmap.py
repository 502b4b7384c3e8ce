"""Field maps: validation errors name the file and key path and suggest a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from redactor.categories import Action, Category
from redactor.errors import ConfigError
from redactor.fieldmap import load_field_map, parse_field_map


def _map(columns: dict, **table) -> dict:
    return {"name": "t", "tables": {"drivers": {"columns": columns, **table}}}


def test_unknown_category_names_path_and_suggests():
    with pytest.raises(ConfigError) as e:
        parse_field_map(_map({"DOB": "birthdate"}), "maps/x.yaml")
    assert str(e.value) == (
        "Unknown category 'birthdate' at tables.drivers.columns.DOB in "
        "field map maps/x.yaml — did you mean birth_date?"
    )


def test_columns_match_case_insensitively_and_overrides_parse():
    fm = parse_field_map(
        _map(
            {
                "DL_NBR": {"category": "drivers_license", "action": "mask", "keep_last": 2},
                "county_cd": "none",
            }
        )
    )
    rule = fm.table(None).rule("  dl_nbr ")
    assert rule.category is Category.DRIVERS_LICENSE and rule.action is Action.MASK
    assert rule.keep_last == 2
    assert fm.table("DRIVERS").rule("COUNTY_CD").category is Category.NONE


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"SSN": {"category": "ssn", "action": "keep"}}, "cannot be overridden to release"),
        ({"SSN": {"category": "ssn", "action": "refuse"}}, "applies to whole requests"),
        ({"SSN": {"category": "ssn", "acton": "drop"}}, "did you mean action"),
        ({"ssn": "ssn", "SSN": "ssn"}, "listed twice"),
        ({"SSN": {"category": "ssn", "keep_last": 40}}, "keep_last"),
    ],
)
def test_invalid_columns(columns, message):
    with pytest.raises(ConfigError, match=message):
        parse_field_map(_map(columns), "m.yaml")


def test_table_selection_errors(tmp_path: Path):
    fm = parse_field_map(
        {"name": "x", "tables": {"drivers": {"columns": {}}, "caseload": {"columns": {}}}}, "x.yaml"
    )
    with pytest.raises(ConfigError, match="say which one with --table"):
        fm.table(None)
    with pytest.raises(ConfigError) as e:
        fm.table("driver")
    assert "did you mean drivers" in str(e.value)


def test_file_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_field_map(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntables: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+"):
        load_field_map(bad)
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("name: !!python/object/apply:os.system ['true']\ntables: {}\n")
    with pytest.raises(ConfigError):  # safe_load: no object construction
        load_field_map(tagged)


def test_shipped_maps_validate():
    maps = sorted(Path(__file__).resolve().parent.parent.glob("field_maps/*.yaml"))
    assert maps, "field_maps/ ships no maps"
    for p in maps:
        fm = load_field_map(p)
        assert fm.sha256 and fm.tables
