"""The column plan: for each column of one input, its category, where that came from, and the
action the decision gives it. Shared by file redaction and SQL rewriting.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from redactor.categories import PROTECTED, Action, Category
from redactor.colnames import escaped
from redactor.errors import DataError, RefusedError
from redactor.fieldmap import ColumnRule, TableMap, normalize_name
from redactor.policy.decide import Decision

Origin = Literal["map", "detected", "unmapped", "unknown", "strict"]
#: Where a column's action came from: the policy pack's action for its category (``pack``), the
#: field map's override of it (``map``), or redactor's own fail-closed rule for a column nothing
#: classifies (``redactor``: unknown, ``--strict``, nested or suspect columns; also a column
#: released because the decision restricts nothing).
ActionFrom = Literal["pack", "map", "redactor"]


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    name: str
    category: Category | None  # None: unmapped and not recognised
    action: Action
    origin: Origin
    reason: str
    keep_last: int = 4
    generalize_to: str | None = None
    confidence: float | None = None
    action_from: ActionFrom = "pack"

    @property
    def withheld(self) -> bool:
        return self.action is not Action.RELEASE

    @property
    def drops(self) -> bool:
        return self.action is Action.DROP


def action_for_rule(rule: ColumnRule, decision: Decision) -> tuple[Action, str]:
    """The action for a mapped column: the pack's action, or the map's override of it.

    A map override replaces the pack default only while the category is withheld; it can never
    release, and a pack's ``refuse`` cannot be overridden.
    """
    action, why, _ = attributed_action(rule, decision)
    return action, why


def attributed_action(rule: ColumnRule, decision: Decision) -> tuple[Action, str, ActionFrom]:
    """:func:`action_for_rule` with where the action came from: ``pack`` (the pack's default
    for the category) or ``map`` (the field map's override of a withholding default)."""
    pack_action = decision.action_for(rule.category)
    if pack_action is Action.RELEASE:
        if rule.category in PROTECTED:
            return Action.RELEASE, f"{rule.category}: released (no rule withholds it)", "pack"
        return Action.RELEASE, "category none: not protected", "pack"
    cd = decision.categories[rule.category]
    why = f"{rule.category}: {'; '.join(cd.rules)}"
    if rule.action is not None and pack_action is not Action.REFUSE:
        if rule.action is pack_action:
            return (
                pack_action,
                f"{why} (pack default {pack_action}; the field map says the same)",
                "pack",
            )
        return (
            rule.action,
            f"{why} (field map override: {rule.action} instead of the pack default {pack_action})",
            "map",
        )
    return pack_action, f"{why} (pack default {pack_action})", "pack"


#: A ``none`` detection at or above this confidence carries positive evidence that the column
#: is not protected (kept equal to ``redactor.detect.classify.CLEAR_THRESHOLD``).
CLEAR_THRESHOLD = 0.6

RELEASE_HINT = "list it in the field map as none to release it"


@dataclass(frozen=True, slots=True)
class Detected:
    """What detection says about an unmapped column (see redactor.detect)."""

    category: Category
    confidence: float
    flagged: bool
    evidence: tuple[str, ...] = ()
    # positive evidence that the column is not protected; None: derived from category and
    # confidence (``none`` at CLEAR_THRESHOLD or above), as ``ColumnSuggestion.clear`` is
    clear: bool | None = None

    @property
    def is_clear(self) -> bool:
        if self.flagged:
            return False
        if self.clear is not None:
            return self.clear
        return self.category is Category.NONE and self.confidence >= CLEAR_THRESHOLD


def unknown_reason(det: Detected | None) -> str:
    """Why an unlisted column without positive evidence is withheld, and how to release it."""
    if det is None:
        seen = "detection did not look at it"
    elif det.category is not Category.NONE:
        seen = f"only weak evidence for {det.category} ({det.confidence:.2f})"
    else:
        seen = "detection found nothing protected but nothing showing it is clear either"
    return (
        f"not in the field map; {seen} (no known clear name, no amount/count/code/event-date "
        f"values): withheld — {RELEASE_HINT}"
    )


def withheld_unknown(plans: Sequence[ColumnPlan]) -> list[ColumnPlan]:
    """Columns withheld only because detection could not show them clear (for the CLI)."""
    return [p for p in plans if p.origin == "unknown"]


def unknown_summary(plans: Sequence[ColumnPlan]) -> str | None:
    """One line for the plan printout, or None when no column was withheld as unknown."""
    cols = withheld_unknown(plans)
    if not cols:
        return None
    names = ", ".join(p.name for p in cols[:8]) + (" ..." if len(cols) > 8 else "")
    return (
        f"{len(cols)} column(s) not in the field map withheld because nothing shows they are "
        f"clear: {names} — list a column in the field map as none to release it"
    )


def build_plan(
    columns: Sequence[str],
    table: TableMap | None,
    decision: Decision,
    *,
    strict: bool = False,
    detected: Mapping[str, Detected] | None = None,
    nested: Collection[str] = (),
) -> list[ColumnPlan]:
    """Plan every column of an input, in input order.

    Unmapped columns: under a restricted decision, a column detection flags is withheld with the
    action of its detected category; with ``strict`` every unmapped column is withheld (dropped).
    Otherwise an unmapped column is released only when detection has positive evidence that it
    is clear (:attr:`Detected.is_clear`: a known clear name or value shape); every other one is
    withheld (dropped, origin ``unknown``) with a reason that says to map it as ``none`` to
    release it. Without a restricted decision unmapped columns are released.

    Nested columns (``nested``: structs, lists, maps, e.g. from Parquet or JSON objects) are
    planned whole, fail closed: the field map's entry for the column itself decides (``none``
    releases it whole; a protected category applies its action to the whole value — ``mask``,
    ``hash`` and ``generalize`` give null, since a nested value has no text form). Map keys for
    parts (``address.street``) are not looked into: under a restricted decision a nested column
    the map does not list is dropped whole, with or without ``--strict``, because detection
    cannot see inside it.
    """
    seen: dict[str, str] = {}
    for c in columns:
        key = normalize_name(c)
        if key in seen:
            raise DataError(
                f"Columns {escaped(seen[key])} and {escaped(c)} have the same name as read "
                "(case, invisible characters and look-alike letters are ignored), so the field "
                "map cannot tell them apart",
                hint="rename one of them in the export",
            )
        seen[key] = c
    if table is not None:
        check_table_choice(table, columns)
    plans = _plan_columns(columns, table, decision, strict, detected or {}, nested)
    if table is not None and decision.restricted:
        plans = withhold_suspects(plans, table, seen)
    return plans


def check_table_choice(table: TableMap, columns: Sequence[str]) -> None:
    """Refuse (exit 3) when the input's columns match another table of the map better than
    ``table`` (a ``sensitive_table`` above all): naming the wrong table with ``--table`` must
    not plan an input by a laxer table's rules."""
    other = table.better_table(columns)
    if other is None:
        return
    what = "the sensitive table" if other.sensitive_table else "table"
    raise RefusedError(
        f"The input's columns match {what} {other.name!r} of the field map better than "
        f"{table.name!r} ({other.matched(columns)} columns against {table.matched(columns)}): "
        "refused rather than planned by the wrong table's rules",
        hint=f"if the input is {other.name!r}, say --table {other.name}",
        reasons=(f"wrong_table:{other.name}",),
    )


def withhold_suspects(
    plans: list[ColumnPlan], table: TableMap, present: Mapping[str, str]
) -> list[ColumnPlan]:
    """Under a restricted decision: when a protected column of the map is missing from the
    input, every column the map does not list that would be released may be that column
    renamed (a look-alike name, an extra character): it is withheld, and the plan says why."""
    missing = [r.name for k, r in table.columns.items() if r.protected and k not in present]
    if not missing:
        return plans
    names = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
    out: list[ColumnPlan] = []
    for p in plans:
        if p.origin == "map" or p.withheld:
            out.append(p)
            continue
        out.append(
            ColumnPlan(
                p.name,
                None,
                Action.DROP,
                "unmapped",
                f"suspect: not in the field map while the map's protected column(s) {names} "
                "are missing from the input, so it may be one of them renamed: withheld — "
                f"fix the name in the export, or {RELEASE_HINT}",
                confidence=p.confidence,
                action_from="redactor",
            )
        )
    return out


def _plan_columns(
    columns: Sequence[str],
    table: TableMap | None,
    decision: Decision,
    strict: bool,
    detected: Mapping[str, Detected],
    nested: Collection[str],
) -> list[ColumnPlan]:
    plans: list[ColumnPlan] = []
    for c in columns:
        rule = table.rule(c) if table is not None else None
        if rule is not None:
            action, why, source = attributed_action(rule, decision)
            plans.append(
                ColumnPlan(
                    c,
                    rule.category,
                    action,
                    "map",
                    why,
                    keep_last=rule.keep_last if rule.keep_last is not None else 4,
                    generalize_to=rule.generalize_to,
                    action_from=source,
                )
            )
            continue
        det = detected.get(c)
        restricted = decision.restricted
        if c in nested and restricted:
            plans.append(
                ColumnPlan(
                    c,
                    None,
                    Action.DROP,
                    "unmapped",
                    "nested column not in the field map: withheld whole (map it, e.g. as "
                    "none, to release it)",
                    action_from="redactor",
                )
            )
            continue
        if det is not None and det.flagged:
            act = decision.action_for(det.category)
            if act is Action.RELEASE:
                plans.append(
                    ColumnPlan(
                        c,
                        det.category,
                        Action.RELEASE,
                        "detected",
                        f"not in the field map; detected as {det.category}, which is released",
                        confidence=det.confidence,
                    )
                )
            else:
                source: ActionFrom = "pack"
                if act is Action.SCRUB and det.category is not Category.FREE_TEXT:
                    act, source = Action.DROP, "redactor"  # only free text can be scrubbed
                plans.append(
                    ColumnPlan(
                        c,
                        det.category,
                        act,
                        "detected",
                        f"not in the field map; detected as {det.category} "
                        f"({det.confidence:.2f}), which is withheld"
                        + (f" — {det.evidence[0]}" if det.evidence else ""),
                        confidence=det.confidence,
                        action_from=source,
                    )
                )
            continue
        if strict and restricted:
            plans.append(
                ColumnPlan(
                    c,
                    None,
                    Action.DROP,
                    "strict",
                    "not in the field map; --strict withholds unmapped columns",
                    action_from="redactor",
                )
            )
            continue
        if restricted and (det is None or not det.is_clear):
            plans.append(
                ColumnPlan(
                    c,
                    None,
                    Action.DROP,
                    "unknown",
                    unknown_reason(det),
                    confidence=det.confidence if det is not None else None,
                    action_from="redactor",
                )
            )
            continue
        plans.append(
            ColumnPlan(
                c,
                None,
                Action.RELEASE,
                "unmapped",
                "not in the field map; detection shows it is clear: "
                + (det.evidence[0] if det is not None and det.evidence else "no protected reading")
                if det is not None
                else "not in the field map",
                confidence=det.confidence if det is not None else None,
                action_from="redactor",
            )
        )
    return plans


def plan_notices(plans: Sequence[ColumnPlan]) -> list[str]:
    """Lines a plan printout must show, the CLI even under ``-q``: person names left in
    scrubbed free text (name finding turned off), and columns withheld as unknown."""
    out: list[str] = []
    if any(p.action is Action.SCRUB for p in plans):
        from redactor.detect.scrub import names_notice

        notice = names_notice()
        if notice:
            out.append(notice)
    summary = unknown_summary(plans)
    if summary:
        out.append(summary)
    return out
