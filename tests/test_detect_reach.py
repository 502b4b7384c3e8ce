"""Issue 16 parts 2-3: agency naming styles, and values that decide what names cannot."""

from __future__ import annotations

import datetime as dt
import inspect
import random
import re

import pyarrow as pa
import pytest

from redactor.categories import Category as C
from redactor.detect import classify_column, name_rules
from redactor.detect.names import canonical_words, name_evidence
from redactor.detect.vocabulary import _merge_abbreviations, vocabulary
from redactor.errors import ConfigError

R = random.Random(1616)
N = 300


def births() -> list[dt.date]:
    return [dt.date(R.randint(1941, 2002), R.randint(1, 12), R.randint(1, 28)) for _ in range(N)]


def events() -> list[dt.date]:
    return [dt.date(R.randint(2019, 2025), R.randint(1, 12), R.randint(1, 28)) for _ in range(N)]


@pytest.mark.parametrize(
    ("column", "category"),
    [
        ("MBPL", C.PLACE_OF_BIRTH),  # IPUMS / NCHS
        ("FBPLACE", C.PLACE_OF_BIRTH),
        ("POB", C.PLACE_OF_BIRTH),
        ("lugar_nac", C.PLACE_OF_BIRTH),
        ("MOMLNAME", C.NAME),
        ("segundo_apellido", C.NAME),
        ("KIDDOB", C.BIRTH_DATE),
        ("fec_nac", C.BIRTH_DATE),
        ("situacion_migratoria", C.IMMIGRATION_STATUS),
        ("nro_ssn", C.SSN),
        ("calle_y_numero", C.ADDRESS),
        ("MRCNTYNM", C.ADDRESS),
        ("lp", C.IMMIGRATION_STATUS),
        ("NATL", C.IMMIGRATION_STATUS),
        ("CIT_CTRY", C.IMMIGRATION_STATUS),
        ("immigrantFlag", C.IMMIGRATION_STATUS),
        ("EmergencyOnlyInd", C.STATUS_PROXY),
        ("LMTD_DUR_IND", C.STATUS_PROXY),
        ("DDA", C.STATUS_PROXY),  # AAMVA compliance type
        ("DAQ", C.DRIVERS_LICENSE),
        ("yrimmig", C.IMMIGRATION_STATUS),
        ("refugee_arrival_dt", C.IMMIGRATION_STATUS),
    ],
)
def test_names_in_agency_styles(column: str, category: C) -> None:
    ev = name_evidence(column)
    assert ev is not None and ev.category is category, (column, canonical_words(column), ev)


@pytest.mark.parametrize(
    "column",
    [
        "BWTGRAMS",
        "BIRTHWT",
        "GESTWKS",
        "CELL_BLK",
        "ProviderNpi",
        "stateStudentId",
        "CERTNO",
        "num_expediente",
        "no_paciente",
        "employer_ein",
        "estado_civil",
        "hh_size",
        "VEH_PLATE",
    ],
)
def test_lookalike_names_are_clear(column: str) -> None:
    ev = name_evidence(column)
    assert ev is not None and ev.category is C.NONE and ev.score >= 0.6, (column, ev)


def test_vocabulary_is_package_data_with_sources() -> None:
    v = vocabulary()
    assert v.abbreviations["bpl"] == ("birth", "place")
    assert v.exact["dda"][0] is C.STATUS_PROXY and "AAMVA" in v.exact["dda"][2]


def test_vocabulary_data_is_consistent_and_all_used() -> None:
    v = vocabulary()
    assert v.abbreviations["frst"] == ("first",)  # names_abbreviations.yaml
    assert v.abbreviations["no"] == ("number",) and v.abbreviations["#"] == ("number",)
    with pytest.raises(ConfigError, match=r"b\.yaml: abbreviation 'nm' reads 'number'"):
        _merge_abbreviations(("a.yaml", {"nm": ["name"]}), ("b.yaml", {"nm": ["number"]}))
    with pytest.raises(ConfigError, match="no word set 'nope'"):
        v.words("nope")
    asked = set(re.findall(r'_words\("(\w+)"\)', inspect.getsource(name_rules)))
    assert asked == set(v.word_sets), "word sets in names_words.yaml the rules never read"


