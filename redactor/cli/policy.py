"""``redactor policy``: list, show and check policy packs; the recipients registry."""

from __future__ import annotations

import os

import click

from redactor.cli.options import CONTEXT_SETTINGS, typed_errors
from redactor.errors import UsageError
from redactor.policy import builtin_pack_ids, load_pack


@click.group(context_settings=CONTEXT_SETTINGS)
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


__all__ = ["policy"]
