"""The Python API: the same requests as the command line, decided and logged the same way.

Everything here is re-exported by :mod:`redactor` (see ``docs/python.md``). A request is
decided under the policy packs (the default pack unless ``policy`` names others), its stated
purposes and evidence kinds checked against them as the command line checks them, and logged in
the request log (the default log unless ``log`` names one) before any output is released.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from redactor.audit import Job, Outcome, RequestAudit
from redactor.errors import UsageError
from redactor.io.formats import Format
from redactor.request import Request
from redactor.settings import scoped

if TYPE_CHECKING:
    from redactor.fieldmap import FieldMap
    from redactor.policy import Decision, LoadedPack
    from redactor.requestlog import RequestLog
    from redactor.sql.job import ExportResult
    from redactor.sql.rewrite import RewriteResult

Policy = str | Sequence[str] | None


def load_packs(policy: Policy = None) -> list[LoadedPack]:
    """The policy packs named by ``policy`` (ids or YAML paths), else the default pack."""
    from redactor.policy import load_pack

    names = [policy] if isinstance(policy, str) else list(policy or ())
    return [load_pack(n) for n in names] if names else [load_pack(None)]


@scoped
def decide(
    request: Request, policy: Policy = None, *, record_limit_enforced: bool = False
) -> Decision:
    """Decide ``request`` under ``policy``. An unknown purpose or evidence kind is a
    :class:`~redactor.errors.UsageError` (with "did you mean"), as on the command line; a request
    without an agency is one too. ``record_limit_enforced``: the caller releases no more than
    ``Decision.record_limit`` records (only then is an order naming records honoured)."""
    from redactor.policy import decide as decide_under
    from redactor.policy.known import check_known

    if not (request.agency or "").strip():
        raise UsageError(
            "A request must name the requesting agency",
            hint="e.g. Request(..., agency='ICE'); decisions depend on who asks",
        )
    packs = load_packs(policy)
    check_known(request, packs)
    return decide_under(request, packs, record_limit_enforced=record_limit_enforced)


def load_field_map(path: str) -> FieldMap:
    """Load and check a reviewed field map (YAML)."""
    from redactor.fieldmap import load_field_map as load

    return load(path)


def open_log(target: str | None = None, *, create: bool = True) -> RequestLog:
    """Open the request log at a SQLite path or ``postgresql://`` URL (default: the same log the
    command line uses, ``REDACTOR_LOG`` or the user's data folder). Use it as a context manager
    or close it."""
    from redactor.requestlog import open_log as open_

    return open_(target, create=create)


class _LogHandle:
    """A log given by the caller (left open) or opened here from a target (closed after)."""

    def __init__(self, log: Any) -> None:
        self.owned = log is None or isinstance(log, str) or hasattr(log, "__fspath__")
        self.log = open_log(None if log is None else str(log)) if self.owned else log

    def close(self) -> None:
        if self.owned:
            self.log.close()


@scoped
def redact_table(
    data: Any,
    request: Request,
    *,
    field_map: FieldMap | None = None,
    table_name: str | None = None,
    log: Any = None,
    policy: Policy = None,
    strict: bool = False,
) -> Any:
    """Redact an in-memory table under ``request`` and return the same kind of object.

    ``data`` is a ``pyarrow.Table``, a ``pyarrow.RecordBatchReader`` or a pandas ``DataFrame``
    (its index is not kept). A table or a frame is redacted whole, and the completion logged,
    before it is returned. A reader stays streaming: the input's first batch is read and the
    request logged when this returns; batches are redacted as the returned reader is read, and
    the completion is logged when it is exhausted (a later batch that looks protected, or a
    reader closed early, completes the request as failed: batches already read have been
    released, as on the wire front end). ``log`` is a path, a ``postgresql://`` URL, an open
    :class:`~redactor.requestlog.RequestLog`, or None for the default log.
    """
    kind, reader = _as_reader(data)
    decision = decide(request, policy, record_limit_enforced=True)
    if field_map is not None:
        field_map.table(table_name)  # a bad table name fails before anything is read
    job = Job(
        source=f"<{kind}>",
        output="<memory>",
        output_format=Format.PARQUET,  # not written: the result is returned in memory
        table=table_name,
        strict=strict,
        manifest="",
        command="redact",
    )
    handle = _LogHandle(log)
    try:
        batches = _redacted(decision, reader, job, field_map, handle)
    except BaseException:
        handle.close()
        raise
    schema = next(batches)  # planned and logged: the first item is the output schema
    stream = pa.RecordBatchReader.from_batches(schema, batches)  # type: ignore[arg-type]
    if kind == "RecordBatchReader":
        return stream
    table = stream.read_all()
    if kind == "DataFrame":
        return table.to_pandas()
    return table


def _as_reader(data: Any) -> tuple[str, pa.RecordBatchReader]:
    if isinstance(data, pa.RecordBatchReader):
        return "RecordBatchReader", data
    if isinstance(data, pa.Table):
        return "Table", data.to_reader()
    if isinstance(data, pa.RecordBatch):
        return "Table", pa.Table.from_batches([data]).to_reader()
    if type(data).__name__ == "DataFrame" and hasattr(data, "to_records"):
        return "DataFrame", pa.Table.from_pandas(data, preserve_index=False).to_reader()
    raise UsageError(
        f"Cannot redact a {type(data).__name__}",
        hint="pass a pyarrow.Table, a pyarrow.RecordBatchReader or a pandas DataFrame",
    )


def _redacted(
    decision: Decision,
    reader: pa.RecordBatchReader,
    job: Job,
    field_map: FieldMap | None,
    handle: _LogHandle,
) -> Iterator[Any]:
    """Plan and log (before the first item), then yield the output schema, then the batches;
    the completion is logged after the last one. The audit logs refusals and failures."""
    from redactor.pipeline import output_schema, plan_request, redacted_batches, refused

    try:
        with RequestAudit(handle.log, decision, job, field_map) as audit:
            if decision.refused:
                audit.refuse("; ".join(decision.reasons))
                raise refused(decision)
            batches = iter(reader)
            first, outcome = plan_request(decision, reader.schema, batches, job, field_map, audit)
            audit.begin(outcome)
            yield output_schema(reader.schema, outcome)
            digest = hashlib.sha256()
            for b in redacted_batches(decision, reader.schema, first, batches, job, outcome):
                sink = pa.BufferOutputStream()
                with pa.ipc.new_stream(sink, b.schema) as w:
                    w.write_batch(b)
                digest.update(sink.getvalue())
                yield b
            outcome.output_sha256 = digest.hexdigest()
            audit.complete(outcome)
    finally:
        handle.close()


@scoped
def redact_file(
    source: str,
    output: str,
    request: Request | None = None,
    *,
    decision: Decision | None = None,
    field_map: FieldMap | None = None,
    table_name: str | None = None,
    log: Any = None,
    policy: Policy = None,
    strict: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    manifest: str | None = None,
    allow_empty: bool = False,
    output_mode: int = 0o600,
    dry_run: bool = False,
    on_plan: Callable[[Outcome], None] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    infer_types: bool = False,
) -> Outcome:
    """Redact a dataset file (CSV, TSV, Parquet, JSON Lines; ``-`` for standard input/output)
    into ``output``, with its manifest, exactly as ``redactor redact`` does (the command is this
    call). Give ``request`` (decided here under ``policy``) or a ``decision`` already made.
    ``dry_run`` plans without reading rows or logging; ``on_plan`` sees the plan before any
    output; ``progress(rows, bytes)`` is called after each batch written with the rows and input
    bytes read so far (bytes None for Parquet). Standard input without ``input_format`` is
    sniffed: Parquet by its magic bytes, JSON Lines by a leading ``{``, else CSV.
    ``infer_types``: type released CSV/TSV columns whose every value's text survives (integers,
    ISO dates; ``redactor.io.infer``), reading the file once more first."""
    from redactor.io.formats import resolve_format
    from redactor.paths import check_job_paths
    from redactor.pipeline import redact_file as redact

    if decision is None:
        if request is None:
            raise UsageError("redact_file() needs a request or a decision")
        decision = decide(request, policy, record_limit_enforced=True)
    if field_map is not None:
        field_map.table(table_name)  # a bad table name is bad input, before anything is read
    in_fmt = resolve_format(source, input_format, role="input")
    out_fmt = (
        resolve_format(output, output_format, role="output")  # a compressed name is refused
        if output_format or output != "-"
        else in_fmt
    )
    job = Job(
        source=source,
        output=output,
        output_format=out_fmt,
        table=table_name,
        strict=strict,
        manifest=manifest,
        allow_empty=allow_empty,
        output_mode=output_mode,
        infer_types=infer_types,
    )
    if infer_types:  # a usage error, before anything is logged
        from redactor.io.infer import check_inferable

        check_inferable(source, in_fmt)
    if log is None or isinstance(log, str):
        check_job_paths(job, log, with_log=not dry_run)
    handle = None if dry_run else _LogHandle(log)
    try:
        return redact(
            decision,
            source,
            in_fmt,
            job,
            field_map=field_map,
            log=handle.log if handle else None,
            dry_run=dry_run,
            on_plan=on_plan,
            progress=progress,
        )
    finally:
        if handle is not None:
            handle.close()


@scoped
def rewrite_query(
    sql: str,
    request: Request,
    field_map: FieldMap,
    *,
    dialect: str = "postgres",
    to: str | None = None,
    policy: Policy = None,
) -> RewriteResult:
    """Check and rewrite ``sql`` so that protected fields are masked in the database; refused
    queries raise :class:`~redactor.errors.RefusedError`. Nothing is logged: no data moves
    (``redactor sql`` logs the rewrite; use :func:`export_query` to run it)."""
    from redactor.sql.rewrite import rewrite_query as rewrite

    return rewrite(sql, field_map, decide(request, policy), dialect=dialect, to=to)


@scoped
def export_query(
    db: str,
    sql: str,
    output: str,
    request: Request,
    field_map: FieldMap,
    *,
    log: Any = None,
    policy: Policy = None,
    output_format: str | None = None,
    dialect: str | None = None,
    manifest: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Run ``sql`` read-only on the database at ``db`` (``sqlite:///``, ``duckdb:///``,
    ``postgresql://``) with protected fields masked in the database, and write ``output``, as
    ``redactor export`` does; ``progress(rows)`` is called after each batch with the rows
    read so far."""
    from redactor.io.formats import resolve_format
    from redactor.sql.job import export_query as export

    fmt = resolve_format(output, output_format, role="output")
    decision = decide(request, policy)
    handle = _LogHandle(log)
    try:
        return export(
            db,
            sql,
            field_map,
            decision,
            output=output,
            output_format=fmt,
            dialect=dialect,
            manifest=manifest,
            log=handle.log,
            progress=progress,
        )
    finally:
        handle.close()


__all__ = [
    "decide",
    "export_query",
    "load_field_map",
    "load_packs",
    "open_log",
    "redact_file",
    "redact_table",
    "rewrite_query",
]
