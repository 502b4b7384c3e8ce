"""Type-level leaks: a protected value survives no output format under a restricted decision,
whatever type it is stored as (SSNs as integers that lost their leading zeros, as floats, with
spaces; birth dates as text in many formats, timestamps, date32, epoch integers; DL numbers with
separators; nested structs, lists, maps and lists of structs; dictionary-encoded, large_string
and string_view columns) and whatever action applies.

Unmapped columns: detection catches SSN-valued integers and floats under a neutral name, dates
(date32, timestamps, text) that spread like birth years, formatted SSNs in large_string and
string_view columns, DL numbers with separators, and any nested column (withheld whole); an
``id_num`` whose integers are all valid SSNs is withheld too (tests/test_detect_integer_ssn.py).
Epoch-second integers (indistinguishable from counts by content) are caught only by
``--strict``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redactor.audit import Job
from redactor.categories import Category
from redactor.fieldmap import parse_field_map
from redactor.io.formats import Format
from redactor.pipeline import redact_file
from redactor.policy import decide, load_pack
from redactor.request import Request

N = 40
RNG = random.Random(7)
# SSNs with a leading zero (area 001-099), so the integer form has lost it
SSNS = [RNG.randrange(1_010_000, 99_999_999) for _ in range(N)]
BIRTHS = [dt.date(1931, 1, 1) + dt.timedelta(days=RNG.randrange(0, 27_000)) for _ in range(N)]
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%Y%m%d", "%d-%b-%Y"]


def _ssn_texts(v: int) -> list[str]:
    s = f"{v:09d}"
    return [s, str(v), f"{s[:3]}-{s[3:5]}-{s[5:]}", f"{s[:3]} {s[3:5]} {s[5:]}"]


def _date_texts(d: dt.date) -> list[str]:
    epoch = int(dt.datetime.combine(d, dt.time(), dt.UTC).timestamp())
    return [
        d.isoformat(),
        d.strftime("%m/%d/%Y"),
        d.strftime("%Y%m%d"),
        str(epoch),
        *(d.strftime(f) for f in DATE_FORMATS),
    ]


def _dl(i: int) -> str:
    return f"{91 + i:02d}-{RNG.randrange(100, 999)}-{RNG.randrange(1000, 9999)}"


DLS = [_dl(i) for i in range(N)]


def _typed_table() -> pa.Table:
    ssn9 = [f"{v:09d}" for v in SSNS]
    epoch = [int(dt.datetime.combine(d, dt.time(), dt.UTC).timestamp()) for d in BIRTHS]
    return pa.table(
        {
            "ssn_int": pa.array(SSNS, pa.int64()),
            "ssn_float": pa.array([float(v) for v in SSNS], pa.float64()),
            "ssn_spaced": [f"{s[:3]} {s[3:5]} {s[5:]}" for s in ssn9],
            "ssn_dict": pa.array(ssn9).dictionary_encode(),
            "ssn_large": pa.array([f"{s[:3]}-{s[3:5]}-{s[5:]}" for s in ssn9], pa.large_string()),
            "ssn_view": pa.array(ssn9, pa.string_view()),
            "dob_text": [
                d.strftime(DATE_FORMATS[i % len(DATE_FORMATS)]) for i, d in enumerate(BIRTHS)
            ],
            "dob_ts": pa.array(
                [dt.datetime.combine(d, dt.time(8, 30)) for d in BIRTHS],
                pa.timestamp("us", tz="UTC"),
            ),
            "dob_date32": pa.array(BIRTHS, pa.date32()),
            "dob_epoch": pa.array(epoch, pa.int64()),
            "dl_sep": DLS,
            "person": pa.array([{"name": f"Qzx{i}", "ssn": s} for i, s in enumerate(ssn9)]),
            "ssn_list": pa.array([[s, s[::-1]] for s in ssn9]),
            "ids_map": pa.array(
                [[("ssn", s), ("dl", d)] for s, d in zip(ssn9, DLS, strict=True)],
                pa.map_(pa.string(), pa.string()),
            ),
            "aliases": pa.array(
                [[{"ssn": s, "dob": d}] for s, d in zip(ssn9, BIRTHS, strict=True)]
            ),
            "county_cd": [f"c{i % 7}" for i in range(N)],
        }
    )


CATEGORY = {
    **{
        c: "ssn"
        for c in (
            "ssn_int",
            "ssn_float",
            "ssn_spaced",
            "ssn_dict",
            "ssn_large",
            "ssn_view",
            "ssn_list",
        )
    },
    **{c: "birth_date" for c in ("dob_text", "dob_ts", "dob_date32", "dob_epoch", "aliases")},
    "dl_sep": "drivers_license",
    "person": "name",
    "ids_map": "drivers_license",
}


def _canaries() -> list[str]:
    out = [t for v in SSNS for t in _ssn_texts(v)]
    out += [t for d in BIRTHS for t in _date_texts(d)]
    out += DLS + [f"Qzx{i}" for i in range(N)]
    return out


def _decision():
    return decide(
        Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack("colorado-sb21-131")]
    )


def _output_text(path: Path, fmt: str) -> str:
    if fmt == "parquet":
        return repr(pq.read_table(path).to_pylist())
    return path.read_text("utf-8")


def _redact(tmp: Path, table: pa.Table, columns: dict, fmt_out: str, strict: bool = False):
    src = tmp / "in.parquet"
    pq.write_table(table, src)
    fm = parse_field_map({"name": "t", "tables": {"t": {"columns": columns}}}, "t.yaml")
    out = tmp / f"out.{fmt_out}"
    job = Job(source=str(src), output=str(out), output_format=Format(fmt_out), strict=strict)
    outcome = redact_file(_decision(), str(src), Format.PARQUET, job, field_map=fm)
    text = _output_text(out, fmt_out) + Path(f"{out}.manifest.json").read_text()
    return outcome, text


@pytest.mark.parametrize("action", ["drop", "null", "redact", "mask", "hash", "generalize"])
@pytest.mark.parametrize("fmt_out", ["parquet", "csv", "tsv", "jsonl"])
def test_mapped_columns_of_any_type_leak_nothing(tmp_path: Path, key_file, action, fmt_out):
    table = _typed_table()
    columns: dict = {"county_cd": "none"}
    for name, cat in CATEGORY.items():
        if action == "generalize" and cat not in ("birth_date", "address"):
            columns[name] = {"category": cat, "action": "mask"}
        else:
            columns[name] = {"category": cat, "action": action}
    outcome, text = _redact(tmp_path, table, columns, fmt_out)
    assert outcome.rows_out == N
    leaked = [c for c in _canaries() if c in text]
    assert not leaked, leaked[:5]
    assert "c3" in text  # the released column is there


def test_generalized_birth_dates_keep_the_year_only(tmp_path: Path):
    table = _typed_table().select(["dob_text", "dob_ts", "dob_date32", "dob_epoch", "county_cd"])
    cols = {
        c: {"category": "birth_date", "action": "generalize"}
        for c in ("dob_text", "dob_ts", "dob_date32", "dob_epoch")
    }
    _, _ = _redact(tmp_path, table, {**cols, "county_cd": "none"}, "parquet")
    got = pq.read_table(tmp_path / "out.parquet")
    years = [d.year for d in BIRTHS]
    assert got.column("dob_date32").to_pylist() == years
    assert got.column("dob_ts").to_pylist() == years
    assert got.column("dob_text").to_pylist() == years  # every format above has a 4-digit year
    assert got.column("dob_epoch").null_count == N  # an integer could be anything: withheld


def test_unmapped_columns_detection_and_strict(tmp_path: Path):
    """Which unmapped shapes detection catches, and which only --strict withholds."""
    t = _typed_table()
    unmapped = t.select(
        [
            "ssn_int",
            "ssn_float",
            "ssn_large",
            "ssn_view",
            "dob_text",
            "dob_ts",
            "dob_date32",
            "dl_sep",
            "person",
            "ssn_list",
            "ids_map",
            "aliases",
            "county_cd",
        ]
    )
    unmapped = unmapped.rename_columns(
        [
            "col1",
            "col2",
            "col3",
            "col4",
            "col5",
            "col6",
            "col7",
            "col8",
            "col9",
            "col10",
            "col11",
            "col12",
            "county_cd",
        ]
    )
    extra = pa.table({"id_num": t.column("ssn_int"), "seconds": t.column("dob_epoch")})
    table = pa.Table.from_arrays(
        [*unmapped.columns, *extra.columns], names=unmapped.column_names + extra.column_names
    )
    outcome, text = _redact(tmp_path, table, {"county_cd": "none"}, "jsonl")
    plan = {p.name: p for p in outcome.plan}
    detected = [f"col{i}" for i in range(1, 13)]
    assert [c for c in detected if not plan[c].withheld] == []
    # a column named like a row id whose values are valid SSNs and show nothing an SSN cannot
    # be is withheld as ssn (issue 16; it was released on its name before, and only --strict
    # withheld it). Epoch-second birth dates are recognised.
    assert plan["id_num"].withheld and plan["id_num"].category is Category.SSN
    assert plan["seconds"].withheld and plan["seconds"].category is Category.BIRTH_DATE
    ssn_and_dates = [t for v in SSNS for t in _ssn_texts(v)[2:]] + [d.isoformat() for d in BIRTHS]
    assert not [c for c in ssn_and_dates + DLS if c in text]
    outcome, text = _redact(tmp_path, table, {"county_cd": "none"}, "jsonl", strict=True)
    assert [p.name for p in outcome.plan if not p.withheld] == ["county_cd"]
    assert not [c for c in _canaries() if c in text]


def test_nested_column_mapped_none_is_released_whole(tmp_path: Path):
    table = _typed_table().select(["person", "county_cd"])
    _, _ = _redact(
        tmp_path, table, {"person": "none", "county_cd": "none", "person.ssn": "ssn"}, "parquet"
    )
    got = pq.read_table(tmp_path / "out.parquet")
    assert got.column("person").to_pylist() == table.column("person").to_pylist()


def test_nested_column_with_only_part_keys_mapped_is_withheld_whole(tmp_path: Path):
    table = _typed_table().select(["person", "county_cd"])
    outcome, text = _redact(
        tmp_path, table, {"person.ssn": "ssn", "person.name": "none", "county_cd": "none"}, "jsonl"
    )
    assert {p.name: p.action.value for p in outcome.plan}["person"] == "drop"
    assert "Qzx1" not in text
    assert any("person.ssn" in w for w in outcome.warnings)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ssn=st.integers(1_010_000, 665_999_999),
    stored=st.sampled_from(["int", "float", "spaced", "dict", "view"]),
    action=st.sampled_from(["drop", "null", "redact", "mask", "hash"]),
    fmt_out=st.sampled_from(["parquet", "csv", "jsonl"]),
)
def test_any_ssn_in_any_storage_never_survives(
    tmp_path_factory, key_file, ssn, stored, action, fmt_out
):
    tmp = tmp_path_factory.mktemp("ssn")
    s = f"{ssn:09d}"
    col = {
        "int": pa.array([ssn], pa.int64()),
        "float": pa.array([float(ssn)]),
        "spaced": pa.array([f"{s[:3]} {s[3:5]} {s[5:]}"]),
        "dict": pa.array([s]).dictionary_encode(),
        "view": pa.array([s], pa.string_view()),
    }[stored]
    table = pa.table({"x": col, "keep": ["k"]})
    _, text = _redact(
        tmp, table, {"x": {"category": "ssn", "action": action}, "keep": "none"}, fmt_out
    )
    assert not [c for c in _ssn_texts(ssn) if c in text]
    assert json.dumps(ssn) not in text or action == "hash"  # a hex digest may contain digits
