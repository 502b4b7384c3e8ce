"""One rewrite for a prepared statement's many parameter values (the extended protocol).

A driver that binds parameters (psycopg, JDBC, SQLAlchemy) sends one text, ``… WHERE id =
$1``, with a new value each time. :mod:`redactor.serve.params` binds the values as literals,
so every new value is a new statement text: classified, stripped for the log, guarded, qualified
and rewritten from scratch (4–5.5 ms of the 7–9 ms of server CPU a small statement took). This
module lets the values that cannot change what the checks decide — a plain unsigned number in
a cast, a plain string — take the place of a sentinel in a rewrite made once per statement *shape*
(:class:`redactor.serve.params.Binding`), under these rules:

* **Made from the full path, and checked against it.** A template is made only after the
  first value went through the whole path (classify, strip, guard, rewrite). The same text with
  each slot bound to its sentinel is then rewritten too, and the template is kept only if, with
  the first values put back in place of the sentinels, it gives *exactly* the full path's
  result: the same SQL, outputs, tables and notes; the same statement kind; the same stripped
  text for the log. Otherwise the shape is marked as not reusable and every value takes the full
  path.
* **Sentinels that cannot be confused.** A sentinel found in the client's text, or in the
  rewrite of the first values, makes the shape not reusable.
* **No slot in a select list.** A value there can name an output column (DuckDB names a
  column by its expression), so such a statement is not reusable.
* **What runs is what was checked, every time.** A reuse copies the checked tree, sets each
  sentinel literal to its value, checks the raw text again and prints the SQL, which is parsed
  again and compared with the tree (:func:`redactor.sql.verify.check_round_trip`), as every
  rewrite is.

A template belongs to one session (one decision) and one read of the catalog; the session's
cache is bounded like its rewrites (:class:`redactor.sql.parsed.TreeCache`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from redactor.errors import RedactorError
from redactor.serve import statements
from redactor.serve.params import Binding, Slot
from redactor.sql import verify
from redactor.sql.parsed import TreeCache
from redactor.sql.rewrite import RewriteResult

#: statement shapes a session keeps (templates, and shapes found not reusable)
TEMPLATE_CACHE = 256
#: shapes of one statement text a session tries to learn (see :class:`Templates`)
SHAPES_PER_TEXT = 8


@dataclass(frozen=True, slots=True)
class Template:
    """A statement shape's rewrite with each slot at its sentinel."""

    result: RewriteResult  # its tree holds the sentinels
    stripped: str  # the text for the request log (the same for every value of the shape)
    catalog: object  # the catalog read it was made with (held, so its id is not reused)
    sentinels: dict[tuple[str, bool], int]  # (sentinel, is_string) -> slot index

    def instantiate(self, slots: tuple[Slot, ...], source: str) -> RewriteResult:
        """The rewrite for ``slots``' values; raises RefusedError as a rewrite does."""
        tree = self.result.tree
        assert tree is not None  # a template is made only from a result that kept its tree
        tree = tree.copy()
        for node in tree.find_all(exp.Literal):
            at = self.sentinels.get((node.this, bool(node.is_string)))
            if at is not None:
                node.set("this", slots[at].value)
        verify.check_raw_text(tree)
        target = self.result.dialect
        sql = tree.sql(dialect=target, comments=False)
        verify.check_round_trip(tree, sql, target, source=source)
        return dataclasses.replace(self.result, sql=sql, tree=tree)


class Templates(TreeCache[tuple[str, tuple], Template | None]):
    """What a session keeps per shape: a template, or None for "not reusable"; and how many
    shapes of each text it tried to learn. A shape's fixed values (a date, a NULL …) are part of
    it, so a text bound with ever new dates would make a template per date, each costing a
    second rewrite: past :data:`SHAPES_PER_TEXT` shapes of one text, its new shapes take the
    full path only."""

    def __init__(self) -> None:
        super().__init__(TEMPLATE_CACHE)
        self.tried: dict[str, int] = {}

    def note_try(self, sql: str) -> None:
        if len(self.tried) >= 4 * TEMPLATE_CACHE:
            self.tried.clear()
        self.tried[sql] = self.tried.get(sql, 0) + 1


def session_templates() -> Templates:
    return Templates()


def key(b: Binding) -> tuple[str, tuple]:
    return (b.sql, b.shape)


def state(cache: Templates, b: Binding) -> Literal["reuse", "learn", "never"]:
    """``reuse``: a template exists for ``b``'s shape (the statement is a query whatever the
    slots hold); ``learn``: the full path decides, then :func:`learn`; ``never``: every value
    takes the full path (no slot, the shape was found not reusable, or its text has had
    :data:`SHAPES_PER_TEXT` shapes tried)."""
    k = key(b)
    if not b.slots:
        return "never"
    if cache.get(k) is not None:
        return "reuse"
    if k in cache or cache.tried.get(b.sql, 0) >= SHAPES_PER_TEXT:
        return "never"
    return "learn"


@dataclass(frozen=True, slots=True)
class Steps:
    """The full path's own steps, which a template must agree with."""

    rewrite: Callable[[str], RewriteResult]  # guard, qualify, rewrite, verify, output names
    strip: Callable[[str], str]  # the text the request log records
    source: str  # the client's dialect


def learn(
    cache: Templates,
    b: Binding,
    first: RewriteResult,
    stripped: str,
    catalog: object,
    steps: Steps,
) -> None:
    """After ``b``'s values took the full path (``first``, ``stripped``), keep a template for
    its shape when one provably gives the same result (see the module's rules); else remember
    that the shape is not reusable."""
    if state(cache, b) == "never":
        return
    k = key(b)
    if k not in cache:
        cache.note_try(b.sql)
    cache.discard(k)  # a template of an older catalog read
    try:
        template = _make(b, first, stripped, catalog, steps)
    except Exception:  # not learning is always safe: every value takes the full path
        template = None
    cache.put(k, template, b.sql)


def _make(
    b: Binding, first: RewriteResult, stripped: str, catalog: object, steps: Steps
) -> Template | None:
    sentinels = {(s.sentinel, s.is_string): i for i, s in enumerate(b.slots)}
    if any(s in b.sql or s in first.sql for s, _ in sentinels):
        return None
    try:
        text = b.sentinel_text()
        stmt = statements.classify(text)
        if stmt.kind != "query" or stmt.sql != text:
            return None
        if steps.strip(text) != stripped:
            return None
        probe = steps.rewrite(text)
    except RedactorError:
        return None
    if probe.tree is None or not _slots_in_filters(probe.tree, sentinels):
        return None
    template = Template(probe, stripped, catalog, sentinels)
    try:
        again = template.instantiate(b.slots, steps.source)
    except RedactorError:
        return None
    if again != first:  # RewriteResult's equality leaves its tree out
        return None
    return template


def _slots_in_filters(tree: exp.Expression, sentinels: dict[tuple[str, bool], int]) -> bool:
    """Some slot reached the rewrite, and none is inside a select list."""
    found = 0
    for node in tree.find_all(exp.Literal):
        if (node.this, bool(node.is_string)) not in sentinels:
            continue
        found += 1
        child: exp.Expression = node
        parent = node.parent
        while parent is not None:
            if isinstance(parent, exp.Select) and child.arg_key == "expressions":
                return False
            child, parent = parent, parent.parent
    return found > 0
