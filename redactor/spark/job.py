"""One redaction request over a Parquet dataset directory, run on Spark.

The driver does what the single-machine pipeline does, in the same order (see
:mod:`redactor.pipeline`): decide; plan every column with :func:`redactor.planning.plan_columns`
(field map, detection on a sample for unmapped columns, ``--strict``); refuse when a partition
column is withheld; log the request *before* any output exists; run the job; gather row counts
and file digests from the executors; log the completion; write the manifest; rename the
finished directory into place. Executors only run :class:`~redactor.spark.transform.BatchRedactor`
(the single-machine ``transform_batch``) inside ``mapInArrow``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from redactor.audit import (
    Job,
    Outcome,
    RequestAudit,
    RequestLogLike,
    manifest_doc,
    manifest_path_for,
)
from redactor.errors import DataError, RedactorError, RefusedError
from redactor.fieldmap import FieldMap
from redactor.io.writers import dumps_json, write_text_atomic
from redactor.plan import ColumnPlan
from redactor.planning import key_for, plan_columns, stale_columns, status_of
from redactor.policy.decide import Decision
from redactor.sampling import SAMPLE_ROWS
from redactor.spark.files import (
    FileFacts,
    StagedDirectory,
    all_files,
    gather_facts,
    local_path,
    partition_columns,
    tree_digest,
)
from redactor.spark.keys import BroadcastKey
from redactor.spark.session import get_session, session_conf
from redactor.spark.transform import BatchRedactor
from redactor.transform import empty_batch, scrubber_for, transform_batch

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Partition values stay text as written ("001" is not the integer 1), as CSV input does.
READ_CONF = {"spark.sql.sources.partitionColumnTypeInference.enabled": "false"}


def redact_dataset(
    decision: Decision,
    input_dir: str,
    job: Job,
    *,
    field_map: FieldMap | None = None,
    log: RequestLogLike | None = None,
    master: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    on_plan: Callable[[Outcome], None] | None = None,
    spark: SparkSession | None = None,
) -> Outcome:
    """Redact the Parquet dataset ``input_dir`` into the directory ``job.output``, as one
    :class:`~redactor.audit.RequestAudit` (refusals and failures logged in one place)."""
    audit = RequestAudit(log, decision, job, field_map)
    if decision.refused:
        audit.refuse("; ".join(decision.reasons))
        first = decision.reasons[0] if decision.reasons else None
        raise RefusedError(
            f"Request refused: {first}" if first else "Request refused", reasons=decision.reasons
        )
    staged = StagedDirectory(job.output, replace=replace)
    if not dry_run:
        staged.check()  # a usage error, before anything runs (not a request)
    with audit:
        if field_map is not None:
            field_map.table(job.table)
        if not os.path.isdir(input_dir):
            raise DataError(f"{input_dir}: no such directory", hint="check the input path")
        spark = spark or get_session(master)
        with session_conf(spark, READ_CONF):
            df, files = _read(spark, input_dir)
            return _run(
                spark, df, files, decision, input_dir, job, staged,
                field_map=field_map, audit=audit, dry_run=dry_run, on_plan=on_plan,
            )  # fmt: skip


def _read(spark, input_dir) -> tuple[DataFrame, list[str]]:
    try:
        df = spark.read.parquet(input_dir)
        files = sorted(local_path(u) for u in df.inputFiles())
    except Exception as e:
        what = f"{input_dir}: Spark cannot read it as a Parquet dataset"
        raise spark_error(e, what) from None
    if not files:
        raise DataError(f"{input_dir}: the directory holds no Parquet files")
    return df, files


def refuse_withheld_partitions(plan: Sequence[ColumnPlan], parts: Sequence[str], src: str) -> None:
    """A withheld partition column would name the output directories: refuse the request."""
    part_keys = {p.casefold() for p in parts}
    for p in plan:
        if p.name.casefold() in part_keys and p.withheld:
            raise RefusedError(
                f"Column {p.name!r} ({p.category or 'unmapped'}, {p.action}) is a partition "
                f"column of {src}: its values name the output directories, so it cannot be "
                "withheld while the partitioning is kept",
                hint="repartition the dataset by a released column (or write it unpartitioned) "
                "and redact that",
                reasons=(p.reason,),
            )


def _plan(spark, df, files, decision, input_dir, job, table, audit) -> tuple:
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    tz = spark.conf.get("spark.sql.session.timeZone")
    schema = to_arrow_schema(df.schema, timezone=tz)
    parts = partition_columns(input_dir, files)
    sample = None
    if decision.restricted and any(table is None or table.rule(c) is None for c in schema.names):
        try:  # a content sample for detection of the unmapped columns, as the local path takes
            sample = df.limit(SAMPLE_ROWS).toArrow()
        except Exception as e:
            raise spark_error(e, f"{input_dir}: cannot read a sample") from None
    plan = plan_columns(schema, decision, table, sample, strict=job.strict)
    audit.note_plan(plan)
    refuse_withheld_partitions(plan, parts, input_dir)
    key = key_for(plan)  # read on the driver only
    empty = empty_batch(schema)
    out_arrow = transform_batch(empty, plan, key, scrubber_for(plan)).schema
    spark_out = from_arrow_schema(out_arrow, prefer_timestamp_ntz=False)
    out_arrow = to_arrow_schema(spark_out, timezone=tz)
    return plan, parts, key, spark_out, out_arrow, schema


def _run(spark, df, files, decision, input_dir, job, staged, *, field_map, audit, dry_run, on_plan):
    table = field_map.table(job.table) if field_map is not None else None
    plan, parts, key, spark_out, out_arrow, schema = _plan(
        spark, df, files, decision, input_dir, job, table, audit
    )
    outcome = Outcome(decision=decision, plan=plan, status=status_of(plan), key=key)
    outcome.warnings += [
        f"the field map lists {c!r}, which the input lacks (stale map?)"
        for c in stale_columns(schema, table)
    ]
    outcome.warnings += list(decision.warnings)
    if on_plan:
        on_plan(outcome)
    if dry_run:
        outcome.status = "dry-run"
        return outcome

    audit.begin(outcome)
    sc = spark.sparkContext
    shipped: BroadcastKey | None = None
    try:
        target = staged.open()
        shipped = BroadcastKey.ship(sc, key) if key is not None else None
        redactor = BatchRedactor(tuple(plan), out_arrow, shipped)

        def redact_batches(batches):  # the function mapInArrow ships to executors
            return redactor(batches)

        sc.setJobDescription(f"redactor: request {outcome.request_id or '(unlogged)'}")
        writer = df.mapInArrow(redact_batches, spark_out).write.mode("errorifexists")
        if parts:
            writer = writer.partitionBy(*parts)
        try:
            writer.parquet(target)
            facts_in = gather_facts(sc, files, parquet=True)
            facts_out = gather_facts(sc, all_files(target))
        except Exception as e:
            raise spark_error(e, f"{input_dir}: the Spark job failed") from None
        outcome.rows_in = _rows(facts_in)
        outcome.rows_out = _rows(facts_out)
        if outcome.rows_in != outcome.rows_out:
            raise DataError(
                f"{input_dir}: the input holds {outcome.rows_in} rows but the output "
                f"{outcome.rows_out}; nothing was committed",
                hint="did the input change while the job ran? run the request again",
            )
        outcome.input_sha256 = tree_digest(input_dir, facts_in)
        outcome.output_sha256 = tree_digest(target, facts_out)
        audit.complete(outcome)
        manifest_path = manifest_path_for(job)
        if manifest_path:
            doc = manifest_doc(decision, plan, job, field_map, outcome, key)
            doc["engine"] = {
                "name": "spark",
                "spark_version": spark.version,
                "master": sc.master,
                "partition_columns": list(parts),
                "input_files": len(facts_in),
                "output_files": len(facts_out),
                "digest": "sha256 over (relative path, size, sha256) of every file, sorted",
            }
            write_text_atomic(manifest_path, dumps_json(doc) + "\n")
            outcome.manifest_path = manifest_path
        staged.commit()
        return outcome
    except BaseException:
        staged.abort()  # the audit logs the failure
        raise
    finally:
        if shipped is not None:
            shipped.destroy()
        sc.setJobDescription(None)  # type: ignore[arg-type]


def _rows(facts: Sequence[FileFacts]) -> int:
    return sum(f.rows for f in facts if f.rows is not None)


def spark_error(e: BaseException, what: str) -> RedactorError:
    """A one-line error for a failed Spark call. Spark's message is not repeated (an executor's
    error can quote a data value); its condition is named, and Spark's own log shows the rest."""
    if isinstance(e, RedactorError):
        return e
    from redactor.settings import current

    if current().debug:
        traceback.print_exception(e, file=sys.stderr)
    cond = None
    for attr in ("getCondition", "getErrorClass"):
        fn = getattr(e, attr, None)
        if callable(fn):
            try:
                cond = fn()
            except Exception:
                cond = None
            if cond:
                break
    return DataError(
        f"{what} ({cond or type(e).__name__})",
        hint="Spark's messages above say more; REDACTOR_DEBUG=1 prints the full error",
    )


__all__ = ["READ_CONF", "redact_dataset", "refuse_withheld_partitions", "spark_error"]
