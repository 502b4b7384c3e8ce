"""Samples that cover the whole input, for detection of the columns a field map does not list.

Three samples, each cheap, together covering the file (issue 15 item 10):

1. **The plan's sample**: up to ``SAMPLE_ROWS`` rows spread at even steps over the first
   non-empty batch (not its first rows only). The plan is made from it before anything is
   written, because the request is logged with its plan before any output.
2. **Every later batch** is sampled the same way, in proportion to its length
   (``DRIFT_SAMPLE_ROWS`` per ``DRIFT_EVERY_ROWS`` rows, at least ``DRIFT_MIN_ROWS``; each
   batch on its own: :class:`DriftWatch`), for the columns detection released; a released
   column whose later rows are flagged as a protected category (names, birth dates, SSNs,
   prose…; not the ZIP-code or phone shapes a growing row number reaches), or no longer look
   clear while they are not plain numbers, stops the run at once.
3. **A reservoir over the whole input** (Vitter's Algorithm L: every row has the same chance to
   be in it, whatever the input's length, and the positions are drawn from a generator seeded
   from the operating system's random source, so a file cannot be built to avoid them): before
   the output is committed, the released columns are classified again on it by the same rule;
   one that may not be released stops the run (exit 4, nothing written, logged failed).

A column empty in the first batch has no evidence that it is clear and is withheld from the
start. A sample cannot prove a column clear: a handful of protected values among millions of
clear ones may be missed by all three. That is why an unmapped column is released only on
positive evidence (docs/detection.md) and why ``--strict`` withholds every column the map does
not list.
"""

from __future__ import annotations

import math
import random
import secrets
from array import array
from collections.abc import Sequence

import pyarrow as pa

from redactor.categories import PROTECTED, Category
from redactor.errors import DataError

SAMPLE_ROWS = 5_000
RESERVOIR_ROWS = 5_000
DRIFT_SAMPLE_ROWS = 1_000
#: Later rows are sampled at ``DRIFT_SAMPLE_ROWS`` per this many rows, whatever the batch size.
DRIFT_EVERY_ROWS = 65_536
#: ... but never fewer rows than this from one batch (the classifier needs a few dozen values).
DRIFT_MIN_ROWS = 64
# A later batch stops the run when its sample is flagged as any protected category but the two a
# clear numeric column reaches by growing: a row number passes 99999 and reads like a ZIP code,
# or reaches ten digits and reads like a phone number; it never reads like a name, a birth date,
# an SSN or prose. (Those two are still caught by the reservoir's whole-input check when the
# evidence for them does not come from growth alone.)
DRIFT_CATEGORIES = PROTECTED - {Category.ADDRESS, Category.PHONE}


def _indices(values: Sequence[int]) -> pa.Array:
    """An int64 array of ``values`` built from its bytes: ``pa.array(list)`` goes through
    Python-object conversion, which also imports pandas when it is installed."""
    return pa.Array.from_buffers(
        pa.int64(), len(values), [None, pa.py_buffer(array("q", values).tobytes())]
    )


def spread_sample(batch: pa.RecordBatch, rows: int) -> pa.RecordBatch:
    """Up to ``rows`` rows taken at even steps over the whole batch (a stratified sample)."""
    n = batch.num_rows
    if n <= rows:
        return batch
    step = n / rows
    return batch.take(_indices([int(i * step) for i in range(rows)]))


class Reservoir:
    """A uniform random sample of up to ``size`` rows of some columns of a stream of batches.

    Algorithm L (Li 1994): after the reservoir is full, the gap to the next row that replaces
    one is drawn directly, so the cost per batch is the number of replacements in it (about
    ``size * ln(n / size)`` over ``n`` rows in all), not one random draw per row.
    """

    def __init__(self, columns: Sequence[int], size: int = RESERVOIR_ROWS) -> None:
        self.columns = list(columns)
        self.size = size
        self.seen = 0
        self.batches = 0
        # seeded from the operating system's random source: the file's author cannot know the
        # positions; a seeded generator draws them without a system call each
        self._rng = random.Random(secrets.randbits(128))
        self._table: pa.Table | None = None
        self._w = math.exp(math.log(self._uniform()) / size)
        self._next = size + self._gap()

    def _uniform(self) -> float:
        u = self._rng.random()
        return u if u > 0.0 else 5e-324

    def _gap(self) -> int:
        return int(math.log(self._uniform()) / math.log1p(-self._w))

    def add(self, batch: pa.RecordBatch) -> None:
        n = batch.num_rows
        if not n:
            return
        self.batches += 1
        part = pa.Table.from_batches([batch.select(self.columns)])
        held = self._table.num_rows if self._table is not None else 0
        source = list(range(held))  # slot -> row of concat(held rows, this batch)
        start = self.seen
        fill = min(n, max(0, self.size - start))
        source.extend(held + i for i in range(fill))
        end = start + n
        while self._next < end:
            slot = self._rng.randrange(self.size)
            source[slot] = held + (self._next - start)
            self._w *= math.exp(math.log(self._uniform()) / self.size)
            self._next += self._gap() + 1
        self.seen = end
        both = part if self._table is None else pa.concat_tables([self._table, part])
        self._table = both.take(_indices(source))

    def table(self) -> pa.Table | None:
        """The sample (None when no row was added), rows in no particular order."""
        return self._table


