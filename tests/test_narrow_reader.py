"""Issue 18: the narrow reader (redactor/io/readers/narrow.py) gives what the reference reader
gives, or hands over to it.

After the first block, a plain CSV/TSV file is read by DuckDB converting only the kept columns,
a Parquet file by pyarrow asked for those columns only. Nothing about the result may depend on
which reader ran: the same output bytes, the same input SHA-256 in the manifest, the same exit
code and located message for a malformed file, and the later-rows check still sees every batch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redactor.cli import cli
from redactor.errors import DataError
from redactor.io.formats import Format
from redactor.io.readers import open_source
from redactor.io.readers.narrow import _valid_utf8, narrow, narrowable

CIVIL = ["--purpose", "civil_immigration_enforcement", "--agency", "ICE"]
SSN = "219-09-9999"  # canary: never in an output under a restricted decision


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def small_blocks(monkeypatch):
    """1 MiB blocks, so a file of a few MiB has a first block and a rest."""
    monkeypatch.setenv("REDACTOR_MAX_ROW_MB", "1")


def dmv_rows(n: int, *, tweak=None) -> str:
    """A DMV export: ``ssn`` and ``last_name`` are withheld by the map, the rest released
    (``ref_code`` is left to detection)."""
    lines = ["record_id,ssn,last_name,county_cd,ref_code,note"]
    for i in range(n):
        row = [
            str(i),
            f"{100 + i % 600:03d}-{10 + i % 80:02d}-{1000 + i % 8000:04d}",
            f"Name{i % 97}",
            f"{i % 64:03d}",
            f"R-{i % 1000:04d}",
            '"a,quoted""note""\nover two lines"' if i % 7 == 0 else "plain",
        ]
        if tweak is not None:
            row = tweak(i, row)
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


MAP = """\
name: narrow-test
tables:
  drivers:
    columns:
      record_id: {category: none}
      ssn: {category: ssn}
      last_name: {category: name}
      county_cd: {category: none}
      note: {category: none}
