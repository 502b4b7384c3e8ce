"""Column names as a person reads them.

A name that differs from a mapped one only by what a reader cannot see or tell apart (a
zero-width space, a soft hyphen, a bidirectional mark, a Cyrillic ``С`` for a Latin ``C``, a
full-width letter) must match the map entry, not become an unmapped column. :func:`name_key` is
the key names are compared by, for the field map and for detection:

1. invisible characters are removed: every format character (Unicode category Cf: zero-width
   spaces and joiners, soft hyphen, bidirectional marks and isolates, word joiner, BOM, tag
   characters), variation selectors, the combining grapheme joiner and the Hangul fillers;
2. Unicode NFKC (full-width and mathematical letters, ligatures, non-breaking spaces);
3. confusables folded, then case folding, then confusables folded again;
4. the folding uses the Unicode confusables data (UTS #39, ``confusables.txt``, as
   shipped by the ``confusable-homoglyphs`` package): each non-ASCII character that the data
   says looks like a single ASCII character becomes that character (a letter where the data
   offers one), so ``SSN`` written with Cyrillic ``Ѕ`` matches ``ssn``. ASCII characters are
   left as they are (``l`` and ``1`` stay apart), so plain ASCII names keep the keys they had;
5. surrounding whitespace is removed and inner runs of whitespace count as one space.

:func:`name_problem` is what is still wrong with a name after that: a control character (tab,
newline, carriage return, escape, C1 controls), a line or paragraph separator, a private-use,
surrogate or unassigned code point. Such a header is bad input, shown escaped.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

_EXTRA_INVISIBLE = (
    frozenset(
        (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0)
    )
    | frozenset(range(0xFE00, 0xFE10))
    | frozenset(range(0xE0100, 0xE01F0))
)
_BAD_CATEGORIES = {"Cc": "a control character", "Zl": "a line separator",
                   "Zp": "a paragraph separator", "Co": "a private-use character",
                   "Cs": "a surrogate", "Cn": "an unassigned code point"}  # fmt: skip
_SPACES = re.compile(r"\s+")


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ord(ch) in _EXTRA_INVISIBLE


def strip_invisible(name: str) -> str:
    """``name`` without the characters a reader cannot see (see the module docstring)."""
    if name.isascii():
        return name
    return "".join(ch for ch in name if not _invisible(ch))


@functools.cache
def _fold_table() -> dict[int, str]:
    """Code point -> the ASCII character it is confusable with (ASCII look-alikes merged)."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[int, str] = {}
    for src, homoglyphs in data.items():
        for h in homoglyphs:
            for a, b in ((src, h["c"]), (h["c"], src)):
                if len(a) != 1 or a.isascii():
                    continue
                if not (len(b) == 1 and b.isascii() and b.isprintable() and not b.isspace()):
                    continue
                # the data's prototype for I is l: a capital letter that looks like it reads as I
                target = "I" if b == "l" and a.isupper() else b
                # a letter folds to a letter where the data offers one (Cyrillic о -> o, not 0)
                prev = table.get(ord(a))
                if prev is None or (not prev.isalpha() and target.isalpha()):
                    table[ord(a)] = target
    return {k: v for k, v in table.items() if chr(k) != v}


def fold_confusables(name: str) -> str:
    """Each character replaced by the ASCII character it is confusable with, if any."""
    if name.isascii():  # the table folds only non-ASCII characters: no need to build it
        return name
    return name.translate(_fold_table())


def name_key(name: object) -> str:
    """The key a column (or table) name is matched by: the name as a person reads it."""
    return _name_key(str(name))


@functools.lru_cache(maxsize=16384)  # a pure function of the text, asked again per statement
def _name_key(name: str) -> str:
    s = strip_invisible(name)
    s = unicodedata.normalize("NFKC", s)
    # folded before case folding (Greek capital Β looks like B, its small β like nothing) and
    # after it (what case folding leaves, e.g. Cyrillic с from С)
    s = fold_confusables(strip_invisible(s)).casefold()
    s = fold_confusables(s).casefold()
    return _SPACES.sub(" ", s).strip()


def read_name(name: object) -> str:
    """The name as a person reads it, letter case kept (detection splits ``middleInitial``
    at its capitals): invisible characters removed, NFKC, look-alikes folded."""
    s = unicodedata.normalize("NFKC", strip_invisible(str(name)))
    return _SPACES.sub(" ", fold_confusables(strip_invisible(s))).strip()


def name_problem(name: str) -> str | None:
    """What, after removing invisible characters, still makes ``name`` unreadable, or None."""
    s = unicodedata.normalize("NFKC", strip_invisible(name))
    for ch in s:
        what = _BAD_CATEGORIES.get(unicodedata.category(ch))
        if what is not None:
            return f"{what} (U+{ord(ch):04X})"
    return None


def escaped(name: str) -> str:
    """``name`` with every character that is not plain printable ASCII written as an escape."""
    return ascii(str(name))


def classify_by_read_names(sample: pa.Table) -> dict[str, object]:
    """:func:`redactor.detect.classify_columns` over ``sample`` with each column renamed to
    how a person reads it (:func:`read_name`), keyed back by the original names: detection
    by name sees ``SSN`` in ``S\\u200bSN`` or a Cyrillic ``ЅЅN``."""
    from redactor.detect import classify_columns

    names = sample.column_names
    keys = [read_name(n) or n for n in names]
    if len(set(keys)) != len(keys) or len({name_key(n) for n in names}) != len(names):
        return dict(classify_columns(sample))  # the plan refuses such an input
    by_key = dict(zip(keys, names, strict=True))
    got = classify_columns(sample.rename_columns(keys))
    return {by_key[k]: v for k, v in got.items()}
