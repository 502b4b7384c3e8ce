"""Planning one input: detection of the columns the field map does not list, then the column
plan (:func:`plan_columns`), and what the plan needs before anything is written (the hashing
key). Used by every engine; nothing here reads or writes data beyond the sample it is given."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from redactor.categories import Action
from redactor.errors import RedactorError, RefusedError
from redactor.fieldmap import TableMap, normalize_name
from redactor.masking import HashKey
from redactor.plan import ColumnPlan, Detected, build_plan
from redactor.policy.decide import Decision


def detect_unmapped(
    columns: Sequence[str], table: TableMap | None, sample: pa.Table | None
) -> dict[str, Detected]:
    """Classify the columns the field map does not list (names, and content of ``sample``)."""
    unmapped = [c for c in columns if table is None or table.rule(c) is None]
    if not unmapped:
        return {}
    from redactor.colnames import classify_by_read_names

    if sample is None:
        sample = pa.table({c: pa.array([], pa.string()) for c in unmapped})
    else:
        sample = detectable(sample.select(unmapped))
    out: dict[str, Detected] = {}
    for col, s in classify_by_read_names(sample).items():
        out[col] = Detected(
            category=s.category,
            confidence=s.confidence,
            flagged=s.flagged,
            evidence=tuple(s.evidence),
        )
    return out


def detectable_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column in a type detection's kernels take: extension types as their storage,
    dictionaries decoded (whatever their value type), half floats as float32, and the types no
    text kernel knows (time, duration, interval, decimal of any precision) as text."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if isinstance(t, pa.BaseExtensionType):
        return detectable_array(arr.storage)
    if pa.types.is_dictionary(t):
        return detectable_array(arr.dictionary_decode())
    if pa.types.is_float16(t):
        return arr.cast(pa.float32())
    if pa.types.is_fixed_size_binary(t):
        return arr.cast(pa.binary())
    if (
        pa.types.is_time(t)
        or pa.types.is_duration(t)
        or pa.types.is_interval(t)
        or pa.types.is_decimal(t)
    ):
        from redactor.masking import as_text

        return as_text(arr)
    return arr


def detectable(sample: pa.Table) -> pa.Table:
    return pa.table({n: detectable_array(sample.column(n)) for n in sample.column_names})


def plan_columns(
    schema: pa.Schema,
    decision: Decision,
    table: TableMap | None,
    sample: pa.Table | None,
    *,
    strict: bool = False,
    checks: bool = True,
) -> list[ColumnPlan]:
    """Plan every column of an input: the table map (``table``, None without a field map),
    then detection of the unmapped ones from ``sample``, then ``strict``. With ``checks``, a
    plan the policy refuses raises RefusedError."""
    if table is not None and table.sensitive_table and decision.restricted:
        raise RefusedError(
            f"Table {table.name!r} is marked sensitive_table: membership in it reveals "
            "immigration status, so it is refused whole under this decision",
            reasons=("sensitive_table",),
        )
    nested = _nested(schema)
    unmapped_flat = [
        n for n in schema.names if n not in nested and (table is None or table.rule(n) is None)
    ]
    detected = (
        detect_unmapped(
            unmapped_flat, None, sample.select(unmapped_flat) if sample is not None else None
        )
        if decision.restricted and unmapped_flat
        else {}
    )
    plan = build_plan(
        schema.names, table, decision, strict=strict, detected=detected, nested=nested
    )
    if decision.restricted:
        plan = with_safe_names(plan)
    if not checks:
        return plan
    refusing = [p for p in plan if p.action is Action.REFUSE]
    if refusing:
        cols = ", ".join(f"{p.name} ({p.category})" for p in refusing)
        raise RefusedError(
            f"The policy refuses any request that would include {cols}",
            reasons=tuple(p.reason for p in refusing),
        )
    if plan and all(p.drops for p in plan):
        raise RefusedError(
            "Every column is withheld under this decision: nothing to release",
            reasons=tuple(p.reason for p in plan),
        )
    return plan


def dropped_by_map(
    schema: pa.Schema, decision: Decision, table: TableMap | None, *, strict: bool = False
) -> list[int]:
    """The columns (indexes) the field map drops under ``decision`` whatever the content:
    detection decides only unmapped columns, so the map alone decides these (a reader may
    skip decoding them before the plan is made). Empty when the plan would fail."""
    if table is None:
        return []
    try:
        plan = build_plan(schema.names, table, decision, strict=strict, nested=_nested(schema))
    except RedactorError:
        return []  # the real plan raises it again, with the content it needs
    return [i for i, p in enumerate(plan) if p.drops and table.rule(p.name) is not None]


def _nested(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if pa.types.is_nested(f.type)]


def with_safe_names(plan: list[ColumnPlan]) -> list[ColumnPlan]:
    """Under a restricted decision: a withheld column whose name reads like a value (an SSN, an
    A-number, a date, a person's name) is ``column N`` from here on — in the output, the
    manifest, the request log and every message (redactor/safe_names.py)."""
    from dataclasses import replace

    from redactor.safe_names import safe_column_names

    names = safe_column_names([p.name for p in plan], [p.withheld for p in plan])
    return [
        p if n == p.name else replace(p, name=n, reason=p.reason.replace(p.name, n))
        for p, n in zip(plan, names, strict=True)
    ]


def stale_columns(schema: pa.Schema, table: TableMap | None) -> list[str]:
    """The columns the table map lists that the input lacks (a stale map, or a renamed column)."""
    if table is None:
        return []
    present = {normalize_name(n) for n in schema.names}
    return [r.name for k, r in table.columns.items() if k not in present]


def released_by_detection(plan: Sequence[ColumnPlan]) -> list[int]:
    """Indexes of the columns released on detection's word (not listed in the field map)."""
    return [i for i, p in enumerate(plan) if not p.withheld and p.origin != "map"]


def status_of(plan: Sequence[ColumnPlan]) -> str:
    return "redacted" if any(p.withheld for p in plan) else "released"


def needs_key(plan: Sequence[ColumnPlan]) -> bool:
    return any(p.action is Action.HASH for p in plan)


def key_for(plan: Sequence[ColumnPlan]) -> HashKey | None:
    """The HMAC key when the plan hashes a column (``REDACTOR_KEY_FILE``), else None. Without a
    usable key (none, unreadable, short or guessable: KeyFileError, a refusal) the request is
    refused: an unkeyed hash of an SSN is reversible."""
    if not needs_key(plan):
        return None
    key = HashKey.from_env()
    if key is None:
        from redactor.errors import KeyFileError

        hashed = [p.name for p in plan if p.action is Action.HASH]
        err = KeyFileError(
            f"Column(s) {', '.join(hashed)} are to be hashed, but no key is configured",
            hint="set REDACTOR_KEY_FILE to the agency's secret key file (an unkeyed hash "
            "of an SSN is reversible), or map the column to drop, null or redact",
        )
        raise err
    return key


__all__ = [
    "detect_unmapped",
    "detectable",
    "detectable_array",
    "dropped_by_map",
    "key_for",
    "needs_key",
    "plan_columns",
    "released_by_detection",
    "stale_columns",
    "status_of",
    "with_safe_names",
]
