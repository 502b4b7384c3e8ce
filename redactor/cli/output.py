"""What commands print: the plan and the notices even ``-q`` keeps (standard error), the "wrote
N rows" line, and the versioned JSON documents of ``--json`` (standard output; docs/json.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from redactor.audit import Outcome
from redactor.errors import UsageError

if TYPE_CHECKING:
    from redactor.plan import ColumnPlan
    from redactor.policy.decide import Decision
    from redactor.sql.rewrite import RewriteResult

#: The ``schema`` of a ``--dry-run --json`` / ``export --explain --json`` document.
PLAN_SCHEMA = "redactor.plan/1"
#: The ``schema`` of a ``scan --json`` document.
SCAN_SCHEMA = "redactor.scan/1"


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


def json_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help=f"{what} as one JSON document on standard output (versioned shape, docs/json.md)",
    )


def echo_json(doc: dict[str, Any]) -> None:
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def decision_doc(d: Decision) -> dict[str, Any]:
    """The decision part of a plan document: what an intake system checks before a release."""
    r = d.request
    return {
        "outcome": "refused" if d.refused else ("restricted" if d.restricted else "unrestricted"),
        "refused": d.refused,
        "restricted": d.restricted,
        "immigration_request": d.immigration_request,
        "purposes": list(r.purposes),
        "agency": r.agency,
        "recipient": d.recipient.name if d.recipient is not None else None,
        "opened_request": r.opened_request,
        "packs": [{"id": lp.pack.id, "version": lp.pack.version} for lp in d.packs],
        "reasons": list(d.reasons),
        "triggered_rules": list(d.triggered_rules),
        "exceptions_granted": list(d.exceptions_granted),
        "obligations": list(d.obligations),
        "record_limit": d.record_limit,
        "category_actions": d.category_actions(),
    }


def column_doc(p: ColumnPlan) -> dict[str, Any]:
    return {
        "name": p.name,
        "category": str(p.category) if p.category is not None else None,
        "action": p.action.value,
        "withheld": p.withheld,
        "origin": p.origin,
        "action_from": p.action_from,
        "confidence": round(p.confidence, 3) if p.confidence is not None else None,
        "reason": p.reason,
    }


def plan_doc(
    command: str,
    decision: Decision,
    *,
    outcome: Outcome | None = None,
    status: str | None = None,
    rewrite: RewriteResult | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """A ``redactor.plan/1`` document (docs/json.md); ``error``: the one-line refusal."""
    plan: Sequence[ColumnPlan] = outcome.plan if outcome is not None else ()
    done = outcome is not None and outcome.status not in ("dry-run", "refused")
    return {
        "schema": PLAN_SCHEMA,
        "command": command,
        "status": status or (outcome.status if outcome is not None else "dry-run"),
        "decision": decision_doc(decision),
        "columns": [column_doc(p) for p in plan] if outcome is not None else None,
        "query": rewrite_doc(rewrite, decision) if rewrite is not None else None,
        "warnings": list(outcome.warnings) if outcome is not None else list(decision.warnings),
        "rows_out": outcome.rows_out if done and outcome is not None else None,
        "request_id": outcome.request_id if outcome is not None else None,
        "error": error,
    }


def rewrite_doc(result: RewriteResult, decision: Decision) -> dict[str, Any]:
    """What the SQL rewrite does to each output column of an export query."""
    from redactor.plan import attributed_action

    outputs = []
    for o in result.outputs:
        source = None
        if o.rule is not None and o.masked:
            source = attributed_action(o.rule, decision)[2]
        elif o.masked:
            source = "redactor"  # an unmapped source column: withheld, fail closed
        outputs.append(
            {
                "name": o.name,
                "position": o.position + 1,
                "state": "withheld" if o.withheld else ("masked" if o.masked else "released"),
                "action": o.action.value,
                "category": str(o.rule.category) if o.rule is not None else None,
                "action_from": source if o.masked else ("pack" if o.rule is not None else None),
                "sources": [{"table": t, "column": c} for t, c in o.sources],
                "reason": o.reason,
            }
        )
    return {
        "restricted": result.restricted,
        "dialect": result.dialect,
        "tables": list(result.tables),
        "masked_at_source": list(result.substituted),
        "outputs": outputs,
        "notes": list(result.notes),
    }


__all__ = [
    "PLAN_SCHEMA",
    "SCAN_SCHEMA",
    "column_doc",
    "decision_doc",
    "echo_json",
    "json_option",
    "parse_mode",
    "plan_doc",
    "print_notices",
    "print_plan",
    "print_written",
    "rewrite_doc",
]
