"""Names that are values: column and file names are user data.

An export's header can hold a value (a column named ``078-05-1121``, ``A123456789``,
``1964-02-25`` or ``Maria Garcia`` from a pivot or a careless join). Under a restricted
decision the name of a withheld column is shown only if it passes the checks a value would
(redactor.detect: not an SSN, ITIN, A-number, licence number, phone, email or other protected
shape; not a date; not a person's name); otherwise it becomes ``column N`` (1-based) in the
output, the manifest, the request log and every message.

File paths in the log and the manifest get the same check part by part: a part that looks like
a value becomes ``***``, and the path is then stored with the SHA-256 of the real path so the
file can still be matched by someone who has it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import pyarrow as pa

from redactor.categories import Category
from redactor.detect.patterns import DATE_NUMERIC, DATE_WORDS

if TYPE_CHECKING:
    from redactor.masking import HashKey

_DATE = re.compile(rf"(?:{DATE_NUMERIC}|{DATE_WORDS})")
_DIGIT = re.compile(r"\d")
MASK = "***"


def values_among(names: Sequence[str]) -> list[bool]:
    """For each name: does it read like a protected value?"""
    if not names:
        return []
    from redactor.detect import classify_columns
    from redactor.detect.person_names import scrub_names

    # identifier shapes (SSN, ITIN, A-number, licence, phone) hold digits, emails an @: only
    # those names go through the value classifier (a header of 5,000 columns stays quick)
    shaped = [i for i, n in enumerate(names) if len(_DIGIT.findall(n)) >= 7 or "@" in n]
    table = pa.table({f"c{i}": pa.array([names[i]], pa.string()) for i in shaped})
    found = classify_columns(table, presidio=False) if shaped else {}
    scrubbed = scrub_names(pa.array(list(names), pa.string())).to_pylist()
    out = []
    for i, n in enumerate(names):
        s = found.get(f"c{i}")
        shaped_value = s is not None and s.flagged and s.category is not Category.NONE
        if shaped_value or _DATE.search(n):  # an identifier or a date, whatever surrounds it
            out.append(True)
        else:  # a person's name, unless the header reads as a field ('Phone Number', 'FRST_NM')
            out.append(scrubbed[i] != n and not _reads_as_field(n))
    return out


def _reads_as_field(name: str) -> bool:
    """The header detection's name rules recognise (evidence from the name itself)."""
    from redactor.detect.classify import classify_column

    s = classify_column(name, pa.array([], pa.string()), presidio=False)
    return any(e.startswith("name:") for e in s.evidence)


@lru_cache(maxsize=4096)
def is_value(name: str) -> bool:
    return values_among([name])[0]


def safe_column_names(names: Sequence[str], withheld: Sequence[bool]) -> list[str]:
    """Names to show: a withheld column whose name reads like a value is ``column N``."""
    check = [n for n, w in zip(names, withheld, strict=True) if w]
    flags = iter(values_among(check))
    out = []
    for i, (n, w) in enumerate(zip(names, withheld, strict=True)):
        out.append(f"column {i + 1}" if w and next(flags) else n)
    return out


def masked_path(path: str) -> str:
    """``path`` with each part that reads like a value (a file or folder named for a person, an
    SSN, an A-number…) replaced by ``***``."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if not part or part in (".", ".."):
            continue
        stem = part.split(".", 1)[0] if not part.startswith(".") else part
        if is_value(part) or (stem and stem != part and is_value(stem)):
            parts[i] = MASK
    return "/".join(parts)


def without_paths(message: str, paths: Sequence[str | None]) -> str:
    """``message`` with every one of ``paths`` (and its file name) that holds a part reading
    like a value replaced by its masked form: error messages name the input file."""
    for path in sorted({p for p in paths if p and p != "-" and "://" not in p}, key=len):
        shown = masked_path(path)
        if shown == path:
            continue
        message = message.replace(path, shown)
        base, shown_base = path.rsplit("/", 1)[-1], shown.rsplit("/", 1)[-1]
        if base != shown_base:
            message = message.replace(base, shown_base)
    return message


def safe_path(path: str | None, key: HashKey | None = None) -> str | None:
    """``path`` with each part that reads like a value masked. When a part was masked and a
    hashing key is configured, an HMAC-SHA-256 of the whole path under that key follows (with
    the key's fingerprint), so whoever holds the key can confirm which file it was; an unkeyed
    hash is not stored, since a path with one SSN in it is found from its SHA-256 by trying
    every SSN. Ordinary paths are stored as they are."""
    if not path or path == "-" or "://" in path:
        return path
    shown = masked_path(path)
    if shown == path:
        return path
    if key is None:
        return f"{shown} [path masked; no hashing key, so no path hash]"
    digest = hmac.new(
        key.secret, path.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).hexdigest()
    return f"{shown} [path hmac-sha256:{digest} key {key.fingerprint}]"


__all__ = [
    "is_value",
    "masked_path",
    "safe_column_names",
    "safe_path",
    "values_among",
    "without_paths",
]
