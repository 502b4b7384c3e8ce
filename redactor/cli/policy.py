"""``redactor policy``: list, show and check policy packs; the recipients registry."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from redactor.cli.options import CONTEXT_SETTINGS, json_option, quiet_option, typed_errors
from redactor.errors import UsageError
from redactor.policy import LoadedPack, builtin_pack_ids, load_pack

LIST_SCHEMA = "redactor.policy-list/1"
SHOW_SCHEMA = "redactor.policy-show/1"


def _summary(lp: LoadedPack) -> dict[str, Any]:
    """One pack as ``policy list --json`` gives it (docs/json.md)."""
    p = lp.pack
    return {
        "id": p.id,
        "version": p.version,
        "title": p.title,
        "jurisdiction": p.jurisdiction,
        "status": p.status,
        "effective": p.effective.model_dump(mode="json", by_alias=True),
        "instrument": p.instrument.model_dump(mode="json"),
        "sources": [s.model_dump(mode="json") for s in p.sources],
        "sha256": lp.sha256,
    }


def _echo_json(doc: dict[str, Any]) -> None:
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


@click.group(context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """List, show and check policy packs."""


@policy.command("list")
@json_option
@quiet_option
@typed_errors
def policy_list(as_json: bool, quiet: bool) -> None:
    """List the built-in policy packs: status, effective date, instrument and sources.

    \b
    Examples:
      redactor policy list
      redactor policy list --json | jq -r '.packs[] | select(.status == "in_force") | .id'
    """
    from redactor.policy.describe import list_lines

    packs = [load_pack(pid) for pid in builtin_pack_ids()]
    if as_json:
        _echo_json({"schema": LIST_SCHEMA, "packs": [_summary(lp) for lp in packs]})
        return
    for lp in packs:
        for line in list_lines(lp.pack):
            click.echo(line)


@policy.command("show")
@click.argument("pack", metavar="PACK|FILE")
@json_option
@quiet_option
@typed_errors
def policy_show(pack: str, as_json: bool, quiet: bool) -> None:
    """Show a pack: rules, exceptions and the evidence they need, purposes, evidence kinds and
    attributes, recipients, actions, obligations, notes and sources.

    \b
    Examples:
      redactor policy show colorado
      redactor policy show oregon-180-805 --json | jq '.pack.rules[].id'
    """
    from redactor.policy.describe import show_lines

    lp = load_pack(pack)
    if as_json:
        doc = {
            "schema": SHOW_SCHEMA,
            "id": lp.pack.id,
            "version": lp.pack.version,
            "sha256": lp.sha256,
            "source": lp.source,
            "pack": lp.pack.model_dump(mode="json", by_alias=True),
        }
        _echo_json(doc)
        return
    for line in show_lines(lp):
        click.echo(line)


@policy.command("recipients")
@quiet_option
@typed_errors
def policy_recipients(quiet: bool) -> None:
    """Show the reviewed registry of immigration-enforcement agencies, components, field offices
    and aliases that every immigration-law pack treats as an immigration-enforcement request,
    whatever purpose is stated.

    \b
    Example:
      redactor policy recipients | grep -i 'field office'
    """
    from redactor.policy.recipients import registry

    for line in registry().lines():
        click.echo(line)


@policy.command("check")
@click.argument("path", metavar="FILE")
@quiet_option
@typed_errors
def policy_check(path: str, quiet: bool) -> None:
    """Validate a pack file (exit 0 if valid, 4 with the first problem if not).

    \b
    Example:
      redactor policy check packs/my-county.yaml && echo valid
    """
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    lp = load_pack(path)
    if not quiet:
        click.echo(
            f"ok: {lp.pack.id} {lp.pack.version}: {len(lp.pack.rules)} rules, "
            f"{len(lp.pack.exceptions)} exceptions"
        )


__all__ = ["policy"]
