"""Property: under a restricted decision, no canary value of a protected column reaches any
output (data file, manifest, request log), whatever the column types, names, map overrides and
formats; row counts and unprotected columns are unchanged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redactor.audit import Job
from redactor.categories import Category
from redactor.fieldmap import parse_field_map
from redactor.io.formats import Format
from redactor.pipeline import redact_file
from redactor.policy import decide, load_pack
from redactor.request import Request
from redactor.requestlog import open_log

PROTECTED = [c for c in Category if c is not Category.NONE]
KINDS = ["text", "int", "float", "date", "timestamp", "dict"]
NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ -.#éÑ"


def _canary(kind: str, col: int, row: int):
    """A value unique to (col, row) and unmistakable in any output."""
    n = 7_310_000_000 + col * 100_000 + row
    if kind == "text":
        return f"QZX{col:02d}CANARY{row:05d}"
    if kind == "dict":
        return f"QZX{col:02d}DICT{row:05d}"
    if kind == "int":
        return n
    if kind == "float":
        return float(n)
    day = dt.date(1901, 1, 1) + dt.timedelta(days=col * 3000 + row)
    return day if kind == "date" else dt.datetime.combine(day, dt.time(13, 57, 31))


def _plain(kind: str, rng_val: int):
    return {
        "text": f"v{rng_val}",
        "dict": f"d{rng_val % 3}",
        "int": rng_val,
        "float": rng_val / 4,
        "date": dt.date(2020, 1, 1) + dt.timedelta(days=rng_val),
        "timestamp": dt.datetime(2020, 1, 1) + dt.timedelta(seconds=rng_val),
    }[kind]


def _arrow(kind: str, values: list) -> pa.Array:
    t = {
        "text": pa.string(),
        "dict": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
    }[kind]
    arr = pa.array(values, t)
    return arr.dictionary_encode() if kind == "dict" else arr


def _canary_texts(v) -> list[str]:
    if isinstance(v, float):
        return [repr(v), str(int(v))]
    if isinstance(v, dt.datetime):
        return [v.isoformat(), v.strftime("%Y-%m-%d %H:%M:%S")]
    if isinstance(v, dt.date):
        return [v.isoformat()]
    return [str(v)]


@st.composite
def cases(draw):
    ncols = draw(st.integers(1, 6))
    nrows = draw(st.integers(0, 25))
    names = draw(
        st.lists(
            st.text(NAME_ALPHABET, min_size=1, max_size=10).map(str.strip).filter(bool),
            min_size=ncols,
            max_size=ncols,
            unique_by=lambda s: s.casefold(),
        )
    )
    columns, mapping = [], {}
    for i, name in enumerate(names):
        cat = draw(st.sampled_from([*PROTECTED, Category.NONE, Category.NONE]))
        kind = draw(st.sampled_from(KINDS))
        if cat is Category.NONE:
            values = [_plain(kind, draw(st.integers(0, 10_000))) for _ in range(nrows)]
        else:
            values = [_canary(kind, i, r) for r in range(nrows)]
        nulls = draw(st.sets(st.integers(0, max(nrows - 1, 0)), max_size=3)) if nrows else set()
        values = [None if r in nulls else v for r, v in enumerate(values)]
        spec: dict = {"category": cat.value}
        if cat is not Category.NONE:
            choices = [None, "drop", "null", "redact", "mask", "hash"]
            if cat in (Category.BIRTH_DATE, Category.ADDRESS):
                choices.append("generalize")
            action = draw(st.sampled_from(choices))
            if action:
                spec["action"] = action
            if action == "mask":
                spec["keep_last"] = draw(st.integers(0, 4))
        mapping[name] = spec
        columns.append((name, kind, cat, values))
    # JSON Lines has no header: an empty one has no columns to speak of
    fmt_in = draw(st.sampled_from(["parquet", "csv", "jsonl"] if nrows else ["parquet", "csv"]))
    fmt_out = draw(st.sampled_from(["parquet", "csv", "tsv", "jsonl"]))
    return columns, mapping, fmt_in, fmt_out


def _write_input(path: Path, fmt: str, table: pa.Table) -> None:
    if fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        with open(path, "w") as f:
            for row in table.to_pylist():
                f.write(json.dumps(row, default=str) + "\n")


def _output_text(path: Path, fmt: str) -> str:
    if fmt == "parquet":
        pf = pq.ParquetFile(path)
        md = pf.metadata
        assert md.metadata is None or b"ARROW:schema" not in md.metadata  # no stored schema
        for rg in range(md.num_row_groups):
            for c in range(md.num_columns):
                assert not md.row_group(rg).column(c).is_stats_set  # no min/max statistics
        return repr(pf.read().to_pylist())
    return path.read_text("utf-8")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=cases())
def test_no_canary_reaches_any_output(case, tmp_path_factory, key_file):
    columns, mapping, fmt_in, fmt_out = case
    tmp = tmp_path_factory.mktemp("leak")
    if fmt_in != "parquet":  # text formats cannot hold dictionary/nested types faithfully
        columns = [(n, "text" if k == "dict" else k, c, v) for n, k, c, v in columns]
    table = pa.table({n: _arrow(k, v) for n, k, _, v in columns})
    src = tmp / f"in.{fmt_in}"
    _write_input(src, fmt_in, table)
    out = tmp / f"out.{fmt_out}"
    log_path = tmp / "log.sqlite3"
    fm = parse_field_map({"name": "prop", "tables": {"t": {"columns": mapping}}}, "prop.yaml")
    decision = decide(
        Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack("colorado-sb21-131")]
    )
    job = Job(
        source=str(src), output=str(out), output_format=Format(fmt_out), table="t", allow_empty=True
    )
    every_withheld = all(c is not Category.NONE for _, _, c, _ in columns)
    all_dropped = all(
        c is not Category.NONE and mapping[n].get("action") in (None, "drop")
        for n, _, c, _ in columns
    )
    log = open_log(log_path)
    try:
        try:
            outcome = redact_file(decision, str(src), Format(fmt_in), job, field_map=fm, log=log)
        except Exception as e:  # only refusal when nothing at all could be released
            assert all_dropped and every_withheld, e
            assert not out.exists()
            return
    finally:
        log.close()
    assert outcome.rows_in == outcome.rows_out == table.num_rows
    texts = [_output_text(out, fmt_out), Path(f"{out}.manifest.json").read_text()]
    # the whole log store, raw (database file and its write-ahead log)
    texts.append(b"".join(p.read_bytes() for p in tmp.glob("log.sqlite3*")).decode("latin-1"))
    blob = "\n".join(texts)
    for name, _kind, cat, values in columns:
        if cat is Category.NONE:
            continue
        for v in values:
            if v is None:
                continue
            for t in _canary_texts(v):
                assert t not in blob, f"canary of {cat} column {name!r} leaked: {t}"
    # unprotected columns are unchanged (compared where the output keeps types)
    if fmt_out == "parquet" and fmt_in == "parquet":
        got = pq.read_table(out)
        for name, _kind, cat, _values in columns:
            if cat is Category.NONE:
                assert got.column(name).to_pylist() == table.column(name).to_pylist()
