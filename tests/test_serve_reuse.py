"""A rewrite reused for new parameter values (redactor/serve/reuse.py) is exactly the rewrite
the full path makes for those values: same SQL, outputs, tables and notes, or the same refusal.

Hypothesis draws the values (numbers of any size, strings with quotes, backslashes, comment and
parameter markers, newlines, other scripts, the sentinels themselves); each is run both ways.
The shapes that must not be reused (a value in a select list, a sentinel in the client's text)
are checked to take the full path.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redactor.errors import RedactorError
from redactor.fieldmap import parse_field_map
from redactor.requestlog.literals import strip_sql_literals
from redactor.serve import params, reuse
from redactor.serve import values as v
from redactor.sql.export import catalog_schema
from redactor.sql.job import check_output_names
from redactor.sql.rewrite import rewrite_query
from tests.test_sql_canary import CANARY_MAP, duckdb_db, restricted_decision

FM = parse_field_map(CANARY_MAP)
DECISION = restricted_decision()
N, S = v.INT4, 0  # a number parameter (as psycopg sends an int), a string one (unknown type)

#: (template, parameter types): every one is reusable
REUSABLE = [
    ("SELECT id, city FROM people WHERE id = $1", [N]),
    ("SELECT id, dl_number, birth_date FROM people WHERE city = $1 AND id > $2", [S, N]),
    (
        "SELECT p.id, o.amount FROM people p JOIN orders o ON o.person_id = p.id "
        "AND o.amount > $1 WHERE p.city IN ($2, 'City1')",
        [N, S],
    ),
    ("SELECT id FROM people WHERE id BETWEEN $1 AND $2 ORDER BY id LIMIT $3", [N, N, N]),
    ("SELECT city, count(*) AS n FROM people GROUP BY city HAVING count(*) > $1", [N]),
    ("SELECT id FROM people WHERE city IN (SELECT dname FROM depts WHERE id = $1)", [N]),
    ("SELECT id, notes FROM people WHERE city LIKE $1 OR city = $2", [S, S]),
    ("WITH c AS (SELECT id, city FROM people WHERE id < $1) SELECT * FROM c", [N]),
]
#: refused whatever the value (a filter on a protected column): both paths refuse
REFUSED = [
    ("SELECT id FROM people WHERE ssn = $1", [S]),
    ("SELECT id FROM people WHERE id = $1 AND birth_date > CAST($2 AS DATE)", [N, S]),
]

numbers = st.integers(min_value=0, max_value=10**30).map(str) | st.decimals(
    min_value=0, max_value=10**9, places=3, allow_nan=False
).map(str)
strings = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    max_size=40,
) | st.sampled_from(
    [
        "O'Brien",
        "a\\'b",
        "\\",
        "$1",
        "-- x",
        "/* x",
        "x*/ OR 1=1 --",
        "';DROP TABLE people;--",
        "line\nbreak",
        "ΣΩ Ł",
        "\x1bredactor-parameter-1\x1b",
        "7300000000001",
        "",
    ]
)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return duckdb_db(tmp_path_factory.mktemp("reuse") / "c.duckdb")


@pytest.fixture(scope="module")
def catalog(db_url: str) -> dict:
    return catalog_schema(db_url)


def _binding(sql: str, oids: list[int], vals: list[str]) -> params.Binding:
    return params.binding(sql, [x.encode() for x in vals], [0], oids)


def _full(sql: str, catalog: dict, to: str):
    r = rewrite_query(sql, FM, DECISION, dialect="postgres", to=to, catalog=catalog)
    check_output_names(r)
    return r


def _steps(catalog: dict, to: str) -> reuse.Steps:
    return reuse.Steps(
        lambda t: _full(t, catalog, to), lambda t: strip_sql_literals(t, "postgres"), "postgres"
    )


def _learned(sql: str, oids: list[int], catalog: dict, to: str) -> reuse.Templates:
    first = _binding(sql, oids, ["1" if o == N else "City0" for o in oids])
    cache = reuse.session_templates()
    reuse.learn(
        cache,
        first,
        _full(first.text(), catalog, to),
        strip_sql_literals(first.text(), "postgres"),
        catalog,
        _steps(catalog, to),
    )
    return cache


def _outcome(fn):
    try:
        return fn()
    except RedactorError as e:
        return type(e)


@pytest.mark.parametrize("to", ["duckdb", "postgres", "sqlite"])
@pytest.mark.parametrize(("sql", "oids"), REUSABLE, ids=range(len(REUSABLE)))
def test_a_reused_rewrite_is_the_full_paths_rewrite(sql, oids, to, catalog) -> None:
    cache = _learned(sql, oids, catalog, to)
    probe = _binding(sql, oids, ["2" if o == N else "x" for o in oids])
    assert reuse.state(cache, probe) == "reuse", "the shape was not learned: nothing is tested"
    template = cache.get(reuse.key(probe))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.tuples(*[numbers if o == N else strings for o in oids]))
    def check(vals) -> None:
        b = _binding(sql, oids, list(vals))
        if reuse.state(cache, b) != "reuse":  # e.g. a number written 1E+2: its own shape
            return
        full = _outcome(lambda: _full(b.text(), catalog, to))
        again = _outcome(lambda: template.instantiate(b.slots, "postgres"))
        assert again == full
        if not isinstance(full, type):
            assert again.sql == full.sql
            assert strip_sql_literals(b.text(), "postgres") == template.stripped

    check()


@pytest.mark.parametrize(("sql", "oids"), REFUSED, ids=range(len(REFUSED)))
def test_a_refused_shape_is_never_learned(sql, oids, catalog) -> None:
    first = _binding(sql, oids, ["1" if o == N else "2020-01-01" for o in oids])
    with pytest.raises(RedactorError):
        _full(first.text(), catalog, "duckdb")  # the full path refuses, so start() never learns


@pytest.mark.parametrize(
    ("sql", "oids"),
    [
        ("SELECT id, $1 AS tag FROM people WHERE id = 1", [S]),  # a value in a select list
        ("SELECT id FROM people WHERE id IN (SELECT $1)", [N]),  # … of a subquery too
        ("SELECT id FROM people WHERE id = $1 OR id = 7300000000001", [N]),  # the sentinel
        ("SELECT id FROM people WHERE city = $1 OR city = '\x1bredactor-parameter-1\x1b'", [S]),
    ],
)
def test_shapes_that_must_not_be_reused_take_the_full_path(sql, oids, catalog) -> None:
    cache = _learned(sql, oids, catalog, "duckdb")
    b = _binding(sql, oids, ["5" if o == N else "x" for o in oids])
    assert reuse.state(cache, b) == "never"


def test_only_plain_numbers_and_strings_are_slots() -> None:
    sql = "SELECT id FROM people WHERE id = $1"
    plain = _binding(sql, [N], ["12"])
    assert [s.value for s in plain.slots] == ["12"]
    for odd in ("-12", "1e5", "+3", "1.5e3", "Infinity"):
        b = params.binding(sql, [odd.encode()], [0], [N])
        assert b.slots == () and b.shape != plain.shape, odd
    typed = params.binding(sql, [b"2020-01-01", None, b"t"], [0], [v.DATE, S, v.BOOL])
    assert typed.slots == ()


def test_a_new_catalog_read_replaces_the_template(catalog) -> None:
    sql, oids = REUSABLE[0]
    cache = _learned(sql, oids, catalog, "duckdb")
    b = _binding(sql, oids, ["3"])
    assert cache.get(reuse.key(b)).catalog is catalog
    other = dict(catalog)  # what Backend.catalog returns once CATALOG_TTL has passed
    reuse.learn(
        cache,
        b,
        _full(b.text(), other, "duckdb"),
        strip_sql_literals(b.text(), "postgres"),
        other,
        _steps(other, "duckdb"),
    )
    assert cache.get(reuse.key(b)).catalog is other  # execute.start compares it


@pytest.mark.parametrize(
    "quoted",
    [
        "'a -- b'",
        "'a /* b'",
        "'it''s -- x'",
        "E'it\\'s -- x'",
        "$$x -- y$$",
        "$t$x /* y$t$",
    ],
)
def test_comment_markers_inside_a_string_are_not_comments(quoted: str) -> None:
    """A value holding ``--`` or ``/*`` (written in, or bound from a parameter) is a query;
    the statement's real comments are still taken out before it is classified."""
    from redactor.serve.statements import classify

    sql = f"SELECT id /* who */ FROM people WHERE city <> {quoted} -- trailing"
    got = classify(sql)
    assert (got.kind, got.sql) == ("query", sql)
    b = params.binding("SELECT id FROM people WHERE city <> $1", [quoted.encode()], [0], [S])
    assert classify(b.text()).kind == "query"
    assert classify("SELECT 1 /* a /* nested */ b */").kind == "refuse"  # does not parse