"""


@pytest.fixture(autouse=True)
def readers(monkeypatch) -> list:
    """Every narrow reader the runs open (to see whether it handed over)."""
    import redactor.io.readers.narrow as mod

    opened: list = []
    real = mod.narrow

    def spy(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(mod, "narrow", spy)
    return opened


def redact(
    tmp_path: Path,
    src: Path,
    out_name: str,
    *,
    narrow_on: bool,
    monkeypatch,
    fmt=None,
    field_map: str = MAP,
):
    monkeypatch.setenv("REDACTOR_NARROW_READER", "1" if narrow_on else "0")
    mp = tmp_path / "map.yaml"
    mp.write_text(field_map)
    out = tmp_path / out_name
    args = ["redact", str(src), "-o", str(out), "--map", str(mp), "--table", "drivers"]
    args += [*CIVIL, "--log", str(tmp_path / "log.sqlite3"), "-q"]
    if fmt:
        args += ["--format", fmt]
    return run(*args), out


def test_a_plain_file_is_narrowed_only_when_it_has_a_rest(tmp_path, small_blocks):
    big = tmp_path / "big.csv"
    big.write_text(dmv_rows(60_000))
    with open_source(str(big), Format.CSV, schema_only=True) as opened:
        schema = opened.schema
    assert narrowable(str(big), Format.CSV, schema)
    small = tmp_path / "small.csv"
    small.write_text(dmv_rows(100))
    assert not narrowable(str(small), Format.CSV, schema)
    gz = tmp_path / "big.csv.gz"
    gz.write_bytes(big.read_bytes())
    assert not narrowable(str(gz), Format.CSV, schema)
    assert not narrowable("-", Format.CSV, schema)
    assert not narrowable(str(big), Format.JSONL, schema)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet"])
def test_the_output_and_manifest_do_not_depend_on_the_reader(
    tmp_path, small_blocks, monkeypatch, readers, fmt
):
    text = dmv_rows(60_000)
    src = tmp_path / f"in.{fmt}"
    if fmt == "parquet":
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            pa.py_buffer(text.encode()),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
        )
        pq.write_table(table, src, row_group_size=10_000)
    elif fmt == "tsv":
        src.write_text(text.replace(",", "\t"))
    else:
        src.write_text(text)
    got = {}
    for on in (True, False):
        r, out = redact(tmp_path, src, f"out-{on}.{fmt}", narrow_on=on, monkeypatch=monkeypatch)
        assert r.exit_code == 0, r.stderr
        manifest = json.loads(Path(f"{out}.manifest.json").read_text())
        got[on] = (out.read_bytes(), manifest["input"]["sha256"], manifest["output"]["rows"])
    assert got[True] == got[False]
    assert len(readers) == 1 and not readers[0].handed_over  # the narrow reader read the rest
    body = got[True][0]
    assert got[True][2] == 60_000 and SSN.encode() not in body and b"Name1" not in body


def _same_failure(tmp_path, monkeypatch, src: Path):
    r_on, out_on = redact(tmp_path, src, "on.csv", narrow_on=True, monkeypatch=monkeypatch)
    r_off, out_off = redact(tmp_path, src, "off.csv", narrow_on=False, monkeypatch=monkeypatch)
    assert r_on.exit_code == r_off.exit_code
    assert r_on.stderr == r_off.stderr
    assert out_on.exists() == out_off.exists()
    if out_on.exists():
        assert out_on.read_bytes() == out_off.read_bytes()
    return r_on, out_on


LATE = 50_000  # a row well after the first 1 MiB block


@pytest.mark.parametrize(
    ("what", "tweak", "expect"),
    [
        ("ragged", lambda i, r: [*r, "extra"] if i == LATE else r, "fields, the header has"),
        # one field shifted right: the SSN would land in county_cd (a parser that drops empty
        # trailing fields, as DuckDB's does, would release it there)
        (
            "shifted",
            lambda i, r: [r[0], r[2], r[1], *r[3:], ""] if i == LATE else r,
            "fields, the header has",
        ),
        (
            "NUL in a dropped column",
            lambda i, r: [*r[:2], "Na\x00me", *r[3:]] if i == LATE else r,
            "NUL",
        ),
        (
            "unterminated quote",
            lambda i, r: [*r[:5], '"never closed'] if i == LATE else r,
            "quote",
        ),
        (  # 1.5 MiB over eight lines, each under the 1 MiB limit, in a dropped column
            "long row",
            lambda i, r: (
                [*r[:2], '"' + "\n".join(["x" * 196_608] * 8) + '"', *r[3:]] if i == LATE else r
            ),
            "longer than 1 MiB",
        ),
        (
            "junk after a quote",
            lambda i, r: [*r[:3], '"007"x', *r[4:]] if i == LATE else r,
            "closing quote",
        ),
    ],
)
def test_a_malformed_row_late_in_the_file_fails_as_without_the_narrow_reader(
    tmp_path, small_blocks, monkeypatch, what, tweak, expect
):
    src = tmp_path / "in.csv"
    src.write_text(dmv_rows(60_000, tweak=tweak))
    r, out = _same_failure(tmp_path, monkeypatch, src)
    assert r.exit_code == 4 and expect in r.stderr and not out.exists(), (what, r.stderr)
    assert SSN not in r.stderr


def test_bytes_only_the_reference_reader_checks_are_handed_over(
    tmp_path, small_blocks, monkeypatch
):
    """Invalid UTF-8 in a dropped column (the narrow reader does not convert it): exit 4 all
    the same."""
    src = tmp_path / "in.csv"
    data = dmv_rows(60_000).encode()
    at = data.index(b",Name5,", len(data) // 2) + 1
    src.write_bytes(data[:at] + b"Nam\xff" + data[at + 4 :])
    r, _ = _same_failure(tmp_path, monkeypatch, src)
    assert r.exit_code == 4 and "UTF-8" in r.stderr


@pytest.mark.parametrize(
    "tweak",
    [
        lambda i, r: [*r[:3], ' "007"', *r[4:]] if i == LATE else r,  # text, not a quoted field
        lambda i, r: [*r[:-1], r[-1] + "\r"] if i == LATE else r,  # one CRLF among LFs
        lambda i, r: [*r[:-1], ""] if i % 3 else r,  # empty last fields
    ],
    ids=["space before a quote", "mixed line ends", "empty last field"],
)
def test_shapes_other_parsers_read_differently_give_the_same_output(
    tmp_path, small_blocks, monkeypatch, readers, tweak
):
    src = tmp_path / "in.csv"
    src.write_text(dmv_rows(60_000, tweak=tweak))
    r, _out = _same_failure(tmp_path, monkeypatch, src)
    assert r.exit_code == 0, r.stderr
    assert len(readers) == 1 and not readers[0].handed_over


def test_the_later_rows_check_still_sees_the_narrowed_rows(tmp_path, small_blocks, monkeypatch):
    """``ref_code`` is released on the first rows' evidence; SSNs in it later stop the run."""
    src = tmp_path / "in.csv"
    src.write_text(
        dmv_rows(60_000, tweak=lambda i, r: [*r[:4], r[1], *r[5:]] if i >= 40_000 else r)
    )
    r, out = redact(tmp_path, src, "out.csv", narrow_on=True, monkeypatch=monkeypatch)
    assert r.exit_code == 4 and "column 5 was released" in r.stderr, r.stderr
    assert not out.exists() and SSN not in r.stderr


