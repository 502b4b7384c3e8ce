"""The DataRow encoder (redactor/serve/values.py): the batch-at-a-time assembly gives exactly the
bytes of framing each cell by itself (PostgreSQL's text and binary forms, NULLs, slices, empty
batches), so vectorising it changed no byte a client receives."""

from __future__ import annotations

import datetime as dt
import decimal
import struct

import pyarrow as pa
import pytest

from redactor.serve import values
from redactor.serve.session import _encode as _session_encode


@pytest.fixture(params=["arrow", "cells"], autouse=True)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both encoder paths: Arrow's assembly, and the cell-by-cell one for small batches."""
    monkeypatch.setattr(values, "SMALL_BATCH", -1 if request.param == "arrow" else 10**6)
    return request.param


def _encode(batch: pa.RecordBatch, formats: list[int]) -> values.EncodedRows:
    return _session_encode(batch, formats)


BATCH = pa.record_batch(
    {
        "s": pa.array(["a", None, "", "héllo ünïcode", "x" * 300]),
        "i": pa.array([1, None, -3, 2**40, 0]),
        "i8": pa.array([1, None, -128, 127, 0], pa.int8()),
        "b": pa.array([True, False, None, True, False]),
        "f": pa.array([0.1, None, float("nan"), 100.0, float("-inf")]),
        "d": pa.array([dt.date(2020, 1, 2), None, dt.date(1999, 12, 31), dt.date(1, 1, 1), None]),
        "ts": pa.array(
            [dt.datetime(2020, 1, 2, 3, 4, 5), None, None, dt.datetime(2000, 1, 1), None]
        ),
        "dec": pa.array(
            [decimal.Decimal("1.50"), None, decimal.Decimal("-2.00"), decimal.Decimal("0"), None],
            pa.decimal128(5, 2),
        ),
        "dict": pa.array(["x", "y", None, "x", "z"]).dictionary_encode(),
        "large": pa.array(["x", None, "", "y", "z"], pa.large_string()),
        "list": pa.array([[1, 2], None, [], [None], [3]]),
        "bytes": pa.array([b"\x00\xff", None, b"", b"a", b"b"]),
    }
)


def _per_cell(batch: pa.RecordBatch, binary: bool) -> bytes:
    cells = values.binary_cells if binary else values.text_cells
    return values.data_rows([values.framed(cells(c)) for c in batch.columns], 0, batch.num_rows)


@pytest.mark.parametrize("start,length", [(0, 5), (1, 3), (4, 1), (2, 0)])
def test_text_rows_are_byte_for_byte_the_per_cell_framing(start: int, length: int) -> None:
    batch = BATCH.slice(start, length)
    encoded = _encode(batch, [0])
    assert encoded.between(0, batch.num_rows) == _per_cell(batch, binary=False)
    for a, b in ((0, 1), (1, batch.num_rows)):
        if b <= batch.num_rows and a <= b:
            assert encoded.between(a, b) == values.data_rows(
                [values.framed(values.text_cells(c)) for c in batch.columns], a, b
            )


def test_binary_rows_and_rows_without_columns() -> None:
    batch = pa.record_batch(
        {
            "i": pa.array([1, None, 3], pa.int32()),
            "t": pa.array(["a", None, "c"]),
            "f": pa.array([1.5, None, -0.0]),
            "d": pa.array([dt.date(2000, 1, 2), None, dt.date(1970, 1, 1)]),
        }
    )
    assert _encode(batch, [1]).between(0, 3) == _per_cell(batch, binary=True)
    empty = values.encode_rows([], 3)
    assert empty.between(0, 3) == (b"D" + struct.pack("!ih", 6, 0)) * 3
    assert empty.between(1, 2) == b"D" + struct.pack("!ih", 6, 0)


def test_a_batch_past_32_bit_offsets_is_assembled_with_64_bit_ones(monkeypatch) -> None:
    """Over 2 GiB of messages in one batch: the same bytes through large_binary."""
    monkeypatch.setattr(values, "_OFFSET_LIMIT", 0)
    for start, length in [(0, 5), (1, 3)]:
        batch = BATCH.slice(start, length)
        encoded = _encode(batch, [0])
        assert encoded.between(0, batch.num_rows) == _per_cell(batch, binary=False)
        assert encoded.between(1, 2) == values.data_rows(
            [values.framed(values.text_cells(c)) for c in batch.columns], 1, 2
        )
