"""Stated limits hold (issue 15, item 9): the longest row, ``REDACTOR_MAX_ROW_MB``, is enforced
for every text reader (CSV, TSV, JSON Lines, compressed or not), and a quoted field followed by
more text (``"219-09-9999"x``) is bad input. Arrow alone lets a row up to about twice its block
size through and reads ``"a"x`` as ``ax``; both inputs were redacted with exit 0 before.
Parquet is read by row group and column chunk: its rows are not limited by this setting."""

from __future__ import annotations

import bz2
import gzip
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from redactor.cli import cli
from redactor.io.streams import TextGuard

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
MAP = (
    "name: m\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      SOC_SEC_NO: ssn\n"
    "      county_cd: none\n"
)
SSN = "078-05-1121"
MIB = 1 << 20


def _csv(value_len: int, sep: str = ",", quoted: bool = True) -> bytes:
    big = "x" * value_len
    field = f'"{big}"' if quoted else big
    head = sep.join(["FRST_NM", "SOC_SEC_NO", "county_cd"])
    return f"{head}\nZed{sep}{SSN}{sep}{field}\nAnn{sep}1{sep}2\n".encode()


def _jsonl(value_len: int) -> bytes:
    rows = [
        {"FRST_NM": "Zed", "SOC_SEC_NO": SSN, "county_cd": "x" * value_len},
        {"FRST_NM": "Ann", "SOC_SEC_NO": "1", "county_cd": "2"},
    ]
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _multiline(total: int) -> bytes:
    """One quoted field of many short lines: every physical line is short, the row is not."""
    lines = "\n".join(["y" * 99] * (total // 100))
    return f'FRST_NM,SOC_SEC_NO,county_cd\nZed,{SSN},"{lines}"\nAnn,1,2\n'.encode()


INPUTS = {
    "csv quoted": ("a.csv", lambda n: _csv(n)),
    "csv unquoted": ("a.csv", lambda n: _csv(n, quoted=False)),
    "tsv": ("a.tsv", lambda n: _csv(n, "\t", quoted=False)),
    "jsonl": ("a.jsonl", _jsonl),
    "csv.gz": ("a.csv.gz", lambda n: gzip.compress(_csv(n))),
    "csv.bz2": ("a.csv.bz2", lambda n: bz2.compress(_csv(n))),
    "jsonl.gz": ("a.jsonl.gz", lambda n: gzip.compress(_jsonl(n))),
    "csv row over many lines": ("m.csv", _multiline),
}


def _redact(src: Path, out: Path, map_path: Path):
    return CliRunner().invoke(
        cli,
        ["redact", str(src), "-o", str(out), "--map", str(map_path), "-q", *CIVIL],
        catch_exceptions=False,
    )


@pytest.fixture
def map_path(tmp_path: Path) -> Path:
    p = tmp_path / "map.yaml"
    p.write_text(MAP)
    return p


@pytest.mark.parametrize("case", INPUTS)
def test_a_row_over_the_limit_is_bad_input_in_every_text_reader(
    case: str, tmp_path: Path, map_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "1")
    name, make = INPUTS[case]
    src = tmp_path / name
    src.write_bytes(make(MIB + MIB // 2))  # 1.5 MiB: Arrow's 1 MiB block alone lets it through
    outdir = tmp_path / "out"
    outdir.mkdir()
    r = _redact(src, outdir / "o.csv", map_path)
    assert r.exit_code == 4, r.stderr
    assert "longer than 1 MiB" in r.stderr and "REDACTOR_MAX_ROW_MB" in r.stderr
    assert SSN not in r.stderr and list(outdir.iterdir()) == []


@pytest.mark.parametrize("case", INPUTS)
def test_a_row_under_the_limit_is_read_whole(
    case: str, tmp_path: Path, map_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "1")
    name, make = INPUTS[case]
    src = tmp_path / name
    src.write_bytes(make(MIB - 4096))
    out = tmp_path / "o.jsonl"
    r = _redact(src, out, map_path)
    assert r.exit_code == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and len(rows[0]["county_cd"]) > MIB - 8192
    assert SSN not in out.read_text()


JUNK = {
    "text after a closing quote": b'Zed,"219-09-9999"x,1\n',
    "space after a closing quote": b'Zed,"219-09-9999" ,1\n',
    "after doubled quotes": b'Zed,"a""b"x,1\n',
    "empty quoted field then text": b'Zed,""x,1\n',
    "last field": b'Zed,1,"001"2\n',
}


@pytest.mark.parametrize("case", JUNK)
def test_a_quoted_field_followed_by_junk_is_bad_input(
    case: str, tmp_path: Path, map_path: Path
) -> None:
    src = tmp_path / "j.csv"
    src.write_bytes(b"FRST_NM,SOC_SEC_NO,county_cd\nAnn,1,2\n" + JUNK[case] + b"Bo,3,4\n")
    outdir = tmp_path / "out"
    outdir.mkdir()
    r = _redact(src, outdir / "o.csv", map_path)
    assert r.exit_code == 4, r.stderr
    assert "line 3" in r.stderr and "closing quote" in r.stderr
    assert "219-09-9999" not in r.stderr and list(outdir.iterdir()) == []


VALID = [
    b'a,b\n"x ""quoted"" word",1\n',
    b'a,b\n"x,""y""",1\r\n"",""\n',
    b'a,b\n"multi\nline ""q""\nfield","2"\n',
    b'a,b\n"""",3\n',
]


@pytest.mark.parametrize("text", VALID)
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_guard_passes_valid_quoting_whatever_the_read_sizes(text: bytes, chunk: int) -> None:
    g = TextGuard(io.BytesIO(text), max_line=1000, delimiter=b",")
    data = b"".join(iter(lambda: g.read(chunk), b""))
    assert data == text and g.problem is None


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_guard_finds_junk_and_long_lines_across_read_boundaries(chunk: int) -> None:
    g = TextGuard(io.BytesIO(b'a,b\n1,2\n"x"y,3\n'), max_line=1000, delimiter=b",")
    while g.read(chunk):
        pass
    assert g.problem == ("junk", 3)
    g = TextGuard(io.BytesIO(b"ab\n" + b"c" * 11 + b"\nd\n"), max_line=10)
    while g.read(chunk):
        pass
    assert g.problem == ("long", 2)
    g = TextGuard(io.BytesIO(b"ab\n" + b"c" * 10 + b"\nd\n"), max_line=10)
    while g.read(chunk):
        pass
    assert g.problem is None


def _junk_line_by_hand(data: bytes, delimiter: int) -> int | None:
    """The rule of :class:`TextGuard`, one byte at a time: the physical line of the first
    quote that leaves the count of quotes even and is followed by anything but a quote, the
    delimiter, CR or LF (the end of the input is fine)."""
    quotes = 0
    for i, byte in enumerate(data):
        if byte != 0x22:
            continue
        quotes += 1
        if quotes % 2 == 0 and i + 1 < len(data) and data[i + 1] not in (0x22, delimiter, 10, 13):
            return data.count(b"\n", 0, i) + 1
    return None


_CSV_BYTES = st.lists(
    st.sampled_from([b'"', b'"', b",", b"\t", b"\n", b"\r", b"a", b"7", b" ", "é".encode()]),
    max_size=400,
)


@settings(max_examples=400, deadline=None)
@given(
    parts=_CSV_BYTES,
    fields=st.lists(st.text('ab,"\n', max_size=6), max_size=60),
    delimiter=st.sampled_from([b",", b"\t"]),
    reads=st.lists(st.integers(1, 300), min_size=1, max_size=8),
)
def test_guard_matches_the_rule_byte_by_byte(parts, fields, delimiter, reads) -> None:
    """The guard works on bit masks of 64 bytes at a time (a file that quotes every field has
    two quotes per field): whatever the bytes and however they are read — reads that split a
    word, a quote pair, a CRLF — it finds the same first bad quote as the rule applied one
    byte at a time, and passes what the rule passes. Half the inputs are well-quoted rows
    with one random byte put in."""
    quoted = delimiter.join(b'"' + f.replace('"', '""').encode() + b'"' for f in fields)
    data = b"".join(parts) if len(parts) % 2 else quoted + b"\n" + b"".join(parts[:1]) + quoted
    g = TextGuard(io.BytesIO(data), max_line=1 << 20, delimiter=delimiter)
    got, i = b"", 0
    while chunk := g.read(reads[i % len(reads)]):
        got += chunk
        i += 1
    assert got == data
    line = _junk_line_by_hand(data, delimiter[0])
    assert g.problem == (None if line is None else ("junk", line))
