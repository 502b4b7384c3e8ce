"""Pipes: `... | redactor redact - …` needs no --format. Standard input is CSV unless its first
bytes say otherwise (Parquet magic, a leading `{` for JSON Lines), and the bytes looked at are
put back: the output and the input's SHA-256 are those of the whole input."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.io.formats import Format, peek_stdin, sniff_stdin
from redactor.io.readers.guards import sniff_format

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
ROWS = [("Zed", "078-05-1121", "001"), ("Quinn", "001-01-0001", "002")]
CANARIES = ("Zed", "Quinn", "078-05-1121", "001-01-0001")


@pytest.fixture
def fmap(tmp_path: Path) -> Path:
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: small\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: ssn\n      COUNTY_CD: none\n"
    )
    return m


def as_csv() -> bytes:
    return (
        "FRST_NM,SOC_SEC_NO,county_cd\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS)
    ).encode()


def as_jsonl(lead: bytes = b"") -> bytes:
    keys = ("FRST_NM", "SOC_SEC_NO", "county_cd")
    return lead + b"".join(
        json.dumps(dict(zip(keys, r, strict=True))).encode() + b"\n" for r in ROWS
    )


def as_parquet() -> bytes:
    t = pa.table(
        {k: [r[i] for r in ROWS] for i, k in enumerate(("FRST_NM", "SOC_SEC_NO", "county_cd"))}
    )
    sink = io.BytesIO()
    pq.write_table(t, sink)
    return sink.getvalue()


def redact_stdin(tmp_path: Path, fmap: Path, data: bytes, *extra: str):
    manifest = tmp_path / "m.json"
    argv = ["redact", "-", "--map", str(fmap), "--table", "t", *CIVIL, "-q"]
    argv += ["--log", str(tmp_path / "log.sqlite3"), "--manifest", str(manifest), *extra]
    result = CliRunner().invoke(cli, argv, input=data, catch_exceptions=False)
    return result, (json.loads(manifest.read_text()) if manifest.exists() else None)


@pytest.mark.parametrize(
    ("kind", "data", "out_format"),
    [
        ("csv", as_csv(), None),
        ("jsonl", as_jsonl(), None),
        ("jsonl", as_jsonl(b"\xef\xbb\xbf \n\n"), None),  # BOM and blank lines before the `{`
        ("parquet", as_parquet(), "csv"),  # Parquet on stdout needs a format: say csv
    ],
)
def test_stdin_is_sniffed_and_no_byte_is_lost(tmp_path, fmap, kind, data, out_format):
    extra = ["--output-format", out_format] if out_format else []
    result, manifest = redact_stdin(tmp_path, fmap, data, *extra)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "001" in out and "002" in out  # county_cd released, both rows
    for v in CANARIES:
        assert v not in out
    assert manifest["input"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["input"]["rows"] == 2
    # without --output-format the output keeps the input's (sniffed) format
    assert manifest["output"]["format"] == (out_format or kind)
    if kind == "jsonl":
        assert out.lstrip().startswith("{")


def test_csv_header_that_starts_par1_is_still_csv(tmp_path, fmap):
    data = b"PAR1,FRST_NM,SOC_SEC_NO,county_cd\nx,Zed,078-05-1121,001\n"
    result, manifest = redact_stdin(tmp_path, fmap, data)
    assert result.exit_code == 0, result.stderr
    assert manifest["output"]["format"] == "csv"
    assert "078-05-1121" not in result.stdout


def test_gzip_on_stdin_is_refused_naming_what_it_is(tmp_path, fmap):
    import gzip

    result, _ = redact_stdin(tmp_path, fmap, gzip.compress(as_csv()))
    assert result.exit_code == 4
    assert "gzip" in result.stderr
    assert result.stdout == ""


def test_scan_reads_stdin_without_format():
    result = CliRunner().invoke(cli, ["scan", "-", "--table", "people"], input=as_jsonl())
    assert result.exit_code == 0, result.stderr
    assert "SOC_SEC_NO" in result.stdout and "ssn" in result.stdout


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00", "parquet"),
        (b"PAR1,a,b\n1,2,3\n", None),
        (b'  \n{"a": 1}\n', "jsonl"),
        (b"a,b\n{x},2\n", None),
        (b"", None),
    ],
)
def test_sniff_format(head, expected):
    assert sniff_format(head) == expected


class _Trickle(io.RawIOBase):
    """A pipe whose writer sends one byte at a time (a slow producer)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if not self.data:
            return 0
        b[0] = self.data[0]
        self.data = self.data[1:]
        return 1


def test_a_trickling_pipe_is_sniffed_whole_and_put_back(monkeypatch):
    data = as_parquet()
    fake = io.TextIOWrapper(io.BufferedReader(_Trickle(data), buffer_size=1))
    monkeypatch.setattr(sys, "stdin", fake)
    assert sniff_stdin() is Format.PARQUET
    assert sys.stdin.buffer.read() == data  # every byte looked at is read again


def test_peek_of_empty_stdin_leaves_it_alone(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(b""))
    monkeypatch.setattr(sys, "stdin", fake)
    assert peek_stdin() == b""
    assert sys.stdin is fake