def _stopped(where: str, i: int, what: str) -> DataError:
    """The one message for a released column that later rows show may not be released."""
    return DataError(
        f"{where}: column {i + 1} was released on the evidence of the first rows, but {what}; "
        "nothing was written",
        hint="map the column in the field map (its category and action), or run with "
        "--strict to withhold every column the map does not list",
    )


def check_drift(batch: pa.RecordBatch, columns: Sequence[int], where: str, at: int) -> None:
    """Raise DataError when a column released on the first rows' evidence looks protected in
    this later batch (``at``: the number of rows before it): flagged as a protected category
    (``DRIFT_CATEGORIES``), or no longer clear while its values are not just numbers (a row
    counter outgrows "small whole numbers"; a code column turning into names does not)."""
    if not columns or not batch.num_rows:
        return
    from redactor.detect import classify_columns
    from redactor.planning import detectable

    sample = spread_sample(batch.select(list(columns)), DRIFT_SAMPLE_ROWS)
    table = detectable(pa.Table.from_batches([sample]))
    found = classify_columns(table, presidio=False)
    for i, name in zip(columns, table.column_names, strict=True):
        s = found[name]
        seen = drifted(s.category, s.flagged, s.clear, table.column(name))
        if seen is None:
            continue
        raise _stopped(where, i, f"rows after {at} {seen}")


class DriftWatch:
    """The later-batch check at a steady cost whatever the batch size: each batch is sampled in
    proportion to its length (``DRIFT_SAMPLE_ROWS`` per ``DRIFT_EVERY_ROWS`` rows, at least
    ``DRIFT_MIN_ROWS``) and classified on its own, so a short run of protected rows in one
    small batch is not diluted by its neighbours, and a CSV read in small blocks costs about
    what one read in large blocks does."""

    def __init__(self, columns: Sequence[int], where: str) -> None:
        self.columns = list(columns)
        self.where = where

    def add(self, batch: pa.RecordBatch, at: int) -> None:
        if not self.columns or not batch.num_rows:
            return
        want = math.ceil(DRIFT_SAMPLE_ROWS * batch.num_rows / DRIFT_EVERY_ROWS)
        check_drift(
            spread_sample(batch, max(DRIFT_MIN_ROWS, min(want, DRIFT_SAMPLE_ROWS))),
            self.columns,
            self.where,
            at,
        )


def drifted(
    category: Category, flagged: bool, clear: bool, values: pa.Array | pa.ChunkedArray
) -> str | None:
    """Why later values of a column released as clear must not be released, or None: they are
    flagged as a protected category (``DRIFT_CATEGORIES``), or no longer clear while they are not
    just numbers (a row counter outgrows "small whole numbers"; codes turning into names or a
    mix of codes and birth dates do not)."""
    if flagged and category in DRIFT_CATEGORIES:
        return f"look like {category}"
    if not clear and not only_numbers(values):
        weak = f" (weak evidence for {category})" if category is not Category.NONE else ""
        return f"no longer look clear{weak}"
    return None


def only_numbers(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Every non-empty value is a plain number (numeric type, or text of digits, sign, point)."""
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return True
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return False
    text = pc.utf8_trim_whitespace(arr)
    text = pc.filter(text, pc.not_equal(text, ""))
    return bool(
        pc.all(pc.match_substring_regex(text, r"^[-+]?[0-9]+(\.[0-9]+)?$")).as_py() is not False
    )


def check_whole_input(
    reservoir: Reservoir, schema: pa.Schema, watched: Sequence[int], where: str
) -> None:
    """Classify the released columns again on a uniform sample of the whole input, by the same
    rule as each later batch (:func:`drifted`); raise DataError when one may not be released.
    A single batch was already sampled whole for the plan: nothing more to learn."""
    sample = reservoir.table()
    if sample is None or reservoir.batches < 2:
        return
    from redactor.planning import detect_unmapped, detectable

    sample = detectable(sample.rename_columns([schema.names[i] for i in reservoir.columns]))
    found = detect_unmapped(sample.column_names, None, sample)
    for i, name in zip(watched, sample.column_names, strict=True):
        d = found[name]
        seen = drifted(d.category, d.flagged, d.is_clear, sample.column(name))
        if seen is None:
            continue
        raise _stopped(
            where,
            i,
            f"a sample of {sample.num_rows} rows drawn over all {reservoir.seen} rows "
            f"{seen.replace('look', 'looks')}",
        )


__all__ = [
    "DRIFT_CATEGORIES",
    "RESERVOIR_ROWS",
    "SAMPLE_ROWS",
    "DriftWatch",
    "Reservoir",
    "check_drift",
    "check_whole_input",
    "spread_sample",
]
