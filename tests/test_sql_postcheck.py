"""The Arrow check after the query (issue 13, part 3): if the SQL that ran is not the SQL that was
checked, a released output column holding protected values stops the export (exit 4), nothing
is written, the request is logged as failed, and no value reaches the message or the log.

The attack is simulated on the real engines: the export checks and rewrites the user's query as
usual, but the SQL handed to the database is replaced by one that reads raw protected columns
into a position the analysis released. Without the check those values are exported (shown
below), with it the export stops.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import redactor.sql.job as job
from redactor.categories import Category
from redactor.cli import cli
from redactor.errors import DataError, RedactorError
from redactor.fieldmap import load_field_map
from redactor.io.formats import Format
from redactor.requestlog import open_log
from redactor.sql import postcheck
from redactor.sql.postcheck import Postcheck, _Watch, normalise
from tests.support.pgcluster import pg_cluster, pg_url  # noqa: F401 - pytest fixtures
from tests.test_sql_canary import (
    canaries,
    canary_map,
    duckdb_db,
    leaked,
    postgres_db,
    restricted_decision,
    seed,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DB = ROOT / "sample_data" / "agency.sqlite"
DMV_MAP = ROOT / "field_maps" / "dmv.yaml"
ENGINES = ("duckdb", "sqlite", "postgres")

# Raw protected columns read into the released `city` position of `SELECT id, city FROM people`.
LEAKS = {
    "last_name": "name",
    "ssn": "ssn",
    "birth_date": "birth_date",
    "first_name || ' ' || last_name": "name",
    "immigration_status": "immigration_status",
    "secret_col": "unmapped",
    "notes": "free_text",
}


def sqlite_db(path: Path) -> str:
    con = sqlite3.connect(path)
    cur = con.cursor()
    seed(cur.execute, cur.executemany, "?")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


@pytest.fixture(params=ENGINES)
def canary_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return duckdb_db(tmp_path / "canary.duckdb")
    if request.param == "sqlite":
        return sqlite_db(tmp_path / "canary.sqlite")
    return postgres_db(request.getfixturevalue("pg_url"))


def _export(
    url: str,
    sql: str,
    out: Path,
    log_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    executed: str | None = None,
    field_map=None,
):
    """export_query with the query's SQL replaced by ``executed`` at the database (the
    attack: what runs is not what was checked). The postcheck's own sample query is left alone."""
    if executed is not None:
        real = job.iter_query_batches
        monkeypatch.setattr(job, "iter_query_batches", lambda u, _sql, n: real(u, executed, n))
    with open_log(log_path) as log:
        return job.export_query(
            url,
            sql,
            field_map or canary_map(),
            restricted_decision(),
            output=str(out),
            output_format=Format.CSV,
            log=log,
            batch_rows=2,
        )


def _log_text(log_path: Path) -> str:
    """Every byte the request log holds (database and journal files), as text."""
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in log_path.parent.glob(log_path.name + "*")
    )


def _outcomes(log_path: Path) -> list[str]:
    with open_log(log_path, create=False) as lg:
        return [v.outcome for v in lg.requests()]


