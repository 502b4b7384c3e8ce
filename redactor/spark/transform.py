"""What executors run: the single-machine masking code, applied batch by batch.

:class:`BatchRedactor` is pickled by the driver and shipped with the ``mapInArrow`` task. It
holds the column plan and the output schema, never the hashing key itself: the key travels as a
Spark broadcast variable (see :mod:`redactor.spark.keys`), fetched on the executor at run time.
This module does not import pyspark; it is plain Arrow in, Arrow out, and testable without Spark.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from redactor.errors import DataError
from redactor.masking import HashKey
from redactor.plan import ColumnPlan
from redactor.transform import scrubber_for, transform_batch


class KeySource(Protocol):
    """Something that yields the hashing key where the batches are processed."""

    def get(self) -> HashKey: ...


@dataclass(frozen=True, slots=True)
class BatchRedactor:
    """Apply a column plan to every record batch of one Spark partition.

    ``plan`` lists the input columns in the order Spark hands them over; ``out_schema`` is the
    Arrow form of the Spark schema declared to ``mapInArrow``.
    """

    plan: tuple[ColumnPlan, ...]
    out_schema: pa.Schema
    key: KeySource | None = None

    def __repr__(self) -> str:  # shows in Spark plans: the plan's shape, never a key
        withheld = sum(p.withheld for p in self.plan)
        return f"BatchRedactor({len(self.plan)} columns, {withheld} withheld)"

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        key = self.key.get() if self.key is not None else None
        scrubber = scrubber_for(self.plan)
        expected = [p.name for p in self.plan]
        for batch in batches:
            if batch.schema.names != expected:
                # never guess which column is which: a mismatch would mask the wrong column
                raise DataError(
                    "Spark handed over columns in an unexpected order "
                    f"({batch.schema.names[:3]}…, planned {expected[:3]}…)",
                    hint="this is a bug in redactor's Spark engine; report it",
                )
            out = transform_batch(batch, self.plan, key, scrubber)
            if out.schema != self.out_schema:
                out = out.cast(self.out_schema)
            yield out
