"""DBeaver against `redactor serve`: its own catalog SQL, replayed over the PostgreSQL JDBC driver
(extended protocol, oids bound as DBeaver binds them; tests/support/serve_dbeaver.py), is
answered from the field map's view, and its Data tab goes through the guard and the masks.

The database behind the server has more than the view: a sensitive table, an unmapped table,
unmapped and withheld columns, a primary key, an index named after a withheld column and
comments holding canary values. None of it may appear in any answer, nor anything of the
DuckDB database the probes run in."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.support import serve_dbeaver
from tests.support.pgcluster import pg_cluster  # noqa: F401 - pytest fixture
from tests.support.serve_harness import PASSWORD, USER, open_request, serve
from tests.test_sql_canary import CANARY_MAP, canaries, leaked, postgres_db

pytestmark = pytest.mark.skipif(
    serve_dbeaver.missing() is not None, reason=str(serve_dbeaver.missing())
)
TABLES = ("depts", "orders", "people")
# in the backend, never in an answer: sensitive and unmapped tables, withheld or unmapped
# columns, key and index names, the probe database's own names
HIDDEN_NAMES = {
    "crcsa",
    "dbeaver_unmapped",
    "ssn",
    "last_name",
    "immigration_status",
    "secret_col",
    "people_ssn_idx",
    "depts_pk",
    "main",
    "memory",
    "system",
    "temp",
    "duckdb",
    "redactor_catalog",
    "hugeint",
    "struct",
}


@pytest.fixture(scope="module")
def dbeaver_session(pg_cluster, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    tmp = tmp_path_factory.mktemp("serve_dbeaver")
    admin = pg_cluster.new_database()
    url = postgres_db(admin)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute("CREATE TABLE dbeaver_unmapped (id INTEGER, note TEXT)")
        con.execute("INSERT INTO dbeaver_unmapped VALUES (1, 'CnryUnmapped')")
        con.execute("ALTER TABLE depts ADD CONSTRAINT depts_pk PRIMARY KEY (id)")
        con.execute("CREATE UNIQUE INDEX people_ssn_idx ON people (ssn)")
        con.execute("COMMENT ON TABLE people IS 'CnryTableComment'")
        con.execute("COMMENT ON COLUMN people.ssn IS 'CnryColumnComment'")
        con.execute("COMMENT ON SCHEMA public IS 'CnrySchemaComment'")
    with serve(url, CANARY_MAP, tmp) as s:
        request = open_request(s.log)
        with psycopg.connect(s.dsn(request), autocommit=True) as con:  # `SELECT *` releases
            released = {
                t: [d.name for d in con.execute(f"SELECT * FROM {t} LIMIT 0").description or ()]
                for t in TABLES
            }
        r, answers = serve_dbeaver.run(tmp, s.port, request, USER, PASSWORD)
        assert r.returncode == 0, r.stderr[-3000:]
        yield s, released, answers, r.stdout


def test_every_probe_dbeaver_sends_is_answered(dbeaver_session) -> None:
    _, _, answers, _ = dbeaver_session
    names = [step[0] for step in serve_dbeaver.SCRIPT]
    assert list(answers) == names
    errors = {name: a.error for name, a in answers.items() if a.error}
    assert not errors, errors
    assert all(a.cols for a in answers.values())


def test_the_catalog_answers_are_the_view(dbeaver_session) -> None:
    _, released, answers, _ = dbeaver_session
    assert released["people"][:2] == ["id", "first_name"] and "ssn" not in released["people"]
    # one database, the server's (the name a client sends does not choose it)
    assert answers["database"].rows == []
    assert answers["databases"].column("datname") == ["redactor"]
    assert answers["context"].rows == [["public", USER]]
    assert sorted(answers["schemas"].column("nspname")) == ["pg_catalog", "public"]
    public = answers["public_oid"].column("schema_id")
    assert len(public) == 1
    assert sorted(answers["tables"].column("relname")) == list(TABLES)
    assert set(answers["tables"].column("relnamespace")) == set(public)
    assert set(answers["tables"].column("description")) == {None}
    assert answers["people"].column("relname") == ["people"]
    assert answers["columns"].column("attname") == released["people"]
    by_table: dict[str, list[str | None]] = {}
    for rel, att in zip(
        answers["schema_columns"].column("relname"),
        answers["schema_columns"].column("attname"),
        strict=True,
    ):
        by_table.setdefault(rel or "", []).append(att)
    assert by_table == released
    # every column's type is one DBeaver finds in the types it cached
    types = dict(
        zip(answers["types"].column("oid"), answers["types"].column("typname"), strict=True)
    )
    column_types = {types.get(t) for t in answers["schema_columns"].column("atttypid")}
    assert None not in column_types and "varchar" in column_types, column_types
    assert answers["column_type"].column("typname") == ["int4"]
    assert set(answers["types"].column("typnamespace")) == set(
        answers["schemas"].column("oid")
    ) - set(public)  # pg_catalog
    assert answers["typcategory_check"].rows == [] and answers["enum_check"].rows == []
    assert answers["table_size"].rows == [["0", "0"]]  # a size tells a row count
    assert set(answers["schema_stats"].column("total_rel_size")) == {"0"}
    for empty in (
        "constraints",
        "schema_constraints",
        "indexes",
        "schema_indexes",
        "references",
        "super_tables",
        "sub_tables",
        "inheritance",
        "triggers",
        "rules",
        "policies",
        "extensions",
        "enums",
        "functions",
        "schema_types",
        "default_acl",
    ):
        assert answers[empty].rows == [], empty
    assert answers["setting"].rows[0][:2] == ["standard_conforming_strings", "on"]


def test_nothing_beyond_the_view_appears(dbeaver_session) -> None:
    _, _, answers, stdout = dbeaver_session
    cells = [c for a in answers.values() for row in a.rows for c in row if c is not None]
    labels = [c for a in answers.values() for c in a.cols]
    assert not leaked(cells + labels + [stdout], [*canaries(), "CnryUnmapped"])
    assert "cnry" not in stdout.lower()  # the comments hold canaries too
    assert not HIDDEN_NAMES & {c.lower() for c in cells}
    low = stdout.lower()
    for name in ("crcsa", "dbeaver_unmapped", "ssn_idx", "depts_pk", "duckdb", "redactor_catalog"):
        assert name not in low, name


def test_the_data_tab_is_masked_and_logged(dbeaver_session) -> None:
    from redactor.requestlog import open_log

    served, released, answers, _ = dbeaver_session
    for step in ("data", "data_limit"):
        data = answers[step]
        assert data.cols == released["people"]
        assert len(data.rows) == 6
        assert data.column("dl_number")[0] == "*******01QZ"
        assert set(data.column("first_name")) == {"[REDACTED]"}
        assert data.column("birth_date")[:2] == ["1951", "1952"]  # generalised to the year
        assert not leaked([c for row in data.rows for c in row], canaries())
    with open_log(served.log, create=False) as log:
        entries = [v for v in log.requests() if "public.people" in (v.record.query or "")]
    assert len(entries) == 2
    assert all(v.completion is not None and v.completion.status == "completed" for v in entries)
    assert [v.completion.rows_out for v in entries if v.completion] == [6, 6]


def test_script_binds_what_dbeaver_binds() -> None:
    """The replayed texts keep DBeaver's placeholders: schema and table oids are bound, never
    inlined, except where DBeaver itself inlines them (its rules query)."""
    text = serve_dbeaver.script_text()
    assert text.count("@long {public_oid.schema_id}") >= 6
    assert "@long {people.oid}" in text and "r.ev_class={people.oid}" in text
    assert Path(serve_dbeaver.SOURCE).is_file()


CATALOG_RELATIONS = (
    "pg_catalog.pg_class",
    "pg_catalog.pg_attribute",
    "pg_catalog.pg_namespace",
    "pg_catalog.pg_type",
    "pg_catalog.pg_proc",
    "pg_catalog.pg_views",
    "pg_catalog.pg_tables",
    "pg_catalog.pg_database",
    "pg_catalog.pg_description",
    "pg_catalog.pg_depend",
    "pg_catalog.pg_am",
    "pg_catalog.pg_prepared_statements",
    "pg_catalog.pg_indexes",
    "information_schema.tables",
    "information_schema.columns",
    "information_schema.schemata",
    "information_schema.views",
)


def test_no_catalog_relation_describes_the_probe_database(dbeaver_session) -> None:
    """Whole catalog relations (what a browser's generic views read) hold the view and
    PostgreSQL's names only: no DuckDB catalog, owner, view definition, type or function."""
    served = dbeaver_session[0]
    request = open_request(served.log)
    seen: dict[str, list[str]] = {}
    with psycopg.connect(served.dsn(request), autocommit=True) as con:
        for rel in CATALOG_RELATIONS:
            cur = con.execute(f"SELECT * FROM {rel}")
            seen[rel] = [str(c) for row in cur.fetchall() for c in row if c is not None]
    cells = {c.lower() for values in seen.values() for c in values}
    assert not HIDDEN_NAMES & cells, HIDDEN_NAMES & cells
    text = " ".join(cells)
    assert "duckdb" not in text and "create " not in text and "cnry" not in text
    assert sorted(set(seen["pg_catalog.pg_class"]) & {"people", "depts", "orders"}) == list(TABLES)
    assert not seen["pg_catalog.pg_proc"] and not seen["pg_catalog.pg_views"]