def test_the_byte_checks():
    assert _valid_utf8("plain, é, 漢字, 🙂".encode())
    assert not _valid_utf8(b"abc\xff")
    assert not _valid_utf8("é".encode()[:1])


# Generated files: every field drawn from the characters CSV parsers disagree on.
_FIELD = st.text(alphabet=st.sampled_from(list('ab é,"\n\r\t ')), max_size=6)
# without blanks, a quote never follows a space: most files stay on the narrow reader
_NO_BLANK = st.text(alphabet=st.sampled_from(list('abé,"\n\r')), max_size=6)


def _csv_field(text: str, quoted: bool) -> str:
    return '"' + text.replace('"', '""') + '"' if quoted else text


@st.composite
def csv_files(draw, field=_FIELD, delimiter=","):
    rows = draw(st.lists(st.tuples(*[st.tuples(field, st.booleans())] * 3), min_size=1, max_size=8))
    raw = draw(st.booleans())  # sometimes unquoted fields that need quotes: malformed or not
    lines = [delimiter.join("abc")]
    for row in rows:
        lines.append(delimiter.join(_csv_field(t, q or not raw) for t, q in row))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return (end.join(lines) + end).encode()


def _reference(path: str, fmt: Format) -> list[tuple] | str:
    try:
        with open_source(path, fmt) as src:
            t = pa.Table.from_batches(list(src.batches), schema=src.schema)
    except DataError as e:
        return f"error: {e}"
    return [tuple(r.values()) for r in t.select(["a", "c"]).to_pylist()]


