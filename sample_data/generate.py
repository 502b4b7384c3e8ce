#!/usr/bin/env python3
"""Deterministic generator of synthetic agency exports for redactor's samples, tests and benchmarks.

Everything here is synthetic. Names are drawn at random from Faker's en_US and es_MX name lists
and combined independently of every other field; numbers come from seeded NumPy streams. No row
describes a real person. Phone numbers use the 555-01XX range reserved for fiction, e-mail
addresses the reserved example.com/.net/.org domains; SSNs are random format-valid numbers that
avoid the publicised advertising numbers, ITINs follow the IRS ITIN ranges, A-numbers are random.

Datasets
    dmv       Colorado-style DMV driver/ID-card export (table ``drivers``; 24 legacy columns)
    benefits  county benefits caseload export (table ``caseload``; 15 columns)
    crcsa     applicants for a license without lawful presence (table ``crcsa_applicants``);
              derived from the DMV rows, its membership alone reveals status

Determinism
    Content is a pure function of (seed, row index): rows are generated in blocks of ``BLOCK``
    rows and every column of every block draws from its own stream, seeded from (seed, dataset,
    block, column). So the same seed gives byte-identical files, a chunked write of 10M rows holds
    one block at a time, and the first N rows of a larger generation are the N-row generation.
    Dates are relative to ``REFERENCE_DATE``, never to today.

Library use (benchmarks)::

    from sample_data.generate import generate_dmv, generate_benefits, write_dataset
    table = generate_dmv(100_000, seed=7)                 # typed pyarrow.Table (dates are date32)
    write_dataset("dmv", "big.csv", rows=10_000_000, seed=7)   # streams block by block

Command line::

    python sample_data/generate.py                        # rewrite the committed samples
    python sample_data/generate.py --rows 1000000 --only dmv --formats csv --out /tmp/big
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import string
import sys
import tempfile
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

REFERENCE_DATE = dt.date(2026, 6, 30)
_EPOCH = dt.date(1970, 1, 1)
REF_DAYS = (REFERENCE_DATE - _EPOCH).days
DEFAULT_SEED = 20260630
DEFAULT_DMV_ROWS = 1500
DEFAULT_BENEFITS_ROWS = 1200
BLOCK = 50_000  # rows per generation block; fixed, so content never depends on the write chunking
HERE = Path(__file__).resolve().parent

# Which files the committed samples consist of, and the SQLite table each one becomes.
SAMPLE_FILES = {
    "dmv_drivers.csv": "drivers",
    "benefits_caseload.csv": "caseload",
    "crcsa_applicants.csv": "crcsa_applicants",
}
SQLITE_FILE = "agency.sqlite"

_DATASET_ID = {"dmv": 1, "benefits": 2, "crcsa": 3}
_SPACE_DMV, _SPACE_BENEFITS, _SPACE_CRCSA = 0, 1, 2

# Immigration status of a synthetic person (latent; drives every status field and proxy).
USB, NAT, LPR, TMP, NLP = range(5)  # US-born, naturalised, permanent resident, temporary, none

# --------------------------------------------------------------------------------------------------
# Vocabulary pools
# --------------------------------------------------------------------------------------------------

# (city, county FIPS, weight, area codes, ZIPs): real places and ZIP codes; all else is synthetic.
# city | county FIPS | weight | area codes | ZIP codes
_CITY_TABLE = """
DENVER | 031 | 20 | 303 720 | 80202 80203 80204 80205 80206 80207 80209 80210 80211 80212 80216 \
    80218 80219 80220 80223 80224 80227 80230 80236 80237 80239 80249
AURORA | 005 | 10 | 303 720 | 80010 80011 80012 80013 80014 80015 80016 80017
COLORADO SPRINGS | 041 | 12 | 719 | 80903 80904 80905 80906 80907 80909 80910 80911 80915 80916 \
    80917 80918 80919 80920
