"""The shared parse (redactor/sql/parsed.py): every caller gets sqlglot's own trees, each a copy
of its own, so that one step changing its tree (qualify does) cannot change what the guard, the
classifier or the log's literal stripping of the same text read next."""

from __future__ import annotations

import contextlib

import pytest
import sqlglot
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify

from redactor.sql import parsed
from tests.test_sql_leaks import CASES, DEEP

TEXTS = [sql for sql, _, _ in CASES] + [
    "SELECT 1; SELECT 2",
    "SELECT a /* note */ FROM t -- trailing",
    "SELECT $1, 'x''y' FROM t WHERE b = $2",
]


@pytest.fixture(autouse=True)
def _empty_cache():
    parsed._trees.clear()
    yield


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite", None])
def test_the_trees_are_sqlglots_and_a_caller_cannot_change_the_next_ones(dialect) -> None:
    for sql in TEXTS:
        try:
            fresh = sqlglot.parse(sql, read=dialect)
        except SqlglotError:
            with pytest.raises(SqlglotError):
                parsed.parse(sql, dialect)
            continue
        first = parsed.parse(sql, dialect)  # parsed and kept
        assert first == fresh
        assert [t.sql(dialect=dialect) for t in first if t] == [
            t.sql(dialect=dialect) for t in fresh if t
        ]
        for tree in first:  # the caller changes its trees as the rewrite does
            if tree is not None:
                with contextlib.suppress(SqlglotError):  # it changes the tree, then may fail
                    qualify(tree, dialect=dialect, validate_qualify_columns=False)
                tree.set("where", None)
        again = parsed.parse(sql, dialect)  # from the cache
        assert again == fresh
        assert all(a is not b for a, b in zip(again, first, strict=True) if a is not None)
        assert [t.meta for t in again if t] == [t.meta for t in fresh if t]  # positions too


def test_parse_one_is_sqlglots() -> None:
    for sql in ("SELECT 1", "SELECT 1; SELECT 2", "SELECT a FROM t WHERE b = $1"):
        for _ in range(2):
            assert parsed.parse_one(sql, "postgres") == sqlglot.parse_one(sql, read="postgres")
    for sql in ("", ";"):
        with pytest.raises(ParseError):
            sqlglot.parse_one(sql, read="postgres")
        with pytest.raises(ParseError):
            parsed.parse_one(sql, "postgres")


def test_a_text_that_does_not_parse_raises_every_time_and_is_not_kept() -> None:
    for sql in ("SELECT 'unterminated", "SELECT FROM WHERE (", DEEP[0]):
        for _ in range(2):
            with pytest.raises((SqlglotError, RecursionError)):
                sqlglot.parse(sql, read="postgres")
            with pytest.raises((SqlglotError, RecursionError)):
                parsed.parse(sql, "postgres")
    assert not len(parsed._trees)


def test_the_cache_is_bounded() -> None:
    for i in range(parsed.PARSED_CACHE + 10):
        parsed.parse(f"SELECT {i}", "postgres")
    long = "SELECT " + " + ".join(["1"] * (parsed.CACHED_TEXT // 4))
    parsed.parse(long, "postgres")
    assert len(parsed._trees) == parsed.PARSED_CACHE
    assert (long, "postgres") not in parsed._trees
    assert ("SELECT 0", "postgres") not in parsed._trees  # the least recently used went first
    # and by the characters of the texts kept: large texts push the others out
    big = [f"SELECT {i} + " + " + ".join(["1"] * 3000) for i in range(10)]
    for sql in big:
        parsed.parse(sql, "postgres")
    kept = [sql for sql, _ in parsed._trees]
    assert parsed._trees.chars == sum(len(k) for k in kept) <= parsed.CACHED_CHARS
    assert (big[-1], "postgres") in parsed._trees and (big[0], "postgres") not in parsed._trees


def test_a_sessions_rewrite_cache_is_bounded_by_texts_and_characters() -> None:
    """The serve session's rewrites hold syntax trees too: the same kind of cache and bound."""
    from redactor.serve import execute

    rewrites = execute.session_rewrites()
    result = object()  # what is kept does not matter here, only how much
    for i in range(execute.REWRITE_CACHE + 5):
        rewrites.put((f"SELECT {i}", 1), result, f"SELECT {i}")
    assert len(rewrites) == execute.REWRITE_CACHE
    assert rewrites.get(("SELECT 0", 1)) is None and rewrites.get(("SELECT 5", 1)) is result
    too_long = "x" * (parsed.CACHED_TEXT + 1)
    rewrites.put((too_long, 1), result, too_long)
    assert (too_long, 1) not in rewrites
    for i in range(20):
        text = f"SELECT {i} " + "y" * 12_000
        rewrites.put((text, 1), result, text)
        assert sum(len(k[0]) for k in rewrites) == rewrites.chars <= parsed.CACHED_CHARS
    assert rewrites.get((f"SELECT 19 {'y' * 12_000}", 1)) is result
