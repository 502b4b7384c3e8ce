"""``redactor sql`` and ``redactor export``: thin click layers over :mod:`redactor.sql`.

Registered by :mod:`redactor.cli` as ``sql`` and ``export``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from redactor.cli.options import (
    CONTEXT_SETTINGS,
    build_request,
    load_packs,
    request_options,
    typed_errors,
)
from redactor.cli.output import echo_json, json_option, plan_doc
from redactor.cli.progress import ProgressReport, progress_option
from redactor.errors import BadInputError, RefusedError, UsageError
from redactor.fieldmap import load_field_map
from redactor.io.formats import Format, resolve_format
from redactor.sql.masks import SUPPORTED_DIALECTS
from redactor.sql.rewrite import RewriteResult

OUTPUT_FORMATS = ["csv", "tsv", "parquet", "jsonl"]
DEFAULT_DIALECT = "postgres"


class QueryCommand(click.Command):
    """A command whose positional QUERY may start with a ``--`` comment line.

    ``redactor sql "-- nightly export\nSELECT …"`` would otherwise be read as an unknown option.
    An argument that starts with ``--`` followed by a space, or that spans several lines, is no
    option name: it is moved behind ``--`` so that it is read as the query.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            queries = [a for a in args if a.startswith("--") and (a[2:3].isspace() or "\n" in a)]
            if len(queries) == 1:
                args = [a for a in args if a is not queries[0]] + ["--", queries[0]]
        return super().parse_args(ctx, args)


def _read_query(query: str | None, file: str | None) -> str:
    if (query is None) == (file is None):
        raise UsageError(
            "Give the query either as an argument or with -f FILE (not both)",
            hint='e.g. redactor sql "SELECT * FROM drivers" --map … --purpose …',
        )
    if file is None:
        return query or ""
    try:
        return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputError(f"Query file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise BadInputError(f"Cannot read query file {file}: {type(e).__name__}") from None


def _print_explain(result: RewriteResult) -> None:
    masked = sum(o.masked for o in result.outputs)
    click.echo(
        f"redactor: {masked} of {len(result.outputs)} output columns masked "
        f"({'restricted' if result.restricted else 'not restricted'} request)",
        err=True,
    )
    for line in result.explain().splitlines():
        click.echo(f"  {line}", err=True)


def _log_sql(
    log_target: str | None,
    decision,
    sql: str,
    dialect: str,
    field_map,
    status: str,
    reason: str | None,
) -> None:
    """One request entry for a rewrite (``sql`` writes SQL, not data): refused, or begun and
    completed at once."""
    from redactor.audit import Job, Outcome, RequestAudit
    from redactor.io.formats import Format
    from redactor.requestlog import Completion, open_log, strip_sql_literals

    job = Job(
        source="<query>",
        output="-",
        output_format=Format.CSV,
        command="sql",
        query=strip_sql_literals(sql, dialect),
    )
    log = open_log(log_target)
    try:
        audit = RequestAudit(log, decision, job, field_map, dialect=dialect)
        if status == "refused":
            audit.refuse(reason or "; ".join(decision.reasons))
            return
        outcome = Outcome(decision=decision, plan=[], status=status)
        audit.begin(outcome)
        audit.complete(outcome, record=Completion(status="completed", output="-"))
    finally:
        log.close()


@click.command(cls=QueryCommand, context_settings=CONTEXT_SETTINGS)
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    metavar="FILE",
    help="read the query from FILE (- for standard input)",
)
@click.option(
    "--map",
    "map_path",
    required=True,
    metavar="FIELD_MAP",
    help="reviewed field map (YAML) whose tables the query reads",
)
@click.option(
    "--dialect",
    default=DEFAULT_DIALECT,
    show_default=True,
    metavar="D",
    help="SQL dialect of the query (any sqlglot dialect)",
)
@click.option(
    "--to",
    "to_dialect",
    type=click.Choice(SUPPORTED_DIALECTS),
    metavar="D",
    help=f"dialect to write [default: --dialect]; one of {', '.join(SUPPORTED_DIALECTS)}",
)
@click.option(
    "--explain",
    is_flag=True,
    help="also print, per output column, whether it is masked and why (to standard error)",
)
@click.option(
    "-o",
    "--output",
    default="-",
    metavar="FILE",
    help="write the rewritten query to FILE (atomically), or - for standard output [default: -]",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="with --dry-run, do not print the per-column explanation (warnings are still printed)",
)
@request_options
@typed_errors
def sql_command(
    query: str | None,
    query_file: str | None,
    map_path: str,
    dialect: str,
    to_dialect: str | None,
    explain: bool,
    output: str,
    quiet: bool,
    purposes: tuple[str, ...],
    requester: str | None,
    agency: str | None,
    evidence: tuple[str, ...],
    policies: tuple[str, ...],
    log_target: str | None,
    manifest: str | None,
    dry_run: bool,
) -> None:
    """Rewrite an export query so protected fields never leave the database.

    Prints the rewritten query (regenerated, without comments) on standard output. Refuses
    (exit 3), naming the column and its position, a query that is not a single read-only
    SELECT or that filters, joins, groups or sorts on a withheld column. QUERY
    may start with a `--` comment line; or give it with -f FILE (- for stdin).

    \b
    Example:
      redactor sql "SELECT * FROM drivers" --map field_maps/dmv.yaml \\
        --purpose civil_immigration_enforcement --agency ICE --dialect sqlite --explain --dry-run
    """
    from redactor.policy import decide
    from redactor.sql.rewrite import rewrite_query

    if manifest:
        raise UsageError("--manifest applies to export, not sql (sql writes no data)")
    text = _read_query(query, query_file)
    request = build_request(purposes, requester, agency, evidence)
    decision = decide(request, load_packs(policies))
    field_map = load_field_map(map_path)
    try:
        result = rewrite_query(text, field_map, decision, dialect=dialect, to=to_dialect)
    except RefusedError as e:
        if not dry_run:
            _log_sql(
                log_target, decision, text, dialect, field_map, "refused", str(e).splitlines()[0]
            )
        raise
    if not dry_run:
        _log_sql(
            log_target,
            decision,
            text,
            dialect,
            field_map,
            "redacted"
            if any(o.masked for o in result.outputs) or result.substituted
            else "released",
            None,
        )
    if explain or (dry_run and not quiet):
        _print_explain(result)
    if output == "-":
        click.echo(result.sql)
    else:
        from redactor.io.writers import write_text_atomic

        write_text_atomic(output, result.sql + "\n", mode=0o644)


