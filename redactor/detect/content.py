"""Content evidence: what a sample of a column's values looks like.

Every check is one vectorised ``pyarrow.compute`` regex over the whole sample (RE2), giving
the share of non-empty values that match; :func:`profiles` runs each regex once over the
samples of several columns. Presidio is not used here; it is a per-cell fallback in
:mod:`redactor.detect.classify` for the few columns nothing else explains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import redactor.detect.patterns as p

_COUNTRIES = (
    "afghanistan albania algeria angola argentina armenia australia austria bangladesh belarus "
    "belize bolivia bosnia brazil bulgaria burma cambodia cameroon canada chile china colombia "
    "congo costa rica cuba dominican republic ecuador egypt el salvador eritrea ethiopia fiji "
    "france germany ghana greece guatemala guinea guyana haiti honduras hong kong hungary india "
    "indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya korea "
    "south korea north korea laos lebanon liberia mexico moldova mongolia morocco myanmar nepal "
    "netherlands nicaragua nigeria pakistan panama paraguay peru philippines poland portugal "
    "romania russia rwanda saudi arabia senegal sierra leone somalia south africa spain sri lanka "
    "sudan syria taiwan tajikistan tanzania thailand togo trinidad and tobago turkey uganda "
    "ukraine united kingdom united states usa venezuela vietnam yemen zambia zimbabwe "
    "méxico mexique brasil perú españa"
)
# multi-word names first so "costa rica" is one alternative
_COUNTRY_WORDS = sorted(
    {
        "costa rica",
        "dominican republic",
        "el salvador",
        "hong kong",
        "south korea",
        "north korea",
        "saudi arabia",
        "sierra leone",
        "south africa",
        "sri lanka",
        "trinidad and tobago",
        "united kingdom",
        "united states",
    }
    | {
        w
        for w in _COUNTRIES.split()
        if w
        not in {
            "costa",
            "rica",
            "dominican",
            "republic",
            "el",
            "salvador",
            "hong",
            "kong",
            "south",
            "north",
            "saudi",
            "arabia",
            "sierra",
            "leone",
            "sri",
            "lanka",
            "trinidad",
            "and",
            "tobago",
            "united",
            "kingdom",
            "states",
        }
    },
    key=lambda s: (-len(s), s),
)
COUNTRY = "(?i:" + "|".join(_COUNTRY_WORDS) + ")"

# signal name -> pattern matched against the whole trimmed value
CELL_SIGNALS: dict[str, str] = {
    "ssn_formatted": p.anchored(p.SSN_VALID_FORMATTED),
    "ssn_bare": p.anchored(p.SSN_VALID_BARE),
    "ssn_shape": p.anchored(p.NINE_DIGITS),
    "itin": p.anchored(p.ITIN_ANY),
    "a_number": p.anchored(p.A_NUMBER),
    "dl": p.anchored(p.DL_FORMATS),
    "dl_weak": p.anchored(p.DL_WEAK_FORMATS),
    "phone": p.anchored(rf"{p.PHONE}|{p.PHONE_INTL}"),
    "email": p.anchored(p.EMAIL),
    "date": p.anchored(rf"{p.DATE_NUMERIC}|{p.DATE_WORDS}"),
    "street": rf"^(?:{p.STREET_ADDRESS}|{p.STREET_ADDRESS_LOWER}|{p.PO_BOX}|{p.MILITARY_ADDRESS})",
    "zip": p.anchored(p.ZIP),
    "name_like": p.anchored(p.PERSON_NAME_CELL),
    "last_first": p.anchored(p.LAST_FIRST_CELL),
    "immigration": p.anchored(p.STATUS_VALUES),
    "visa": p.anchored(p.VISA_CLASS),
    "status_proxy": rf"\b(?:{p.STATUS_PROXY_VALUES})\b",
    "yes_no": p.anchored(p.YES_NO),
    "country": p.anchored(COUNTRY),
    "place_abroad": r"^[A-Za-z][A-Za-z .'-]*, ?[A-Za-z]{1,3}, ?[A-Za-z]{2,3}$",  # CITY, ST, CC
    # AAMVA licence classes and their usual spellings (a class list without a status marking)
    "licence_class": r"(?i)^(?:cdl[- ]?)?[a-fmpr][12m]?$|^(?i:regular|operator|chauffeur|commercial"
    r"|motorcycle|moped|permit|learner|instruction permit|non-?commercial)$",
    # identity and immigration documents among "document type" values
    "identity_doc": r"(?i)passport|visa|\bi-?\d{2,3}\b|\bead\b|green|resident|perman|birth|cert"
    r"|matr|consul|foreign|\bid\b|identi|licen|ssn|social sec|natural|citizen|refugee|asyl"
    r"|parol|\btps\b|daca|uscis|\bins\b|dhs|border|arrival|alien|employment auth|work auth"
    r"|tribal|military|school rec",
    "int_like": r"^[-+]?\d+$",
    "small_int": r"^\d{1,5}$",
    "decimal": r"^[-+]?\d*\.\d+$",
    "timestamp": r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}",
    "prose": r"\S+\s+\S+\s+\S+\s+\S+\s+\S+",
    "words3": r"\S+\s+\S+\s+\S+",
}
# unanchored: an identifier somewhere inside a longer value (free text that embeds one)
EMBEDDED = (
    rf"(?:{p.SSN_SHAPE_FORMATTED}|{p.EMAIL}|\b(?:{p.A_NUMBER})\b|{p.DATE_NUMERIC}"
    rf"|(?:{p.STREET_ADDRESS})|\b(?:{p.STATUS_TERMS})\b)"
)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_IMAGE_B64 = r"^(?:/9j/|iVBORw0KGgo|R0lGOD|Qk|UklGR|data:image/)"


@dataclass(frozen=True)
class ContentProfile:
    """Shares of sampled values that match each signal, plus shape statistics."""

    kind: str  # string | integer | float | bool | date | binary | nested | empty
    n: int  # non-null, non-empty values looked at
    distinct: int = 0
    mean_len: float = 0.0
    shares: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    birthlike: bool | None = None  # dates: do the years look like birth years?
    year_span: tuple[int, int] | None = None
    # whole numbers read as dates: (encoding, birth-like?, 10th-90th pct years)
    numeric_date: tuple[str, bool | None, tuple[int, int] | None] | None = None

    def share(self, signal: str) -> float:
        return self.shares.get(signal, 0.0)

    @property
    def distinct_ratio(self) -> float:
        return self.distinct / self.n if self.n else 0.0


def _years_birthlike(years: pa.Array) -> tuple[bool | None, tuple[int, int] | None]:
    years = years.drop_null()
    if len(years) < 5:
        return None, None
    q = pc.quantile(years, q=[0.1, 0.5, 0.9]).to_pylist()
    lo, med, hi = int(q[0]), int(q[1]), int(q[2])
    this_year = dt.date.today().year
    # birth years: spread over decades and centred well before today
    return (hi - lo >= 15 and med <= this_year - 16 and lo >= 1880), (lo, hi)


_SAS_EPOCH = dt.date(1960, 1, 1)


def _numeric_date(s: pa.Array) -> tuple[str, bool | None, tuple[int, int] | None] | None:
    """Read a column of whole numbers as dates: YYYYMMDD, epoch ms/s, or SAS day numbers."""
    ymd = pc.match_substring_regex(s, r"^(?:18|19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")
    if pc.all(ymd).as_py():
        years = pc.cast(pc.utf8_slice_codeunits(s, 0, 4), pa.int32())
        return ("YYYYMMDD", *_years_birthlike(years))
    try:
        v = pc.cast(s, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    big = pc.max(pc.abs(v)).as_py() or 0
    if big >= 10**11:
        enc, secs = "epoch milliseconds", pc.divide(v, 1000)
    elif big >= 10**8:
        enc, secs = "epoch seconds", v
    elif big < 60_000:
        enc, secs = "SAS day numbers", None
    else:
        return None
    if secs is None:
        years = pc.add(pc.floor(pc.divide(pc.cast(v, pa.float64()), 365.2425)), 1960)
    else:
        years = pc.add(pc.floor(pc.divide(pc.cast(secs, pa.float64()), 31_556_952.0)), 1970)
    return (enc, *_years_birthlike(pc.cast(years, pa.int32())))


def _years_of(s: pa.Array) -> pa.Array:
    """Years of date strings: a 4-digit year, else a trailing 2-digit one (DD-MON-YY) pivoted."""
    y4 = pc.struct_field(pc.extract_regex(s, r"(?P<y>(?:18|19|20)\d\d)"), [0])
    y2 = pc.struct_field(
        pc.extract_regex(s, r"^\d{1,2}[-/ ](?:\w{3}|\d{1,2})[-/ ](?P<y>\d\d)$"), [0]
    )
    y2 = pc.cast(y2, pa.int32())
    pivot = dt.date.today().year % 100
    y2 = pc.if_else(pc.less_equal(y2, pivot), pc.add(y2, 2000), pc.add(y2, 1900))
    return pc.coalesce(pc.cast(y4, pa.int32()), y2)


def _cells(arr: pa.Array | pa.ChunkedArray) -> ContentProfile | tuple[str, pa.Array]:
    """The trimmed non-empty values of a column as text with their kind, or the whole profile
    when there is no text to match (empty, binary, nested, boolean, dates)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=arr.type)
    if isinstance(arr, pa.DictionaryArray):
        arr = arr.dictionary_decode()
    t = arr.type
    arr = arr.drop_null()
    if len(arr) == 0:
        return ContentProfile(kind="empty", n=0)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        heads = [v[:8] for v in arr.to_pylist()[:500]]
        img = sum(1 for h in heads if h.startswith(_IMAGE_MAGIC)) / len(heads)
        return ContentProfile(kind="binary", n=len(arr), shares=MappingProxyType({"image": img}))
    if pa.types.is_nested(t):
        return ContentProfile(kind="nested", n=len(arr))
    if pa.types.is_boolean(t):
        return ContentProfile(
            kind="bool", n=len(arr), distinct=2, shares=MappingProxyType({"yes_no": 1.0})
        )
    if pa.types.is_temporal(t) and not pa.types.is_time(t) and not pa.types.is_duration(t):
        years = pc.year(arr)
        birthlike, span = _years_birthlike(years)
        return ContentProfile(
            kind="date",
            n=len(arr),
            distinct=pc.count_distinct(arr).as_py(),
            shares=MappingProxyType({"date": 1.0}),
            birthlike=birthlike,
            year_span=span,
        )
    kind = "integer" if pa.types.is_integer(t) else "float" if pa.types.is_floating(t) else "string"
    if kind == "float":
        # whole floats (an SSN column that went through a spreadsheet) profile as integers
        finite = arr.filter(pc.is_finite(arr))
        if len(finite) == len(arr) and pc.all(pc.equal(pc.floor(arr), arr)).as_py():
            arr, kind = pc.cast(arr, pa.int64(), safe=False), "integer"
    try:
        s = arr.cast(pa.string()) if kind != "string" or not pa.types.is_string(t) else arr
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return ContentProfile(kind="nested", n=len(arr))
    s = pc.utf8_trim_whitespace(s)
    s = s.filter(pc.greater(pc.utf8_length(s), 0))
    n = len(s)
    if n == 0:
        return ContentProfile(kind="empty", n=0)
    return kind, s


