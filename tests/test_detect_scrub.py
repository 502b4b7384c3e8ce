"""Free-text scrubbing: identifiers go, prose, nulls, length and array kind stay."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactor.detect import Scrubber, scrub_array

S = Scrubber(spacy_model=None)

CASES = [
    ("SSN 219-09-9999 verified", "SSN [SSN] verified"),
    ("ssn219099999, alt 219 09 9999", "ssn[SSN], alt [SSN]"),
    ("ITIN 912-70-1234 and 912701234", "ITIN [ITIN] and [ITIN]"),
    (
        "reported A-number A123456789; also A-123-456-78",
        "reported A-number [A_NUMBER]; also [A_NUMBER]",
    ),
    ("alien registration no. 012-345-678", "alien registration no. [A_NUMBER]"),
    ("Naturalized, cert on file. 167-580-135", "[IMMIGRATION_STATUS], cert on file. [A_NUMBER]"),
    ("DL no. D1234567, CO license 12-345-6789, WDLAB12CD34E", "DL no. [DL], CO license [DL], [DL]"),
    ("call (303) 555-0147 x12 or +1 720 555 0199", "call [PHONE] or [PHONE]"),
    ("mail j.roe+case@example.org today", "mail [EMAIL] today"),
    ("born 03/15/1985, seen 2024-01-02 and March 3, 1985", "born [DATE], seen [DATE] and [DATE]"),
    ("moved to 4821 W Colfax Ave Apt 3, Denver, CO 80204 in May", "moved to [ADDRESS] in May"),
    ("lives at 12 oak street; PO Box 881", "lives at [ADDRESS]; [ADDRESS]"),
    ("Ms. Okafor says she is undocumented", "[NAME] says she is [IMMIGRATION_STATUS]"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_identifier_kind_is_replaced_by_its_token(text: str, expected: str) -> None:
    assert S.scrub_texts([text]) == [expected]


def test_prose_and_non_identifiers_are_kept() -> None:
    text = (
        "Hearing continued to next week; 3 children in household, rent $1,250, "
        "case 2024-CV-0031, room B12, order A12345 shipped, plate ABC-1234."
    )
    assert S.scrub_texts([text]) == [text]


def test_nulls_length_and_array_kinds_are_preserved() -> None:
    values = ["SSN 219-09-9999", None, "", "nothing here", None]
    for arr in (
        pa.array(values),
        pa.array(values, pa.large_string()),
        pa.array(values).dictionary_encode(),
    ):
        out = scrub_array(arr)
        assert len(out) == len(arr) and out.null_count == arr.null_count
        assert out.type == arr.type
        decoded = out.dictionary_decode() if isinstance(out, pa.DictionaryArray) else out
        assert decoded.to_pylist() == ["SSN [SSN]", None, "", "nothing here", None]
    chunked = pa.chunked_array([pa.array(values[:2]), pa.array(values[2:])])
    out = scrub_array(chunked)
    assert isinstance(out, pa.ChunkedArray) and out.num_chunks == 2
    assert out.to_pylist()[0] == "SSN [SSN]"


_area = st.integers(1, 899).filter(lambda a: a != 666)
_ssn = st.tuples(_area, st.integers(1, 99), st.integers(1, 9999), st.sampled_from(["-", " ", ""]))
_words = st.lists(
    st.sampled_from(
        [
            "client",
            "said",
            "the",
            "note",
            "of",
            "visit",
            "at",
            "number",
            "is",
            "(",
            ")",
            ",",
            ":",
            "#",
        ]
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(_ssn, _words, _words)
def test_any_valid_ssn_in_any_prose_is_removed(ssn, before, after) -> None:
    a, g, s, sep = ssn
    value = f"{a:03d}{sep}{g:02d}{sep}{s:04d}"
    text = " ".join([*before, value, *after])
    out = S.scrub_texts([text])[0]
    assert value not in out and "[SSN]" in out
    assert "".join(ch for ch in value if ch.isdigit()) not in "".join(
        ch for ch in out if ch.isdigit()
    )