@pytest.mark.parametrize(
    ("column", "category"),
    [  # an earlier rule outranks a later one
        ("SSN_IND", C.STATUS_PROXY),  # has-SSN flag before SSN
        ("VEH_PLATE_NO", C.NONE),  # vehicle before licence number
        ("OFFICE_PHONE", C.NONE),  # office phone before phone
        ("BIRTH_WT", C.NONE),  # birth measure before birth date
        ("LIC_CLASS", C.STATUS_PROXY),  # licence class before licence number
        ("Cell_Block", C.NONE),  # jail cell before phone
    ],
)
def test_rule_order_decides_lookalikes(column: str, category: C) -> None:
    ev = name_evidence(column)
    assert ev is not None and ev.category is category, (column, ev)


@pytest.mark.parametrize(
    "encode",
    [
        lambda d: d.isoformat(),
        lambda d: d.strftime("%Y%m%d"),
        lambda d: d.strftime("%d-%b-%y").upper(),
        lambda d: d.strftime("%B %-d, %Y"),
        lambda d: str((d - dt.date(1960, 1, 1)).days),  # SAS day numbers
        lambda d: str(int(dt.datetime(d.year, d.month, d.day).timestamp())),  # epoch seconds
        lambda d: str(int(dt.datetime(d.year, d.month, d.day).timestamp()) * 1000),
    ],
    ids=["iso", "yyyymmdd", "dd-mon-yy", "words", "sas", "epoch_s", "epoch_ms"],
)
def test_birth_dates_vs_event_dates_in_every_form(encode) -> None:
    b = classify_column("dt1", pa.array([encode(d) for d in births()]))
    e = classify_column("dt2", pa.array([encode(d) for d in events()]))
    assert b.flagged and b.category is C.BIRTH_DATE, b
    assert e.clear, e


def test_places_of_birth_vs_counties() -> None:
    abroad = ["GUADALAJARA, JAL, MX", "MEXICO", "SAN PEDRO SULA, CR, HN", "HAITI", "LAGOS, LA, NG"]
    counties = ["ADAMS", "WELD", "LARIMER", "MESA", "PUEBLO COUNTY", "KING"]
    p = classify_column("c7", pa.array([R.choice(abroad) for _ in range(N)]))
    c = classify_column("c8", pa.array([R.choice(counties) for _ in range(N)]))
    assert p.flagged and p.category is C.PLACE_OF_BIRTH, p
    assert not c.flagged, c


def ssn_like() -> int:
    area = R.choice([R.randint(1, 99), R.randint(100, 665), R.randint(667, 899)])
    return int(f"{area:03d}{R.randint(1, 99):02d}{R.randint(1, 9999):04d}")


def test_integer_ssns_vs_nine_digit_case_numbers() -> None:
    ssns = classify_column("case_id", pa.array([ssn_like() for _ in range(N)]))
    cases = classify_column("case_id", pa.array([R.randint(10**8, 10**9 - 1) for _ in range(N)]))
    plain = classify_column("fld3", pa.array([str(ssn_like()) for _ in range(N)]))
    assert ssns.flagged and ssns.category is C.SSN, ssns
    assert not cases.flagged, cases
    assert plain.flagged and plain.category is C.SSN, plain


def test_status_flags_vs_other_statuses() -> None:
    yn = pa.array([R.choice("YN") for _ in range(N)])
    for col in ("DETAINER_RCVD", "lawful_pres_ind", "EmergencyOnlyInd", "qual_alien_ind"):
        s = classify_column(col, yn)
        assert s.flagged, s
    codes = {
        "case_status": ["OPEN", "CLOSED", "PENDING"],
        "enrollmentStatus": ["ACTIVE", "WITHDRAWN"],
        "elStatus": ["EL", "RFEP", "IFEP", "EO"],
        "lunchStatus": ["F", "R", "P"],
    }
    for col, vals in codes.items():
        s = classify_column(col, pa.array([R.choice(vals) for _ in range(N)]))
        assert s.clear, s


def test_licence_classes_and_document_types_decided_by_values() -> None:
    cls = classify_column("DL_CLASS", pa.array([R.choice(["C", "M", "CDL-A"]) for _ in range(N)]))
    ab60 = classify_column("DL_CLASS", pa.array([R.choice(["C", "C AB60", "M"]) for _ in range(N)]))
    docs = classify_column("doc_type", pa.array([R.choice(["PAYSTUB", "LEASE"]) for _ in range(N)]))
    ids = classify_column(
        "doc_type", pa.array([R.choice(["I-94", "PASSPORT", "LEASE"]) for _ in range(N)])
    )
    assert cls.clear and docs.clear
    assert ab60.flagged and ids.flagged


def test_remarks_with_a_short_list_of_codes_are_not_free_text() -> None:
    codes = classify_column(
        "rmk", pa.array([R.choice(["OK", "REVIEWED", "SEE FILE"]) for _ in range(N)])
    )
    assert codes.clear, codes
