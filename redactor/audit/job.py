"""What one request reads and writes (:class:`Job`), what became of it (:class:`Outcome`), and
the part of the request log the engines use (:class:`RequestLogLike`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from redactor.errors import UsageError
from redactor.io.formats import Format

if TYPE_CHECKING:
    from redactor.masking import HashKey
    from redactor.plan import ColumnPlan
    from redactor.policy.decide import Decision
    from redactor.requestlog import Completion, RequestRecord


@dataclass(frozen=True, slots=True)
class Job:
    """Where the data comes from and goes to."""

    source: str  # file path, "-" or a credential-free database URL
    output: str  # file path or "-"
    output_format: Format
    table: str | None = None
    strict: bool = False
    manifest: str | None = None  # None: sidecar next to a file output; "" for none
    command: str = "redact"
    query: str | None = None  # literal-stripped SQL, for export
    # An input with no data rows (a header-only CSV, a zero-row Parquet file) is refused as bad
    # input unless this is set; then a header-only output (the schema) is written.
    allow_empty: bool = False
    # Permissions of the output file and its manifest: owner-only unless the user widens them.
    output_mode: int = 0o600
    # --infer-types: released CSV/TSV columns typed where every value's text survives
    # (redactor/io/infer.py); the input is read once more first.
    infer_types: bool = False

    def __post_init__(self) -> None:
        mode = self.output_mode
        if mode & 0o111 or mode & 0o600 != 0o600 or mode > 0o777:
            raise UsageError(
                f"Output mode {self.output_mode:04o} is not allowed",
                hint="give read/write for the owner and no execute bits, e.g. 0600 or 0640",
            )


@dataclass
class Outcome:
    decision: Decision
    plan: list[ColumnPlan]
    status: str  # released | redacted | refused | dry-run
    rows_in: int = 0
    rows_out: int = 0
    input_sha256: str | None = None
    output_sha256: str | None = None
    manifest_path: str | None = None
    request_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    key: HashKey | None = field(default=None, repr=False)
    # --infer-types: the output type of each released column that was typed (name -> type)
    types: dict[str, pa.DataType] = field(default_factory=dict)


class RequestLogLike(Protocol):
    """The part of :class:`redactor.requestlog.RequestLog` the pipeline uses."""

    def begin(self, record: RequestRecord) -> str: ...
    def complete(self, request_id: str, completion: Completion) -> None: ...


def where(job: Job) -> str:
    """How messages name the input."""
    return "standard input" if job.source == "-" else job.source


__all__ = ["Job", "Outcome", "RequestLogLike", "where"]
