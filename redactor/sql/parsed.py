"""One parse of a statement text, shared by the steps that each read it.

A statement that reaches ``redactor serve`` is read by several steps, each on its own terms:
what kind of statement it is (:mod:`redactor.serve.statements`), its parameters bound as
literals (:mod:`redactor.serve.params`), its text with the literals stripped for the request
log (:mod:`redactor.requestlog.literals`) and the guard before the rewrite
(:func:`redactor.sql.guard.parse_query`). Parsing a small query costs about 0.4 ms with
sqlglot, a copy of its tree a fifth of that, so the trees of the texts parsed last are kept
and every caller gets **its own deep copy** (sqlglot's, with comments, types and positions):
a step that changes its tree (qualify does) cannot change what another step reads. The trees
are those ``sqlglot.parse`` returns; a text that does not parse raises as it does, every time
(failures are not kept).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlglot
from sqlglot import exp

#: statement texts whose trees are kept (the most recently used)
PARSED_CACHE = 128
#: characters: a longer text is parsed each time (memory stays bounded)
CACHED_TEXT = 16_384

_trees: OrderedDict[tuple[str, str | None], tuple[exp.Expression | None, ...]] = OrderedDict()
_lock = threading.Lock()


def parse(sql: str, dialect: str | None) -> list[exp.Expression | None]:
    """``sqlglot.parse(sql, read=dialect)``: the same trees, each a copy of its own."""
    key = (sql, dialect)
    with _lock:
        trees = _trees.get(key)
        if trees is not None:
            _trees.move_to_end(key)
    if trees is None:
        trees = tuple(sqlglot.parse(sql, read=dialect))
        if len(sql) <= CACHED_TEXT:
            with _lock:
                _trees[key] = trees
                while len(_trees) > PARSED_CACHE:
                    _trees.popitem(last=False)
    return [t.copy() if t is not None else None for t in trees]


def parse_one(sql: str, dialect: str | None) -> exp.Expression:
    """``sqlglot.parse_one(sql, read=dialect)``: the statement (a ``Block`` of them when there
    are several; ParseError when there is none), a copy of its own."""
    trees = parse(sql, dialect)
    if not trees or trees[0] is None:
        raise sqlglot.errors.ParseError("No expression was parsed from the statement")
    return exp.Block(expressions=trees) if len(trees) > 1 else trees[0]


__all__ = ["CACHED_TEXT", "PARSED_CACHE", "parse", "parse_one"]