def test_a_text_bound_with_ever_new_fixed_values_stops_being_learned(catalog) -> None:
    """A date is part of the shape: each new date would cost a second rewrite to learn."""
    sql = "SELECT id FROM people WHERE id > $1 AND city <> $2"
    cache = reuse.session_templates()

    def learn(day: int) -> params.Binding:
        b = params.binding(sql, [b"1", f"2020-01-{day:02d}".encode()], [0], [N, v.DATE])
        if reuse.state(cache, b) == "learn":
            first = _full(b.text(), catalog, "duckdb")
            stripped = strip_sql_literals(b.text(), "postgres")
            reuse.learn(cache, b, first, stripped, catalog, _steps(catalog, "duckdb"))
        return b

    states = [reuse.state(cache, learn(day)) for day in range(1, 13)]
    assert states == ["reuse"] * reuse.SHAPES_PER_TEXT + ["never"] * (12 - reuse.SHAPES_PER_TEXT)


def test_a_rewrite_kept_for_another_catalog_read_is_not_used(db_url, catalog) -> None:
    """The session's rewrites are keyed by the catalog read's id; a freed read's id can be
    taken by the next read, so the read itself is kept with the rewrite and compared."""
    from redactor.serve import execute

    backend = execute.Backend(db_url, FM)
    rewrites = execute.session_rewrites()
    sql = "SELECT id, city FROM people WHERE id = 1"
    older = dict(catalog)
    stale = _full("SELECT id FROM people WHERE id = 1", older, "duckdb")
    rewrites.put((sql, id(catalog)), (stale, older), sql)  # as if ``older``'s id were reused
    got = execute._rewritten(backend, sql, DECISION, catalog, rewrites)
    assert got.sql == _full(sql, catalog, "duckdb").sql != stale.sql
    assert execute._rewritten(backend, sql, DECISION, catalog, rewrites) is got  # kept now
