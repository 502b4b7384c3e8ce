"""Issue 15 item 8: a hashing key must have real entropy, and only its fingerprint is recorded.

A keyed hash of an SSN is reversed by enumerating the 10^9 SSNs under a guessed key, so a key
that is one repeated byte, a short alphabet, a repeated pattern or a placeholder is refused
(exit 3, the key never echoed). The estimate is documented in redactor/keys.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from redactor.cli import cli
from redactor.errors import KeyFileError
from redactor.keys import MIN_BITS, check_entropy, estimated_bits
from redactor.masking import HashKey
from redactor.requestlog import open_log

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]

WEAK = {
    "one repeated byte": b"k" * 48,
    "short alphabet": b"ab" * 20 + b"cd" * 10,
    "repeated pattern": b"Zq9!xW2#" * 6,
    "placeholder words": b"synthetic-test-key-" + b"k" * 40,
    "alphabet run": b"0123456789abcdef" * 4,
    "changeme": b"changeme-changeme-changeme-changeme-changeme",
}


@pytest.fixture
def hashed(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "in.csv"
    src.write_text("FRST_NM,SOC_SEC_NO,county_cd\nZed,078-05-1121,001\nQuinn,219-09-9999,002\n")
    m = tmp_path / "map.yaml"
    m.write_text(
        "name: k\ntables:\n  t:\n    columns:\n      FRST_NM: name\n"
        "      SOC_SEC_NO: {category: ssn, action: hash}\n      county_cd: none\n"
    )
    return src, m


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("kind", sorted(WEAK))
def test_weak_key_is_refused_without_echoing_it(
    kind: str, tmp_path: Path, hashed, monkeypatch: pytest.MonkeyPatch, log_path: Path
):
    secret = WEAK[kind]
    assert len(secret) >= 32  # the length check alone lets every one of these through
    key = tmp_path / "k.key"
    key.write_bytes(secret)
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(key))
    out = tmp_path / "out.csv"
    src, m = hashed
    r = run("redact", str(src), "-o", str(out), "--map", str(m), *CIVIL)
    assert r.exit_code == 3, r.stderr
    assert "REDACTOR_KEY_FILE" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not Path(f"{out}.manifest.json").exists()
    text = r.stderr.encode() + (log_path.read_bytes() if log_path.exists() else b"")
    for form in (secret, secret[:12], secret.hex().encode(), base64.b64encode(secret)):
        assert form not in text
    # refused like a missing key: one request entry, logged refused (it was not logged at all)
    with open_log(log_path, create=False) as lg:
        entries = [json.loads(e.payload) for e in lg.entries()]
    assert [e.get("decision") for e in entries] == ["refused"], entries


@pytest.mark.parametrize(
    "make",
    [
        lambda: os.urandom(32).hex().encode(),
        lambda: os.urandom(16).hex().encode(),
        lambda: base64.b64encode(os.urandom(48)),
        lambda: os.urandom(40),
    ],
    ids=["hex32", "hex16", "base64", "raw"],
)
def test_random_keys_are_accepted(make, tmp_path: Path):
    for _ in range(50):
        secret = make().strip()
        if len(secret) < 32:
            continue
        assert estimated_bits(secret) >= MIN_BITS
        check_entropy(secret)
    p = tmp_path / "k"
    p.write_bytes(make())
    assert HashKey.from_file(p).fingerprint


def test_estimate_discounts_what_makes_a_key_guessable():
    rnd = os.urandom(24).hex().encode()
    assert estimated_bits(rnd) > 150
    assert estimated_bits(b"x" * 64) == 0
    assert estimated_bits(b"password" + rnd) == pytest.approx(estimated_bits(rnd), rel=0.1)
    assert estimated_bits(rnd[:8] * 8) < MIN_BITS  # 64 characters, 8 of them chosen
    with pytest.raises(KeyFileError):
        check_entropy(b"secretsecretsecretsecretsecretsecret")


def test_manifest_records_only_the_fingerprint(
    tmp_path: Path, hashed, monkeypatch: pytest.MonkeyPatch, log_path: Path
):
    secret = base64.b64encode(os.urandom(48))
    key = tmp_path / "k.key"
    key.write_bytes(secret + b"\n")
    monkeypatch.setenv("REDACTOR_KEY_FILE", str(key))
    out = tmp_path / "out.csv"
    src, m = hashed
    r = run("redact", str(src), "-o", str(out), "--map", str(m), *CIVIL)
    assert r.exit_code == 0, r.stderr
    raw = Path(f"{out}.manifest.json").read_bytes()
    doc = json.loads(raw)
    assert doc["hash_key_fingerprint"] == hashlib.sha256(secret).hexdigest()[:12]
    haystack = raw + out.read_bytes() + log_path.read_bytes()
    for form in (secret, secret[:16], base64.b64decode(secret)[:12].hex().encode()):
        assert form not in haystack
