"""Masking actions on every kind of column: the original value never survives."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from redactor.categories import Action, Category
from redactor.errors import KeyFileError
from redactor.masking import (
    REDACTED,
    HashKey,
    apply_action,
    generalize_address,
    generalize_year,
    hmac_hex,
    mask,
)

SSN_TEXT = pa.array(["219-09-9999", "078-05-1121", None, "1"])
SSN_INT = pa.array([219099999, 12345678, None], pa.int64())  # leading zero lost in storage
SSN_FLOAT = pa.array([219099999.0, None], pa.float64())


def test_mask_keeps_at_most_last_n_and_hides_short_values():
    assert mask(SSN_TEXT).to_pylist() == ["*******9999", "*******1121", None, "*"]
    assert mask(SSN_INT).to_pylist() == ["*****9999", "****5678", None]
    assert mask(SSN_FLOAT).to_pylist() == ["*****9999", None]
    assert mask(pa.array(["abcd"]), 4).to_pylist() == ["****"]
    assert mask(pa.array(["ab-cd"]).dictionary_encode(), 0).to_pylist() == ["*****"]


def test_null_keeps_type_and_redact_hides_presence():
    out = apply_action(SSN_INT, Action.NULL)
    assert out.type == pa.int64() and out.null_count == len(SSN_INT)
    assert apply_action(SSN_TEXT, Action.REDACT).to_pylist() == [REDACTED] * 4


def test_hash_is_keyed_deterministic_and_refused_without_key(key_file):
    key = HashKey.from_env()
    a = hmac_hex(SSN_TEXT, key).to_pylist()
    assert a[0] == hmac_hex(pa.array(["219-09-9999"]), key).to_pylist()[0]
    assert a[2] is None and len(a[0]) == 64 and "9999" not in a[0]
    other = HashKey(secret=b"x" * 40, fingerprint="other")
    assert hmac_hex(SSN_TEXT, other).to_pylist()[0] != a[0]
    assert "secret" not in repr(key) and key_file.read_bytes().decode() not in repr(key)
    with pytest.raises(KeyFileError):
        hmac_hex(SSN_TEXT, None)


def test_short_key_is_refused(tmp_path):
    p = tmp_path / "k"
    p.write_bytes(b"short")
    with pytest.raises(KeyFileError, match="shorter than 32 bytes"):
        HashKey.from_file(p)


def test_generalize_birth_dates_of_every_type_to_year():
    texts = pa.array(
        ["1985-03-14", "03/14/1985", "19850314", "14.03.1985", "Mar 3, 1985", "3/14/85", "", None]
    )
    assert generalize_year(texts).to_pylist() == [1985] * 5 + [None, None, None]
    assert generalize_year(pa.array([dt.date(1990, 1, 2)])).to_pylist() == [1990]
    ts = pa.array([dt.datetime(1990, 1, 2, 3, 4)], pa.timestamp("us", tz="UTC"))
    assert generalize_year(ts).to_pylist() == [1990]
    # an epoch integer could be anything: withheld, never passed through
    assert generalize_year(pa.array([631238400], pa.int64())).to_pylist() == [None]


def test_generalize_address():
    full = pa.array(["1200 Synthetic Ave, Denver, CO 80202-1234", "80202", "8021", "Apt 5"])
    assert generalize_address(full, "zip3").to_pylist() == ["802", "802", "080", None]
    assert generalize_address(full, "city").to_pylist() == ["Denver", None, None, None]
    assert generalize_address(full, "state").to_pylist() == ["CO", None, None, None]


def test_nested_values_are_nulled_not_passed():
    nested = pa.array([{"ssn": "219-09-9999", "n": 1}, None])
    for action in (Action.MASK, Action.GENERALIZE, Action.SCRUB):
        out = apply_action(nested, action, category=Category.ADDRESS)
        assert "219-09-9999" not in str(out.to_pylist())
