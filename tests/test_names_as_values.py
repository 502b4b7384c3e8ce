"""Issue 15 item 3: names that are values.

Under a restricted decision the name of a withheld column that reads like a value (an SSN, an
A-number, a date, a person's name) never reaches the output, the manifest, the request log or a
message: it is ``column N``. File path parts that read like values are masked in the log and the
manifest, which store the path's SHA-256 instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from redactor.cli import cli
from redactor.requestlog import open_log
from redactor.safe_names import safe_column_names, safe_path

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
VALUE_NAMES = ["078-05-1121", "A123456789", "1964-02-25", "Maria Garcia"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_value_names_of_withheld_columns_are_numbered(tmp_path: Path, log_path: Path):
    folder = tmp_path / "219-09-9999"
    folder.mkdir()
    src = folder / "in.csv"
    header = ["county_cd", *VALUE_NAMES, "FRST_NM"]
    src.write_text(
        ",".join(header) + "\n" + "001,x1,y1,2020-01-01,z1,Ann\n002,x2,y2,2020-01-02,z2,Bo\n"
    )
    m = tmp_path / "m.yaml"
    cols = "".join(f"      '{n}': name\n" for n in VALUE_NAMES)
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      county_cd: none\n"
        + cols
        + "      FRST_NM: {category: name, action: redact}\n"
    )
    out = tmp_path / "out.csv"
    r = run("redact", str(src), "-o", str(out), "--map", str(m), "--table", "t", *CIVIL)
    assert r.exit_code == 0, r.stderr
    manifest = Path(f"{out}.manifest.json").read_text()
    everything = out.read_text() + manifest + log_path.read_bytes().decode("utf-8", "replace")
    everything += r.stderr + r.output
    for n in [*VALUE_NAMES, "219-09-9999"]:
        assert n not in everything, n
    assert "FRST_NM" in out.read_text()  # an ordinary name is shown as it is
    assert "column 2" in manifest and "column 5" in manifest
    # no unkeyed hash of the path (it would give the SSN back to anyone who tries them all)
    assert hashlib.sha256(str(src).encode()).hexdigest() not in manifest
    assert "path masked" in manifest


def test_checks_are_the_value_checks():
    names = [*VALUE_NAMES, "SOC_SEC_NO", "county_cd", "WAIVER_AMT", "issue_dt", "extra col"]
    shown = safe_column_names(names, [True] * len(names))
    assert shown[:4] == ["column 1", "column 2", "column 3", "column 4"]
    assert shown[4:] == names[4:]
    assert safe_path("/srv/exports/dmv_drivers.csv") == "/srv/exports/dmv_drivers.csv"
    masked = safe_path("/srv/A123456789/078-05-1121.csv")
    assert masked is not None and "A123456789" not in masked and "078-05-1121" not in masked


def test_a_masked_path_is_not_stored_with_a_hash_anyone_can_reverse():
    """An unkeyed SHA-256 of /srv/exports/<SSN>.csv is found by trying every SSN (10^9 hashes,
    minutes on a laptop): without a key no hash is stored; with one, an HMAC under it."""
    import hashlib

    from redactor.masking import HashKey

    path = "/srv/exports/078-05-1121.csv"
    bare = safe_path(path)
    assert bare is not None and "078-05-1121" not in bare
    assert hashlib.sha256(path.encode()).hexdigest() not in bare and "sha256:" not in bare
    key = HashKey(secret=b"k" * 8 + bytes(range(40)), fingerprint="abc123abc123")
    keyed = safe_path(path, key)
    assert keyed is not None and "078-05-1121" not in keyed
    assert hashlib.sha256(path.encode()).hexdigest() not in keyed
    assert "hmac-sha256:" in keyed and "key abc123abc123" in keyed
    other = HashKey(secret=b"j" * 8 + bytes(range(40)), fingerprint="def456def456")
    assert safe_path(path, other) != keyed  # the digest depends on the key


def test_a_query_alias_that_is_a_value_is_not_repeated_in_a_message(tmp_path: Path):
    """SQL output names are query text: ``AS "078-05-1121"`` twice is a usage error that says
    which output columns clash without repeating the alias."""
    root = Path(__file__).resolve().parent.parent
    db, fmap = root / "sample_data" / "agency.sqlite", root / "field_maps" / "dmv.yaml"
    for alias in ("078-05-1121", "Maria Garcia"):
        sql = f'SELECT LIC_CLASS_CD AS "{alias}", record_id AS "{alias}" FROM drivers'
        out = tmp_path / "out.csv"
        r = run(
            "export", "--db", f"sqlite:///{db}", "--map", str(fmap), sql, "-o", str(out), *CIVIL
        )
        assert r.exit_code == 2, r.stderr
        assert "Output columns 1 and 2 are both named" in r.stderr
        assert alias not in r.stderr


def test_a_failed_request_logs_its_error_without_the_file_name_that_is_a_value(
    tmp_path: Path, log_path: Path
):
    """Errors name the input file; under a restricted decision the log keeps them with the
    path parts that read like values masked, as it keeps the source path itself."""
    src = tmp_path / "maria_garcia_078-05-1121.csv"
    src.write_bytes(b"county_cd,n\n001,1\n002,2,3\n")  # a ragged row: bad input, exit 4
    r = run("redact", str(src), "-o", str(tmp_path / "out.csv"), *CIVIL)
    assert r.exit_code == 4, r.stderr
    raw = log_path.read_bytes()
    with open_log(log_path, create=False) as lg:
        entries = [json.loads(e.payload) for e in lg.entries()]
    assert entries and entries[-1].get("status") == "failed", entries
    assert "row" in entries[-1]["error"]  # the message is kept, the file name is not
    for v in ("078-05-1121", "maria_garcia", "078051121"):
        assert v.encode() not in raw, v
