"""The ``redactor`` command line: a thin layer over the library.

Exit codes: 0 done (released or redacted), 3 refused by policy, 4 bad input, 2 usage error,
1 bug. Messages go to stderr: one line that says what happened, then where and how to fix it.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import click
import yaml

from redactor import __version__
from redactor.audit import Job, Outcome
from redactor.categories import Category
from redactor.cli_options import (
    CONTEXT_SETTINGS,
    build_request,
    load_packs,
    request_options,
    typed_errors,
)
from redactor.errors import RedactorError, UsageError
from redactor.fieldmap import FieldMap, load_field_map
from redactor.io.formats import Format, resolve_format
from redactor.paths import check_job_paths
from redactor.pipeline import redact_file
from redactor.policy import builtin_pack_ids, decide, load_pack

FORMATS = [f.value for f in Format]


class LazyGroup(click.Group):
    """A group whose heavier commands (``sql``/``export`` import sqlglot, ``scan`` Presidio)
    are imported only when used, so ``redact`` does not pay for them at start-up (click's
    documented lazy-loading pattern)."""

    LAZY: ClassVar[Mapping[str, tuple[str, str]]] = MappingProxyType(
        {
            "export": ("redactor.cli_sql", "export_command"),
            "scan": ("redactor.cli_scan", "scan_command"),
            "serve": ("redactor.cli_serve", "serve_command"),
            "sql": ("redactor.cli_sql", "sql_command"),
            "users": ("redactor.cli_serve", "users_group"),
        }
    )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, attr = self.LAZY[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="redactor")
def cli() -> None:
    """Field-level redaction of exports under state limits on sharing personal data with
    federal immigration enforcement.

    \b
    Every request states who asks, for which agency, for what purposes and with what
    evidence; a policy pack decides, per category of field, what is released, and every
    request is written to a tamper-evident request log.
    """


def print_plan(outcome: Outcome) -> None:
    d = outcome.decision
    packs = ", ".join(f"{lp.pack.id} ({lp.pack.version})" for lp in d.packs)
    kept = sum(not p.withheld for p in outcome.plan)
    status = outcome.status
    click.echo(
        f"redactor: {status}: {len(outcome.plan) - kept} of {len(outcome.plan)} columns "
        f"withheld under {packs}",
        err=True,
    )
    for r in d.reasons:
        click.echo(f"  reason: {r}", err=True)
    for w in outcome.warnings:
        click.echo(f"  warning: {w}", err=True)
    if not outcome.plan:
        return
    w_name = max(len("column"), *(len(p.name) for p in outcome.plan))
    w_cat = max(len("category"), *(len(str(p.category or "?")) for p in outcome.plan))
    click.echo(
        f"  {'column'.ljust(w_name)}  {'category'.ljust(w_cat)}  {'action':10}  why", err=True
    )
    for p in outcome.plan:
        cat = str(p.category) if p.category else "?"
        click.echo(
            f"  {p.name.ljust(w_name)}  {cat.ljust(w_cat)}  {p.action.value:10}  {p.reason}",
            err=True,
        )


def print_notices(outcome: Outcome) -> None:
    """What even ``-q`` must say: names left in scrubbed text, columns withheld as unknown."""
    from redactor.plan import plan_notices

    for line in plan_notices(outcome.plan):
        click.echo(f"redactor: {line}", err=True)


def print_written(outcome: Outcome, where: str) -> None:
    if outcome.status == "dry-run":
        return
    click.echo(
        f"redactor: wrote {outcome.rows_out} rows to {where}"
        + (f"; manifest {outcome.manifest_path}" if outcome.manifest_path else "")
        + (f"; request {outcome.request_id}" if outcome.request_id else ""),
        err=True,
    )


def parse_mode(text: str) -> int:
    """``--output-mode``: an octal permission string such as ``0640`` or ``640``."""
    try:
        return int(text, 8)
    except ValueError:
        raise UsageError(
            f"--output-mode {text!r} is not an octal mode", hint="e.g. --output-mode 0640"
        ) from None


def _open_log(target: str | None):
    from redactor.requestlog import open_log

    return open_log(target)


@cli.command(context_settings=CONTEXT_SETTINGS)
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
    help="input format [default: from the extension]",
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
@click.option("-q", "--quiet", is_flag=True, help="do not print the per-column plan")
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
    Example:
      redactor redact sample_data/dmv_drivers.csv -o out/ice.csv \\
        --map field_maps/dmv.yaml --table drivers \\
        --purpose civil_immigration_enforcement --agency ICE --requester "J. Doe"
      redactor redact sample_data/dmv_drivers.csv -o out/court.csv \\
        --map field_maps/dmv.yaml --table drivers --request 3f2c…   # reviewed request
      redactor redact --engine spark lake/drivers/ -o out/ice_drivers/ \\
        --map field_maps/dmv.yaml --table drivers --purpose civil_immigration_enforcement \\
        --agency ICE
    """
    if engine == "spark":
        from redactor.spark.command import check_options

        check_options(input_path, output, input_format, output_format)
        if allow_empty or parse_mode(output_mode) != 0o600:
            raise UsageError(
                "--allow-empty and --output-mode apply to the local engine only",
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
    in_fmt = resolve_format(input_path, input_format, role="input")
    if output_format or output != "-":  # a compressed output name is refused either way
        out_fmt = resolve_format(output, output_format, role="output")
    else:
        out_fmt = in_fmt
    # the pipeline stops (and discards the output) past the number of records an order names
    decision = decide(request, packs, record_limit_enforced=True)
    job = Job(
        source=input_path,
        output=output,
        output_format=out_fmt,
        table=table,
        strict=strict,
        manifest=manifest,
        command="redact",
        allow_empty=allow_empty,
        output_mode=parse_mode(output_mode),
    )
    check_job_paths(job, log_target, with_log=not dry_run)
    log = None if dry_run else _open_log(log_target)
    try:
        outcome = redact_file(
            decision,
            input_path,
            in_fmt,
            job,
            field_map=field_map,
            log=log,
            dry_run=dry_run,
            on_plan=None if quiet and not dry_run else print_plan,
        )
    finally:
        if log is not None:
            log.close()
    if not quiet:
        print_written(outcome, "standard output" if output == "-" else output)
    else:
        print_notices(outcome)


# --- policy ----------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """List, show and check policy packs."""


@policy.command("list")
@typed_errors
def policy_list() -> None:
    """List the built-in policy packs: status, effective date, instrument and sources."""
    from redactor.policy.describe import list_lines

    for pid in builtin_pack_ids():
        for line in list_lines(load_pack(pid).pack):
            click.echo(line)


@policy.command("show")
@click.argument("pack", metavar="PACK|FILE")
@typed_errors
def policy_show(pack: str) -> None:
    """Show a pack: rules, exceptions and the evidence they need, purposes, evidence kinds and
    attributes, recipients, actions, obligations, notes and sources."""
    from redactor.policy.describe import show_lines

    for line in show_lines(load_pack(pack)):
        click.echo(line)


@policy.command("recipients")
@typed_errors
def policy_recipients() -> None:
    """Show the reviewed registry of immigration-enforcement agencies, components, field offices
    and aliases that every immigration-law pack treats as an immigration-enforcement request,
    whatever purpose is stated."""
    from redactor.policy.recipients import registry

    for line in registry().lines():
        click.echo(line)


@policy.command("check")
@click.argument("path", metavar="FILE")
@typed_errors
def policy_check(path: str) -> None:
    """Validate a pack file (exit 0 if valid, 4 with the first problem if not)."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    lp = load_pack(path)
    click.echo(
        f"ok: {lp.pack.id} {lp.pack.version}: {len(lp.pack.rules)} rules, "
        f"{len(lp.pack.exceptions)} exceptions"
    )


# --- field maps ------------------------------------------------------------------------------
@cli.group("map", context_settings=CONTEXT_SETTINGS)
def map_group() -> None:
    """Check field maps."""


@map_group.command("check")
@click.argument("path", metavar="FIELD_MAP")
@typed_errors
def map_check(path: str) -> None:
    """Validate a field map (exit 0 if valid, 4 naming the file and key path if not)."""
    fm: FieldMap = load_field_map(path)
    for t in fm.tables.values():
        cats: dict[str, int] = {}
        for r in t.columns.values():
            cats[r.category.value] = cats.get(r.category.value, 0) + 1
        protected = sum(n for c, n in cats.items() if c != Category.NONE.value)
        click.echo(
            f"ok: {fm.name}.{t.name}: {len(t.columns)} columns, {protected} protected"
            + (", sensitive table" if t.sensitive_table else "")
        )


def _register_log() -> None:
    from redactor.cli_log import log_group, report_command

    cli.add_command(log_group, "log")
    cli.add_command(report_command, "report")
    from redactor.cli_request import request_group

    cli.add_command(request_group, "request")


_register_log()


def main() -> None:
    try:
        cli.main(prog_name="redactor", standalone_mode=True)
    except RedactorError as e:  # raised outside a command body
        click.echo(f"redactor: {e}", err=True)
        sys.exit(e.exit_code)
    except yaml.YAMLError:
        click.echo("redactor: invalid YAML", err=True)
        sys.exit(4)
    except Exception as e:
        if os.environ.get("REDACTOR_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"redactor: internal error ({type(e).__name__}); this is a bug — rerun with "
            "REDACTOR_DEBUG=1 for a traceback and report it",
            err=True,
        )
        sys.exit(1)