@pytest.mark.parametrize("leak", list(LEAKS))
def test_a_released_column_holding_protected_values_stops_the_export(
    canary_url: str, leak: str, tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(DataError) as e:
        _export(
            canary_url,
            "SELECT id, city FROM people",
            out,
            log_path,
            monkeypatch,
            executed=f"SELECT id, {leak} AS city FROM people ORDER BY id",
        )
    msg = str(e.value)
    assert e.value.exit_code == 4
    assert "output column 2 ('city')" in msg and f"({LEAKS[leak]})" in msg
    assert not out.exists() and not Path(f"{out}.manifest.json").exists()
    assert not list(tmp_path.glob("out.csv*"))  # no temporary file left either
    assert _outcomes(log_path) == ["failed"]
    assert not leaked([msg, _log_text(log_path)], canaries())
    assert "output column 2" in _log_text(log_path)


def test_without_the_check_the_attack_exports_raw_values(
    tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulation is a real attack: with the check switched off, canaries come out."""
    url = duckdb_db(tmp_path / "canary.duckdb")
    monkeypatch.setattr(postcheck, "prepare", lambda *a, **k: None)
    out = tmp_path / "out.csv"
    _export(
        url,
        "SELECT id, city FROM people",
        out,
        log_path,
        monkeypatch,
        executed="SELECT id, last_name AS city FROM people",
    )
    assert leaked([out.read_text()], canaries())


def test_the_cli_exits_4_without_the_value(
    tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = duckdb_db(tmp_path / "canary.duckdb")
    real = job.iter_query_batches
    monkeypatch.setattr(
        job, "iter_query_batches", lambda u, _s, n: real(u, "SELECT id, ssn AS city FROM people", n)
    )
    fm = tmp_path / "canary.yaml"
    import yaml

    from tests.test_sql_canary import CANARY_MAP

    fm.write_text(yaml.safe_dump(CANARY_MAP))
    out = tmp_path / "o.parquet"
    r = CliRunner().invoke(
        cli,
        [
            "export",
            "--db",
            url,
            "SELECT id, city FROM people",
            "--map",
            str(fm),
            "--purpose",
            "civil_immigration_enforcement",
            "--agency",
            "ICE",
            "--policy",
            "colorado-sb21-131",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert r.exit_code == 4, r.output
    assert "holds values of a protected category (ssn)" in r.output
    assert not out.exists() and not leaked([r.output], canaries())


NORMAL_QUERIES = [
    "SELECT * FROM people",
    "SELECT id, city, dept_id FROM people ORDER BY id",
    "SELECT p.id, p.city, d.dname, o.amount FROM people p JOIN depts d ON d.id = p.dept_id "
    "JOIN orders o ON o.person_id = p.id",
    "SELECT city, COUNT(*) AS n FROM people GROUP BY city",
    "SELECT o.id, o.person_id, o.amount FROM orders o",
]


@pytest.mark.parametrize("sql", NORMAL_QUERIES)
def test_restricted_exports_of_released_columns_pass(
    canary_url: str, sql: str, tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    r = _export(canary_url, sql, out, log_path, monkeypatch)
    assert r.outcome.rows_out > 0 and out.exists()
    assert not leaked([out.read_text()], canaries())


needs_sample = pytest.mark.skipif(
    not SAMPLE_DB.exists() or not DMV_MAP.exists(),
    reason="sample_data/agency.sqlite or field_maps/dmv.yaml missing",
)


@needs_sample
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM drivers",
        "SELECT record_id, ISSUE_DT, EXPR_DT, county_cd, PLATE_NO, veh_count FROM drivers",
        "SELECT ISSUE_DT, COUNT(*) AS n FROM drivers GROUP BY ISSUE_DT ORDER BY ISSUE_DT DESC",
    ],
)
def test_sample_database_released_columns_pass(
    sql: str, tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue and expiry dates are dates but not birth dates; plates, counties and ids are
    released: no false positive on the sample data, in batches of 2 rows."""
    out = tmp_path / "out.csv"
    r = _export(
        f"sqlite:///{SAMPLE_DB}", sql, out, log_path, monkeypatch, field_map=load_field_map(DMV_MAP)
    )
    assert r.outcome.rows_out > 100


@needs_sample
@pytest.mark.parametrize(
    "leak",
    [
        "lname",
        "FRST_NM || ' ' || lname",
        "SOC_SEC_NO",
        "BIRTH_DT",
        "RES_ADDR_LN1",
        "DL_NBR",
        "email_addr",
        "SRC_DOC_TYP",
    ],
)
def test_sample_database_attack_is_stopped(
    leak: str, tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(DataError, match=r"output column 2 \('PLATE_NO'\)"):
        _export(
            f"sqlite:///{SAMPLE_DB}",
            "SELECT record_id, PLATE_NO FROM drivers",
            out,
            log_path,
            monkeypatch,
            field_map=load_field_map(DMV_MAP),
            executed=f"SELECT record_id, {leak} AS PLATE_NO FROM drivers ORDER BY record_id DESC",
        )
    assert not out.exists() and _outcomes(log_path) == ["failed"]


# --- The rules, on batches built here --------------------------------------------------------
def _check(
    protected: list[str] = (), names: list[str] = (), allowed: frozenset = frozenset()
) -> Postcheck:
    c = Postcheck([_Watch(0, "'c'", allowed)], b"k" * 32, {})
    c.protected = {c._digest(normalise(v)): "name" for v in protected}
    c.name_words = frozenset(c._digest(w.casefold()) for w in names)
    return c


def _batch(values: list, type_: pa.DataType | None = None) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array(values, type_)], names=["c"])


@pytest.mark.parametrize(
    "value,category",
    [
        ("123-45-6789", "ssn"),
        ("SSN 123 45 6789 on file", "ssn"),
        ("912-70-1234", "itin"),
        ("A123456789", "immigration_status"),
        ("A-123-456-789", "immigration_status"),
    ],
)
def test_one_protected_shape_trips(value: str, category: str) -> None:
    filler = [f"row {i}" for i in range(200)]  # at most 256 rows: every cell is sampled
    with pytest.raises(DataError, match=rf"\({category}\)") as e:
        _check().check(_batch([*filler[:100], value, *filler[100:]]))
    big = [*filler, *filler, *filler]  # 601 rows: cells 0, 2, 4, 7 … are sampled
    with pytest.raises(DataError):
        _check().check(_batch([value, *big]))
    assert value not in str(e.value)
    with pytest.raises(DataError):  # nested values are searched too (cell by cell)
        _check().check(_batch([[value], None], pa.list_(pa.string())))


def test_shapes_allowed_by_lineage_and_lookalikes_pass() -> None:
    _check(allowed=frozenset({Category.SSN})).check(_batch(["123-45-6789"]))
    _check(allowed=frozenset({Category.FREE_TEXT})).check(_batch(["A123456789 123-45-6789"]))
    # phones, dates, 9-digit ids, ZIP+4, plates: not shaped like an SSN, ITIN or A-number
    _check().check(
        _batch(
            [
                "303-555-0164",
                "2024-01-15",
                "123456789",
                "80113-1234",
                "297-XAM",
                "000-12-3456",
                "666-12-3456",
                "Apt 12345678",
            ]
        )
    )


def test_exact_values_need_two_hits_or_a_whole_result() -> None:
    released = [f"City{i}" for i in range(200)]
    _check(["Lincoln"]).check(_batch(["Lincoln", *released]))  # one coincidence in 201
    with pytest.raises(DataError, match=r"output column 1 \('c'\).*\(name\)"):
        _check(["Lincoln"]).check(_batch(["Lincoln", *released[:50], "lincoln ", *released]))
    with pytest.raises(DataError):
        _check(["Lincoln"]).check(_batch(["LINCOLN"]))  # a one-row result
    c = _check(["Lincoln"])  # hits add up over batches
    c.check(_batch(["Lincoln", *released]))
    with pytest.raises(DataError):
        c.check(_batch([*released, "Lincoln"]))


def test_two_name_words_make_a_name() -> None:
    rows = [f"Office {i}" for i in range(50)]
    with pytest.raises(DataError, match=r"\(name\)"):
        _check(names=["Shelley", "Kelley"]).check(
            _batch([*rows, "SHELLEY KELLEY", "Kelley, Shelley"])
        )
    _check(names=["Shelley", "Kelley"]).check(_batch([*rows, "Kelley Office", "Kelley Office"]))


def test_dates_trip_only_when_most_sampled_dates_are_birth_dates() -> None:
    births = [dt.date(1960, 1, 1) + dt.timedelta(days=7 * i) for i in range(200)]
    issued = [dt.date(2015, 1, 1) + dt.timedelta(days=i) for i in range(200)]
    c = _check([d.isoformat() for d in births])
    c.check(_batch([*issued[:190], *births[:10]]))  # 5 % coincide: a released date column
    with pytest.raises(DataError, match=r"\(name\)|\(birth_date\)"):
        _check([d.isoformat() for d in births]).check(_batch([*births[:150], *issued[:50]]))
    with pytest.raises(DataError):  # as text in another format
        _check([d.isoformat() for d in births]).check(
            _batch([d.strftime("%m/%d/%Y") for d in births[:20]])
        )


def test_normalise() -> None:
    assert normalise("  Denver \t CO ") == "denver co"
    assert normalise("123-45-6789") == normalise("123456789") == normalise(123456789)
    assert normalise("02/25/1964") == normalise("1964-02-25") == normalise(dt.date(1964, 2, 25))
    assert normalise(dt.datetime(1964, 2, 25)) == "1964-02-25"
    assert normalise("1964-02-25 00:00:00") == "1964-02-25"
    assert [normalise(v) for v in ("abc", 80113, "80113", 12.0, None, True)] == [None] * 6


def test_the_released_sample_removes_coincidences(
    tmp_path: Path, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A released city that is also a last name in the same data does not trip the check."""
    import duckdb

    path = tmp_path / "c.duckdb"
    url = duckdb_db(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE people SET last_name = 'Lincoln' WHERE id = 1")
    con.execute("UPDATE people SET city = 'Lincoln'")
    con.close()
    check = postcheck.prepare(
        url,
        job.rewrite_query(
            "SELECT id, city FROM people",
            canary_map(),
            restricted_decision(),
            dialect="duckdb",
            catalog=job.catalog_schema(url),
        ),
        canary_map(),
        restricted_decision(),
        job.catalog_schema(url),
    )
    assert check is not None and check._digest("lincoln") not in check.protected
    assert check._digest("cnrylast2q") in check.protected
    out = tmp_path / "out.csv"
    _export(url, "SELECT id, city FROM people", out, log_path, monkeypatch)
    assert out.read_text().count("Lincoln") == 6


@pytest.mark.postgres
def test_a_table_the_reader_may_not_read_is_not_sampled(
    pg_url: str,  # noqa: F811
    tmp_path: Path,
    log_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A least-privilege role granted only the tables it exports: the sample skips the others
    (no query of this role can read them either) instead of failing the export."""
    import psycopg

    url = postgres_db(pg_url)
    role = psycopg.conninfo.conninfo_to_dict(job.parse_url(url).conninfo or "").get("user")
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'REVOKE SELECT ON people FROM "{role}"')
    out = tmp_path / "out.csv"
    r = _export(url, "SELECT o.id, o.amount FROM orders o", out, log_path, monkeypatch)
    assert r.outcome.rows_out == 6
    with pytest.raises(DataError):  # a table the query reads must be sampled
        _export(url, "SELECT id, city FROM people", tmp_path / "o2.csv", log_path, monkeypatch)


# --- the sample cache ---------------------------------------------------------------------------
def _prepared(url: str, cache: postcheck.SampleCache, *, decision=None, field_map=None):
    from redactor.sql.export import catalog_schema
    from redactor.sql.rewrite import rewrite_query

    fm = field_map or canary_map()
    dec = decision or restricted_decision()
    catalog = catalog_schema(url)
    result = rewrite_query(
        "SELECT id, city FROM people", fm, dec, dialect="sqlite", catalog=catalog
    )
    return postcheck.prepare(url, result, fm, dec, catalog, cache=cache)


def _leak_batch(value: str) -> pa.RecordBatch:
    return pa.record_batch({"id": [1, 2], "city": [value, value]})


def test_a_cached_sample_is_reused_only_under_the_same_decision_map_and_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from redactor.categories import Action

    url = sqlite_db(tmp_path / "c.sqlite")
    cache = postcheck.SampleCache(ttl=30)
    fresh = _prepared(url, cache)
    tables = cache.misses
    assert fresh is not None and tables >= 1
    cached = _prepared(url, cache)
    assert cache.misses == tables  # same decision, map and database: reused
    assert cached is not None and cached.key == fresh.key
    assert cached.protected == fresh.protected and cached.name_words == fresh.name_words

    # another decision (one category's action differs) or another map never reuses it
    dec = restricted_decision()
    cat, cd = next((c, d) for c, d in dec.categories.items() if d.action is not Action.RELEASE)
    changed = Action.REDACT if cd.action is Action.NULL else Action.NULL
    other = dataclasses.replace(
        dec, categories={**dec.categories, cat: dataclasses.replace(cd, action=changed)}
    )
    _prepared(url, cache, decision=other)
    assert cache.misses == 2 * tables
    _prepared(url, cache, field_map=dataclasses.replace(canary_map(), sha256="another map"))
    assert cache.misses == 3 * tables

    # the database's content changed: a new protected value is in the next sample
    canary = "Quixotevandersloot"
    con = sqlite3.connect(tmp_path / "c.sqlite")
    con.execute("UPDATE people SET last_name = ? WHERE id = 1", (canary,))
    con.commit()
    con.close()
    check = _prepared(url, cache)
    assert cache.misses == 4 * tables
    with pytest.raises(DataError):
        check.check(_leak_batch(canary))

    # and a sample older than the TTL is read again
    now = postcheck.time.monotonic()
    monkeypatch.setattr(postcheck.time, "monotonic", lambda: now + 31)
    _prepared(url, cache)
    assert cache.misses == 5 * tables


def test_a_cached_sample_stops_a_leak_as_a_fresh_one_does(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "c.sqlite")
    cache = postcheck.SampleCache(ttl=30)
    _prepared(url, cache)
    check = _prepared(url, cache)  # from the cache
    assert check is not None
    for value in canaries():
        if isinstance(value, str) and normalise(value) is not None:
            with pytest.raises(DataError):
                check.check(_leak_batch(value))
            break
    else:
        pytest.fail("no text canary")


def test_one_connection_serves_the_catalog_the_sample_and_the_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything an export reads goes through one read-only connection."""
    import redactor.sql.export as export
    from redactor.sql.rewrite import rewrite_query

    opened: list[object] = []
    real = export._sqlite
    monkeypatch.setattr(export, "_sqlite", lambda *a: opened.append(a) or real(*a))
    url = sqlite_db(tmp_path / "c.sqlite")
    fm, dec = canary_map(), restricted_decision()
    with export.connect(url) as con:
        catalog = export.catalog_schema(con)
        result = rewrite_query(
            "SELECT id, city FROM people", fm, dec, dialect="sqlite", catalog=catalog
        )
        check = postcheck.prepare(con, result, fm, dec, catalog, cache=postcheck.SampleCache())
        _, batches = export.iter_query_batches(con, result.sql, 2)
        rows = sum(b.num_rows for b in check.checked(batches))
        with sqlite3.connect(tmp_path / "c.sqlite") as raw:
            assert rows == raw.execute("SELECT count(*) FROM people").fetchone()[0]
        # still read-only: a write on the shared connection is refused
        with pytest.raises(RedactorError):
            _, b = export.iter_query_batches(con, "DELETE FROM people")
            list(b)
    assert len(opened) == 1 and con.connects == 1


@pytest.mark.parametrize(
    "arrow_type",
    [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint64()],
)
def test_integer_cells_are_counted_exactly_as_normalise_counts_them(arrow_type) -> None:
    """The integer fast path looks only at the cells normalise() keeps: same counts."""
    info = [-(2**62), -1000, -101, -100, -99, -1, 0, 1, 99, 100, 999, 1000, 123456, 999999]
    info += [1_000_000, 1234567, 99_999_999, 2**62, None]
    lo = -(2 ** (arrow_type.bit_width - 1)) if pa.types.is_signed_integer(arrow_type) else 0
    hi = 2 ** (arrow_type.bit_width - (1 if pa.types.is_signed_integer(arrow_type) else 0)) - 1
    cells = [v for v in info if v is None or lo <= v <= hi]
    many = cells * (
        postcheck.FEW_CELLS // len(cells) + 1
    )  # past FEW_CELLS: the Arrow path (at most 256 rows: every cell sampled)
    assert postcheck.FEW_CELLS < len(many) <= postcheck.CELLS_PER_BATCH
    for batch in (cells, many):
        w = _Watch(0, "'n'", frozenset())
        check = Postcheck([w], b"k" * 32, {})
        check.check(pa.record_batch({"n": pa.array(batch, arrow_type)}))
        assert w.sampled == sum(normalise(v) is not None for v in batch)


def _verdict(check: Postcheck, batch: pa.RecordBatch) -> tuple[str | None, int, int]:
    try:
        check.check(batch)
    except DataError as e:
        return str(e), check.watches[0].sampled, check.watches[0].hits
    return None, check.watches[0].sampled, check.watches[0].hits


_SHAPED = st.one_of(
    st.text(alphabet="0123456789-. A9\n\té_x", max_size=18),
    st.from_regex(r"[0-9]{3}[-. ][0-9]{2}[-. ][0-9]{4}"),
    st.from_regex(r"A-?[0-9]{3}-?[0-9]{3}-?[0-9]{3}"),
    st.from_regex(postcheck._SHAPES[1][2]),
    st.sampled_from(["Lincoln", "lincoln  ", "Shelley Kelley"]),
)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.one_of(st.none(), _SHAPED), min_size=1, max_size=postcheck.FEW_CELLS),
    allowed=st.sampled_from(
        [frozenset(), frozenset({Category.SSN}), frozenset({Category.FREE_TEXT})]
    ),
)
def test_a_few_rows_get_the_verdict_the_arrow_path_gives(cells, allowed) -> None:
    """A batch of up to FEW_CELLS rows is checked in Python (Python's ``re`` for the shapes);
    the same cells through the vectorised path (RE2) give the same verdict, message and counts."""
    batch = _batch(cells, pa.string())
    few = _verdict(_check(["Lincoln"], ["Shelley", "Kelley"], allowed), batch)
    with mock.patch.object(postcheck, "FEW_CELLS", 0):
        arrow = _verdict(_check(["Lincoln"], ["Shelley", "Kelley"], allowed), batch)
    assert few == arrow
