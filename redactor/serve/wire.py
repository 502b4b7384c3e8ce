"""PostgreSQL frontend/backend protocol v3: message framing and the backend messages.

Everything is bytes in, bytes out over a blocking socket (plain or TLS). A message longer than
the limit, or one whose body does not parse, is a :class:`ProtocolViolation`: the session
answers with a FATAL error and closes that connection (the server keeps serving the others).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Sequence
from dataclasses import dataclass

PROTOCOL_3_0 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
STARTUP_MAX = 10_000  # bytes: PostgreSQL's own limit for a startup packet
DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024

_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")
_HEAD = struct.Struct("!ci")


class ProtocolViolation(Exception):
    """A malformed, unexpected or oversized message (SQLSTATE 08P01 or 54000)."""

    def __init__(self, message: str, sqlstate: str = "08P01") -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class ClientGone(Exception):
    """The client closed the connection (or it broke)."""


class Reader:
    """Reads whole messages from a socket."""

    def __init__(self, sock: socket.socket, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.sock = sock
        self.max_message = max_message
        self._buf = bytearray()

    def _fill(self, n: int) -> bytes:
        while len(self._buf) < n:
            try:
                chunk = self.sock.recv(max(65536, n - len(self._buf)))
            except (ConnectionError, OSError) as e:
                if isinstance(e, TimeoutError | socket.timeout):
                    raise
                raise ClientGone(str(e)) from None
            if not chunk:
                raise ClientGone("end of stream")
            self._buf += chunk
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def pending(self) -> bool:
        return bool(self._buf)

    def startup(self) -> tuple[int, bytes]:
        (length,) = _I32.unpack(self._fill(4))
        if length < 8 or length > STARTUP_MAX:
            raise ProtocolViolation("invalid length of startup packet")
        body = self._fill(length - 4)
        return _I32.unpack(body[:4])[0], body[4:]

    def message(self) -> tuple[bytes, bytes]:
        kind, length = _HEAD.unpack(self._fill(5))
        if length < 4:
            raise ProtocolViolation("invalid message length")
        if length - 4 > self.max_message:
            raise ProtocolViolation(
                f"message of {length - 4} bytes is longer than the limit of {self.max_message}",
                "54000",
            )
        return kind, self._fill(length - 4)


class Body:
    """A cursor over one message's body."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def _take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.data):
            raise ProtocolViolation("message body shorter than its fields")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def int32(self) -> int:
        return _I32.unpack(self._take(4))[0]

    def int16(self) -> int:
        return _I16.unpack(self._take(2))[0]

    def byte(self) -> bytes:
        return self._take(1)

    def bytes(self, n: int) -> bytes:
        return self._take(n)

    def cstring(self) -> str:
        end = self.data.find(b"\0", self.at)
        if end < 0:
            raise ProtocolViolation("unterminated string in message")
        raw = self.data[self.at : end]
        self.at = end + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolViolation("string in message is not UTF-8", "22021") from None

    def rest(self) -> bytes:
        out = self.data[self.at :]
        self.at = len(self.data)
        return out

    def done(self) -> None:
        if self.at != len(self.data):
            raise ProtocolViolation("message body longer than its fields")


def startup_params(body: bytes) -> dict[str, str]:
    b = Body(body)
    out: dict[str, str] = {}
    while True:
        if b.at >= len(b.data):
            raise ProtocolViolation("startup packet is not terminated")
        key = b.cstring()
        if not key:
            break
        out[key] = b.cstring()
    b.done()
    return out


# --- backend messages --------------------------------------------------------------------
def msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + _I32.pack(len(body) + 4) + body


def cstr(text: str) -> bytes:
    return text.replace("\0", "").encode("utf-8") + b"\0"


def auth(code: int, data: bytes = b"") -> bytes:
    return msg(b"R", _I32.pack(code) + data)


def parameter_status(name: str, value: str) -> bytes:
    return msg(b"S", cstr(name) + cstr(value))


def backend_key(pid: int, key: int) -> bytes:
    return msg(b"K", struct.pack("!ii", pid, key))


def ready(status: str) -> bytes:
    return msg(b"Z", status.encode("ascii"))


def command_complete(tag: str) -> bytes:
    return msg(b"C", cstr(tag))


def error(
    sqlstate: str,
    message: str,
    *,
    severity: str = "ERROR",
    hint: str | None = None,
    position: int | None = None,
) -> bytes:
    fields = [(b"S", severity), (b"V", severity), (b"C", sqlstate), (b"M", message)]
    if hint:
        fields.append((b"H", hint))
    if position is not None:
        fields.append((b"P", str(position)))
    return msg(b"E", b"".join(k + cstr(v) for k, v in fields) + b"\0")


def notice(message: str) -> bytes:
    fields = [(b"S", "NOTICE"), (b"V", "NOTICE"), (b"C", "00000"), (b"M", message)]
    return msg(b"N", b"".join(k + cstr(v) for k, v in fields) + b"\0")


def negotiate_version(minor: int, unknown: Sequence[str]) -> bytes:
    return msg(b"v", _I32.pack(minor) + _I32.pack(len(unknown)) + b"".join(map(cstr, unknown)))


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type_oid: int
    type_size: int = -1
    type_mod: int = -1
    format: int = 0


def row_description(fields: Sequence[Field]) -> bytes:
    parts = [_I16.pack(len(fields))]
    for f in fields:
        parts.append(
            cstr(f.name)
            + struct.pack("!ihihih", 0, 0, f.type_oid, f.type_size, f.type_mod, f.format)
        )
    return msg(b"T", b"".join(parts))


def parameter_description(oids: Sequence[int]) -> bytes:
    return msg(b"t", _I16.pack(len(oids)) + b"".join(_I32.pack(o) for o in oids))


NO_DATA = msg(b"n")
PARSE_COMPLETE = msg(b"1")
BIND_COMPLETE = msg(b"2")
CLOSE_COMPLETE = msg(b"3")
PORTAL_SUSPENDED = msg(b"s")
EMPTY_QUERY = msg(b"I")
_NULL = _I32.pack(-1)


def data_row(cells: Sequence[bytes | None]) -> bytes:
    parts = [_I16.pack(len(cells))]
    for c in cells:
        parts.append(_NULL if c is None else _I32.pack(len(c)) + c)
    body = b"".join(parts)
    return b"D" + _I32.pack(len(body) + 4) + body
