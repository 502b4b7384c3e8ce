"""Free-text scrubbing: replace every embedded identifier by a ``[CATEGORY]`` token.

The work is a fixed sequence of RE2 substitutions run by ``pyarrow.compute`` over a whole
Arrow array at a time (``pc.replace_substring_regex``): no per-row Python loop, no Presidio
on the hot path. Nulls stay null and the length never changes. A dictionary-encoded array is
scrubbed through its dictionary only.

Order matters: the more specific forms run first (an e-mail address before the digits inside
it, an A-number before the nine digits it ends with, a keyword form such as ``DL no. 1234567``
before the bare-number forms), and each rule's replacement leaves a token that no later rule
matches.

Person names are only partly caught by patterns (an honorific, ``name: ...``); full name
detection needs a spaCy NER model, which :class:`Scrubber` uses only when one is installed and
named by ``REDACTOR_SPACY_MODEL`` (see docs/detection.md). That path is per row and slow.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from redactor.detect import patterns as p
from redactor.detect.person_names import scrub_names

TOKENS = {
    "ssn": "[SSN]",
    "itin": "[ITIN]",
    "a_number": "[A_NUMBER]",
    "dl": "[DL]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "date": "[DATE]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
    "immigration_status": "[IMMIGRATION_STATUS]",
}


#: Set to 0/off/false/no to stop removing person names from free text (then the plan says so).
NAMES_ENV = "REDACTOR_SCRUB_NAMES"


def names_enabled() -> bool:
    """Whether free-text scrubbing removes person names (on unless ``REDACTOR_SCRUB_NAMES``
    turns it off)."""
    return os.environ.get(NAMES_ENV, "1").strip().lower() not in ("0", "off", "false", "no")


def names_notice(scrubber: Scrubber | None = None) -> str | None:
    """The line a plan must print (even under ``-q``) when names in free text are not removed."""
    on = scrubber.names if scrubber is not None else names_enabled()
    if on:
        return None
    return (
        "Person names in free text are NOT removed (REDACTOR_SCRUB_NAMES is off): scrubbed "
        "columns lose identifiers but keep the names in them"
    )


@dataclass(frozen=True, slots=True)
class Rule:
    """One substitution: ``pattern`` (RE2) is replaced by ``replacement`` everywhere."""

    kind: str  # key of TOKENS
    pattern: str
    replacement: str


def _keyword(kind: str, keyword: str, value: str) -> Rule:
    # "<keyword> <sep> <value>" -> "<keyword> <sep> [TOKEN]"
    return Rule(kind, rf"(\b{keyword}\s*[:#=-]?\s*)(?:{value})\b", rf"\1{TOKENS[kind]}")


def _guarded(kind: str, pattern: str) -> Rule:
    return Rule(kind, p.digit_guarded(pattern), rf"\1{TOKENS[kind]}")


def _plain(kind: str, pattern: str) -> Rule:
    return Rule(kind, pattern, TOKENS[kind])


def default_rules(*, status_terms: bool = True) -> tuple[Rule, ...]:
    """The scrubbing rules, in the order they run."""
    rules = [
        _plain("email", p.EMAIL),
        # Phones before A-numbers: 001-907-917-5119 is a phone, not 'a. 001-907-917'.
        Rule("phone", rf"(^|[^0-9+(])(?:{p.PHONE})\b", rf"\1{TOKENS['phone']}"),
        Rule("phone", rf"(^|[^0-9])(?:{p.PHONE_INTL})\b", rf"\1{TOKENS['phone']}"),
        _keyword("phone", p.PHONE_KEYWORD, r"\d{3}[-. ]\d{4}"),
        # A-numbers: keyword forms ("A-number: 123456789", "alien no. 012-345-678"), then A+digits.
        _keyword("a_number", p.A_NUMBER_KEYWORD, r"(?:[Aa][- ]?)?\d{3}[- ]?\d{3}[- ]?\d{2,3}"),
        Rule("a_number", rf"\b(?:{p.A_NUMBER})\b", TOKENS["a_number"]),
        # SSN after a keyword, whatever its digits (even an invalid-looking one), and "last 4".
        _keyword(
            "ssn",
            r"(?i:ssn|ss#|ss\s*(?:no|num|number)\.?|soc(?:ial)?\.?\s*sec(?:urity)?\.?"
            r"(?:\s*(?:no|num|number|#)\.?)?)",
            r"\d{3}[- .]?\d{2}[- .]?\d{4}",
        ),
        _keyword("ssn", p.SSN_KEYWORD_ES, r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
        _keyword(
            "itin",
            r"(?i:itin|tin|taxpayer\s+id(?:entification)?(?:\s+(?:no|number))?\.?)",
            r"\d{3}[- .]?\d{2}[- .]?\d{4}",
        ),
        _keyword(
            "ssn",
            r"(?i:last\s+(?:4|four)(?:\s+(?:digits|of\s+(?:her|his|their|the)?\s*(?:ssn|social)))?)",
            r"\d{4}",
        ),
        _guarded("itin", p.ITIN_ANY),
        _guarded("ssn", p.SSN_SHAPE_FORMATTED),
        _guarded("ssn", p.SSN_VALID_BARE),
        # A bare dashed 3-3-3 group is an A-number as clerks write it ("cert on file.
        # 167-580-135"): not an SSN (3-2-4) nor a phone (3-3-4, replaced above).
        _guarded("a_number", r"\d{3}-\d{3}-\d{3}"),
        # Dates before phones and DL numbers (20240115 is a date, not a licence).
        Rule("address", rf"(?:^|\b)(?:{p.STREET_ES})", TOKENS["address"]),
        _guarded("date", p.DATE_NUMERIC),
        Rule("date", rf"\b(?:{p.DATE_WORDS})\b", TOKENS["date"]),
        Rule("date", rf"\b(?:{p.DATE_ES})\b", TOKENS["date"]),
        # Driver licence / ID numbers: keyword form first, then the distinctive formats.
        _keyword("dl", p.DL_KEYWORD, p.DL_KEYWORD_VALUE),
        Rule("dl", rf"\b(?:{p.DL_FORMATS})\b", TOKENS["dl"]),
        # Addresses.
        Rule("address", rf"\b(?:{p.MILITARY_ADDRESS})\b", TOKENS["address"]),
        Rule("address", rf"\b(?:{p.PO_BOX})\b", TOKENS["address"]),
        Rule("address", rf"\b(?:{p.STREET_ADDRESS})", TOKENS["address"]),
        Rule("address", rf"\b(?:{p.STREET_ADDRESS_LOWER})", TOKENS["address"]),
        Rule("address", rf"\b(?:{p.CITY_STATE_ZIP})\b", TOKENS["address"]),
        # Names that patterns can see.
        Rule("name", rf"\b(?:{p.HONORIFIC_NAME})", TOKENS["name"]),
        _keyword("name", p.NAME_KEYWORD, p.NAME_VALUE),
    ]
    if status_terms:
        rules.append(
            Rule("immigration_status", rf"\b(?:{p.STATUS_TERMS})\b", TOKENS["immigration_status"])
        )
    return tuple(rules)


@dataclass(frozen=True)
class Scrubber:
    """Replaces embedded identifiers in string arrays.

    ``status_terms``: also replace immigration-status words and phrases ("undocumented",
    "green card holder", "H-1B") with ``[IMMIGRATION_STATUS]`` — on by default, since under a
    restricted decision they are exactly what must not leave.
    ``spacy_model``: name or path of an installed spaCy model for person names
    (``[NAME]``); default from ``REDACTOR_SPACY_MODEL``; never downloaded.
    """

    status_terms: bool = True
    spacy_model: str | None = field(default_factory=lambda: os.environ.get("REDACTOR_SPACY_MODEL"))
    extra_rules: tuple[Rule, ...] = ()
    # person names from name lists and context rules (redactor.detect.person_names)
    names: bool = field(default_factory=lambda: names_enabled())

    @property
    def rules(self) -> tuple[Rule, ...]:
        return _rules_cached(self.status_terms) + self.extra_rules

    def scrub(self, arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Scrub a string array; the result has the same length, nulls and kind of array."""
        if isinstance(arr, pa.ChunkedArray):
            chunks = [self._scrub_array(c) for c in arr.chunks]
            out_type = chunks[0].type if chunks else _string_type(arr.type)
            return pa.chunked_array(chunks, type=out_type)
        return self._scrub_array(arr)

    __call__ = scrub

    def scrub_texts(self, texts: Iterable[str | None]) -> list[str | None]:
        """Convenience for plain Python strings (tests, error messages)."""
        return self._scrub_array(pa.array(list(texts), type=pa.string())).to_pylist()

    def _scrub_array(self, arr: pa.Array) -> pa.Array:
        if isinstance(arr, pa.DictionaryArray):
            return pa.DictionaryArray.from_arrays(arr.indices, self._scrub_array(arr.dictionary))
        if pa.types.is_null(arr.type):
            return arr
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(_string_type(arr.type))
        for rule in self.rules:
            arr = pc.replace_substring_regex(
                arr, pattern=rule.pattern, replacement=rule.replacement
            )
        if self.names:
            arr = scrub_names(arr)
        if self.spacy_model:
            arr = _scrub_person_names(arr, self.spacy_model)
        return arr


