"""The redaction pipeline: request → decision → column plan → batches in → batches out.

The same function serves file redaction (``redact``) and database export (``export``): the
caller provides a schema and an iterator of record batches. Order of events, for the invariants:

1. decide; a refusal is logged and raised (nothing is read);
2. plan every column (field map, then detection for unmapped columns, then --strict);
3. log the request with its decision *before* any output byte is written;
4. stream batches through the plan into a temporary file beside the destination;
5. fsync, log the completion (rows, output SHA-256), write the manifest, rename into place.
A failure at any step after 3 is logged as failed and leaves the destination untouched.
With ``-o -`` step 5 copies the spooled output to standard output *before* the completion is
logged (a pipe cannot be taken back, so a reader that closes it early makes the request
``failed``, exit 141; redactor/interrupts.py). Ctrl-C at any step is exit 130, logged failed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from redactor import __version__
from redactor.categories import Action, Category
from redactor.errors import DataError, RedactorError, RefusedError, UsageError
from redactor.fieldmap import FieldMap, TableMap, normalize_name
from redactor.interrupts import interrupted, is_closed_pipe, pipe_closed
from redactor.io.formats import Format
from redactor.io.writers import AtomicOutput, dumps_json, open_writer
from redactor.masking import HashKey, apply_action
from redactor.plan import ColumnPlan, Detected, build_plan, plan_notices
from redactor.policy.decide import Decision
from redactor.sampling import (
    DRIFT_CATEGORIES,
    DRIFT_SAMPLE_ROWS,
    SAMPLE_ROWS,
    Reservoir,
    spread_sample,
)

if TYPE_CHECKING:
    from redactor.requestlog import Completion, RequestRecord


def released_by_detection(plan: Sequence[ColumnPlan]) -> list[int]:
    """Indexes of the columns released on detection's word (not listed in the field map)."""
    return [i for i, p in enumerate(plan) if not p.withheld and p.origin != "map"]


def check_drift(
    batch: pa.RecordBatch, plan: Sequence[ColumnPlan], columns: Sequence[int], job: Job, at: int
) -> None:
    """Raise DataError when a column released on the first rows' evidence looks protected in
    this later batch (``at``: the number of rows before it): flagged as a protected category
    (``DRIFT_CATEGORIES``), or no longer clear while its values are not just numbers (a row
    counter outgrows "small whole numbers"; a code column turning into names does not)."""
    if not columns or not batch.num_rows:
        return
    from redactor.detect import classify_columns

    sample = spread_sample(batch.select(list(columns)), DRIFT_SAMPLE_ROWS)
    table = detectable(pa.Table.from_batches([sample]))
    found = classify_columns(table, presidio=False)
    for i, name in zip(columns, table.column_names, strict=True):
        s = found[name]
        seen = drifted(s.category, s.flagged, s.clear, table.column(name))
        if seen is None:
            continue
        raise DataError(
            f"{_where(job)}: column {i + 1} was released on the evidence of the first rows, "
            f"but rows after {at} {seen}; nothing was written",
            hint="map the column in the field map (its category and action), or run with "
            "--strict to withhold every column the map does not list",
        )


def drifted(
    category: Category, flagged: bool, clear: bool, values: pa.Array | pa.ChunkedArray
) -> str | None:
    """Why later values of a column released as clear must not be released, or None: they are
    flagged as a protected category (``DRIFT_CATEGORIES``), or no longer clear while they are not
    just numbers (a row counter outgrows "small whole numbers"; codes turning into names or a
    mix of codes and birth dates do not)."""
    if flagged and category in DRIFT_CATEGORIES:
        return f"look like {category}"
    if not clear and not only_numbers(values):
        weak = f" (weak evidence for {category})" if category is not Category.NONE else ""
        return f"no longer look clear{weak}"
    return None