FORT COLLINS | 069 | 5 | 970 | 80521 80524 80525 80526 80528
LAKEWOOD | 059 | 5 | 303 720 | 80214 80215 80226 80228 80232
THORNTON | 001 | 4 | 303 720 | 80229 80233 80241 80602
ARVADA | 059 | 4 | 303 720 | 80002 80003 80004 80005
WESTMINSTER | 001 | 3.5 | 303 720 | 80030 80031 80234
PUEBLO | 101 | 3.5 | 719 | 81001 81003 81004 81005 81008
GREELEY | 123 | 4 | 970 | 80631 80634
BOULDER | 013 | 3 | 303 720 | 80301 80302 80303 80304
LONGMONT | 013 | 2.5 | 303 720 | 80501 80503 80504
LOVELAND | 069 | 2 | 970 | 80537 80538
GRAND JUNCTION | 077 | 2 | 970 | 81501 81503 81504 81505
COMMERCE CITY | 001 | 2 | 303 720 | 80022
BRIGHTON | 001 | 1.5 | 303 720 | 80601
ENGLEWOOD | 005 | 1.5 | 303 720 | 80110 80113
CASTLE ROCK | 035 | 1.5 | 303 720 | 80104 80108 80109
DURANGO | 067 | 1 | 970 | 81301 81303
GLENWOOD SPRINGS | 045 | 0.8 | 970 | 81601
FORT MORGAN | 087 | 0.8 | 970 | 80701
MONTROSE | 085 | 0.8 | 970 | 81401 81403
ALAMOSA | 003 | 0.6 | 719 | 81101
STERLING | 075 | 0.6 | 970 | 80751
LEADVILLE | 065 | 0.4 | 719 | 80461
"""
_CITIES: list[tuple[str, str, float, tuple[str, ...], tuple[str, ...]]] = [
    (c, f, float(w), tuple(a.split()), tuple(z.split()))
    for c, f, w, a, z in (map(str.strip, ln.split("|")) for ln in _CITY_TABLE.strip().splitlines())
]

# Foreign birthplaces (ISO 3166 alpha-3) and weights; True marks Spanish-speaking countries.
_COUNTRIES: list[tuple[str, float, bool]] = [
    ("MEX", 45, True),
    ("GTM", 6, True),
    ("SLV", 5, True),
    ("HND", 4, True),
    ("VEN", 4, True),
    ("IND", 4, False),
    ("CHN", 3, False),
    ("VNM", 3, False),
    ("PHL", 3, False),
    ("ETH", 3, False),
    ("SOM", 2, False),
    ("KOR", 2, False),
    ("CAN", 2, False),
    ("DEU", 2, False),
    ("GBR", 2, False),
    ("NGA", 2, False),
    ("UKR", 2, False),
    ("AFG", 2, False),
    ("CUB", 2, True),
    ("PER", 2, True),
    ("COL", 2, True),
]

_STREET_NAMES = (
    "MAIN",
    "COLFAX",
    "FEDERAL",
    "BROADWAY",
    "ALAMEDA",
    "COLORADO",
    "LINCOLN",
    "SHERIDAN",
    "WADSWORTH",
    "KIPLING",
    "HAVANA",
    "PEORIA",
    "CHAMBERS",
    "TOWER",
    "EVANS",
    "JEWELL",
    "YALE",
    "HAMPDEN",
    "MISSISSIPPI",
    "FLORIDA",
    "ILIFF",
    "DARTMOUTH",
    "QUINCY",
    "BELLEVIEW",
    "ACADEMY",
    "PLATTE",
    "UNION",
    "NEVADA",
    "TEJON",
    "CASCADE",
    "ELIZABETH",
    "HARMONY",
    "PROSPECT",
    "DRAKE",
    "HORSETOOTH",
    "MULBERRY",
    "VINE",
    "LAPORTE",
    "PEARL",
    "SPRUCE",
    "WALNUT",
    "CANYON",
    "BASELINE",
    "ARAPAHOE",
    "VALMONT",
    "IRIS",
    "ASPEN",
    "CEDAR",
    "JUNIPER",
    "PINE",
    "ELM",
    "MAPLE",
    "OAK",
    "BIRCH",
    "COTTONWOOD",
    "WILLOW",
    "1ST",
    "2ND",
    "3RD",
    "6TH",
    "10TH",
    "14TH",
    "17TH",
    "26TH",
    "38TH",
    "48TH",
    "56TH",
    "64TH",
    "72ND",
    "88TH",
    "104TH",
    "120TH",
)
_STREET_SUFFIXES = ("ST", "AVE", "BLVD", "DR", "RD", "CT", "WAY", "LN", "PL", "CIR", "PKWY")
_STREET_DIRS = ("", "", "", "N ", "S ", "E ", "W ")

# Publicised or commonly abused SSNs that must never appear (advertising cards, LifeLock, examples).
_FORBIDDEN_SSNS = frozenset({78051120, 219099999, 457555462, 123456789, 111111111, 333333333})
_ITIN_GROUPS = np.array([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])


def _fold(s: str) -> str:
    """ASCII, lower case, letters and digits only (for e-mail local parts)."""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return "".join(ch for ch in s.lower() if ch.isalnum())


@cache
def _pools() -> dict[str, object]:
    """Name and address pools. Faker's locale lists, sorted so their order is not relied on."""
    from faker.providers.person.en_US import Provider as En
    from faker.providers.person.es_MX import Provider as Es

    def weighted(d) -> tuple[list[str], np.ndarray]:
        items = sorted(d.items()) if hasattr(d, "items") else sorted((k, 1.0) for k in set(d))
        names = [k for k, _ in items]
        w = np.array([float(v) for _, v in items])
        return names, w / w.sum()

    pools: dict[str, object] = {}
    for key, src in {
        "en_first": En.first_names,
        "en_last": En.last_names,
        "es_first": Es.first_names,
        "es_last": Es.last_names,
    }.items():
        names, w = weighted(src)
        pools[key] = (pa.array(names), pa.array([_fold(n) for n in names]), w)
    streets = [
        f"{d}{n} {s}" for d in _STREET_DIRS[2:] for n in _STREET_NAMES for s in _STREET_SUFFIXES
    ]
    streets = sorted(set(streets) | {f"{n} {s}" for n in _STREET_NAMES for s in _STREET_SUFFIXES})
    pools["streets"] = pa.array(streets)
    pools["streets_title"] = pa.array(
        [" ".join(w.capitalize() for w in s.split()) for s in streets]
    )
    zips, zip_city, zip_w = [], [], []
    for ci, (_, _, w, _, zs) in enumerate(_CITIES):
        for z in zs:
            zips.append(z)
            zip_city.append(ci)
            zip_w.append(w / len(zs))
    pools["zips"] = pa.array(zips)
    pools["zip_city"] = np.array(zip_city)
    pools["zip_w"] = np.array(zip_w) / sum(zip_w)
    pools["city"] = pa.array([c[0] for c in _CITIES])
    pools["city_title"] = pa.array([c[0].title() for c in _CITIES])
    pools["county"] = pa.array([c[1] for c in _CITIES])
    pools["area_codes"] = [c[3] for c in _CITIES]
    cw = np.array([c[1] for c in _COUNTRIES])
    pools["countries"] = pa.array([c[0] for c in _COUNTRIES])
    pools["country_w"] = cw / cw.sum()
    pools["country_es"] = np.array([c[2] for c in _COUNTRIES])
    return pools


# --------------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------------


class _Streams:
    """One independent NumPy generator per column name, for one (seed, space, block)."""

    def __init__(self, seed: int, space: int, block: int) -> None:
        self.key = (int(seed), int(space), int(block))

    def __call__(self, column: str) -> np.random.Generator:
        ss = np.random.SeedSequence([*self.key, zlib.crc32(column.encode())])
        return np.random.default_rng(ss)


def _pick(rng: np.random.Generator, values: Sequence, n: int, p: Sequence[float] | None = None):
    """n values drawn from ``values`` (returned as a pyarrow array)."""
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    idx = rng.choice(len(values), size=n, p=probs)
    return pa.array(values).take(pa.array(idx))


def _digits(x: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(x, type=pa.int64()), pa.string()), width, "0")


def _join(*parts, null_if_any: bool = False) -> pa.Array:
    """Element-wise string concatenation; nulls count as '' unless ``null_if_any``."""
    handling = "emit_null" if null_if_any else "replace"
    return pc.binary_join_element_wise(*parts, "", null_handling=handling, null_replacement="")


def _where(mask: np.ndarray, a, b) -> pa.Array:
    return pc.if_else(pa.array(mask), a, b)


