"""Arrow result columns as PostgreSQL values: the type OID a client is told, and each cell as the
text (or, where the client asks, binary) form PostgreSQL itself would send.

The column's type comes from the result schema (what the rewrite and the column plan return),
never from the data. Types without a PostgreSQL counterpart here are sent as ``text``.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BOOL, BYTEA, INT8, INT2, INT4, TEXT, OID = 16, 17, 20, 21, 23, 25, 26
FLOAT4, FLOAT8, VARCHAR, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, NUMERIC = (
    700,
    701,
    1043,
    1082,
    1083,
    1114,
    1184,
    1700,
)
INTERVAL, UUID, JSON, JSONB, UNKNOWN = 1186, 2950, 114, 3802, 705
TYPE_NAMES = {
    BOOL: "boolean",
    BYTEA: "bytea",
    INT8: "bigint",
    INT2: "smallint",
    INT4: "integer",
    TEXT: "text",
    FLOAT4: "real",
    FLOAT8: "double precision",
    DATE: "date",
    TIME: "time without time zone",
    TIMESTAMP: "timestamp without time zone",
    TIMESTAMPTZ: "timestamp with time zone",
    NUMERIC: "numeric",
    OID: "oid",
    VARCHAR: "character varying",
}
TYPE_SIZES = {
    BOOL: 1,
    INT2: 2,
    INT4: 4,
    INT8: 8,
    FLOAT4: 4,
    FLOAT8: 8,
    DATE: 4,
    TIME: 8,
    TIMESTAMP: 8,
    TIMESTAMPTZ: 8,
    OID: 4,
}
_EPOCH = dt.date(2000, 1, 1)
_EPOCH_DT = dt.datetime(2000, 1, 1)
_EPOCH_TZ = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def type_oid(t: pa.DataType) -> int:
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return INT2
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return INT4
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return INT8
    if pa.types.is_uint64(t) or pa.types.is_decimal(t):
        return NUMERIC
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return FLOAT4
    if pa.types.is_float64(t):
        return FLOAT8
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return BYTEA
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_time(t):
        return TIME
    if pa.types.is_timestamp(t):
        return TIMESTAMPTZ if t.tz else TIMESTAMP
    return TEXT


def type_modifier(t: pa.DataType) -> int:
    if pa.types.is_decimal(t):
        return ((t.precision << 16) | t.scale) + 4
    return -1


def _float_text(v: float) -> bytes:
    if math.isnan(v):
        return b"NaN"
    if math.isinf(v):
        return b"Infinity" if v > 0 else b"-Infinity"
    return repr(v).encode("ascii")


def _pg_array(values: list) -> str:
    def one(v: object) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, list):
            return _pg_array(v)
        s = _py_text(v)
        if s == "" or any(c in s for c in '{},"\\ ') or s.upper() == "NULL":
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return s

    return "{" + ",".join(one(v) for v in values) + "}"


def _py_text(v: object) -> str:
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, float):
        return _float_text(v).decode()
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") + "+00"
        return v.isoformat(" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return _pg_array(v)
    if isinstance(v, dict):
        import json

        return json.dumps(v, default=str, ensure_ascii=False)
    return str(v)


def text_cells(col: pa.Array) -> list[bytes | None]:
    """One column of a batch as PostgreSQL text values (None for NULL)."""
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return [None if v is None else v.encode("utf-8") for v in col.to_pylist()]
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_date(t):
        as_text = pc.cast(col, pa.string()).to_pylist()
        return [None if v is None else v.encode("ascii") for v in as_text]
    if pa.types.is_boolean(t):
        return [None if v is None else (b"t" if v else b"f") for v in col.to_pylist()]
    if pa.types.is_floating(t):
        return [None if v is None else _float_text(v) for v in col.to_pylist()]
    if pa.types.is_dictionary(t):
        return text_cells(col.dictionary_decode())
    return [None if v is None else _py_text(v).encode("utf-8") for v in col.to_pylist()]


def _binary_encoder(oid: int, t: pa.DataType) -> Callable[[object], bytes] | None:
    if oid == BOOL:
        return lambda v: b"\x01" if v else b"\x00"
    if oid in (INT2, INT4, INT8):
        fmt = struct.Struct({INT2: "!h", INT4: "!i", INT8: "!q"}[oid])
        return lambda v: fmt.pack(v)
    if oid == FLOAT4:
        return lambda v: struct.pack("!f", v)
    if oid == FLOAT8:
        return lambda v: struct.pack("!d", v)
    if oid == TEXT:
        return lambda v: _py_text(v).encode("utf-8") if not isinstance(v, str) else v.encode()
    if oid == BYTEA:
        return lambda v: bytes(v)
    if oid == DATE:
        return lambda v: struct.pack("!i", (v - _EPOCH).days)
    if oid == TIMESTAMP:
        return lambda v: struct.pack("!q", (v - _EPOCH_DT) // dt.timedelta(microseconds=1))
    if oid == TIMESTAMPTZ:
        return lambda v: struct.pack("!q", (v - _EPOCH_TZ) // dt.timedelta(microseconds=1))
    return None


def binary_supported(t: pa.DataType) -> bool:
    return _binary_encoder(type_oid(t), t) is not None


def binary_cells(col: pa.Array) -> list[bytes | None]:
    if pa.types.is_dictionary(col.type):
        col = col.dictionary_decode()
    enc = _binary_encoder(type_oid(col.type), col.type)
    if enc is None:
        raise ValueError(f"no binary format for {col.type}")
    return [None if v is None else enc(v) for v in col.to_pylist()]


_NULL = b"\xff\xff\xff\xff"
_LEN = struct.Struct("!i")


def text_column(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column as PostgreSQL text values in a binary array (null for NULL): computed by
    Arrow for text, integer, decimal, date and boolean columns; cell by cell for the rest."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_dictionary(t):
        return text_column(col.dictionary_decode())
    if pa.types.is_string(t):
        return col.cast(pa.binary())
    if pa.types.is_large_string(t):
        return col.cast(pa.large_binary())
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_date(t):
        return pc.cast(col, pa.string()).cast(pa.binary())
    if pa.types.is_boolean(t):
        return pc.if_else(col, pa.scalar(b"t"), pa.scalar(b"f"))
    return pa.array(text_cells(col), pa.binary())


def binary_column(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column in the binary format (null for NULL)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return pa.array(binary_cells(col), pa.binary())


@dataclass(frozen=True, slots=True)
class EncodedRows:
    """A batch as DataRow messages, back to back in one buffer: row ``i`` is
    ``data[offsets[i]:offsets[i + 1]]``."""

    data: memoryview
    offsets: Sequence[int]
    rows: int

    def between(self, start: int, end: int) -> bytes:
        """The DataRow messages of rows ``start``..``end``."""
        return bytes(self.data[self.offsets[start] : self.offsets[end]])


SMALL_BATCH = 64  # rows: a batch this small is framed cell by cell (see encode_small)


def encode_small(columns: list[list[bytes | None]], rows: int) -> EncodedRows:
    """:func:`encode_rows` for a few rows, from cells (None for NULL): the same bytes."""
    framed_columns = [framed(c) for c in columns]
    messages = [data_rows(framed_columns, i, i + 1) for i in range(rows)]
    offsets = [0]
    for m in messages:
        offsets.append(offsets[-1] + len(m))
    return EncodedRows(memoryview(b"".join(messages)), offsets, rows)


#: Bytes a batch's messages may take with 32-bit offsets (beyond: 64-bit, ``large_binary``).
_OFFSET_LIMIT = 2**31 - 1


def encode_rows(columns: list[pa.Array], rows: int) -> EncodedRows:
    """DataRow messages for cell columns (binary arrays, null for NULL), assembled by Arrow: no
    Python work per cell. Each row's pieces (``D``, its length and column count, then each
    cell's 4-byte length and bytes) are columns of their own; one ``take`` lays them out row
    after row, so the result's data buffer is the message stream (half the time of an
    element-wise join of the pieces)."""
    count = struct.pack("!h", len(columns))
    if not rows:
        return EncodedRows(memoryview(b""), (0,), 0)
    if not columns:
        msg = b"D" + struct.pack("!i", 6) + count
        return EncodedRows(memoryview(msg * rows), range(0, (rows + 1) * len(msg), len(msg)), rows)
    total = np.full(rows, 6, np.int64)  # the message length counts itself and the count
    lengths = []
    for col in columns:
        n = pc.binary_length(col).cast(pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False)
        total += np.maximum(n, 0) + 4
        lengths.append(n)
    big = int(total.sum()) + rows >= _OFFSET_LIMIT
    target = pa.large_binary() if big else pa.binary()
    head = np.empty((rows, 7), np.uint8)
    head[:, 0] = ord("D")
    head[:, 1:5] = total.astype(">i4").view(np.uint8).reshape(rows, 4)
    head[:, 5:7] = np.frombuffer(count, np.uint8)
    pieces = [_fixed_width(head, 7, rows, target)]
    for n, col in zip(lengths, columns, strict=True):
        pieces.append(_fixed_width(n.astype(">i4"), 4, rows, target))
        pieces.append((col.fill_null(b"") if col.null_count else col).cast(target))
    stream = pa.concat_arrays(pieces).take(_row_after_row(rows, len(pieces)))
    width = np.int64 if big else np.int32
    ends = np.frombuffer(
        stream.buffers()[1], width, len(stream) + 1, stream.offset * width().itemsize
    )
    offsets = memoryview(np.ascontiguousarray(ends[:: len(pieces)]))
    return EncodedRows(memoryview(stream.buffers()[2]), offsets, rows)


def _fixed_width(data: np.ndarray, width: int, rows: int, target: pa.DataType) -> pa.Array:
    """``rows`` values of ``width`` bytes each, back to back in ``data``, as ``target``."""
    offsets = np.arange(
        0, (rows + 1) * width, width, np.int64 if target == pa.large_binary() else np.int32
    )
    return pa.Array.from_buffers(
        target, rows, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )


@lru_cache(maxsize=4)
def _row_after_row(rows: int, pieces: int) -> pa.Array:
    """Indexes into ``pieces`` arrays of ``rows`` values laid end to end: row by row."""
    per_piece = np.arange(pieces, dtype=np.int64) * rows
    return pa.array((per_piece[None, :] + np.arange(rows, dtype=np.int64)[:, None]).ravel())


def framed_text(col: pa.Array) -> list[bytes]:
    """:func:`text_cells` already framed (kept for callers that frame one column)."""
    return framed(text_cells(col))


def framed(cells: list[bytes | None]) -> list[bytes]:
    """Cells as a DataRow holds them: a 4-byte length then the bytes, or -1 for NULL."""
    pack = _LEN.pack
    return [_NULL if c is None else pack(len(c)) + c for c in cells]


def data_rows(columns: list[list[bytes]], start: int, end: int) -> bytes:
    """DataRow messages for rows ``start``..``end`` of framed columns, concatenated."""
    head = struct.Struct("!ih")
    n = len(columns)
    out = []
    for parts in zip(*(c[start:end] for c in columns), strict=True):
        body = b"".join(parts)
        out.append(b"D" + head.pack(len(body) + 6, n) + body)
    if not columns:
        out = [b"D" + head.pack(6, 0)] * (end - start)
    return b"".join(out)