_FILES = st.one_of(
    st.tuples(st.one_of(csv_files(), csv_files(_NO_BLANK)), st.just(Format.CSV)),
    st.tuples(
        st.one_of(csv_files(delimiter="\t"), csv_files(_NO_BLANK, delimiter="\t")),
        st.just(Format.TSV),
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file=_FILES)
def test_generated_files_read_the_same_or_hand_over(tmp_path_factory, file):
    data, fmt = file
    path = tmp_path_factory.mktemp("gen") / f"g.{fmt.value}"
    path.write_bytes(data)
    expected = _reference(str(path), fmt)
    with open_source(str(path), fmt, schema_only=True) as src:
        schema = src.schema

    def reference():
        with open_source(str(path), fmt) as again:
            yield from again.batches

    got = narrow(str(path), fmt, schema, [0, 2], 0, batch_rows=1000, reference=reference)
    try:
        rows = [tuple(r.values()) for b in got.batches for r in b.select([0, 2]).to_pylist()]
    except DataError as e:
        rows = f"error: {e}"
    assert rows == expected


def test_no_kept_column_still_counts_every_row(tmp_path, small_blocks):
    """A plan that keeps nothing is refused before reading; the reader itself still parses and
    counts every row (its batches carry the row count, not the columns)."""
    src = tmp_path / "in.csv"
    src.write_text(dmv_rows(60_000))
    with open_source(str(src), Format.CSV, schema_only=True) as opened:
        schema = opened.schema

    def reference():
        raise AssertionError("no hand-over expected")

    got = narrow(str(src), Format.CSV, schema, [], 100, batch_rows=65_536, reference=reference)
    assert sum(b.num_rows for b in got.batches) == 60_000 - 100 and not got.handed_over


def test_a_bom_crlf_file_with_a_multiline_header_name_reads_the_same(
    tmp_path, small_blocks, monkeypatch, readers
):
    """Where the data starts is found as the reference reader finds it: after the BOM and a
    header whose quoted name spans lines (then refused by the header check in both)."""
    src = tmp_path / "in.csv"
    src.write_bytes(b"\xef\xbb\xbf" + dmv_rows(60_000).replace("\n", "\r\n").encode())
    r, _ = _same_failure(tmp_path, monkeypatch, src)
    assert r.exit_code == 0, r.stderr
    assert len(readers) == 1 and not readers[0].handed_over
    odd = tmp_path / "odd.csv"
    odd.write_text('"record\nid",' + dmv_rows(60_000).split(",", 1)[1])
    r, _ = _same_failure(tmp_path, monkeypatch, odd)
    assert r.exit_code == 4 and "column" in r.stderr.lower()


def test_a_file_whose_notes_are_scrubbed_is_narrowed_with_the_same_output(
    tmp_path, small_blocks, monkeypatch, readers
):
    """With notes to scrub, CSV and Parquet are narrowed too (since the scrub runs over groups
    of batches, the narrow reader's parse no longer takes the cores the scrub needs:
    docs/benchmarks.md, session 9); the output is the reference reader's, byte for byte."""
    src = tmp_path / "big.csv"
    src.write_text(dmv_rows(60_000, tweak=lambda i, row: [*row[:5], f"Met Maria Lopez {i}"]))
    scrub_map = MAP.replace("note: {category: none}", "note: {category: free_text, action: scrub}")
    pq.write_table(pacsv.read_csv(src), tmp_path / "big.parquet")
    for name in ("big.csv", "big.parquet"):
        outputs = {}
        for on in (True, False):
            readers.clear()
            out_name = f"{'on' if on else 'off'}.{name.rsplit('.', 1)[1]}"
            r, out = redact(
                tmp_path, tmp_path / name, out_name, narrow_on=on, monkeypatch=monkeypatch,
                field_map=scrub_map,
            )  # fmt: skip
            assert r.exit_code == 0, r.stderr
            assert len(readers) == (1 if on else 0) and not any(x.handed_over for x in readers)
            outputs[on] = out.read_bytes()
        assert outputs[True] == outputs[False]
        assert b"Lopez" not in outputs[True]


def test_the_reference_reader_stops_reading_once_the_narrow_reader_takes_over(
    tmp_path, small_blocks, monkeypatch, readers
):
    """Arrow's CSV reader reads ahead in a thread of its own, through the reference reader's
    checking streams (in Python): left alone, it read, checked and hashed over a third of a
    1M-row file that the narrow reader then read again. It now reads only the rows asked for
    until the plan is known, and nothing once the narrow reader has them."""
    import collections

    import redactor.io.streams as streams

    seen: collections.Counter = collections.Counter()
    real = streams.TextGuard._check

    def counting(self, data):
        seen[id(self)] += len(data)
        return real(self, data)

    monkeypatch.setattr(streams.TextGuard, "_check", counting)
    # A held read waits at most HOLD_AT_MOST (1 s) and then reads one block: on a starved
    # machine, where planning takes seconds, that let a block per second through and made the
    # bound below depend on scheduling. Here a hold waits until it is released or halted, so
    # what the reference reader reads is what the code asks of it, however slow the machine.
    monkeypatch.setattr(streams.TextGuard, "HOLD_AT_MOST", 120.0)
    src = tmp_path / "big.csv"
    src.write_text(dmv_rows(400_000))
    size = src.stat().st_size
    r, out = redact(tmp_path, src, "out.csv", narrow_on=True, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.stderr
    assert SSN not in out.read_text()
    assert len(readers) == 1 and not readers[0].handed_over
    reference, checks = sorted(seen.values())
    assert checks == size  # the narrow reader's byte checks: every byte
    # the first blocks (1 MiB here) and what was in flight; it read the whole file before
    assert reference <= 8 << 20 < size // 2


def test_a_held_reader_still_gives_every_row_and_closes(tmp_path, small_blocks):
    src = tmp_path / "big.csv"
    src.write_text(dmv_rows(100_000))
    with open_source(str(src), Format.CSV) as free:
        expected = pa.Table.from_batches(list(free.batches))
    with open_source(str(src), Format.CSV) as held:
        held.hold_reading()
        got = pa.Table.from_batches(list(held.batches))
    assert got.equals(expected)
    with open_source(str(src), Format.CSV) as left:  # closed while Arrow's thread waits
        left.hold_reading()
        assert next(left.batches).num_rows


def _table(n: int) -> pa.Table:
    return pacsv.read_csv(
        pa.py_buffer(dmv_rows(n).encode()),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={"county_cd": pa.string()}),
    )


def test_a_parquet_first_block_is_read_without_the_columns_the_map_drops(
    tmp_path, monkeypatch, readers
):
    """The plan's first block of a Parquet file decodes only the columns that may be kept:
    the map alone says which mapped columns are dropped (detection decides only the unmapped
    ones, here ``ref_code``). The output is the reference reader's."""
    src = tmp_path / "big.parquet"
    pq.write_table(_table(150_000), src, row_group_size=50_000)
    asked: list[list[str]] = []
    real = pq.ParquetFile.iter_batches

    def spy(self, *args, columns=None, **kwargs):
        asked.append(columns)
        return real(self, *args, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    r_on, out_on = redact(tmp_path, src, "on.parquet", narrow_on=True, monkeypatch=monkeypatch)
    assert r_on.exit_code == 0, r_on.stderr
    # the first block without ssn and last_name, then the narrow reader's kept columns
    assert asked[0] == ["record_id", "county_cd", "ref_code", "note"]
    assert len(readers) == 1 and not readers[0].handed_over
    asked.clear()
    r_off, out_off = redact(tmp_path, src, "off.parquet", narrow_on=False, monkeypatch=monkeypatch)
    assert r_off.exit_code == 0, r_off.stderr
    assert asked == [None]  # without the narrow reader every column, as before
    assert pq.read_table(out_on).equals(pq.read_table(out_off))
    assert pq.read_table(out_on).num_rows == 150_000
    # a file with no rows still says so
    empty = tmp_path / "empty.parquet"
    pq.write_table(pq.read_table(src).slice(0, 0), empty)
    r, _ = redact(tmp_path, empty, "e.parquet", narrow_on=True, monkeypatch=monkeypatch)
    assert r.exit_code == 4 and "no data rows" in r.stderr


def test_a_plan_that_keeps_a_column_the_first_block_skipped_writes_nothing(tmp_path, monkeypatch):
    """Cannot happen (the map decides mapped columns), so it is refused, never output as
    nulls: the columns the map is said to drop are made to disagree with the real plan."""
    import redactor.planning

    src = tmp_path / "big.parquet"
    pq.write_table(_table(100_000), src)
    monkeypatch.setattr(redactor.planning, "dropped_by_map", lambda schema, *a, **k: [1, 2, 3])
    r, out = redact(tmp_path, src, "out.parquet", narrow_on=True, monkeypatch=monkeypatch)
    assert r.exit_code == 3, r.stderr
    assert "first block" in r.stderr and not out.exists()
