"""The batch transform: one record batch through a column plan (drop, null, mask, hash,
generalize, scrub). Plain Arrow in and out, no engine and no pyspark: the local engine and the
Spark executors run this same code."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from redactor.categories import Action
from redactor.masking import HashKey, apply_action
from redactor.plan import ColumnPlan


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    """A zero-row batch of ``schema`` (built without pyarrow's Python-object conversion, which
    imports pandas when it is installed: a second of start-up for nothing)."""
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


#: Scrubbed text is scrubbed at least this many rows at a time (batches grouped, their
#: scrubbed columns joined): each of the scrub's regex calls compiles its pattern and builds its
#: matcher's states again, ~35 ms for one column's passes and name rules, so a CSV read in
#: 4 MiB blocks (~17,000 rows of a 24-column export) would pay it 60 times per million rows.
SCRUB_ROWS = 65_536
#: ... and at most this many bytes of them (string offsets are 32-bit; memory stays bounded).
SCRUB_BYTES = 64 << 20


def transform_batch(
    batch: pa.RecordBatch,
    plan: Sequence[ColumnPlan],
    key: HashKey | None,
    scrubber: Callable | None,
    done: Mapping[int, pa.Array] | None = None,
) -> pa.RecordBatch:
    """``batch`` through ``plan``. ``done``: columns (by index) already transformed."""
    arrays, names = [], []
    for i, p in enumerate(plan):
        if p.drops:
            continue
        col = batch.column(i)
        if done is not None and i in done:
            col = done[i]
        elif p.withheld:
            col = apply_action(
                col,
                p.action,
                category=p.category,
                keep_last=p.keep_last,
                generalize_to=p.generalize_to,
                key=key,
                scrubber=scrubber,
            )
        arrays.append(col)
        names.append(p.name)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def transform_group(
    batches: Sequence[pa.RecordBatch],
    plan: Sequence[ColumnPlan],
    key: HashKey | None,
    scrubber: Callable | None,
) -> list[pa.RecordBatch]:
    """``transform_batch`` of each of ``batches``, with each scrubbed column scrubbed once over
    all of them (when its type is the same in all): the same values as batch by batch, in
    fewer regex calls."""
    scrubbed = _scrubbed(plan) if len(batches) > 1 else []
    if not scrubbed or any(len({b.column(i).type for b in batches}) > 1 for i in scrubbed):
        return [transform_batch(b, plan, key, scrubber) for b in batches]
    whole = {
        i: apply_action(
            pa.chunked_array([b.column(i) for b in batches]).combine_chunks(),
            Action.SCRUB,
            category=plan[i].category,
            scrubber=scrubber,
        )
        for i in scrubbed
    }
    out, at = [], 0
    for b in batches:
        done = {i: a.slice(at, b.num_rows) for i, a in whole.items()}
        out.append(transform_batch(b, plan, key, scrubber, done))
        at += b.num_rows
    return out


def _scrubbed(plan: Sequence[ColumnPlan]) -> list[int]:
    return [i for i, p in enumerate(plan) if p.withheld and p.action is Action.SCRUB]


def _grouped(
    batches: Iterable[pa.RecordBatch], plan: Sequence[ColumnPlan]
) -> Iterator[list[pa.RecordBatch]]:
    """``batches`` in groups for :func:`transform_group`: one by one unless a column is
    scrubbed, else up to :data:`SCRUB_ROWS` rows or :data:`SCRUB_BYTES` of scrubbed text, of
    one type (a batch too large to share is a group of its own)."""
    scrubbed = _scrubbed(plan)
    if not scrubbed:
        for b in batches:
            yield [b]
        return
    group: list[pa.RecordBatch] = []
    rows = size = 0
    for b in batches:
        grown = size + sum(b.column(i).nbytes for i in scrubbed)
        if group and (
            grown > SCRUB_BYTES
            or any(b.column(i).type != group[0].column(i).type for i in scrubbed)
        ):
            yield group
            group, rows, grown = [], 0, grown - size
        group.append(b)
        rows, size = rows + b.num_rows, grown
        if rows >= SCRUB_ROWS:
            yield group
            group, rows, size = [], 0, 0
    if group:
        yield group


def transformed(
    batches: Iterable[pa.RecordBatch],
    plan: Sequence[ColumnPlan],
    key: HashKey | None,
    scrubber: Callable | None,
    workers: int | None = None,
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch]]:
    """``(batch, transform_batch(batch))`` in input order, transforming up to ``workers``
    batches (or groups of batches whose text is scrubbed, see :func:`transform_group`) at once
    on threads while the caller reads and writes: Arrow's readers, writers and kernels (the
    scrub's regexes above all) release the GIL, so the stages overlap on several cores. At most
    ``2 * workers`` batches or groups are in flight, so memory stays bounded."""
    workers = workers or min(4, os.cpu_count() or 1)
    if workers <= 1:
        for group in _grouped(batches, plan):
            yield from zip(group, transform_group(group, plan, key, scrubber), strict=True)
        return
    pending: deque[tuple[list[pa.RecordBatch], Future[list[pa.RecordBatch]]]] = deque()
    pool = _pool(workers)  # one pool per process: a statement on the wire pays no start-up
    try:
        for group in _grouped(batches, plan):
            pending.append((group, pool.submit(transform_group, group, plan, key, scrubber)))
            if len(pending) >= 2 * workers:
                done, fut = pending.popleft()
                yield from zip(done, fut.result(), strict=True)
        while pending:
            done, fut = pending.popleft()
            yield from zip(done, fut.result(), strict=True)
    finally:
        for _, fut in pending:
            fut.cancel()


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """The process's pool of ``workers`` threads for batch transforms, started on first use."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="redactor"
            )
        return pool


def scrubber_for(plan: Sequence[ColumnPlan]) -> Callable | None:
    """The free-text scrubber, imported only when a column is scrubbed."""
    if any(p.action is Action.SCRUB for p in plan):
        from redactor.detect import scrub_array

        return scrub_array
    return None


__all__ = ["empty_batch", "scrubber_for", "transform_batch", "transform_group", "transformed"]