def _null_where(mask: np.ndarray, arr: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


def _fill(templates: Sequence[str], tid: np.ndarray, fields: dict[str, pa.Array]) -> pa.Array:
    """Render row-wise templates (``str.format`` syntax, field names only) without per-row Python.

    Row i gets ``templates[tid[i]]`` filled from ``fields[...][i]``; an empty template gives null.
    """
    n = len(tid)
    parts, order = [], []
    for t, template in enumerate(templates):
        idx = np.nonzero(tid == t)[0]
        if not len(idx):
            continue
        order.append(idx)
        if not template:
            parts.append(pa.nulls(len(idx), pa.string()))
            continue
        take = pa.array(idx)
        pieces: list = []
        for literal, field, _, _ in string.Formatter().parse(template):
            if literal:
                pieces.append(literal)
            if field:
                pieces.append(fields[field].take(take))
        if not any(isinstance(p, pa.Array) for p in pieces):
            parts.append(pa.array(["".join(pieces)] * len(idx), pa.string()))
        else:
            parts.append(_join(*pieces))
    if not parts:
        return pa.nulls(n, pa.string())
    allidx = np.concatenate(order)
    inverse = np.empty(n, dtype=np.int64)
    inverse[allidx] = np.arange(n)
    return pa.concat_arrays(parts).take(pa.array(inverse))


def _choose_template(
    rng: np.random.Generator, groups: np.ndarray, table: dict[int, list[tuple[int, float]]]
) -> np.ndarray:
    """Per row, a template id drawn from the (template, weight) list of the row's group."""
    tid = np.zeros(len(groups), dtype=np.int64)
    u = rng.random(len(groups))
    for g, options in table.items():
        mask = groups == g
        ids = np.array([o[0] for o in options])
        cum = np.cumsum([o[1] for o in options], dtype=float)
        cum /= cum[-1]
        tid[mask] = ids[np.minimum(np.searchsorted(cum, u[mask], side="right"), len(ids) - 1)]
    return tid


# --------------------------------------------------------------------------------------------------
# People: the latent persons rows are made of
# --------------------------------------------------------------------------------------------------

_STATUS_P = {
    _SPACE_DMV: [0.80, 0.06, 0.05, 0.02, 0.07],
    _SPACE_BENEFITS: [0.70, 0.06, 0.10, 0.07, 0.07],
    _SPACE_CRCSA: [0.0, 0.0, 0.0, 0.0, 1.0],
}
_AGE_RANGE = {_SPACE_DMV: (16, 92), _SPACE_BENEFITS: (18, 88), _SPACE_CRCSA: (16, 70)}


def _ssn_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    area = rng.integers(1, 899, size=n)  # 001-898 drawn, shifted past 666 -> 001-899 \ {666}
    area = area + (area >= 666)
    group = rng.integers(1, 100, size=n)
    serial = rng.integers(1, 10000, size=n)
    ssn = area * 1_000_000 + group * 10_000 + serial
    bad = np.isin(ssn, np.array(sorted(_FORBIDDEN_SSNS)))
    ssn[bad] = (
        area[bad] * 1_000_000
        + group[bad] * 10_000
        + (serial[bad] % 9998)
        + 1
        + ((serial[bad] % 9998) + 1 == serial[bad])
    )
    return ssn


def _itin_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    area = rng.integers(900, 1000, size=n)
    group = _ITIN_GROUPS[rng.integers(0, len(_ITIN_GROUPS), size=n)]
    serial = rng.integers(1, 10000, size=n)
    return area * 1_000_000 + group * 10_000 + serial


def _dash9(x: np.ndarray) -> pa.Array:
    s = _digits(x, 9)
    return _join(
        pc.utf8_slice_codeunits(s, 0, 3),
        "-",
        pc.utf8_slice_codeunits(s, 3, 5),
        "-",
        pc.utf8_slice_codeunits(s, 5, 9),
    )


@cache
def _people_cached(seed: int, space: int, block: int) -> dict[str, object]:
    return _people(seed, space, block)


def _people(seed: int, space: int, block: int) -> dict[str, object]:
    """BLOCK synthetic persons of a space (one person per row index of that space)."""
    P = _pools()
    r = _Streams(seed, space + 100, block)
    n = BLOCK
    status = r("status").choice(5, size=n, p=_STATUS_P[space])
    foreign = status != USB
    cidx = r("country").choice(len(_COUNTRIES), size=n, p=P["country_w"])
    country = _where(foreign, P["countries"].take(pa.array(cidx)), pa.scalar("USA"))
    spanish = np.where(foreign, P["country_es"][cidx], r("hisp").random(n) < 0.18)

    def name(kind: str) -> tuple[pa.Array, pa.Array]:
        en_n, en_a, en_w = P[f"en_{kind}"]
        es_n, es_a, es_w = P[f"es_{kind}"]
        rng = r(kind)
        i_en = pa.array(rng.choice(len(en_w), size=n, p=en_w))
        i_es = pa.array(rng.choice(len(es_w), size=n, p=es_w))
        return (
            _where(spanish, es_n.take(i_es), en_n.take(i_en)),
            _where(spanish, es_a.take(i_es), en_a.take(i_en)),
        )

    first, first_a = name("first")
    last, last_a = name("last")
    lo, hi = _AGE_RANGE[space]
    dob = REF_DAYS - r("dob").integers(lo * 365 + 1, hi * 365, size=n)
    has_ssn = np.select(
        [status <= LPR, status == TMP],
        [r("ssn?").random(n) < 0.995, r("ssn?").random(n) < 0.7],
        False,
    )
    ssn = _ssn_numbers(r("ssn"), n)
    has_itin = ~has_ssn & (r("itin?").random(n) < np.where(status == NLP, 0.65, 0.3))
    itin = _itin_numbers(r("itin"), n)
    has_anum = (status == LPR) | (status == TMP) | ((status == NAT) & (r("anum?").random(n) < 0.6))
    anum = r("anum").integers(10_000_000, 250_000_000, size=n)
    zi = r("zip").choice(len(P["zip_w"]), size=n, p=P["zip_w"])
    city = P["zip_city"][zi]
    house = np.where(
        r("house?").random(n) < 0.7,
        r("house").integers(100, 9999, size=n),
        r("house2").integers(1, 19999, size=n),
    )
    street = r("street").integers(0, len(P["streets"]), size=n)
    unit_kind = r("unit?").choice(4, size=n, p=[0.8, 0.1, 0.05, 0.05])
    unit_no = r("unit").integers(1, 400, size=n)
    area_pick = r("area").integers(0, 2, size=n)
    area = np.array(
        [
            P["area_codes"][c][a % len(P["area_codes"][c])]
            for c, a in zip(city.tolist(), area_pick.tolist(), strict=True)
        ]
    )
    line = r("line").integers(100, 200, size=n)  # 555-0100 .. 555-0199: reserved for fiction
    return {
        "status": status,
        "country": country,
        "first": first,
        "first_a": first_a,
        "last": last,
        "last_a": last_a,
        "mid": _pick(r("mid"), list(string.ascii_uppercase), n),
        "dob": dob,
        "has_ssn": has_ssn,
        "ssn": ssn,
        "has_itin": has_itin,
        "itin": itin,
        "has_anum": has_anum,
        "anum": anum,
        "zip": P["zips"].take(pa.array(zi)),
        "city": city,
        "house": house,
        "street": street,
        "unit_kind": unit_kind,
        "unit_no": unit_no,
        "area": pa.array(area),
        "line": line,
    }


def _person_rows(seed: int, space: int, block: int, overlap: np.ndarray | None = None) -> dict:
    """The persons of ``space`` for a block; rows flagged in ``overlap`` are the DMV persons."""
    own = _people_cached(seed, space, block)
    if overlap is None or not overlap.any():
        return own
    dmv = _people_cached(seed, _SPACE_DMV, block)
    out = {}
    for k, v in own.items():
        out[k] = (
            np.where(overlap, dmv[k], v)
            if isinstance(v, np.ndarray)
            else _where(overlap, dmv[k], v)
        )
    return out


def _address(p: dict, idx: np.ndarray, r: _Streams, title: bool) -> pa.Array:
    P = _pools()
    street = (P["streets_title"] if title else P["streets"]).take(pa.array(p["street"][idx]))
    kind = p["unit_kind"][idx]
    unit_no = pc.cast(pa.array(p["unit_no"][idx]), pa.string())
    letter = _pick(r("unit_letter"), ["", "", "A", "B", "C"], len(idx))
    units = {1: " APT " if not title else " Apt ", 2: " UNIT " if not title else " Unit ", 3: " #"}
    unit = pa.array([""] * len(idx))
    for k, label in units.items():
        unit = _where(kind == k, _join(label, unit_no, letter), unit)
    house = pc.cast(pa.array(p["house"][idx]), pa.string())
    return _join(house, " ", street, unit)


def _phone(p: dict, idx: np.ndarray, rng: np.random.Generator) -> pa.Array:
    area = p["area"].take(pa.array(idx))
    line = pc.cast(pa.array(p["line"][idx]), pa.string())
    style = rng.choice(4, size=len(idx), p=[0.45, 0.3, 0.15, 0.1])
    line = pc.utf8_slice_codeunits(line, 1, 3)  # 100..199 -> "00".."99", shown as 555-01xx
    out = _join("(", area, ") 555-01", line)
    out = _where(style == 1, _join(area, "-555-01", line), out)
    out = _where(style == 2, _join(area, "55501", line), out)
    return _where(style == 3, _join(area, ".555.01", line), out)


def _anum_text(p: dict, idx: np.ndarray, rng: np.random.Generator) -> pa.Array:
    digits = _digits(p["anum"][idx], 9)
    style = rng.choice(3, size=len(idx), p=[0.7, 0.2, 0.1])
    out = _join("A", digits)
    cut = pc.utf8_slice_codeunits
    dashed = _join(cut(digits, 0, 3), "-", cut(digits, 3, 6), "-", cut(digits, 6, 9))
    out = _where(style == 1, dashed, out)
    return _where(style == 2, digits, out)


def _us_date(days: np.ndarray) -> pa.Array:
    return pc.strftime(_dates(days), format="%m/%d/%Y")


def _block_ranges(rows: int, start: int) -> Iterator[tuple[int, int, int]]:
    """(block, first offset in block, last offset) covering global rows [start, start+rows)."""
    pos, end = start, start + rows
    while pos < end:
        b = pos // BLOCK
        lo = pos - b * BLOCK
        hi = min(BLOCK, end - b * BLOCK)
        yield b, lo, hi
        pos = b * BLOCK + hi


def _affine_unique(g: np.ndarray, a: int, seed: int, salt: int) -> np.ndarray:
    """A bijection of 0..1e9-1 (a is coprime to 10**9): unique 9-digit ids per global row index."""
    b = int(np.random.SeedSequence([int(seed), salt]).generate_state(1)[0]) % 1_000_000_000
    return (g.astype(np.int64) * a + b) % 1_000_000_000


# --------------------------------------------------------------------------------------------------
# DMV drivers
# --------------------------------------------------------------------------------------------------

DMV_SCHEMA = pa.schema(
    [
        ("record_id", pa.int64()),
        ("DL_NBR", pa.string()),
        ("LIC_CLASS_CD", pa.string()),
        ("FRST_NM", pa.string()),
        ("MID_INIT", pa.string()),
        ("lname", pa.string()),
        ("BIRTH_DT", pa.date32()),
        ("SOC_SEC_NO", pa.string()),
        ("SSN_PRESENT_FLG", pa.string()),
        ("RES_ADDR_LN1", pa.string()),
        ("RES_CITY", pa.string()),
        ("RES_ST", pa.string()),
        ("ZIP5", pa.string()),
        ("Phone Number", pa.string()),
        ("email_addr", pa.string()),
        ("CNTRY_BIRTH", pa.string()),
        ("LAWFUL_PRES_IND", pa.string()),
        ("SRC_DOC_TYP", pa.string()),
        ("ISSUE_DT", pa.date32()),
        ("EXPR_DT", pa.date32()),
        ("county_cd", pa.string()),
        ("PLATE_NO", pa.string()),
        ("veh_count", pa.int32()),
        ("CUST_NOTES", pa.string()),
    ]
)

# Template groups: 0 any person, 1 has SSN, 2 no lawful presence, 3 temporary, 4 LPR, 5 naturalised
_DMV_TEMPLATES = [
    "",
    "Applicant at {addr} requested duplicate; SSN {ssn} on file",
    "Cust called from {phone} re: renewal appt {date}.",
    "Address change: new res {addr}, {city} CO {zip}. Old DL {dl} surrendered.",
    "DOB on file {dob} did not match birth cert; verified in person.",
    "Vehicle {plate} registered to same household.",
    "Duplicate requested - lost wallet. Callback {phone}",
    "Vision test passed w/ corrective lenses.",
    "Renewal online.",
    "Photo retaken at customer request.",
    "SSN {ssn} verified SSOLV {date}.",
    "No SSN - applicant provided ITIN {tin}. Foreign passport verified.",
    "Presented matricula consular; CO residency 2 yrs via tax returns. Appt {date}.",
    "Applicant has no SSN; affidavit signed {date}.",
    "EAD exp {date}; A-number {anum} verified via SAVE.",
    "PR card A# {anum} verified SAVE. Cust phone {phone}",
    "Naturalized, cert on file. {anum}",
    "Caller identified as federal agent asked for res address of {first} {last}; "
    "referred to legal, nothing released.",
    "Cust {first} {last} ({dob}) moved from {addr}; mail returned.",
]
_DMV_TEMPLATE_GROUPS: dict[int, list[tuple[int, float]]] = {
    0: [
        (0, 55),
        (2, 6),
        (3, 5),
        (4, 3),
        (5, 4),
        (6, 4),
        (7, 6),
        (8, 8),
        (9, 3),
        (17, 0.5),
        (18, 3),
    ],
    1: [
        (0, 50),
        (1, 6),
        (2, 6),
        (3, 5),
        (4, 3),
        (5, 4),
        (6, 4),
        (7, 5),
        (8, 7),
        (10, 4),
        (17, 0.5),
        (18, 3),
    ],
    2: [(0, 40), (2, 5), (3, 4), (11, 20), (12, 15), (13, 10), (17, 1), (18, 3)],
    3: [(0, 45), (2, 6), (3, 4), (14, 30), (6, 5), (18, 3)],
    4: [(0, 45), (2, 6), (1, 8), (15, 25), (6, 5), (18, 3)],
    5: [(0, 50), (1, 10), (16, 20), (8, 8), (18, 3)],
}

_CRCSA_CLASSES = ["CRCSA", "CRCSA-ID", "SB251"]  # issued only without demonstrated lawful presence


def _dmv_block(seed: int, block: int) -> pa.Table:
    p = _person_rows(seed, _SPACE_DMV, block)
    r = _Streams(seed, _DATASET_ID["dmv"], block)
    P = _pools()
    n = BLOCK
    idx = np.arange(n)
    g = block * BLOCK + idx
    status = p["status"]
    age_days = REF_DAYS - p["dob"]

    # DL / ID numbers: unique 9 digits (some printed with dashes); older letter+digits formats.
    dl_num = _affine_unique(g, 982_451_653, seed, 17)
    dl9 = _digits(dl_num, 9)
    fmt = r("dl_fmt").choice(3, size=n, p=[0.8, 0.05, 0.15])
    # legacy: one letter and 6 digits, a bijection of the row index (unique below 26M rows)
    letter = pa.array(np.array(list(string.ascii_uppercase))[g % 26])
    legacy = _join(letter, _digits(_affine_unique(g // 26, 379_721, seed, 18) % 1_000_000, 6))
    dashed = _join(
        pc.utf8_slice_codeunits(dl9, 0, 2),
        "-",
        pc.utf8_slice_codeunits(dl9, 2, 5),
        "-",
        pc.utf8_slice_codeunits(dl9, 5, 9),
    )
    dl = _where(fmt == 1, dashed, _where(fmt == 2, legacy, dl9))

    nlp = status == NLP
    regular = _pick(
        r("class"),
        ["R", "ID", "CDL-A", "CDL-B", "CDL-C", "MINOR", "PERMIT"],
        n,
        [70, 15, 4, 2, 1, 3, 5],
    )
    young = age_days < 21 * 365
    regular = _where(
        young & (r("young").random(n) < 0.6),
        _pick(r("young_cls"), ["MINOR", "PERMIT"], n, [3, 1]),
        regular,
    )
    crcsa = _pick(r("crcsa"), _CRCSA_CLASSES, n, [75, 15, 10])
    lic_class = _where(nlp, crcsa, regular)

    has_ssn = p["has_ssn"]
    ssn_fmt = r("ssn_fmt").random(n) < 0.9
    ssn_txt = _where(ssn_fmt, _dash9(p["ssn"]), _digits(p["ssn"], 9))
    itin_txt = _dash9(p["itin"])
    soc = _where(has_ssn, ssn_txt, _where(p["has_itin"], itin_txt, pa.scalar(None, pa.string())))
    tin = _where(has_ssn, ssn_txt, itin_txt)
    ssn_flag = _where(has_ssn, pa.scalar("Y"), pa.scalar("N"))

    addr = _address(p, idx, r, title=False)
    city = P["city"].take(pa.array(p["city"]))
    st = _pick(r("st"), ["CO", "Co", "COLO"], n, [97, 2, 1])
    phone = _phone(p, idx, r("phone_fmt"))
    phone_out = _null_where(r("phone?").random(n) < 0.12, phone)
    email = _join(
        p["first_a"],
        ".",
        p["last_a"],
        pc.cast(pa.array(r("email_n").integers(1, 100, size=n)), pa.string()),
        "@",
        _pick(r("email_dom"), ["example.com", "example.net", "example.org"], n),
    )
    email = _null_where(r("email?").random(n) < 0.45, email)
    country = _null_where(r("country?").random(n) < 0.02, p["country"])

    lp = _where(
        status <= LPR, pa.scalar("Y"), _where(status == TMP, pa.scalar("T"), pa.scalar("N"))
    )
    lp = _null_where((status == USB) & (r("lp?").random(n) < 0.03), lp)
    docs = {
        USB: (["US BIRTH CERT", "US PASSPORT"], [60, 40]),
        NAT: (["NATZ CERT", "US PASSPORT"], [50, 50]),
        LPR: (["PR CARD I-551"], [1]),
        TMP: (["EAD I-766", "FOREIGN PASSPORT/I-94"], [60, 40]),
        NLP: (["FOREIGN PASSPORT", "CONSULAR ID"], [55, 45]),
    }
    src_doc = pa.nulls(n, pa.string())
    for s_code, (vals, w) in docs.items():
        src_doc = _where(status == s_code, _pick(r(f"doc{s_code}"), vals, n, w), src_doc)

    issue = REF_DAYS - r("issue").integers(0, 5 * 365, size=n)
    issue = np.maximum(issue, p["dob"] + 15 * 365 + 180)
    expr = issue + 5 * 365 + 1  # one term for every class, so EXPR_DT is not a status proxy

    county = P["county"].take(pa.array(p["city"]))
    veh = r("veh").choice(5, size=n, p=[0.25, 0.4, 0.25, 0.07, 0.03]).astype(np.int32)
    pr = r("plate")
    L = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    a3 = _join(*(pa.array(L[pr.integers(0, len(L), size=n)]) for _ in range(3)))
    d3 = _digits(pr.integers(0, 1000, size=n), 3)
    pstyle = pr.choice(3, size=n, p=[0.5, 0.3, 0.2])
    plate = _where(pstyle == 0, _join(a3, "-", d3), _join(d3, "-", a3))
    plate = _where(
        pstyle == 2,
        _join(
            pc.utf8_slice_codeunits(a3, 0, 3),
            "-",
            pa.array(L[pr.integers(0, len(L), size=n)]),
            pc.utf8_slice_codeunits(d3, 0, 2),
        ),
        plate,
    )
    plate = _null_where(veh == 0, plate)

    groups = np.select(
        [nlp, status == TMP, status == LPR, status == NAT, has_ssn], [2, 3, 4, 5, 1], 0
    )
    tid = _choose_template(r("note"), groups, _DMV_TEMPLATE_GROUPS)
    tid[(tid == 5) & (veh == 0)] = 8  # no plate to mention: "Renewal online."
    note_date = REF_DAYS - r("note_date").integers(-60, 900, size=n)
    notes = _fill(
        _DMV_TEMPLATES,
        tid,
        {
            "addr": addr,
            "ssn": ssn_txt,
            "tin": tin,
            "phone": phone,
            "city": city,
            "zip": p["zip"],
            "dl": dl,
            "dob": _us_date(p["dob"]),
            "plate": plate,
            "date": _where(
                r("note_dfmt").random(n) < 0.7,
                _us_date(note_date),
                pc.cast(_dates(note_date), pa.string()),
            ),
            "anum": _anum_text(p, idx, r("anum_fmt")),
            "first": p["first"],
            "last": p["last"],
        },
    )

    cols = [
        pa.array(g + 1, pa.int64()),
        dl,
        lic_class,
        pc.utf8_upper(p["first"]),
        _null_where(r("mid?").random(n) < 0.3, p["mid"]),
        pc.utf8_upper(p["last"]),
        _dates(p["dob"]),
        soc,
        ssn_flag,
        addr,
        city,
        st,
        p["zip"],
        phone_out,
        email,
        country,
        lp,
        src_doc,
        _dates(issue),
        _dates(expr),
        county,
        plate,
        pa.array(veh, pa.int32()),
        notes,
    ]
    return pa.Table.from_arrays(cols, schema=DMV_SCHEMA)


# --------------------------------------------------------------------------------------------------
# Benefits caseload
# --------------------------------------------------------------------------------------------------

BENEFITS_SCHEMA = pa.schema(
    [
        ("case_no", pa.string()),
        ("ClientFirstName", pa.string()),
        ("Client Last Name", pa.string()),
        ("dob", pa.date32()),
        ("ssn", pa.string()),
        ("citizenship_cd", pa.string()),
        ("alien_reg_no", pa.string()),
        ("hh_size", pa.int32()),
        ("benefit_pgm", pa.string()),
        ("case_status", pa.string()),
        ("addr_street", pa.string()),
        ("addr_city", pa.string()),
        ("addr_zip", pa.string()),
        ("caseworker", pa.string()),
        ("case_notes", pa.string()),
    ]
)

_BENEFITS_TEMPLATES = [
    "",
    "Client reports new address {addr}, {city} {zip}; verify w/ lease.",
    "SSN {ssn} verified with SSA.",
    "Client DOB {dob}. HH composition updated, {hh} members.",
    "Called client at {phone}, no answer. Left VM.",
    "Client is LPR, A# {anum}. SAVE step 1 verified {date}.",
    "Refugee, I-94 admitted {date}. A{anumd}.",
    "Parent not applying; no SSN provided (not required for non-applicant).",
    "Emergency Medicaid only - qualified status not established.",
    "Case {case2} merged into this case.",
    "Redetermination packet mailed {date}.",
    "Client requested interpreter (Spanish).",
    "Client {first} {last} called from {phone} about EBT card replacement.",
    "Naturalized citizen; cert verified. Prior A-number {anum}.",
]
# groups: 0 citizen w/ SSN, 1 LPR, 2 temporary (refugee/asylee/parolee), 3 no lawful presence, 4 NAT
_BENEFITS_TEMPLATE_GROUPS: dict[int, list[tuple[int, float]]] = {
    0: [(0, 45), (1, 8), (2, 8), (3, 6), (4, 8), (9, 4), (10, 10), (12, 5)],
    1: [(0, 40), (1, 6), (4, 6), (5, 25), (10, 8), (11, 6), (12, 5)],
    2: [(0, 40), (4, 6), (6, 25), (10, 8), (11, 8), (12, 5)],
    3: [(0, 35), (4, 6), (7, 20), (8, 15), (10, 6), (11, 12), (12, 4)],
    4: [(0, 45), (2, 8), (13, 20), (10, 10), (12, 5)],
}
_PROGRAMS = [
    "SNAP",
    "COLORADO WORKS",
    "HEALTH FIRST CO",
    "CHP+",
    "LEAP",
    "OAP",
    "SNAP;HFC",
    "CCCAP",
]


@cache
def _caseworkers(seed: int) -> pa.Array:
    """A fixed roster of 40 synthetic staff names for a seed (not the clients)."""
    P = _pools()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 999]))
    en_n, _, en_w = P["en_first"]
    ln, _, lw = P["en_last"]
    first = en_n.take(pa.array(rng.choice(len(en_w), size=40, p=en_w)))
    last = ln.take(pa.array(rng.choice(len(lw), size=40, p=lw)))
    return _join(pc.utf8_upper(last), ", ", pc.utf8_slice_codeunits(first, 0, 1))


def _benefits_block(seed: int, block: int) -> pa.Table:
    r = _Streams(seed, _DATASET_ID["benefits"], block)
    n = BLOCK
    overlap = r("overlap").random(n) < 0.25  # same person as the DMV row with the same index
    p = _person_rows(seed, _SPACE_BENEFITS, block, overlap)
    P = _pools()
    idx = np.arange(n)
    g = block * BLOCK + idx
    status = p["status"]

    case_no = _digits(_affine_unique(g, 746_397_471, seed, 29), 9)
    ssn = _null_where(~p["has_ssn"], _digits(p["ssn"], 9))
    cit = pa.nulls(n, pa.string())
    codes = {
        USB: (["US"], [1]),
        NAT: (["US", "NAT"], [40, 60]),
        LPR: (["LPR"], [1]),
        TMP: (["REF", "ASY", "PAR"], [50, 30, 20]),
        NLP: (["NQ", "UNK"], [70, 30]),
    }
    for s_code, (vals, w) in codes.items():
        cit = _where(status == s_code, _pick(r(f"cit{s_code}"), vals, n, w), cit)
    anum = _null_where(~p["has_anum"], _anum_text(p, idx, r("anum_fmt")))
    hh = (
        r("hh")
        .choice(np.arange(1, 10), size=n, p=[0.28, 0.22, 0.18, 0.14, 0.08, 0.05, 0.03, 0.01, 0.01])
        .astype(np.int32)
    )
    pgm = _pick(r("pgm"), _PROGRAMS, n, [30, 10, 30, 8, 5, 4, 10, 3])
    case_status = _pick(r("status"), ["OPEN", "CLOSED", "PENDING"], n, [60, 30, 10])
    addr = _address(p, idx, r, title=True)
    city = P["city_title"].take(pa.array(p["city"]))
    zip4 = _digits(r("zip4").integers(1, 10000, size=n), 4)
    zipc = _where(r("zip4?").random(n) < 0.1, _join(p["zip"], "-", zip4), p["zip"])
    roster = _caseworkers(seed)
    worker = roster.take(pa.array(r("worker").integers(0, len(roster), size=n)))

    groups = np.select(
        [status == NLP, status == TMP, status == LPR, status == NAT], [3, 2, 1, 4], 0
    )
    tid = _choose_template(r("note"), groups, _BENEFITS_TEMPLATE_GROUPS)
    note_date = REF_DAYS - r("note_date").integers(0, 1500, size=n)
    case2 = _digits(_affine_unique(g + 7_000_000, 746_397_471, seed, 29), 9)
    notes = _fill(
        _BENEFITS_TEMPLATES,
        tid,
        {
            "addr": addr,
            "city": city,
            "zip": p["zip"],
            "ssn": _dash9(p["ssn"]),
            "dob": _us_date(p["dob"]),
            "hh": pc.cast(pa.array(hh), pa.string()),
            "phone": _phone(p, idx, r("phone_fmt")),
            "anum": _anum_text(p, idx, r("anum_note")),
            "anumd": _digits(p["anum"], 9),
            "date": _us_date(note_date),
            "case2": case2,
            "first": p["first"],
            "last": p["last"],
        },
    )
    cols = [
        case_no,
        p["first"],
        p["last"],
        _dates(p["dob"]),
        ssn,
        cit,
        anum,
        pa.array(hh, pa.int32()),
        pgm,
        case_status,
        addr,
        city,
        zipc,
        worker,
        notes,
    ]
    return pa.Table.from_arrays(cols, schema=BENEFITS_SCHEMA)


# --------------------------------------------------------------------------------------------------
# CRCSA applicants (sensitive table)
# --------------------------------------------------------------------------------------------------

CRCSA_SCHEMA = pa.schema(
    [
        ("appl_id", pa.int64()),
        ("record_id", pa.int64()),
        ("DL_NBR", pa.string()),
        ("FRST_NM", pa.string()),
        ("lname", pa.string()),
        ("BIRTH_DT", pa.date32()),
        ("ITIN", pa.string()),
        ("CNTRY_BIRTH", pa.string()),
        ("RES_ADDR_LN1", pa.string()),
        ("RES_CITY", pa.string()),
        ("ZIP5", pa.string()),
        ("ID_DOC_TYP", pa.string()),
        ("RES_PROOF_DOC", pa.string()),
        ("APPL_DT", pa.date32()),
        ("APPT_DT", pa.date32()),
        ("APPL_STATUS", pa.string()),
    ]
)


_HOLDER_COLUMNS = [
    "record_id",
    "DL_NBR",
    "LIC_CLASS_CD",
    "FRST_NM",
    "lname",
    "BIRTH_DT",
    "SOC_SEC_NO",
    "CNTRY_BIRTH",
    "RES_ADDR_LN1",
    "RES_CITY",
    "ZIP5",
    "ISSUE_DT",
    "SRC_DOC_TYP",
]


def _crcsa_holders(drivers: pa.Table) -> pa.Table:
    """The drivers rows (and only the columns) the applicants table is built from."""
    keep = pc.is_in(drivers["LIC_CLASS_CD"], pa.array(_CRCSA_CLASSES))
    return drivers.select(_HOLDER_COLUMNS).filter(keep)


def generate_crcsa(drivers: pa.Table | Iterable[pa.Table], seed: int = DEFAULT_SEED) -> pa.Table:
    """Applicants under the Colorado Road and Community Safety Act (SB13-251) for ``drivers``.

    One row per driver holding a CRCSA/SB251 class, plus applicants who hold no credential (pending,
    denied, no-show: about one per four license holders). Being in this table reveals that the
    person did not demonstrate lawful presence, so its field map marks it ``sensitive_table``.
    """
    parts = [drivers] if isinstance(drivers, pa.Table) else list(drivers)
    parts = [_crcsa_holders(t) for t in parts]
    holders = pa.concat_tables(parts) if parts else _crcsa_holders(DMV_SCHEMA.empty_table())
    m = holders.num_rows
    extra = min(BLOCK, (m + 3) // 4)
    r = _Streams(seed, _DATASET_ID["crcsa"], 0)
    p = _people_cached(seed, _SPACE_CRCSA, 0)
    idx = np.arange(extra)
    P = _pools()
    rows = m + extra
    soc = holders["SOC_SEC_NO"].combine_chunks()
    holder_itin = _null_where(~np.asarray(pc.starts_with(soc, "9").fill_null(False)), soc)
    itin = pa.concat_arrays(
        [holder_itin, _null_where(~p["has_itin"][:extra], _dash9(p["itin"][:extra]))]
    )

    def cat(col: str, other: pa.Array) -> pa.Array:
        return pa.concat_arrays([holders[col].combine_chunks(), other])

    ex_city = p["city"][:extra]
    appl_dt = np.concatenate(
        [
            holders["ISSUE_DT"].combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False)
            - r("lead").integers(14, 120, size=m),
            REF_DAYS - r("appl").integers(0, 400, size=extra),
        ]
    )
    appt = appl_dt + r("appt").integers(7, 90, size=rows)
    status = pa.concat_arrays(
        [
            pa.array(["ISSUED"] * m, pa.string()),
            _pick(r("st"), ["PENDING", "DENIED", "NO SHOW"], extra, [6, 2, 2]),
        ]
    )
    year = pc.subtract(pc.year(_dates(appl_dt)), pa.array(r("taxyr").integers(1, 3, size=rows)))
    year = pc.cast(year, pa.string())  # the tax year(s) before the application
    proof = _join(
        _pick(
            r("proof"), ["CO TAX RETURN ", "CO TAX RETURN+W2 ", "CO DR 2707 "], rows, [60, 30, 10]
        ),
        year,
    )
    cols = [
        pa.array(np.arange(rows) + 500_001, pa.int64()),
        pa.concat_arrays([holders["record_id"].combine_chunks(), pa.nulls(extra, pa.int64())]),
        cat("DL_NBR", pa.nulls(extra, pa.string())),
        cat("FRST_NM", pc.utf8_upper(p["first"].slice(0, extra))),
        cat("lname", pc.utf8_upper(p["last"].slice(0, extra))),
        cat("BIRTH_DT", _dates(p["dob"][:extra])),
        itin,
        cat("CNTRY_BIRTH", p["country"].slice(0, extra)),
        cat("RES_ADDR_LN1", _address(p, idx, r, title=False)),
        cat("RES_CITY", P["city"].take(pa.array(ex_city))),
        cat("ZIP5", p["zip"].slice(0, extra)),
        cat("SRC_DOC_TYP", _pick(r("iddoc"), ["FOREIGN PASSPORT", "CONSULAR ID"], extra, [55, 45])),
        proof,
        _dates(appl_dt),
        _dates(appt),
        status,
    ]
    table = pa.Table.from_arrays(cols, schema=CRCSA_SCHEMA)
    # Applicants interleaved by application date, as an applications table would list them.
    order = pc.sort_indices(table, sort_keys=[("APPL_DT", "ascending"), ("appl_id", "ascending")])
    table = table.take(order)
    _people_cached.cache_clear()
    return table.set_column(0, "appl_id", pa.array(np.arange(rows) + 500_001, pa.int64()))


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

_BLOCK_FUNCS: dict[str, Callable[[int, int], pa.Table]] = {
    "dmv": _dmv_block,
    "benefits": _benefits_block,
}
SCHEMAS = {"dmv": DMV_SCHEMA, "benefits": BENEFITS_SCHEMA, "crcsa": CRCSA_SCHEMA}


def iter_tables(
    dataset: str, rows: int, seed: int = DEFAULT_SEED, start: int = 0
) -> Iterator[pa.Table]:
    """Typed tables of at most ``BLOCK`` rows covering rows [start, start+rows) of ``dataset``."""
    if dataset not in _BLOCK_FUNCS:
        raise ValueError(f"unknown dataset {dataset!r} (streamable: {', '.join(_BLOCK_FUNCS)})")
    if rows < 0 or start < 0:
        raise ValueError("rows and start must be >= 0")
    for block, lo, hi in _block_ranges(rows, start):
        yield _BLOCK_FUNCS[dataset](int(seed), block).slice(lo, hi - lo)
        _people_cached.cache_clear()  # keep memory flat across blocks


def _generate(dataset: str, rows: int, seed: int, start: int) -> pa.Table:
    parts = list(iter_tables(dataset, rows, seed, start))
    if not parts:
        return SCHEMAS[dataset].empty_table()
    return pa.concat_tables(parts).combine_chunks()


def generate_dmv(
    rows: int = DEFAULT_DMV_ROWS, seed: int = DEFAULT_SEED, start: int = 0
) -> pa.Table:
    """The DMV driver/ID-card export, typed (dates date32, counts int32, identifiers strings)."""
    return _generate("dmv", rows, seed, start)


def generate_benefits(
    rows: int = DEFAULT_BENEFITS_ROWS, seed: int = DEFAULT_SEED, start: int = 0
) -> pa.Table:
    """The benefits caseload export, typed."""
    return _generate("benefits", rows, seed, start)


def legacy_text(table: pa.Table) -> pa.Table:
    """The table as the legacy system exports it: the CSV and SQLite form.

    Dates become text (ISO, except about one DMV ``BIRTH_DT`` in ten written MM/DD/YYYY, chosen by
    record_id so it is stable); integers stay integers.
    """
    cols, fields = [], []
    for f, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_date(f.type):
            text = pc.cast(col, pa.string())
            if f.name == "BIRTH_DT" and "SOC_SEC_NO" in table.schema.names:
                rid = table["record_id"].combine_chunks().to_numpy(zero_copy_only=False)
                us = ((rid * 2_654_435_761) >> 8) % 100 < 10
                text = _where(
                    us, pc.strftime(col.combine_chunks(), format="%m/%d/%Y"), text.combine_chunks()
                )
            cols.append(text)
            fields.append(pa.field(f.name, pa.string()))
        else:
            cols.append(col)
            fields.append(f)
    return pa.Table.from_arrays(cols, schema=pa.schema(fields))


def _json_default(o):
    if isinstance(o, dt.date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


class _Writer:
    """Writes typed tables batch by batch in one format; ``close`` finishes the file."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        self.fmt, self.path, self.schema = fmt, path, schema
        self._w = None
        if fmt in ("csv", "jsonl"):
            self._f = open(path, "wb")  # noqa: SIM115 - closed in close()
        elif fmt != "parquet":
            raise ValueError(f"unknown format {fmt!r} (csv, parquet, jsonl)")

    def write(self, t: pa.Table) -> None:
        if self.fmt == "csv":
            t = legacy_text(t)
            if self._w is None:
                self._w = pacsv.CSVWriter(self._f, t.schema)
            self._w.write_table(t)
        elif self.fmt == "parquet":
            if self._w is None:
                self._w = pq.ParquetWriter(self.path, self.schema)
            self._w.write_table(t)
        else:
            lines = [
                json.dumps(row, ensure_ascii=False, default=_json_default) for row in t.to_pylist()
            ]
            if lines:
                self._f.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._w is None and self.fmt == "csv":
            self._w = pacsv.CSVWriter(self._f, legacy_text(self.schema.empty_table()).schema)
        if self._w is None and self.fmt == "parquet":
            self._w = pq.ParquetWriter(self.path, self.schema)
        if self._w is not None:
            self._w.close()
        if self.fmt in ("csv", "jsonl"):
            self._f.close()


def _atomic(path: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are ordinary repository files
    return Path(tmp)


def _format_of(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    if ext in ("csv", "parquet", "jsonl"):
        return ext
    raise ValueError(f"cannot tell the format of {path} (use .csv, .parquet or .jsonl)")


def write_tables(
    tables: Iterator[pa.Table] | Sequence[pa.Table], schema: pa.Schema, paths: Sequence[str | Path]
) -> int:
    """Stream ``tables`` into every path at once (format from the extension); returns rows.

    Each file is written beside its destination and renamed into place when complete.
    """
    targets = [Path(p) for p in paths]
    tmps = [_atomic(p) for p in targets]
    writers = [_Writer(t, _format_of(p), schema) for t, p in zip(tmps, targets, strict=True)]
    rows = 0
    try:
        for t in tables:
            for w in writers:
                w.write(t)
            rows += t.num_rows
        for w in writers:
            w.close()
        for tmp, p in zip(tmps, targets, strict=True):
            os.replace(tmp, p)
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)
    return rows


def write_dataset(
    dataset: str, path: str | Path | Sequence[str | Path], rows: int, seed: int = DEFAULT_SEED
) -> int:
    """Generate ``rows`` rows of ``dataset`` ('dmv' or 'benefits') into one or more files.

    Streams: one block (``BLOCK`` rows) is in memory at a time, whatever ``rows`` is.
    """
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    return write_tables(iter_tables(dataset, rows, seed), SCHEMAS[dataset], paths)


# --------------------------------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------------------------------

_PRIMARY_KEYS = {"drivers": "record_id", "caseload": "case_no", "crcsa_applicants": "appl_id"}


def _sqlite_type(t: pa.DataType) -> str:
    return "INTEGER" if pa.types.is_integer(t) else "TEXT"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_sqlite(
    path: str | Path,
    tables: dict[str, Iterator[pa.Table] | Sequence[pa.Table]],
    schemas: dict[str, pa.Schema],
) -> None:
    """Create a fresh SQLite database with one table per entry, values as in the CSV export.

    Dates are TEXT exactly as the legacy export writes them; integer columns are INTEGER; blanks
    are NULL.
    """
    path = Path(path)
    tmp = _atomic(path)
    tmp.unlink()
    try:
        con = sqlite3.connect(tmp)
        try:
            for name, batches in tables.items():
                schema = schemas[name]
                pk = _PRIMARY_KEYS.get(name)
                cols = ", ".join(
                    f"{_quote(f.name)} {_sqlite_type(f.type)}"
                    + (" PRIMARY KEY" if f.name == pk else "")
                    for f in schema
                )
                con.execute(f"CREATE TABLE {_quote(name)} ({cols})")
                marks = ", ".join("?" * len(schema))
                sql = f"INSERT INTO {_quote(name)} VALUES ({marks})"
                for t in batches:
                    text = legacy_text(t)
                    con.executemany(sql, zip(*(c.to_pylist() for c in text.columns), strict=True))
            con.commit()
        finally:
            con.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def write_samples(
    out: str | Path = HERE,
    dmv_rows: int = DEFAULT_DMV_ROWS,
    benefits_rows: int = DEFAULT_BENEFITS_ROWS,
    seed: int = DEFAULT_SEED,
    formats: Sequence[str] = ("csv", "parquet", "jsonl", "sqlite"),
    only: str | None = None,
) -> dict[str, int]:
    """Write the sample files into ``out``; returns rows per file written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    file_formats = [f for f in formats if f != "sqlite"]
    if only in (None, "dmv"):
        dmv_paths = [out / f"dmv_drivers.{f}" for f in file_formats]
        holders: list[pa.Table] = []  # CRCSA-class drivers, collected while the DMV rows stream

        def tee(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
            for t in tables:
                holders.append(_crcsa_holders(t))
                yield t

        if dmv_paths:
            n = write_tables(tee(iter_tables("dmv", dmv_rows, seed)), DMV_SCHEMA, dmv_paths)
            counts.update({p.name: n for p in dmv_paths})
        if "csv" in formats:
            crcsa = generate_crcsa(holders, seed)
            counts["crcsa_applicants.csv"] = write_tables(
                [crcsa], CRCSA_SCHEMA, [out / "crcsa_applicants.csv"]
            )
    if only in (None, "benefits") and "csv" in formats:
        counts["benefits_caseload.csv"] = write_dataset(
            "benefits", out / "benefits_caseload.csv", benefits_rows, seed
        )
    if "sqlite" in formats and only is None:
        write_sqlite(
            out / SQLITE_FILE,
            {
                "drivers": iter_tables("dmv", dmv_rows, seed),
                "caseload": iter_tables("benefits", benefits_rows, seed),
                "crcsa_applicants": [generate_crcsa(iter_tables("dmv", dmv_rows, seed), seed)],
            },
            {"drivers": DMV_SCHEMA, "caseload": BENEFITS_SCHEMA, "crcsa_applicants": CRCSA_SCHEMA},
        )
        counts[SQLITE_FILE] = dmv_rows + benefits_rows
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, default=None, help=f"DMV rows (default {DEFAULT_DMV_ROWS})")
    ap.add_argument(
        "--benefits-rows",
        type=int,
        default=None,
        help=f"benefits rows (default {DEFAULT_BENEFITS_ROWS}, or 4/5 of --rows)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: here)")
    ap.add_argument("--only", choices=["dmv", "benefits"], help="write one dataset only")
    ap.add_argument(
        "--formats",
        default="csv,parquet,jsonl,sqlite",
        help="comma-separated subset of csv,parquet,jsonl,sqlite (default: all)",
    )
    args = ap.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    bad = set(formats) - {"csv", "parquet", "jsonl", "sqlite"}
    if bad:
        ap.error(f"unknown format(s): {', '.join(sorted(bad))}")
    dmv_rows = DEFAULT_DMV_ROWS if args.rows is None else args.rows
    if args.benefits_rows is not None:
        benefits_rows = args.benefits_rows
    else:
        benefits_rows = (
            DEFAULT_BENEFITS_ROWS
            if args.rows is None
            else dmv_rows
            if args.only == "benefits"
            else dmv_rows * 4 // 5
        )
    if dmv_rows < 0 or benefits_rows < 0:
        ap.error("row counts must be >= 0")
    t0 = time.perf_counter()
    counts = write_samples(args.out, dmv_rows, benefits_rows, args.seed, formats, args.only)
    for name, n in counts.items():
        print(f"{args.out / name}: {n} rows", file=sys.stderr)
    print(f"done in {time.perf_counter() - t0:.1f}s (seed {args.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
