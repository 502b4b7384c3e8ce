"""Is a hashing key a secret? A keyed hash of an SSN is only as strong as its key.

A key that is one repeated byte, uses a short alphabet, repeats a short pattern or is a known
placeholder (``changeme``, ``test-key``, ``0123456789abcdef``…) is refused. The estimate is
simple and documented (docs/security.md):

1. the key is lower-cased and every known placeholder word and keyboard or alphabet run in
   :data:`KNOWN_WEAK` is removed from it (what is left is what an attacker cannot guess), and
   a key that repeats a shorter unit (``Zq9!xW2#Zq9!xW2#…``) is reduced to that unit;
2. its entropy is estimated as the smaller of
   - the Shannon entropy of its byte frequencies times its length (what a memoryless source
     with those frequencies would give; a long run of one byte scores low), and
   - 8 bits per byte of its raw-DEFLATE compression (a repeated pattern compresses away);
3. the key is refused when that estimate is below :data:`MIN_BITS`, or it has fewer than
   :data:`MIN_ALPHABET` distinct bytes.

A random 32-byte key in hex (64 characters) scores about 250 bits, in base64 about 330; the
weakest accepted form, 16 random bytes in hex, about 115 (never below 95 in 2000 draws). No
message ever shows the key or a part of it.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter

from redactor.errors import KeyFileError

MIN_BITS = 90
MIN_ALPHABET = 8
KNOWN_WEAK = (
    "synthetic",
    "example",
    "changeme",
    "change-me",
    "change_me",
    "password",
    "passwd",
    "secret",
    "default",
    "dummy",
    "sample",
    "testing",
    "test",
    "redactor",
    "hmac",
    "key",
    "deadbeef",
    "cafebabe",
    "0123456789",
    "1234567890",
    "9876543210",
    "abcdefghijklmnopqrstuvwxyz",
    "abcdef",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
)
_FIX = "generate one with: head -c 48 /dev/urandom | base64 > key; chmod 600 key"


def shannon_bits(data: bytes) -> float:
    if not data:
        return 0.0
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in Counter(data).values()) * n


def deflate_bits(data: bytes) -> int:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return 8 * len(c.compress(data) + c.flush())


def strip_known(secret: bytes) -> bytes:
    rest = secret.lower()
    for word in sorted(KNOWN_WEAK, key=len, reverse=True):
        rest = rest.replace(word.encode(), b"")
    return rest


def period_unit(data: bytes) -> bytes:
    """The shortest unit whose repetition makes up ``data`` (``data`` itself if none)."""
    for p in range(1, len(data) // 2 + 1):
        if data[p:] == data[:-p]:
            return data[:p]
    return data


def estimated_bits(secret: bytes) -> float:
    """The documented entropy estimate of a key (see the module docstring)."""
    rest = period_unit(strip_known(secret))
    if not rest:
        return 0.0
    return min(shannon_bits(rest), float(deflate_bits(rest)))


def check_entropy(secret: bytes) -> None:
    """Raise KeyFileError (exit 3: hashing cannot be done safely) for a guessable key."""
    where = "The hashing key in REDACTOR_KEY_FILE"
    distinct = len(set(secret))
    if distinct <= 1:
        raise KeyFileError(f"{where} is one repeated byte", hint=_FIX)
    if distinct < MIN_ALPHABET:
        raise KeyFileError(
            f"{where} uses only {distinct} distinct characters (at least {MIN_ALPHABET} needed)",
            hint=_FIX,
        )
    bits = estimated_bits(secret)
    if bits < MIN_BITS:
        raise KeyFileError(
            f"{where} is guessable: about {int(bits)} bits of entropy once placeholder words "
            f"and repeats are discounted ({MIN_BITS} needed)",
            hint=_FIX,
        )


__all__ = ["MIN_BITS", "check_entropy", "estimated_bits"]
