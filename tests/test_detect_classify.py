"""Column classification: agency abbreviations, content-only columns, and the lookalikes."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from redactor.categories import Category as C
from redactor.detect import FLAG_THRESHOLD, ColumnSuggestion, classify_columns
from tests.support.detection_synth import a_number, birth_date, dl_number, itin, recent_date, ssn

N = 300
R = random.Random(5)


def col(gen) -> list:
    return [gen(R) for _ in range(N)]


@pytest.fixture(scope="module")
def suggestions() -> dict[str, ColumnSuggestion]:
    table = pa.table(
        {
            # the unfamiliar names, with plausible content
            "OPER_LIC_NO": col(dl_number),
            "dt_of_birth": col(lambda r: birth_date(r).strftime("%m/%d/%Y")),
            "SOC_SEC_NO": col(lambda r: ssn(r, "")),
            "TIN": col(itin),
            "RES_ADDR_LN1": col(lambda r: f"{r.randint(1, 9999)} Elm St"),
            "ZIP5": col(lambda r: f"{r.randint(80001, 81658)}"),
            "CITIZENSHIP_CD": col(lambda r: r.choice("CNPU")),
            "A_NUM": col(a_number),
            "VISA_TYP": col(lambda r: r.choice(["H-1B", "F-1", "B-2"])),
            "FRST_NM": col(lambda r: r.choice(["Ana", "Wei", "Omar"])),
            "lname": col(lambda r: r.choice(["Reyes", "Kim", "Novak"])),
            "CNTRY_BIRTH": col(lambda r: r.choice(["MX", "GT", "IN"])),
            "LAWFUL_PRES_IND": col(lambda r: r.choice("YN")),
            "HAS_SSN_FLG": col(lambda r: r.choice("YN")),
            "LIC_CLASS": col(lambda r: r.choice(["C", "C", "CRCSA"])),
            # content alone (meaningless names)
            "c1": col(lambda r: ssn(r)),
            "c2": col(a_number),
            "c3": col(lambda r: r.choice(["LPR", "UNDOCUMENTED", "US CITIZEN", "DACA"])),
            "c4": col(lambda r: f"{r.randint(1, 9999)} Oak Avenue Apt {r.randint(1, 9)}"),
            # lookalikes that must NOT be flagged
            "office_address": ["1881 Pierce St, Lakewood, CO 80214"] * N,
            "plate_no": col(lambda r: f"A{r.randint(1000000, 9999999)}"),  # DL-shaped on purpose
            # 9-digit case numbers (about 1 in 9 could be no SSN: area 000/666/9xx, group 00);
            # a case number column holding only valid SSNs is withheld, see
            # tests/test_detect_integer_ssn.py
            "case_number": col(lambda r: f"{r.randint(10**8, 10**9 - 1)}"),
            "APPL_DT": col(lambda r: recent_date(r).isoformat()),
            "ISSUE_DT": col(lambda r: birth_date(r).isoformat()),  # even birth-like years
            "status": col(lambda r: r.choice(["OPEN", "CLOSED", "PENDING", "DENIED"])),
        }
    )
    return classify_columns(table)


EXPECTED = {
    "OPER_LIC_NO": C.DRIVERS_LICENSE,
    "dt_of_birth": C.BIRTH_DATE,
    "SOC_SEC_NO": C.SSN,
    "TIN": C.ITIN,
    "RES_ADDR_LN1": C.ADDRESS,
    "ZIP5": C.ADDRESS,
    "CITIZENSHIP_CD": C.IMMIGRATION_STATUS,
    "A_NUM": C.IMMIGRATION_STATUS,
    "VISA_TYP": C.IMMIGRATION_STATUS,
    "FRST_NM": C.NAME,
    "lname": C.NAME,
    "CNTRY_BIRTH": C.PLACE_OF_BIRTH,
    "LAWFUL_PRES_IND": C.IMMIGRATION_STATUS,
    "HAS_SSN_FLG": C.STATUS_PROXY,
    "LIC_CLASS": C.STATUS_PROXY,
    "c1": C.SSN,
    "c2": C.IMMIGRATION_STATUS,
    "c3": C.IMMIGRATION_STATUS,
    "c4": C.ADDRESS,
}
LOOKALIKES = ["office_address", "plate_no", "case_number", "APPL_DT", "ISSUE_DT", "status"]


@pytest.mark.parametrize("column", sorted(EXPECTED))
def test_protected_columns_are_flagged_with_the_right_category(suggestions, column) -> None:
    s = suggestions[column]
    assert s.flagged, s
    assert s.category is EXPECTED[column], s
    assert s.confidence >= FLAG_THRESHOLD and s.evidence


@pytest.mark.parametrize("column", LOOKALIKES)
def test_lookalikes_are_not_flagged(suggestions, column) -> None:
    s = suggestions[column]
    assert not s.flagged, s
    assert s.category is C.NONE and s.evidence


def test_case_status_column_with_immigration_values_is_flagged() -> None:
    t = pa.table({"status": ["LPR", "US CITIZEN", "ASYLEE", "OPEN"] * 20})
    s = classify_columns(t)["status"]
    assert s.flagged and s.category is C.IMMIGRATION_STATUS


def test_lookalike_name_does_not_hide_formatted_ssns() -> None:
    """A case-number name outranks 'nine digits', never real formatted SSNs (fail closed)."""
    t = pa.table({"case_no": [ssn(R) for _ in range(50)]})
    s = classify_columns(t)["case_no"]
    assert s.flagged and s.category is C.SSN


def test_evidence_never_quotes_values() -> None:
    values = [ssn(R) for _ in range(40)]
    s = classify_columns(pa.table({"x": values}))["x"]
    text = " ".join(s.evidence)
    assert not any(v in text for v in values)


def test_odd_names_types_and_empty_columns() -> None:
    t = pa.table(
        {
            "Fecha de Nacimiento": pa.array([birth_date(R) for _ in range(30)], pa.date32()),
            " Home  Phone ": pa.array([None] * 30, pa.string()),
            "Photo": pa.array([b"\x89PNG\r\n\x1a\n" + bytes(20)] * 30),
            "tags": pa.array([["a"]] * 30),
            "n": pa.array(range(30)),
            "ssn_int": pa.array([int(ssn(R, "")) for _ in range(30)]),
        }
    )
    s = classify_columns(t)
    assert s["Fecha de Nacimiento"].category is C.BIRTH_DATE
    assert s[" Home  Phone "].category is C.PHONE  # name alone, no values sampled
    assert s["Photo"].category is C.PHOTO
    assert s["tags"].flagged  # nested values are not analysed: fail closed
    assert not s["n"].flagged
    assert s["ssn_int"].category is C.SSN


def test_profiling_columns_together_equals_one_at_a_time() -> None:
    """classify_columns runs each signal's regex once over all columns; the counts per column
    must be what profiling each column alone gives."""
    from datetime import date

    from redactor.detect.content import profile, profiles

    cols = [
        pa.array(col(lambda r: ssn(r, ""))),
        pa.array(col(lambda r: r.randint(1, 10**9))),
        pa.array(col(lambda r: r.uniform(0, 99))),
        pa.array(col(lambda r: r.choice([True, False]))),
        pa.array(col(birth_date), pa.date32()),
        pa.array([None] * N, pa.string()),
        pa.array(["  "] * N),
        pa.array([b"\x89PNG...."] * N),
        pa.array(col(lambda r: f"{r.randint(1, 9999)} Oak Avenue, client SSN {ssn(r)}")),
        pa.chunked_array([["RENEW", None, "DUP"], ["ORIG"]]),
        pa.array([date(2024, 1, 2)] * 3),
    ]

    def key(p):
        return (p.kind, p.n, p.distinct, p.mean_len, dict(p.shares), dict(p.counts), p.birthlike,
                p.year_span, p.numeric_date)  # fmt: skip

    assert [key(p) for p in profiles(cols)] == [key(profile(c)) for c in cols]
