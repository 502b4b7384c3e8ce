"""``redactor log list|show|verify`` and ``redactor report``: a thin layer over redactor.requestlog.

The main CLI attaches these with ``cli.add_command(log_group, "log")`` and
``cli.add_command(report_command, "report")``. Typed errors become their exit codes here, so
the commands behave the same however they are mounted.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from redactor.cli.options import CONTEXT_SETTINGS, quiet_option, typed_errors
from redactor.errors import UsageError
from redactor.io.writers import AtomicOutput
from redactor.requestlog import LogTamperedError, RequestFilter, open_log
from redactor.requestlog.entry import OUTCOMES
from redactor.requestlog.notices import NOTICE_STATES, Notification
from redactor.requestlog.report import Period, ReportMeta, report_from_log
from redactor.requestlog.report_text import EXTENSIONS, FORMATS, render

LOG_HELP = (
    "request log: a file path (SQLite) or postgresql://user@host/db "
    "[default: $REDACTOR_LOG, else log in redactor.toml, else requests.sqlite3 in the user "
    "data directory]"
)

log_option = click.option("--log", "log_target", metavar="PATH|URL", default=None, help=LOG_HELP)


#: Print a RedactorError (message, then hint) on stderr and exit with its code; run the command
#: under one read of the REDACTOR_* settings (the same wrapper as every other command).
_typed_errors = typed_errors


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group(
    "log",
    help="Read and verify the request log; track subject notifications.",
    context_settings=CONTEXT_SETTINGS,
)
def log_group() -> None:
    pass


@log_group.command("list")
@click.option("--from", "start", type=DATE, help="first day (UTC, inclusive), YYYY-MM-DD")
@click.option("--to", "end", type=DATE, help="last day (UTC, inclusive), YYYY-MM-DD")
@click.option("--agency", help="requesting agency (exact, any case)")
@click.option("--purpose", help="requests stating this purpose")
@click.option(
    "--decision",
    "--outcome",
    "--status",
    "outcome",
    type=click.Choice(OUTCOMES),
    help="effective outcome: a refusal, a failed or never-completed run, else the decision",
)
@click.option("--json", "as_json", is_flag=True, help="JSON array with every logged field")
@log_option
@quiet_option
@_typed_errors
def list_command(
    start: datetime | None,
    end: datetime | None,
    agency: str | None,
    purpose: str | None,
    outcome: str | None,
    as_json: bool,
    log_target: str | None,
    quiet: bool,
) -> None:
    """List requests, oldest first.

    \b
    Examples:
      redactor log list --from 2026-07-01 --to 2026-09-30 --decision refused
      redactor log list --agency ICE --json | jq length
    """
    where = RequestFilter(_day(start), _day(end), agency, purpose, outcome)
    with open_log(log_target, create=False) as log:
        views = log.requests(where)
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in views], indent=2, ensure_ascii=False))
        return
    rows = [
        (
            v.record.time[:19].replace("T", " ") if v.record.time else "",
            v.request_id,
            v.record.command,
            v.record.agency or "-",
            ",".join(v.record.purposes) or "-",
            v.outcome,
        )
        for v in views
    ]
    header = ("time (UTC)", "request id", "command", "agency", "purposes", "outcome")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    if not quiet:
        click.echo(f"{len(rows)} request(s)", err=True)


@log_group.command("show")
@click.argument("request_id")
@log_option
@quiet_option
@_typed_errors
def show_command(request_id: str, log_target: str | None, quiet: bool) -> None:
    """Show one request's entries (request and completion) as JSON; an id prefix will do.

    \b
    Example:
      redactor log show 3f2a | jq '.entries[0].payload'
    """
    with open_log(log_target, create=False) as log:
        rid = log.resolve_id(request_id)
        entries = log.request_entries(rid)
        view = next(v for v in log.requests() if v.request_id == rid)
    click.echo(
        json.dumps(
            {"request_id": rid, "outcome": view.outcome, "entries": [e.to_dict() for e in entries]},
            indent=2,
            ensure_ascii=False,
        )
    )


@log_group.command("verify")
@click.option(
    "--expect-head",
    metavar="HASH",
    help="a head hash recorded earlier (e.g. off this machine): fail unless it is "
    "still in the chain, which catches removed or rewritten newest entries",
)
@log_option
@quiet_option
@_typed_errors
def verify_command(expect_head: str | None, log_target: str | None, quiet: bool) -> None:
    """Check the hash chain and the append-only guards; exit 4 naming the first bad entry.

    \b
    Example:
      redactor log verify --expect-head "$(cat /mnt/offsite/head.txt)"
    """
    with open_log(log_target, create=False) as log:
        result = log.verify(expect_head=expect_head)
        location = log.location
    if not result.ok:
        problems = result.problems()
        raise LogTamperedError(
            f"request log verification failed at {location}: {problems[0]}",
            hint="; ".join([*problems[1:], f"the chain is intact up to seq {result.head_seq}"]),
        )
    click.echo(
        f"ok: {result.entries} entries verified; head seq {result.head_seq} hash {result.head_hash}"
    )
    if not quiet:
        click.echo(
            "record the head hash somewhere this machine cannot change it, and pass it to "
            "--expect-head next time",
            err=True,
        )


@log_group.command("pending")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="every notification due, including those already recorded",
)
@click.option(
    "--state",
    type=click.Choice(NOTICE_STATES),
    multiple=True,
    help="only these states (repeatable) [default: due and overdue]",
)
@click.option("--as-of", "as_of", type=DATE, help="judge due/overdue on this day [default: today]")
@click.option("--json", "as_json", is_flag=True, help="JSON array")
@log_option
@quiet_option
@_typed_errors
def pending_command(
    show_all: bool,
    state: tuple[str, ...],
    as_of: datetime | None,
    as_json: bool,
    log_target: str | None,
    quiet: bool,
) -> None:
    """Subject notifications that a pack requires and nobody has recorded yet: due (still in
    time) or overdue. Exit 0 either way; the count goes to stderr.

    \b
    Example:
      redactor log pending --state overdue --json | jq length
    """
    states = set(state) or (set(NOTICE_STATES) if show_all else {"due", "overdue"})
    with open_log(log_target, create=False) as log:
        items = [n for n in log.obligations(today=_day(as_of)) if n.state in states]
    if as_json:
        click.echo(json.dumps([n.to_dict() for n in items], indent=2, ensure_ascii=False))
        return
    header = ("state", "due", "request id", "day", "agency", "pack", "rule", "recorded")
    rows = [
        (
            n.state,
            n.notice.due,
            n.request.request_id,
            n.request.day.isoformat(),
            n.request.record.agency or "-",
            n.notice.pack,
            n.notice.rule,
            f"{n.notification.status} {n.notification.on}" if n.notification else "-",
        )
        for n in items
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    overdue = sum(n.state == "overdue" for n in items)
    if not quiet:
        click.echo(f"{len(items)} notification(s) listed, {overdue} overdue", err=True)


@log_group.command("notified")
@click.argument("request_id")
@click.option("--on", "on", type=DATE, help="day the notice was sent, YYYY-MM-DD [default: today]")
@click.option(
    "--ref",
    "reference",
    metavar="REF",
    help="the agency's own reference for the letter (never the person's name or address)",
)
@click.option(
    "--pack",
    metavar="PACK",
    help="the pack whose duty this satisfies (needed when several require notice)",
)
@click.option("--by", "by", metavar="NAME", help="who records it")
@click.option(
    "--suppressed",
    "reason",
    metavar="REASON",
    help="notice was lawfully withheld, and why (e.g. a court's non-disclosure order)",
)
@log_option
@quiet_option
@_typed_errors
def notified_command(
    request_id: str,
    on: datetime | None,
    reference: str | None,
    pack: str | None,
    by: str | None,
    reason: str | None,
    log_target: str | None,
    quiet: bool,
) -> None:
    """Record that the subject of a request was notified (or why notice was withheld). Appended
    as a new hash-chained entry; nothing is updated.

    \b
    Example:
      redactor log notified 3f2a --on 2026-08-01 --ref LTR-2026-0042 --by "J. Doe"
    """
    with open_log(log_target, create=False) as log:
        rid = log.resolve_id(request_id)
        view = next(v for v in log.requests() if v.request_id == rid)
        due = [n.pack for n in view.record.notices_due()]
        if pack is None:
            if len(due) > 1:
                raise UsageError(
                    f"request {rid} has notifications due under {', '.join(due)}",
                    hint="say which with --pack",
                )
            pack = due[0] if due else "(none)"
        day = _day(on) or datetime.now().date()
        try:
            note = Notification(
                pack=pack,
                status="suppressed" if reason else "made",
                on=day.isoformat(),
                reference=reference,
                by=by,
                reason=reason,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        log.notify(rid, note)
    if not quiet:
        click.echo(f"recorded: request {rid}: notification {note.status} on {note.on} under {pack}")


REPORT_EXAMPLES = """
\b
Examples:
  redactor report --quarter 2026Q3 -o q3.pdf --agency-name "Colorado DMV" \\
    --preparer "J. Doe, Records Unit" --attest-name "A. Officer" \\
    --attest-title "Chief Compliance Officer"
  redactor report --quarter 2026Q3 -o q3.html          # format from the extension
  redactor report --quarter 2026Q3 --output-format json -o - | jq .summary
  redactor report --from 2026-07-01 --to 2026-12-31 --output-format csv -o h2.csv
