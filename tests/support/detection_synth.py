"""Seeded generators of the synthetic detection evaluation (no real people, no Faker needed).

Two families of generated data, on purpose different from ``sample_data/`` (a DMV export):

* ``tune`` — a court system (snake_case) and a benefits agency (CamelCase). Rules were
  adjusted while looking at these.
* ``holdout`` — a tax agency (UPPER_ABBREVIATED), a corrections system (Title Case With
  Spaces), a school district (camelCase JSON) and a legacy export with meaningless column
  names; notes from other templates and other identifier formats. Written after tuning and
  not tuned on (see docs/detection.md for what that claim is worth).
* ``fresh`` — a housing authority and a workforce agency, written after the holdout fixes.

Tables come labelled (:class:`LabelledTable`); notes come with the identifiers they embed
(:func:`synthetic_notes`, :func:`faker_notes`). The scorer is ``benchmarks/detection_eval.py``
(``python -m benchmarks.detection_eval`` prints the figures in docs/detection.md). The frozen
sets of issue 16 are a different, independent generator (``detection_eval_gen.py``).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyarrow as pa

from redactor.categories import Category


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


C = Category
Gen = Callable[[random.Random], object]

FIRST = _words(
    """
    Maria Jose Wei Priya Jamal Olga Ahmed Lucia Thanh Fatima Diego Aaliyah Kwame Sofia Mateo
    Hana Ivan Grace Omar Mei Carlos Ana Tomasz Nadia Luis Keiko Samuel Rosa Yusuf Elena
    """
)


LAST = _words(
    """
    Garcia Nguyen Okafor Hernandez Kowalski Smith Haddad Patel Tran Johnson Morales Kim Ivanova
    Mensah Rossi Cohen Lopez Chen Washington Silva Novak Reyes Das Moreau Flores Yamamoto Abara
    Castillo Bauer Ortiz
    """
)
STREETS = _words(
    """
    Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Sunset Ridge Colfax Alameda Federal
    Peoria Juniper Aspen Willow Mission
    """
)
SUFFIX = _words(
    """
    St Street Ave Avenue Rd Road Blvd Dr Drive Ln Lane Ct Court Way Pl Place Ter Cir Pkwy Hwy
    Trl
    """
)
CITIES = _words(
    """
    Denver Aurora Pueblo Greeley Boulder Springfield Fresno Salem Yakima Tucson Joliet Elgin
    Lakewood Durango
    """
)
STATES = ["CO", "CA", "IL", "WA", "OR", "NY", "TX", "AZ", "NM", "UT", "NV"]
COUNTRIES = _words(
    """
    Mexico Guatemala Honduras El Salvador India China Philippines Vietnam Haiti Nigeria Ukraine
    Venezuela Colombia Cuba Canada
    """
)


def _pick(seq: Sequence[str]) -> Gen:
    return lambda r: r.choice(seq)


def _maybe_null(gen: Gen, rate: float = 0.04) -> Gen:
    return lambda r: None if r.random() < rate else gen(r)


# --- identifier generators (format-valid, obviously synthetic) ----------------------------
def ssn_parts(r: random.Random) -> tuple[int, int, int]:
    area = r.choice([r.randint(1, 665), r.randint(667, 899)])
    return area, r.randint(1, 99), r.randint(1, 9999)


def ssn(r: random.Random, sep: str = "-") -> str:
    a, g, s = ssn_parts(r)
    return f"{a:03d}{sep}{g:02d}{sep}{s:04d}"


def itin(r: random.Random, sep: str = "-") -> str:
    g = r.choice([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])
    return f"9{r.randint(0, 99):02d}{sep}{g:02d}{sep}{r.randint(0, 9999):04d}"


def a_number(r: random.Random, style: int | None = None) -> str:
    d = (
        f"{r.randint(10_000_000, 999_999_999):09d}"
        if r.random() < 0.8
        else f"{r.randint(10_000_000, 99_999_999):08d}"
    )
    style = r.randint(0, 3) if style is None else style
    if style == 0:
        return "A" + d
    if style == 1:
        return f"A-{d[:3]}-{d[3:6]}-{d[6:]}"
    if style == 2:
        return f"A# {d}"
    return f"A{d[:3]} {d[3:6]} {d[6:]}"


def dl_number(r: random.Random) -> str:
    k = r.randint(0, 5)
    if k == 0:
        return f"{r.choice('ABCDEFGHJKLMNPRSTUWY')}{r.randint(0, 9_999_999):07d}"  # CA
    if k == 1:
        return f"{r.randint(10, 99)}-{r.randint(0, 999):03d}-{r.randint(0, 9999):04d}"  # CO
    if k == 2:
        return (
            f"{r.choice('ABCDS')}{r.randint(0, 999):03d}-{r.randint(0, 9999):04d}-"
            f"{r.randint(0, 9999):04d}"
        )  # IL
    if k == 3:
        return f"{r.choice('ABFGHLMPSW')}{r.randint(0, 10**12 - 1):012d}"  # FL/MI
    if k == 4:
        return "WDL" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(9))
    return f"{r.choice('ABGHKLMSVX')}{r.randint(0, 10**8 - 1):08d}"


def phone(r: random.Random) -> str:
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice(
        [
            f"({a}) {b}-{c:04d}",
            f"{a}-{b}-{c:04d}",
            f"{a}.{b}.{c:04d}",
            f"+1 {a} {b} {c:04d}",
            f"{a}{b}{c:04d}",
            f"({a}){b}-{c:04d} x{r.randint(1, 999)}",
        ]
    )


def email(r: random.Random) -> str:
    f, last = r.choice(FIRST).lower(), r.choice(LAST).lower()
    return r.choice(
        [
            f"{f}.{last}@example.com",
            f"{f[0]}{last}{r.randint(1, 99)}@mail.example.org",
            f"{last}_{f}@test.example.net",
        ]
    )


def birth_date(r: random.Random) -> dt.date:
    return dt.date(1935, 1, 1) + dt.timedelta(days=r.randint(0, 365 * 70))


def recent_date(r: random.Random) -> dt.date:
    return dt.date(2021, 1, 1) + dt.timedelta(days=r.randint(0, 365 * 4))


def fmt_date(d: dt.date, r: random.Random, styles: Sequence[int] = (0, 1, 2)) -> str:
    s = r.choice(styles)
    return [
        d.isoformat(),
        f"{d.month:02d}/{d.day:02d}/{d.year}",
        d.strftime("%B %d, %Y"),
        f"{d.month}/{d.day}/{d.year % 100:02d}",
        d.strftime("%Y%m%d"),
        d.strftime("%d %b %Y"),
        f"{d.month}-{d.day}-{d.year}",
    ][s]


def street(r: random.Random) -> str:
    unit = r.choice(
        [
            "",
            "",
            f" Apt {r.randint(1, 40)}",
            f" Unit {r.randint(1, 9)}B",
            f" Suite {r.randint(100, 900)}",
        ]
    )
    pre = r.choice(["", "", "N ", "W ", "East "])
    return f"{r.randint(1, 19999)} {pre}{r.choice(STREETS)} {r.choice(SUFFIX)}{unit}"


def full_address(r: random.Random) -> str:
    return f"{street(r)}, {r.choice(CITIES)}, {r.choice(STATES)} {r.randint(80001, 99950):05d}"


def photo_bytes(r: random.Random) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF" + r.randbytes(64)


# --- labelled tables -----------------------------------------------------------------------
@dataclass(frozen=True)
class LabelledTable:
    name: str
    table: pa.Table
    labels: dict[str, Category]


def _table(
    name: str, cols: list[tuple[str, Category, Gen]], rows: int, r: random.Random
) -> LabelledTable:
    data = {}
    for col, _, gen in cols:
        g = _maybe_null(gen)
        data[col] = [g(r) for _ in range(rows)]
    return LabelledTable(name, pa.table(data), {c: cat for c, cat, _ in cols})


NOTE_WORDS = _words(
    """
    client reports stable housing; caseworker reviewed documents and scheduled a follow-up
    visit. income verified with employer. referred to food assistance. no changes to household
    since last review. hearing continued at request of counsel.
    """
)


def _prose(r: random.Random, k: int = 14) -> str:
    return " ".join(r.choice(NOTE_WORDS) for _ in range(k))


def tune_tables(seed: int = 7, rows: int = 400) -> list[LabelledTable]:
    r = random.Random(seed)
    court = [
        ("case_number", C.NONE, lambda r: str(r.randint(100_000_000, 999_999_999))),
        ("docket_no", C.NONE, lambda r: f"{r.randint(20, 24)}CR{r.randint(1, 99999):05d}"),
        ("defendant_first_name", C.NAME, _pick(FIRST)),
        ("defendant_last_name", C.NAME, _pick(LAST)),
        ("def_dob", C.BIRTH_DATE, lambda r: fmt_date(birth_date(r), r, (1,))),
        ("filing_date", C.NONE, lambda r: fmt_date(recent_date(r), r, (1,))),
        ("hearing_dt", C.NONE, lambda r: recent_date(r).isoformat()),
        (
            "charge_code",
            C.NONE,
            lambda r: f"{r.randint(18, 42)}-{r.randint(1, 9)}-{r.randint(100, 999)}",
        ),
        ("charge_desc", C.NONE, _pick(["THEFT", "DUI", "ASSAULT 3", "TRESPASS", "FRAUD"])),
        ("judge_name", C.NAME, lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}"),
        ("courtroom", C.NONE, lambda r: f"{r.randint(1, 5)}{r.choice('ABC')}"),
        ("defendant_addr", C.ADDRESS, street),
        ("def_zip", C.ADDRESS, lambda r: f"{r.randint(80001, 81658):05d}"),
        ("ssn", C.SSN, ssn),
        ("dl_number", C.DRIVERS_LICENSE, dl_number),
        ("case_status", C.NONE, _pick(["OPEN", "CLOSED", "PENDING", "DISMISSED"])),
        ("status", C.NONE, _pick(["ACTIVE", "INACTIVE", "WARRANT", "CLOSED"])),
        ("court_address", C.NONE, _pick(["1437 Bannock St, Denver, CO 80202"])),
        (
            "citizenship",
            C.IMMIGRATION_STATUS,
            _pick(["US CITIZEN", "LPR", "NON-CITIZEN", "UNKNOWN", "NATURALIZED"]),
        ),
        ("email", C.EMAIL, email),
        (
            "vehicle_plate",
            C.NONE,
            lambda r: (
                f"{r.choice('ABC')}{r.choice('XYZ')}{r.choice('KLM')}-{r.randint(0, 9999):04d}"
            ),
        ),
        ("bail_amount", C.NONE, lambda r: r.randint(0, 50) * 500),
        (
            "notes",
            C.FREE_TEXT,
            lambda r: _prose(r) + (f" ssn {ssn(r)}" if r.random() < 0.2 else ""),
        ),
    ]
    benefits = [
        ("ApplicantFirstName", C.NAME, _pick(FIRST)),
        ("ApplicantLastName", C.NAME, _pick(LAST)),
        ("MiddleInitial", C.NAME, lambda r: r.choice("ABCDEFGHJKLMNPRST")),
        ("DateOfBirth", C.BIRTH_DATE, birth_date),
        ("ApplicationDate", C.NONE, recent_date),
        ("SSN", C.SSN, lambda r: ssn(r, "")),
        ("HouseholdSize", C.NONE, lambda r: r.randint(1, 8)),
        ("MonthlyIncome", C.NONE, lambda r: round(r.uniform(0, 6000), 2)),
        ("HomeAddress", C.ADDRESS, street),
        ("City", C.ADDRESS, _pick(CITIES)),
        ("ZipCode", C.ADDRESS, lambda r: f"{r.randint(80001, 81658):05d}"),
        ("PhoneNumber", C.PHONE, phone),
        ("EmailAddress", C.EMAIL, email),
        (
            "CitizenshipStatus",
            C.IMMIGRATION_STATUS,
            _pick(["Citizen", "Qualified Alien", "LPR", "Refugee", "Asylee"]),
        ),
        ("AlienNumber", C.IMMIGRATION_STATUS, a_number),
        ("HasSSN", C.STATUS_PROXY, _pick(["Y", "N"])),
        ("CaseWorkerNotes", C.FREE_TEXT, _prose),
        ("ProgramCode", C.NONE, _pick(["SNAP", "TANF", "MEDICAID", "LEAP"])),
        ("EligibilityStatus", C.NONE, _pick(["APPROVED", "DENIED", "PENDING"])),
        (
            "OfficeAddress",
            C.NONE,
            _pick(["1575 Sherman St, Denver, CO 80203", "200 E Colfax Ave, Denver, CO 80203"]),
        ),
        ("PrimaryLanguage", C.NONE, _pick(["English", "Spanish", "Vietnamese"])),
        ("CountryOfBirth", C.PLACE_OF_BIRTH, _pick(COUNTRIES)),
        (
            "IdDocumentType",
            C.STATUS_PROXY,
            _pick(["US PASSPORT", "BIRTH CERT", "MATRICULA CONSULAR", "FOREIGN PASSPORT"]),
        ),
    ]
    return [_table("court", court, rows, r), _table("benefits", benefits, rows, r)]


def holdout_tables(seed: int = 2029, rows: int = 400) -> list[LabelledTable]:
    r = random.Random(seed)
    tax = [
        ("TXPYR_FRST_NM", C.NAME, _pick(FIRST)),
        ("TXPYR_LST_NM", C.NAME, _pick(LAST)),
        ("TIN", C.SSN, ssn),
        ("ITIN_NBR", C.ITIN, lambda r: itin(r, "")),
        ("SPOUSE_TIN", C.ITIN, itin),
        ("FILING_STAT_CD", C.NONE, _pick(["S", "MFJ", "MFS", "HOH"])),
        ("TAX_YR", C.NONE, lambda r: r.randint(2018, 2024)),
        ("RTN_RCVD_DT", C.NONE, lambda r: fmt_date(recent_date(r), r, (3,))),
        ("TXPYR_DOB", C.BIRTH_DATE, lambda r: fmt_date(birth_date(r), r, (4,))),
        ("MAIL_ADDR_LN1", C.ADDRESS, street),
        ("MAIL_CITY", C.ADDRESS, _pick(CITIES)),
        ("MAIL_ST", C.ADDRESS, _pick(STATES)),
        (
            "MAIL_ZIP",
            C.ADDRESS,
            lambda r: f"{r.randint(10001, 99950):05d}-{r.randint(0, 9999):04d}",
        ),
        ("DAYTIME_PH", C.PHONE, phone),
        ("REFUND_AMT", C.NONE, lambda r: round(r.uniform(0, 9000), 2)),
        ("EMPLR_EIN", C.NONE, lambda r: f"{r.randint(10, 99)}-{r.randint(0, 9999999):07d}"),
        ("EMPLR_NM", C.NONE, _pick(["ACME LLC", "FRONT RANGE FOODS", "CITY OF PUEBLO"])),
        ("ACCT_NO", C.NONE, lambda r: str(r.randint(100_000_000, 999_999_999))),
        ("AUDIT_FLG", C.NONE, _pick(["Y", "N"])),
        ("CORR_NOTES", C.FREE_TEXT, lambda r: _prose(r, 10) + " taxpayer called " + phone(r)),
    ]
    corrections = [
        ("Inmate Number", C.NONE, lambda r: f"{r.randint(100000, 999999)}"),
        ("Booking ID", C.NONE, lambda r: str(r.randint(100_000_000, 999_999_999))),
        ("Last Name", C.NAME, _pick(LAST)),
        ("First Name", C.NAME, _pick(FIRST)),
        ("Alias", C.NAME, lambda r: f"{r.choice(LAST)}, {r.choice(FIRST)}"),
        ("Date of Birth", C.BIRTH_DATE, lambda r: dt.datetime.combine(birth_date(r), dt.time())),
        (
            "Place of Birth",
            C.PLACE_OF_BIRTH,
            lambda r: f"{r.choice(CITIES)}, {r.choice(COUNTRIES)}",
        ),
        ("Country of Citizenship", C.IMMIGRATION_STATUS, _pick(COUNTRIES)),
        ("ICE Detainer", C.IMMIGRATION_STATUS, _pick(["Y", "N", "N", "N"])),
        ("Admission Date", C.NONE, recent_date),
        ("Release Date", C.NONE, recent_date),
        ("Facility", C.NONE, _pick(["Sterling CF", "Limon CF", "Denver Women's CF"])),
        ("Facility Address", C.NONE, _pick(["12101 Highway 61, Sterling, CO 80751"])),
        ("Housing Unit", C.NONE, lambda r: f"{r.choice('ABCD')}-{r.randint(1, 40)}"),
        ("Security Level", C.NONE, _pick(["I", "II", "III", "IV"])),
        ("Photo", C.PHOTO, photo_bytes),
        ("SSN", C.SSN, lambda r: ssn(r, " ")),
        ("Height", C.NONE, lambda r: f"{r.randint(4, 6)}'{r.randint(0, 11)}\""),
        ("Emergency Contact Phone", C.PHONE, phone),
        ("Case Manager Notes", C.FREE_TEXT, lambda r: _prose(r, 9) + " met with " + r.choice(LAST)),
        ("Offense", C.NONE, _pick(["BURGLARY 2", "POSS CS", "THEFT", "ROBBERY"])),
        ("Visa Type", C.IMMIGRATION_STATUS, _pick(["H-1B", "F-1", "B-2", "NONE", "J-1"])),
        ("Home Address", C.ADDRESS, full_address),
    ]
    school = [
        ("studentId", C.NONE, lambda r: f"S{r.randint(100000, 999999)}"),
        ("givenName", C.NAME, _pick(FIRST)),
        ("familyName", C.NAME, _pick(LAST)),
        (
            "birthDate",
            C.BIRTH_DATE,
            lambda r: (dt.date(2007, 1, 1) + dt.timedelta(days=r.randint(0, 365 * 12))).isoformat(),
        ),
        ("guardianPhone", C.PHONE, phone),
        ("guardianEmail", C.EMAIL, email),
        ("streetAddress", C.ADDRESS, street),
        ("postalCode", C.ADDRESS, lambda r: f"{r.randint(80001, 81658):05d}"),
        ("enrollmentDate", C.NONE, recent_date),
        ("gradeLevel", C.NONE, lambda r: r.randint(0, 12)),
        ("countryOfOrigin", C.PLACE_OF_BIRTH, _pick(COUNTRIES)),
        ("homeLanguage", C.NONE, _pick(["en", "es", "vi", "so", "ar"])),
        ("lunchEligibility", C.NONE, _pick(["FREE", "REDUCED", "PAID"])),
        ("schoolAddress", C.NONE, _pick(["4100 Lowell Blvd, Denver, CO 80211"])),
        ("nurseNotes", C.FREE_TEXT, lambda r: _prose(r, 8) + " dob " + fmt_date(birth_date(r), r)),
        (
            "status",
            C.IMMIGRATION_STATUS,
            _pick(["refugee", "asylee", "citizen", "LPR", "undocumented"]),
        ),
    ]
    legacy = [  # names that say nothing: content alone must decide
        ("F1", C.NAME, lambda r: f"{r.choice(LAST)}, {r.choice(FIRST)}"),
        ("F2", C.SSN, ssn),
        ("F3", C.BIRTH_DATE, lambda r: fmt_date(birth_date(r), r, (1,))),
        (
            "F4",
            C.IMMIGRATION_STATUS,
            _pick(["LAWFUL PERMANENT RESIDENT", "US CITIZEN", "UNDOCUMENTED", "DACA", "TPS"]),
        ),
        ("F5", C.EMAIL, email),
        ("F6", C.NONE, lambda r: r.randint(0, 500)),
        ("F7", C.ADDRESS, full_address),
        ("F8", C.NONE, _pick(["ADAMS", "ARAPAHOE", "DENVER", "JEFFERSON"])),
        ("F9", C.IMMIGRATION_STATUS, a_number),
        ("F10", C.NONE, lambda r: recent_date(r).isoformat()),
    ]
    return [
        _table("tax", tax, rows, r),
        _table("corrections", corrections, rows, r),
        _table("school", school, rows, r),
        _table("legacy", legacy, rows, r),
    ]


def fresh_tables(seed: int = 4242, rows: int = 400) -> list[LabelledTable]:
    """A second held-out family, written after the rules were frozen for the first one."""
    r = random.Random(seed)
    housing = [
        ("Head_Of_Household_Name", C.NAME, lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}"),
        ("HOH_SSN", C.SSN, lambda r: int(ssn(r, ""))),
        ("Member_DOB", C.BIRTH_DATE, lambda r: fmt_date(birth_date(r), r, (6,))),
        ("Unit_Address", C.ADDRESS, full_address),
        ("Voucher_Number", C.NONE, lambda r: str(r.randint(100_000_000, 999_999_999))),
        ("Lease_Start", C.NONE, recent_date),
        ("Rent_Portion", C.NONE, lambda r: r.randint(50, 1500)),
        ("Eligible_Immigration_Status", C.IMMIGRATION_STATUS, _pick(["EC", "IC", "PR", "IP"])),
        ("Contact_Cell", C.PHONE, phone),
        ("Landlord_Name", C.NAME, lambda r: f"{r.choice(LAST)} Properties"),
        ("Inspection_Result", C.NONE, _pick(["PASS", "FAIL", "INCONCLUSIVE"])),
        ("PHA_Office_Addr", C.NONE, _pick(["1035 Osage St, Denver, CO 80204"])),
        ("Comments", C.FREE_TEXT, lambda r: _prose(r, 12)),
    ]
    workforce = [
        ("claimant_nm", C.NAME, lambda r: f"{r.choice(LAST)}, {r.choice(FIRST)}"),
        ("claimant_ssn_no", C.SSN, ssn),
        ("birth_yr", C.BIRTH_DATE, lambda r: birth_date(r).year),
        ("claim_id", C.NONE, lambda r: f"UI{r.randint(10**7, 10**8 - 1)}"),
        ("work_auth_doc", C.STATUS_PROXY, _pick(["I-766", "I-551", "US PASSPORT", "I-94"])),
        ("work_auth_exp_dt", C.IMMIGRATION_STATUS, recent_date),
        ("last_employer", C.NONE, _pick(["ACME LLC", "BIG BOX INC"])),
        ("wkly_benefit_amt", C.NONE, lambda r: r.randint(100, 700)),
        ("res_county", C.ADDRESS, _pick(["ADAMS", "DENVER", "WELD"])),
        ("email_addr", C.EMAIL, email),
        ("claim_status", C.NONE, _pick(["PAID", "DENIED", "PENDING"])),
        ("adjudicator_remarks", C.FREE_TEXT, lambda r: _prose(r, 10)),
    ]
    return [_table("housing", housing, rows, r), _table("workforce", workforce, rows, r)]


# --- notes ---------------------------------------------------------------------------------
TUNE_TEMPLATES = (
    "Client {name} came in today; SSN {ssn} verified. {prose}",
    "{prose} Applicant reported A-number {a_number} and DOB {date}.",
    "Called {phone} to confirm address {address}. {prose}",
    "{prose} DL {dl} on file, email {email}.",
    "ITIN {itin} used on the 2023 return. {prose}",
    "Per {name}, new mailing address is {address}; phone {phone}. {prose}",
    "{prose}",
)
HOLDOUT_TEMPLATES = (
    "{prose} spoke with {name} who gave social security no {ssn} and a birth date of {date}.",
    "Reached the family at {phone}; they moved to {address} last month. {prose}",
    "{prose} Alien registration no. {a_number}; see also driver license {dl}.",
    "Resident of {address}. Contact via {email} or {phone}.",
    "{prose} taxpayer id {itin} and dob {date}; {prose}",
    "Interview {date}: subject ({name}) presented license {dl} and card {a_number}.",
    "{prose}",
)


FRESH_TEMPLATES = (
    "Tenant {name} (ss# {ssn}) left a voicemail from {phone} on {date}.",
    "{prose} forwarded mail to {address}; tenant email {email}.",
    "Claimant presented DL#{dl}, ITIN {itin}, A#{a_number}. {prose}",
    "{prose}",
    "On {date} the worker emailed {email} and mailed {address}.",
)


def _note_values(r: random.Random, holdout: bool) -> dict[str, str]:
    d = birth_date(r)
    if holdout:
        sep = r.choice(["-", " ", ".", ""])
        date_styles = (2, 3, 4, 5, 6)
        addr = r.choice(
            [
                full_address(r),
                street(r),
                f"PO Box {r.randint(1, 9999)}",
                f"{r.randint(1, 999)} {r.choice(STREETS).lower()} avenue",
            ]
        )
        name = f"{r.choice(['Ms.', 'Mr.', 'Dr.', 'Mrs.'])} {r.choice(LAST)}"
    else:
        sep = r.choice(["-", ""])
        date_styles = (0, 1, 2)
        addr = r.choice([full_address(r), street(r)])
        name = f"{r.choice(['Mr.', 'Ms.'])} {r.choice(FIRST)} {r.choice(LAST)}"
    return {
        "ssn": ssn(r, sep),
        "itin": itin(r, sep),
        "a_number": a_number(r),
        "dl": dl_number(r),
        "phone": phone(r),
        "email": email(r),
        "date": fmt_date(d, r, date_styles),
        "address": addr,
        "name": name,
    }


@dataclass(frozen=True)
class SyntheticNote:
    text: str
    embedded: tuple[tuple[str, str], ...]  # (kind, value) in the order they were inserted
    fillers: tuple[str, ...]  # prose words of the note (to check they survive scrubbing)
    template: int  # index into the template family


def synthetic_notes(
    seed: int = 11, notes: int = 2000, holdout: bool = False, fresh: bool = False
) -> list[SyntheticNote]:
    """Notes from the tune, holdout or fresh templates, with what each embeds."""
    r = random.Random(seed)
    templates = FRESH_TEMPLATES if fresh else HOLDOUT_TEMPLATES if holdout else TUNE_TEMPLATES
    holdout = holdout or fresh
    out: list[SyntheticNote] = []
    for _ in range(notes):
        ti = r.randrange(len(templates))
        vals = _note_values(r, holdout)
        prose = [_prose(r, r.randint(5, 12)) for _ in range(2)]
        used: list[tuple[str, str]] = []
        text = templates[ti]
        for key in re.findall(r"\{(\w+)\}", text):
            if key == "prose":
                text = text.replace("{prose}", prose.pop(0) if prose else "", 1)
            else:
                used.append((key, vals[key]))
                text = text.replace("{" + key + "}", vals[key], 1)
        fillers = tuple(w.strip(".;,") for w in text.split() if w.strip(".;,") in NOTE_WORDS)
        out.append(SyntheticNote(text, tuple(used), fillers, ti))
    return out


def faker_notes(seed: int = 2025, notes: int = 4000) -> list[tuple[str, str, str]]:
    """(text, kind, value): one identifier from a generator we did not write (Faker, a test
    extra) between two Faker lorem sentences.

    Faker's SSNs, ITINs, phones (``001-...``, ``x1234``), e-mails, multi-line and military
    addresses, dates and honorific names.
    """
    from faker import Faker  # test dependency: only this function needs it

    f = Faker("en_US")
    f.seed_instance(seed)
    r = random.Random(seed)
    date_formats = ("%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d", "%b %d %Y", "%d %B %Y")
    makers: dict[str, Callable[[], str]] = {
        "ssn": f.ssn,
        "itin": f.itin,
        "phone": f.phone_number,
        "email": f.email,
        "address": f.address,
        "date": lambda: f.date(pattern=r.choice(date_formats)),
        "name": lambda: f"{r.choice(['Mr.', 'Ms.', 'Dr.', 'Mrs.'])} {f.last_name()}",
    }
    out = []
    for _ in range(notes):
        kind = r.choice(sorted(makers))
        value = makers[kind]()
        out.append((f"{f.sentence()} {value} {f.sentence()}", kind, value))
    return out


__all__ = [
    "LabelledTable",
    "SyntheticNote",
    "a_number",
    "birth_date",
    "dl_number",
    "email",
    "faker_notes",
    "fmt_date",
    "fresh_tables",
    "full_address",
    "holdout_tables",
    "itin",
    "phone",
    "photo_bytes",
    "recent_date",
    "ssn",
    "street",
    "synthetic_notes",
    "tune_tables",
]
