"""Adversarial SQL at scale: hypothesis generates queries over a canary-seeded DuckDB schema,
each is rewritten under a restricted decision, and every rewrite that is not refused is executed;
no canary fragment may appear in any result cell.

What counts as a leak (``Canaries.found``): a result cell (stringified; structs, lists and JSON
included) that contains, case-insensitively, forwards or backwards, any run of ``k`` consecutive
characters of a withheld value, where ``k = keep_last + 1`` for a column masked with
``keep_last`` and ``k = 4`` for every other withheld column (dates as ISO text; for a date
generalised to its year the year itself is allowed). Canaries are built so that such runs cannot
be forged by the query: their hidden part uses letters (QXJKWVZ and the sentinel Y) that occur in
no released value, literal or constant the generator uses, and the visible tail of a masked
column is digits behind the sentinel.

Raw-text slots (issue 13): some expressions put text in places sqlglot keeps as raw text and
prints back verbatim — type names and type parameters, EXTRACT/DATE_PART/DATE_TRUNC units (string
literals in unit positions included), INTERVAL units, collations, format strings. Now and then
such a slot holds a hostile payload (quotes, ``)``, ``--``, ``/*``, ``;``, a newline, ``FROM
people``, or a self-contained expression that reads the raw table); such a query must be refused,
or run without a leak, and the SQL generated for the engine must be exactly one statement.

Size: ``REDACTOR_SQL_FUZZ`` queries (default 2,000 in CI; e.g. ``REDACTOR_SQL_FUZZ=20000``);
``REDACTOR_SQL_FUZZ_SEED`` picks another deterministic stream. The counts (generated, executed,
refused by reason, engine errors, and how many would have leaked without the rewrite) are printed
in pytest's terminal summary.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import multiprocessing
import os
import random
import re
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from redactor.categories import Action
from redactor.errors import BadInputError, RefusedError
from redactor.fieldmap import FieldMap, normalize_name, parse_field_map
from redactor.plan import action_for_rule
from redactor.sql.rewrite import rewrite_query
from tests.test_sql_canary import CANARY_MAP, restricted_decision

N_QUERIES = int(os.environ.get("REDACTOR_SQL_FUZZ", "2000"))
SEED = int(os.environ.get("REDACTOR_SQL_FUZZ_SEED", "0"))
WORKERS = int(os.environ.get("REDACTOR_SQL_FUZZ_WORKERS", str(min(2, os.cpu_count() or 1))))
ROWS = 6
RARE = "QXJKWVZ"  # letters no released value, literal or constant uses
SENTINEL = "Y"


def _fuzz_map() -> dict:
    """The canary schema's map (tests/test_sql_canary.py) plus the columns and tables only the
    generator uses; ``crcsa`` (a sensitive table) is not in the fuzz database."""
    m = copy.deepcopy(CANARY_MAP)
    m["name"] = "fuzz"
    del m["tables"]["crcsa"]
    m["tables"]["people"]["columns"].update(
        {  # secret_col stays unmapped, so withheld
            "Home Phone": {"category": "phone", "action": "mask", "keep_last": 2},
            "EMail": "email",
            "profile": {"category": "status_proxy", "action": "null"},
            "meta": {"category": "free_text", "action": "null"},
            "tags": {"category": "name", "action": "null"},
        }
    )
    m["tables"]["orders"]["columns"]["memo"] = "none"
    m["tables"]["prefs"] = {
        "columns": {"id": "none", "person_id": "none", "style": "none", "info": "none"}
    }
    return m


FUZZ_MAP = _fuzz_map()

# (name, DuckDB type, generator type); generator types: int, text, date, struct:<fields>,
# json:<keys>, list.
TABLES: dict[str, list[tuple[str, str, str]]] = {
    "people": [
        ("id", "INTEGER", "int"),
        ("first_name", "VARCHAR", "text"),
        ("last_name", "VARCHAR", "text"),
        ("birth_date", "DATE", "date"),
        ("ssn", "VARCHAR", "text"),
        ("itin", "VARCHAR", "text"),
        ("dl_number", "VARCHAR", "text"),
        ("address", "VARCHAR", "text"),
        ("city", "VARCHAR", "text"),
        ("immigration_status", "VARCHAR", "text"),
        ("dept_id", "INTEGER", "int"),
        ("notes", "VARCHAR", "text"),
        ("secret_col", "VARCHAR", "text"),
        ("Home Phone", "VARCHAR", "text"),
        ("EMail", "VARCHAR", "text"),
        ("profile", "STRUCT(zip VARCHAR, alien_no VARCHAR)", "struct:zip,alien_no"),
        ("meta", "JSON", "json:email,case"),
        ("tags", "VARCHAR[]", "list"),
    ],
    "depts": [("id", "INTEGER", "int"), ("dname", "VARCHAR", "text")],
    "orders": [
        ("id", "INTEGER", "int"),
        ("person_id", "INTEGER", "int"),
        ("amount", "INTEGER", "int"),
        ("memo", "VARCHAR", "text"),
    ],
    "prefs": [
        ("id", "INTEGER", "int"),
        ("person_id", "INTEGER", "int"),
        ("style", "STRUCT(color VARCHAR, size INTEGER)", "struct:color"),
        ("info", "JSON", "json:color,note"),
    ],
}
RELEASED_TEXT = {
    "city": ["Aurora", "Pueblo", "Salida"],
    "dname": ["Licensing", "Titles"],
    "memo": ["paid", "open", "late"],
    "color": ["red", "blue", "green"],
    "note": ["good", "fine"],
}
LITERALS = ["'a'", "'e'", "' '", "''", "'#'", "'ab'"]

# Raw-text slots and what they normally hold.
TYPE_NAMES = [
    "VARCHAR",
    "TEXT",
    "varchar",
    '"VARCHAR"',
    '"text"',
    "BIGINT",
    "INTEGER",
    '"integer"',
    "DOUBLE",
]
TYPE_PARAMS = ["DECIMAL(10, 2)", "DECIMAL(18)", "NUMERIC(12, 3)", "DECIMAL(10, 0)"]
UNITS = ["year", "month", "day", "YEAR", '"year"', "quarter", "dow", "doy"]
UNIT_STRINGS = ["'year'", "'month'", "'day'", "'quarter'"]
INTERVAL_UNITS = ["DAY", "MONTH", "YEAR", "day", "HOUR"]
COLLATIONS = ["NOCASE", "nocase", '"nocase"', "NOACCENT", "'nocase'"]
FORMATS = ["'%Y'", "'%Y%m'", "'%d/%m/%Y'", "'%j'"]
DATES = ["DATE '2001-02-03'", "DATE '1999-12-31'", "CURRENT_DATE"]
NO_DASH = "'%Y%m%d'"  # dates come out without '-', so they cannot forge a fragment of a canary date
# Hostile payloads for those slots: a payload printed verbatim closes the expression, reads the
# raw table and comments out the rest, or starts a second statement …
HOSTILE = [
    "x) , ssn FROM people --",
    "x)) , ssn FROM people --",
    "day , ssn FROM people --",
    "x); SELECT ssn FROM people; --",
    "x)\n, ssn FROM people /*",
    "x' , ssn FROM people --",
    'x" , ssn FROM people --',
    "year FROM now()), ssn FROM people --",
]
# … or is a self-contained expression reading the raw table, so it leaks from any context.
SELF_CONTAINED = {
    "extract": "year FROM now())::VARCHAR || (SELECT STRING_AGG(ssn, ',') FROM people) || "
    "EXTRACT(year",
    "decimal": "10, 2)) || (SELECT STRING_AGG(ssn, ',') FROM people) || CAST(1 AS DECIMAL(10",
    "collate": "nocase || (SELECT STRING_AGG(ssn, ',') FROM people) || 'x'",
}


def as_ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def as_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- canary data ---------------------------------------------------------------------------
class Canaries:
    """The withheld values seeded into the database and the fragments that count as a leak."""

    def __init__(self, fm: FieldMap) -> None:
        decision = restricted_decision()
        rng = random.Random(1729)
        self.k: dict[str, int] = {}  # fragment length that counts as a leak, per column
        self.keep: dict[str, int] = {}  # visible tail of masked columns
        for name, _, _ in TABLES["people"]:
            rule = fm.table("people").rule(name)
            if rule is None:
                self.k[name] = 4  # unmapped: withheld
                continue
            action, _ = action_for_rule(rule, decision)
            if action is Action.RELEASE:
                continue
            keep = rule.keep_last if rule.keep_last is not None else 4
            if action is Action.MASK:
                self.keep[name] = keep
            self.k[name] = keep + 1 if action is Action.MASK else 4
        self.rows: list[dict[str, object]] = []
        self.fragments: set[str] = set()
        for i in range(1, ROWS + 1):
            row: dict[str, object] = {}
            for name, _, gtype in TABLES["people"]:
                row[name] = self._value(name, gtype, i, rng)
            self.rows.append(row)
        assert all(
            c not in v.upper() for vs in RELEASED_TEXT.values() for v in vs for c in RARE + SENTINEL
        )
        assert all(c not in lit.upper() for lit in LITERALS for c in RARE + SENTINEL)

    def _text(self, column: str, rng: random.Random) -> str:
        body = "".join(rng.choice(RARE) for _ in range(7))
        keep = self.keep.get(column)
        tail = (
            "".join(rng.choice("0123456789") for _ in range(keep))
            if keep is not None
            else "".join(rng.choice(RARE) for _ in range(3))
        )
        value = body + SENTINEL + tail
        self._add(value, self.k[column])
        return value

    def _add(self, value: str, k: int, allowed: tuple[str, ...] = ()) -> None:
        up = value.upper()
        for j in range(len(up) - k + 1):
            g = up[j : j + k]
            if g not in allowed:
                self.fragments.add(g)
                self.fragments.add(g[::-1])

    def _value(self, name: str, gtype: str, i: int, rng: random.Random) -> object:
        if name not in self.k:
            return {"id": i, "city": RELEASED_TEXT["city"][i % 3], "dept_id": 1 + i % 2}[name]
        if gtype == "date":
            d = dt.date(1950 + i, 10 + i % 3, 11 + i)
            self._add(d.isoformat(), 4, allowed=(str(d.year),))
            return d
        if gtype.startswith("struct"):
            return {"zip": self._text(name, rng), "alien_no": self._text(name, rng)}
        if gtype.startswith("json"):
            return json.dumps({"email": self._text(name, rng), "case": self._text(name, rng)})
        if gtype == "list":
            return [self._text(name, rng), self._text(name, rng)]
        return self._text(name, rng)

    def found(self, cells: list[object]) -> list[str]:
        hits = []
        for v in cells:
            if v is None:
                continue
            text = (str(v) + "\x1f" + repr(v)).upper()
            if not any(c in text for c in RARE + SENTINEL + "-"):
                continue
            k_set = set(self.k.values())
            for k in k_set:
                for j in range(len(text) - k + 1):
                    if text[j : j + k] in self.fragments:
                        hits.append(text[j : j + k])
                        break
        return hits


def build_db(can: Canaries) -> tuple[duckdb.DuckDBPyConnection, dict]:
    con = duckdb.connect()
    for t, cols in TABLES.items():
        con.execute(f"CREATE TABLE {t} (" + ", ".join(f'"{n}" {ty}' for n, ty, _ in cols) + ")")
    ph = ", ".join("?" for _ in TABLES["people"])
    con.executemany(
        f"INSERT INTO people VALUES ({ph})",
        [[r[n] for n, _, _ in TABLES["people"]] for r in can.rows],
    )
    con.executemany("INSERT INTO depts VALUES (?, ?)", [(1, "Licensing"), (2, "Titles")])
    con.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?)",
        [(i, 1 + i % ROWS, 100 * i, RELEASED_TEXT["memo"][i % 3]) for i in range(1, 9)],
    )
    con.executemany(
        "INSERT INTO prefs VALUES (?, ?, ?, ?)",
        [
            (
                i,
                i,
                {"color": RELEASED_TEXT["color"][i % 3], "size": i},
                json.dumps({"color": RELEASED_TEXT["color"][i % 3], "note": "good"}),
            )
            for i in range(1, 5)
        ],
    )
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    catalog: dict[str, list[tuple[str, str | None]]] = {}
    for t, c, ty in rows:
        catalog.setdefault(t, []).append((c, ty))
    return con, catalog


# --- the generator -------------------------------------------------------------------------
@dataclass(frozen=True)
class Col:
    name: str  # the name a query uses for it (already quoted if it needs to be)
    gtype: str
    prot: bool  # derived from a withheld base column


@dataclass
class Rel:
    alias: str
    cols: list[Col]


@dataclass
class Ctx:
    rels: list[Rel] = field(default_factory=list)
    outer: list[Rel] = field(default_factory=list)  # for correlated subqueries
    ctes: dict[str, list[Col]] = field(default_factory=dict)


def q(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


_PERMILLE = st.integers(0, 999)


@functools.cache
def _index(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


class Gen:
    """Builds one query from hypothesis draws; ``depth`` bounds nesting."""

    def __init__(self, draw, withheld: set[str]) -> None:
        self.draw = draw
        self.withheld = withheld
        self.n = 0
        self.nowin = 0  # > 0 where window functions are not allowed (WHERE, aggregates …)
        self.tags: set[str] = set()  # "raw" (a raw-text slot), "payload" (a hostile one)

    # small helpers (strategies are built once: building one per draw dominates otherwise)
    def pick(self, xs):
        return xs[self.draw(_index(len(xs)))]

    def chance(self, p: float) -> bool:
        return self.draw(_PERMILLE) < p * 1000

    def int_(self, lo: int, hi: int) -> int:
        return lo + self.draw(_index(hi - lo + 1))

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def odd_case(self, name: str) -> str:
        """An identifier spelled another way that DuckDB resolves to the same column."""
        if name.startswith('"'):
            return name
        how = self.pick(["plain", "plain", "upper", "quoted", "mixed"])
        if how == "upper":
            return name.upper()
        if how == "quoted":
            return f'"{name}"'
        if how == "mixed":
            return "".join(c.upper() if i % 2 else c for i, c in enumerate(name))
        return name

    # columns
    def columns(
        self, ctx: Ctx, gtype: str | None = None, *, safe: float = 0.0, outer: bool = False
    ) -> list[tuple[str, Col]]:
        rels = ctx.outer if outer else ctx.rels
        out = [
            (r.alias, c)
            for r in rels
            for c in r.cols
            if gtype is None
            or c.gtype == gtype
            or (gtype == "struct" and c.gtype.startswith("struct"))
            or (gtype == "json" and c.gtype.startswith("json"))
        ]
        if out and safe and self.chance(safe):
            return [x for x in out if not x[1].prot]
        return out

    def ref(self, alias: str, col: Col) -> str:
        return f"{alias}.{self.odd_case(col.name)}"

    def col_expr(self, ctx: Ctx, gtype: str, safe: float) -> tuple[str, bool] | None:
        cands = self.columns(ctx, gtype, safe=safe)
        if not cands:
            return None
        alias, c = self.pick(cands)
        return self.ref(alias, c), c.prot

    # expressions: (sql, protected?)
    def text(self, ctx: Ctx, d: int, safe: float = 0.0, agg: bool = False) -> tuple[str, bool]:
        kinds = [
            "col",
            "col",
            "cast",
            "fn",
            "concat",
            "pipe",
            "substr",
            "replace",
            "coalesce",
            "case",
            "struct",
            "json",
            "list",
            "raw",
        ]
        if d > 0:
            kinds += ["scalar", "fn"] + ([] if self.nowin else ["window"])
        if agg:
            kinds += ["agg", "agg"]
        kind = self.pick(kinds)
        if kind == "col" or d <= 0:
            got = self.col_expr(ctx, "text", safe)
            return got if got else (self.pick(LITERALS), False)
        if kind == "cast":
            e, p = self.any_expr(ctx, d - 1, safe)
            return f"CAST({e} AS VARCHAR)", p
        if kind == "fn":
            e, p = self.text(ctx, d - 1, safe)
            f = self.pick(["LOWER", "UPPER", "TRIM", "REVERSE", "LTRIM", "INITCAP"])
            if f == "INITCAP":
                f = "UPPER"
            return f"{f}({e})", p
        if kind in ("concat", "pipe"):
            a, pa_ = self.text(ctx, d - 1, safe)
            b, pb = self.text(ctx, d - 1, safe)
            lit = self.pick(LITERALS)
            if kind == "concat":
                return f"CONCAT({a}, {lit}, {b})", pa_ or pb
            return f"{a} || {lit} || {b}", pa_ or pb
        if kind == "substr":
            e, p = self.text(ctx, d - 1, safe)
            how = self.pick(["substr", "substring", "left", "right", "substr1"])
            a, n = self.int_(1, 4), self.int_(1, 12)
            return {
                "substr": f"SUBSTR({e}, {a}, {n})",
                "substring": f"SUBSTRING({e}, {a}, {n})",
                "left": f"LEFT({e}, {n})",
                "right": f"RIGHT({e}, {n})",
                "substr1": f"SUBSTR({e}, {a})",
            }[how], p
        if kind == "replace":
            e, p = self.text(ctx, d - 1, safe)
            return f"REPLACE({e}, {self.pick(LITERALS[:2])}, {self.pick(LITERALS)})", p
        if kind == "coalesce":
            a, pa_ = self.text(ctx, d - 1, safe)
            b, pb = self.text(ctx, d - 1, safe)
            return f"COALESCE({a}, {b}, {self.pick(LITERALS)})", pa_ or pb
        if kind == "case":
            c, pc = self.cond(ctx, d - 1, safe=max(safe, 0.6))
            a, pa_ = self.text(ctx, d - 1, safe)
            b, pb = self.text(ctx, d - 1, safe)
            return f"CASE WHEN {c} THEN {a} ELSE {b} END", pa_ or pb or pc
        if kind == "struct":
            cands = self.columns(ctx, "struct", safe=safe)
            if not cands:
                return self.text(ctx, 0, safe)
            alias, c = self.pick(cands)
            fld = self.pick(c.gtype.split(":")[1].split(","))
            how = self.pick(["dot", "extract", "bracket"])
            r = self.ref(alias, c)
            e = {
                "dot": f"{r}.{fld}",
                "extract": f"STRUCT_EXTRACT({r}, '{fld}')",
                "bracket": f"{r}['{fld}']",
            }[how]
            return f"CAST({e} AS VARCHAR)", c.prot
        if kind == "json":
            cands = self.columns(ctx, "json", safe=safe)
            if not cands:
                return self.text(ctx, 0, safe)
            alias, c = self.pick(cands)
            key = self.pick(c.gtype.split(":")[1].split(","))
            how = self.pick(["arrow2", "arrow", "extract", "cast"])
            r = self.ref(alias, c)
            return {
                "arrow2": f"{r} ->> '$.{key}'",
                "arrow": f"CAST({r} -> '{key}' AS VARCHAR)",
                "extract": f"JSON_EXTRACT_STRING({r}, '$.{key}')",
                "cast": f"CAST({r} AS VARCHAR)",
            }[how], c.prot
        if kind == "list":
            cands = self.columns(ctx, "list", safe=safe)
            if not cands:
                return self.text(ctx, 0, safe)
            alias, c = self.pick(cands)
            r = self.ref(alias, c)
            return self.pick(
                [f"{r}[1]", f"CAST({r} AS VARCHAR)", f"ARRAY_TO_STRING({r}, ',')", f"{r}[2]"]
            ), c.prot
        if kind == "scalar":
            sub, p = self.scalar_subquery(ctx, d - 1, "text")
            return sub, p
        if kind == "window":
            e, p = self.no_window(self.text, ctx, d - 1, safe)
            f = self.pick(["FIRST_VALUE", "LAST_VALUE", "LAG", "LEAD", "MAX", "MIN"])
            return f"{f}({e}) OVER ({self.window_spec(ctx)})", p
        if kind == "raw":
            return self.raw_slot(ctx, d - 1, safe)
        if kind == "agg":
            e, p = self.no_window(self.text, ctx, d - 1, safe)
            f = self.pick(["MIN", "MAX", "STRING_AGG", "ANY_VALUE", "FIRST"])
            return (f"STRING_AGG({e}, ',')" if f == "STRING_AGG" else f"{f}({e})"), p
        raise AssertionError(kind)

    def payload(self, slot: str) -> str | None:
        """None mostly; now and then a hostile string for a raw-text slot."""
        if not self.chance(0.04):
            return None
        self.tags.add("payload")
        if slot in SELF_CONTAINED and self.chance(0.5):
            return SELF_CONTAINED[slot]
        return self.pick(HOSTILE)

    def raw_slot(self, ctx: Ctx, d: int, safe: float) -> tuple[str, bool]:
        """A text expression with a slot that sqlglot keeps as raw text."""
        self.tags.add("raw")
        kind = self.pick(
            [
                "cast",
                "cast_op",
                "cast_param",
                "extract",
                "date_part",
                "date_trunc",
                "interval",
                "collate",
                "format",
            ]
        )
        date = self.pick(DATES)
        if kind in ("cast", "cast_op"):
            e, p = self.any_expr(ctx, max(d, 0), safe)
            bad = self.payload("type")
            t = as_ident(bad) if bad is not None else self.pick(TYPE_NAMES)
            cast = f"CAST({e} AS {t})" if kind == "cast" else f"({e})::{t}"
            return f"CAST({cast} AS VARCHAR)", p
        if kind == "cast_param":
            e, p = self.integer(ctx, max(d, 0), safe)
            bad = self.payload("decimal")
            t = f"DECIMAL({as_ident(bad)})" if bad is not None else self.pick(TYPE_PARAMS)
            return f"CAST(CAST({e} AS {t}) AS VARCHAR)", p
        if kind == "extract":
            bad = self.payload("extract")
            unit = self.pick([as_ident, as_string])(bad) if bad is not None else self.pick(UNITS)
            return f"CAST(EXTRACT({unit} FROM {date}) AS VARCHAR)", False
        if kind in ("date_part", "date_trunc"):
            bad = self.payload("extract")
            unit = as_string(bad) if bad is not None else self.pick(UNIT_STRINGS)
            if kind == "date_part":
                return f"CAST(DATE_PART({unit}, {date}) AS VARCHAR)", False
            return f"STRFTIME(DATE_TRUNC({unit}, {date}), {NO_DASH})", False
        if kind == "interval":
            bad = self.payload("interval")
            n = self.int_(1, 3)
            if bad is not None:
                iv = self.pick([f"INTERVAL {n} {as_ident(bad)}", f"INTERVAL {as_string(bad)}"])
            else:
                unit = self.pick(INTERVAL_UNITS)
                iv = self.pick(
                    [
                        f"INTERVAL {n} {unit}",
                        f"INTERVAL '{n}' {unit}",
                        f"INTERVAL '{n} {unit.lower()}'",
                    ]
                )
            return f"STRFTIME({date} + {iv}, {NO_DASH})", False
        if kind == "collate":
            e, p = self.text(ctx, max(d, 0), safe)
            bad = self.payload("collate")
            c = as_string(bad) if bad is not None else self.pick(COLLATIONS)
            return f"({e} COLLATE {c})", p
        bad = self.payload("format")
        fmt = as_string(bad) if bad is not None else self.pick(FORMATS)
        return f"STRFTIME({date}, {fmt})", False

    def integer(self, ctx: Ctx, d: int, safe: float = 0.0, agg: bool = False) -> tuple[str, bool]:
        kinds = ["col", "col", "len", "plus", "const"]
        if d > 0:
            kinds += ["scalar"] + ([] if self.nowin else ["rownum"])
        if agg:
            kinds += ["count", "sum"]
        kind = self.pick(kinds)
        if kind == "col" or d <= 0:
            got = self.col_expr(ctx, "int", safe)
            return got if got else (str(self.int_(0, 5)), False)
        if kind == "len":
            e, p = self.text(ctx, d - 1, safe)
            return f"LENGTH({e})", p
        if kind == "plus":
            a, p = self.integer(ctx, d - 1, safe)
            return f"({a} + {self.int_(0, 3)})", p
        if kind == "const":
            return str(self.int_(0, 5)), False
        if kind == "scalar":
            return self.scalar_subquery(ctx, d - 1, "int")
        if kind == "rownum":
            return f"ROW_NUMBER() OVER ({self.window_spec(ctx)})", False
        if kind == "count":
            if self.chance(0.5):
                return "COUNT(*)", False
            e, p = self.no_window(self.any_expr, ctx, d - 1, safe)
            return f"COUNT(DISTINCT {e})", p
        if kind == "sum":
            e, p = self.no_window(self.integer, ctx, d - 1, safe)
            return f"SUM({e})", p
        raise AssertionError(kind)

    def any_expr(self, ctx: Ctx, d: int, safe: float = 0.0, agg: bool = False) -> tuple[str, bool]:
        kind = self.pick(["text", "text", "int", "date"])
        if kind == "int":
            return self.integer(ctx, d, safe, agg)
        if kind == "date":
            got = self.col_expr(ctx, "date", safe)
            if got:
                return got
        return self.text(ctx, d, safe, agg)

    def window_spec(self, ctx: Ctx) -> str:
        parts = []
        if self.chance(0.5):
            e, _ = self.any_expr(ctx, 0, safe=0.85)
            parts.append(f"PARTITION BY {e}")
        e, _ = self.any_expr(ctx, 0, safe=0.85)
        parts.append(f"ORDER BY {e}")
        return " ".join(parts)

    def no_window(self, fn, *args, **kw):
        self.nowin += 1
        try:
            return fn(*args, **kw)
        finally:
            self.nowin -= 1

    def cond(self, ctx: Ctx, d: int, safe: float = 0.85) -> tuple[str, bool]:
        return self.no_window(self._cond, ctx, d, safe)

    def _cond(self, ctx: Ctx, d: int, safe: float) -> tuple[str, bool]:
        kinds = ["cmp", "like", "null", "cmp"]
        if d > 0:
            kinds += ["in_sub", "exists", "and", "not", "scalar_cmp"]
        kind = self.pick(kinds)
        if kind == "cmp":
            a, pa_ = self.integer(ctx, 0, safe)
            b, pb = self.integer(ctx, 0, safe)
            return f"{a} {self.pick(['=', '<>', '<', '>=', '>'])} {b}", pa_ or pb
        if kind == "like":
            a, p = self.text(ctx, min(d, 1), safe)
            return f"{a} {self.pick(['LIKE', 'ILIKE', 'NOT LIKE'])} '%a%'", p
        if kind == "null":
            a, p = self.any_expr(ctx, 0, safe)
            return f"{a} IS {self.pick(['', 'NOT '])}NULL", p
        if kind == "and":
            a, pa_ = self.cond(ctx, d - 1, safe)
            b, pb = self.cond(ctx, d - 1, safe)
            return f"({a} {self.pick(['AND', 'OR'])} {b})", pa_ or pb
        if kind == "not":
            a, p = self.cond(ctx, d - 1, safe)
            return f"NOT ({a})", p
        if kind == "in_sub":
            a, pa_ = self.integer(ctx, 0, safe)
            sub, ps = self.subquery(ctx, d - 1, "int", correlated=self.chance(0.3))
            return f"{a} {self.pick(['IN', 'NOT IN'])} {sub}", pa_ or ps
        if kind == "exists":
            sub, ps = self.subquery(ctx, d - 1, "int", correlated=True)
            return f"{self.pick(['', 'NOT '])}EXISTS {sub}", ps
        if kind == "scalar_cmp":
            a, pa_ = self.integer(ctx, 0, safe)
            sub, ps = self.scalar_subquery(ctx, d - 1, "int")
            return f"{a} >= {sub}", pa_ or ps
        raise AssertionError(kind)

    def base_rel(self, table: str) -> tuple[str, Rel]:
        alias = self.fresh(self.pick(["t", "p", "T", "x"]))
        cols = [
            Col(q(n), g, normalize_name(n) in self.withheld_of(table)) for n, _, g in TABLES[table]
        ]
        tname = self.pick([table, table.upper(), f'"{table}"', f"main.{table}"])
        if self.chance(0.12):  # alias column list on a base table renames the first columns
            k = self.draw(st.integers(1, min(4, len(cols))))
            names = [self.fresh("a") for _ in range(k)]
            cols = [replace(c, name=names[i]) if i < k else c for i, c in enumerate(cols)]
            return f"{tname} AS {alias}({', '.join(names)})", Rel(alias, cols)
        return f"{tname} AS {alias}" if self.chance(0.8) else f"{tname} {alias}", Rel(alias, cols)

    def withheld_of(self, table: str) -> set[str]:
        return {c.split(".", 1)[1] for c in self.withheld if c.startswith(table + ".")}

    def from_item(self, ctx: Ctx, d: int) -> tuple[str, Rel]:
        kinds = ["base", "base", "base"]
        if d > 0:
            kinds += ["derived"]
        if ctx.ctes:
            kinds += ["cte", "cte"]
        kind = self.pick(kinds)
        if kind == "base":
            return self.base_rel(
                self.pick(["people", "people", "people", "depts", "orders", "prefs"])
            )
        if kind == "cte":
            name = self.pick(sorted(ctx.ctes))
            alias = self.fresh("c")
            return f"{name} AS {alias}", Rel(alias, ctx.ctes[name])
        sql, cols = self.select(Ctx(ctes=ctx.ctes), d - 1)
        alias = self.fresh("s")
        if self.chance(0.25):  # (subquery) AS s(a, b, …)
            names = [self.fresh("d") for _ in cols]
            return (
                f"({sql}) AS {alias}({', '.join(names)})",
                Rel(alias, [replace(c, name=n) for c, n in zip(cols, names, strict=True)]),
            )
        return f"({sql}) AS {alias}", Rel(alias, cols)

    def subquery(
        self, ctx: Ctx, d: int, gtype: str, *, correlated: bool = False
    ) -> tuple[str, bool]:
        frm, rel = self.from_item(Ctx(ctes=ctx.ctes), max(d, 0))
        inner = Ctx(rels=[rel], outer=ctx.rels, ctes=ctx.ctes)
        e, p = (self.integer if gtype == "int" else self.text)(inner, 0, safe=0.6)
        where = ""
        if correlated and ctx.rels:
            a, pa_ = self.integer(inner, 0, safe=0.85)
            oalias, oc = self.pick(
                self.columns(ctx, "int", safe=0.85) or [(ctx.rels[0].alias, ctx.rels[0].cols[0])]
            )
            where = f" WHERE {a} = {self.ref(oalias, oc)}"
            p = p or pa_ or oc.prot
        elif self.chance(0.3):
            c, pc = self.cond(inner, 0)
            where = f" WHERE {c}"
            p = p or pc
        return f"(SELECT {e} FROM {frm}{where})", p

    def scalar_subquery(self, ctx: Ctx, d: int, gtype: str) -> tuple[str, bool]:
        frm, rel = self.from_item(Ctx(ctes=ctx.ctes), max(d, 0))
        inner = Ctx(rels=[rel], outer=ctx.rels, ctes=ctx.ctes)
        if gtype == "int":
            e, p = self.no_window(self.integer, inner, 1, agg=True)
            e = e if e.startswith(("COUNT(", "SUM(")) else f"MAX({e})"
        else:
            e, p = self.no_window(self.text, inner, 1)
            e = f"MAX({e})"
        where = ""
        if ctx.rels and self.chance(0.4):
            oalias, oc = self.pick(
                self.columns(ctx, "int", safe=0.85) or [(ctx.rels[0].alias, ctx.rels[0].cols[0])]
            )
            ia, ic = self.pick(self.columns(inner, "int", safe=0.85) or [(rel.alias, rel.cols[0])])
            where = f" WHERE {self.ref(ia, ic)} = {self.ref(oalias, oc)}"
            p = p or oc.prot or ic.prot
        return f"(SELECT {e} FROM {frm}{where})", p

    def join(self, ctx: Ctx, d: int) -> str:
        kind = self.pick(["inner", "left", "cross", "comma", "lateral", "using"])
        if kind == "lateral" and ctx.rels:
            alias = self.fresh("l")
            e, p = self.text(ctx, 1, safe=0.3)
            n = self.fresh("lv")
            ctx.rels.append(Rel(alias, [Col(n, "text", p)]))
            return f", LATERAL (SELECT {e} AS {n}) AS {alias}"
        frm, rel = self.from_item(ctx, d)
        if kind in ("cross", "comma"):
            ctx.rels.append(rel)
            return f" CROSS JOIN {frm}" if kind == "cross" else f", {frm}"
        left = self.columns(ctx, "int", safe=0.85)
        right = self.columns(Ctx(rels=[rel]), "int", safe=0.85)
        if kind == "using":
            shared = {c.name for _, c in left} & {c.name for _, c in right}
            if shared:
                name = self.pick(sorted(shared))
                ctx.rels.append(rel)
                return f" JOIN {frm} USING ({name})"
        ctx.rels.append(rel)
        if not left or not right:
            return f" CROSS JOIN {frm}"
        la, lc = self.pick(left)
        ra, rc = self.pick(right)
        on = f"{self.ref(la, lc)} = {self.ref(ra, rc)}"
        if d > 0 and self.chance(0.25):
            c, _ = self.cond(ctx, d - 1)
            on = f"{on} AND {c}"
        return f" {'LEFT JOIN' if kind == 'left' else 'JOIN'} {frm} ON {on}"

    def select(self, ctx: Ctx, d: int, *, top: bool = False) -> tuple[str, list[Col]]:
        frm, rel = self.from_item(ctx, d)
        ctx = Ctx(rels=[rel], outer=ctx.outer, ctes=ctx.ctes)
        joins = ""
        for _ in range(self.int_(0, 2 if d > 0 else 1)):
            joins += self.join(ctx, d - 1)
        grouped = self.chance(0.2)
        items: list[str] = []
        outs: list[Col] = []
        group = ""
        having = ""
        if grouped:
            keys = []
            for _ in range(self.int_(1, 2)):
                e, p = self.no_window(self.any_expr, ctx, 0, safe=0.85)
                keys.append(e)
                n = self.fresh("g")
                items.append(f"{e} AS {n}")
                outs.append(Col(n, "text" if "'" in e else "any", p))
            group = " GROUP BY " + self.pick(
                [", ".join(keys), ", ".join(str(i + 1) for i in range(len(keys)))]
            )
            for _ in range(self.int_(1, 2)):
                e, p = self.no_window(
                    self.text if self.chance(0.5) else self.integer, ctx, 1, agg=True
                )
                if not e.startswith(
                    ("COUNT(", "SUM(", "MIN(", "MAX(", "STRING_AGG(", "ANY_VALUE(", "FIRST(")
                ):
                    e = f"MAX({e})"
                n = self.fresh("v")
                items.append(f"{e} AS {n}")
                outs.append(Col(n, "any", p))
            if self.chance(0.3):
                e, _ = self.no_window(self.integer, ctx, 1, safe=0.9, agg=True)
                if not e.startswith(("COUNT(", "SUM(")):
                    e = "COUNT(*)"
                if d > 0 and self.chance(0.5):
                    sub, _ = self.scalar_subquery(Ctx(ctes=ctx.ctes), d - 1, "int")
                    having = f" HAVING {e} >= {sub}"
                else:
                    having = f" HAVING {e} > {self.int_(0, 2)}"
        elif top and self.chance(0.12):
            items.append("*")
            outs = [c for r in ctx.rels for c in r.cols]
        else:
            if top and self.chance(0.08):
                r = self.pick(ctx.rels)
                items.append(f"{r.alias}.*")
                outs.extend(r.cols)
            for _ in range(self.int_(1, 4)):
                kind = self.pick(["text", "text", "int", "any"])
                e, p = {"text": self.text, "int": self.integer, "any": self.any_expr}[kind](
                    ctx, min(d + 1, 3), safe=0.2
                )
                n = self.fresh("o")
                if top and self.chance(0.2):
                    n = self.pick(['"Full Name"', '"SSN"', "CityX", '"ö col"', '"a""b"'])
                    n = n if n not in [c.name for c in outs] else self.fresh("o")
                items.append(f"{e} AS {n}")
                outs.append(Col(n, kind if kind != "any" else "any", p))
        distinct = "DISTINCT " if not grouped and self.chance(0.1) else ""
        where = ""
        if self.chance(0.45):
            c, _ = self.cond(ctx, d)
            where = f" WHERE {c}"
        order = ""
        if self.chance(0.25) and not distinct:
            if grouped or items == ["*"]:
                order = " ORDER BY 1"
            else:
                how = self.pick(["expr", "alias", "pos", "sub"])
                if how == "expr":
                    e, _ = self.any_expr(ctx, 0, safe=0.85)
                    order = f" ORDER BY {e}" if not e.startswith("'") else " ORDER BY 1"
                elif how == "alias":
                    order = f" ORDER BY {self.pick([o for o in outs if not o.prot] or outs).name}"
                elif how == "sub" and d > 0:
                    sub, _ = self.scalar_subquery(ctx, d - 1, "int")
                    order = f" ORDER BY {sub}"
                else:
                    order = " ORDER BY 1"
        limit = f" LIMIT {self.int_(1, 10)}" if self.chance(0.15) else ""
        sql = (
            f"SELECT {distinct}{', '.join(items)} FROM {frm}{joins}{where}{group}{having}"
            f"{order}{limit}"
        )
        return sql, outs

    def query(self) -> str:
        ctx = Ctx()
        with_ = ""
        if self.chance(0.3):
            parts = []
            for _ in range(self.int_(1, 2)):
                sql, cols = self.select(Ctx(ctes=dict(ctx.ctes)), 1)
                name = self.fresh("w")
                if self.chance(0.2):
                    names = [self.fresh("k") for _ in cols]
                    cols = [replace(c, name=n) for c, n in zip(cols, names, strict=True)]
                    parts.append(f"{name}({', '.join(names)}) AS ({sql})")
                else:
                    parts.append(f"{name} AS ({sql})")
                ctx.ctes[name] = cols
            with_ = "WITH " + ", ".join(parts) + " "
        depth = self.int_(0, 2)
        if self.chance(0.15):
            a, ca = self.select(Ctx(ctes=ctx.ctes), depth)
            b, cb = self.select(Ctx(ctes=ctx.ctes), depth)
            n = min(len(ca), len(cb))
            op = self.pick(["UNION", "UNION ALL", "INTERSECT", "EXCEPT", "EXCEPT ALL"])
            la = ", ".join(f"CAST(u1.{c.name} AS VARCHAR) AS m{i}" for i, c in enumerate(ca[:n]))
            lb = ", ".join(f"CAST(u2.{c.name} AS VARCHAR) AS m{i}" for i, c in enumerate(cb[:n]))
            return f"{with_}SELECT {la} FROM ({a}) AS u1 {op} SELECT {lb} FROM ({b}) AS u2"
        sql, _ = self.select(ctx, depth, top=True)
        return with_ + sql


# --- the run -------------------------------------------------------------------------------
DECISION = functools.cache(restricted_decision)
STATS: Counter[str] = Counter()
REASONS: Counter[str] = Counter()
ERRORS: Counter[str] = Counter()


def refusal_reason(msg: str) -> str:
    first = msg.splitlines()[0]
    m = re.search(r"is used in (.+?)(?: \(subquery\))?(?: at line|;)", first)
    if m:
        return f"withheld column used in {m.group(1)}"
    for key in (
        "whole-row",
        "not on the allowlist",
        "cannot be traced",
        "is ambiguous",
        "is not a column",
        "star-like",
        "cannot be analysed",
        "unknown table",
        "table function",
        "another schema",
        "CTE",
        "not in the field map",
        "sensitive_table",
        "different number of columns",
        "could not be masked",
    ):
        if key in first:
            if key == "not on the allowlist":
                fn = re.search(r"function (\S+)\(\)", first)
                return f"function not on the allowlist: {fn.group(1) if fn else '?'}"
            return key
    return re.sub(r"\d+", "N", first)[:70]


def _summary(terminalreporter) -> None:
    if not STATS:
        return
    tr = terminalreporter
    tr.section("adversarial SQL (tests/test_sql_fuzz.py)")
    tr.write_line(
        f"generated {STATS['generated']}, executed {STATS['executed']}, refused "
        f"{STATS['refused']}, engine errors {STATS['engine_error']}, parse errors "
        f"{STATS['parse_error']}; leaks after rewrite: {STATS['leaked']}; unrewritten form "
        f"leaks a canary in {STATS['would_leak']} of {STATS['raw_checked']} executed queries "
        f"checked; {STATS['seconds']:.1f} s"
    )
    tr.write_line(
        f"raw-text slots in {STATS['raw']} queries; hostile payloads in {STATS['payload']}: "
        f"refused {STATS['payload_refused']}, engine errors {STATS['payload_engine_error']}, "
        f"executed without a leak {STATS['payload_executed']}"
    )
    for reason, n in REASONS.most_common():
        tr.write_line(f"  refused {n:6d}  {reason}")
    for reason, n in ERRORS.most_common(8):
        tr.write_line(f"  engine  {n:6d}  {reason}")


class _SummaryPlugin:
    def pytest_terminal_summary(self, terminalreporter) -> None:
        _summary(terminalreporter)


@st.composite
def queries(draw, withheld: frozenset[str]) -> tuple[str, frozenset[str]]:
    gen = Gen(draw, set(withheld))
    sql = gen.query()
    return sql, frozenset(gen.tags)


def _one_statement(sql: str) -> None:
    statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    assert len(statements) == 1, f"the generated SQL holds {len(statements)} statements: {sql}"


def _run_one(query: tuple[str, frozenset[str]], fm, can: Canaries, con, catalog) -> None:
    sql, tags = query
    STATS["generated"] += 1
    for tag in tags:
        STATS[tag] += 1
    outcome = "payload_" if "payload" in tags else None
    try:
        result = rewrite_query(sql, fm, DECISION(), dialect="duckdb", catalog=catalog)
    except RefusedError as e:
        STATS["refused"] += 1
        if outcome:
            STATS[outcome + "refused"] += 1
        REASONS[refusal_reason(str(e))] += 1
        assert not can.found([str(e)]), str(e)
        return
    except BadInputError as e:
        STATS["parse_error"] += 1
        if outcome:
            STATS[outcome + "refused"] += 1
        ERRORS["parse: " + str(e).splitlines()[0][:60]] += 1
        return
    try:
        rows = con.execute(result.sql).fetchall()
    except duckdb.Error as e:
        STATS["engine_error"] += 1
        if outcome:
            STATS[outcome + "engine_error"] += 1
        ERRORS[re.sub(r"\d+|\"[^\"]*\"", "N", f"{type(e).__name__}: {str(e)[:60]}")] += 1
        _one_statement(result.sql)
        return
    STATS["executed"] += 1
    if outcome:
        STATS[outcome + "executed"] += 1
    hits = can.found([v for r in rows for v in r])
    if STATS["executed"] % 2:  # every other query: would it have leaked without the rewrite?
        STATS["raw_checked"] += 1
        try:
            raw = con.execute(sql).fetchall()
            if can.found([v for r in raw for v in r]):
                STATS["would_leak"] += 1
        except duckdb.Error:
            pass
    if hits:
        STATS["leaked"] += 1
    assert not hits, f"LEAK {sorted(set(hits))[:5]}\nquery: {sql}\nrewritten: {result.sql}"
    _one_statement(result.sql)


def _fuzz_worker(job: tuple[int, int, int]) -> dict:
    """Run ``n`` generated queries (in a worker process); return the counts and any failure."""
    worker, n, seed_ = job
    fm, can, con, catalog, withheld = _env()
    for c in (STATS, REASONS, ERRORS):
        c.clear()
    failure = None
    start = time.perf_counter()

    @seed(seed_ * 1000 + worker)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(query=queries(frozenset(withheld)))
    def run(query: tuple[str, frozenset[str]]) -> None:
        _run_one(query, fm, can, con, catalog)

    try:
        run()
    except Exception as e:  # hypothesis re-raises the shrunk failure
        failure = f"{type(e).__name__}: {e}"
        for sub in getattr(e, "exceptions", ()):  # an ExceptionGroup: every distinct failure
            failure += f"\n{type(sub).__name__}: {sub}"
    finally:
        con.close()
    return {
        "stats": dict(STATS),
        "reasons": dict(REASONS),
        "errors": dict(ERRORS),
        "failure": failure,
        "seconds": time.perf_counter() - start,
    }


def _env():
    fm = parse_field_map(FUZZ_MAP, source="fuzz.yaml")
    can = Canaries(fm)
    con, catalog = build_db(can)
    withheld = {f"people.{normalize_name(n)}" for n in can.k}
    return fm, can, con, catalog, withheld


@pytest.fixture(scope="module")
def summary(request: pytest.FixtureRequest) -> None:
    pm = request.config.pluginmanager
    if not pm.has_plugin("redactor-sql-fuzz-summary"):
        pm.register(_SummaryPlugin(), "redactor-sql-fuzz-summary")


def test_generated_queries_never_leak(summary) -> None:
    for c in (STATS, REASONS, ERRORS):
        c.clear()
    start = time.perf_counter()
    per = -(-N_QUERIES // WORKERS)
    jobs = [(w, per, SEED) for w in range(WORKERS)]
    if WORKERS == 1:
        results = [_fuzz_worker(jobs[0])]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(WORKERS, mp_context=ctx) as pool:
            results = list(pool.map(_fuzz_worker, jobs))
    for c in (STATS, REASONS, ERRORS):
        c.clear()
    for r in results:
        STATS.update(r["stats"])
        REASONS.update(r["reasons"])
        ERRORS.update(r["errors"])
    STATS["seconds"] = round(time.perf_counter() - start, 1)
    failures = [r["failure"] for r in results if r["failure"]]
    assert not failures, failures[0]
    g = STATS["generated"]
    assert g >= N_QUERIES, dict(STATS)
    # The generator must exercise the rewrite, not the refusal path: most queries run, and a
    # good share of them would disclose a canary if they were not rewritten.
    assert STATS["executed"] >= 0.4 * g, dict(STATS)
    assert STATS["would_leak"] >= 0.1 * STATS["raw_checked"], dict(STATS)
    assert STATS["engine_error"] + STATS["parse_error"] <= 0.2 * g, (dict(STATS), ERRORS)
    # Raw-text slots are exercised, and some of them hold a hostile payload.
    assert STATS["raw"] >= 0.1 * g and STATS["payload"] >= 0.01 * g, dict(STATS)


@pytest.fixture(scope="module")
def fuzz_env():
    fm, can, con, catalog, withheld = _env()
    yield fm, can, con, catalog, withheld
    con.close()


def test_leak_check_can_fail(fuzz_env) -> None:
    """The leak predicate finds each kind of canary, and passes what the masks allow."""
    _, can, con, _, _ = fuzz_env
    raw = con.execute(
        'SELECT ssn, dl_number, "Home Phone", birth_date, profile, meta, tags, '
        "secret_col FROM people"
    ).fetchall()
    for row in raw:
        for v in row:
            assert can.found([v]), v
            assert can.found([str(v)[::-1].lower()]), v
    dl = can.rows[0]["dl_number"]
    phone = can.rows[0]["Home Phone"]
    assert not can.found(["*" * 8 + dl[-4:], "*" * 8 + phone[-2:], "1951", "[REDACTED]"])
    assert can.found([dl[-5:]]) and can.found([phone[-3:]])
    assert can.found([can.rows[0]["ssn"][2:6]])  # four characters of a dropped value
