"""Free-text scrubbing: replace every embedded identifier by a ``[CATEGORY]`` token.

The work is a fixed sequence of RE2 substitutions run by ``pyarrow.compute`` over a whole
Arrow array at a time (``pc.replace_substring_regex``): no per-row Python loop, no Presidio
on the hot path. Nulls stay null and the length never changes. A dictionary-encoded array is
scrubbed through its dictionary only.

Order matters: the more specific forms run first (an e-mail address before the digits inside
it, an A-number before the nine digits it ends with, a keyword form such as ``DL no. 1234567``
before the bare-number forms), and each rule's replacement leaves a token that no later rule
matches.

The rules run as a dozen merged passes (:func:`merged_passes`) over 64 notes at a time joined
by NUL (:data:`CHUNK_ROWS`): a pass costs one scan of the text, however many rules it holds.

Person names: patterns catch an honorific or ``name: ...``; then
:func:`redactor.detect.person_names.scrub_names` finds names from name lists and context rules
(offline, vectorised). A spaCy NER model is used on top only when one is installed and named
by ``REDACTOR_SPACY_MODEL`` (see docs/detection.md); that path is per row and slow.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

import redactor.detect.patterns as p
from redactor.detect.person_names import scrub_names
from redactor.settings import current

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
    return current().scrub_names


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


#: Notes scrubbed together as one string (joined by :data:`_SEP`): each regex call has a fixed
#: cost, so a pass over 64 notes at a time costs about a quarter less than one at a time.
CHUNK_ROWS = 64
# No rule can match across it: it is not whitespace, a digit or a letter, and the only rules
# that may consume it (the ``(^|[^0-9])`` guards) put it back. A note that holds one is
# scrubbed on its own.
_SEP = "\x00"


def merged_passes(rules: Iterable[Rule]) -> tuple[tuple[str, str], ...]:
    """Consecutive rules of one kind as one alternation: ``(pattern, replacement)`` passes.

    Each pass scans the whole text once, so 28 rules in 12 passes run in about half the
    time. A rule with a capture group (a keyword or a guard character) keeps it: group ``k``
    of the alternation is that rule's group 1, and the replacement writes every rule's group
    (the ones that did not take part are empty) before the token. Only rules whose
    replacement is the bare token (no group) or ``\\1`` + token (one group) are merged, nine
    groups at most; any other rule is a pass of its own.
    """
    out: list[tuple[str, str]] = []
    for _, group in itertools.groupby(rules, key=lambda r: r.kind):
        batch: list[Rule] = []
        for rule in group:
            if not _mergeable(rule):
                out.extend(_merge(batch))
                out.append((rule.pattern, rule.replacement))
                batch = []
                continue
            if _groups([*batch, rule]) > 9:
                out.extend(_merge(batch))
                batch = []
            batch.append(rule)
        out.extend(_merge(batch))
    return tuple(out)


def _capture_groups(pattern: str) -> int | None:
    """Capture groups in an RE2 pattern (Python's parser; ``\\p{L}`` classes blanked)."""
    try:
        return re.compile(re.sub(r"\\[pP](?:\{\w+\}|\w)", "x", pattern)).groups
    except re.error:
        return None


def _mergeable(rule: Rule) -> bool:
    token = TOKENS.get(rule.kind)
    n = _capture_groups(rule.pattern)
    return token is not None and (
        (rule.replacement == token and n == 0) or (rule.replacement == "\\1" + token and n == 1)
    )


def _groups(batch: list[Rule]) -> int:
    return sum(1 for r in batch if r.replacement.startswith("\\1"))


def _merge(batch: list[Rule]) -> list[tuple[str, str]]:
    if len(batch) <= 1:
        return [(r.pattern, r.replacement) for r in batch]
    refs, k = [], 0
    for r in batch:
        if r.replacement.startswith("\\1"):
            k += 1
            refs.append(f"\\{k}")
    pattern = "|".join(f"(?:{r.pattern})" for r in batch)
    return [(pattern, "".join(refs) + TOKENS[batch[0].kind])]


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
        # A bare dashed 3-3-3 group is an A-number as clerks write it ("cert on file.
        # 167-580-135"): not an SSN (3-2-4) nor a phone (3-3-4, replaced above).
        _guarded("a_number", r"\d{3}-\d{3}-\d{3}"),
        # SSN after a keyword, whatever its digits (even an invalid-looking one), and "last 4".
        _keyword(
            "ssn",
            r"(?i:ssn|ss#|ss\s*(?:no|num|number)\.?|soc(?:ial)?\.?\s*sec(?:urity)?\.?"
            r"(?:\s*(?:no|num|number|#)\.?)?)",
            r"\d{3}[- .]?\d{2}[- .]?\d{4}",
        ),
        _keyword("ssn", p.SSN_KEYWORD_ES, r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
        _keyword(
            "ssn",
            r"(?i:last\s+(?:4|four)(?:\s+(?:digits|of\s+(?:her|his|their|the)?\s*(?:ssn|social)))?)",
            r"\d{4}",
        ),
        _keyword(
            "itin",
            r"(?i:itin|tin|taxpayer\s+id(?:entification)?(?:\s+(?:no|number))?\.?)",
            r"\d{3}[- .]?\d{2}[- .]?\d{4}",
        ),
        _guarded("itin", p.ITIN_ANY),
        _guarded("ssn", p.SSN_SHAPE_FORMATTED),
        _guarded("ssn", p.SSN_VALID_BARE),
        # Spanish street forms before dates ("Calle 5 de Mayo 12" is not a date).
        Rule("address", rf"(?:^|\b)(?:{p.STREET_ES})", TOKENS["address"]),
        # Dates before DL numbers (20240115 is a date, not a licence).
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
    spacy_model: str | None = field(default_factory=lambda: current().spacy_model)
    extra_rules: tuple[Rule, ...] = ()
    # person names from name lists and context rules (redactor.detect.person_names)
    names: bool = field(default_factory=lambda: names_enabled())

    @property
    def rules(self) -> tuple[Rule, ...]:
        return _rules_cached(self.status_terms) + self.extra_rules

    @property
    def passes(self) -> tuple[tuple[str, str], ...]:
        """The built-in rules as merged regex passes (see :func:`merged_passes`)."""
        return _passes_cached(self.status_terms)

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
        arr = _run_passes(arr, self.passes)
        for rule in self.extra_rules:  # caller's patterns: one note at a time (^ and $ as written)
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


@lru_cache(maxsize=4)
def _passes_cached(status_terms: bool) -> tuple[tuple[str, str], ...]:
    return merged_passes(_rules_cached(status_terms))


def _replace_all(arr: pa.Array, passes: tuple[tuple[str, str], ...]) -> pa.Array:
    for pattern, replacement in passes:
        arr = pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)
    return arr


def _run_passes(arr: pa.Array, passes: tuple[tuple[str, str], ...]) -> pa.Array:
    """The passes over ``arr``, :data:`CHUNK_ROWS` notes per string; same length and nulls."""
    n = len(arr)
    if n < 2 * CHUNK_ROWS:
        return _replace_all(arr, passes)
    filled = arr.fill_null("") if arr.null_count else arr
    starts = np.arange(0, n, CHUNK_ROWS)
    offsets = pa.array(np.append(starts, n), pa.int32())
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, filled), pa.scalar(_SEP, filled.type))
    # every chunk must hold exactly its separators: a note holding one goes on its own
    seps = pc.count_substring(joined, _SEP).to_numpy(zero_copy_only=False)
    if not np.array_equal(seps, np.diff(offsets.to_numpy()) - 1):
        return _replace_all(arr, passes)
    parts = pc.split_pattern(_replace_all(joined, passes), _SEP).flatten()
    if len(parts) != n:  # cannot happen (no rule removes a separator); fail closed anyway
        return _replace_all(arr, passes)
    parts = parts.cast(arr.type)
    if arr.null_count:
        parts = pc.if_else(arr.is_valid(), parts, pa.scalar(None, arr.type))
    return parts


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
        model = current().spacy_model
        scrubber = Scrubber(spacy_model=model) if model or not names_enabled() else _DEFAULT
    return scrubber.scrub(arr)
