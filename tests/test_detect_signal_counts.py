"""The content signals of a sample are counted over its distinct values (each matched once,
its verdict given to every copy): the counts must be those of matching every value."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from redactor.detect.content import _ALL_SIGNALS, _signal_counts

SHAPES = [
    "219-09-9999",
    "219099999",
    "303-555-0147",
    "jo@example.org",
    "1985-11-26",
    "11/26/1985",
    "80203",
    "12 Oak St",
    "A123456789",
    "Maria",
    "Y",
    "0",
    "TXN",
    "2024-01-15 10:22:01",
]
VALUE = st.one_of(st.sampled_from(SHAPES), st.text(min_size=1, max_size=12))


def one_by_one(texts: list[pa.Array]) -> list[dict[str, int]]:
    return [
        {
            name: int(pc.sum(pc.match_substring_regex(t, pattern).cast(pa.int64())).as_py() or 0)
            for name, pattern in _ALL_SIGNALS.items()
        }
        for t in texts
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(VALUE, min_size=1, max_size=30), min_size=1, max_size=4),
    st.integers(1, 20),
)
def test_counts_over_distinct_values_equal_counts_over_every_value(columns, repeat):
    # repeated values take the distinct path; a sample of distinct ones the plain path
    texts = [pa.array(c * repeat, pa.string()) for c in columns]
    assert _signal_counts(texts) == one_by_one(texts)


def test_a_mostly_distinct_sample_counts_the_same():
    texts = [pa.array([f"{i:09d}" for i in range(200)]), pa.array(SHAPES)]
    assert _signal_counts(texts) == one_by_one(texts)
