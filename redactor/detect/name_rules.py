"""The column-name rules: an ordered tuple of rules over the words of a name.

:func:`redactor.detect.names.name_evidence` reads a column name into a :class:`Name` (its
canonical words and a few facts about them) and returns the first rule in :data:`RULES` whose
``when`` holds. Order is the contract: lookalikes and status proxies come before the
categories they resemble (``SSN_IND`` is a has-SSN flag before it is an SSN; ``plate_nbr`` is
a vehicle before it is a licence number). Every ``when`` is a pure function of the
:class:`Name`; the word sets they test are data (``data/names_words.yaml``, sources there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redactor.categories import Category
from redactor.detect.vocabulary import vocabulary

C = Category
_words = vocabulary().words

PERSON_CONTEXT = _words("person_context")
ORGANISATION = _words("organisation")
ID_WORDS = _words("id_words")
FLAG = _words("flag")
VEHICLE = _words("vehicle")
STATUS_MARKINGS = _words("status_markings")
IMMIGRATION = _words("immigration")
REMOVAL = _words("removal")
EMERGENCY_ONLY = _words("emergency_only")
BIRTH_MEASURE = _words("birth_measure")
BIRTH_PLACE = _words("birth_place")
NOT_DRIVER_LICENSE = _words("not_driver_license")
NOT_STATE_ID = _words("not_state_id")
HOUSING = _words("housing")
ADDRESS = _words("address")
NAME_PARTS = _words("name_parts")
NAME_QUALIFIERS = _words("name_qualifiers") | _words("person_roles")
IMMIGRATION_STATUS_QUALIFIERS = _words("immigration_status_qualifiers")
CASE_IDS = _words("case_ids")
DESCRIPTIVE = _words("descriptive")
JURISDICTION = _words("jurisdiction")
ROW_ID = _words("row_id")
CLEAR_MEASURES = _words("clear_measures")

# Content signals a "not a personal identifier" rule outranks (see classify.py).
_NOT_NUMBERS = ("ssn_bare", "dl", "dl_weak", "phone")


@dataclass(frozen=True, slots=True)
class Name:
    """A column name as the rules see it."""

    column: str
    seq: tuple[str, ...]  # canonical words in order
    w: frozenset[str]  # the same as a set ("st" read as street or state)
    label: str  # " ".join(seq)
    org: bool  # about an office/agency/facility, not a person
    ids: frozenset[str]  # identifier words present (number id code key)
    flag: bool  # a yes/no flag (has, is, provided, ...)

    @classmethod
    def read(cls, column: str, seq: tuple[str, ...]) -> Name:
        w = set(seq)
        if "st" in w:  # "ST" is a street in ST_ADDR / ST_NAME, a state elsewhere (RES_ST)
            w = (w - {"st"}) | ({"street"} if w & {"address", "name", "number"} else {"state"})
        return cls(
            column=column,
            seq=seq,
            w=frozenset(w),
            label=" ".join(seq),
            org=bool(w & ORGANISATION) and not (w & PERSON_CONTEXT),
            ids=frozenset(w & ID_WORDS),
            flag=bool(w & FLAG),
        )

    def has(self, *need: str) -> bool:
        return all(n in self.w for n in need)


@dataclass(frozen=True, slots=True)
class NameRule:
    """When ``when`` holds, the name says ``category`` with ``score``, because ``reason``.

    ``overrides`` are the content signals this reading outranks (a case number outranks
    "looks like an SSN"). ``reason`` may depend on the name (``<thing>_id``).
    """

    when: Callable[[Name], bool]
    category: Category
    score: float
    reason: str | Callable[[Name], str]
    overrides: tuple[str, ...] = ()

    def because(self, n: Name) -> str:
        return self.reason if isinstance(self.reason, str) else self.reason(n)


# --- conditions shared by several rules -----------------------------------------------------
def _alien_number(n: Name) -> bool:
    w = n.w
    return (
        "a_number" in w
        or ("a number" in f" {n.label} " and n.seq[0] == "a")
        or ("alien" in w and bool(n.ids or "registration" in w))
        or "uscis" in w
    )


def _status_marking(n: Name) -> bool:
    w = n.w
    return bool(
        w & STATUS_MARKINGS
        or n.has("real", "id")
        or n.has("federal", "limits")
        or (w & {"limited"} and w & {"term", "duration", "stay", "presence"})
    )


def _immigration_status(n: Name) -> bool:
    w = n.w
    return bool(
        (w & {"lawful", "legal"} and w & {"presence", "status", "resident"})
        or w & IMMIGRATION
        or n.has("green", "card")
        or "alien" in w
    )


def _work_authorization(n: Name) -> bool:
    return "work" in n.w and "authorization" in n.w


def _birth(n: Name) -> bool:
    return "birth" in n.w or "nativity" in n.w


def _age(n: Name) -> bool:
    w = n.w
    return (
        "age" in w
        and not (w & {"page", "usage", "average"})
        and len(w) <= 3
        and not w & {"vehicle", "account", "case"}
    )


def _licence(n: Name) -> bool:
    return "license" in n.w or "dl" in n.w


def _state_id(n: Name) -> bool:
    w = n.w
    return (
        ("credential" in w and bool(n.ids))
        or (n.has("state", "id") and "code" not in w and not w & NOT_STATE_ID)
        or (n.has("id", "card") and not n.org)
        or ("operator" in w and bool(n.ids))
    )


def _phone(n: Name) -> bool:
    return "phone" in n.w or ("contact" in n.w and bool(n.ids))


def _address(n: Name) -> bool:
    w = n.w
    return bool(
        w & ADDRESS
        or ("line" in w and w & {"residence", "mailing", "physical"})
        or (w & {"residence", "mailing"} and not w & {"status", "type", "flag", "code"})
    )


def _name_parts(n: Name) -> frozenset[str]:
    return n.w & NAME_PARTS


def _person_name(n: Name) -> bool:
    parts = _name_parts(n)
    return "name" in n.w or bool(parts and not (n.w - parts - NAME_QUALIFIERS))


def _description(n: Name) -> bool:
    return bool(n.w & {"summary", "details", "description"})


def _status(n: Name) -> bool:
    return "status" in n.w


def _jurisdiction(n: Name) -> bool:
    return bool(n.w & JURISDICTION) and n.w <= JURISDICTION | {"code", "name", "id"}


def _leading_id(n: Name) -> bool:  # Spanish word order: no_paciente, num_expediente, id_cliente
    return n.seq[0] in {"id", "number"} and len(n.seq) >= 2 and not n.ids - {n.seq[0]}


def _trailing_id(n: Name) -> bool:
    return n.seq[-1] in {"id", "number", "key"} and len(n.seq) >= 2


# --- the rules, in order: the first that holds decides ----------------------------------------
RULES: tuple[NameRule, ...] = (
    # lookalikes first: vehicles
    NameRule(
        lambda n: bool(n.w & VEHICLE) and "photo" not in n.w,
        C.NONE,
        0.85,
        "vehicle identifier (plate/tag/VIN) is not a person identifier",
        ("dl", "ssn_bare", "name_like", "status_proxy"),
    ),
    # immigration status & proxies (before ssn/license, so SSN_IND is a proxy)
    NameRule(_alien_number, C.IMMIGRATION_STATUS, 0.95, "alien registration number"),
    NameRule(_status_marking, C.STATUS_PROXY, 0.9, "status-revealing licence marking"),
    NameRule(
        lambda n: bool(n.w & {"ssn", "itin", "tin"}) and n.flag and not n.ids - {"code"},
        C.STATUS_PROXY,
        0.85,
        "has-SSN/ITIN flag reveals status",
        ("ssn", "ssn_bare"),
    ),
    NameRule(
        _immigration_status,
        C.IMMIGRATION_STATUS,
        0.9,
        "citizenship / immigration status / lawful presence",
    ),
    NameRule(
        lambda n: bool(
            n.w & REMOVAL or (n.w & {"ins", "dhs"} and n.w & {"hold", "detainer", "flag"})
        ),
        C.IMMIGRATION_STATUS,
        0.85,
        "immigration detainer / removal (reveals status)",
    ),
    NameRule(
        lambda n: _work_authorization(n) and bool(n.w & {"document", "type", "kind"}),
        C.STATUS_PROXY,
        0.85,
        "work-authorization document type reveals status",
    ),
    NameRule(
        _work_authorization, C.IMMIGRATION_STATUS, 0.85, "work authorization (EAD) and its dates"
    ),
    NameRule(
        lambda n: "entry" in n.w and bool(n.w & {"country", "us", "usa", "port", "arrival"}),
        C.IMMIGRATION_STATUS,
        0.8,
        "date or port of entry to the country",
    ),
    NameRule(
        lambda n: (
            "arrival" in n.w and bool(n.w & {"date", "year", "us", "usa", "country", "refugee"})
        ),
        C.IMMIGRATION_STATUS,
        0.7,
        "date of arrival (to the US: refugee / entry records reveal status)",
    ),
    NameRule(
        lambda n: (
            (
                "document" in n.w
                and bool(n.w & {"type", "source", "proof", "identity", "id", "kind"})
            )
            or n.has("proof", "presence")
        ),
        C.STATUS_PROXY,
        0.8,
        "source/identity document type reveals status",
    ),
    NameRule(
        lambda n: (
            (_licence(n) and bool(n.w & {"class", "type", "kind", "category"}))
            or (
                ("credential" in n.w or ("card" in n.w and "id" not in n.w))
                and bool(n.w & {"type", "class"})
            )
        ),
        C.STATUS_PROXY,
        0.75,
        "licence class/type can reveal a status-only credential (e.g. AB60, SB251)",
    ),
    NameRule(
        lambda n: "emergency" in n.w and bool(n.w & EMERGENCY_ONLY),
        C.STATUS_PROXY,
        0.85,
        "emergency-only Medicaid is given for immigration status (MMIS restricted benefits)",
        ("yes_no",),
    ),
    # birth
    NameRule(
        lambda n: "birth" in n.w and bool(n.w & BIRTH_MEASURE),
        C.NONE,
        0.8,
        "a measurement recorded at birth (weight, gestation, ...), not the birth date",
        ("date_birthlike", "ssn_bare"),
    ),
    NameRule(
        lambda n: _birth(n) and bool(n.w & BIRTH_PLACE),
        C.PLACE_OF_BIRTH,
        0.9,
        "place/country of birth",
    ),
    NameRule(_birth, C.BIRTH_DATE, 0.9, "birth date / year", ("date_not_birth",)),
    NameRule(
        lambda n: "origin" in n.w and bool(n.w & {"country", "place", "nation"}),
        C.PLACE_OF_BIRTH,
        0.8,
        "country of origin",
    ),
    NameRule(_age, C.BIRTH_DATE, 0.6, "age is derived from the birth date"),
    # ssn / tin
    NameRule(
        lambda n: "ssn" in n.w or n.has("social", "security") or ("ss" in n.w and bool(n.ids)),
        C.SSN,
        0.95,
        "social security number",
    ),
    NameRule(lambda n: "itin" in n.w, C.ITIN, 0.95, "individual taxpayer identification number"),
    NameRule(
        lambda n: "tin" in n.w or ("taxpayer" in n.w and bool(n.ids)),
        C.SSN,
        0.8,
        "taxpayer identification number (SSN or ITIN; content decides)",
    ),
    # licence / ID
    NameRule(
        lambda n: _licence(n) and not n.org and not n.w & NOT_DRIVER_LICENSE,
        C.DRIVERS_LICENSE,
        0.9,
        "driver licence / ID number",
    ),
    NameRule(_state_id, C.DRIVERS_LICENSE, 0.8, "state ID / credential number"),
    # contact
    NameRule(
        lambda n: "email" in n.w or n.has("e", "mailing") or n.has("e", "mail"),
        C.EMAIL,
        0.95,
        "e-mail address",
    ),
    NameRule(
        lambda n: "phone" in n.w and bool(n.w & HOUSING),
        C.NONE,
        0.8,
        "a jail/housing cell, not a phone",
        ("phone", "dl", "dl_weak"),
    ),
    NameRule(
        lambda n: "ein" in n.w,
        C.NONE,
        0.8,
        "employer identification number (EIN) of a business, not a person",
        ("ssn_bare", "dl", "dl_weak", "phone"),
    ),
    NameRule(
        lambda n: "npi" in n.w,
        C.NONE,
        0.85,
        "national provider identifier (NPI) of a health-care provider",
        ("phone", "ssn_bare", "dl", "dl_weak"),
    ),
    NameRule(
        lambda n: _phone(n) and n.org,
        C.NONE,
        0.7,
        "phone number of an office, not a person",
        ("phone",),
    ),
    NameRule(_phone, C.PHONE, 0.9, "phone number"),
    # address
    NameRule(
        lambda n: _address(n) and n.org,
        C.NONE,
        0.8,
        "address of an office/agency/facility, not of a person",
        ("address",),
    ),
    NameRule(_address, C.ADDRESS, 0.9, "residence/mailing address component"),
    NameRule(
        lambda n: "state" in n.w and bool(n.w & {"residence", "home", "mailing", "physical"}),
        C.ADDRESS,
        0.8,
        "state of residence",
    ),
    NameRule(
        lambda n: "county" in n.w and bool(n.w & {"residence", "home"}),
        C.ADDRESS,
        0.6,
        "county of residence",
    ),
    # names
    NameRule(
        lambda n: _person_name(n) and bool(n.w & {"street", "city"}),
        C.ADDRESS,
        0.85,
        "street/city name",
    ),
    NameRule(
        lambda n: _person_name(n) and n.org and not _name_parts(n),
        C.NONE,
        0.75,
        "name of an organisation/place/file, not a person",
        ("name_like",),
    ),
    NameRule(
        lambda n: (
            _person_name(n) and bool(n.w & {"country", "county", "state"}) and not _name_parts(n)
        ),
        C.NONE,
        0.7,
        "name of a place",
        ("name_like",),
    ),
    NameRule(
        lambda n: _person_name(n) and ("initial" in n.w or "suffix" in n.w),
        C.NAME,
        0.7,
        "name part (initial/suffix)",
    ),
    NameRule(_person_name, C.NAME, 0.9, "person name"),
    NameRule(lambda n: n.has("initial", "middle"), C.NAME, 0.7, "middle initial"),
    # photo / free text
    NameRule(
        lambda n: "photo" in n.w or ("signature" in n.w and bool(n.w & {"image", "scan"})),
        C.PHOTO,
        0.9,
        "photo / image",
    ),
    NameRule(
        lambda n: bool(n.w & {"notes", "narrative", "text"}),
        C.FREE_TEXT,
        0.85,
        "free text (notes/comments/narrative)",
    ),
    NameRule(
        lambda n: _description(n) and bool(n.w & {"code", "type", "class", "category"} or n.org),
        C.NONE,
        0.6,
        "description of a code/type (categorical)",
    ),
    NameRule(
        _description,
        C.FREE_TEXT,
        0.6,
        "description/summary: free text unless the values are a short list of codes",
    ),
    # other lookalikes
    NameRule(
        lambda n: (n.w <= {"date", "year", "time"} and "date" in n.w) or n.w == {"year"},
        C.NONE,
        0.5,
        "a date whose kind the name does not say: the values decide (birth or event)",
        ("phone", "ssn_bare", "dl", "dl_weak"),  # 10-digit epoch seconds are not phones
    ),
    NameRule(
        lambda n: bool(
            "date" in n.w or "year" in n.w or n.w & {"created", "updated", "timestamp", "time"}
        ),
        C.NONE,
        0.8,
        "a date that is not a birth date (application/issue/...)",
        ("date_birthlike", "phone", "ssn_bare", "dl", "dl_weak"),
    ),
    NameRule(
        lambda n: _status(n) and bool(n.w & IMMIGRATION_STATUS_QUALIFIERS),
        C.IMMIGRATION_STATUS,
        0.85,
        "immigration / residency status",
    ),
    NameRule(
        # bare "status": the content decides (case status vs immigration status)
        lambda n: _status(n) and not n.w - {"status", "code", "flag"},
        C.NONE,
        0.55,
        "bare 'status' — protected only if the values are immigration-status vocabulary",
    ),
    NameRule(
        _status,
        C.NONE,
        0.7,
        "status of a case/application/account, not of a person's presence",
    ),
    NameRule(
        lambda n: bool(n.w & CASE_IDS) and bool(n.ids or len(n.w) == 1),
        C.NONE,
        0.8,
        "case/record/account identifier, not a personal identifier",
        _NOT_NUMBERS,
    ),
    NameRule(
        lambda n: bool(n.w & DESCRIPTIVE),
        C.NONE,
        0.6,
        "descriptive attribute outside the protected categories",
    ),
    NameRule(_jurisdiction, C.NONE, 0.6, "jurisdiction code, not a person's address"),
    NameRule(
        lambda n: n.w == {"id"} or n.w <= ROW_ID,
        C.NONE,
        0.8,
        "row identifier",
        _NOT_NUMBERS,
    ),
    NameRule(
        lambda n: bool(n.w & CLEAR_MEASURES),
        C.NONE,
        0.75,
        "an amount, count or measure, not a personal identifier",
        ("ssn_bare", "phone", "dl", "dl_weak"),
    ),
    NameRule(
        _leading_id,
        C.NONE,
        0.7,
        lambda n: f"identifier of a {n.seq[1]!r} record, not a personal identifier",
        _NOT_NUMBERS,
    ),
    NameRule(
        _trailing_id,
        C.NONE,
        0.7,
        lambda n: f"identifier of a {n.seq[-2]!r} record, not a personal identifier",
        _NOT_NUMBERS,
    ),
)

__all__ = ["RULES", "Name", "NameRule"]