def _string_type(t: pa.DataType) -> pa.DataType:
    return pa.large_string() if pa.types.is_large_string(t) else pa.string()


@lru_cache(maxsize=4)
def _rules_cached(status_terms: bool) -> tuple[Rule, ...]:
    return default_rules(status_terms=status_terms)


def _scrub_person_names(arr: pa.Array, model: str) -> pa.Array:
    """Replace PERSON spans found by a locally installed spaCy model (optional, per row)."""
    from redactor.detect.analyzer import build_analyzer

    analyzer = build_analyzer(spacy_model=model)
    out: list[str | None] = []
    for text in arr.to_pylist():
        if not text:
            out.append(text)
            continue
        found = analyzer.analyze(text=text, language="en", entities=["PERSON"], score_threshold=0.5)
        for r in sorted(found, key=lambda r: r.start, reverse=True):
            text = text[: r.start] + TOKENS["name"] + text[r.end :]
        out.append(text)
    return pa.array(out, type=arr.type)


_DEFAULT = Scrubber(spacy_model=None, names=True)


def scrub_array(
    arr: pa.Array | pa.ChunkedArray, scrubber: Scrubber | None = None
) -> pa.Array | pa.ChunkedArray:
    """Replace every embedded identifier in ``arr`` by a ``[CATEGORY]`` token.

    ``arr``: string / large_string (dictionary-encoded too; other types are cast to string).
    Returns an array of the same kind (Array or ChunkedArray), length and nulls. Uses a spaCy
    model for person names only when ``REDACTOR_SPACY_MODEL`` names one that is installed.
    """
    if scrubber is None:
        model = os.environ.get("REDACTOR_SPACY_MODEL")
        scrubber = Scrubber(spacy_model=model) if model or not names_enabled() else _DEFAULT
    return scrubber.scrub(arr)
