"""Column names are compared as a person reads them (issue 15, item 1).

A character a reader cannot see or tell apart used to turn a mapped protected column into an
unmapped one, released when detection found its values clear (here: decimal amounts). Names are
now matched by :func:`redactor.colnames.name_key` (invisible characters removed, NFKC, the
Unicode confusables folded, case folded); two input columns that read alike are bad input; a
header with a control character left is bad input, shown escaped; and under a restricted
decision, a protected map column missing from the input makes every released unmapped column
suspect: withheld, with the reason in the plan."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from redactor.categories import Action, Category
from redactor.cli import cli
from redactor.colnames import classify_by_read_names, name_key, name_problem
from redactor.fieldmap import parse_field_map
from redactor.plan import Detected, build_plan
from redactor.policy import decide, load_pack
from redactor.request import Request

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
# WAIVER_AMT is protected (a fee waiver given for lack of lawful presence) and holds amounts:
# detection alone sees decimal amounts and would release an unmapped column holding them.
MAP = (
    "name: m\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      WAIVER_AMT: status_proxy\n"
    "      county_cd: none\n"
)
ROWS = [("Zed", "35.50", "001"), ("Ann", "0.00", "002"), ("Bo", "35.50", "003")]

DISGUISES = {
    "zero-width space": "WAIVER\u200b_AMT",
    "zero-width joiner": "WAI\u200dVER_AMT",
    "zero-width non-joiner": "WAIVER_\u200cAMT",
    "word joiner": "WAIVER_AMT\u2060",
    "soft hyphen": "WAI\u00adVER_AMT",
    "left-to-right mark": "\u200eWAIVER_AMT",
    "right-to-left override": "\u202eWAIVER_AMT\u202c",
    "bidi isolate": "\u2066WAIVER_AMT\u2069",
    "BOM inside": "WAIVER\ufeff_AMT",
    "variation selector": "WAIVER_AMT\ufe0f",
    "Cyrillic A": "W\u0410IVER_AMT",
    "Cyrillic lower-case": "w\u0430iver_amt",
    "Greek capitals": "W\u0391\u0399VER_\u0391\u039cT",
    "full-width letters": "\uff37\uff21\uff29\uff36\uff25\uff32_AMT",
    "mathematical letters": "\U0001d416AIVER_AMT",
    "no-break space around": "\u00a0WAIVER_AMT\u00a0",
    "lower case": "waiver_amt",
}


def _write(path: Path, names: list[str], fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(pa.table({n: [r[i] for r in ROWS] for i, n in enumerate(names)}), path)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(dict(zip(names, r, strict=True))) + "\n"
                                for r in ROWS))  # fmt: skip
    else:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(names)
        w.writerows(ROWS)
        path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    p = tmp_path / "map.yaml"
    p.write_text(MAP)
    return p


def _redact(src: Path, out: Path, map_path: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        ["redact", str(src), "-o", str(out), "--map", str(map_path), "-q", *CIVIL, *extra],
        catch_exceptions=False,
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("case", DISGUISES)
def test_a_disguised_protected_name_still_matches_the_map(
    case: str, fmt: str, tmp_path: Path, map_path: Path
) -> None:
    name = DISGUISES[case]
    assert name_key(name) == "waiver_amt"
    src = tmp_path / f"in.{fmt}"
    _write(src, ["FRST_NM", name, "county_cd"], fmt)
    out = tmp_path / "o.csv"
    r = _redact(src, out, map_path)
    assert r.exit_code == 0, r.stderr
    text = out.read_text()
    assert "35.50" not in text and "Zed" not in text
    assert next(csv.reader(io.StringIO(text))) == ["county_cd"]
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert any(c["category"] == "status_proxy" and c["origin"] == "map"
               for c in manifest["columns"])  # fmt: skip


def test_two_columns_that_read_alike_are_bad_input(tmp_path: Path, map_path: Path) -> None:
    src = tmp_path / "d.csv"
    _write(src, ["FRST_NM", "WAIVER_AMT", "W\u0410IVER_AMT"], "csv")
    outdir = tmp_path / "out"
    outdir.mkdir()
    r = _redact(src, outdir / "o.csv", map_path)
    assert r.exit_code == 4, r.stderr
    assert "columns 2 and 3 are both named 'waiver_amt' as read" in r.stderr
    assert "\\u0410" in r.stderr  # the look-alike is shown escaped
    assert list(outdir.iterdir()) == []


@pytest.mark.parametrize(
    ("header", "shown"),
    [
        (b'FRST_NM,"WAIVER_AMT\n",county_cd\n', "\\n"),
        (b'FRST_NM,"WAIVER\tAMT",county_cd\n', "\\t"),
        (b'FRST_NM,"WAIVER\rAMT",county_cd\n', "\\r"),
        (b"FRST_NM,WAIVER\x1b[8mAMT,county_cd\n", "\\x1b"),
        ("FRST_NM,WAIVER\u2028AMT,county_cd\n".encode(), "\\u2028"),
        ("FRST_NM,WAIVER\u0085AMT,county_cd\n".encode(), "\\x85"),
    ],
)
def test_a_header_with_a_control_character_is_bad_input_shown_escaped(
    header: bytes, shown: str, tmp_path: Path, map_path: Path
) -> None:
    src = tmp_path / "c.csv"
    src.write_bytes(header + b"Zed,35.50,001\n")
    outdir = tmp_path / "out"
    outdir.mkdir()
    r = _redact(src, outdir / "o.csv", map_path)
    assert r.exit_code == 4, r.stderr
    first = r.stderr.strip().splitlines()[0]
    assert "column 2's name" in first and shown in first, first
    assert list(outdir.iterdir()) == []


@pytest.mark.parametrize("name", ["WAIVER AMT", "WAIVER_AMT,", "WAIVER-AMT", "WAIVERAMT", "X"])
def test_an_unmapped_column_beside_a_missing_protected_one_is_withheld(
    name: str, tmp_path: Path, map_path: Path
) -> None:
    src = tmp_path / "s.csv"
    _write(src, ["FRST_NM", name, "county_cd"], "csv")
    out = tmp_path / "o.csv"
    r = _redact(src, out, map_path)
    assert r.exit_code == 0, r.stderr
    assert "35.50" not in out.read_text()


def test_the_plan_says_why_a_suspect_column_is_withheld() -> None:
    table = parse_field_map(yaml.safe_load(MAP)).table("t")
    civil = decide(Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack()])
    assert civil.restricted
    # detection found decimal amounts: without the rule the column would be released
    clear = {"WAIVER AMT": Detected(Category.NONE, 0.75, False, ("decimal amounts",))}
    alone = build_plan(["FRST_NM", "WAIVER AMT", "county_cd"], None, civil, detected=clear)
    assert alone[1].action is Action.RELEASE
    plans = build_plan(["FRST_NM", "WAIVER AMT", "county_cd"], table, civil, detected=clear)
    suspect = plans[1]
    assert suspect.action is Action.DROP and suspect.reason.startswith("suspect:")
    assert "WAIVER_AMT" in suspect.reason
    assert plans[2].action is Action.RELEASE  # a mapped none column is not suspect
    # with every protected column present nothing is suspect
    plans = build_plan(["FRST_NM", "WAIVER_AMT", "county_cd", "other"], table, civil)
    assert not any(p.reason.startswith("suspect") for p in plans)


def test_name_problem_and_key_leave_ordinary_names_alone() -> None:
    for n in ["FRST_NM", "Dirección", "Straße", "名前", "Phone Number", "a.b", "x-1"]:
        assert name_problem(n) is None
        assert name_key(n) == " ".join(n.split()).casefold() or not n.isascii()
    assert name_key("col1") != name_key("coll")  # ASCII is left as it is


def test_detection_sees_names_as_read() -> None:
    from redactor.detect import classify_columns

    disguised = "\u0405S\u200bN"  # Cyrillic Ѕ, a zero-width space
    sample = pa.table({disguised: ["x"] * 3, "county_cd": ["001"] * 3})
    want = classify_columns(pa.table({"SSN": ["x"] * 3}))["SSN"].category
    assert want is Category.SSN
    assert classify_columns(sample)[disguised].category is not want  # as written: missed
    got = classify_by_read_names(sample)
    assert got[disguised].category is want and set(got) == {disguised, "county_cd"}
