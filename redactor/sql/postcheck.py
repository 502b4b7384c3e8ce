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

**Sample cache.** The sample of a table is reused for :data:`SAMPLE_TTL` seconds (30, like
the serve catalog) within one process (one server, one export), so that a server does not read
every mapped table again before each statement. An entry is keyed by everything the sample
depends on: the database (the URL's full connection string, or the file's path, size and
modification time and its WAL's), the table, the sampled columns with the category and the
withheld/released role each has, the field map (its digest, or its table rule) and the
decision's action for every category; a different decision or map never reuses an entry. It
holds the same keyed hashes a fresh sample would (under a per-process random key that never
leaves memory), and a failed sample is never kept. A cached sample is as strong as a fresh one
except that it can be up to ``SAMPLE_TTL`` seconds old: rows written to the database since are
not in it (as rows past ``SAMPLE_ROWS`` are not in a fresh one).

A batch of up to :data:`FEW_CELLS` rows (an analyst's lookup through ``redactor serve``) is
checked whole, cell by cell, with Python's ``re`` (the shape patterns are written in the subset
RE2 and ``re`` read alike, with ``re.ASCII``): the same cells, shapes, order and verdict as the
vectorised path, without its Arrow calls, which compile each pattern again per call.

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
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from redactor.categories import Action, Category
from redactor.detect import patterns as p
from redactor.errors import DataError
from redactor.fieldmap import ColumnRule, FieldMap, normalize_name
from redactor.plan import action_for_rule
from redactor.policy.decide import Decision
from redactor.sql.export import ReadConnection, db_of, iter_query_batches
from redactor.sql.rewrite import RewriteResult
from redactor.sql.schema import CatalogSpec

SAMPLE_ROWS = 5000  # rows read from each mapped table before the query runs
MAX_TABLES = 32  # mapped tables sampled at most
CELLS_PER_BATCH = 256  # sampled cells per released output column per batch
#: A batch of at most this many rows is checked whole, cell by cell in Python (see check)
FEW_CELLS = 64
MIN_LENGTH = 4  # normalised values shorter than this are ignored
MIN_DIGITS = 7  # digit-only values shorter than this are ignored (ZIPs, ids, amounts)
MIN_HITS = 2  # exact-value hits that stop an export (1 when every sampled cell hit)
DATE_SHARE = 0.5  # date hits must be at least this share of the column's sampled date cells
_DIGEST = 16  # bytes of the keyed hash kept
_MIN_KEPT_INT = 10 ** (MIN_DIGITS - 1)  # the smallest non-negative integer normalise() keeps
_MAX_KEPT_NEGATIVE = -(10 ** (MIN_LENGTH - 2))  # "-100": the largest negative one it keeps
SAMPLE_TTL = 30.0  # seconds a table's sample is reused in this process (0: never)
SAMPLE_CACHE_TABLES = 256  # table samples kept at most

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


def _kept_integers(col: pa.Array) -> pa.Array:
    """The cells of an integer column that :func:`normalise` keeps: 7 digits or more, or a
    minus sign and 3 digits or more. The others are not counted at all, so checking only these
    gives the same verdict, without a Python step per cell."""
    if pa.types.is_uint64(col.type):
        keep = pc.greater_equal(col, pa.scalar(_MIN_KEPT_INT, pa.uint64()))
    else:
        wide = col.cast(pa.int64())
        keep = pc.or_(
            pc.greater_equal(wide, _MIN_KEPT_INT), pc.less_equal(wide, _MAX_KEPT_NEGATIVE)
        )
    return col.filter(keep)


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
        n = batch.num_rows
        if not n:
            return
        # A batch of a few rows (an analyst's lookup) is checked whole and in Python: the same
        # cells (all of them) against the same shapes in the same order, without the Arrow
        # calls (each compiles its pattern again) that pay off only on larger batches.
        few = n <= FEW_CELLS
        idx = None if few else self._sample_indices(n)
        for w in self.watches:
            col = batch.column(w.position)
            if idx is not None:
                col = col.take(idx)
            if pa.types.is_dictionary(col.type):
                col = col.dictionary_decode()
            text = _is_text(col.type)
            if pa.types.is_integer(col.type) and not few:
                col = _kept_integers(col)  # the cells normalise() keeps: the same verdict
            cells = col.to_pylist()
            if text:  # each shape over the whole column; other types are searched cell by cell
                for category, skip, pattern, shape in _SHAPES:
                    if w.allowed & skip:
                        continue
                    if few:
                        seen = any(c is not None and shape.search(c) for c in cells)
                    else:  # vectorised (RE2)
                        seen = pc.any(pc.match_substring_regex(col, pattern)).as_py()
                    if seen:
                        self._stop(w, category.value)
            memo: dict[str, str | None] = {}
            for cell in cells:
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


@dataclass(frozen=True, slots=True)
class TableSample:
    """The keyed hashes of one table's sample (see the module docstring)."""

    protected: dict[bytes, str]
    released: frozenset[bytes]
    words: frozenset[bytes]
    released_words: frozenset[bytes]


class SampleCache:
    """Table samples of this process, for :data:`SAMPLE_TTL` seconds, under one random key."""

    def __init__(self, ttl: float = SAMPLE_TTL, size: int = SAMPLE_CACHE_TABLES) -> None:
        self.ttl = ttl
        self.size = size
        self.key = os.urandom(32)  # the digests' MAC key: never leaves memory
        self._entries: dict[tuple, tuple[float, TableSample]] = {}
        self._lock = threading.Lock()
        self.misses = 0  # samples read from the database (for tests and benchmarks)

    def get(self, key: tuple) -> TableSample | None:
        hit = self.lookup(key)
        return hit[1] if hit is not None else None

    def lookup(self, key: tuple) -> tuple[float, TableSample] | None:
        """The entry under ``key`` and when its sample was read (monotonic clock), if younger
        than the TTL."""
        if self.ttl <= 0:
            return None
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if time.monotonic() - hit[0] >= self.ttl:
                del self._entries[key]
                return None
            return hit

    def put(self, key: tuple, sample: TableSample, at: float | None = None) -> None:
        """Keep ``sample``, read at ``at`` (default now: an entry built from older samples
        carries the oldest one's time, so it expires with it)."""
        if self.ttl <= 0:
            return
        with self._lock:
            now = time.monotonic()
            if len(self._entries) >= self.size:
                self._entries = {k: v for k, v in self._entries.items() if now - v[0] < self.ttl}
                if len(self._entries) >= self.size:
                    self._entries.clear()
            self._entries[key] = (now if at is None else at, sample)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SAMPLES = SampleCache()  # one per process: a server's, or an export's


def _database_key(source: str | ReadConnection) -> tuple:
    """What identifies the database's content for the cache: a server's full connection string
    (kept as a digest), or a file's path with its size and modification time (and its WAL's)."""
    db = db_of(source)
    if db.engine == "postgresql":
        conninfo = (db.conninfo or "").encode("utf-8")
        return ("postgresql", hashlib.blake2b(conninfo, digest_size=16).digest())
    path = os.path.realpath(db.path or "")
    stats: list[Any] = []
    for part in (path, path + "-wal", path + ".wal"):
        try:
            st = os.stat(part)
        except OSError:
            stats.append(None)
        else:
            stats.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return (db.engine, path, *stats)


def _decision_key(decision: Decision) -> tuple:
    actions = sorted((str(c), str(cd.action)) for c, cd in decision.categories.items())
    return (*actions, decision.refused)


_PLAIN_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]{0,63}")


