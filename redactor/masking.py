"""Masking actions, vectorised over Arrow arrays.

Each function takes an array of any type and returns an array in which the original values
cannot be recovered. Values are first brought to text where an action is defined on text (an
SSN stored as an integer is masked as its digits), so the type of the input never lets a value
slip through.

- ``null``: every value becomes null; the type is kept (schema-stable output).
- ``redact``: every value, nulls included, becomes the constant ``[REDACTED]`` (so presence or
  absence of a value is not revealed either).
- ``mask``: keep at most the last N characters, the rest become ``*``; nulls stay null.
- ``hash``: HMAC-SHA-256 (hex) under the agency key; nulls stay null. Unkeyed hashing is
  refused: an SSN has ~10^9 values and an unkeyed hash of one is reversed by enumeration.
- ``generalize``: birth dates to the year; addresses to city, ZIP3 or state (ZIP5 is refused
  for a protected address by :mod:`redactor.actions_rules`). What cannot be generalized
  reliably becomes null (never the original).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from redactor.categories import Action, Category
from redactor.errors import KeyFileError

REDACTED = "[REDACTED]"

ArrayLike = pa.Array | pa.ChunkedArray


@dataclass(frozen=True, slots=True, repr=False)
class HashKey:
    """The secret for keyed hashing. Never printed, logged or written."""

    secret: bytes
    fingerprint: str  # first 12 hex chars of SHA-256(secret): safe to record, identifies the key

    def __repr__(self) -> str:
        return f"HashKey(fingerprint={self.fingerprint})"

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> HashKey:
        p = Path(path)
        try:
            secret = p.read_bytes().strip()
        except OSError as e:
            raise KeyFileError(
                f"Cannot read the hashing key file named by REDACTOR_KEY_FILE: {e.strerror}",
                hint="point REDACTOR_KEY_FILE at a readable file holding at least 32 random bytes",
            ) from None
        if len(secret) < 32:
            raise KeyFileError(
                "The hashing key in REDACTOR_KEY_FILE is shorter than 32 bytes",
                hint="generate one with: head -c 48 /dev/urandom | base64 > key; chmod 600 key",
            )
        from redactor.keys import check_entropy

        check_entropy(secret)  # one repeated byte, a short alphabet, a placeholder: refused
        return cls(secret=secret, fingerprint=hashlib.sha256(secret).hexdigest()[:12])

    @classmethod
    def from_env(cls) -> HashKey | None:
        from redactor.settings import current

        path = current().key_file
        return cls.from_file(path) if path else None


def _combine(arr: ArrayLike) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _decode_dictionary(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary_decode()
    return arr


def as_text(arr: ArrayLike) -> pa.Array:
    """The values as strings, whatever their type (integers, floats, dates, binary)."""
    a = _decode_dictionary(_combine(arr))
    t = a.type
    if isinstance(t, pa.BaseExtensionType):  # a UUID, JSON or user type: its stored form
        return as_text(a.storage)
    if pa.types.is_float16(t):  # no kernel takes half floats: float32 holds each exactly
        return as_text(a.cast(pa.float32()))
    if pa.types.is_fixed_size_binary(t):
        return as_text(a.cast(pa.binary()))
    if pa.types.is_string(t):
        return a
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return a.cast(pa.string())
    if pa.types.is_floating(t):
        # 123456789.0 -> "123456789": a float-stored SSN must mask like its digits.
        whole = pc.equal(pc.floor(a), a)
        as_int = pc.cast(pc.if_else(whole, a, None), pa.int64(), safe=False)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(a, pa.string()))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        b = a.cast(pa.binary())
        try:
            return b.cast(pa.string())  # checks the bytes are UTF-8
        except pa.ArrowInvalid:  # raw bytes (a UUID, a digest): as hex, never invalid text
            return pa.array([None if v is None else v.hex() for v in b.to_pylist()], pa.string())
    if pa.types.is_nested(t):
        raise TypeError("nested values have no text form")
    try:
        return pc.cast(a, pa.string())
    except pa.ArrowNotImplementedError:  # interval and other types with no cast to text
        return pa.array([None if v is None else str(v) for v in a.to_pylist()], pa.string())


def null_like(arr: ArrayLike) -> pa.Array:
    a = _combine(arr)
    return pa.nulls(len(a), type=a.type)


def redact(arr: ArrayLike) -> pa.Array:
    return pa.repeat(pa.scalar(REDACTED, pa.string()), len(arr))


def mask(arr: ArrayLike, keep_last: int = 4, fill: str = "*") -> pa.Array:
    """Keep at most the last ``keep_last`` characters; values no longer than that are fully
    masked (a 4-character value with keep_last=4 would otherwise be released whole)."""
    a = _combine(arr)
    if pa.types.is_nested(a.type):
        return null_like(a)
    text = as_text(a)
    n = pc.utf8_length(text)
    long_enough = pc.greater(n, keep_last)
    hidden = pc.if_else(long_enough, pc.subtract(n, keep_last), n)
    tail = (
        pc.utf8_slice_codeunits(text, -keep_last)
        if keep_last > 0
        else pc.utf8_slice_codeunits(text, 0, 0)
    )
    tail = pc.if_else(long_enough, tail, "")
    stars = pc.binary_repeat(pa.scalar(fill), hidden)
    return pc.binary_join_element_wise(stars, tail, "").cast(pa.string())


def hmac_hex(arr: ArrayLike, key: HashKey | None) -> pa.Array:
    if key is None:
        raise KeyFileError(
            "The hash action needs a secret key and none is configured",
            hint="set REDACTOR_KEY_FILE to a file holding the agency's key (an unkeyed hash of an "
            "SSN is reversible by enumeration); or use drop, null or redact instead",
        )
    a = _combine(arr)
    if pa.types.is_nested(a.type):
        return null_like(a)
    text = as_text(a)
    # Hash each distinct value once (the per-value work is forced: Arrow has no HMAC kernel).
    enc = pc.dictionary_encode(text)
    digests = [
        None if v is None else hmac.new(key.secret, v.encode("utf-8"), hashlib.sha256).hexdigest()
        for v in enc.dictionary.to_pylist()
    ]
    return pc.take(pa.array(digests, type=pa.string()), enc.indices)


_YEAR = r"((?:1[89]|20)\d\d)"


def generalize_year(arr: ArrayLike) -> pa.Array:
    """Birth date (date, timestamp or text in any common format) to its year (int16).
    Text without a recognisable 4-digit year, and bare integers, become null."""
    a = _decode_dictionary(_combine(arr))
    t = a.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return pc.cast(pc.year(a), pa.int16())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = a.cast(pa.string())
        # YYYY first (ISO, YYYYMMDD), else a year at the end (MM/DD/YYYY, DD.MM.YYYY).
        lead = pc.extract_regex(text, r"^\s*(?P<y>(?:1[89]|20)\d\d)(?:[-/.]|\d{4}\b|\s|T|$)")
        tail = pc.extract_regex(text, r"(?:^|[-/. ,])(?P<y>(?:1[89]|20)\d\d)\s*$")
        ly = pc.struct_field(lead, [0])
        ty = pc.struct_field(tail, [0])
        year = pc.coalesce(ly, ty)
        return pc.cast(year, pa.int16())
    # Integers could be epoch seconds, days, YYYYMMDD or anything: we cannot tell, so withhold.
    return pa.nulls(len(a), pa.int16())


_ZIP = r"(?P<zip>\d{5})(?:-\d{4})?\s*$"


def generalize_address(arr: ArrayLike, to: str) -> pa.Array:
    """An address (a full line, a ZIP code or a city) to ``to``: zip3, zip5, city or state.
    Anything that does not parse becomes null."""
    a = _combine(arr)
    if pa.types.is_nested(a.type):
        return null_like(a)
    text = pc.utf8_trim_whitespace(as_text(a))
    if to in ("zip3", "zip5"):
        # a bare ZIP (possibly an integer that lost its leading zero) or one ending a line
        padded = pc.if_else(
            pc.match_substring_regex(text, r"^\d{3,4}$"), pc.utf8_lpad(text, 5, "0"), text
        )
        z = pc.struct_field(pc.extract_regex(padded, r"(?:^|\D)" + _ZIP), [0])
        return pc.utf8_slice_codeunits(z, 0, 3) if to == "zip3" else z
    if to == "state":
        s = pc.extract_regex(text, r"(?:^|,\s*)(?P<st>[A-Za-z]{2})(?:\s+\d{5}(?:-\d{4})?)?\s*$")
        return pc.utf8_upper(pc.struct_field(s, [0]))
    if to == "city":
        c = pc.extract_regex(text, r",\s*(?P<city>[A-Za-z][A-Za-z .'-]*?)\s*,\s*[A-Za-z]{2}\b")
        return pc.struct_field(c, [0])
    raise ValueError(f"unknown address generalization {to!r}")


def apply_action(
    arr: ArrayLike,
    action: Action,
    *,
    category: Category | None = None,
    keep_last: int = 4,
    generalize_to: str | None = None,
    key: HashKey | None = None,
    scrubber=None,
) -> pa.Array:
    """Apply one withholding action to a whole column batch. ``drop`` is the caller's business.

    A nested value (struct, list, map) has no text form: every action but ``redact`` withholds
    it as a null string, so any output format can hold the column."""
    if action is Action.RELEASE:
        return _combine(arr)
    if pa.types.is_nested(arr.type) and action is not Action.REDACT:
        return pa.nulls(len(arr), pa.string())
    if action is Action.NULL or action is Action.DROP:
        return null_like(arr)
    if action is Action.REDACT:
        return redact(arr)
    if action is Action.MASK:
        return mask(arr, keep_last)
    if action is Action.HASH:
        return hmac_hex(arr, key)
    if action is Action.GENERALIZE:
        if category is Category.BIRTH_DATE or generalize_to == "year":
            return generalize_year(arr)
        if category is Category.ADDRESS:
            return generalize_address(arr, generalize_to or "zip3")
        return null_like(arr)
    if action is Action.SCRUB:
        a = _combine(arr)
        if scrubber is None or not (
            pa.types.is_string(a.type)
            or pa.types.is_large_string(a.type)
            or pa.types.is_dictionary(a.type)
        ):
            return null_like(a)
        return scrubber(a)
    raise ValueError(f"action {action} cannot be applied to a column")
