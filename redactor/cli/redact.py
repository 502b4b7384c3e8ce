"""``redactor redact``: a dataset file (or standard input), or with ``--engine spark`` a Parquet
dataset directory, for one request."""

from __future__ import annotations

import contextlib

import click

from redactor.api import redact_file
from redactor.cli.options import (
    CONTEXT_SETTINGS,
    FORMATS,
    build_request,
    load_packs,
    request_options,
    typed_errors,
)
from redactor.cli.output import (
    echo_json,
    json_option,
    parse_mode,
    plan_doc,
    print_notices,
    print_plan,
    print_written,
)
from redactor.cli.progress import ProgressReport, input_size, progress_option
from redactor.errors import UsageError
from redactor.fieldmap import load_field_map
from redactor.policy import decide


def _open_log(target: str | None):
    from redactor.requestlog import open_log

    return open_log(target)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input_path", metavar="INPUT")
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="OUTPUT",
    help="output file, or - for standard output [default: -]",
)
@click.option("--map", "map_path", metavar="FIELD_MAP", help="reviewed field map (YAML)")
@click.option("--table", metavar="NAME", help="which table of the field map the input is")
@click.option(
    "--format",
    "input_format",
    type=click.Choice(FORMATS),
    help="input format [default: from the extension; on standard input, sniffed: Parquet by "
    "its magic bytes, JSON Lines by a leading {, else CSV]",
)
@click.option(
    "--output-format",
    type=click.Choice(FORMATS),
    help="output format [default: from -o's extension, else the input format]",
)
@click.option(
    "--strict",
    is_flag=True,
    help="under a restricted decision, withhold every column the map does not list",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="do not print the per-column plan or the progress bar (warnings are still printed)",
)
@progress_option
@json_option("with --dry-run: the decision and per-column plan")
@click.option(
    "--infer-types",
    is_flag=True,
    help="CSV/TSV input: type the released columns whose every value keeps its text (integers "
    "without leading zeros, ISO dates), e.g. for typed Parquet; reads the file twice, so not "
    "for stdin [default: every column stays text]",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="when the input has no data rows, write a header-only output [default: exit 4]",
)
@click.option(
    "--output-mode",
    metavar="MODE",
    default="0600",
    show_default=True,
    help="permissions (octal) of the output file and its manifest, e.g. 0640 to let the "
    "owner's group read it; owner read/write required, no execute bits",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: stream on this machine; spark: a Parquet dataset directory (hive-style "
    "col=value/ partitions) to an output directory on Apache Spark (needs redactor[spark]; "
    "docs/scale.md)",
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="with --engine spark: local[N], spark://HOST:7077, yarn, k8s://… [default: "
    "spark-submit's --master, else $SPARK_MASTER, else local[*]]",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="with --engine spark: replace an existing OUTPUT directory once the new one is complete",
)
@request_options
@typed_errors
def redact(
    input_path: str,
    output: str,
    map_path: str | None,
    table: str | None,
    input_format: str | None,
    output_format: str | None,
    strict: bool,
    quiet: bool,
    progress_mode: str,
    as_json: bool,
    infer_types: bool,
    allow_empty: bool,
    output_mode: str,
    engine: str,
    spark_master: str | None,
    overwrite: bool,
    purposes: tuple[str, ...],
    requester: str | None,
    agency: str | None,
    evidence: tuple[str, ...],
    policies: tuple[str, ...],
    log_target: str | None,
    manifest: str | None,
    dry_run: bool,
) -> None:
    """Redact a dataset file (CSV, TSV, Parquet, JSONL; - for stdin) for one request, or with
    --engine spark a partitioned Parquet dataset directory into an output directory.

    \b
    Examples:
      redactor redact sample_data/dmv_drivers.csv -o out/ice.csv \\
        --map field_maps/dmv.yaml --table drivers \\
        --purpose civil_immigration_enforcement --agency ICE --requester "J. Doe"
      cat sample_data/dmv_drivers.csv | redactor redact - --map field_maps/dmv.yaml \\
        --table drivers --purpose civil_immigration_enforcement --agency ICE > ice.csv
      redactor redact sample_data/dmv_drivers.csv --map field_maps/dmv.yaml \\
        --table drivers --purpose civil_immigration_enforcement --agency ICE --dry-run --json
      redactor redact sample_data/dmv_drivers.csv -o out/court.csv \\
        --map field_maps/dmv.yaml --table drivers --request 3f2c…   # reviewed request
      redactor redact --engine spark lake/drivers/ -o out/ice_drivers/ \\
        --map field_maps/dmv.yaml --table drivers --purpose civil_immigration_enforcement \\
        --agency ICE
    """
    if as_json and not dry_run:
        raise UsageError(
            "--json applies to --dry-run (the plan as JSON); a redaction writes data, not JSON",
            hint="add --dry-run to get the plan as JSON, or drop --json",
        )
    if as_json and engine == "spark":
        raise UsageError(
            "--json applies to the local engine",
            hint="drop --engine spark to see the plan as JSON (the plan is the same)",
        )
    if engine == "spark":
        from redactor.spark.command import check_options

        check_options(input_path, output, input_format, output_format)
        if allow_empty or infer_types or parse_mode(output_mode) != 0o600:
            raise UsageError(
                "--allow-empty, --infer-types and --output-mode apply to the local engine only",
                hint="drop them; Spark writes its output directory with the cluster's umask",
            )
    elif spark_master or overwrite:
        raise UsageError(
            "--spark-master and --overwrite apply to --engine spark only",
            hint="add --engine spark (a file output is always replaced atomically)",
        )
    request = build_request(purposes, requester, agency, evidence)
    packs = load_packs(policies)
    field_map = load_field_map(map_path) if map_path else None
    if field_map is not None:
        field_map.table(table)  # a bad --table is bad input (exit 4), before any decision or log
    if engine == "spark":
        from redactor.spark.command import redact_with_spark

        decision = decide(request, packs)
        log = None if dry_run else _open_log(log_target)
        try:
            outcome = redact_with_spark(
                decision,
                input_path,
                output,
                table=table,
                strict=strict,
                manifest=manifest,
                field_map=field_map,
                log=log,
                master=spark_master,
                replace=overwrite,
                dry_run=dry_run,
                on_plan=None if quiet and not dry_run else print_plan,
            )
        finally:
            if log is not None:
                log.close()
        if not quiet:
            print_written(outcome, output)
        else:
            print_notices(outcome)
        return
    # the pipeline stops (and discards the output) past the number of records an order names
    decision = decide(request, packs, record_limit_enforced=True)
    if as_json and decision.refused:
        from redactor.pipeline import refused

        line = str(refused(decision)).splitlines()[0]
        echo_json(plan_doc("redact", decision, status="refused", error=line))
    on_plan = None if as_json or (quiet and not dry_run) else print_plan
    report = None
    if not dry_run and progress_mode != "off":
        total_bytes, total_rows = _input_totals(input_path, input_format)
        report = ProgressReport(
            progress_mode, quiet=quiet, total_bytes=total_bytes, total_rows=total_rows
        )
    with report or contextlib.nullcontext():
        outcome = redact_file(
            input_path,
            output,
            decision=decision,
            field_map=field_map,
            table_name=table,
            log=log_target,
            strict=strict,
            input_format=input_format,
            output_format=output_format,
            manifest=manifest,
            allow_empty=allow_empty,
            infer_types=infer_types,
            output_mode=parse_mode(output_mode),
            dry_run=dry_run,
            on_plan=on_plan,
            progress=report,
        )
    if as_json:
        echo_json(plan_doc("redact", decision, outcome=outcome))
        print_notices(outcome)
        return
    if not quiet:
        print_written(outcome, "standard output" if output == "-" else output)
    else:
        print_notices(outcome)


def _input_totals(path: str, given: str | None) -> tuple[int | None, int | None]:
    from redactor.io.formats import Format, resolve_format

    fmt = None
    if path != "-":
        try:
            fmt = resolve_format(path, given, role="input")
        except Exception:  # the reader reports a bad format; a total is a nicety
            fmt = None
    elif given:
        fmt = Format(given)
    return input_size(path, fmt)


__all__ = ["redact"]