def profile(arr: pa.Array | pa.ChunkedArray) -> ContentProfile:
    """Profile a sample of one column."""
    return profiles([arr])[0]


def profiles(arrays: Sequence[pa.Array | pa.ChunkedArray]) -> list[ContentProfile]:
    """Profile samples of several columns. Each signal's regex runs once over the values of all
    of them: RE2 compiles the pattern on every call, which for the large ones (street suffixes,
    embedded identifiers) costs more than matching a few thousand short values."""
    out: list[ContentProfile | None] = []
    texts: list[tuple[int, str, pa.Array]] = []
    for i, arr in enumerate(arrays):
        got = _cells(arr)
        if isinstance(got, ContentProfile):
            out.append(got)
        else:
            out.append(None)
            texts.append((i, *got))
    if texts:
        counted = _signal_counts([s for _, _, s in texts])
        for (i, kind, s), counts in zip(texts, counted, strict=True):
            out[i] = _text_profile(kind, s, counts)
    return [p for p in out if p is not None]


_ALL_SIGNALS = {**CELL_SIGNALS, "embedded": EMBEDDED, "image": _IMAGE_B64}


def _signal_counts(texts: list[pa.Array]) -> list[dict[str, int]]:
    """For each (non-empty) text array, how many of its values match each signal."""
    both = pa.concat_arrays(texts) if len(texts) > 1 else texts[0]
    starts = np.cumsum([0] + [len(t) for t in texts[:-1]])
    out: list[dict[str, int]] = [{} for _ in texts]
    # a regex call costs ~100 ns a value whatever its length, and samples repeat values (codes,
    # dates, surnames): each distinct value is matched once, its verdict given to every copy
    distinct, at = both, None
    if not both.null_count:
        encoded = pc.dictionary_encode(both)
        if len(encoded.dictionary) * 4 < len(both) * 3:
            distinct = encoded.dictionary
            at = encoded.indices.to_numpy(zero_copy_only=False)
    for name, pattern in _ALL_SIGNALS.items():
        hit = pc.match_substring_regex(distinct, pattern).to_numpy(zero_copy_only=False)
        if at is not None:
            hit = hit[at]
        for counts, k in zip(out, np.add.reduceat(hit.astype(np.int64), starts), strict=True):
            counts[name] = int(k)
    return out


