"""One parse of a statement text, shared by the steps that each read it.

A statement that reaches ``redactor serve`` is read by several steps, each on its own terms:
what kind of statement it is (:mod:`redactor.serve.statements`), its parameters bound as
literals (:mod:`redactor.serve.params`), its text with the literals stripped for the request
log (:mod:`redactor.requestlog.literals`) and the guard before the rewrite
(:func:`redactor.sql.guard.parse_query`). Parsing a small query costs about 0.4 ms with
sqlglot, a copy of its tree a fifth of that, so the trees of the texts parsed last are kept
(at most :data:`PARSED_CACHE` texts and :data:`CACHED_CHARS` characters of them) and every
caller gets **its own deep copy** (sqlglot's, with comments, types and positions): a step that
changes its tree (qualify does) cannot change what another step reads. The trees are those
``sqlglot.parse`` returns; a text that does not parse raises as it does, every time (failures
are not kept).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlglot
from sqlglot import exp

#: statement texts whose trees are kept (the most recently used)
PARSED_CACHE = 128
#: characters: a longer text is parsed each time
CACHED_TEXT = 16_384
#: characters of all kept texts together: a tree takes ~170 bytes per character of its text
#: (2.8 MB for a 16,000-character select list), so this bounds the cache near 11 MB
CACHED_CHARS = 65_536

_trees: OrderedDict[tuple[str, str | None], tuple[exp.Expression | None, ...]] = OrderedDict()
_chars = 0  # characters of the texts in _trees
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
            _keep(key, trees)
    return [t.copy() if t is not None else None for t in trees]


def _keep(key: tuple[str, str | None], trees: tuple[exp.Expression | None, ...]) -> None:
    global _chars
    with _lock:
        if key in _trees:  # another thread parsed it meanwhile
            return
        _trees[key] = trees
        _chars += len(key[0])
        while len(_trees) > PARSED_CACHE or _chars > CACHED_CHARS:
            (old, _), _ = _trees.popitem(last=False)
            _chars -= len(old)


def parse_one(sql: str, dialect: str | None) -> exp.Expression:
    """``sqlglot.parse_one(sql, read=dialect)``: the statement (a ``Block`` of them when there
    are several; ParseError when there is none), a copy of its own."""
    trees = parse(sql, dialect)
    if not trees or trees[0] is None:
        raise sqlglot.errors.ParseError("No expression was parsed from the statement")
    return exp.Block(expressions=trees) if len(trees) > 1 else trees[0]


__all__ = ["CACHED_CHARS", "CACHED_TEXT", "PARSED_CACHE", "parse", "parse_one"]
