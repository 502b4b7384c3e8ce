"""``redactor request open|review|show``: requests whose evidence a person has checked.

Evidence typed on a command line is a claim: it is logged and lifts no rule. A request is
opened with who asks, for which agency, why and with what claimed evidence; a reviewer who is
not the requester accepts or rejects each piece after checking the document (whose SHA-256 is
logged, never its content); ``redact|export|sql --request ID`` then decides with the accepted
evidence. Every step is a hash-chained log entry carrying the operating-system user.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from redactor.cli.options import (
    CONTEXT_SETTINGS,
    json_option,
    quiet_option,
    typed_errors,
    warn_agency_near_miss,
)
from redactor.errors import BadInputError, UsageError
from redactor.policy.known import check_known
from redactor.request import Evidence, Request, opened_request

SHOW_SCHEMA = "redactor.request-show/1"

LOG_HELP = (
    "request log: SQLite path or postgresql:// URL [default: $REDACTOR_LOG, else log in "
    "redactor.toml, else the user data directory]"
)


@click.group("request", context_settings=CONTEXT_SETTINGS)
def request_group() -> None:
    """Open a request, have its evidence reviewed, and show its whole story."""


@request_group.command("open")
@click.option("--agency", required=True, metavar="ORG", help="the requesting agency")
@click.option("--requester", required=True, metavar="NAME", help="who asks (person or office)")
@click.option(
    "--purpose",
    "purposes",
    multiple=True,
    required=True,
    metavar="PURPOSE",
    help="stated purpose (repeatable): a claim",
)
@click.option(
    "--evidence",
    multiple=True,
    metavar="KIND:REF",
    help="evidence the requester presents (repeatable), e.g. "
    "'court_order:2026CR1234;issuer=state_court': a claim until reviewed",
)
@click.option(
    "--policy",
    "policies",
    multiple=True,
    metavar="PACK|FILE",
    help="policy pack(s) the request is decided under [default: $REDACTOR_POLICY, "
    "else policy in redactor.toml, else the default pack]",
)
@click.option("--log", "log_target", metavar="PATH|URL", help=LOG_HELP)
@quiet_option
@typed_errors
def open_command(
    agency: str,
    requester: str,
    purposes: tuple[str, ...],
    evidence: tuple[str, ...],
    policies: tuple[str, ...],
    log_target: str | None,
    quiet: bool,
) -> None:
    """Open a request; prints the new request id alone on standard output.

    \b
    Example:
      id=$(redactor request open --agency "Denver Police Department" \\
             --requester "Det. A. Synthetic" --purpose criminal_investigation \\
             --evidence "court_order:2026CR1234;issuer=state_court")
    """
    from redactor import __version__
    from redactor.audit import os_user
    from redactor.policy import load_pack
    from redactor.policy.recipients import match_recipient
    from redactor.requestlog import open_log
    from redactor.requestlog.opened import OpenedRequest

    if not agency.strip() or not requester.strip():
        raise UsageError("--agency and --requester cannot be empty")
    request = Request(
        purposes=purposes,
        requester=requester.strip(),
        agency=agency.strip(),
        evidence=tuple(Evidence.parse(e) for e in evidence),
    )
    packs = [load_pack(p) for p in policies] if policies else [load_pack(None)]
    check_known(request, packs)
    warn_agency_near_miss(request.agency)
    recipient = match_recipient(request.agency)
    opened = OpenedRequest(
        request_id="",
        agency=request.agency or "",
        requester=request.requester or "",
        purposes=request.purposes,
        evidence=tuple(e.to_log() for e in request.evidence),
        policies=policies,
        packs=tuple(lp.ref for lp in packs),
        recipient=recipient.to_log() if recipient else None,
        os_user=os_user(),
        redactor_version=__version__,
    )
    with open_log(log_target) as log:
        rid = log.open_request(opened)
        where = log.location
    click.echo(rid)
    if quiet:
        return
    who = recipient.canonical if recipient else request.agency
    click.echo(
        f"redactor: opened request {rid} ({who}; {len(request.evidence)} piece(s) of "
        f"evidence claimed) in {where}",
        err=True,
    )
    if request.evidence:
        click.echo(
            f"  a reviewer other than {request.requester} accepts or rejects each one: "
            f"redactor request review {rid[:8]} --reviewer NAME --accept "
            f"{request.evidence[0].key} --document FILE",
            err=True,
        )


def _document(path: str) -> dict[str, object]:
    p = Path(path)
    h = hashlib.sha256()
    size = 0
    try:
        with p.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise BadInputError(f"--document {path}: no such file") from None
    except OSError as e:
        raise BadInputError(f"--document {path}: cannot read it ({e.strerror})") from None
    return {"sha256": h.hexdigest(), "bytes": size}


def _scrubbed(note: str) -> str:
    """The note with embedded identifiers (SSN, dates, phone numbers, …) replaced by tokens, as
    free text is scrubbed in outputs: the log must hold no protected value."""
    import pyarrow as pa

    from redactor.detect.scrub import scrub_array

    return str(scrub_array(pa.array([note]))[0])


@request_group.command("review")
@click.argument("request_id", metavar="ID")
@click.option(
    "--reviewer",
    required=True,
    metavar="NAME",
    help="who checked the documents (not the requester)",
)
@click.option(
    "--accept",
    "accepts",
    multiple=True,
    metavar="KIND:REF",
    help="evidence checked and accepted (repeatable); attributes given here "
    "(;issuer=…) replace the claimed ones",
)
@click.option(
    "--reject",
    "rejects",
    multiple=True,
    metavar="KIND:REF",
    help="evidence checked and rejected (repeatable)",
)
@click.option(
    "--document",
    "documents",
    multiple=True,
    metavar="FILE",
    help="the document checked (repeatable): only its SHA-256 and size are logged",
)
@click.option(
    "--note",
    metavar="TEXT",
    help="a short note (no personal data: identifiers in it are scrubbed before logging)",
)
@click.option("--log", "log_target", metavar="PATH|URL", help=LOG_HELP)
@quiet_option
@typed_errors
def review_command(
    request_id: str,
    reviewer: str,
    accepts: tuple[str, ...],
    rejects: tuple[str, ...],
    documents: tuple[str, ...],
    note: str | None,
    log_target: str | None,
    quiet: bool,
) -> None:
    """Accept or reject an opened request's evidence (appended as a new log entry).

    \b
    Example:
      redactor request review 3f2a --reviewer "R. Reviewer" \\
        --accept "court_order:2026CR1234;issuer=state_court" --document order.pdf
    """
    from redactor.audit import os_user
    from redactor.policy import decide, load_pack
    from redactor.requestlog import open_log
    from redactor.requestlog.opened import Review

    if not accepts and not rejects:
        raise UsageError(
            "Say what the review decided",
            hint="give --accept KIND:REF and/or "
            "--reject KIND:REF (as shown by `redactor request show ID`)",
        )
    acc = [Evidence.parse(a) for a in accepts]
    rej = [Evidence.parse(r) for r in rejects]
    both = {e.key for e in acc} & {e.key for e in rej}
    if both:
        raise UsageError(f"{', '.join(sorted(both))} is both accepted and rejected")
    docs = [_document(d) for d in documents]
    if note:
        note = _scrubbed(note)
    with open_log(log_target, create=False) as log:
        rid = log.resolve_id(request_id, opened=True)
        view = log.opened(rid)
        packs = (
            [load_pack(p) for p in view.opened.policies]
            if view.opened.policies
            else [load_pack(None)]
        )
        check_known(Request(purposes=view.opened.purposes, evidence=(*acc, *rej)), packs)
        claimed = {f"{e.kind}:{e.reference}" for e in view.opened.evidence}
        for e in acc:
            if e.key not in claimed:
                click.echo(
                    f"redactor: note: {e.key} was not claimed when the request was "
                    "opened; it is recorded as added by the reviewer",
                    err=True,
                )
        review = Review(
            reviewer=reviewer.strip(),
            accepted=tuple(e.to_log() for e in acc),
            rejected=tuple(e.to_log() for e in rej),
            documents=tuple(docs),
            note=note,
            os_user=os_user(),
        )
        seq = log.review(rid, review)
        same_user = view.opened.os_user == review.os_user
    if not quiet:
        click.echo(
            f"redactor: review of request {rid} recorded (entry {seq}): "
            f"{len(acc)} accepted, {len(rej)} rejected",
            err=True,
        )
    if same_user:
        click.echo(
            f"  warning: the reviewer ran as the operating-system user who opened the "
            f"request ({review.os_user}); the log records it",
            err=True,
        )
    if quiet:
        return
    request, _policies = opened_request(rid, log_target)
    decision = decide(request, packs)
    released = [c for c, a in decision.category_actions().items() if a == "release"]
    withheld = [c for c, a in decision.category_actions().items() if a != "release"]
    status = (
        "refused"
        if decision.refused
        else (
            f"released: {', '.join(released) or 'none'}; withheld: {', '.join(withheld) or 'none'}"
        )
    )
    click.echo(f"  with the evidence as reviewed: {status}", err=True)
    for r in decision.reasons:
        click.echo(f"  reason: {r}", err=True)


def _timeline(view) -> list[str]:
    o = view.opened
    rec = o.recipient or {}
    who = f"{o.agency}" + (f" = {rec.get('canonical')} (recipient registry)" if rec else "")
    lines = [
        f"request {view.request_id}",
        f"  {o.time}  opened by {o.requester} (os user {o.os_user or '?'}): agency {who}; "
        f"purposes {', '.join(o.purposes)}; policy {', '.join(o.policies) or 'default'} "
        f"({', '.join(f'{p.id} {p.version}' for p in o.packs)})",
    ]
    for e in o.evidence:
        lines.append(
            f"      claimed {e.kind}:{e.reference}"
            + "".join(f";{k}={v}" for k, v in (e.attributes or {}).items())
        )
    for rv in view.reviews:
        lines.append(
            f"  {rv.time}  reviewed by {rv.reviewer} (os user {rv.os_user or '?'}"
            + (", SAME as the opener" if rv.same_os_user else "")
            + ")"
        )
        for e in rv.accepted:
            lines.append(
                f"      accepted {e.kind}:{e.reference}"
                + "".join(f";{k}={v}" for k, v in (e.attributes or {}).items())
            )
        for e in rv.rejected:
            lines.append(f"      rejected {e.kind}:{e.reference}")
        for d in rv.documents:
            lines.append(f"      document sha256 {d.sha256} ({d.bytes} bytes)")
        if rv.note:
            lines.append(f"      note: {rv.note}")
    for run in view.runs:
        r = run.record
        done = run.completion
        rows = f", {done.rows_out} rows" if done and done.rows_out is not None else ""
        lines.append(
            f"  entry {run.seq}  {r.command} run {run.request_id} (os user "
            f"{r.os_user or '?'}): {run.outcome}{rows}"
        )
        for g in r.exceptions_granted:
            lines.append(f"      exception {g}")
        if done and done.output_sha256:
            lines.append(f"      output sha256 {done.output_sha256}")
        if done and done.error:
            lines.append(f"      error: {done.error}")
    lines.append("  evidence now:")
    for st in view.evidence_states():
        by = f" by {st.reviewer}" if st.reviewer else ""
        lines.append(
            f"      {st.evidence.kind}:{st.evidence.reference}: {st.status}{by}"
            + (" (added by the reviewer)" if st.added_by_reviewer else "")
        )
    if not view.runs:
        lines.append("  no export yet")
    return lines


@request_group.command("show")
@click.argument("request_id", metavar="ID")
@json_option
@click.option("--log", "log_target", metavar="PATH|URL", help=LOG_HELP)
@quiet_option
@typed_errors
def show_command(request_id: str, as_json: bool, log_target: str | None, quiet: bool) -> None:
    """A request's timeline: opened, reviewed, and every export or query run under it.

    \b
    Examples:
      redactor request show 3f2a
      redactor request show 3f2a --json | jq '.evidence[] | {kind, reference, status}'
    """
    from redactor.requestlog import open_log

    with open_log(log_target, create=False) as log:
        view = log.opened(log.resolve_id(request_id, opened=True))
    if as_json:
        doc = {"schema": SHOW_SCHEMA, **view.to_dict()}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for line in _timeline(view):
        click.echo(line)