def _label(name: str) -> str:
    """The analysed output name when it is a plain identifier that does not read like a value
    (an alias is query text that may hold anything: ``AS "078-05-1121"``, ``AS maria_garcia``),
    else a placeholder."""
    from redactor.safe_names import is_value

    return repr(name) if _PLAIN_LABEL.fullmatch(name) and not is_value(name) else "unnamed"


def prepare(
    url: str | ReadConnection,
    result: RewriteResult,
    field_map: FieldMap,
    decision: Decision,
    catalog: CatalogSpec,
    *,
    cache: SampleCache | None = None,
) -> Postcheck | None:
    """The check for one export, sampling the database's protected values now (before the
    user's query runs), or reusing this process's sample of a table taken under the same
    decision and map less than ``SAMPLE_TTL`` seconds ago. None when there is nothing to check:
    an unrestricted request, or no output that the analysis released.

    ``url``: the database URL, or the export's open connection (the sample is read on it)."""
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
    cache = SAMPLES if cache is None else cache
    check = Postcheck(watches, cache.key, {})
    read = {normalize_name(t) for t in result.tables}
    plan = _plan(url, result.dialect, field_map, decision, catalog, read)
    # the merged sample of exactly these tables (in this order, these of them read by the query)
    merged_key = ("merged", tuple((e, key in read) for key, _, _, e in plan))
    merged = cache.get(merged_key)
    if merged is None:
        oldest, protected, released, words, released_words = _sample(
            url, result.dialect, plan, check, read, cache
        )
        merged = TableSample(
            {d: c for d, c in protected.items() if d not in released},
            frozenset(),
            frozenset(words - released_words),
            frozenset(),
        )
        cache.put(merged_key, merged, at=oldest)
    check.protected = merged.protected
    check.name_words = merged.words
    return check


