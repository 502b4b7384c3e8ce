"""``--progress auto|off|json``: how a long job shows how far it is, on standard error.

``auto`` (the default) draws a progress bar with rich — rows, bytes, rate and, when the input's
size is known, the time left — once a job has run for :data:`DELAY` seconds, and only when
standard error is a terminal and ``-q`` is not given. ``json`` prints one JSON object per line
(schema ``redactor.progress/1``, see docs/json.md) every :data:`INTERVAL` seconds and a last one
when the job ends, for batch schedulers; ``off`` prints nothing. Standard output (which may be
the data) is never touched.

The engine calls :meth:`ProgressReport.update` once per batch, so the cost is one clock read per
batch until something is due to be shown.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Callable
from typing import IO, Any

import click

from redactor.io.formats import Format

#: Seconds a job runs before ``auto`` shows anything (short jobs stay silent).
DELAY = 2.0
#: Seconds between two ``json`` lines.
INTERVAL = 1.0
#: The ``schema`` of a ``--progress json`` line.
SCHEMA = "redactor.progress/1"
MODES = ("auto", "off", "json")


def progress_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--progress",
        "progress_mode",
        type=click.Choice(MODES),
        default="auto",
        show_default=True,
        help="auto: a progress bar on standard error when it is a terminal and the job runs "
        "over 2 s (never with -q); json: one JSON line per second on standard error "
        "(redactor.progress/1, docs/json.md); off: nothing",
    )(fn)


def input_size(path: str, fmt: Format | None) -> tuple[int | None, int | None]:
    """(total bytes, total rows) of an input where they are cheap to know: a file's size (or a
    regular file redirected to standard input), a Parquet file's row count from its footer."""
    try:
        if path == "-":
            st = os.fstat(sys.stdin.fileno())
            return (st.st_size if stat.S_ISREG(st.st_mode) else None), None
        if fmt is Format.PARQUET:
            import pyarrow.parquet as pq

            return None, pq.read_metadata(path).num_rows
        return os.path.getsize(path), None
    except Exception:  # a size is a nicety: an input it cannot be had for shows none
        return None, None


class ProgressReport:
    """Counts shown on standard error as ``mode`` says; call :meth:`update` per batch and
    :meth:`close` at the end (or use it as a context manager)."""

    def __init__(
        self,
        mode: str,
        *,
        quiet: bool = False,
        total_bytes: int | None = None,
        total_rows: int | None = None,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        delay: float = DELAY,
        interval: float = INTERVAL,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = mode
        if mode == "auto" and (quiet or not _is_tty(self.stream)):
            self.mode = "off"
        self.total_bytes = total_bytes or None
        self.total_rows = total_rows or None
        self.clock = clock
        self.delay = delay
        self.interval = interval
        self.started = clock()
        self.rows = 0
        self.bytes: int | None = None
        self._next = self.started + (delay if self.mode == "auto" else interval)
        self._bar: Any = None
        self._task: Any = None
        self._closed = False

    # the engine's callback: (rows, bytes read or None)
    def __call__(self, rows: int, bytes_read: int | None = None) -> None:
        self.update(rows, bytes_read)

    def update(self, rows: int, bytes_read: int | None = None) -> None:
        self.rows = rows
        if bytes_read is not None:
            self.bytes = bytes_read
        if self.mode == "off":
            return
        now = self.clock()
        if now < self._next:
            return
        if self.mode == "json":
            self._next = now + self.interval
            self._emit("progress", now)
        else:
            self._next = now + 0.1  # redraw at most ten times a second
            self._draw()

    def snapshot(self, event: str, now: float | None = None) -> dict[str, Any]:
        """One ``redactor.progress/1`` line (see docs/json.md)."""
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rows_rate = self.rows / elapsed
        bytes_rate = self.bytes / elapsed if self.bytes is not None else None
        eta = None
        if event == "progress":
            if self.total_bytes and self.bytes and bytes_rate:
                eta = max(self.total_bytes - self.bytes, 0) / bytes_rate
            elif self.total_rows and self.rows and rows_rate:
                eta = max(self.total_rows - self.rows, 0) / rows_rate
        return {
            "schema": SCHEMA,
            "event": event,
            "rows": self.rows,
            "bytes": self.bytes,
            "total_rows": self.total_rows,
            "total_bytes": self.total_bytes,
            "elapsed_s": round(now - self.started, 3),
            "rows_per_s": round(rows_rate, 1),
            "bytes_per_s": round(bytes_rate, 1) if bytes_rate is not None else None,
            "eta_s": round(eta, 1) if eta is not None else None,
        }

    def _emit(self, event: str, now: float | None = None) -> None:
        self.stream.write(json.dumps(self.snapshot(event, now), separators=(",", ":")) + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            by_bytes = self.total_bytes is not None or self.bytes is not None
            columns: list[Any] = [TextColumn("redactor: {task.fields[rows]:,} rows")]
            if self.total_bytes or self.total_rows:
                columns += [BarColumn(), TaskProgressColumn()]
            if by_bytes:
                columns += [DownloadColumn(), TransferSpeedColumn()]
            else:
                columns += [TextColumn("{task.fields[rate]} rows/s")]
            columns += [TimeElapsedColumn()]
            if self.total_bytes or self.total_rows:
                columns += [TextColumn("ETA"), TimeRemainingColumn()]
            console = Console(file=self.stream, stderr=self.stream is sys.stderr)
            self._bar = Progress(*columns, console=console, auto_refresh=False, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(
                "redact", total=self.total_bytes or self.total_rows, rows=0, rate="0"
            )
        by_bytes = self.total_bytes is not None or (self.bytes is not None and not self.total_rows)
        done = (self.bytes or 0) if by_bytes else self.rows
        elapsed = max(self.clock() - self.started, 1e-9)
        self._bar.update(
            self._task, completed=done, rows=self.rows, rate=f"{self.rows / elapsed:,.0f}"
        )
        self._bar.refresh()

    def close(self, ok: bool = True) -> None:
        """End the display: the bar is cleared; ``json`` prints its last line (``done``, or
        ``stopped`` when the job failed)."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.stop()
        if self.mode == "json":
            self._emit("done" if ok else "stopped")

    def __enter__(self) -> ProgressReport:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.close(ok=exc_type is None)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


__all__ = [
    "DELAY",
    "INTERVAL",
    "MODES",
    "SCHEMA",
    "ProgressReport",
    "input_size",
    "progress_option",
]
