"""The committed sample data: reproducible, small, fully mapped, synthetic, and consistent."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sqlite3
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redactor.fieldmap import load_field_map, normalize_name

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
MAPS = ROOT / "field_maps"

# sample file -> (field map, table); the table is also the SQLite table name.
FILES = {
    "dmv_drivers.csv": ("dmv.yaml", "drivers"),
    "dmv_drivers.parquet": ("dmv.yaml", "drivers"),
    "dmv_drivers.jsonl": ("dmv.yaml", "drivers"),
    "crcsa_applicants.csv": ("dmv.yaml", "crcsa_applicants"),
    "benefits_caseload.csv": ("benefits.yaml", "caseload"),
}
CSVS = [f for f in FILES if f.endswith(".csv")]
SQLITE = SAMPLES / "agency.sqlite"
MAX_ROWS = 2000


def _load_generator():
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLES / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _columns(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            return next(csv.reader(f))
    if path.suffix == ".parquet":
        return pq.read_schema(path).names
    with path.open(encoding="utf-8") as f:
        return list(json.loads(f.readline()))


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def _count(path: Path) -> int:
    if path.suffix == ".csv":
        return len(_csv_rows(path))
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    gen.write_samples(out)
    return out


@pytest.mark.parametrize("name", [*CSVS, "dmv_drivers.jsonl"])
def test_regenerating_with_default_seed_is_byte_identical(regenerated: Path, name: str):
    committed = (SAMPLES / name).read_bytes()
    assert (regenerated / name).read_bytes() == committed, (
        f"{name} differs from a fresh `python sample_data/generate.py`; regenerate and commit it "
        "(or a Faker/pyarrow upgrade changed the output: see sample_data/README.md)"
    )


def test_regenerated_parquet_and_sqlite_hold_the_same_data(regenerated: Path):
    assert pq.read_table(regenerated / "dmv_drivers.parquet").equals(
        pq.read_table(SAMPLES / "dmv_drivers.parquet")
    )
    for table in ("drivers", "caseload", "crcsa_applicants"):
        assert _sqlite_rows(regenerated / "agency.sqlite", table) == _sqlite_rows(SQLITE, table)


def test_generation_is_deterministic_and_seeded():
    a = gen.generate_dmv(300, seed=5)
    assert a.equals(gen.generate_dmv(300, seed=5))
    assert not a.equals(gen.generate_dmv(300, seed=6))
    assert gen.generate_benefits(200, seed=5).equals(gen.generate_benefits(200, seed=5))


def test_content_does_not_depend_on_chunking():
    """Row i is the same whether generated alone, as a prefix, or across a block boundary."""
    assert gen.generate_dmv(3000).slice(0, 1500).equals(gen.generate_dmv(1500))
    start = gen.BLOCK - 40
    across = gen.generate_dmv(80, start=start)
    parts = pa.concat_tables(
        [gen.generate_dmv(40, start=start), gen.generate_dmv(40, gen.DEFAULT_SEED, gen.BLOCK)]
    )
    assert across.equals(parts.combine_chunks())
    assert across["record_id"].to_pylist() == list(range(start + 1, start + 81))
    assert len(set(across["DL_NBR"].to_pylist())) == 80


@pytest.mark.parametrize("name", ["dmv.yaml", "benefits.yaml"])
def test_maps_load(name: str):
    fmap = load_field_map(MAPS / name)
    assert fmap.tables


def test_sensitive_table_and_status_proxies_are_mapped():
    dmv = load_field_map(MAPS / "dmv.yaml")
    assert dmv.table("crcsa_applicants").sensitive_table is True
    drivers = dmv.table("drivers")
    assert drivers.sensitive_table is False
    for col in ("LIC_CLASS_CD", "SSN_PRESENT_FLG", "SRC_DOC_TYP"):
        assert drivers.rule(col).category == "status_proxy", col
    assert drivers.rule("CNTRY_BIRTH").category == "place_of_birth"
    assert drivers.rule("LAWFUL_PRES_IND").category == "immigration_status"
    benefits = load_field_map(MAPS / "benefits.yaml").table("caseload")
    assert benefits.rule("case_no").category == "none"
    assert benefits.rule("case_status").category == "none"
    assert benefits.rule("alien_reg_no").category == "immigration_status"


@pytest.mark.parametrize("name", list(FILES))
def test_every_column_is_in_its_map_and_every_mapped_column_exists(name: str):
    map_name, table = FILES[name]
    tmap = load_field_map(MAPS / map_name).table(table)
    columns = _columns(SAMPLES / name)
    assert sorted(normalize_name(c) for c in columns) == sorted(tmap.columns)


def test_every_sample_dataset_has_a_map():
    names = {p.name for p in SAMPLES.iterdir() if p.suffix in (".csv", ".parquet", ".jsonl")}
    assert names == set(FILES)


@pytest.mark.parametrize("name", list(FILES))
def test_committed_copies_are_small(name: str):
    assert 0 < _count(SAMPLES / name) <= MAX_ROWS
    assert (SAMPLES / name).stat().st_size < 2_000_000


def _sqlite_rows(path: Path, table: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
    finally:
        con.close()


def test_sqlite_tables_are_the_map_tables():
    con = sqlite3.connect(f"file:{SQLITE}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for map_name, table in set(FILES.values()):
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            tmap = load_field_map(MAPS / map_name).table(table)
            assert sorted(normalize_name(c) for c in cols) == sorted(tmap.columns), table
    finally:
        con.close()
    assert names == {t for _, t in FILES.values()}


@pytest.mark.parametrize("name", CSVS)
def test_sqlite_matches_csv_row_for_row(name: str):
    table = FILES[name][1]
    csv_rows = _csv_rows(SAMPLES / name)
    db_rows = _sqlite_rows(SQLITE, table)
    assert len(db_rows) == len(csv_rows) <= MAX_ROWS
    for i, (c, d) in enumerate(zip(csv_rows, db_rows, strict=True)):
        assert c == ["" if v is None else str(v) for v in d], f"{table} row {i + 1}"


def test_parquet_and_jsonl_match_the_csv():
    table = pq.read_table(SAMPLES / "dmv_drivers.parquet")
    assert table.schema.field("BIRTH_DT").type == pa.date32()
    assert table.schema.field("EXPR_DT").type == pa.date32()
    assert pa.types.is_integer(table.schema.field("veh_count").type)
    rows = _csv_rows(SAMPLES / "dmv_drivers.csv")
    with (SAMPLES / "dmv_drivers.jsonl").open(encoding="utf-8") as f:
        objs = [json.loads(line) for line in f]
    assert table.num_rows == len(rows) == len(objs)
    ids = table["record_id"].to_pylist()
    assert ids == [int(r[0]) for r in rows] == [o["record_id"] for o in objs]
    ssn_col = table.schema.get_field_index("SOC_SEC_NO")
    assert table["SOC_SEC_NO"].to_pylist() == [r[ssn_col] or None for r in rows]
    assert [o["BIRTH_DT"] for o in objs] == [d.isoformat() for d in table["BIRTH_DT"].to_pylist()]


# ----- the data is synthetic and realistic in the ways the redactor's tests rely on -----------

SSN_RE = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
ITIN_GROUPS = {*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)}


def _is_valid_ssn(value: str) -> bool:
    m = SSN_RE.match(value)
    if not m:
        return False
    area, group, serial = (int(x) for x in m.groups())
    return 0 < area < 900 and area != 666 and group > 0 and serial > 0


def _is_valid_itin(value: str) -> bool:
    m = SSN_RE.match(value)
    return bool(m) and int(m.group(1)) >= 900 and int(m.group(2)) in ITIN_GROUPS


def _dicts(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_identifiers_are_format_valid_and_obviously_synthetic():
    drivers, caseload = _dicts("dmv_drivers.csv"), _dicts("benefits_caseload.csv")
    crcsa = _dicts("crcsa_applicants.csv")
    advertising = {"078051120", "219099999", "457555462"}
    tins = [r["SOC_SEC_NO"] for r in drivers if r["SOC_SEC_NO"]]
    assert tins and all(_is_valid_ssn(t) or _is_valid_itin(t) for t in tins)
    assert any(_is_valid_itin(t) for t in tins), "some legacy TINs are ITINs"
    ssns = [r["ssn"] for r in caseload if r["ssn"]]
    assert all(re.fullmatch(r"\d{9}", s) and _is_valid_ssn(s) for s in ssns)
    assert any(s.startswith("0") for s in ssns), "leading zeros must survive in the CSV"
    assert all(_is_valid_itin(r["ITIN"]) for r in crcsa if r["ITIN"])
    every = {t.replace("-", "") for t in tins} | set(ssns)
    assert not every & advertising
    for r in drivers:
        if r["Phone Number"]:
            assert re.search(r"555\W?01\d\d$", r["Phone Number"]), r["Phone Number"]
        if r["email_addr"]:
            assert re.search(r"@example\.(com|net|org)$", r["email_addr"]), r["email_addr"]


def test_status_proxies_are_consistent():
    drivers = _dicts("dmv_drivers.csv")
    crcsa_classes = {"CRCSA", "CRCSA-ID", "SB251"}
    holders = {r["record_id"] for r in drivers if r["LIC_CLASS_CD"] in crcsa_classes}
    assert 20 < len(holders) < len(drivers) // 4
    for r in drivers:
        has_ssn = bool(r["SOC_SEC_NO"]) and not r["SOC_SEC_NO"].startswith("9")
        assert r["SSN_PRESENT_FLG"] == ("Y" if has_ssn else "N")
        if r["record_id"] in holders:
            assert r["LAWFUL_PRES_IND"] == "N" and r["CNTRY_BIRTH"] != "USA"
            assert r["SRC_DOC_TYP"] in ("FOREIGN PASSPORT", "CONSULAR ID")
    applicants = _dicts("crcsa_applicants.csv")
    issued = {r["record_id"] for r in applicants if r["record_id"]}
    assert issued == holders
    by_id = {r["record_id"]: r for r in drivers}
    for a in applicants:
        if a["record_id"]:
            d = by_id[a["record_id"]]
            assert (a["DL_NBR"], a["BIRTH_DT"][:4], a["ID_DOC_TYP"]) == (
                d["DL_NBR"],
                d["BIRTH_DT"][:4] if "-" in d["BIRTH_DT"] else d["BIRTH_DT"][-4:],
                d["SRC_DOC_TYP"],
            )
    assert any(not r["record_id"] for r in applicants), "some applicants hold no credential"


def test_legacy_messiness_is_present():
    drivers = _dicts("dmv_drivers.csv")
    dobs = [r["BIRTH_DT"] for r in drivers]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dobs)
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dobs)
    dls = [r["DL_NBR"] for r in drivers]
    assert len(set(dls)) == len(dls)
    assert any(re.fullmatch(r"\d{9}", d) for d in dls)
    assert any(re.fullmatch(r"[A-Z]\d{6}", d) for d in dls)
    notes = " ".join(r["CUST_NOTES"] for r in drivers)
    for pattern in (
        r"\b\d{3}-\d{2}-\d{4}\b",
        r"\bA\d{9}\b",
        r"555-01\d\d",
        r"\d\d/\d\d/\d{4}",
        r"\d+ [NSEW ]*[A-Z0-9]+ (ST|AVE|BLVD|DR|RD|CT|WAY|LN|PL|CIR|PKWY)\b",
    ):
        assert re.search(pattern, notes), pattern
    case_nos = [r["case_no"] for r in _dicts("benefits_caseload.csv")]
    assert len(set(case_nos)) == len(case_nos)
    assert sum(_is_valid_ssn(c) for c in case_nos) > len(case_nos) // 2, "SSN lookalikes"