def _rule(field_map: FieldMap, table: str, column: str) -> ColumnRule | None:
    t = field_map.tables.get(normalize_name(table))
    return t.rule(column) if t is not None else None


def _plan(
    url: str | ReadConnection,
    dialect: str,
    field_map: FieldMap,
    decision: Decision,
    catalog: CatalogSpec,
    read: set[str],
) -> list[tuple[str, str, list[tuple[str, str, bool]], tuple]]:
    """The tables to sample: those the query reads first, then the others (a query that ran
    differently may read them), at most MAX_TABLES; each as (key, table, [(column, category,
    withheld)], cache key)."""
    db_key: tuple | None = None
    decision_key = _decision_key(decision)
    by_key = {normalize_name(t): (t, cols) for t, cols in catalog.items()}
    keys = sorted((k for k in field_map.tables if k in by_key), key=lambda k: (k not in read, k))
    plan = []
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
        if db_key is None:
            db_key = _database_key(url)
        entry_key = (
            db_key,
            dialect,
            table,
            tuple((c, str(cat), w) for c, cat, w in chosen),
            field_map.sha256 or repr(tmap),
            decision_key,
            SAMPLE_ROWS,
        )
        plan.append((key, table, chosen, entry_key))
    return plan


def _sample(
    url: str | ReadConnection,
    dialect: str,
    plan: list[tuple[str, str, list[tuple[str, str, bool]], tuple]],
    check: Postcheck,
    read: set[str],
    cache: SampleCache,
) -> tuple[float, dict[bytes, str], set[bytes], set[bytes], set[bytes]]:
    """The planned tables' samples (from the cache, or read now), merged, with the time the
    oldest of them was read."""
    oldest = time.monotonic()
    protected: dict[bytes, str] = {}
    released: set[bytes] = set()
    words: set[bytes] = set()
    released_words: set[bytes] = set()
    for key, table, chosen, entry_key in plan:
        hit = cache.lookup(entry_key)
        if hit is not None:
            oldest = min(oldest, hit[0])
            sample = hit[1]
        else:
            try:
                sample = _sample_table(url, dialect, table, chosen, check)
            except DataError:
                if key in read:
                    raise
                continue  # e.g. not granted to this role: then no query of it can read it either
            cache.misses += 1
            cache.put(entry_key, sample)
        for d, c in sample.protected.items():
            protected.setdefault(d, c)
        released |= sample.released
        words |= sample.words
        released_words |= sample.released_words
    return oldest, protected, released, words, released_words


def _sample_table(
    url: str | ReadConnection,
    dialect: str,
    table: str,
    chosen: list[tuple[str, str, bool]],
    check: Postcheck,
) -> TableSample:
    """Read one table's sample (redactor's own fixed query) and keep its keyed hashes."""
    protected: dict[bytes, str] = {}
    released: set[bytes] = set()
    words: set[bytes] = set()
    released_words: set[bytes] = set()
    sql = (
        exp.select(*(exp.column(c, quoted=True) for c, _, _ in chosen))
        .from_(exp.Table(this=exp.to_identifier(table, quoted=True)))
        .limit(SAMPLE_ROWS)
        .sql(dialect=dialect)
    )
    _, batches = iter_query_batches(url, sql, SAMPLE_ROWS)
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
    return TableSample(protected, frozenset(released), frozenset(words), frozenset(released_words))


def _values(cells: Iterable[object]) -> Iterator[str]:
    for cell in cells:
        for leaf in _leaves(cell):
            norm = normalise(leaf)
            if norm is not None:
                yield norm


__all__ = ["SAMPLES", "SAMPLE_TTL", "Postcheck", "SampleCache", "normalise", "prepare"]
