"""``redactor redact --engine spark``: the option checks and the call, for the thin CLI.

Imports nothing from pyspark until the checks pass (``redactor.cli`` imports this lazily too).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from redactor.audit import Job, Outcome, RequestLogLike
from redactor.errors import UsageError
from redactor.fieldmap import FieldMap
from redactor.io.formats import Format
from redactor.policy.decide import Decision
from redactor.spark import require_pyspark
from redactor.spark.files import check_local_path


def check_options(
    input_path: str,
    output: str,
    input_format: str | None,
    output_format: str | None,
) -> None:
    """Usage errors (exit 2) of a Spark request, before anything is decided or logged."""
    if input_path == "-" or output == "-":
        raise UsageError(
            "--engine spark reads a dataset directory and writes one; "
            "standard input and output cannot be used",
            hint="give INPUT_DIR and -o OUTPUT_DIR",
        )
    for opt, fmt in (("--format", input_format), ("--output-format", output_format)):
        if fmt not in (None, Format.PARQUET.value):
            raise UsageError(
                f"{opt} {fmt}: --engine spark reads and writes Parquet datasets only",
                hint="convert the dataset to Parquet first, or use the local engine",
            )
    check_local_path(input_path, "INPUT")
    check_local_path(output, "OUTPUT")
    if os.path.exists(input_path) and not os.path.isdir(input_path):
        raise UsageError(
            f"{input_path} is a file; --engine spark takes a directory of Parquet files",
            hint="redact a single file with the local engine (drop --engine spark)",
        )
    src, dst = os.path.realpath(input_path), os.path.realpath(output)
    if dst == src or dst.startswith(src + os.sep) or src.startswith(dst + os.sep):
        raise UsageError(
            "the output directory would overlap the input directory",
            hint="choose an -o directory outside INPUT_DIR",
        )
    require_pyspark()


def redact_with_spark(
    decision: Decision,
    input_path: str,
    output: str,
    *,
    table: str | None,
    strict: bool,
    manifest: str | None,
    field_map: FieldMap | None,
    log: RequestLogLike | None,
    master: str | None,
    replace: bool,
    dry_run: bool,
    on_plan: Callable[[Outcome], None] | None,
) -> Outcome:
    from redactor.spark.job import redact_dataset

    job = Job(
        source=input_path,
        output=output,
        output_format=Format.PARQUET,
        table=table,
        strict=strict,
        manifest=manifest,
        command="redact",
    )
    return redact_dataset(
        decision,
        input_path,
        job,
        field_map=field_map,
        log=log,
        master=master,
        replace=replace,
        dry_run=dry_run,
        on_plan=on_plan,
    )
