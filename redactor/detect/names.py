"""Column-name evidence: what a column's name says it holds.

A name is split into words (``snake_case``, ``camelCase``, ``ALLCAPS``, separators, digits,
glued words such as ``dateofbirth``), agency abbreviations are expanded (``FRST_NM`` ->
first name, ``OPER_LIC_NO`` -> operator license number, ``CNTRY_BIRTH`` -> country birth),
and rules over the resulting words give a category with a score. Rules that recognise a
lookalike (``case_no``, ``plate_nbr``, ``issue_dt``, ``office_addr``, ``case_status``) return
``none`` with the reason, and say which content signals they outrank.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from redactor.categories import Category
from redactor.detect.vocabulary import vocabulary


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


C = Category

# Abbreviation -> canonical word(s). Keys are lower-case tokens as they appear in names.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # names
    "nm": ("name",),
    "nme": ("name",),
    "nam": ("name",),
    "names": ("name",),
    "frst": ("first",),
    "fst": ("first",),
    "fname": ("first", "name"),
    "firstname": ("first", "name"),
    "givenname": ("given", "name"),
    "gvn": ("given",),
    "lst": ("last",),
    "lname": ("last", "name"),
    "lastname": ("last", "name"),
    "surname": ("last", "name"),
    "sur": ("last",),
    "surnm": ("last", "name"),
    "mname": ("middle", "name"),
    "mid": ("middle",),
    "mdl": ("middle",),
    "midl": ("middle",),
    "mi": ("middle", "initial"),
    "init": ("initial",),
    "inits": ("initial",),
    "intl": ("initial",),
    "middlename": ("middle", "name"),
    "fullname": ("full", "name"),
    "full": ("full",),
    "fullnm": ("full", "name"),
    "maiden": ("maiden",),
    "aka": ("alias",),
    "nick": ("nickname",),
    # birth
    "dob": ("birth", "date"),
    "dt": ("date",),
    "dte": ("date",),
    "dat": ("date",),
    "brth": ("birth",),
    "bth": ("birth",),
    "brt": ("birth",),
    "birthdate": ("birth", "date"),
    "bdate": ("birth", "date"),
    "bday": ("birth", "date"),
    "birthday": ("birth", "date"),
    "born": ("birth",),
    "yob": ("birth", "year"),
    "yr": ("year",),
    "dobdt": ("birth", "date"),
    "birthplace": ("birth", "place"),
    "pob": ("birth", "place"),
    "plc": ("place",),
    # ssn / tin
    "ssn": ("ssn",),
    "ssno": ("ssn",),
    "ssnum": ("ssn",),
    "ssan": ("ssn",),
    "socsec": ("ssn",),
    "soc": ("social",),
    "sec": ("security",),
    "ss": ("ss",),
    "ssn4": ("ssn",),
    "itin": ("itin",),
    "tin": ("tin",),
    "taxid": ("tin",),
    "tpid": ("tin",),
    "taxpayer": ("taxpayer",),
    "fein": ("ein",),
    "ein": ("ein",),
    # licence
    "dl": ("dl",),
    "dln": ("dl", "number"),
    "lic": ("license",),
    "licn": ("license",),
    "lisc": ("license",),
    "licence": ("license",),
    "lcns": ("license",),
    "lcn": ("license",),
    "licno": ("license", "number"),
    "oper": ("operator",),
    "opr": ("operator",),
    "drv": ("driver",),
    "drvr": ("driver",),
    "drivers": ("driver",),
    "driver's": ("driver",),
    "cdl": ("dl",),
    "idcard": ("id", "card"),
    "stateid": ("state", "id"),
    "cred": ("credential",),
    "crdntl": ("credential",),
    "clss": ("class",),
    "cls": ("class",),
    "cl": ("class",),
    "typ": ("type",),
    "tp": ("type",),
    "ty": ("type",),
    # address
    "addr": ("address",),
    "adr": ("address",),
    "addrs": ("address",),
    "add": ("address",),
    "adrs": ("address",),
    "address1": ("address",),
    "street": ("street",),
    "strt": ("street",),
    "stree": ("street",),
    "ln": ("line",),
    "ln1": ("line",),
    "line1": ("line",),
    "cty": ("city",),
    "zip": ("zip",),
    "zipcode": ("zip",),
    "zip5": ("zip",),
    "zip4": ("zip",),
    "postcode": ("zip",),
    "postal": ("zip",),
    "apt": ("apartment",),
    "res": ("residence",),
    "resid": ("residence",),
    "rsdnc": ("residence",),
    "resi": ("residence",),
    "mlg": ("mailing",),
    "mail": ("mailing",),
    "mailing": ("mailing",),
    "phys": ("physical",),
    "hse": ("house",),
    "hsno": ("house", "number"),
    "bldg": ("building",),
    # contact
    "ph": ("phone",),
    "phn": ("phone",),
    "phon": ("phone",),
    "tel": ("phone",),
    "telephone": ("phone",),
    "cell": ("phone",),
    "mobile": ("phone",),
    "mob": ("phone",),
    "fax": ("phone",),
    "telno": ("phone", "number"),
    "phoneno": ("phone", "number"),
    "email": ("email",),
    "eml": ("email",),
    "emailaddr": ("email", "address"),
    "emailaddress": ("email", "address"),
    "e": ("e",),
    # place of birth / immigration
    "cntry": ("country",),
    "ctry": ("country",),
    "cntr": ("country",),
    "cnty": ("county",),
    "nation": ("country",),
    "natl": ("nationality",),
    "nationality": ("nationality",),
    "citizen": ("citizenship",),
    "citizenship": ("citizenship",),
    "ctzn": ("citizenship",),
    "ctznshp": ("citizenship",),
    "citz": ("citizenship",),
    "cit": ("citizenship",),
    "citzn": ("citizenship",),
    "immig": ("immigration",),
    "imm": ("immigration",),
    "immgr": ("immigration",),
    "immigration": ("immigration",),
    "visa": ("visa",),
    "alien": ("alien",),
    "anum": ("a_number",),
    "anbr": ("a_number",),
    "ano": ("a_number",),
    "anumber": ("a_number",),
    "alienno": ("a_number",),
    "uscis": ("uscis",),
    "lawful": ("lawful",),
    "lwfl": ("lawful",),
    "pres": ("presence",),
    "prsnc": ("presence",),
    "presence": ("presence",),
    "lpr": ("lpr",),
    "greencard": ("green", "card"),
    "natz": ("naturalization",),
    "naturalized": ("naturalization",),
    "naturalization": ("naturalization",),
    "i94": ("i94",),
    "sevis": ("sevis",),
    "ead": ("ead",),
    "daca": ("daca",),
    "asylum": ("asylum",),
    "refugee": ("refugee",),
    "tps": ("tps",),
    "legal": ("legal",),
    "lgl": ("legal",),
    "imstat": ("immigration", "status"),
    "realid": ("real", "id"),
    "ab60": ("ab60",),
    "sb251": ("sb251",),
    "tvdl": ("tvdl",),
    "crcsa": ("crcsa",),
    "dpc": ("dpc",),
    # photo / text
    "photo": ("photo",),
    "img": ("photo",),
    "image": ("photo",),
    "pic": ("photo",),
    "picture": ("photo",),
    "portrait": ("photo",),
    "headshot": ("photo",),
    "mugshot": ("photo",),
    "thumbnail": ("photo",),
    "thumb": ("photo",),
    "selfie": ("photo",),
    "foto": ("photo",),
    "note": ("notes",),
    "notes": ("notes",),
    "nts": ("notes",),
    "comment": ("notes",),
    "comments": ("notes",),
    "cmnt": ("notes",),
    "cmnts": ("notes",),
    "cmt": ("notes",),
    "remark": ("notes",),
    "remarks": ("notes",),
    "rmk": ("notes",),
    "rmks": ("notes",),
    "narrative": ("notes",),
    "narr": ("notes",),
    "memo": ("notes",),
    "txt": ("text",),
    "obs": ("notes",),
    "observation": ("notes",),
    "observations": ("notes",),
    "desc": ("description",),
    "descr": ("description",),
    "dscr": ("description",),
    "summary": ("summary",),
    "smry": ("summary",),
    "details": ("details",),
    "dtl": ("details",),
    "dtls": ("details",),
    # generic
    "no": ("number",),
    "nbr": ("number",),
    "num": ("number",),
    "nmbr": ("number",),
    "nr": ("number",),
    "nu": ("number",),
    "numb": ("number",),
    "#": ("number",),
    "auth": ("authorization",),
    "authorization": ("authorization",),
    "authorisation": ("authorization",),
    "cd": ("code",),
    "cde": ("code",),
    "ind": ("flag",),
    "indicator": ("flag",),
    "flg": ("flag",),
    "yn": ("flag",),
    "is": ("is",),
    "has": ("has",),
    "stat": ("status",),
    "sts": ("status",),
    "stts": ("status",),
    "appl": ("application",),
    "app": ("application",),
    "iss": ("issue",),
    "issued": ("issue",),
    "exp": ("expiration",),
    "expir": ("expiration",),
    "expires": ("expiration",),
    "eff": ("effective",),
    "crt": ("created",),
    "upd": ("updated",),
    "acct": ("account",),
    "doc": ("document",),
    "docs": ("document",),
    "src": ("source",),
    "veh": ("vehicle",),
    "vin": ("vin",),
    "plt": ("plate",),
    "tag": ("tag",),
    "ofc": ("office",),
    "off": ("office",),
    "agcy": ("agency",),
    "agy": ("agency",),
    "dept": ("department",),
    "fac": ("facility",),
    "facil": ("facility",),
    "crt_": ("court",),
    "ctrm": ("courtroom",),
    "dkt": ("docket",),
    "bkg": ("booking",),
    "cse": ("case",),
    "clm": ("claim",),
    "amt": ("amount",),
    "cnt": ("count",),
    "qty": ("count",),
    "emp": ("employee",),
    "empl": ("employee",),
    "employer": ("employer",),
    "emplr": ("employer",),
    "empr": ("employer",),
    "sfx": ("suffix",),
    "nombre": ("name",),
    "apellido": ("last", "name"),
    "apellidos": ("last", "name"),
    "fecha": ("date",),
    "nac": ("birth",),
    "nacimiento": ("birth",),
    "direccion": ("address",),
    "domicilio": ("address",),
    "telefono": ("phone",),
    "correo": ("email",),
    "licencia": ("license",),
    "pais": ("country",),
    "wrkr": ("worker",),
    "cw": ("worker",),
    "ctzshp": ("citizenship",),
    "st": ("st",),
    "id": ("id",),
    "ident": ("id",),
    "identification": ("id",),
    "pob_": ("birth", "place"),
}

# The data vocabulary (sources in data/vocabulary.yaml) adds what the table above lacks.
for _k, _v in vocabulary().abbreviations.items():
    ABBREVIATIONS.setdefault(_k, _v)

# Words used to split glued names ("dateofbirth", "oplicno") by dynamic programming.
_SEGMENT_WORDS = vocabulary().segment_words | frozenset(
    _words(
        """
        first last middle given family full name birth date place country city state of day year
        social security number no num nbr ssn driver drivers license licence operator dl id card
        address street line zip code phone mobile cell home work email mail mailing residence
        residential physical citizenship citizen immigration status visa alien lawful presence
        type class photo image notes comment comments narrative case claim docket booking
        account plate vehicle office agency issue application expiration effective created flag
        has is tax payer taxpayer tin itin maiden alias nick nickname country origin nationality
        real entry port document source apt unit suffix prefix gender sex race eye hair height
        weight county
        """
    )
)


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|#")


def _segment(word: str) -> tuple[str, ...] | None:
    """Split a glued lower-case word into known words, or None."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(1, n + 1):
        for j in range(max(0, i - 14), i):
            prev = best[j]
            piece = word[j:i]
            if (
                prev is not None
                and (piece in _SEGMENT_WORDS or piece in ABBREVIATIONS)
                and (best[i] is None or len(prev) + 1 < len(best[i]))
            ):
                best[i] = (*prev, piece)
    return best[n] if best[n] and len(best[n]) > 1 else None


