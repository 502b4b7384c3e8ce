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
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

import sqlglot
from sqlglot import exp

#: statement texts whose trees are kept (the most recently used)
PARSED_CACHE = 128
#: characters: a longer text is not kept (parsed, classified, stripped or rewritten each time)
CACHED_TEXT = 16_384
#: characters of all kept texts together: a tree takes ~170 bytes per character of its text
#: (2.8 MB for a 16,000-character select list), so this bounds a cache near 11 MB
CACHED_CHARS = 65_536

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TreeCache(Generic[K, V]):
    """The most recently used values computed from statement texts (syntax trees, or results
    that hold one), bounded by their number and by the characters of their texts: a text
    longer than :data:`CACHED_TEXT` is not kept. Safe to share between threads."""

    def __init__(self, entries: int, chars: int = CACHED_CHARS) -> None:
        self.entries, self.max_chars = entries, chars
        self._values: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.chars = 0  # characters of the texts kept
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            hit = self._values.get(key)
            if hit is None:
                return None
            self._values.move_to_end(key)
            return hit[0]

    def put(self, key: K, value: V, text: str) -> None:
        """Keep ``value`` (computed from ``text``), dropping the least recently used."""
        if len(text) > CACHED_TEXT:
            return
        with self._lock:
            if key in self._values:  # another thread computed it meanwhile
                return
            self._values[key] = (value, len(text))
            self.chars += len(text)
            while len(self._values) > self.entries or self.chars > self.max_chars:
                _, (_, size) = self._values.popitem(last=False)
                self.chars -= size

    def discard(self, key: K) -> None:
        with self._lock:
            hit = self._values.pop(key, None)
            if hit is not None:
                self.chars -= hit[1]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self.chars = 0

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._values))


_trees: TreeCache[tuple[str, str | None], tuple[exp.Expression | None, ...]] = TreeCache(
    PARSED_CACHE
)


def parse(sql: str, dialect: str | None) -> list[exp.Expression | None]:
    """``sqlglot.parse(sql, read=dialect)``: the same trees, each a copy of its own."""
    key = (sql, dialect)
    trees = _trees.get(key)
    if trees is None:
        trees = tuple(sqlglot.parse(sql, read=dialect))
        _trees.put(key, trees, sql)
    return [t.copy() if t is not None else None for t in trees]


def parse_one(sql: str, dialect: str | None) -> exp.Expression:
    """``sqlglot.parse_one(sql, read=dialect)``: the statement (a ``Block`` of them when there
    are several; ParseError when there is none), a copy of its own."""
    trees = parse(sql, dialect)
    if not trees or trees[0] is None:
        raise sqlglot.errors.ParseError("No expression was parsed from the statement")
    return exp.Block(expressions=trees) if len(trees) > 1 else trees[0]


__all__ = ["CACHED_CHARS", "CACHED_TEXT", "PARSED_CACHE", "TreeCache", "parse", "parse_one"]
