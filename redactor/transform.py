"""The batch transform: one record batch through a column plan (drop, null, mask, hash,
generalize, scrub). Plain Arrow in and out, no engine and no pyspark: the local engine and the
Spark executors run this same code."""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa

from redactor.categories import Action
from redactor.masking import HashKey, apply_action
from redactor.plan import ColumnPlan


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    """A zero-row batch of ``schema`` (built without pyarrow's Python-object conversion, which
    imports pandas when it is installed: a second of start-up for nothing)."""
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def transform_batch(
    batch: pa.RecordBatch,
    plan: Sequence[ColumnPlan],
    key: HashKey | None,
    scrubber: Callable | None,
) -> pa.RecordBatch:
    arrays, names = [], []
    for i, p in enumerate(plan):
        if p.drops:
            continue
        col = batch.column(i)
        if p.withheld:
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


def transformed(
    batches: Iterable[pa.RecordBatch],
    plan: Sequence[ColumnPlan],
    key: HashKey | None,
    scrubber: Callable | None,
    workers: int | None = None,
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch]]:
    """``(batch, transform_batch(batch))`` in input order, transforming up to ``workers``
    batches at once on threads while the caller reads and writes: Arrow's readers, writers and
    kernels (the scrub's regexes above all) release the GIL, so the stages overlap on several
    cores. At most ``2 * workers`` batches are in flight, so memory stays bounded."""
    workers = workers or min(4, os.cpu_count() or 1)
    if workers <= 1:
        for b in batches:
            yield b, transform_batch(b, plan, key, scrubber)
        return
    pending: deque[tuple[pa.RecordBatch, Future[pa.RecordBatch]]] = deque()
    pool = _pool(workers)  # one pool per process: a statement on the wire pays no start-up
    try:
        for b in batches:
            pending.append((b, pool.submit(transform_batch, b, plan, key, scrubber)))
            if len(pending) >= 2 * workers:
                done, fut = pending.popleft()
                yield done, fut.result()
        while pending:
            done, fut = pending.popleft()
            yield done, fut.result()
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


__all__ = ["empty_batch", "scrubber_for", "transform_batch", "transformed"]
