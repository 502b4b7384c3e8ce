"""A minimal PostgreSQL v3 client for tests that need to send what real drivers never do
(malformed or oversized messages, a disconnect in the middle of a result)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import struct


def _msg(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


class RawClient:
    def __init__(self, port: int, user: str, password: str, options: str = "") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        params = {"user": user, "database": "x"}
        if options:
            params["options"] = options
        body = (
            struct.pack("!i", 196608)
            + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items())
            + b"\0"
        )
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        self._scram(password)
        self.pid = self.key = 0
        while True:
            kind, body = self.read()
            if kind == b"K":
                self.pid, self.key = struct.unpack("!ii", body)
            if kind == b"Z":
                break

    def read(self) -> tuple[bytes, bytes]:
        head = self._exact(5)
        kind, n = head[:1], struct.unpack("!i", head[1:])[0]
        return kind, self._exact(n - 4)

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def send(self, kind: bytes, body: bytes) -> None:
        self.sock.sendall(_msg(kind, body))

    def query(self, sql: str) -> None:
        self.send(b"Q", sql.encode() + b"\0")

    def _scram(self, password: str) -> None:
        kind, body = self.read()
        assert kind == b"R" and struct.unpack("!i", body[:4])[0] == 10, (kind, body)
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        first = ("n,," + first_bare).encode()
        self.send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
        kind, body = self.read()
        if kind == b"E":
            raise PermissionError(body)
        server_first = body[4:].decode()
        attrs = dict(p.split("=", 1) for p in server_first.split(","))
        salted = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
        )
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored = hashlib.sha256(client_key).digest()
        final_wo = f"c=biws,r={attrs['r']}"
        auth = f"{first_bare},{server_first},{final_wo}".encode()
        sig = hmac.new(stored, auth, hashlib.sha256).digest()
        proof = base64.b64encode(
            bytes(a ^ b for a, b in zip(client_key, sig, strict=True))
        ).decode()
        self.send(b"p", f"{final_wo},p={proof}".encode())
        kind, body = self.read()
        if kind == b"E":
            raise PermissionError(body)
        assert kind == b"R" and struct.unpack("!i", body[:4])[0] == 12
        kind, body = self.read()
        assert kind == b"R" and struct.unpack("!i", body[:4])[0] == 0

    def cancel(self, port: int) -> None:
        """Send a CancelRequest for this session on a new connection, as libpq does."""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(struct.pack("!iiii", 16, 80877102, self.pid, self.key))

    def close(self) -> None:
        self.sock.close()


def error_fields(body: bytes) -> dict[str, str]:
    out = {}
    for part in body.split(b"\0"):
        if part:
            out[part[:1].decode()] = part[1:].decode()
    return out