def _text_profile(kind: str, s: pa.Array, counts: dict[str, int]) -> ContentProfile:
    """The profile of one column's text values, given their signal counts."""
    n = len(s)
    # whole numbers, typed or as text (CSV cells are strings)
    kind_digits = kind == "integer" or (kind == "string" and counts["int_like"] == n)
    if kind_digits:
        # integer SSNs lose their leading zeros: pad back to nine digits before validating
        long_enough = s.filter(
            pc.and_(
                pc.greater_equal(pc.utf8_length(s), 7),
                pc.match_substring_regex(s, r"^\d{7,9}$"),
            )
        )
        padded = pc.utf8_lpad(long_enough, width=9, padding="0")
        is_ssn = pc.match_substring_regex(padded, p.anchored(p.SSN_VALID_BARE))
        is_itin = pc.match_substring_regex(padded, p.anchored(p.ITIN_ANY))
        counts["ssn_bare"] = pc.sum(is_ssn).as_py() or 0
        counts["itin"] = pc.sum(is_itin).as_py() or 0
        # nine-digit numbers that no SSN or ITIN can be (area 000/666/9xx outside ITIN
        # groups, group 00, serial 0000): a share of them means case/record numbers
        counts["not_ssn9"] = len(padded) - counts["ssn_bare"] - counts["itin"]
        counts["digits9"] = pc.sum(pc.match_substring_regex(s, r"^\d{9}$")).as_py() or 0
        counts["digits7_8"] = len(long_enough) - counts["digits9"]
        if len(long_enough):
            # distinct impossible values: one placeholder such as 999999999 repeated is not
            # a numbering scheme
            impossible = padded.filter(pc.invert(pc.or_(is_ssn, is_itin)))
            counts["not_ssn9_distinct"] = (
                pc.count_distinct(impossible).as_py() if len(impossible) else 0
            )
            counts["distinct7_9"] = pc.count_distinct(long_enough).as_py()
    # distinct visa-class letters among the values (H-1B, F-1, J-1... vs a grid of "A-1")
    visas = s.filter(pc.match_substring_regex(s, CELL_SIGNALS["visa"]))
    counts["visa_letters"] = (
        len(set(pc.utf8_upper(pc.utf8_slice_codeunits(visas, 0, 1)).unique().to_pylist()))
        if len(visas)
        else 0
    )
    birthlike = span = None
    if counts["date"] >= 0.5 * n:
        birthlike, span = _years_birthlike(_years_of(s))
    numeric_date = _numeric_date(s) if kind_digits and counts["int_like"] == n else None
    return ContentProfile(
        kind=kind,
        n=n,
        distinct=pc.count_distinct(s).as_py(),
        mean_len=(pc.sum(pc.utf8_length(s)).as_py() or 0) / n,
        shares=MappingProxyType({k: v / n for k, v in counts.items()}),
        counts=MappingProxyType(counts),
        birthlike=birthlike,
        year_span=span,
        numeric_date=numeric_date,
    )
