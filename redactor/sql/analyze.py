"""Scope analysis of a qualified query: where each output comes from, and where base columns are
used outside the select list.

Works by position, not by name: duplicate output names and alias column lists on base tables
(``people AS t(a, b, c)``) resolve correctly, which sqlglot's ``lineage()`` does not. A reference
the resolver cannot place is reported as ``UNKNOWN`` and treated as protected by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope, find_all_in_scope, traverse_scope

from redactor.fieldmap import normalize_name
from redactor.sql.schema import Sources

BaseRef = tuple[str, str]  # (table key, column key), casefolded
UNKNOWN: BaseRef = ("?", "?")

# Clause names as sqlglot's arg keys, mapped to what a person calls them.
CLAUSES = {
    "where": "WHERE",
    "joins": "JOIN",
    "group": "GROUP BY",
    "having": "HAVING",
    "order": "ORDER BY",
    "qualify": "QUALIFY",
    "distinct": "DISTINCT ON",
    "window": "window",
    "laterals": "LATERAL",
    "connect": "CONNECT BY",
    "prewhere": "PREWHERE",
    "sort": "SORT BY",
    "cluster": "CLUSTER BY",
    "distribute": "DISTRIBUTE BY",
    "limit": "LIMIT",
    "offset": "OFFSET",
    "match": "MATCH_RECOGNIZE",
    "pivots": "PIVOT",
}
_SELECT_LIST = "expressions"


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """A base column used in a clause other than the select list."""

    ref: BaseRef
    clause: str  # human clause name, e.g. "WHERE"
    node: exp.Expression  # for the SQL position


class Resolver:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def _table_columns(self, table: exp.Table) -> list[str]:
        src = self.sources.get(table.name)
        return [c.key for c in src.columns] if src else []

    def col(self, scope: Scope, col: exp.Column) -> set[BaseRef]:
        src = scope.sources.get(col.table)
        while src is None and scope.parent is not None:  # correlated reference
            scope = scope.parent
            src = scope.sources.get(col.table)
        if isinstance(col.this, exp.Star):
            return {UNKNOWN}
        if isinstance(src, exp.Table):
            tkey = normalize_name(src.name)
            alias = src.args.get("alias")
            if alias is not None and alias.columns:  # people AS t(a, b, c): positional
                names = [normalize_name(c.name) for c in alias.columns]
                real = self._table_columns(src)
                key = normalize_name(col.name)
                if key in names:
                    i = names.index(key)
                elif key in real[len(names) :]:
                    i = len(names) + real[len(names) :].index(key)
                else:
                    return {UNKNOWN}
                return {(tkey, real[i])} if i < len(real) else {UNKNOWN}
            return {(tkey, normalize_name(col.name))}
        if isinstance(src, Scope):
            return self.proj(src, normalize_name(col.name))
        return {UNKNOWN}

    def proj(self, scope: Scope, key: str | int) -> set[BaseRef]:
        """Base columns behind output ``key`` (a name or a position) of ``scope``."""
        q = scope.expression
        if isinstance(q, exp.Subquery):
            q = q.unnest()
        if isinstance(q, exp.SetOperation):
            names = [normalize_name(n) for n in q.named_selects]
            if isinstance(key, str):
                if key not in names:
                    return {UNKNOWN}
                key = names.index(key)
            out: set[BaseRef] = set()
            for s in scope.set_operation_scopes:
                out |= self.proj(s, key)
            return out
        if not isinstance(q, exp.Select):  # UNNEST, LATERAL, VALUES …: every input counts
            return self.expr(scope, q)
        names = [
            normalize_name(n) for n in (scope.outer_columns or [s.alias_or_name for s in q.selects])
        ]
        if isinstance(key, int):
            sel = q.selects[key] if key < len(q.selects) else None
        else:
            sel = q.selects[names.index(key)] if key in names else None
        return self.expr(scope, sel) if sel is not None else {UNKNOWN}

    def expr(self, scope: Scope, node: exp.Expression) -> set[BaseRef]:
        out: set[BaseRef] = set()
        for c in find_all_in_scope(node, exp.Column):
            out |= self.col(scope, c)
        subs = {id(s.expression): s for s in scope.subquery_scopes}
        for q in node.find_all(exp.Select, exp.SetOperation):
            sub = subs.get(id(q))
            if sub is not None:
                for i in range(len(q.selects)):
                    out |= self.proj(sub, i)
        if isinstance(node, exp.Values):  # VALUES lists carry no base columns
            return out
        return out


def output_lineage(tree: exp.Query, sources: Sources) -> list[tuple[str, set[BaseRef]]]:
    """(output name, base columns) per output position of the qualified ``tree``."""
    root = build_scope(tree)
    if root is None:
        return []
    r = Resolver(sources)
    return [(name, r.proj(root, i)) for i, name in enumerate(tree.named_selects)]


def _clause_of(node: exp.Expression, stop: exp.Expression) -> str:
    """The arg key of ``stop`` under which ``node`` sits, or ``window`` inside a window spec."""
    cur = node
    while cur.parent is not None and cur.parent is not stop:
        parent = cur.parent
        if isinstance(parent, exp.Window) and cur.arg_key in ("partition_by", "order", "spec"):
            return "window"  # the frame bounds (ROWS BETWEEN <expr> PRECEDING …) included
        if isinstance(parent, exp.Order) and isinstance(
            parent.parent, (exp.AggFunc, exp.WithinGroup)
        ):
            return "order"  # STRING_AGG(x ORDER BY ssn), PERCENTILE … WITHIN GROUP
        cur = parent
    return cur.arg_key or _SELECT_LIST


def clause_uses(tree: exp.Query, sources: Sources) -> list[ColumnUse]:
    """Every base column used in a clause that filters, joins, groups, sorts or windows."""
    r = Resolver(sources)
    uses: list[ColumnUse] = []
    for scope in traverse_scope(tree):
        q = scope.expression
        stop = q.unnest() if isinstance(q, exp.Subquery) else q
        for col in find_all_in_scope(stop, exp.Column):
            clause = _clause_of(col, stop)
            if clause in (_SELECT_LIST, "from", "with"):
                continue
            # An unqualified column here is an ORDER BY / HAVING / QUALIFY reference to an
            # output alias (sqlglot #5595): resolve it through the select list.
            refs = r.col(scope, col) if col.table else r.proj(scope, normalize_name(col.name))
            uses.extend(ColumnUse(ref, CLAUSES.get(clause, clause.upper()), col) for ref in refs)
        if scope.is_subquery and scope.parent is not None:
            # x IN (SELECT ssn …), = (SELECT MIN(ssn) …): the projections are matched against
            # the outer value, so they count as used in the clause that holds the subquery.
            pq = scope.parent.expression
            pstop = pq.unnest() if isinstance(pq, exp.Subquery) else pq
            clause = _clause_of(stop, pstop)
            in_source = isinstance(stop.parent, exp.Lateral) or (
                isinstance(stop.parent, exp.Subquery)
                and isinstance(stop.parent.parent, exp.Lateral)
            )
            if not in_source and clause not in (_SELECT_LIST, "from", "with", "this"):
                for i in range(len(stop.selects)):
                    for ref in r.proj(scope, i):
                        uses.append(
                            ColumnUse(
                                ref, f"{CLAUSES.get(clause, clause.upper())} (subquery)", stop
                            )
                        )
    return uses
