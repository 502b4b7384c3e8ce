"""Smoke tests of the issue-18 benchmark harness at tiny size (no timing is asserted)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")

from benchmarks import data, peers, wide  # noqa: E402
from benchmarks import duckdb_engine_proto as proto  # noqa: E402

CANARY = "CANARY-123-45-6789"


def test_wide_table_has_43_columns_and_the_map_leaves_six(tmp_path: Path) -> None:
    schema = data.generator().DMV_SCHEMA
    base = pa.table(
        {
            f.name: pa.array(["7"] * 3) if f.type == pa.string() else pa.nulls(3, f.type)
            for f in schema
        }
    )
    t = wide.widen(base, seed=1, block=0)
    names = t.column_names
    assert len(names) == len(set(names)) == 43 and t.num_rows == 3
    assert t.column("record_id").equals(base.column("record_id"))  # base columns kept as they are
    doc = yaml.safe_load(wide.ensure_wide_map(tmp_path).read_text(encoding="utf-8"))
    mapped = set(doc["tables"]["drivers"]["columns"])
    assert sorted(set(names) - mapped) == sorted(wide.UNMAPPED)
    assert mapped <= set(names)  # no stale map entries


def test_peers_project_the_same_columns(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text('a,b,c\n1,"x, y",z\n2,,w\n', encoding="utf-8")
    for tool in ("duckdb", "polars"):
        out = tmp_path / f"{tool}.csv"
        peers.main([tool, "csv", str(src), str(out), json.dumps(["c", "a"])])
        lines = out.read_text(encoding="utf-8").replace('"', "").splitlines()
        assert lines == ["c,a", "z,1", "w,2"], tool


@pytest.mark.parametrize(
    ("row", "what"),
    [
        (f"2,{CANARY},z,EXTRA", "4 fields where the header has 3"),
        (f"2,{CANARY}", "2 fields where the header has 3"),
        (f'2,"{CANARY},z', "unterminated"),
    ],
)
def test_duckdb_csv_errors_keep_the_line_and_drop_the_data(
    tmp_path: Path, row: str, what: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("a,b,c\n1,x,y\n" + row + "\n3,x,y\n", encoding="utf-8")
    query = f"SELECT a FROM {proto.csv_scan(str(src), ['a', 'b', 'c'])}"  # b, c not projected
    with pytest.raises(duckdb.Error) as info:
        duckdb.connect().execute(query).fetchall()
    assert CANARY in str(info.value)  # DuckDB quotes the row: the reason it must be rewritten
    err = proto.duckdb_error(info.value, str(src))
    assert "line 3" in str(err) and what in str(err)
    assert CANARY not in str(err)


def test_input_check_hashes_and_finds_nul_and_bad_utf8(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(b"a,b\n" + b"1,\xc3\xa9t\xc3\xa9\n" * 1000)
    c = proto.InputCheck(str(good), True, 1000)
    c.run()
    assert c.error is None
    assert c.digest == hashlib.sha256(good.read_bytes()).hexdigest()
    assert c.lines and all(line == b"1,\xc3\xa9t\xc3\xa9" for line in c.lines)
    for name, bad in (("nul", b"2,a\x00b\n"), ("latin1", b"2,\xe9t\xe9\n")):
        p = tmp_path / f"{name}.csv"
        p.write_bytes(b"a,b\n1,x\n" + bad + b"3,y\n")
        c = proto.InputCheck(str(p), True, 1 << 30)
        c.run()
        assert c.error is not None and "line 3" in str(c.error), name
