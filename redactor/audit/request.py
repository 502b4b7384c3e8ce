"""One request's life in the request log, in one place: :class:`RequestAudit`.

Every engine (files, database export, ``sql``, Spark, the wire front end) runs a request inside
one audit::

    with RequestAudit(log, decision, job, field_map) as audit:
        plan = ...                      # audit.note_plan(plan): a refusal records what it withheld
        audit.begin(outcome)            # the request entry, before any output byte exists
        ...                             # stream, write, fsync
        audit.complete(outcome)         # rows and hashes; then the output is committed

What leaves the ``with`` block decides the rest, so no engine writes its own handling:

- a :class:`~redactor.errors.RefusedError` before :meth:`begin` is logged as a *refused* request
  (the reason is its message; the plan noted so far gives the withheld columns);
- any other exception before :meth:`begin` (bad input, a bad map, Ctrl-C, a bug) is logged as a
  request plus a *failed* completion;
- any exception after :meth:`begin` (a refusal while streaming included) completes the begun
  entry as *failed*, with the rows read so far;
- leaving without :meth:`begin` and without an error (a dry run) logs nothing.

Exactly one request entry per request, whatever happens; the exception is never swallowed. The
message logged is the error's first line (a typed error's message never holds a data value) or,
for an untyped one, only its class name.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Self

from redactor.errors import RedactorError, RefusedError

if TYPE_CHECKING:
    from redactor.audit.job import Job, Outcome, RequestLogLike
    from redactor.fieldmap import FieldMap
    from redactor.plan import ColumnPlan
    from redactor.policy.decide import Decision
    from redactor.requestlog import Completion


def logged_message(e: BaseException) -> str:
    """What the log keeps of an error: a typed error's first line, else only its class."""
    if isinstance(e, RedactorError):
        return e.message.splitlines()[0] if e.message else type(e).__name__
    if isinstance(e, KeyboardInterrupt):
        return f"{type(e).__name__} (interrupted)"
    return type(e).__name__


class RequestAudit:
    """The log's view of one request: begin, refuse, fail, complete (see the module doc)."""

    def __init__(
        self,
        log: RequestLogLike | None,
        decision: Decision,
        job: Job,
        field_map: FieldMap | None,
        *,
        dialect: str | None = None,
    ) -> None:
        self.log = log
        self.decision = decision
        self.job = job
        self.field_map = field_map
        self.dialect = dialect
        self.plan: Sequence[ColumnPlan] | None = None
        self.outcome: Outcome | None = None
        self.request_id: str | None = None
        self.closed = False

    # -- the steps ---------------------------------------------------------------------------
    def note_plan(self, plan: Sequence[ColumnPlan]) -> None:
        """The plan as far as it is known (a refusal after this lists its withheld columns)."""
        self.plan = plan

    def begin(self, outcome: Outcome) -> str | None:
        """Log the request with its decision and plan, before any output exists."""
        from redactor.audit.records import request_record

        self.outcome = outcome
        self.plan = outcome.plan
        if self.log is not None:
            self.request_id = self.log.begin(
                request_record(
                    self.decision,
                    self.job,
                    self.field_map,
                    outcome.plan,
                    outcome.status,
                    dialect=self.dialect,
                )
            )
        outcome.request_id = self.request_id
        return self.request_id

    def complete(self, outcome: Outcome | None = None, *, record: Completion | None = None) -> None:
        """Log the completion (rows, output hash) of the begun request; ``record`` instead of
        one built from the outcome (``sql`` writes SQL, not rows)."""
        from redactor.audit.records import completion

        outcome = outcome or self.outcome
        if outcome is None:
            raise RuntimeError("RequestAudit.complete() before begin()")
        self.closed = True
        if self.log is not None and self.request_id is not None:
            self.log.complete(self.request_id, record or completion(outcome, self.job, None))

    def _kept(self, why: str) -> str:
        """What the log keeps of a message: under a restricted decision, the input's and the
        output's paths with the parts that read like values masked (a file named for a person
        or an SSN is user data; errors name the file)."""
        if not self.decision.restricted:
            return why
        from redactor.safe_names import without_paths

        return without_paths(why, (self.job.source, self.job.output))

    def refuse(self, why: str) -> None:
        """Log the request as refused (nothing was or will be released)."""
        from redactor.audit.records import request_record

        why = self._kept(why)
        self.closed = True
        if self.log is not None:
            self.log.begin(
                request_record(
                    self.decision,
                    self.job,
                    self.field_map,
                    self.plan,
                    "refused",
                    extra_reason=why,
                    dialect=self.dialect,
                )
            )

    def fail(self, why: str, *, rows_sent: int | None = None) -> None:
        """Log the request as failed: the begun entry's completion (with ``rows_sent``, the
        rows a stream had already released), or a request entry and its failed completion when
        it failed before it began."""
        from redactor.audit.job import Outcome
        from redactor.audit.records import completion, request_record

        why = self._kept(why)
        self.closed = True
        if self.log is None:
            return
        if self.request_id is not None:
            assert self.outcome is not None
            try:
                self.log.complete(
                    self.request_id,
                    completion(self.outcome, self.job, why, rows_sent=rows_sent),
                )
            except Exception:
                print("redactor: could not log the failure", file=sys.stderr)
            return
        if self.decision.refused:  # its refusal is its entry
            return
        status = "redacted" if self.decision.restricted else "released"
        rid = self.log.begin(request_record(self.decision, self.job, self.field_map, None, status))
        failed = Outcome(decision=self.decision, plan=[], status="failed")
        self.log.complete(rid, completion(failed, self.job, why))

    # -- the context -------------------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or self.closed:
            return False
        why = logged_message(exc)
        if isinstance(exc, RefusedError) and self.request_id is None:
            self.refuse(why)
        else:
            self.fail(why)
        return False


__all__ = ["RequestAudit", "logged_message"]
