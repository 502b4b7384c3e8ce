"""Scrubbed columns are scrubbed over groups of batches (``redactor.transform``): each regex
call compiles its pattern again, so a CSV read in 4 MiB blocks paid that 60 times per million
rows. Grouping must not change a single value, row or batch boundary."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redactor import transform
from redactor.categories import Action, Category
from redactor.masking import HashKey
from redactor.plan import ColumnPlan
from redactor.transform import (
    _grouped,
    scrubber_for,
    transform_batch,
    transform_group,
    transformed,
)

PLAN = [
    ColumnPlan("id", Category.NONE, Action.RELEASE, "map", "none"),
    ColumnPlan("ssn", Category.SSN, Action.DROP, "map", "ssn"),
    ColumnPlan("notes", Category.FREE_TEXT, Action.SCRUB, "map", "free_text"),
    ColumnPlan("phone", Category.PHONE, Action.MASK, "map", "phone"),
    ColumnPlan("memo", Category.FREE_TEXT, Action.SCRUB, "map", "free_text"),
]
KEY = HashKey(b"k" * 32, "test")
CANARIES = ["219-09-9999", "A123456789", "303-555-0147", "Mr. Carl Ivers", "jo@example.org"]
NOTE = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.lists(st.sampled_from([*CANARIES, "called", "on", "12", "\x00", "é"]), max_size=6).map(
        " ".join
    ),
)


SCHEMA = pa.schema([(p.name, pa.string()) for p in PLAN])


def batch(notes: list[str | None], start: int) -> pa.RecordBatch:
    n = len(notes)
    return pa.RecordBatch.from_pydict(
        {
            "id": [str(start + i) for i in range(n)],
            "ssn": ["219-09-9999"] * n,
            "notes": notes,
            "phone": ["303-555-0147"] * n,
            "memo": list(reversed(notes)),
        },
        schema=SCHEMA,
    )


def batches_of(sizes_and_notes: list[list[str | None]]) -> list[pa.RecordBatch]:
    out, at = [], 0
    for notes in sizes_and_notes:
        out.append(batch(notes, at))
        at += len(notes)
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(NOTE, max_size=40), min_size=1, max_size=6))
def test_a_group_gives_what_each_batch_alone_gives(parts):
    batches = batches_of(parts)
    scrubber = scrubber_for(PLAN)
    alone = [transform_batch(b, PLAN, KEY, scrubber) for b in batches]
    together = transform_group(batches, PLAN, KEY, scrubber)
    assert [t.num_rows for t in together] == [b.num_rows for b in batches]
    for a, t in zip(alone, together, strict=True):
        assert t.equals(a), (a.to_pydict(), t.to_pydict())
    text = str([t.to_pydict() for t in together])
    assert not any(c in text for c in CANARIES)


def test_batches_are_grouped_by_rows_bytes_and_type(monkeypatch):
    monkeypatch.setattr(transform, "SCRUB_ROWS", 10)
    small = batches_of([["x"] * 4] * 5)
    assert [len(g) for g in _grouped(small, PLAN)] == [3, 2]
    # without a scrubbed column every batch is its own group
    released = [p if p.action is not Action.SCRUB else PLAN[0] for p in PLAN]
    assert [len(g) for g in _grouped(small, released)] == [1] * 5
    # a batch whose text would take the group past SCRUB_BYTES starts the next one
    monkeypatch.setattr(transform, "SCRUB_BYTES", 100)
    big = batches_of([["y" * 30], ["y" * 30], ["y" * 30]])
    assert [len(g) for g in _grouped(big, PLAN)] == [1, 1, 1]
    # a batch whose scrubbed column has another type is not joined to the group
    monkeypatch.setattr(transform, "SCRUB_BYTES", 64 << 20)
    other = batch(["z"], 8)
    large = other.set_column(2, "notes", other.column(2).cast(pa.large_string()))
    assert [len(g) for g in _grouped([*small[:2], large], PLAN)] == [2, 1]
    # and given such a group anyway, each batch is scrubbed on its own
    mixed = transform_group([small[0], large], PLAN, KEY, scrubber_for(PLAN))
    assert [t.column("notes").type for t in mixed] == [pa.string(), pa.large_string()]


@pytest.mark.parametrize("workers", [1, 3])
def test_transformed_keeps_every_batch_in_order(workers, monkeypatch):
    monkeypatch.setattr(transform, "SCRUB_ROWS", 7)
    batches = batches_of([[f"SSN 219-09-99{i:02d} row {i}"] * (i % 4 + 1) for i in range(20)])
    got = list(transformed(iter(batches), PLAN, KEY, scrubber_for(PLAN), workers=workers))
    assert [b for b, _ in got] == batches
    ids = [v for _, t in got for v in t.column("id").to_pylist()]
    assert ids == [v for b in batches for v in b.column("id").to_pylist()]
    assert all("219-09" not in str(t.column("notes").to_pylist()) for _, t in got)
