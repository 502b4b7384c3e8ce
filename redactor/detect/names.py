"""Column-name evidence: what a column's name says it holds.

A name is split into words (``snake_case``, ``camelCase``, ``ALLCAPS``, separators, digits,
glued words such as ``dateofbirth``), agency abbreviations are expanded (``FRST_NM`` ->
first name, ``OPER_LIC_NO`` -> operator license number, ``CNTRY_BIRTH`` -> country birth),
and the ordered rules of :mod:`redactor.detect.name_rules` over the resulting words give a
category with a score. Rules that recognise a lookalike (``case_no``, ``plate_nbr``,
``issue_dt``, ``office_addr``, ``case_status``) return ``none`` with the reason, and say which
content signals they outrank. The vocabulary (abbreviations, word pieces, word sets) is data
in ``redactor/detect/data/`` (:mod:`redactor.detect.vocabulary`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from redactor.categories import Category
from redactor.detect.name_rules import RULES, Name
from redactor.detect.vocabulary import vocabulary

# Abbreviation -> canonical word(s); keys are lower-case tokens as they appear in names.
ABBREVIATIONS: dict[str, tuple[str, ...]] = vocabulary().abbreviations
# Words used to split glued names ("dateofbirth", "oplicno") by dynamic programming.
_SEGMENT_WORDS = vocabulary().segment_words


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|#")


def _segment(word: str) -> tuple[str, ...] | None:
    """Split a glued lower-case word into known words, or None."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(1, n + 1):
        for j in range(max(0, i - 14), i):
            prev = best[j]
            piece = word[j:i]
            if (
                prev is not None
                and (piece in _SEGMENT_WORDS or piece in ABBREVIATIONS)
                and (best[i] is None or len(prev) + 1 < len(best[i]))
            ):
                best[i] = (*prev, piece)
    return best[n] if best[n] and len(best[n]) > 1 else None


def _prefixed(word: str) -> tuple[str, ...] | None:
    """``mbpl`` -> mother + bpl: a one-letter person prefix of a mainframe name (NCHS)."""
    head, rest = word[0], word[1:]
    prefix = vocabulary().person_prefixes.get(head)
    if prefix is None:
        return None
    if rest in ABBREVIATIONS or rest in _SEGMENT_WORDS:
        return (*prefix, rest)
    seg = _segment(rest) if len(rest) > 3 else None
    if seg is None or any(len(piece) < 2 for piece in seg):
        return None
    return (*prefix, *seg)


@lru_cache(maxsize=4096)
def tokenize(name: str) -> tuple[str, ...]:
    """Raw lower-case words of a column name (before abbreviation expansion)."""
    s = _strip_accents(str(name)).replace("’", "'")
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9#']+", s):
        if not chunk:
            continue
        chunk = chunk.replace("'", "")
        low = chunk.lower()
        if low in ABBREVIATIONS or low in _SEGMENT_WORDS:
            words.append(low)
            continue
        for part in _CAMEL.findall(chunk):
            words.append(part.lower())
    return tuple(words)


@lru_cache(maxsize=4096)
def canonical_words(name: str) -> tuple[str, ...]:
    """Words of a column name with abbreviations expanded and glued words split."""
    out: list[str] = []
    for w in tokenize(name):
        if w in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[w])
            continue
        m = re.fullmatch(r"([a-z]+)(\d+)", w)  # addr1, zip5, ln2
        if m and m.group(1) in ABBREVIATIONS:
            out.extend(ABBREVIATIONS[m.group(1)])
            continue
        seg = _segment(w) if w.isalpha() and len(w) > 5 else None
        if seg is None and w.isalpha() and len(w) >= 4 and w not in _SEGMENT_WORDS:
            seg = _prefixed(w)
        if seg:
            for piece in seg:
                out.extend(ABBREVIATIONS.get(piece, (piece,)))
        elif w.isdigit():
            continue
        else:
            out.append(w)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class NameEvidence:
    """What the name says: a category and score, why, and which content signals it outranks."""

    category: Category
    score: float
    reason: str
    # content signals this name rule overrides (e.g. a case number outranks "looks like SSN")
    overrides: frozenset[str] = frozenset()


def _exact(column: str) -> NameEvidence | None:
    """A whole name with a fixed reading (``vocabulary.yaml``: AAMVA ``DAQ``, IPUMS, ...)."""
    exact = vocabulary().exact
    hit = exact.get(re.sub(r"[^a-z0-9_]", "", _strip_accents(str(column)).lower()))
    if hit is None:
        hit = exact.get(re.sub(r"[^a-z0-9]", "", _strip_accents(column).lower()))
    if hit is None:
        return None
    cat, score, rule = hit
    return NameEvidence(cat, score, f"name: {column!r} is {rule}", frozenset())


def name_evidence(column: str) -> NameEvidence | None:
    """The first rule the column name triggers, or None if the name says nothing."""
    seq = canonical_words(column)
    exact = _exact(column)
    if exact is not None:
        return exact
    if not seq:
        return None
    name = Name.read(column, seq)
    for rule in RULES:
        if rule.when(name):
            return NameEvidence(
                rule.category,
                rule.score,
                f"name: {column!r} reads as {name.label!r} — rule {rule.because(name)}",
                frozenset(rule.overrides),
            )
    return None


__all__ = ["ABBREVIATIONS", "NameEvidence", "canonical_words", "name_evidence", "tokenize"]
