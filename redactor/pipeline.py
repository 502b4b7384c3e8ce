"""The local engine: request → decision → column plan → batches in → batches out, on this machine.

The same function (:func:`run`) serves file redaction (``redact``) and database export
(``export``): the caller provides a schema and an iterator of record batches. Planning lives in
:mod:`redactor.planning`, the batch transform in :mod:`redactor.transform` (shared with Spark),
the request's life in the log in :class:`redactor.audit.RequestAudit`. Order of events, for the
invariants:

1. decide; a refusal is logged and raised (nothing is read);
2. plan every column (field map, then detection for unmapped columns, then --strict);
3. log the request with its decision *before* any output byte is written;
4. stream batches through the plan into a temporary file beside the destination;
5. fsync; write the manifest to its temporary file; log the completion (rows, output SHA-256);
   commit the manifest, then the output.
A failure at any step after 3 is logged as failed and leaves the destination untouched.
With ``-o -`` step 5 copies the spooled output to standard output *before* the completion is
logged (a pipe cannot be taken back, so a reader that closes it early makes the request
``failed``, exit 141; redactor/interrupts.py). Ctrl-C at any step is exit 130, logged failed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

import pyarrow as pa

from redactor.audit import (
    Job,
    Outcome,
    RequestAudit,
    RequestLogLike,
    manifest_doc,
    manifest_path_for,
    where,
)
from redactor.errors import DataError, RedactorError, RefusedError
from redactor.fieldmap import FieldMap
from redactor.interrupts import interrupted, is_closed_pipe, pipe_closed
from redactor.io.background import BackgroundWriter
from redactor.io.formats import Format
from redactor.io.readers.narrow import Narrowed
from redactor.io.writers import AtomicOutput, BatchWriter, dumps_json, open_writer
from redactor.masking import HashKey
from redactor.plan import plan_notices
from redactor.planning import key_for as _key_for
from redactor.planning import plan_columns as _plan_columns
from redactor.planning import released_by_detection, status_of
from redactor.planning import stale_columns as _stale_columns
from redactor.policy.decide import Decision
from redactor.sampling import SAMPLE_ROWS, DriftWatch, Reservoir, check_whole_input, spread_sample
from redactor.transform import empty_batch, scrubber_for, transform_batch, transformed

#: A progress callback: called after each batch is written (and once more at the end of the
#: input) with the rows read so far and about how many input bytes they span (None when the
#: reader cannot tell, e.g. Parquet; exact at the end). It must be cheap: it runs once per batch
#: (65,536 rows by default), on the streaming thread.
Progress = Callable[[int, int | None], None]
#: Given the plan and the first block, the rest of the input read converting only the kept
#: columns, or None to go on with the reader that read the first block.
Narrow = Callable[[Outcome, pa.RecordBatch], "Narrowed | None"]
#: Output formats whose writer (Arrow's) encodes without holding the GIL: written in a thread
#: of their own (:mod:`redactor.io.background`).
_ARROW_WRITTEN = frozenset({Format.CSV, Format.TSV, Format.PARQUET})


def _prepare(
    decision: Decision,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    field_map: FieldMap | None,
    audit: RequestAudit,
    key: HashKey | None,
    dry_run: bool,
) -> tuple[pa.RecordBatch | None, Outcome]:
    """Everything before the request is logged: sample, plan, key. Raises on refusal."""
    # Peek the first rows: is there any data, and a content sample for detection of unmapped
    # columns. Empty batches before it are skipped (they carry nothing).
    first: pa.RecordBatch | None = None
    sample = None
    if not dry_run:
        for b in batches:
            if b.num_rows:
                first = b
                break
        # a query that matches nothing is an answer; a file with no rows is a broken export
        if first is None and not job.allow_empty and job.command == "redact":
            raise DataError(
                f"{where(job)}: no data rows (the input holds only column names)",
                hint="pass --allow-empty to write a header-only output (e.g. a nightly job on "
                "an empty day)",
            )
        if first is not None and decision.restricted:
            sample = pa.Table.from_batches([spread_sample(first, SAMPLE_ROWS)])
    table = field_map.table(job.table) if field_map is not None else None
    plan = _plan_columns(schema, decision, table, sample, strict=job.strict)
    audit.note_plan(plan)
    outcome = Outcome(decision=decision, plan=plan, status=status_of(plan))
    outcome.warnings += [
        f"the field map lists {c!r}, which the input lacks (stale map?)"
        for c in _stale_columns(schema, table)
    ]
    outcome.warnings += list(decision.warnings)
    outcome.warnings += plan_notices(plan)
    if key is None:
        key = _key_for(plan)
    outcome.key = key
    return first, outcome


def run(
    decision: Decision,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    *,
    field_map: FieldMap | None = None,
    log: RequestLogLike | None = None,
    audit: RequestAudit | None = None,
    input_sha256: Callable[[], str | None] = lambda: None,
    key: HashKey | None = None,
    dry_run: bool = False,
    on_plan: Callable[[Outcome], None] | None = None,
    progress: Progress | None = None,
    bytes_read: Callable[[], int | None] = lambda: None,
    types: dict[str, pa.DataType] | None = None,
    narrow: Narrow | None = None,
) -> Outcome:
    """Plan, log, stream and commit one request. See the module docstring for the order.
    ``types``: the inferred column types of ``--infer-types`` (applied to released columns).
    ``narrow``: once the plan is known, may give the rows after the first block from a reader
    that converts only the columns the plan keeps (with the input's SHA-256), see
    :mod:`redactor.io.readers.narrow`.

    The request is logged through ``audit`` (a caller that did work of its own before, such as
    the export's rewrite, passes the one it opened), else through a new audit over ``log``."""
    with audit or RequestAudit(log, decision, job, field_map) as audit:
        if decision.refused:
            audit.refuse("; ".join(decision.reasons))
            raise refused(decision)
        first, outcome = plan_request(
            decision, schema, batches, job, field_map, audit, key, dry_run
        )
        if types:
            outcome.types = {
                p.name: types[p.name] for p in outcome.plan if not p.withheld and p.name in types
            }
        if on_plan:
            on_plan(outcome)
        if dry_run:
            outcome.status = "dry-run"
            return outcome
        audit.begin(outcome)
        if narrow is not None and first is not None:
            narrowed = narrow(outcome, first)
            if narrowed is not None:
                batches, input_sha256 = narrowed.batches, narrowed.sha256
        _stream(
            decision,
            schema,
            first,
            batches,
            job,
            field_map,
            audit,
            outcome,
            input_sha256,
            progress=progress,
            bytes_read=bytes_read,
        )
        return outcome


def refused(decision: Decision) -> RefusedError:
    """The error for a request the decision refuses outright."""
    first = decision.reasons[0] if decision.reasons else None
    return RefusedError(
        f"Request refused: {first}" if first else "Request refused", reasons=decision.reasons
    )


def plan_request(
    decision: Decision,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    field_map: FieldMap | None,
    audit: RequestAudit,
    key: HashKey | None = None,
    dry_run: bool = False,
) -> tuple[pa.RecordBatch | None, Outcome]:
    """Read the first rows, plan every column and find the key: everything before the request
    is logged. Returns the first non-empty batch (already read) and the outcome with its plan.
    An error inside detection or a library is bad input (exit 4), never a bare exit 1."""
    try:
        return _prepare(decision, schema, batches, job, field_map, audit, key, dry_run)
    except RedactorError:
        raise
    except KeyboardInterrupt:
        raise interrupted() from None
    except Exception as e:
        raise DataError(
            f"{where(job)}: the columns could not be classified ({type(e).__name__}); "
            "nothing was written",
            hint="check the column types of the input (rerun with REDACTOR_DEBUG=1 for a "
            "traceback if the input is well-formed)",
        ) from e


def output_schema(schema: pa.Schema, outcome: Outcome) -> pa.Schema:
    """The schema of the batches the plan gives for input ``schema`` (with the inferred types
    of ``--infer-types``)."""
    plan = outcome.plan
    out = transform_batch(empty_batch(schema), plan, outcome.key, scrubber_for(plan)).schema
    if not outcome.types:
        return out
    return pa.schema(
        [f.with_type(outcome.types[f.name]) if f.name in outcome.types else f for f in out]
    )


def redacted_batches(
    decision: Decision,
    schema: pa.Schema,
    first: pa.RecordBatch | None,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    outcome: Outcome,
    *,
    held: bool = False,
) -> Iterator[pa.RecordBatch]:
    """The input's batches through the plan, in order, counted in ``outcome``: every later batch
    sampled for drift (and the whole input in a reservoir, checked after the last batch), and
    the record limit of the evidence enforced. Raises instead of yielding what may not go out.

    ``held``: the caller releases nothing before the whole input is read (an atomic file), so
    the later-batch checks may classify several batches together
    (:attr:`~redactor.sampling.DriftWatch.GROUP`); a caller that hands each batch on at once (a
    stream, the wire) leaves it False, and each batch is checked before it is yielded."""
    plan, key = outcome.plan, outcome.key
    scrubber = scrubber_for(plan)
    out_schema = output_schema(schema, outcome)
    watched = released_by_detection(plan) if decision.restricted else []
    reservoir = Reservoir(watched) if watched else None
    drift = DriftWatch(watched, where(job), group=DriftWatch.GROUP if held else 1)

    def all_batches() -> Iterator[pa.RecordBatch]:
        at = 0
        if first is not None:
            if reservoir is not None:
                reservoir.add(first)
            yield first
            at = first.num_rows
        for b in batches:
            drift.add(b, at)
            if reservoir is not None:
                reservoir.add(b)
            at += b.num_rows
            yield b

    limit = decision.record_limit
    for b, tb in transformed(all_batches(), plan, key, scrubber):
        outcome.rows_in += b.num_rows
        if tb.schema != out_schema:
            tb = tb.cast(out_schema)
        if limit is not None and outcome.rows_out + tb.num_rows > limit:
            raise RefusedError(
                f"The evidence covers only {limit} record(s) but {job.source} holds more; "
                "nothing was written",
                hint="export only the records the order names, then run again",
            )
        outcome.rows_out += tb.num_rows
        yield tb
    drift.flush()
    if reservoir is not None:
        check_whole_input(reservoir, schema, watched, where(job))


def _stream(
    decision: Decision,
    schema: pa.Schema,
    first: pa.RecordBatch | None,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    field_map: FieldMap | None,
    audit: RequestAudit,
    outcome: Outcome,
    input_sha256: Callable[[], str | None],
    *,
    progress: Progress | None = None,
    bytes_read: Callable[[], int | None] = lambda: None,
) -> None:
    """Write every batch through the plan to a temporary output, then commit it (and its
    manifest) once the completion is logged. Any error leaves the destination untouched and is
    raised as the user's error (the audit logs it)."""
    plan, key = outcome.plan, outcome.key
    out = AtomicOutput(job.output, mode=job.output_mode)
    manifest_out: AtomicOutput | None = None
    writer: BatchWriter | BackgroundWriter | None = None
    try:
        writer = open_writer(job.output_format, out.open(), output_schema(schema, outcome))
        if job.output_format in _ARROW_WRITTEN:  # Arrow encodes without the GIL: beside us
            writer = BackgroundWriter(writer)
        for tb in redacted_batches(decision, schema, first, batches, job, outcome, held=True):
            writer.write(tb)
            if progress is not None:
                progress(outcome.rows_in, bytes_read())
        if progress is not None:  # the input read to its end: the last count is exact
            progress(outcome.rows_in, bytes_read())
        writer.close()
        out.finish_writing()
        outcome.output_sha256 = out.sha256()
        outcome.input_sha256 = input_sha256()
        manifest_path = manifest_path_for(job)
        if manifest_path:  # written (not yet renamed) before the completion is logged
            manifest_out = AtomicOutput(manifest_path, mode=job.output_mode)
            manifest_out.open().write(
                (
                    dumps_json(manifest_doc(decision, plan, job, field_map, outcome, key)) + "\n"
                ).encode("utf-8")
            )
            manifest_out.finish_writing()
        if out.is_stdout:
            # standard output cannot be taken back: the completion is logged once it has been
            # delivered whole (a reader that closes the pipe early makes it a failed request)
            out.commit()
        audit.complete(outcome)
        if manifest_out is not None:  # first: an output never appears without its manifest
            manifest_out.commit()
            outcome.manifest_path = manifest_path
        if not out.is_stdout:
            out.commit()
    except BaseException as e:
        if isinstance(writer, BackgroundWriter):
            writer.abandon()  # before the output goes: its thread may still be writing
        out.abort()
        if manifest_out is not None:
            manifest_out.abort()
        if outcome.manifest_path:  # committed, but its output could not be: take it back
            with contextlib.suppress(OSError):
                os.unlink(outcome.manifest_path)
            outcome.manifest_path = None
        err = _as_user_error(e, job, out)
        if err is not None:
            raise err from None
        raise


def _as_user_error(e: BaseException, job: Job, out: AtomicOutput) -> RedactorError | None:
    """The typed error for a failure while streaming, if it is not a bug: the output could not
    be written (full disk, quota, I/O error: exit 4, like any data that cannot be written as
    asked), or the values cannot be written in the output format."""
    if isinstance(e, RedactorError):
        return None
    if isinstance(e, KeyboardInterrupt):
        return interrupted()
    write_err = out.write_error()
    if job.output == "-" and (is_closed_pipe(write_err) or is_closed_pipe(e)):
        return pipe_closed()
    if write_err is not None:
        why = write_err.strerror or type(write_err).__name__
        dest = "standard output" if job.output == "-" else job.output
        return DataError(
            f"{dest}: cannot write the output ({why}); nothing was written there",
            hint="free space on (or fix) the destination's filesystem, or choose another -o",
        )
    if isinstance(e, OSError) and not isinstance(e, pa.ArrowException):
        return DataError(
            f"{job.source}: an I/O error stopped the redaction ({e.strerror or type(e).__name__})",
            hint="check the input and the destination, then run it again",
        )
    if isinstance(
        e, (pa.ArrowException, TypeError, ValueError, OverflowError, ArithmeticError)
    ) and not isinstance(e, UnicodeDecodeError):
        # raised inside Arrow or a conversion: a value or type the output cannot hold
        return DataError(
            f"{where(job)}: cannot convert the data ({type(e).__name__}); nothing was written",
            hint="the column types could not be written in the output format: choose another "
            "--output-format or withhold the column",
        )
    if isinstance(e, UnicodeDecodeError):
        return DataError(
            f"{job.source}: holds text that is not valid UTF-8",
            hint="convert the input to UTF-8 first, e.g. iconv -f latin1 -t utf-8",
        )
    return None


def redact_file(
    decision: Decision,
    input_path: str,
    input_format: Format,
    job: Job,
    *,
    field_map: FieldMap | None = None,
    log: RequestLogLike | None = None,
    dry_run: bool = False,
    on_plan: Callable[[Outcome], None] | None = None,
    batch_rows: int | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Redact one dataset file (or standard input) into ``job.output``; ``progress`` (if
    given) is called after each batch with the rows and input bytes done so far."""
    from redactor.io.readers import DEFAULT_BATCH_ROWS, open_source

    with RequestAudit(log, decision, job, field_map) as audit:
        if decision.refused:
            return run(decision, pa.schema([]), iter(()), job, audit=audit)
        try:
            if field_map is not None:
                field_map.table(job.table)  # a bad --table fails before any data is read
            types = None
            if job.infer_types:
                from redactor.io.infer import infer_types

                if not dry_run:  # one more read of the whole input, before anything is logged
                    types = infer_types(input_path, input_format, batch_rows or DEFAULT_BATCH_ROWS)
            src = open_source(
                input_path,
                input_format,
                batch_rows=batch_rows or DEFAULT_BATCH_ROWS,
                schema_only=dry_run,
                # until the plan says whether the narrow reader takes over, the reference reader
                # reads only the rows asked for: Arrow's read-ahead would read, check and hash
                # tens of MiB in Python that the narrow reader then reads again
                read_ahead=not _may_narrow(input_path, input_format),
            )
        except KeyboardInterrupt:
            raise interrupted() from None
        with src:
            if not dry_run and decision.restricted:
                _skip_dropped_in_first_block(
                    src, input_path, input_format, decision, field_map, job
                )
            counted = _ParsedBytes(src, input_format) if progress is not None else None
            return run(
                decision,
                src.schema,
                counted.batches() if counted is not None else src.batches,
                job,
                field_map=field_map,
                audit=audit,
                input_sha256=src.sha256,
                dry_run=dry_run,
                on_plan=on_plan,
                progress=progress,
                bytes_read=counted.done if counted is not None else (lambda: None),
                types=types,
                narrow=_narrower(input_path, input_format, src, batch_rows, counted),
            )


def _skip_dropped_in_first_block(
    src, path: str, fmt: Format, decision: Decision, field_map: FieldMap | None, job: Job
) -> None:
    """A Parquet file the narrow reader will read after its first block: that block need not
    decode the columns the field map drops under ``decision`` (43 columns of 65,536 rows take
    ~0.2 s to decode, the 18 a benchmark map keeps a quarter of that)."""
    from redactor.io.readers.narrow import narrowable
    from redactor.planning import dropped_by_map
    from redactor.settings import current

    if fmt is not Format.PARQUET or field_map is None or not current().narrow_reader:
        return
    if narrowable(path, fmt, src.schema):
        table = field_map.table(job.table)
        src.skip_in_first_block(dropped_by_map(src.schema, decision, table, strict=job.strict))


def _may_narrow(path: str, fmt: Format) -> bool:
    """Whether :func:`_narrower` may give a narrow reader for a CSV/TSV ``path`` (before its
    header is read)."""
    from redactor.io.readers.narrow import may_narrow
    from redactor.settings import current

    return fmt in (Format.CSV, Format.TSV) and current().narrow_reader and may_narrow(path, fmt)


def _narrower(
    path: str,
    fmt: Format,
    src,
    batch_rows: int | None,
    counted: _ParsedBytes | None,
) -> Narrow | None:
    """The :data:`Narrow` of a plain file (see :func:`redactor.io.readers.narrow.narrowable`),
    or None. REDACTOR_NARROW_READER=0 turns it off (to compare, or to rule it out)."""
    from redactor.io.readers import DEFAULT_BATCH_ROWS, open_source
    from redactor.io.readers.narrow import narrow, narrowable
    from redactor.settings import current

    if not current().narrow_reader or not narrowable(path, fmt, src.schema):
        src.resume_reading()
        return None
    rows = batch_rows or DEFAULT_BATCH_ROWS

    def reference() -> Iterator[pa.RecordBatch]:
        with open_source(path, fmt, batch_rows=rows) as again:
            yield from again.batches

    def go(outcome: Outcome, first: pa.RecordBatch) -> Narrowed | None:
        keep = [i for i, p in enumerate(outcome.plan) if not p.drops]
        if set(keep) & set(src.unread_in_first):  # cannot happen (the map decides): fail closed
            raise RefusedError(
                f"{src.display}: the plan keeps a column the first block was read without; "
                "nothing was written",
                hint="set REDACTOR_NARROW_READER=0 and run again, and report this as a bug",
            )
        got = narrow(
            path,
            fmt,
            src.schema,
            keep,
            first.num_rows,
            batch_rows=rows,
            reference=reference,
            sha256=src.sha256 if fmt is Format.PARQUET else None,
        )
        if fmt is not Format.PARQUET:
            src.stop_reading()  # the narrow reader gives every later row, and hashes the file
        if counted is not None:
            got.batches = counted.estimate(got.batches, first.num_rows, os.path.getsize(path))
        return got

    return go


class _ParsedBytes:
    """For progress only: about how many bytes of a text input the batches parsed so far
    span. The hashing reader every text input passes through counts what has been *read*, but
    Arrow's CSV reader reads up to 64 MiB ahead, so that alone would show a small file done at
    once. Each batch's text is estimated from its Arrow buffers (values plus a separator per
    value, and each key for JSON Lines; quotes are not counted), capped by the bytes read (raw,
    so a compressed input ends at its file size). O(columns) per batch; None for Parquet."""

    def __init__(self, src, fmt: Format) -> None:
        from redactor.io.streams import HashingReader

        self.src = src
        self.reader = src._digest if isinstance(src._digest, HashingReader) else None
        self.per_row = sum(len(n) + 4 for n in src.schema.names) if fmt is Format.JSONL else 0
        self.parsed = 0
        self._estimated: int | None = None  # see estimate()
        self.ended = False  # every batch has been read: the bytes read are the whole input

    def batches(self) -> Iterator[pa.RecordBatch]:
        for b in self.src.batches:
            if self.reader is not None:
                # string values: data bytes + 4-byte offsets; a CSV value adds one separator
                self.parsed += b.nbytes - 3 * b.num_rows * b.num_columns
                self.parsed += self.per_row * b.num_rows
            yield b
        self.ended = True

    def estimate(
        self, batches: Iterator[pa.RecordBatch], rows_before: int, size: int
    ) -> Iterator[pa.RecordBatch]:
        """The batches of a narrowed reader (its dropped columns are nulls, whose text cannot
        be measured): the bytes done are estimated from the first block's bytes per row, at
        most the file's size, and exact at the end. Parquet stays without a byte count."""
        if self.reader is None or not rows_before:
            yield from batches
            return
        per_row = self.parsed / rows_before
        rows = rows_before
        for b in batches:
            rows += b.num_rows
            self._estimated = min(size, int(rows * per_row))
            yield b
        self._estimated = size

    def done(self) -> int | None:
        if self._estimated is not None:
            return self._estimated
        if self.reader is None:
            return None
        if self.ended:
            return self.reader.bytes_read
        return min(self.parsed, self.reader.bytes_read)


__all__ = ["Progress", "redact_file", "run"]
