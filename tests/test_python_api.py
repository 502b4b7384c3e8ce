"""Issue 17 item 3: the public Python API — the examples of docs/python.md run as doctests, and
the API decides and logs a request exactly as the command line does."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import redactor

ROOT = Path(__file__).resolve().parent.parent
CANARY = ["219-09-9999", "078-05-1121"]


def test_docs_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(ROOT / "docs" / "python.md"),
        module_relative=False,
        globs={"log_path": str(tmp_path / "requests.sqlite3")},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted >= 8 and result.failed == 0, result


def test_import_is_light_and_help_shows_the_api():
    code = (
        "import sys, redactor; help(redactor); "
        "print('HEAVY', sorted(m for m in ('sqlglot', 'presidio_analyzer', 'pyspark', "
        "'pandas', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    for name in ("redact_table", "export_query", "rewrite_query", "decide", "open_log"):
        assert name in out.stdout


def _req() -> redactor.Request:
    return redactor.Request(purposes=["civil_immigration_enforcement"], agency="ICE")


def _table(n: int = 3) -> pa.Table:
    return pa.table(
        {
            "record_id": list(range(n)),
            "FRST_NM": ["Ann", "Bo", "Cy"][:n],
            "SOC_SEC_NO": (CANARY * 2)[:n],
            "ISSUE_DT": ["2020-01-02"] * n,
        }
    )


@pytest.mark.parametrize("kind", ["table", "reader", "pandas"])
def test_each_kind_comes_back_the_same_kind_without_protected_values(kind: str, tmp_path: Path):
    fm = redactor.load_field_map(ROOT / "field_maps" / "dmv.yaml")
    log = tmp_path / "l.sqlite3"
    t = _table()
    data = {"table": t, "reader": t.to_reader(), "pandas": t.to_pandas()}[kind]
    out = redactor.redact_table(data, _req(), field_map=fm, table_name="drivers", log=str(log))
    if kind == "reader":
        assert isinstance(out, pa.RecordBatchReader)
        with redactor.open_log(str(log)) as lg:  # logged before the first batch is read
            assert [e.kind for e in lg.entries()] == ["request"]
        out = out.read_all()
    elif kind == "pandas":
        assert type(out).__name__ == "DataFrame"
        out = pa.Table.from_pandas(out, preserve_index=False)
    assert out.column_names == ["record_id", "ISSUE_DT"]
    raw = log.read_bytes() + str(out.to_pylist()).encode()
    assert not any(c.encode() in raw for c in CANARY)
    with redactor.open_log(str(log)) as lg:
        entries = [(e.kind, json.loads(e.payload)) for e in lg.entries()]
    assert [k for k, _ in entries] == ["request", "completion"]
    assert entries[1][1]["status"] == "completed" and entries[1][1]["rows_out"] == 3
    assert entries[1][1]["output_sha256"]


def test_a_stream_that_turns_protected_fails_in_the_reader_and_is_logged(tmp_path: Path):
    """A column released on the first batch's evidence that holds SSNs later: reading the
    stream raises before that batch is handed out, and the request is completed as failed."""
    first = pa.record_batch({"county_cd": [f"{i % 64:03d}" for i in range(2_000)]})
    ssns = [f"{100 + i % 600:03d}-45-{1000 + i:04d}" for i in range(2_000)]
    later = pa.record_batch({"county_cd": ssns})
    reader = pa.RecordBatchReader.from_batches(first.schema, iter([first, later]))
    log = tmp_path / "l.sqlite3"
    out = redactor.redact_table(reader, _req(), log=str(log))
    seen: list[str] = []
    with pytest.raises(redactor.DataError, match="look like ssn"):
        for b in out:
            seen += b.column(0).to_pylist()
    assert not set(seen) & set(ssns)
    with redactor.open_log(str(log)) as lg:
        entries = [json.loads(e.payload) for e in lg.entries()]
    assert entries[-1]["status"] == "failed"


def test_claims_do_not_lift_a_rule_and_unknowns_are_usage_errors(tmp_path: Path):
    fm = redactor.load_field_map(ROOT / "field_maps" / "dmv.yaml")
    claimed = redactor.Request(
        purposes=["civil_immigration_enforcement"],
        agency="ICE",
        evidence=(redactor.Evidence("judicial_warrant", "W-1"),),
    )
    out = redactor.redact_table(
        _table(), claimed, field_map=fm, table_name="drivers", log=str(tmp_path / "l.sqlite3")
    )
    assert "SOC_SEC_NO" not in out.column_names
    with pytest.raises(redactor.UsageError, match="agency"):
        redactor.decide(redactor.Request(purposes=["civil_immigration_enforcement"]))
    with pytest.raises(redactor.UsageError, match="did you mean"):
        redactor.decide(redactor.Request(purposes=["civil_imigration_enforcement"], agency="ICE"))
