"""Arrow result columns as PostgreSQL values: the type OID a client is told, and each cell as the
text (or, where the client asks, binary) form PostgreSQL itself would send.

The column's type comes from the result schema (what the rewrite and the column plan return),
never from the data. Types without a PostgreSQL counterpart here are sent as ``text``.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Callable

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


def framed_text(col: pa.Array) -> list[bytes]:
    """:func:`text_cells` already framed (one pass for the common text and integer columns)."""
    t = col.type
    pack = _LEN.pack
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        vals = col.to_pylist()
    elif pa.types.is_integer(t) or pa.types.is_date(t):
        vals = pc.cast(col, pa.string()).to_pylist()
    else:
        return framed(text_cells(col))
    return [_NULL if v is None else pack(len(b := v.encode("utf-8"))) + b for v in vals]


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
