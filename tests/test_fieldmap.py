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


# --- validation with pydantic (issue 17): the same messages, in the order a reviewer reads --------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        # an unknown key of a mapping is told before any other problem inside it
        (
            {"name": "", "nmae": "t", "tables": {}},
            "Unknown key at nmae in field map m.yaml\n"
            "  hint: top-level keys are name, description, tables",
        ),
        (
            _map({"SSN": {"category": "ssn", "keep_last": 40, "acton": "drop"}}),
            "Unknown key 'acton' at tables.drivers.columns.SSN.acton in field map m.yaml\n"
            "  hint: did you mean action?",
        ),
        (
            _map({"SSN": {"category": "birthdate"}}, sensitive_table="yes", colums={}),
            "Unknown key 'colums' at tables.drivers.colums in field map m.yaml\n"
            "  hint: table keys are columns, sensitive_table, description",
        ),
        # then the keys in the order the format lists them
        (
            _map({"SSN": {"category": "ssn", "action": "refuse", "keep_last": 40}}),
            "'refuse' applies to whole requests, not columns at "
            "tables.drivers.columns.SSN.action in field map m.yaml\n"
            "  hint: mark the table sensitive_table: true instead",
        ),
        # a repeated column is told where it stands: after a problem above it...
        (
            _map({"A": "birthdate", "ssn": "ssn", "SSN": "ssn"}),
            "Unknown category 'birthdate' at tables.drivers.columns.A in field map m.yaml"
            " — did you mean birth_date?",
        ),
        # ...and before one below it
        (
            _map({"ssn": "ssn", "SSN": "ssn", "Z": "birthdate"}),
            "Column 'SSN' is listed twice (names match as read: case, invisible characters and "
            "look-alike letters are ignored) at tables.drivers.columns.SSN in field map m.yaml",
        ),
        # a repeated table is told after a problem inside the repeat
        (
            {"name": "t", "tables": {"drivers": {}, "DRIVERS": {"columns": {"X": "zzz"}}}},
            "Unknown category 'zzz' at tables.DRIVERS.columns.X in field map m.yaml\n"
            "  hint: known: name, birth_date, ssn, itin, drivers_license, address, phone, email, "
            "place_of_birth, immigration_status, status_proxy, photo, free_text, none",
        ),
        (
            {"name": "t", "tables": {"drivers": {}, "DRIVERS": {}}},
            "Table 'DRIVERS' is listed twice at tables.DRIVERS in field map m.yaml",
        ),
        # YAML keys that are numbers are read as text, so 1 and "1" are the same column (the
        # message names the key as written)
        (
            _map({"1": "none", 1: "ssn"}),
            "Column 1 is listed twice (names match as read: case, invisible characters and "
            "look-alike letters are ignored) at tables.drivers.columns.1 in field map m.yaml",
        ),
        # a category with " (" in it is named whole (it was cut there)
        (
            _map({"X": "foo (bar)"}),
            "Unknown category 'foo (bar)' at tables.drivers.columns.X in field map m.yaml\n"
            "  hint: known: name, birth_date, ssn, itin, drivers_license, address, phone, email, "
            "place_of_birth, immigration_status, status_proxy, photo, free_text, none",
        ),
    ],
)
def test_first_problem_in_reading_order(doc: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_field_map(doc, "m.yaml")
    assert str(e.value) == message


_BAD_VALUES: list[tuple[str, object]] = [
    ("name", 7),
    ("name", "  "),
    ("tables", []),
    ("tables", {}),
    ("tables.drivers", ["columns"]),
    ("tables.drivers.sensitive_table", "yes"),
    ("tables.drivers.sensitive_table", 1),
    ("tables.drivers.columns", ["SSN"]),
    ("tables.drivers.columns.SSN", 5),
    ("tables.drivers.columns.SSN", ["ssn"]),
    ("tables.drivers.columns.SSN.category", 3),
    ("tables.drivers.columns.SSN.action", 3),
    ("tables.drivers.columns.SSN.keep_last", True),
    ("tables.drivers.columns.SSN.keep_last", 2.0),
    ("tables.drivers.columns.SSN.keep_last", "2"),
    ("tables.drivers.columns.SSN.keep_last", -1),
    ("tables.drivers.columns.SSN.generalize_to", ["zip3"]),
    ("tables.drivers.columns.SSN.generalize_to", "YEAR"),
]


@pytest.mark.parametrize(("path", "value"), _BAD_VALUES)
def test_every_problem_is_worded_for_the_map(path: str, value: object) -> None:
    """No pydantic wording reaches the reviewer: each problem is told in the map's own words,
    with the file and the key path (a category's problem at its column)."""
    doc: dict = {"name": "t", "tables": {"drivers": {"columns": {"SSN": {"category": "ssn"}}}}}
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    node[last] = value
    with pytest.raises(ConfigError) as e:
        parse_field_map(doc, "m.yaml")
    text = str(e.value)
    where = path.removesuffix(".category")
    assert f" at {where} in field map m.yaml" in text, text
    assert "Input should" not in text and "pydantic" not in text, text


def test_texts_and_keys_are_read_as_text() -> None:
    fm = parse_field_map(
        {
            "name": " t ",
            "description": 2024,
            "tables": {7: {"description": 1.5, "columns": {1: {"category": "none", "note": 3}}}},
        }
    )
    table = fm.table("7")
    assert (fm.name, fm.description, table.name, table.description) == ("t", "2024", "7", "1.5")
    assert table.rule("1").name == "1" and table.rule("1").note == "3"


def test_did_you_mean_is_one_helper() -> None:
    import doctest

    import redactor.suggest

    result = doctest.testmod(redactor.suggest)
    assert result.attempted > 0 and result.failed == 0
    fm = parse_field_map({"name": "x", "tables": {"caseload": {}, "drivers": {}}}, "x.yaml")
    with pytest.raises(ConfigError) as e:
        fm.table("caseloads")
    assert e.value.hint == redactor.suggest.did_you_mean("caseloads", ["caseload", "drivers"])