def only_numbers(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Every non-empty value is a plain number (numeric type, or text of digits, sign, point)."""
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return True
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return False
    text = pc.utf8_trim_whitespace(arr)
    text = pc.filter(text, pc.not_equal(text, ""))
    return bool(
        pc.all(pc.match_substring_regex(text, r"^[-+]?[0-9]+(\.[0-9]+)?$")).as_py() is not False
    )


def check_whole_input(
    reservoir: Reservoir, schema: pa.Schema, watched: Sequence[int], job: Job
) -> None:
    """Classify the released columns again on a uniform sample of the whole input, by the same
    rule as each later batch (:func:`drifted`); raise DataError when one may not be released.
    A single batch was already sampled whole for the plan: nothing more to learn."""
    sample = reservoir.table()
    if sample is None or reservoir.batches < 2:
        return
    sample = detectable(sample.rename_columns([schema.names[i] for i in reservoir.columns]))
    found = detect_unmapped(sample.column_names, None, sample)
    for i, name in zip(watched, sample.column_names, strict=True):
        d = found[name]
        seen = drifted(d.category, d.flagged, d.is_clear, sample.column(name))
        if seen is None:
            continue
        raise DataError(
            f"{_where(job)}: column {i + 1} was released on the evidence of the first rows, "
            f"but a sample of {sample.num_rows} rows drawn over all {reservoir.seen} rows "
            f"{seen.replace('look', 'looks')}; nothing was written",
            hint="map the column in the field map (its category and action), or run with "
            "--strict to withhold every column the map does not list",
        )


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


class RequestLogLike(Protocol):
    """The part of :class:`redactor.requestlog.RequestLog` the pipeline uses."""

    def begin(self, record: RequestRecord) -> str: ...
    def complete(self, request_id: str, completion: Completion) -> None: ...


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    """A zero-row batch of ``schema`` (built without pyarrow's Python-object conversion, which
    imports pandas when it is installed: a second of start-up for nothing)."""
    return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)


def detect_unmapped(
    columns: Sequence[str], table: TableMap | None, sample: pa.Table | None
) -> dict[str, Detected]:
    """Classify the columns the field map does not list (names, and content of ``sample``)."""
    unmapped = [c for c in columns if table is None or table.rule(c) is None]
    if not unmapped:
        return {}
    from redactor.colnames import classify_by_read_names

    if sample is None:
        sample = pa.table({c: pa.array([], pa.string()) for c in unmapped})
    else:
        sample = detectable(sample.select(unmapped))
    out: dict[str, Detected] = {}
    for col, s in classify_by_read_names(sample).items():
        out[col] = Detected(
            category=s.category,
            confidence=s.confidence,
            flagged=s.flagged,
            evidence=tuple(s.evidence),
        )
    return out


def detectable_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column in a type detection's kernels take: extension types as their storage,
    dictionaries decoded (whatever their value type), half floats as float32, and the types no
    text kernel knows (time, duration, interval, decimal of any precision) as text."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if isinstance(t, pa.BaseExtensionType):
        return detectable_array(arr.storage)
    if pa.types.is_dictionary(t):
        return detectable_array(arr.dictionary_decode())
    if pa.types.is_float16(t):
        return arr.cast(pa.float32())
    if pa.types.is_fixed_size_binary(t):
        return arr.cast(pa.binary())
    if (
        pa.types.is_time(t)
        or pa.types.is_duration(t)
        or pa.types.is_interval(t)
        or pa.types.is_decimal(t)
    ):
        from redactor.masking import as_text

        return as_text(arr)
    return arr


def detectable(sample: pa.Table) -> pa.Table:
    return pa.table({n: detectable_array(sample.column(n)) for n in sample.column_names})


def _where(job: Job) -> str:
    return "standard input" if job.source == "-" else job.source


def plan_columns(
    schema: pa.Schema,
    decision: Decision,
    field_map: FieldMap | None,
    job: Job,
    sample: pa.Table | None,
    *,
    checks: bool = True,
) -> list[ColumnPlan]:
    """Plan every column of an input (map, then detection of the unmapped ones from ``sample``,
    then --strict). With ``checks``, a plan the policy refuses raises RefusedError."""
    table = field_map.table(job.table) if field_map is not None else None
    if table is not None and table.sensitive_table and decision.restricted:
        raise RefusedError(
            f"Table {table.name!r} is marked sensitive_table: membership in it reveals "
            "immigration status, so it is refused whole under this decision",
            reasons=("sensitive_table",),
        )
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    unmapped_flat = [
        n for n in schema.names if n not in nested and (table is None or table.rule(n) is None)
    ]
    detected = (
        detect_unmapped(
            unmapped_flat, None, sample.select(unmapped_flat) if sample is not None else None
        )
        if decision.restricted and unmapped_flat
        else {}
    )
    plan = build_plan(
        schema.names, table, decision, strict=job.strict, detected=detected, nested=nested
    )
    if decision.restricted:
        plan = with_safe_names(plan)
    if not checks:
        return plan
    refusing = [p for p in plan if p.action is Action.REFUSE]
    if refusing:
        cols = ", ".join(f"{p.name} ({p.category})" for p in refusing)
        raise RefusedError(
            f"The policy refuses any request that would include {cols}",
            reasons=tuple(p.reason for p in refusing),
        )
    if plan and all(p.drops for p in plan):
        raise RefusedError(
            "Every column is withheld under this decision: nothing to release",
            reasons=tuple(p.reason for p in plan),
        )
    return plan


def with_safe_names(plan: list[ColumnPlan]) -> list[ColumnPlan]:
    """Under a restricted decision: a withheld column whose name reads like a value (an SSN, an
    A-number, a date, a person's name) is ``column N`` from here on — in the output, the
    manifest, the request log and every message (redactor/safe_names.py)."""
    from dataclasses import replace

    from redactor.safe_names import safe_column_names

    names = safe_column_names([p.name for p in plan], [p.withheld for p in plan])
    return [
        p if n == p.name else replace(p, name=n, reason=p.reason.replace(p.name, n))
        for p, n in zip(plan, names, strict=True)
    ]


def stale_columns(schema: pa.Schema, field_map: FieldMap | None, job: Job) -> list[str]:
    if field_map is None:
        return []
    table = field_map.table(job.table)
    present = {normalize_name(n) for n in schema.names}
    return [r.name for k, r in table.columns.items() if k not in present]


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
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="redactor") as pool:
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


def _scrubber_for(plan: Sequence[ColumnPlan]) -> Callable | None:
    if any(p.action is Action.SCRUB for p in plan):
        from redactor.detect import scrub_array

        return scrub_array
    return None


def needs_key(plan: Sequence[ColumnPlan]) -> bool:
    return any(p.action is Action.HASH for p in plan)


def manifest_doc(
    decision: Decision,
    plan: Sequence[ColumnPlan],
    job: Job,
    field_map: FieldMap | None,
    outcome: Outcome,
    key: HashKey | None,
) -> dict:
    req = decision.request
    return {
        "redactor_version": __version__,
        "request_id": outcome.request_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "request": {
            "requester": req.requester,
            "agency": req.agency,
            "purposes": list(req.purposes),
            "evidence": [
                {
                    "kind": e.kind,
                    "reference": e.reference,
                    "status": "accepted" if e.accepted else "claimed",
                    **({"reviewer": e.reviewer} if e.reviewer else {}),
                }
                for e in req.evidence
            ],
            "opened_request": req.opened_request,
        },
        "policy_packs": [lp.ref for lp in decision.packs],
        "field_map": None
        if field_map is None
        else {
            "name": field_map.name,
            "sha256": field_map.sha256,
            "table": field_map.table(job.table).name,
        },
        "decision": {
            "status": outcome.status,
            "restricted": decision.restricted,
            "reasons": list(decision.reasons),
            "triggered_rules": list(decision.triggered_rules),
            "exceptions_granted": list(decision.exceptions_granted),
            "obligations": list(decision.obligations),
            "category_actions": decision.category_actions(),
        },
        "columns": [
            {
                "name": p.name,
                "category": p.category.value if p.category else None,
                "action": p.action.value,
                "origin": p.origin,
                "reason": p.reason,
                **({"confidence": round(p.confidence, 3)} if p.confidence is not None else {}),
            }
            for p in plan
        ],
        "hash_key_fingerprint": key.fingerprint if key else None,
        "input": {
            "source": shown_path(job.source, decision),
            "sha256": outcome.input_sha256,
            "rows": outcome.rows_in,
        },
        "output": {
            "path": shown_path(job.output, decision),
            "format": job.output_format.value,
            "sha256": outcome.output_sha256,
            "rows": outcome.rows_out,
        },
        "warnings": outcome.warnings,
    }


def shown_path(path: str | None, decision: Decision) -> str | None:
    """A file path as the log and manifest store it: under a restricted decision, parts that
    read like values masked (and then the path's keyed hash added, when a key is configured)."""
    if not decision.restricted:
        return path
    from redactor.safe_names import safe_path

    try:
        key = HashKey.from_env()
    except RedactorError:  # a bad key is reported where hashing needs it; here: no hash
        key = None
    return safe_path(path, key)


def _prepare(
    decision: Decision,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    field_map: FieldMap | None,
    log: RequestLogLike | None,
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
            where = "standard input" if job.source == "-" else job.source
            raise DataError(
                f"{where}: no data rows (the input holds only column names)",
                hint="pass --allow-empty to write a header-only output (e.g. a nightly job on "
                "an empty day)",
            )
        if first is not None and decision.restricted:
            sample = pa.Table.from_batches([spread_sample(first, SAMPLE_ROWS)])
    try:
        plan = plan_columns(schema, decision, field_map, job, sample)
    except RefusedError as e:
        log_refusal(log, decision, job, field_map, None, str(e))
        raise
    outcome = Outcome(decision=decision, plan=plan, status=status_of(plan))
    outcome.warnings += [
        f"the field map lists {c!r}, which the input lacks (stale map?)"
        for c in stale_columns(schema, field_map, job)
    ]
    outcome.warnings += list(decision.warnings)
    outcome.warnings += plan_notices(plan)
    if key is None:
        key = key_for(plan, log, decision, job, field_map)
    outcome.key = key
    return first, outcome


def key_for(
    plan: Sequence[ColumnPlan],
    log: RequestLogLike | None,
    decision: Decision,
    job: Job,
    field_map: FieldMap | None,
) -> HashKey | None:
    """The HMAC key when the plan hashes a column (``REDACTOR_KEY_FILE``), else None. Without a
    usable key the request is refused and logged: an unkeyed hash of an SSN is reversible."""
    if not needs_key(plan):
        return None
    try:
        key = HashKey.from_env()
    except RedactorError as e:  # unreadable, short or guessable: refused, and logged as such
        log_refusal(log, decision, job, field_map, plan, str(e).splitlines()[0])
        raise
    if key is None:
        from redactor.errors import KeyFileError

        hashed = [p.name for p in plan if p.action is Action.HASH]
        err = KeyFileError(
            f"Column(s) {', '.join(hashed)} are to be hashed, but no key is configured",
            hint="set REDACTOR_KEY_FILE to the agency's secret key file (an unkeyed hash "
            "of an SSN is reversible), or map the column to drop, null or redact",
        )
        log_refusal(log, decision, job, field_map, plan, str(err).splitlines()[0])
        raise err
    return key


def status_of(plan: Sequence[ColumnPlan]) -> str:
    return "redacted" if any(p.withheld for p in plan) else "released"


def run(
    decision: Decision,
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    job: Job,
    *,
    field_map: FieldMap | None = None,
    log: RequestLogLike | None = None,
    input_sha256: Callable[[], str | None] = lambda: None,
    key: HashKey | None = None,
    dry_run: bool = False,
    on_plan: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Plan, log, stream and commit one request. See the module docstring for the order."""
    from redactor.logging_glue import completion, request_record

    if decision.refused:
        log_refusal(log, decision, job, field_map, None, "; ".join(decision.reasons))
        raise RefusedError(
            "Request refused: " + decision.reasons[0] if decision.reasons else "Request refused",
            reasons=decision.reasons,
        )
    try:
        first, outcome = _prepare(decision, schema, batches, job, field_map, log, key, dry_run)
    except RefusedError:
        raise  # logged as refused where it was decided
    except RedactorError as e:
        log_failure(log, decision, job, field_map, str(e).splitlines()[0])
        raise
    except KeyboardInterrupt:
        err = interrupted()
        log_failure(log, decision, job, field_map, err.message)
        raise err from None
    except Exception as e:  # inside detection or a library: bad input, never a bare exit 1
        err = DataError(
            f"{_where(job)}: the columns could not be classified ({type(e).__name__}); "
            "nothing was written",
            hint="check the column types of the input (rerun with REDACTOR_DEBUG=1 for a "
            "traceback if the input is well-formed)",
        )
        log_failure(log, decision, job, field_map, err.message)
        raise err from e
    plan = outcome.plan
    key = outcome.key
    if on_plan:
        on_plan(outcome)
    if dry_run:
        outcome.status = "dry-run"
        return outcome

    if log is not None:
        outcome.request_id = log.begin(
            request_record(decision, job, field_map, plan, outcome.status)
        )
    out = AtomicOutput(job.output, mode=job.output_mode)
    manifest_out: AtomicOutput | None = None
    try:
        scrubber = _scrubber_for(plan)
        empty = empty_batch(schema)
        out_schema = transform_batch(empty, plan, key, scrubber).schema
        writer = open_writer(job.output_format, out.open(), out_schema)

        watched = released_by_detection(plan) if decision.restricted else []
        reservoir = Reservoir(watched) if watched else None

        def all_batches() -> Iterator[pa.RecordBatch]:
            at = 0
            if first is not None:
                if reservoir is not None:
                    reservoir.add(first)
                yield first
                at = first.num_rows
            for b in batches:
                check_drift(b, plan, watched, job, at)
                if reservoir is not None:
                    reservoir.add(b)
                at += b.num_rows
                yield b

        for b, tb in transformed(all_batches(), plan, key, scrubber):
            outcome.rows_in += b.num_rows
            if tb.schema != out_schema:
                tb = tb.cast(out_schema)
            limit = decision.record_limit
            if limit is not None and outcome.rows_out + tb.num_rows > limit:
                raise RefusedError(
                    f"The evidence covers only {limit} record(s) but {job.source} holds more; "
                    "nothing was written",
                    hint="export only the records the order names, then run again",
                )
            writer.write(tb)
            outcome.rows_out += tb.num_rows
        if reservoir is not None:
            check_whole_input(reservoir, schema, watched, job)
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
        if log is not None:
            log.complete(outcome.request_id, completion(outcome, job, None))
        if manifest_out is not None:  # first: an output never appears without its manifest
            manifest_out.commit()
            outcome.manifest_path = manifest_path
        if not out.is_stdout:
            out.commit()
        return outcome
    except BaseException as e:
        out.abort()
        if manifest_out is not None:
            manifest_out.abort()
        if outcome.manifest_path:  # committed, but its output could not be: take it back
            with contextlib.suppress(OSError):
                os.unlink(outcome.manifest_path)
            outcome.manifest_path = None
        err = _as_user_error(e, job, out)
        if log is not None and outcome.request_id is not None:
            msg = (
                str(err or e).splitlines()[0]
                if isinstance(err or e, RedactorError)
                else f"{type(e).__name__}"
                + (" (interrupted)" if isinstance(e, KeyboardInterrupt) else "")
            )
            try:
                log.complete(outcome.request_id, completion(outcome, job, msg))
            except Exception:
                print("redactor: could not log the failure", file=sys.stderr)
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
        where = "standard output" if job.output == "-" else job.output
        return DataError(
            f"{where}: cannot write the output ({why}); nothing was written there",
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
            f"{_where(job)}: cannot convert the data ({type(e).__name__}); nothing was written",
            hint="the column types could not be written in the output format: choose another "
            "--output-format or withhold the column",
        )
    if isinstance(e, UnicodeDecodeError):
        return DataError(
            f"{job.source}: holds text that is not valid UTF-8",
            hint="convert the input to UTF-8 first, e.g. iconv -f latin1 -t utf-8",
        )
    return None


def manifest_path_for(job: Job) -> str | None:
    if job.manifest == "":
        return None
    if job.manifest:
        return job.manifest
    if job.output == "-":
        return None
    return f"{job.output}.manifest.json"


def log_refusal(log, decision, job, field_map, plan, why: str) -> None:
    if log is None:
        return
    from redactor.logging_glue import request_record

    log.begin(request_record(decision, job, field_map, plan, "refused", extra_reason=why))


__all__ = ["Job", "Outcome", "plan_columns", "redact_file", "run", "transform_batch"]


def log_failure(
    log: RequestLogLike | None,
    decision: Decision,
    job: Job,
    field_map: FieldMap | None,
    message: str,
) -> None:
    """Record a request that failed before its output began (unreadable input, bad map...)."""
    if log is None or decision.refused:
        return
    from redactor.logging_glue import completion, request_record

    rid = log.begin(
        request_record(
            decision, job, field_map, None, "redacted" if decision.restricted else "released"
        )
    )
    log.complete(
        rid, completion(Outcome(decision=decision, plan=[], status="failed"), job, message)
    )


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
) -> Outcome:
    """Redact one dataset file (or standard input) into ``job.output``."""
    from redactor.io.readers import DEFAULT_BATCH_ROWS, open_source

    if decision.refused:
        return run(decision, pa.schema([]), iter(()), job, field_map=field_map, log=log)
    try:
        if field_map is not None:
            field_map.table(job.table)  # a bad --table fails before any data is read
        src = open_source(
            input_path,
            input_format,
            batch_rows=batch_rows or DEFAULT_BATCH_ROWS,
            schema_only=dry_run,
        )
    except RedactorError as e:
        log_failure(log, decision, job, field_map, str(e).splitlines()[0])
        raise
    except KeyboardInterrupt:
        err = interrupted()
        log_failure(log, decision, job, field_map, err.message)
        raise err from None
    with src:
        return run(
            decision,
            src.schema,
            src.batches,
            job,
            field_map=field_map,
            log=log,
            input_sha256=src.sha256,
            dry_run=dry_run,
            on_plan=on_plan,
        )