# sql writes SQL, not data: --manifest is refused there (with a message saying so), so its help
# leaves it out
for _param in sql_command.params:
    if _param.name == "manifest" and isinstance(_param, click.Option):
        _param.hidden = True


def _check_export_paths(
    db, output: str, fmt, manifest: str | None, log_target: str | None, *, with_log: bool
) -> None:
    """The database file, the output, the manifest and the request log must be distinct files
    (``redactor.paths``), checked before the log is opened or anything is written."""
    from redactor.audit import Job, manifest_path_for
    from redactor.paths import Role, check_distinct

    roles = [Role("output", output)]
    if db.path:
        roles.append(Role("database", db.path))
    sidecar = manifest_path_for(
        Job(source=db.display, output=output, output_format=fmt, manifest=manifest)
    )
    if sidecar:
        roles.append(Role("manifest", sidecar))
    if with_log:
        from redactor.requestlog.log import default_log_target

        roles.append(Role("request log", log_target or default_log_target()))
    check_distinct(roles)


def _export_format(output: str, given: str | None) -> Format:
    """The output format: ``--output-format``, else ``-o``'s extension. A compressed name
    (``.gz``, …) is refused either way."""
    try:
        return resolve_format(output, given, role="output")
    except UsageError as exc:
        if given:
            raise
        choices = "|".join(OUTPUT_FORMATS)
        if output == "-":
            raise UsageError(
                "Cannot tell the output format of standard output",
                hint=f"say it with --output-format {choices}",
            ) from None
        raise UsageError(
            exc.message,
            hint=f"name it .csv/.tsv/.parquet/.jsonl or pass --output-format {choices}",
        ) from None


def _output_format_given(output_format: str | None, deprecated: str | None) -> str | None:
    """``--output-format``, or export's old ``--format`` (a deprecated alias, with a warning;
    everywhere else ``--format`` is the input format)."""
    if deprecated is None:
        return output_format
    click.echo(
        "redactor: warning: export --format is deprecated (--format is the input format on "
        "every other command); say --output-format " + deprecated,
        err=True,
    )
    if output_format is not None and output_format != deprecated:
        raise UsageError(
            f"--format {deprecated} and --output-format {output_format} disagree",
            hint="give only --output-format",
        )
    return deprecated


