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
3. **A reservoir over the whole input** (bottom-k random keys: every row has the same chance to
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


def _indices(values) -> pa.Array:
    """An int64 array of ``values`` (a sequence of ints or a NumPy array) built from its bytes:
    ``pa.array(list)`` goes through Python-object conversion, which also imports pandas when it
    is installed."""
    if isinstance(values, Sequence):
        data = array("q", values).tobytes()
    else:
        data = values.astype("<i8").tobytes()
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(data)])


def spread_sample(batch: pa.RecordBatch, rows: int) -> pa.RecordBatch:
    """Up to ``rows`` rows taken at even steps over the whole batch (a stratified sample)."""
    n = batch.num_rows
    if n <= rows:
        return batch
    step = n / rows
    return batch.take(_indices([int(i * step) for i in range(rows)]))


class Reservoir:
    """A uniform random sample of up to ``size`` rows of some columns of a stream of batches.

    Bottom-k sampling: every row gets a random key, and the sample is the ``size`` rows with
    the smallest keys, so every set of ``size`` rows is equally likely, whatever the input's
    length. The keys are drawn per batch by NumPy (a PCG64 generator seeded from the operating
    system's random source: the file's author cannot know them) and the sample is cut with one
    partition per batch: the cost per batch does not depend on a row-by-row loop.
    """

    def __init__(self, columns: Sequence[int], size: int = RESERVOIR_ROWS) -> None:
        import numpy as np

        self.columns = list(columns)
        self.size = size
        self.seen = 0
        self.batches = 0
        self._rng = np.random.Generator(np.random.PCG64(secrets.randbits(128)))
        self._table: pa.Table | None = None
        self._keys = np.empty(0)

    def add(self, batch: pa.RecordBatch) -> None:
        import numpy as np

        n = batch.num_rows
        if not n:
            return
        self.batches += 1
        self.seen += n
        keys = self._rng.random(n)
        batch = batch.select(self.columns)
        if self._table is not None and self._table.num_rows >= self.size:
            # only rows whose key beats the largest kept one can enter the sample
            rows = np.flatnonzero(keys < self._keys.max())
            if not len(rows):
                return
            batch, keys = batch.take(_indices(rows)), keys[rows]
        part = pa.Table.from_batches([batch])
        both = part if self._table is None else pa.concat_tables([self._table, part])
        all_keys = keys if self._table is None else np.concatenate([self._keys, keys])
        if len(all_keys) <= self.size:
            self._table, self._keys = both, all_keys
            return
        keep = np.sort(np.argpartition(all_keys, self.size - 1)[: self.size])
        self._table = both.take(_indices(keep))
        self._keys = all_keys[keep]

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
    sample = spread_sample(batch.select(list(columns)), DRIFT_SAMPLE_ROWS)
    check_samples([(sample, at)], columns, where)


def check_samples(
    samples: Sequence[tuple[pa.RecordBatch, int]], columns: Sequence[int], where: str
) -> None:
    """:func:`check_drift` for several batches' samples at once (``(sample, rows before it)``,
    in input order; each sample holds just the watched columns, whose indexes in the input are
    ``columns``): each sample is classified on its own, but the content signals are matched in
    one pass over all of them (a regex is compiled once per call, not once per batch). The
    first sample, in input order, that may not be released raises."""
    from redactor.detect.classify import classify_column
    from redactor.detect.content import profiles
    from redactor.planning import detectable

    tables = [detectable(pa.Table.from_batches([b])) for b, _ in samples if b.num_rows]
    ats = [at for b, at in samples if b.num_rows]
    profs = iter(profiles([c for t in tables for c in t.columns]))
    for table, at in zip(tables, ats, strict=True):
        for i, name in zip(columns, table.column_names, strict=True):
            col = table.column(name)
            s = classify_column(name, col, presidio=False, prof=next(profs))
            seen = drifted(s.category, s.flagged, s.clear, col)
            if seen is not None:
                raise _stopped(where, i, f"rows after {at} {seen}")


class DriftWatch:
    """The later-batch check at a steady cost whatever the batch size: each batch is sampled in
    proportion to its length (``DRIFT_SAMPLE_ROWS`` per ``DRIFT_EVERY_ROWS`` rows, at least
    ``DRIFT_MIN_ROWS``) and classified on its own, so a short run of protected rows in one
    small batch is not diluted by its neighbours, and a CSV read in small blocks costs about
    what one read in large blocks does. With ``group`` > 1 (only for a caller that releases
    nothing before the end, such as an atomic output file), the samples of up to ``group``
    batches are classified in one call (:func:`check_samples`), and :meth:`flush` checks what
    is left: it must be called after the last batch, before anything is committed."""

    #: batches whose samples are classified together when nothing is released before the end
    GROUP = 16

    def __init__(self, columns: Sequence[int], where: str, *, group: int = 1) -> None:
        self.columns = list(columns)
        self.where = where
        self.group = max(1, group)
        self._pending: list[tuple[pa.RecordBatch, int]] = []

    def add(self, batch: pa.RecordBatch, at: int) -> None:
        if not self.columns or not batch.num_rows:
            return
        want = math.ceil(DRIFT_SAMPLE_ROWS * batch.num_rows / DRIFT_EVERY_ROWS)
        rows = max(DRIFT_MIN_ROWS, min(want, DRIFT_SAMPLE_ROWS))
        self._pending.append((spread_sample(batch.select(self.columns), rows), at))
        if len(self._pending) >= self.group:
            self.flush()

    def flush(self) -> None:
        """Classify the samples not yet checked (raises as :func:`check_drift` does)."""
        pending, self._pending = self._pending, []
        if pending:
            check_samples(pending, self.columns, self.where)


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
