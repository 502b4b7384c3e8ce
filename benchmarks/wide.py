"""A realistic 43-column DMV export and a field map that leaves six columns to detection.

Real driver exports are wider than the 24 columns of ``sample_data/generate.py`` and their field
maps are never complete: a reviewer maps what they recognise and leaves the odd columns (an
office code, a transaction type, a second contact number, a reference number, a previous
surname) to redactor's detection. This module builds that case from the generator's DMV table:
each 50,000-row block of the 24 columns gets 19 more, derived deterministically (seeded by the
block) and vectorised, so a 10M-row file takes a few minutes once and is then cached.

Columns added (19): mailing address (4, ``address``), physical description and flags (9,
``none``) -- all mapped -- and six left out of the map:

====================  ======================================  ===============================
column                content                                 what detection should do
====================  ======================================  ===============================
``OFFICE_ID``         ``D014``                                release (clear)
``TXN_TYP``           ``RENEW`` / ``DUP`` / ``ORIG`` ...       release (clear)
``LAST_UPD_TS``       ``2025-03-14 09:12:44``                 release or withhold (a date)
``ALT_CONTACT``       a phone number in 40 % of rows          withhold (phone)
``REF_NBR``           ``2023-0481516`` (year-sequence)        release (a case reference)
``PREV_LNAME``        a surname in 12 % of rows               withhold (name)
====================  ======================================  ===============================

Files: ``<cache>/wide-<rows>-s<seed>-g<version>/wide.{csv,parquet}`` and ``<cache>/wide-map.yaml``
(table ``drivers``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from benchmarks import data

WIDE_VERSION = 2  # bump when what this module writes changes
UNMAPPED = ("OFFICE_ID", "TXN_TYP", "LAST_UPD_TS", "ALT_CONTACT", "REF_NBR", "PREV_LNAME")
MAPPED_EXTRA: dict[str, str] = {
    "MAIL_ADDR_LN1": "address",
    "MAIL_CITY": "address",
    "MAIL_ST": "address",
    "MAIL_ZIP": "address",
    "SEX_CD": "none",
    "HEIGHT_IN": "none",
    "WEIGHT_LB": "none",
    "EYE_CLR_CD": "none",
    "HAIR_CLR_CD": "none",
    "ORGAN_DONOR_FLG": "none",
    "VETERAN_FLG": "none",
    "RESTR_CD": "none",
    "ENDORSE_CD": "none",
}
# Where each added column goes (after which base column), as real exports interleave them.
_AFTER = {
    "SEX_CD": "BIRTH_DT",
    "HEIGHT_IN": "SEX_CD",
    "WEIGHT_LB": "HEIGHT_IN",
    "EYE_CLR_CD": "WEIGHT_LB",
    "HAIR_CLR_CD": "EYE_CLR_CD",
    "PREV_LNAME": "lname",
    "MAIL_ADDR_LN1": "ZIP5",
    "MAIL_CITY": "MAIL_ADDR_LN1",
    "MAIL_ST": "MAIL_CITY",
    "MAIL_ZIP": "MAIL_ST",
    "ALT_CONTACT": "email_addr",
    "REF_NBR": "SRC_DOC_TYP",
    "ORGAN_DONOR_FLG": "EXPR_DT",
    "VETERAN_FLG": "ORGAN_DONOR_FLG",
    "RESTR_CD": "LIC_CLASS_CD",
    "ENDORSE_CD": "RESTR_CD",
    "OFFICE_ID": "veh_count",
    "TXN_TYP": "OFFICE_ID",
    "LAST_UPD_TS": "TXN_TYP",
}


def column_order() -> list[str]:
    names = list(data.generator().DMV_SCHEMA.names)
    pending = dict(_AFTER)
    while pending:
        for col, after in list(pending.items()):
            if after in names:
                names.insert(names.index(after) + 1, col)
                del pending[col]
    return names


def _schema() -> pa.Schema:
    base = data.generator().DMV_SCHEMA
    fields = {f.name: f for f in base}
    return pa.schema([fields.get(n, pa.field(n, pa.string())) for n in column_order()])


def _pick(rng: np.random.Generator, values: list[str], n: int, p: list[float] | None = None):
    probs = None if p is None else np.asarray(p, float) / np.sum(p)
    return pa.array(values).take(pa.array(rng.choice(len(values), size=n, p=probs)))


def _digits(x: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(x, pa.int64()), pa.string()), width, "0")


def _nulls_where(mask: np.ndarray, arr: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), arr)


def widen(t: pa.Table, seed: int, block: int) -> pa.Table:
    """The 24-column block ``t`` with the 19 added columns, in :func:`column_order`."""
    n = t.num_rows
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4343, block]))
    cols: dict[str, pa.Array] = {}
    res_addr = t["RES_ADDR_LN1"].combine_chunks()
    pobox = rng.random(n) < 0.12
    box = pc.binary_join_element_wise("PO BOX ", _digits(rng.integers(1, 99999, n), 1), "")
    cols["MAIL_ADDR_LN1"] = pc.if_else(pa.array(pobox), box, res_addr)
    cols["MAIL_CITY"] = t["RES_CITY"].combine_chunks()
    cols["MAIL_ST"] = _pick(rng, ["CO", "CO", "CO", "WY", "NM"], n)
    cols["MAIL_ZIP"] = t["ZIP5"].combine_chunks()
    cols["SEX_CD"] = _pick(rng, ["M", "F", "X"], n, [49, 49, 2])
    cols["HEIGHT_IN"] = _digits(rng.integers(56, 79, n), 2)
    cols["WEIGHT_LB"] = _digits(rng.integers(95, 300, n), 3)
    cols["EYE_CLR_CD"] = _pick(rng, ["BRO", "BLU", "GRN", "HAZ", "BLK", "GRY"], n)
    cols["HAIR_CLR_CD"] = _pick(rng, ["BRO", "BLK", "BLN", "RED", "GRY", "WHI", "BAL"], n)
    cols["ORGAN_DONOR_FLG"] = _pick(rng, ["Y", "N"], n, [6, 4])
    cols["VETERAN_FLG"] = _pick(rng, ["Y", "N"], n, [1, 12])
    cols["RESTR_CD"] = _nulls_where(rng.random(n) < 0.6, _pick(rng, ["B", "C", "BC", "J"], n))
    cols["ENDORSE_CD"] = _nulls_where(rng.random(n) < 0.85, _pick(rng, ["M", "H", "N", "P"], n))
    cols["OFFICE_ID"] = pc.binary_join_element_wise("D", _digits(rng.integers(1, 120, n), 3), "")
    cols["TXN_TYP"] = _pick(
        rng,
        ["RENEW", "DUP", "ORIG", "ADDR_CHG", "REINST", "ONLINE_RENEW"],
        n,
        [35, 10, 20, 15, 5, 15],
    )
    secs = rng.integers(1_700_000_000, 1_760_000_000, n)
    ts = pa.array(secs, pa.timestamp("s"))
    cols["LAST_UPD_TS"] = pc.strftime(ts, format="%Y-%m-%d %H:%M:%S")
    area = pa.array(["303", "720", "719", "970"]).take(pa.array(rng.integers(0, 4, n)))
    phone = pc.binary_join_element_wise(
        area, _digits(rng.integers(200, 999, n), 3), _digits(rng.integers(0, 9999, n), 4), "-"
    )
    cols["ALT_CONTACT"] = _nulls_where(rng.random(n) >= 0.4, phone)
    year = _digits(rng.integers(2015, 2026, n), 4)  # a case reference: year and sequence
    cols["REF_NBR"] = pc.binary_join_element_wise(
        year, _digits(rng.integers(0, 9_999_999, n), 7), "-"
    )
    lname = t["lname"].combine_chunks()
    prev = lname.take(pa.array(rng.permutation(n)))
    cols["PREV_LNAME"] = _nulls_where(rng.random(n) >= 0.12, prev)
    arrays = [
        t[name].combine_chunks() if name in t.column_names else cols[name]
        for name in column_order()
    ]
    return pa.Table.from_arrays(arrays, schema=_schema())


def iter_wide(rows: int, seed: int) -> Iterator[pa.Table]:
    gen = data.generator()
    for i, t in enumerate(gen.iter_tables("dmv", rows, seed)):
        yield widen(t, seed, i)


def version() -> str:
    src = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    return f"{data.generator_version()}w{src}v{WIDE_VERSION}"


def ensure_wide(cache_dir: Path, rows: int, seed: int = data.DEFAULT_SEED) -> data.Dataset:
    directory = cache_dir / f"wide-{rows}-s{seed}-g{version()}"
    ds = data.Dataset(rows, seed, directory)
    csv, parquet = directory / "dmv.csv", directory / "dmv.parquet"
    if (directory / "DONE").exists():
        return ds
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    print(f"generating {rows:,} 43-column rows into {directory} ...", file=sys.stderr)
    t0 = time.perf_counter()
    data.generator().write_tables(iter_wide(rows, seed), _schema(), [csv, parquet])
    took = time.perf_counter() - t0
    (directory / "DONE").write_text(json.dumps({"rows": rows, "seconds": round(took, 1)}) + "\n")
    print(f"  done in {took:.0f} s", file=sys.stderr)
    return ds


def ensure_wide_map(cache_dir: Path) -> Path:
    """``field_maps/dmv.yaml``'s drivers table plus the 13 mapped added columns; 6 left out."""
    doc = yaml.safe_load(data.FIELD_MAP.read_text(encoding="utf-8"))
    doc["name"] = "dmv-wide-bench"
    table = doc["tables"][data.TABLE]
    for name, category in MAPPED_EXTRA.items():
        table["columns"][name] = category
    doc["tables"] = {data.TABLE: table}
    path = cache_dir / "wide-map.yaml"
    text = "# written by benchmarks/wide.py: 37 of 43 columns mapped\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=100
    )
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
