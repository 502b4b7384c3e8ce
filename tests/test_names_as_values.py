"""Issue 15 item 3: names that are values.

Under a restricted decision the name of a withheld column that reads like a value (an SSN, an
A-number, a date, a person's name) never reaches the output, the manifest, the request log or a
message: it is ``column N``. File path parts that read like values are masked in the log and the
manifest, which store the path's SHA-256 instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from redactor.cli import cli
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
    assert hashlib.sha256(str(src).encode()).hexdigest() in manifest


def test_checks_are_the_value_checks():
    names = [*VALUE_NAMES, "SOC_SEC_NO", "county_cd", "WAIVER_AMT", "issue_dt", "extra col"]
    shown = safe_column_names(names, [True] * len(names))
    assert shown[:4] == ["column 1", "column 2", "column 3", "column 4"]
    assert shown[4:] == names[4:]
    assert safe_path("/srv/exports/dmv_drivers.csv") == "/srv/exports/dmv_drivers.csv"
    masked = safe_path("/srv/A123456789/078-05-1121.csv")
    assert masked is not None and "A123456789" not in masked and "078-05-1121" not in masked
