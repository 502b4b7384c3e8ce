"""Click options shared by the commands that take a request (redact, sql, export), and the
helpers that turn them into library objects.

A request is given either on the command line (``--purpose … --agency ORG [--requester NAME]
[--evidence E …] [--policy P …]``: its evidence is a claim and lifts no rule) or as ``--request
ID``, a request opened with ``redactor request open`` whose evidence a reviewer may have
accepted; who, why, evidence and packs then come from the log, and the per-command request
flags are refused alongside it. Usage errors found here (a missing --agency, an unknown purpose
or evidence kind, an unknown request id) happen before any decision and are not logged.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from redactor.errors import RedactorError, UsageError
from redactor.request import Evidence, Request, opened_with_packs

if TYPE_CHECKING:
    from redactor.policy import LoadedPack

_META_REQUEST = "redactor.request_id"
_META_OPENED = "redactor.opened"  # (Request, policies) read from the log
_META_BUILT = "redactor.built_request"
_META_OPENED_REFS = "redactor.opened_pack_refs"


def __getattr__(name: str) -> Any:
    """``FORMATS``: the file formats every command reads and writes (``--format`` /
    ``--output-format``), computed when a command module asks for it, so that the commands
    that take no file (``config``, ``log``, ``policy``, ``--version``) never import pyarrow."""
    if name == "FORMATS":
        from redactor.io.formats import Format

        return [f.value for f in Format]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _remember_request(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[_META_REQUEST] = value


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: ``-q/--quiet`` for every command: hides what the command says it did, never a warning.
quiet_option = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="print nothing but the result and warnings (no progress or summary lines)",
)

#: ``--json`` for commands with a documented, versioned JSON shape (docs/json.md).
json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="print one JSON document (shape: docs/json.md) instead of text",
)


def given_on_command_line(ctx: click.Context | None, name: str) -> bool:
    """Whether the parameter ``name`` was typed (or came from its environment variable), as
    opposed to a default or a default from ``redactor.toml``."""
    if ctx is None:
        return True
    source = ctx.get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def request_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--purpose/--requester/--agency/--evidence/--policy/--log/--manifest/--dry-run."""
    from redactor.policy.loader import DEFAULT_PACK

    opts = [
        click.option(
            "--request",
            metavar="ID",
            expose_value=False,
            callback=_remember_request,
            help="a request opened with `redactor request open` (who, why, evidence and "
            "policy come from the log; only evidence a reviewer accepted lifts a rule)",
        ),
        click.option(
            "--purpose",
            "purposes",
            multiple=True,
            metavar="PURPOSE",
            help="stated purpose of the request (repeatable; required without --request), e.g. "
            "civil_immigration_enforcement; see `redactor policy show`",
        ),
        click.option("--requester", metavar="NAME", help="who asks (person or office)"),
        click.option(
            "--agency",
            metavar="ORG",
            help="the requesting agency, e.g. ICE or 'Denver Police Department' (required "
            "without --request)",
        ),
        click.option(
            "--evidence",
            "evidence",
            multiple=True,
            metavar="KIND:REF",
            help="evidence claimed for an exception (repeatable), e.g. "
            "'court_order:2026CR1234;issuer=state_court': logged as a claim, it lifts no rule "
            "(open a request and have it reviewed instead)",
        ),
        click.option(
            "--policy",
            "policies",
            multiple=True,
            metavar="PACK|FILE",
            help=f"policy pack id or YAML file (repeatable: the strictest wins) "
            f"[default: $REDACTOR_POLICY, else policy in redactor.toml, else {DEFAULT_PACK}]",
        ),
        click.option(
            "--log",
            "log_target",
            metavar="PATH|URL",
            help="request log: SQLite path or postgresql:// URL "
            "[default: $REDACTOR_LOG, else log in redactor.toml, else the user data directory]",
        ),
        click.option(
            "--manifest",
            metavar="PATH",
            help="where to write the JSON manifest [default: OUTPUT.manifest.json "
            "beside a file output; none for stdout]",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="print the decision and per-column plan; read no data rows, write nothing",
        ),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _context() -> click.Context | None:
    return click.get_current_context(silent=True)


def build_request(
    purposes: tuple[str, ...], requester: str | None, agency: str | None, evidence: tuple[str, ...]
) -> Request:
    """The request of this command: from ``--request ID`` (read from the log) or from the
    per-command flags (then ``--purpose`` and ``--agency`` are required, and evidence is a
    claim)."""
    ctx = _context()
    request_id = ctx.meta.get(_META_REQUEST) if ctx is not None else None
    if request_id is not None:
        # values from redactor.toml are defaults: the opened request's own values win
        given = [
            f
            for f, name, v in (
                ("--purpose", "purposes", purposes),
                ("--requester", "requester", requester),
                ("--agency", "agency", agency),
                ("--evidence", "evidence", evidence),
            )
            if v and given_on_command_line(ctx, name)
        ]
        if (
            ctx is not None
            and ctx.params.get("policies")
            and given_on_command_line(ctx, "policies")
        ):
            given.append("--policy")
        if given:
            raise UsageError(
                f"{', '.join(given)} cannot be given with --request: who asks, why, the evidence "
                "and the policy come from the opened request",
                hint="drop them, or leave out --request to state a new request (whose evidence "
                "is then only a claim)",
            )
        log_target = ctx.params.get("log_target") if ctx is not None else None
        request, policies, refs = opened_with_packs(request_id, log_target)
        if ctx is not None:
            ctx.meta[_META_OPENED] = policies
            ctx.meta[_META_OPENED_REFS] = refs
        return request
    if not purposes:
        raise UsageError(
            "A request needs at least one stated purpose",
            hint="add --purpose, e.g. --purpose criminal_investigation, or give --request ID",
        )
    if not (agency or "").strip():
        raise UsageError(
            "A request must name the requesting agency (--agency)",
            hint="e.g. --agency 'Denver Police Department' or --agency ICE; decisions depend on "
            "who asks (see `redactor policy recipients`)",
        )
    request = Request(
        purposes=purposes,
        requester=requester,
        agency=agency.strip(),
        evidence=tuple(Evidence.parse(e) for e in evidence),
    )
    warn_agency_near_miss(request.agency)
    if ctx is not None:
        ctx.meta[_META_BUILT] = request
    return request


def warn_agency_near_miss(agency: str | None) -> None:
    """A warning (never hidden by -q) when an agency the recipient registry does not know
    exactly is spelt like one it does (``ICEE``: did you mean ICE?). Fail closed: the request is
    decided as that agency's, so a typo cannot turn it into an ordinary one."""
    from redactor.policy.recipients import registry

    close = registry().near_miss(agency)
    if close:
        click.echo(
            f"redactor: warning: agency {agency!r} is not spelt as in the recipient registry; "
            f"{close} It is decided as that agency (a near spelling of an immigration agency "
            "never releases more); spell the agency exactly (see `redactor policy recipients`)",
            err=True,
        )


def load_packs(policies: tuple[str, ...]) -> list[LoadedPack]:
    """The packs of this command (``--policy`` …, the opened request's, or the default), after
    checking the request's purposes and evidence kinds against them."""
    from redactor.policy import load_pack
    from redactor.policy.known import check_known

    ctx = _context()
    if ctx is not None and _META_OPENED in ctx.meta:
        policies = tuple(ctx.meta[_META_OPENED])
    packs = [load_pack(p) for p in policies] if policies else [load_pack(None)]
    refs = ctx.meta.get(_META_OPENED_REFS) if ctx is not None else None
    for lp in packs if refs else ():
        if refs.get(lp.pack.id) != lp.sha256:
            click.echo(
                f"redactor: warning: policy pack {lp.pack.id} changed since the request was "
                f"opened; deciding under the pack as it is now ({lp.pack.version})",
                err=True,
            )
    built = ctx.meta.get(_META_BUILT) if ctx is not None else None
    if isinstance(built, Request):
        check_known(built, packs)
    return packs


def typed_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command under one read of the ``REDACTOR_*`` settings (:mod:`redactor.settings`);
    print a RedactorError (what happened, then where and how to fix it) and exit with its code;
    no traceback for user errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from redactor.settings import scope

        try:
            with scope():  # the REDACTOR_* settings, read once for this command
                return fn(*args, **kwargs)
        except RedactorError as exc:
            if getattr(exc, "quiet", False):  # a closed pipe: the shell's status, no message
                from redactor.interrupts import silence_stdout

                silence_stdout()
            else:
                click.echo(f"redactor: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            from redactor.interrupts import INTERRUPTED_EXIT, interrupted

            click.echo(f"redactor: {interrupted()}", err=True)
            sys.exit(INTERRUPTED_EXIT)

    return wrapper