def _prefixed(word: str) -> tuple[str, ...] | None:
    """``mbpl`` -> mother + bpl: a one-letter person prefix of a mainframe name (NCHS)."""
    head, rest = word[0], word[1:]
    prefix = vocabulary().person_prefixes.get(head)
    if prefix is None:
        return None
    if rest in ABBREVIATIONS or rest in _SEGMENT_WORDS:
        return (*prefix, rest)
    seg = _segment(rest) if len(rest) > 3 else None
    if seg is None or any(len(piece) < 2 for piece in seg):
        return None
    return (*prefix, *seg)


@lru_cache(maxsize=4096)
def tokenize(name: str) -> tuple[str, ...]:
    """Raw lower-case words of a column name (before abbreviation expansion)."""
    s = _strip_accents(str(name)).replace("’", "'")
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9#']+", s):
        if not chunk:
            continue
        chunk = chunk.replace("'", "")
        low = chunk.lower()
        if low in ABBREVIATIONS or low in _SEGMENT_WORDS:
            words.append(low)
            continue
        for part in _CAMEL.findall(chunk):
            words.append(part.lower())
    return tuple(words)


@lru_cache(maxsize=4096)
def canonical_words(name: str) -> tuple[str, ...]:
    """Words of a column name with abbreviations expanded and glued words split."""
    out: list[str] = []
    for w in tokenize(name):
        if w in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[w])
            continue
        m = re.fullmatch(r"([a-z]+)(\d+)", w)  # addr1, zip5, ln2
        if m and m.group(1) in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[m.group(1)])
            continue
        seg = _segment(w) if w.isalpha() and len(w) > 5 else None
        if seg is None and w.isalpha() and len(w) >= 4 and w not in _SEGMENT_WORDS:
            seg = _prefixed(w)
        if seg:
            for piece in seg:
                out.extend(ABBREVIATIONS.get(piece, (piece,)))
        elif w.isdigit():
            continue
        else:
            out.append(w)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NameEvidence:
    """What the name says: a category and score, why, and which content signals it outranks."""

    category: Category
    score: float
    reason: str
    # content signals this name rule overrides (e.g. a case number outranks "looks like SSN")
    overrides: frozenset[str] = frozenset()


