"""Defence in depth after the query: released output columns must not hold protected values.

The rewrite masks every withheld column before the user's query sees it, and lineage analysis
says which outputs are released (``OutputColumn.masked`` is False). If the SQL that ran ever
differed from the SQL that was checked (issue 13: raw-text slots printed back verbatim), those
outputs would carry raw values, and the Arrow pass would release them as category ``none``.
This module checks a cheap, deterministic sample of every batch of those outputs, and stops the
export (:class:`~redactor.errors.DataError`, exit 4; the pipeline writes atomically, so nothing is
written) when one holds what the analysis promised it does not:

* **Shapes**: a formatted SSN (``NNN-NN-NNNN``, spaces or dots), a formatted ITIN, or an
  A-number, in an output none of whose sources is mapped to that category (or to free text,
  which may hold anything). One value trips it.
* **Exact values**: before the user's query runs, redactor's own fixed query
  (``SELECT <mapped columns> FROM <table> LIMIT 5000``, quoted identifiers, read-only) reads a
  bounded sample of every mapped table in the database. The normalised values of its withheld
  columns (and of its unmapped columns, withheld under a restricted request) are kept only as
  keyed hashes (BLAKE2b, a MAC, under a random per-run key), minus any value that also occurs in
  a released column of the sample (a city that is also a last name, a released date that is also
  someone's birth date). An output cell is a *hit* when its normalised value is in that set, or
  when at least two of its words are protected name words (``first || ' ' || last``). Values too
  short to mean anything (under 4 characters, or digits only and under 7 digits: ZIP codes,
  small ids and amounts) are ignored.

  A column trips on 2 hits in the export, or on 1 when every sampled cell of it was a hit (a
  one-row result). Dates are weak evidence (few values, and released dates can coincide with
  birth dates): a column trips on date hits only when they are at least half of its sampled
  date cells, and at least 2 (or all of a one-row result).

The message names the output column by position and name and the category, never a value.
It is a safety net with known limits: values transformed in the query (reversed, split, encoded)
are not recognised, and a table larger than the sample is covered only as far as the sample goes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from redactor.categories import Action, Category
from redactor.detect import patterns as p
from redactor.errors import DataError
from redactor.fieldmap import ColumnRule, FieldMap, normalize_name
from redactor.plan import action_for_rule
from redactor.policy.decide import Decision
from redactor.sql.export import iter_query_batches
from redactor.sql.rewrite import RewriteResult
from redactor.sql.schema import CatalogSpec

SAMPLE_ROWS = 5000  # rows read from each mapped table before the query runs
MAX_TABLES = 32  # mapped tables sampled at most
CELLS_PER_BATCH = 256  # sampled cells per released output column per batch
MIN_LENGTH = 4  # normalised values shorter than this are ignored
MIN_DIGITS = 7  # digit-only values shorter than this are ignored (ZIPs, ids, amounts)
MIN_HITS = 2  # exact-value hits that stop an export (1 when every sampled cell hit)
DATE_SHARE = 0.5  # date hits must be at least this share of the column's sampled date cells
_DIGEST = 16  # bytes of the keyed hash kept

# (category, source categories that allow it, pattern in the RE2/Python common subset)
_SHAPE_PATTERNS: tuple[tuple[Category, frozenset[Category], str], ...] = (
    (
        Category.SSN,
        frozenset({Category.SSN, Category.ITIN}),
        rf"(?:^|[^0-9])(?:{p.SSN_VALID_FORMATTED})(?:[^0-9]|$)",
    ),
    (
        Category.ITIN,
        frozenset({Category.SSN, Category.ITIN}),
        rf"(?:^|[^0-9])(?:9[0-9][0-9]-{p.ITIN_GROUP}-[0-9]{{4}}"
        rf"|9[0-9][0-9] {p.ITIN_GROUP} [0-9]{{4}})(?:[^0-9]|$)",
    ),
    (
        Category.IMMIGRATION_STATUS,
        frozenset({Category.IMMIGRATION_STATUS}),
        rf"\b(?:{p.A_NUMBER})\b",
    ),
)
_SHAPES = tuple((c, skip, pat, re.compile(pat, re.ASCII)) for c, skip, pat in _SHAPE_PATTERNS)
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00(?:\.0+)?)?")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DIGITS = re.compile(r"\d[\d .-]*\d")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*")


def normalise(value: object) -> str | None:
    """The comparable text of one cell: trimmed, whitespace collapsed, case-folded; dates as
    ``YYYY-MM-DD`` (``MM/DD/YYYY`` and midnight timestamps too); digit runs without their
    separators (``123-45-6789`` is ``123456789``). None for what is too short to count."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, decimal.Decimal):
        text = str(int(value)) if value.is_finite() and value == value.to_integral() else str(value)
    elif isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", errors="replace")
    else:
        text = str(value)
    text = " ".join(text.split()).casefold()
    if len(text) < MIN_LENGTH:
        return None
    if text[0].isdigit():
        if text[4:5] == "-" and (m := _ISO_DATE.fullmatch(text)):
            return m.group(1)
        if "/" in text and (m := _US_DATE.fullmatch(text)):
            return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
        if _DIGITS.fullmatch(text):
            text = text.replace(" ", "").replace(".", "").replace("-", "")
            return text if len(text) >= MIN_DIGITS else None
    return text


