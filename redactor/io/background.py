"""A batch writer that encodes in a thread of its own, beside the reading and checking.

Arrow's CSV and Parquet writers release the GIL while they encode and compress, so a batch
can be written while the next one is read, checked and transformed. At most
:data:`QUEUED` batches wait between the two threads (memory stays flat whatever the input's
size). The output is still atomic: the thread writes into the same temporary output, which is
renamed only after :meth:`BackgroundWriter.close` has returned; an error in the thread is
raised, as itself, by the next :meth:`~BackgroundWriter.write` or by ``close``, and
:meth:`~BackgroundWriter.abandon` stops the thread before the output is thrown away.
"""

from __future__ import annotations

import contextlib
import queue
import threading

import pyarrow as pa

from redactor.io.writers import BatchWriter

QUEUED = 2  # batches waiting for the writing thread
_END = object()


class BackgroundWriter:
    """``inner``'s writes done in a thread, in order; ``close`` waits for the last."""

    def __init__(self, inner: BatchWriter) -> None:
        self._inner = inner
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUED)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="redactor-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END or self._stop.is_set():
                return
            try:
                self._inner.write(item)
            except BaseException as e:  # raised in the command's thread by write() or close()
                self._error = e
                self._stop.set()
                return

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        self._raise()

    def write(self, batch: pa.RecordBatch) -> None:
        self._raise()
        self._put(batch)

    def close(self) -> None:
        """Wait for every batch to be written, then close ``inner`` (in this thread)."""
        self._put(_END)
        self._thread.join()
        self._raise()
        if self._stop.is_set():  # abandoned
            raise RuntimeError("the writer was abandoned")
        self._inner.close()

    def abandon(self) -> None:
        """Stop the thread (what is queued is not written) and close ``inner``: the output is
        being thrown away."""
        self._stop.set()
        while True:  # unblock a thread waiting to put, and let ours see the stop
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_END)
        self._thread.join()
        # let go of the inner writer's resources now (into the output being thrown away), not
        # when it is collected; after a failed write its close may fail too
        with contextlib.suppress(Exception):
            self._inner.close()