# Qualifiers that make a "name"/"address"/"date" column about something other than a person.
_ORG = frozenset(
    _words(
        """
        office agency department facility court courthouse courtroom branch station clinic
        hospital school vendor provider business company employer program project county
        district region site institution jail prison precinct organization org firm bank plan
        table column field file form report product event user login account
        """
    )
)
_VEHICLE = frozenset(["plate", "tag", "vin", "vehicle", "make", "model"])
_CASE_IDS = frozenset(
    _words(
        """
        case claim docket booking inmate offender account invoice order ticket citation record
        receipt confirmation transaction control reference ref batch sequence seq row
        application permit_app incident report warrant charge hearing sentence request tracking
        voucher check payment loan policy member participant household client customer staff
        """
    )
)
_NON_BIRTH_DATE = frozenset(
    _words(
        """
        issue application filed filing hearing created updated modified expiration effective
        start end release admit admission intake visit payment period received submitted
        approved denied closed opened decision entry_data due review service incident arrest
        booking sentence offense court appointment death last next print scheduled termination
        renewal registration eligibility benefit
        """
    )
)
_FLAG = frozenset(
    [
        "flag",
        "has",
        "is",
        "provided",
        "present",
        "avail",
        "available",
        "verified",
        "verify",
        "verification",
    ]
)
_ID_WORDS = frozenset(["number", "id", "code", "key"])
# Whose name/birth/address a vital-records or benefits column is about.
_PERSON_ROLES = frozenset(
    _words("mother father child infant head household member patient second spouse guardian")
)
# Things a number/id belongs to that are not a person's state ID ("stateStudentId").
_NOT_STATE_ID = frozenset(
    _words(
        """
        student employee provider member inmate offender case record school employer vendor
        certificate facility program
        """
    )
)
# Measurements recorded at birth: BWTGRAMS, GESTWKS, APGAR5 are not birth dates.
_BIRTH_MEASURE = frozenset(
    _words("weight grams length order plurality gestation weeks apgar height")
)
# Housing words that make "cell" a jail cell, not a phone.
_HOUSING = frozenset(_words("block bed pod tier wing housing bunk unit range dorm"))
# Names of amounts, counts and measures: positive evidence a column is not protected.
_CLEAR_MEASURES = frozenset(
    _words(
        """
        amount count total size weight height grams weeks rate score percent fee balance price
        cost hours days minutes grade level quantity income wage gestation plurality apgar
        marital children attendance duration sum average mean ratio units language languages
        """
    )
)


