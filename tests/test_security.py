"""Security properties from docs/security.md that are not covered elsewhere.

- Secrets (the HMAC key, database passwords) never reach outputs, manifests, the request log,
  error messages or ``--help``.
- Input is never deserialised unsafely: YAML tags that construct Python objects are rejected,
  and the source has no pickle/eval/exec/shell calls (checked on the AST, so a new call fails).
- Files redactor creates (output, manifest, request log) are owner-only.
"""

from __future__ import annotations

import ast
import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "redactor"
CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def all_bytes_under(*paths: Path) -> bytes:
    out = b""
    for p in paths:
        files = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file())
        for f in files:
            out += f.read_bytes()
    return out


# --- secrets ---------------------------------------------------------------------------------
@pytest.fixture
def hashed_map(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,SOC_SEC_NO,county_cd\nZed,078-05-1121,001\nQuinn,219-09-9999,002\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: {category: ssn, action: hash}\n      county_cd: none\n"
    )
    return src, m


def secret_forms(secret: bytes) -> list[bytes]:
    """The forms a leaked secret would take: raw, hex, base64, and its printable text."""
    forms = [secret, secret.hex().encode(), base64.b64encode(secret)]
    text = secret.decode("latin-1")
    forms += [text.encode("utf-8"), repr(text).encode()]
    return forms


def test_hmac_key_never_reaches_output_manifest_log_or_messages(
    tmp_path: Path, hashed_map, log_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, m = hashed_map
    secret = b"KEYCANARY-" + os.urandom(24).hex().encode() + b"-END"
    key = tmp_path / "hmac.key"
    key.write_bytes(secret)
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(key))
    out = tmp_path / "out" / "x.csv"
    out.parent.mkdir()
    r = invoke("redact", str(src), "-o", str(out), "--map", str(m), *CIVIL)
    assert r.exit_code == 0, r.stderr
    body = out.read_text()
    assert "078-05-1121" not in body and "219-09-9999" not in body
    # the hashed column is there (a keyed digest), so the key was used, not bypassed
    assert "SOC_SEC_NO" in body.splitlines()[0]
    haystack = all_bytes_under(out.parent, log_path.parent) + r.stderr.encode() + r.output.encode()
    for form in secret_forms(secret):
        assert form not in haystack
    for sub in ("redact", "export", "sql", "log", "report", "scan"):
        h = invoke(sub, "--help")
        for form in secret_forms(secret):
            assert form not in h.output.encode()


def test_short_key_is_refused_without_echoing_it(
    tmp_path: Path, hashed_map, monkeypatch: pytest.MonkeyPatch
):
    src, m = hashed_map
    secret = b"SHORTKEY-canary"
    key = tmp_path / "hmac.key"
    key.write_bytes(secret)
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(key))
    out = tmp_path / "x.csv"
    r = invoke("redact", str(src), "-o", str(out), "--map", str(m), *CIVIL)
    assert r.exit_code == 3, r.stderr  # KeyFileError is a refusal: hash cannot be done safely
    assert "Traceback" not in r.stderr
    assert secret.decode() not in r.stderr + r.output
    assert not out.exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://alice:PWCANARY-9f3a@127.0.0.1:1/agency",
        "postgresql://alice:PWCANARY-9f3a@localhost:1/agency?sslmode=disable",
        "postgres://alice:PWCANARY-9f3a@[::1]:1/agency",
    ],
)
def test_database_password_never_echoed_or_logged(tmp_path: Path, url: str, log_path: Path):
    m = ROOT / "field_maps" / "dmv.yaml"
    out = tmp_path / "x.csv"
    r = invoke(
        "export",
        "--db",
        url,
        "SELECT county_cd FROM drivers",
        "--map",
        str(m),
        "-o",
        str(out),
        *CIVIL,
    )
    assert r.exit_code == 4, r.stderr
    assert "Traceback" not in r.stderr
    assert "PWCANARY" not in r.stderr + r.output
    assert not out.exists()
    if log_path.exists():
        assert b"PWCANARY" not in all_bytes_under(log_path.parent)
    listing = invoke("log", "list", "--log", str(log_path))
    assert "PWCANARY" not in listing.output


