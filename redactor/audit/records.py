"""Request-log entries built from a request's objects (and nothing else: no data values)."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from redactor import __version__
from redactor.categories import PROTECTED
from redactor.errors import RedactorError
from redactor.requestlog import Completion, RequestRecord

if TYPE_CHECKING:
    from redactor.audit.job import Job, Outcome
    from redactor.fieldmap import FieldMap
    from redactor.plan import ColumnPlan
    from redactor.policy.decide import Decision


def os_user() -> str:
    """The operating-system account running this process (recorded beside the names given)."""
    # getpass reads these variables first, then the passwd entry of the process's uid: the
    # answer is kept per value of the variables (a server asks for every statement)
    return _os_user(tuple(os.environ.get(k) for k in ("LOGNAME", "USER", "LNAME", "USERNAME")))


@functools.lru_cache(maxsize=8)
def _os_user(_variables: tuple[str | None, ...]) -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (a container running as a bare uid)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def request_record(
    decision: Decision,
    job: Job,
    field_map: FieldMap | None,
    plan: Sequence[ColumnPlan] | None,
    status: str,
    *,
    extra_reason: str | None = None,
    dialect: str | None = None,
) -> RequestRecord:
    req = decision.request
    reasons = list(decision.reasons)
    if extra_reason and extra_reason not in reasons:
        reasons.append(extra_reason)
    return RequestRecord(
        command=job.command,  # type: ignore[arg-type]
        decision="refused" if status == "refused" else status,  # type: ignore[arg-type]
        requester=req.requester,
        agency=req.agency,
        purposes=req.purposes,
        evidence=tuple(e.to_log() for e in req.evidence),
        packs=tuple(lp.ref for lp in decision.packs),
        field_map=None
        if field_map is None
        else {"name": field_map.name, "sha256": field_map.sha256 or None},
        source=shown_path(job.source, decision),
        query=job.query,
        dialect=dialect,
        reasons=tuple(reasons),
        category_actions={c.value: decision.action_for(c).value for c in PROTECTED},
        columns_withheld=tuple(p.name for p in plan or () if p.withheld),
        exceptions_granted=decision.exceptions_granted,
        obligations=decision.obligations,
        restricted=decision.restricted,
        redactor_version=__version__,
        time=req.received.isoformat(),
        opened_request=req.opened_request,
        os_user=os_user(),
        recipient=decision.recipient.to_log() if decision.recipient else None,
        immigration_request=decision.immigration_request,
        categories_lifted=tuple(c.value for c in decision.lifted_categories),
    )


def completion(
    outcome: Outcome, job: Job, error: str | None, *, rows_sent: int | None = None
) -> Completion:
    """The completion entry: completed with rows and the output's hash, or failed with the
    error and ``rows_sent`` (rows a stream had already released, e.g. on the wire; None for a
    file output, which is never released in part)."""
    if error is not None:
        return Completion(
            status="failed",
            rows_in=outcome.rows_in,
            rows_out=rows_sent,
            output_sha256=None,
            output=shown_path(job.output, outcome.decision),
            error=error,
        )
    return Completion(
        status="completed",
        rows_in=outcome.rows_in,
        rows_out=outcome.rows_out,
        output_sha256=outcome.output_sha256,
        output=shown_path(job.output, outcome.decision),
    )


def shown_path(path: str | None, decision: Decision) -> str | None:
    """A file path as the log and manifest store it: under a restricted decision, parts that
    read like values masked (and then the path's keyed hash added, when a key is configured)."""
    if not decision.restricted:
        return path
    from redactor.masking import HashKey
    from redactor.safe_names import masked_path, safe_path

    if not path or path == "-" or "://" in path or masked_path(path) == path:
        return path  # nothing masked: no key to read (this runs for every entry and manifest)
    try:
        key = HashKey.from_env()
    except RedactorError:  # a bad key is reported where hashing needs it; here: no hash
        key = None
    return safe_path(path, key)


__all__ = ["completion", "os_user", "request_record", "shown_path"]
