"""The manifest written beside an output: what was asked, decided, withheld and written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from redactor import __version__
from redactor.audit.job import Job, Outcome
from redactor.audit.records import shown_path

if TYPE_CHECKING:
    from redactor.fieldmap import FieldMap
    from redactor.masking import HashKey
    from redactor.plan import ColumnPlan
    from redactor.policy.decide import Decision


def manifest_doc(
    decision: Decision,
    plan: Sequence[ColumnPlan],
    job: Job,
    field_map: FieldMap | None,
    outcome: Outcome,
    key: HashKey | None,
) -> dict:
    req = decision.request
    return {
        "redactor_version": __version__,
        "request_id": outcome.request_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "request": {
            "requester": req.requester,
            "agency": req.agency,
            "purposes": list(req.purposes),
            "evidence": [
                {
                    "kind": e.kind,
                    "reference": e.reference,
                    "status": "accepted" if e.accepted else "claimed",
                    **({"reviewer": e.reviewer} if e.reviewer else {}),
                }
                for e in req.evidence
            ],
            "opened_request": req.opened_request,
        },
        "policy_packs": [lp.ref for lp in decision.packs],
        "field_map": None
        if field_map is None
        else {
            "name": field_map.name,
            "sha256": field_map.sha256,
            "table": field_map.table(job.table).name,
        },
        "decision": {
            "status": outcome.status,
            "restricted": decision.restricted,
            "reasons": list(decision.reasons),
            "triggered_rules": list(decision.triggered_rules),
            "exceptions_granted": list(decision.exceptions_granted),
            "obligations": list(decision.obligations),
            "category_actions": decision.category_actions(),
        },
        "columns": [
            {
                "name": p.name,
                "category": p.category.value if p.category else None,
                "action": p.action.value,
                "origin": p.origin,
                "reason": p.reason,
                **({"confidence": round(p.confidence, 3)} if p.confidence is not None else {}),
            }
            for p in plan
        ],
        "hash_key_fingerprint": key.fingerprint if key else None,
        "input": {
            "source": shown_path(job.source, decision),
            "sha256": outcome.input_sha256,
            "rows": outcome.rows_in,
        },
        "output": {
            "path": shown_path(job.output, decision),
            "format": job.output_format.value,
            "sha256": outcome.output_sha256,
            "rows": outcome.rows_out,
            **(
                {"inferred_types": {n: str(t) for n, t in outcome.types.items()}}
                if outcome.types
                else {}
            ),
        },
        "warnings": outcome.warnings,
    }


def manifest_path_for(job: Job) -> str | None:
    if job.manifest == "":
        return None
    if job.manifest:
        return job.manifest
    if job.output == "-":
        return None
    return f"{job.output}.manifest.json"


__all__ = ["manifest_doc", "manifest_path_for"]