"""


def _report_format(fmt: str | None, legacy: str | None, output: Path | None) -> str:
    """--output-format (or its old spelling --format), else -o's extension, else md. An
    extension that names no format is a usage error, not a Markdown file by another name."""
    if fmt and legacy and fmt != legacy:
        raise UsageError(
            f"--output-format {fmt} and --format {legacy} disagree",
            hint="give --output-format only (--format is its old spelling)",
        )
    fmt = fmt or legacy
    if output is None or str(output) == "-":
        return fmt or "md"
    suffix = output.suffix.lower().lstrip(".")
    named = EXTENSIONS.get(suffix)
    if fmt and named and named != fmt:
        raise UsageError(
            f"-o {output} names a {named} file but --output-format is {fmt}",
            hint=f"name the file .{fmt}, or drop --output-format",
        )
    if fmt or named:
        return fmt or named  # type: ignore[return-value]
    known = ", ".join(f".{e}" for e in EXTENSIONS)
    raise UsageError(
        f"-o {output}: cannot tell the report format from "
        + (f"the extension .{suffix}" if suffix else "a name with no extension"),
        hint=f"name the file with one of {known}, or say --output-format {'|'.join(FORMATS)}",
    )


@click.command("report", epilog=REPORT_EXAMPLES, context_settings=CONTEXT_SETTINGS)
@click.option("--quarter", metavar="YYYYQn", help="calendar quarter (UTC days), e.g. 2026Q3")
@click.option(
    "--from",
    "start",
    type=DATE,
    metavar="YYYY-MM-DD",
    help="first day (UTC, inclusive) instead of --quarter, e.g. 2026-07-01",
)
@click.option(
    "--to",
    "end",
    type=DATE,
    metavar="YYYY-MM-DD",
    help="last day (UTC, inclusive) instead of --quarter, e.g. 2026-09-30",
)
@click.option(
    "--output-format",
    "fmt",
    type=click.Choice(FORMATS),
    help="md (default), html, pdf (printed by headless Chromium), csv or json; "
    "else from -o's extension, e.g. --output-format pdf",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    deprecated="use --output-format",
    help="old spelling of --output-format",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write here (atomically, owner-only), or - for standard output "
    "[default: -], e.g. -o q3.pdf",
)
@click.option(
    "--agency-name",
    metavar="NAME",
    help="the reporting agency, printed at the top, e.g. 'Colorado Department of Revenue' "
    "[default: report.agency_name in redactor.toml]",
)
@click.option(
    "--preparer",
    metavar="NAME",
    help="who prepared the report, e.g. 'J. Doe' [default: report.preparer in redactor.toml]",
)
@click.option(
    "--attest-name",
    metavar="NAME",
    help="who signs the attestation, e.g. 'A. Officer' [default: report.attest_name in "
    "redactor.toml, else a blank line]",
)
@click.option(
    "--attest-title",
    metavar="TITLE",
    help="the signer's title, e.g. 'Chief Compliance Officer' [default: report.attest_title "
    "in redactor.toml, else a blank line]",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="do not print where the report went (warnings still print)"
)
@log_option
@_typed_errors
def report_command(
    quarter: str | None,
    start: datetime | None,
    end: datetime | None,
    fmt: str | None,
    format: str | None,
    output: Path | None,
    agency_name: str | None,
    preparer: str | None,
    attest_name: str | None,
    attest_title: str | None,
    quiet: bool,
    log_target: str | None,
) -> None:
    """The periodic report to hand over: a plain-language summary, the attestation with a
    signature block, charts, counts by agency × purpose × outcome, exceptions and who reviewed
    them, refusals, notifications; computed from a verified log."""
    period = _period(quarter, _day(start), _day(end))
    fmt = _report_format(fmt, format, output)
    try:
        meta = ReportMeta(agency_name, preparer, attest_name, attest_title)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    to_stdout = output is None or str(output) == "-"
    if fmt == "pdf":
        from redactor.requestlog.report_pdf import require_chromium

        require_chromium()  # before the log is read
        if to_stdout and sys.stdout.isatty():
            raise UsageError(
                "a PDF is binary: not written to a terminal",
                hint="give -o FILE.pdf, or pipe standard output to a file",
            )
    with open_log(log_target, create=False) as log:
        report = report_from_log(log, period, meta=meta)
    if fmt in ("md", "html", "pdf"):
        missing = [
            f"--{n}"
            for n, v in (("agency-name", meta.agency_name), ("preparer", meta.preparer))
            if not v
        ]
        if missing:
            click.echo(
                f"redactor: warning: no {' or '.join(missing)}: the report says "
                "'(not given)' there",
                err=True,
            )
    if fmt == "pdf":
        from redactor.requestlog.report_pdf import render_pdf

        data = render_pdf(report)
    else:
        data = render(report, fmt).encode("utf-8")
    if to_stdout:
        if fmt == "pdf":
            stream = click.get_binary_stream("stdout")
            stream.write(data)
            stream.flush()
        else:
            text = data.decode("utf-8")
            click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        write_bytes_atomic(str(output.expanduser()), data)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {output}: {exc.strerror}") from None
    if not quiet:
        click.echo(f"report {period.label} written to {output} ({fmt})", err=True)


def write_bytes_atomic(path: str, data: bytes) -> None:
    out = AtomicOutput(path, mode=0o600)
    sink = out.open()
    try:
        sink.write(data)
        out.commit()
    except BaseException:
        out.abort()
        raise


def _period(quarter: str | None, start: date | None, end: date | None) -> Period:
    if quarter and (start or end):
        raise UsageError("give either --quarter or --from/--to, not both")
    try:
        if quarter:
            return Period.quarter(quarter)
        if start and end:
            return Period.between(start, end)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    raise UsageError(
        "say which period to report on",
        hint="--quarter 2026Q3, or --from 2026-07-01 --to 2026-09-30",
    )