@click.command(cls=QueryCommand, context_settings=CONTEXT_SETTINGS)
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    metavar="FILE",
    help="read the query from FILE (- for standard input)",
)
@click.option(
    "--db",
    "db_url",
    required=True,
    metavar="URL",
    help="sqlite:///path.db, duckdb:///path.duckdb, postgresql://user@host:port/db "
    "(credentials are never echoed or logged)",
)
@click.option(
    "--map",
    "map_path",
    required=True,
    metavar="FIELD_MAP",
    help="reviewed field map (YAML) for the database's tables",
)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="OUTPUT",
    help="output file, or - for standard output (then give --output-format)",
)
@click.option(
    "--output-format",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    help="output format [default: from -o's extension]",
)
@click.option(
    "--format",
    "deprecated_format",
    type=click.Choice(OUTPUT_FORMATS),
    metavar="FORMAT",
    help="deprecated alias of --output-format (warns); on every other command --format is "
    "the input format",
)
@click.option("--dialect", metavar="D", help="SQL dialect of the query [default: the database's]")
@click.option(
    "--explain", is_flag=True, help="print, per output column, whether it is masked and why"
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="do not print the per-column plan or the progress bar (warnings are still printed)",
)
@progress_option
@json_option("with --dry-run or --explain: the decision, the query's masks and the plan")
@click.option("--batch-rows", type=click.IntRange(1, 10_000_000), default=65_536, hidden=True)
@request_options
@typed_errors
def export_command(
    query: str | None,
    query_file: str | None,
    db_url: str,
    map_path: str,
    output: str,
    output_format: str | None,
    deprecated_format: str | None,
    dialect: str | None,
    explain: bool,
    quiet: bool,
    progress_mode: str,
    as_json: bool,
    batch_rows: int,
    purposes: tuple[str, ...],
    requester: str | None,
    agency: str | None,
    evidence: tuple[str, ...],
    policies: tuple[str, ...],
    log_target: str | None,
    manifest: str | None,
    dry_run: bool,
) -> None:
    """Export a query's result from a database, with protected fields masked in the database.

    The query is checked and rewritten as by `redactor sql`, run read-only, streamed through
    the same column redaction as files, and written atomically with a manifest and a request
    log entry. QUERY may start with a `--` comment line; or give it with -f FILE.

    \b
    Examples:
      redactor export --db sqlite:///sample_data/agency.sqlite "SELECT * FROM drivers" \\
        --map field_maps/dmv.yaml --purpose civil_immigration_enforcement --agency ICE \\
        -o out/ice.csv
      redactor export --db sqlite:///sample_data/agency.sqlite "SELECT * FROM drivers" \\
        --map field_maps/dmv.yaml --purpose civil_immigration_enforcement --agency ICE \\
        -o - --output-format csv --dry-run --json
    """
    from redactor.cli.output import print_notices, print_plan
    from redactor.policy import decide
    from redactor.sql.job import export_query
    from redactor.sql.urls import parse_url

    output_format = _output_format_given(output_format, deprecated_format)
    if as_json and not (dry_run or explain):
        raise UsageError(
            "--json applies to --dry-run or --explain (the plan as JSON)",
            hint="add --dry-run (nothing is run) or --explain, or drop --json",
        )
    if as_json and not dry_run and output == "-":
        raise UsageError(
            "--explain --json cannot share standard output with the exported data",
            hint="write the data to a file with -o FILE, or add --dry-run",
        )
    text = _read_query(query, query_file)
    db = parse_url(db_url)  # a bad URL is a usage error before anything else
    fmt = _export_format(output, output_format)
    _check_export_paths(db, output, fmt, manifest, log_target, with_log=not dry_run)
    request = build_request(purposes, requester, agency, evidence)
    decision = decide(request, load_packs(policies))
    field_map = load_field_map(map_path)
    log = None
    if not dry_run:
        from redactor.requestlog import open_log

        log = open_log(log_target)
    progress = ProgressReport("off" if dry_run else progress_mode, quiet=quiet)
    rewrites: list[RewriteResult] = []
    if as_json:
        on_rewrite = rewrites.append
        on_plan = None
    else:
        on_rewrite = _print_explain if explain or (dry_run and not quiet) else None
        on_plan = None if quiet and not dry_run else print_plan
    ok = False
    try:
        res = export_query(
            db_url,
            text,
            field_map,
            decision,
            output=output,
            output_format=fmt,
            dialect=dialect,
            manifest=manifest,
            log=log,
            dry_run=dry_run,
            batch_rows=batch_rows,
            on_rewrite=on_rewrite,
            on_plan=on_plan,
            progress=progress,
        )
        ok = True
    except RefusedError as e:
        if as_json:  # refused by the decision, the query's analysis or a check of the result
            rewrite = rewrites[-1] if rewrites else None
            line = str(e).splitlines()[0]
            echo_json(plan_doc("export", decision, status="refused", rewrite=rewrite, error=line))
        raise
    finally:
        progress.close(ok=ok)
        if log is not None:
            log.close()
    outcome = res.outcome
    if as_json:
        echo_json(plan_doc("export", decision, outcome=outcome, rewrite=res.rewrite))
        if outcome is not None:
            print_notices(outcome)
        return
    if outcome is not None and outcome.status != "dry-run" and not quiet:
        where = "standard output" if output == "-" else output
        click.echo(
            f"redactor: wrote {outcome.rows_out} rows to {where}"
            + (f"; manifest {outcome.manifest_path}" if outcome.manifest_path else "")
            + (f"; request {outcome.request_id}" if outcome.request_id else ""),
            err=True,
        )