def _leaves(value: object) -> Iterator[object]:
    """Scalars of a cell; nested values (lists, structs, maps) are searched too."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_date(text: str) -> bool:
    return len(text) == 10 and _ISO_DATE.fullmatch(text) is not None


@dataclass
class _Watch:
    """One output column that the analysis released."""

    position: int
    label: str  # how the message names it
    allowed: frozenset[Category]  # categories of its sources (released under the decision)
    sampled: int = 0
    hits: int = 0
    date_cells: int = 0
    date_hits: int = 0
    hit_category: str | None = None

    def __post_init__(self) -> None:
        if Category.FREE_TEXT in self.allowed:  # released free text may hold any shape
            self.allowed = self.allowed | {c for _, skip, _, _ in _SHAPES for c in skip}


@dataclass
class Postcheck:
    """What one export's batches are checked against (see the module docstring)."""

    watches: list[_Watch]
    key: bytes = field(repr=False)
    protected: dict[bytes, str] = field(repr=False)  # keyed digest -> category (or "unmapped")
    name_words: frozenset[bytes] = field(repr=False, default=frozenset())
    _indices: dict[int, pa.Array] = field(default_factory=dict, repr=False)

    def _digest(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8"), key=self.key, digest_size=_DIGEST).digest()

    def _sample_indices(self, n: int) -> pa.Array:
        idx = self._indices.get(n)
        if idx is None:
            k = min(n, CELLS_PER_BATCH)
            idx = pa.array([i * n // k for i in range(k)], pa.int64())
            self._indices = {n: idx}  # batches mostly share one size
        return idx

    def check(self, batch: pa.RecordBatch) -> None:
        """Raise DataError when a released output of ``batch`` holds protected values."""
        if not batch.num_rows:
            return
        idx = self._sample_indices(batch.num_rows)
        for w in self.watches:
            col = batch.column(w.position).take(idx)
            if pa.types.is_dictionary(col.type):
                col = col.dictionary_decode()
            text = _is_text(col.type)
            if text:  # vectorised (RE2); other types are searched cell by cell
                for category, skip, pattern, _ in _SHAPES:
                    if (
                        not (w.allowed & skip)
                        and pc.any(pc.match_substring_regex(col, pattern)).as_py()
                    ):
                        self._stop(w, category.value)
            memo: dict[str, str | None] = {}
            for cell in col.to_pylist():
                self._cell(w, cell, memo, shapes=not text)
            self._verdict(w)

    def _lookup(self, text: str, raw: str | None) -> str | None:
        """The category whose sampled value ``text`` (normalised) is, or whose name words make
        up ``raw``; None when it is neither."""
        hit = self.protected.get(self._digest(text))
        if hit is None and self.name_words and raw is not None and " " in text:
            words = {
                self._digest(m.group(0).casefold())
                for m in _WORD.finditer(raw)
                if len(m.group(0)) >= MIN_LENGTH
            }
            if len(words) >= 2 and len(words & self.name_words) >= 2:
                hit = Category.NAME.value
        return hit

    def _cell(self, w: _Watch, cell: object, memo: dict[str, str | None], *, shapes: bool) -> None:
        if cell is None:
            return
        hit: str | None = None
        counted = False
        date = False
        for leaf in _leaves(cell):
            if leaf is None:
                continue
            raw = leaf if isinstance(leaf, str) else None
            if shapes and raw is not None:
                for category, skip, _, shape in _SHAPES:
                    if not (w.allowed & skip) and shape.search(raw):
                        self._stop(w, category.value)
            norm = normalise(leaf)
            if norm is None:
                continue
            counted = True
            date = date or _is_date(norm)
            if hit is None:
                if norm in memo:
                    hit = memo[norm]
                else:
                    hit = memo[norm] = self._lookup(norm, raw)
        if not counted:
            return
        w.sampled += 1
        w.date_cells += date
        if hit is None:
            return
        if date:  # weak evidence: counted apart
            w.date_hits += 1
        else:
            w.hits += 1
        w.hit_category = w.hit_category or hit

    def _verdict(self, w: _Watch) -> None:
        if w.hits >= MIN_HITS or (w.hits and w.hits + w.date_hits == w.sampled):
            self._stop(w, w.hit_category or Category.NAME.value)
        if w.date_hits and (
            w.date_hits == w.sampled
            or (w.date_hits >= MIN_HITS and w.date_hits >= DATE_SHARE * w.date_cells)
        ):
            self._stop(w, w.hit_category or Category.BIRTH_DATE.value)

    def _stop(self, w: _Watch, category: str) -> None:
        raise DataError(
            f"Stopped: output column {w.position + 1} ({w.label}) holds values of a protected "
            f"category ({category}) although the query analysis found it released; nothing was "
            "written",
            hint="the SQL that ran may not be the SQL that was checked: report this query (it is "
            "in the request log) to the redactor maintainers",
        )

    def checked(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches``, each checked before it is handed on (closing it closes ``batches``)."""
        try:
            for b in batches:
                self.check(b)
                yield b
        finally:
            close = getattr(batches, "close", None)
            if close:
                close()


_PLAIN_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,63}")


def _label(name: str) -> str:
    """The analysed output name when it is a plain identifier that does not read like a value
    (an alias is query text that may hold anything: ``AS "078-05-1121"``, ``AS maria_garcia``),
    else a placeholder."""
    from redactor.safe_names import is_value

    return repr(name) if _PLAIN_LABEL.fullmatch(name) and not is_value(name) else "unnamed"


def prepare(
    url: str, result: RewriteResult, field_map: FieldMap, decision: Decision, catalog: CatalogSpec
) -> Postcheck | None:
    """The check for one export, sampling the database's protected values now (before the
    user's query runs). None when there is nothing to check: an unrestricted request, or no
    output that the analysis released."""
    if not result.restricted:
        return None
    watches = []
    for o in result.outputs:
        if o.masked or o.withheld:
            continue
        allowed = set()
        for table, column in o.sources:
            rule = _rule(field_map, table, column)
            if rule is not None:
                allowed.add(rule.category)
        watches.append(_Watch(o.position, _label(o.name), frozenset(allowed)))
    if not watches:
        return None
    key = os.urandom(32)
    check = Postcheck(watches, key, {})
    read = {normalize_name(t) for t in result.tables}
    protected, released, words, released_words = _sample(
        url, result.dialect, field_map, decision, catalog, check, read
    )
    check.protected = {d: c for d, c in protected.items() if d not in released}
    check.name_words = frozenset(words - released_words)
    return check


def _rule(field_map: FieldMap, table: str, column: str) -> ColumnRule | None:
    t = field_map.tables.get(normalize_name(table))
    return t.rule(column) if t is not None else None


def _sample(
    url: str,
    dialect: str,
    field_map: FieldMap,
    decision: Decision,
    catalog: CatalogSpec,
    check: Postcheck,
    read: set[str],
) -> tuple[dict[bytes, str], set[bytes], set[bytes], set[bytes]]:
    """Sample the mapped tables: those the query reads first, then the others (a query that ran
    differently may read them), at most MAX_TABLES."""
    protected: dict[bytes, str] = {}
    released: set[bytes] = set()
    words: set[bytes] = set()
    released_words: set[bytes] = set()
    by_key = {normalize_name(t): (t, cols) for t, cols in catalog.items()}
    keys = sorted((k for k in field_map.tables if k in by_key), key=lambda k: (k not in read, k))
    for key in keys[:MAX_TABLES]:
        (table, cols), tmap = by_key[key], field_map.tables[key]
        chosen: list[tuple[str, str, bool]] = []  # (column, category, withheld)
        for name, _ in cols:
            rule = tmap.rule(name)
            if rule is None:  # unmapped: withheld under a restricted request
                chosen.append((name, "unmapped", True))
                continue
            if tmap.sensitive_table:
                if rule.protected:
                    chosen.append((name, rule.category, True))
                continue
            action, _ = action_for_rule(rule, decision)
            chosen.append((name, rule.category, action is not Action.RELEASE))
        if not any(withheld for _, _, withheld in chosen):
            continue
        sql = (
            exp.select(*(exp.column(c, quoted=True) for c, _, _ in chosen))
            .from_(exp.Table(this=exp.to_identifier(table, quoted=True)))
            .limit(SAMPLE_ROWS)
            .sql(dialect=dialect)
        )
        try:
            _, batches = iter_query_batches(url, sql, SAMPLE_ROWS)
        except DataError:
            if key in read:
                raise
            continue  # e.g. not granted to this role: then no query of it can read it either
        try:
            for b in batches:
                for i, (_, category, withheld) in enumerate(chosen):
                    for v in _values(b.column(i).to_pylist()):
                        d = check._digest(v)
                        if withheld:
                            protected.setdefault(d, str(category))
                        else:
                            released.add(d)
                        if category == Category.NAME or not withheld:
                            target = words if withheld else released_words
                            target.update(
                                check._digest(m.group(0).casefold())
                                for m in _WORD.finditer(v)
                                if len(m.group(0)) >= MIN_LENGTH
                            )
        finally:
            close = getattr(batches, "close", None)
            if close:
                close()
    return protected, released, words, released_words


def _values(cells: Iterable[object]) -> Iterator[str]:
    for cell in cells:
        for leaf in _leaves(cell):
            norm = normalise(leaf)
            if norm is not None:
                yield norm


__all__ = ["Postcheck", "normalise", "prepare"]
