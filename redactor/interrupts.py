"""How a run ends when the reader goes away or the user presses Ctrl-C.

- **A closed pipe** (``redactor redact … -o - | head``): the reader wanted no more. The run ends
  quietly with status 141 (128 + SIGPIPE, what the shell reports for any program a pipe
  stopped), nothing on standard error, and the request is logged ``failed`` ("the reader closed
  standard output"): the output was not delivered whole. Never a "free space" hint.
- **Ctrl-C** (SIGINT): exit 130 (128 + SIGINT) with one line, ``redactor: interrupted; nothing
  was written``; the temporary output is discarded and a logged request is completed
  ``failed`` (interrupted).

Both are :class:`~redactor.errors.RedactorError` subclasses so the CLI's error handler maps them
like any other typed error.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

from redactor.errors import RedactorError

PIPE_CLOSED_EXIT = 128 + 13  # SIGPIPE
INTERRUPTED_EXIT = 128 + 2  # SIGINT


class PipeClosedError(RedactorError):
    """The reader of standard output closed it before the output was whole (exit 141, quiet)."""

    exit_code = PIPE_CLOSED_EXIT
    quiet = True


class RunInterrupted(RedactorError):
    """Ctrl-C: the run stopped, nothing was written (exit 130)."""

    exit_code = INTERRUPTED_EXIT


def interrupted() -> RunInterrupted:
    return RunInterrupted("interrupted; nothing was written")


def pipe_closed() -> PipeClosedError:
    return PipeClosedError("the reader closed standard output before the output was whole")


def is_closed_pipe(e: BaseException | None) -> bool:
    return isinstance(e, BrokenPipeError) or (
        isinstance(e, OSError) and e.errno in (errno.EPIPE, errno.ECONNRESET)
    )


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's final flush of a closed pipe
    does not print "Exception ignored … BrokenPipeError" on the way out."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


__all__ = ["PipeClosedError", "RunInterrupted", "interrupted", "is_closed_pipe", "pipe_closed"]
