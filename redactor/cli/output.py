"""What commands print on standard error: the plan, the notices even ``-q`` keeps, and the
"wrote N rows" line."""

from __future__ import annotations

import click

from redactor.audit import Outcome
from redactor.errors import UsageError


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


__all__ = ["parse_mode", "print_notices", "print_plan", "print_written"]
