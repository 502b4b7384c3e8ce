"""Click options shared by the commands that take a request (redact, sql, export), and the
helpers that turn them into library objects."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from redactor.errors import RedactorError
from redactor.policy import DEFAULT_PACK, LoadedPack, load_pack
from redactor.request import Evidence, Request

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def request_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--purpose/--requester/--agency/--evidence/--policy/--log/--manifest/--dry-run."""
    opts = [
        click.option(
            "--purpose",
            "purposes",
            multiple=True,
            required=True,
            metavar="PURPOSE",
            help="stated purpose of the request (repeatable), e.g. "
            "civil_immigration_enforcement; see `redactor policy show`",
        ),
        click.option("--requester", metavar="NAME", help="who asks (person or office)"),
        click.option("--agency", metavar="ORG", help="the requesting agency, e.g. ICE"),
        click.option(
            "--evidence",
            "evidence",
            multiple=True,
            metavar="KIND:REF",
            help="evidence for an exception (repeatable), e.g. court_order:2026CR1234",
        ),
        click.option(
            "--policy",
            "policies",
            multiple=True,
            metavar="PACK|FILE",
            help=f"policy pack id or YAML file (repeatable: the strictest wins) "
            f"[default: $REDACTOR_POLICY, else {DEFAULT_PACK}]",
        ),
        click.option(
            "--log",
            "log_target",
            metavar="PATH|URL",
            help="request log: SQLite path or postgresql:// URL "
            "[default: $REDACTOR_LOG, else the user data directory]",
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


def build_request(
    purposes: tuple[str, ...], requester: str | None, agency: str | None, evidence: tuple[str, ...]
) -> Request:
    return Request(
        purposes=purposes,
        requester=requester,
        agency=agency,
        evidence=tuple(Evidence.parse(e) for e in evidence),
    )


def load_packs(policies: tuple[str, ...]) -> list[LoadedPack]:
    return [load_pack(p) for p in policies] if policies else [load_pack(None)]


def typed_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print a RedactorError (what happened, then where and how to fix it) and exit with its
    code; no traceback for user errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RedactorError as exc:
            click.echo(f"redactor: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper
