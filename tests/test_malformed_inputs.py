"""The malformed-input catalogue, through the CLI: every broken input gives exit 4, a one-line
message naming the file (and the row/column or line/key where known) with a hint, no output,
no temporary file, and a ``failed`` request in the log. Valid but odd inputs (quotes, embedded
newlines and delimiters, a BOM, a 10 MB field, 5,000 columns, compressed text) are read
correctly and leak nothing."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.audit import Job
from redactor.cli import cli
from redactor.errors import DataError
from redactor.fieldmap import parse_field_map
from redactor.io.formats import Format
from redactor.pipeline import redact_file
from redactor.policy import decide, load_pack
from redactor.request import Request
from redactor.requestlog import open_log

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
COURT = [
    "--purpose",
    "criminal_investigation",
    "--evidence",
    "court_order:2026CR1234",
    "--agency",
    "Denver Police Department",
]
HEADER = b"FRST_NM,SOC_SEC_NO,county_cd\n"
MAP = (
    "name: m\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
    "      county_cd: none\n"
)
CANARY_SSN = "078-05-1121"


def _parquet_bytes(n: int = 3) -> bytes:
    sink = io.BytesIO()
    t = pa.table({"FRST_NM": [f"Zed{i}" for i in range(n)], "county_cd": ["001"] * n})
    pq.write_table(t, sink)
    return sink.getvalue()


def _corrupt_pages() -> bytes:
    """A Parquet file whose footer is intact but whose data pages are garbage."""
    sink = io.BytesIO()
    t = pa.table({"county_cd": [f"{i:09d}" for i in range(20_000)]})
    pq.write_table(t, sink, compression="snappy", use_dictionary=False)
    b = bytearray(sink.getvalue())
    for i in range(64, len(b) // 2):
        b[i] = (b[i] * 7 + 13) & 0xFF
    return bytes(b)


def _zero_row_parquet() -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"FRST_NM": pa.array([], pa.string())}), sink)
    return sink.getvalue()


# name -> (file name, content, what the first line must say)
BAD: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "empty file": ("e.csv", lambda: b"", "the file is empty"),
    "blank lines only": ("e.csv", lambda: b"\n\r\n  \n", "the file is empty"),
    "header only": ("h.csv", lambda: HEADER, "no data rows"),
    "zero-row parquet": ("z.parquet", _zero_row_parquet, "no data rows"),
    "ragged short row": ("r.csv", lambda: HEADER + b"A,1,2\nB,1\n", "row 3 has 2 fields"),
    "ragged long row": ("r.csv", lambda: HEADER + b"A,1,2,3\n", "row 2 has 4 fields"),
    "unterminated quote": (
        "q.csv",
        lambda: HEADER + b'A,"078-05-1121,001\nB,x,y\n',
        "row 2 opens a quoted field that never closes",
    ),
    "unterminated quote in header": ("q.csv", lambda: b'a,"b\n', "header row"),
    "latin-1 data": (
        "l.csv",
        lambda: HEADER + "A,1,2\nJosé,078-05-1121,001\n".encode("latin-1"),
        "row 3, column 'FRST_NM' holds bytes that are not UTF-8",
    ),
    "invalid utf-8": (
        "u.csv",
        lambda: HEADER + b"A,1,0\xff\xfe1\n",
        "row 2, column 'county_cd' holds bytes that are not UTF-8",
    ),
    "latin-1 header": ("l.csv", lambda: "Año,b\n1,2\n".encode("latin-1"), "not UTF-8"),
    "NUL byte in data": (
        "n.csv",
        lambda: HEADER + b"A,1,2\nB,078-05-1121,0\x001\n",
        "row 3, column 'county_cd' holds a NUL byte",
    ),
    "NUL byte in header": ("n.csv", lambda: b"a\x00,b\n1,2\n", "NUL"),
    "UTF-16 text": ("w.csv", lambda: "a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    "duplicate names": ("d.csv", lambda: b"a,b,A\n1,2,3\n", "columns 1 and 3 are both named"),
    "names equal but for spaces": ("d.csv", lambda: b"a, b,b \n1,2,3\n", "columns 2 and 3"),
    "blank name": ("b.csv", lambda: b"a,,c\n1,2,3\n", "column 2 has a blank name"),
    "whitespace-only name": ("b.csv", lambda: b"a,  \t,c\n1,2,3\n", "column 2 has a blank name"),
    "parquet named .csv": ("p.csv", _parquet_bytes, "holds Parquet, not csv"),
    "gzip named .csv": (
        "g.csv",
        lambda: gzip.compress(HEADER + b"A,1,2\n"),
        "holds gzip-compressed data",
    ),
    "xlsx named .csv": ("x.csv", lambda: b"PK\x03\x04" + b"\x00" * 40, "ZIP archive"),
    "csv named .parquet": ("c.parquet", lambda: HEADER + b"A,1,2\n", "it holds CSV text"),
    "jsonl named .parquet": ("j.parquet", lambda: b'{"a": 1}\n', "it holds JSON Lines text"),
    "truncated parquet": ("t.parquet", lambda: _parquet_bytes(50)[:300], "truncated Parquet"),
    "corrupt parquet footer": (
        "f.parquet",
        lambda: (lambda b: b[:4] + b"\x00" * (len(b) - 8) + b[-4:])(_parquet_bytes()),
        "corrupt Parquet metadata",
    ),
    "corrupt parquet pages": ("c.parquet", _corrupt_pages, "corrupt Parquet data"),
    "empty parquet": ("e.parquet", lambda: b"", "the file is empty"),
    "jsonl mixed types": (
        "m.jsonl",
        lambda: b'{"county_cd": 1}\n{"county_cd": "x"}\n',
        "key 'county_cd' holds number values, then a string at line 2",
    ),
    "jsonl mixed types late": (
        "m.jsonl",
        lambda: b'{"county_cd": 1}\n' * 30_000 + b'{"county_cd": "x"}\n',
        "at line 30001",
    ),
    "jsonl array line": ("a.jsonl", lambda: b'{"a": 1}\n[1, 2]\n', "line 2 is a JSON array"),
    "jsonl scalar line": ("a.jsonl", lambda: b'{"a": 1}\n42\n', "line 2 is a JSON number"),
    "jsonl broken line": ("a.jsonl", lambda: b'{"a": 1}\n{"a": \n', "line 2 is not valid JSON"),
    "jsonl empty": ("a.jsonl", lambda: b"\n\n", "the file is empty"),
    "jsonl invalid utf-8": (
        "a.jsonl",
        lambda: b'{"a": "ok"}\n{"a": "\xff"}\n',
        "line 2, key 'a' holds bytes that are not UTF-8",
    ),
    "truncated gzip": (
        "t.csv.gz",
        lambda: gzip.compress(HEADER + b"A,078-05-1121,001\n" * 50_000)[:2_000],
        "gzip data is corrupt or truncated",
    ),
    "plain text named .gz": ("p.csv.gz", lambda: HEADER, "does not hold gzip data"),
    "xz input": ("x.csv.xz", lambda: b"\xfd7zXZ\x00\x00", ".xz compression is not supported"),
    "gzipped parquet": (
        "p.parquet.gz",
        lambda: gzip.compress(_parquet_bytes()),
        "compressed Parquet",
    ),
}


def _run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("redactor: "), stderr
    assert all(line.startswith("  hint: ") for line in lines[1:]), stderr
    assert len(lines) <= 2, stderr
    return lines[0]


@pytest.fixture
def field_map(tmp_path: Path) -> Path:
    m = tmp_path / "map.yaml"
    m.write_text(MAP)
    return m


def _outcomes(log_path: Path) -> list[str]:
    with open_log(log_path, create=False) as log:
        assert log.verify().ok
        return [v.outcome for v in log.requests()]


CASES = [(c, "civil") for c in BAD] + [
    (c, "court") for c in ("header only", "latin-1 data", "jsonl mixed types", "NUL byte in data")
]


@pytest.mark.parametrize(("case", "decision"), CASES, ids=[f"{c}-{d}" for c, d in CASES])
def test_bad_input_exits_4_one_line_no_output_logged_failed(
    case: str, decision: str, tmp_path: Path, field_map: Path, log_path: Path
):
    name, content, needle = BAD[case]
    src = tmp_path / "in" / name
    src.parent.mkdir()
    src.write_bytes(content())
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / "o.csv"
    r = _run(
        "redact",
        str(src),
        "-o",
        str(out),
        "--map",
        str(field_map),
        "-q",
        *(CIVIL if decision == "civil" else COURT),
    )
    assert r.exit_code == 4, r.stderr
    first = _one_line(r.stderr)
    assert str(src) in first and needle in first, first
    assert CANARY_SSN not in r.stderr and "José" not in r.stderr
    assert list(outdir.iterdir()) == []  # no output, no manifest, no temporary file
    assert _outcomes(log_path)[-1] == "failed"


def test_bad_input_on_stdin_names_standard_input(field_map: Path, log_path: Path):
    r = _run(
        "redact", "-", "--format", "csv", "--map", str(field_map), *CIVIL, input=HEADER + b"A,1\n"
    )
    assert r.exit_code == 4
    first = _one_line(r.stderr)
    assert "standard input: row 2 has 2 fields" in first
    assert r.stdout == ""  # nothing reached standard output
    assert _outcomes(log_path) == ["failed"]


def test_header_only_with_allow_empty_writes_the_header(tmp_path: Path, field_map: Path):
    """The library side of --allow-empty (the lead wires the CLI flag)."""
    src = tmp_path / "h.csv"
    src.write_bytes(HEADER)
    fm = parse_field_map(
        {
            "name": "m",
            "tables": {
                "t": {"columns": {"FRST_NM": "name", "SOC_SEC_NO": "ssn", "county_cd": "none"}}
            },
        },
        "m.yaml",
    )
    decision = decide(Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack(None)])
    out = tmp_path / "o.csv"
    job = Job(source=str(src), output=str(out), output_format=Format.CSV, allow_empty=True)
    outcome = redact_file(decision, str(src), Format.CSV, job, field_map=fm)
    assert outcome.rows_out == 0 and out.read_text() == '"county_cd"\n'
    with pytest.raises(DataError, match="allow-empty"):
        redact_file(
            decision,
            str(src),
            Format.CSV,
            Job(source=str(src), output=str(tmp_path / "x.csv"), output_format=Format.CSV),
            field_map=fm,
        )
    assert not (tmp_path / "x.csv").exists()


# --- valid but odd: read exactly, nothing leaks --------------------------------------------

ODD_ROWS = [
    ["Ann\nMarie", CANARY_SSN, "0,01"],
    ['Bo "Jr"', "219-09-9999", "line1\nline2\r\nline3"],
    ["", "", ""],
    ["Ćelik 名前 🚗", "457-55-5462", "tab\there; semi;colon"],
]


def _csv_bytes(rows: list[list[str]], bom: bool = False, crlf: bool = False) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(["FRST_NM", "SOC_SEC_NO", "county_cd"])
    w.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_quotes_newlines_delimiters_and_bom_round_trip(
    tmp_path: Path, field_map: Path, bom: bool, crlf: bool
):
    src = tmp_path / "odd.csv"
    src.write_bytes(_csv_bytes(ODD_ROWS, bom=bom, crlf=crlf))
    released = tmp_path / "released.csv"
    r = _run("redact", str(src), "-o", str(released), "--map", str(field_map), "-q", *COURT)
    assert r.exit_code == 0, r.stderr
    with open(released, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    # the BOM is not part of the first column's name; every value comes back exactly
    assert got[0] == ["FRST_NM", "SOC_SEC_NO", "county_cd"]
    assert got[1:] == ODD_ROWS
    redacted = tmp_path / "redacted.jsonl"
    r = _run("redact", str(src), "-o", str(redacted), "--map", str(field_map), "-q", *CIVIL)
    assert r.exit_code == 0, r.stderr
    rows = [json.loads(line) for line in redacted.read_text().splitlines()]
    assert [list(row) for row in rows] == [["county_cd"]] * 4  # FRST_NM matched despite the BOM
    assert [row["county_cd"] for row in rows] == [r_[2] for r_ in ODD_ROWS]
    text = redacted.read_text() + Path(f"{redacted}.manifest.json").read_text()
    for row in ODD_ROWS:
        for v in row[:2]:
            assert not v or json.dumps(v)[1:-1] not in text


def test_ten_megabyte_field_is_refused_then_read_whole_with_a_larger_limit(
    tmp_path: Path, field_map: Path, monkeypatch: pytest.MonkeyPatch
):
    big = "x" * (10 << 20)
    src = tmp_path / "big.csv"
    src.write_bytes(HEADER + f'Zed,{CANARY_SSN},"{big}"\nAnn,219-09-9999,1\n'.encode())
    out = tmp_path / "o.parquet"
    r = _run("redact", str(src), "-o", str(out), "--map", str(field_map), "-q", *CIVIL)
    assert r.exit_code == 4, r.stderr
    assert "longer than 4 MiB" in r.stderr and "REDACTOR_MAX_ROW_MB" in r.stderr
    assert CANARY_SSN not in r.stderr and not out.exists()
    monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "16")
    r = _run("redact", str(src), "-o", str(out), "--map", str(field_map), "-q", *CIVIL)
    assert r.exit_code == 0, r.stderr
    t = pq.read_table(out)
    assert t.column_names == ["county_cd"] and t.column("county_cd").to_pylist() == [big, "1"]


def test_five_thousand_columns(tmp_path: Path):
    names = [f"c{i}" for i in range(5000)]
    src = tmp_path / "wide.csv"
    src.write_text(",".join(names) + "\n" + ",".join(str(i) for i in range(5000)) + "\n")
    m = tmp_path / "wide.yaml"
    m.write_text(
        "name: w\ntables:\n  t:\n    columns:\n      c0: ssn\n"
        + "".join(f"      {n}: none\n" for n in names[1:])
    )
    out = tmp_path / "o.csv"
    r = _run("redact", str(src), "-o", str(out), "--map", str(m), "-q", *CIVIL)
    assert r.exit_code == 0, r.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == names[1:] and rows[1] == [str(i) for i in range(1, 5000)]


@pytest.mark.parametrize("suffix", [".gz", ".zst", ".bz2"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_compressed_text_inputs_stream(tmp_path: Path, field_map: Path, suffix: str, fmt: str):
    rows = [
        {"FRST_NM": f"Zed{i}", "SOC_SEC_NO": CANARY_SSN, "county_cd": f"{i:03d}"}
        for i in range(2000)
    ]
    if fmt == "csv":
        plain = (
            HEADER
            + "".join(f"{r['FRST_NM']},{CANARY_SSN},{r['county_cd']}\n" for r in rows).encode()
        )
    else:
        plain = "".join(json.dumps(r) + "\n" for r in rows).encode()
    codec = {".gz": "gzip", ".zst": "zstd", ".bz2": "bz2"}[suffix]
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, codec) as z:
        z.write(plain)
    src = tmp_path / f"in.{fmt}{suffix}"
    src.write_bytes(sink.getvalue().to_pybytes())
    out = tmp_path / "o.csv"
    r = _run("redact", str(src), "-o", str(out), "--map", str(field_map), "-q", *CIVIL)
    assert r.exit_code == 0, r.stderr
    got = list(csv.reader(out.open()))
    assert got[0] == ["county_cd"] and len(got) == 2001
    assert CANARY_SSN not in out.read_text()
    import hashlib

    doc = json.loads(Path(f"{out}.manifest.json").read_text())
    assert doc["input"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()


def test_compressed_output_is_refused_before_anything_is_read(tmp_path: Path, field_map: Path):
    src = tmp_path / "in.csv"
    src.write_bytes(HEADER + b"A,1,2\n")
    r = _run("redact", str(src), "-o", str(tmp_path / "o.csv.gz"), "--map", str(field_map), *CIVIL)
    assert r.exit_code == 4
    assert "compressed output" in _one_line(r.stderr)
    assert not (tmp_path / "o.csv.gz").exists()
