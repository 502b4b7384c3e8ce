"""The canary schema shared by the SQL tests: tables seeded so that every protected cell holds a
unique string (or date) that must never come out of a rewritten query, on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from redactor.fieldmap import FieldMap, parse_field_map
from redactor.policy import Decision, decide, load_pack
from redactor.request import Evidence, Request

CANARY_MAP = {
    "name": "canary",
    "tables": {
        "people": {
            "columns": {
                "id": "none",
                "first_name": {"category": "name", "action": "redact"},
                "last_name": "name",
                "birth_date": {"category": "birth_date", "action": "generalize"},
                "ssn": "ssn",
                "itin": {"category": "itin", "action": "hash"},
                "dl_number": {"category": "drivers_license", "action": "mask", "keep_last": 4},
                "address": {"category": "address", "action": "null"},
                "city": "none",
                "immigration_status": "immigration_status",
                "dept_id": "none",
                "notes": {"category": "free_text", "action": "scrub"},
            }
        },  # secret_col exists in the databases but not here: unmapped
        "depts": {"columns": {"id": "none", "dname": "none"}},
        "orders": {"columns": {"id": "none", "person_id": "none", "amount": "none"}},
        "crcsa": {"sensitive_table": True, "columns": {"id": "none", "person_id": "none"}},
    },
}

DDL = [
    "CREATE TABLE people (id INTEGER, first_name TEXT, last_name TEXT, birth_date DATE, "
    "ssn TEXT, itin TEXT, dl_number TEXT, address TEXT, city TEXT, immigration_status TEXT, "
    "dept_id INTEGER, notes TEXT, secret_col TEXT)",
    "CREATE TABLE depts (id INTEGER, dname TEXT)",
    "CREATE TABLE orders (id INTEGER, person_id INTEGER, amount INTEGER)",
    "CREATE TABLE crcsa (id INTEGER, person_id INTEGER)",
]


def people_rows() -> list[tuple]:
    rows = []
    for i in range(1, 7):
        rows.append(
            (
                i,
                f"CnryFirst{i}q",
                f"CnryLast{i}q",
                dt.date(1950 + i, 3, 1 + i),
                f"CNRYSSN{i:03d}Q",
                f"CNRYITIN{i:03d}Q",
                "Q1" if i == 6 else f"CNRYDL{i:03d}QZ",
                f"{i} CnryAddr Street",
                f"City{i % 2}",
                f"CNRYSTAT{i}",
                1 + i % 2,
                f"called CNRYNOTE{i} at home",
                f"CNRYSECRET{i}",
            )
        )
    return rows


def canaries() -> list[str]:
    out = []
    for r in people_rows():
        out += [
            r[1],
            r[2],
            r[3].isoformat(),
            r[4],
            r[5],
            r[6],
            r[7],
            r[9],
            f"CNRYNOTE{r[0]}",
            r[12],
        ]
    return [c for c in out if c != "Q1"] + ["CnryCrcsa"]


def seed(execute, executemany, placeholder: str) -> None:
    for stmt in DDL:
        execute(stmt)
    ph = ", ".join([placeholder] * 13)
    executemany(f"INSERT INTO people VALUES ({ph})", people_rows())
    executemany(
        f"INSERT INTO depts VALUES ({placeholder}, {placeholder})",
        [(1, "Licensing"), (2, "Titles")],
    )
    executemany(
        f"INSERT INTO orders VALUES ({placeholder}, {placeholder}, {placeholder})",
        [(i, i, 100 * i) for i in range(1, 7)],
    )
    executemany(f"INSERT INTO crcsa VALUES ({placeholder}, {placeholder})", [(1, 6)])


def duckdb_db(path: Path) -> str:
    import duckdb

    con = duckdb.connect(str(path))
    seed(con.execute, con.executemany, "?")
    con.close()
    return f"duckdb:///{path}"


def postgres_db(url: str) -> str:
    """Seed the canary tables through ``url`` (a superuser URL) and return the URL of the same
    database for the least-privilege reader role, which is what redactor accepts."""
    import psycopg

    from tests.support.pgcluster import reader_url

    with psycopg.connect(url, autocommit=True) as con:
        cur = con.cursor()
        seed(cur.execute, cur.executemany, "%s")
    return reader_url(url)


def canary_map() -> FieldMap:
    return parse_field_map(CANARY_MAP, source="canary.yaml")


def restricted_decision() -> Decision:
    return decide(
        Request(purposes=("civil_immigration_enforcement",)), [load_pack("colorado-sb21-131")]
    )


def court_order_decision() -> Decision:
    """Immigration enforcement with a court-issued order that a reviewer accepted: the rule is
    lifted (an unreviewed or non-court order lifts nothing)."""
    order = replace(
        Evidence.parse("court_order:2026CV0001;issuer=state_court"),
        reviewer="records-officer",
        review_id="review-1",
    )
    return decide(
        Request(purposes=("civil_immigration_enforcement",), evidence=(order,)),
        [load_pack("colorado-sb21-131")],
    )


def leaked(values: list, secrets: list[str]) -> list[str]:
    """The canaries found in any of ``values`` (stringified, nested values included)."""
    text = "\x1f".join(repr(v) + "\x1f" + str(v) for v in values)
    return [c for c in secrets if c in text]


def test_decisions_are_what_the_suite_assumes() -> None:
    d = restricted_decision()
    assert d.restricted and not d.refused
    assert not court_order_decision().restricted


def test_canaries_are_unique() -> None:
    c = canaries()
    assert len(c) == len(set(c))