# --- safe deserialisation --------------------------------------------------------------------
PYTHON_TAG = '!!python/object/apply:os.system ["touch {canary}"]'


@pytest.mark.parametrize("kind", ["map", "policy"])
def test_yaml_python_tags_are_rejected_not_executed(tmp_path: Path, kind: str):
    canary = tmp_path / "EXECUTED"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f"name: {PYTHON_TAG.format(canary=canary)}\ntables: {{}}\n")
    r = invoke("map" if kind == "map" else "policy", "check", str(evil))
    assert r.exit_code == 4, r.output + r.stderr
    assert "Traceback" not in r.stderr
    assert not canary.exists()


UNSAFE_CALLS = {
    ("yaml", "load"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("yaml", "load_all"),
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("marshal", "load"),
    ("shelve", "open"),
    ("os", "system"),
    ("os", "popen"),
}
UNSAFE_NAMES = {"eval", "exec", "compile", "__import__"}
UNSAFE_IMPORTS = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}


def unsafe_uses(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found += [f"import {m}" for m in mods if m and m.split(".")[0] in UNSAFE_IMPORTS]
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in UNSAFE_NAMES:
            found.append(f"{f.id}()")
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and (f.value.id, f.attr) in UNSAFE_CALLS
        ):
            found.append(f"{f.value.id}.{f.attr}()")
        for kw in node.keywords:
            if kw.arg == "shell" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                found.append("shell=True")
    return [f"{filename}:{u}" for u in found]


def test_unsafe_use_detector_catches_what_it_claims():
    bad = "import pickle\nimport yaml\nyaml.load(x)\neval('1')\nsubprocess.run(c, shell=True)\n"
    assert len(unsafe_uses(bad, "bad.py")) == 4


def test_source_has_no_unsafe_deserialisation_or_shell():
    problems: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += unsafe_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert problems == []


# --- file permissions -------------------------------------------------------------------------
def test_created_files_are_owner_only(tmp_path: Path, log_path: Path):
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,county_cd\nZed,001\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n      county_cd: none\n"
    )
    out = tmp_path / "out.csv"
    manifest = tmp_path / "out.manifest.json"
    old = os.umask(0o022)  # a typical permissive umask must not widen what we create
    try:
        r = invoke(
            "redact", str(src), "-o", str(out), "--map", str(m), "--manifest", str(manifest), *CIVIL
        )
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.stderr
    for p in (out, manifest, log_path):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p.name} is {oct(mode)}"


def test_no_network_module_imported_by_a_redaction(tmp_path: Path):
    """A redaction run imports no HTTP client, so nothing can be fetched at run time."""
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,county_cd,notes\nZed,001,call 303-555-0100 re SSN 078-05-1121\n")
    code = (
        "import sys\n"
        "from redactor.cli import main\n"
        "sys.argv = ['redactor', 'redact', sys.argv[1], '-o', sys.argv[2], "
        "'--purpose', 'civil_immigration_enforcement', '--agency', 'ICE', '-q']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'requests', 'urllib3', 'httpx', 'aiohttp', 'tldextract'})\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(src), str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]


@pytest.mark.parametrize(
    ("mode", "code"), [("0640", 0), ("644", 0), ("0755", 2), ("0400", 2), ("rw-r-----", 2)]
)
def test_output_mode_widens_only_when_asked(tmp_path: Path, mode: str, code: int):
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,county_cd\nZed,001\n")
    out = tmp_path / "out.csv"
    r = invoke("redact", str(src), "-o", str(out), "--output-mode", mode, "-q", *CIVIL)
    assert r.exit_code == code, r.stderr
    if code == 0:
        assert stat.S_IMODE(out.stat().st_mode) == int(mode, 8)
        manifest = tmp_path / "out.csv.manifest.json"
        assert stat.S_IMODE(manifest.stat().st_mode) == int(mode, 8)
    else:
        assert not out.exists()