def _has(words: set[str], *need: str) -> bool:
    return all(n in words for n in need)


def name_evidence(column: str) -> NameEvidence | None:
    """The strongest rule the column name triggers, or None if the name says nothing."""
    seq = canonical_words(column)
    w = set(seq)
    if "st" in w:  # "ST" is a street in ST_ADDR / ST_NAME, a state elsewhere (RES_ST)
        w = (w - {"st"}) | ({"street"} if w & {"address", "name", "number"} else {"state"})
    label = " ".join(seq)
    why = f"name: {column!r} reads as {label!r}"
    exact = vocabulary().exact.get(re.sub(r"[^a-z0-9_]", "", _strip_accents(str(column)).lower()))
    if exact is None:
        exact = vocabulary().exact.get(re.sub(r"[^a-z0-9]", "", _strip_accents(column).lower()))
    if exact is not None:
        cat, score, rule = exact
        return NameEvidence(cat, score, f"name: {column!r} is {rule}", frozenset())
    if not w:
        return None

    def ev(cat: Category, score: float, rule: str, overrides: tuple[str, ...] = ()) -> NameEvidence:
        return NameEvidence(cat, score, f"{why} — rule {rule}", frozenset(overrides))

    person_ctx = bool(
        w
        & {
            "residence",
            "home",
            "mailing",
            "physical",
            "client",
            "applicant",
            "person",
            "owner",
            "resident",
            "defendant",
            "party",
            "taxpayer",
        }
    )
    org = (w & _ORG) and not person_ctx
    ids = w & _ID_WORDS
    flag = bool(w & _FLAG)

    # --- lookalikes first: vehicles ---------------------------------------------------------
    if w & _VEHICLE and not (w & {"photo"}):
        return ev(
            C.NONE,
            0.85,
            "vehicle identifier (plate/tag/VIN) is not a person identifier",
            ("dl", "ssn_bare", "name_like", "status_proxy"),
        )

    # --- immigration status & proxies (before ssn/license, so SSN_IND is a proxy) ----------
    if (
        "a_number" in w
        or ("a number" in f" {label} " and seq[0] == "a")
        or ("alien" in w and (ids or "registration" in w))
        or "uscis" in w
    ):
        return ev(C.IMMIGRATION_STATUS, 0.95, "alien registration number")
    if (
        w & {"ab60", "sb251", "tvdl", "crcsa", "dpc"}
        or _has(w, "real", "id")
        or _has(w, "federal", "limits")
        or (w & {"limited"} and w & {"term", "duration", "stay", "presence"})
    ):
        return ev(C.STATUS_PROXY, 0.9, "status-revealing licence marking")
    if w & {"ssn", "itin", "tin"} and flag and not ids - {"code"}:
        return ev(C.STATUS_PROXY, 0.85, "has-SSN/ITIN flag reveals status", ("ssn", "ssn_bare"))
    if (
        (w & {"lawful", "legal"} and w & {"presence", "status", "resident"})
        or w
        & {
            "lpr",
            "i94",
            "sevis",
            "ead",
            "daca",
            "asylum",
            "refugee",
            "tps",
            "naturalization",
            "citizenship",
            "immigration",
            "visa",
            "nationality",
        }
        or _has(w, "green", "card")
        or ("alien" in w)
    ):
        return ev(C.IMMIGRATION_STATUS, 0.9, "citizenship / immigration status / lawful presence")
    if w & {"detainer", "deportation", "removal", "deportable", "ice"} or (
        w & {"ins", "dhs"} and w & {"hold", "detainer", "flag"}
    ):
        return ev(C.IMMIGRATION_STATUS, 0.85, "immigration detainer / removal (reveals status)")
    if "work" in w and "authorization" in w:
        if w & {"document", "type", "kind"}:
            return ev(C.STATUS_PROXY, 0.85, "work-authorization document type reveals status")
        return ev(C.IMMIGRATION_STATUS, 0.85, "work authorization (EAD) and its dates")
    if "entry" in w and w & {"country", "us", "usa", "port", "arrival"}:
        return ev(C.IMMIGRATION_STATUS, 0.8, "date or port of entry to the country")
    if "arrival" in w and w & {"date", "year", "us", "usa", "country", "refugee"}:
        return ev(
            C.IMMIGRATION_STATUS,
            0.7,
            "date of arrival (to the US: refugee / entry records reveal status)",
        )
    if ("document" in w and w & {"type", "source", "proof", "identity", "id", "kind"}) or _has(
        w, "proof", "presence"
    ):
        return ev(C.STATUS_PROXY, 0.8, "source/identity document type reveals status")
    if (("license" in w or "dl" in w) and w & {"class", "type", "kind", "category"}) or (
        ("credential" in w or ("card" in w and "id" not in w)) and w & {"type", "class"}
    ):
        return ev(
            C.STATUS_PROXY,
            0.75,
            "licence class/type can reveal a status-only credential (e.g. AB60, SB251)",
        )

    if "emergency" in w and w & {"only", "medicaid", "services", "coverage", "restricted"}:
        return ev(
            C.STATUS_PROXY,
            0.85,
            "emergency-only Medicaid is given for immigration status (MMIS restricted benefits)",
            ("yes_no",),
        )

    # --- birth ------------------------------------------------------------------------------
    if "birth" in w and w & _BIRTH_MEASURE:
        return ev(
            C.NONE,
            0.8,
            "a measurement recorded at birth (weight, gestation, ...), not the birth date",
            ("date_birthlike", "ssn_bare"),
        )
    if "birth" in w or "nativity" in w:
        if w & {"place", "country", "city", "state", "county", "location", "nation", "town"}:
            return ev(C.PLACE_OF_BIRTH, 0.9, "place/country of birth")
        return ev(C.BIRTH_DATE, 0.9, "birth date / year", ("date_not_birth",))
    if "origin" in w and w & {"country", "place", "nation"}:
        return ev(C.PLACE_OF_BIRTH, 0.8, "country of origin")
    if (
        "age" in w
        and not (w & {"page", "usage", "average"})
        and len(w) <= 3
        and not w & {"vehicle", "account", "case"}
    ):
        return ev(C.BIRTH_DATE, 0.6, "age is derived from the birth date")

    # --- ssn / tin --------------------------------------------------------------------------
    if "ssn" in w or _has(w, "social", "security") or ("ss" in w and ids):
        return ev(C.SSN, 0.95, "social security number")
    if "itin" in w:
        return ev(C.ITIN, 0.95, "individual taxpayer identification number")
    if "tin" in w or ("taxpayer" in w and ids):
        return ev(C.SSN, 0.8, "taxpayer identification number (SSN or ITIN; content decides)")

    # --- licence / ID -----------------------------------------------------------------------
    lic = "license" in w or "dl" in w
    if (
        lic
        and not org
        and not w
        & {
            "business",
            "professional",
            "medical",
            "liquor",
            "contractor",
            "vendor",
            "marriage",
            "fishing",
            "hunting",
            "status",
            "expiration",
            "issue",
            "effective",
        }
    ):
        return ev(C.DRIVERS_LICENSE, 0.9, "driver licence / ID number")
    if (
        ("credential" in w and ids)
        or (_has(w, "state", "id") and "code" not in w and not w & _NOT_STATE_ID)
        or (_has(w, "id", "card") and not org)
        or ("operator" in w and ids)
    ):
        return ev(C.DRIVERS_LICENSE, 0.8, "state ID / credential number")

    # --- contact ----------------------------------------------------------------------------
    if "email" in w or ("e" in w and "mailing" in w) or _has(w, "e", "mail"):
        return ev(C.EMAIL, 0.95, "e-mail address")
    if "phone" in w and w & _HOUSING:
        return ev(C.NONE, 0.8, "a jail/housing cell, not a phone", ("phone", "dl", "dl_weak"))
    if "ein" in w:
        return ev(
            C.NONE,
            0.8,
            "employer identification number (EIN) of a business, not a person",
            ("ssn_bare", "dl", "dl_weak", "phone"),
        )
    if "npi" in w:
        return ev(
            C.NONE,
            0.85,
            "national provider identifier (NPI) of a health-care provider",
            ("phone", "ssn_bare", "dl", "dl_weak"),
        )
    if "phone" in w or ("contact" in w and ids):
        if org:
            return ev(C.NONE, 0.7, "phone number of an office, not a person", ("phone",))
        return ev(C.PHONE, 0.9, "phone number")

    # --- address ----------------------------------------------------------------------------
    addr_words = {"address", "street", "city", "zip", "apartment", "house", "po", "box"}
    if (
        w & addr_words
        or ("line" in w and w & {"residence", "mailing", "physical"})
        or (w & {"residence", "mailing"} and not w & {"status", "type", "flag", "code"})
    ):
        if org:
            return ev(
                C.NONE, 0.8, "address of an office/agency/facility, not of a person", ("address",)
            )
        return ev(C.ADDRESS, 0.9, "residence/mailing address component")
    if "state" in w and w & {"residence", "home", "mailing", "physical"}:
        return ev(C.ADDRESS, 0.8, "state of residence")
    if "county" in w and w & {"residence", "home"}:
        return ev(C.ADDRESS, 0.6, "county of residence")

    # --- names ------------------------------------------------------------------------------
    namey = w & {
        "first",
        "last",
        "middle",
        "given",
        "family",
        "maiden",
        "alias",
        "nickname",
        "suffix",
    }
    name_only = namey and not (
        w
        - namey
        - {
            "initial",
            "person",
            "client",
            "applicant",
            "defendant",
            "party",
            "owner",
            "legal",
            "preferred",
            *_PERSON_ROLES,
        }
    )
    if "name" in w or name_only:
        if w & {"street", "city"}:
            return ev(C.ADDRESS, 0.85, "street/city name")
        if org and not namey:
            return ev(
                C.NONE, 0.75, "name of an organisation/place/file, not a person", ("name_like",)
            )
        if w & {"country", "county", "state"} and not namey:
            return ev(C.NONE, 0.7, "name of a place", ("name_like",))
        if "initial" in w or "suffix" in w:
            return ev(C.NAME, 0.7, "name part (initial/suffix)")
        return ev(C.NAME, 0.9, "person name")
    if "initial" in w and "middle" in w:
        return ev(C.NAME, 0.7, "middle initial")

    # --- photo / free text ------------------------------------------------------------------
    if "photo" in w or ("signature" in w and w & {"image", "scan"}):
        return ev(C.PHOTO, 0.9, "photo / image")
    if w & {"notes", "narrative", "text"}:
        return ev(C.FREE_TEXT, 0.85, "free text (notes/comments/narrative)")
    if w & {"summary", "details", "description"}:
        if w & {"code", "type", "class", "category"} or org:
            return ev(C.NONE, 0.6, "description of a code/type (categorical)")
        return ev(
            C.FREE_TEXT,
            0.6,
            "description/summary: free text unless the values are a short list of codes",
        )

    # --- other lookalikes -------------------------------------------------------------------
    if (w <= {"date", "year", "time"} and "date" in w) or w == {"year"}:
        return ev(
            C.NONE,
            0.5,
            "a date whose kind the name does not say: the values decide (birth or event)",
            ("phone", "ssn_bare", "dl", "dl_weak"),  # 10-digit epoch seconds are not phones
        )
    if "date" in w or "year" in w or w & {"created", "updated", "timestamp", "time"}:
        return ev(
            C.NONE,
            0.8,
            "a date that is not a birth date (application/issue/...)",
            ("date_birthlike", "phone", "ssn_bare", "dl", "dl_weak"),
        )
    if "status" in w:
        if w & {"immigration", "citizenship", "legal", "lawful", "residency", "resident"}:
            return ev(C.IMMIGRATION_STATUS, 0.85, "immigration / residency status")
        if len(w - {"status", "code", "flag"}) == 0:
            # bare "status": the content decides (case status vs immigration status)
            return ev(
                C.NONE,
                0.55,
                "bare 'status' — protected only if the values are immigration-status vocabulary",
            )
        return ev(C.NONE, 0.7, "status of a case/application/account, not of a person's presence")
    if w & _CASE_IDS and (ids or len(w) == 1):
        return ev(
            C.NONE,
            0.8,
            "case/record/account identifier, not a personal identifier",
            ("ssn_bare", "dl", "dl_weak", "phone"),
        )
    if w & {"gender", "sex", "race", "ethnicity", "eye", "hair", "height", "weight"}:
        return ev(C.NONE, 0.6, "descriptive attribute outside the protected categories")
    if w & {"county", "country", "state", "region", "district"} and w <= {
        "county",
        "country",
        "state",
        "region",
        "district",
        "code",
        "name",
        "id",
    }:
        return ev(C.NONE, 0.6, "jurisdiction code, not a person's address")
    if w == {"id"} or w <= {"row", "id", "key", "uuid", "guid", "seq", "number"}:
        return ev(C.NONE, 0.8, "row identifier", ("ssn_bare", "dl", "dl_weak", "phone"))
    if w & _CLEAR_MEASURES:
        return ev(
            C.NONE,
            0.75,
            "an amount, count or measure, not a personal identifier",
            ("ssn_bare", "phone", "dl", "dl_weak"),
        )
    if seq[0] in {"id", "number"} and len(seq) >= 2 and not ids - {seq[0]}:
        # Spanish word order: no_paciente, num_expediente, id_cliente
        return ev(
            C.NONE,
            0.7,
            f"identifier of a {seq[1]!r} record, not a personal identifier",
            ("ssn_bare", "dl", "dl_weak", "phone"),
        )
    if seq[-1] in {"id", "number", "key"} and len(seq) >= 2:
        return ev(
            C.NONE,
            0.7,
            f"identifier of a {seq[-2]!r} record, not a personal identifier",
            ("ssn_bare", "dl", "dl_weak", "phone"),
        )
    return None
