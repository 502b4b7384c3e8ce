"""The fast scrub (issue 16 part 4 throughput) finds what the plain one does.

Built-in rules run as merged alternations over 64 notes joined by NUL, and person names are
found on the notes' bytes with NumPy. These tests hold the fast paths to the plain ones: every
rule on its own, one note at a time; every note scrubbed on its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactor.detect.classify import _presidio_candidates, presidio_could_flag
from redactor.detect.person_names import scrub_names
from redactor.detect.scrub import CHUNK_ROWS, Scrubber, default_rules, merged_passes
from tests.support.detection_eval import DATA, FRESH

TRICKY = [
    None,
    "",
    " ",
    "SSN 219-09-9999\x00 and 219099999 at the edge",  # a NUL inside a note
    "call 303-555-0147 x12, A-number A123456789, alien no. 012-345-678",
    "last 4 of her ssn: 9999; ITIN 912-70-1234; TIN 123-45-6789",
    "DL no. D1234567 issued 2024-01-15 (20240115), lives at 12 oak street, Denver, CO 80203",
    "Calle 5 de Mayo 12 int. 3; nació el 7 de septiembre de 1975; NSS 123 45 6789",
    "PSC 123, Box 4567, APO AE 09012; USS Nimitz; P.O. Box 77",
    "Mr. Dr. Miller said name: Ana Lopez is undocumented, green card holder, H-1B visa",
    "case 000123456 and 167-580-135",
]


def _notes() -> list[str | None]:
    texts = [
        json.loads(line)["text"]
        for data in (DATA, FRESH)
        for name in ("notes_en.jsonl", "notes_es.jsonl")
        for line in (data / name).read_text(encoding="utf-8").splitlines()[:400]
    ]
    return TRICKY + texts


def test_merged_passes_equal_every_rule_one_at_a_time() -> None:
    notes = pa.array(_notes(), pa.string())
    one_by_one = notes
    for rule in default_rules():  # each note on its own: regex kernels work element-wise
        one_by_one = pc.replace_substring_regex(one_by_one, rule.pattern, rule.replacement)
    fast = Scrubber(spacy_model=None, names=False).scrub(notes)
    assert len(merged_passes(default_rules())) < len(default_rules())
    assert fast.to_pylist() == one_by_one.to_pylist()


def test_chunked_scrub_keeps_rows_nulls_types_and_slices() -> None:
    notes = _notes()[: 3 * CHUNK_ROWS + 5]
    sc = Scrubber(spacy_model=None)
    # fewer than 2 * CHUNK_ROWS notes are scrubbed one string each (nothing joined)
    alone = [
        t
        for i in range(0, len(notes), CHUNK_ROWS)
        for t in sc.scrub_texts(notes[i : i + CHUNK_ROWS])
    ]
    arr = pa.array(notes, pa.string())
    assert sc.scrub(arr).to_pylist() == alone
    assert "219-09-9999" not in (alone[3] or "") and "\x00" in alone[3]
    large = sc.scrub(arr.cast(pa.large_string()))
    assert large.type == pa.large_string() and large.to_pylist() == alone
    part = arr.slice(7, 2 * CHUNK_ROWS + 1)
    assert sc.scrub(part).to_pylist() == alone[7 : 7 + 2 * CHUNK_ROWS + 1]


WORDS = st.sampled_from(
    [
        "Maria", "García", "Lopez,", "de", "la", "y", "and", "named", "Sra.", "Don", "her",
        "son", "(Tariq)", "“Ana,”", "O'Neil", "Núñez-Zúñiga", "ICE", "The", "Per", "office.",
        "met", "with", "at", "Denver", "Washington", "Jamal", "¿José?", "Álvarez", "said:",
        "", "x", "12", "Garza,", "Itzel", "Mc", "DONALD", "Ørsted", "Yılmaz", "\t", "é",
    ]
)  # fmt: skip
NOTE = st.one_of(st.none(), st.lists(WORDS, max_size=14).map(" ".join))


@settings(max_examples=40, deadline=None)
@given(st.lists(NOTE, min_size=1, max_size=8))
def test_names_are_found_note_by_note(notes: list[str | None]) -> None:
    arr = pa.array(notes, pa.string())
    together = scrub_names(arr).to_pylist()
    alone = [scrub_names(pa.array([t], pa.string()))[0].as_py() for t in notes]
    assert together == alone
    assert [t is None for t in together] == [t is None for t in notes]
    assert scrub_names(arr.slice(1)).to_pylist() == together[1:]


def test_names_across_note_boundaries_do_not_join() -> None:
    notes = ["Client was named", "Zorbu arrived", "met with Maria", "Garcia called"]
    out = scrub_names(pa.array(notes, pa.string())).to_pylist()
    assert out == ["Client was named", "Zorbu arrived", "met with [NAME]", "Garcia called"]


CODE_COLUMNS = {
    "txn": ["RENEW", "DUP", "ORIG", "XFER"] * 25,
    "colour": ["BLU", "BRO", "GRN", "HAZ"] * 25,
    "mixed": ["OPEN"] * 60 + ["A1", "B2"] * 20,
}


def test_presidio_is_skipped_only_where_it_could_flag_nothing() -> None:
    assert not any(presidio_could_flag(v) for v in CODE_COLUMNS.values())
    assert presidio_could_flag(["call 303-555-0147"] * 3)
    assert presidio_could_flag(["jane@example.org", "x"])
    assert presidio_could_flag(["green card holder", "undocumented"])
    assert presidio_could_flag(["caf\u00e9 \u0663\u0664"])  # Unicode digits count
    # the skipped columns really give no Presidio reading (the engine is built here, once)
    code = textwrap.dedent(f"""
        import pyarrow as pa
        from redactor.detect.classify import presidio_could_flag, _presidio_candidates
        import redactor.detect.classify as c
        c.presidio_could_flag = lambda values: True
        for name, values in {CODE_COLUMNS!r}.items():
            assert _presidio_candidates(name, pa.array(values)) == [], name
        print("OK")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr[-2000:]


def test_classifying_codes_builds_no_presidio_engine() -> None:
    code = textwrap.dedent(f"""
        import sys
        import pyarrow as pa
        from redactor.detect import classify_columns
        classify_columns(pa.table({CODE_COLUMNS!r}))
        print("presidio_analyzer" in sys.modules)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize("values", [["OPEN", "CLOSED"] * 10, []])
def test_presidio_candidates_without_a_possible_match_is_empty(values) -> None:
    assert _presidio_candidates("x", pa.array(values, pa.string())) == []
