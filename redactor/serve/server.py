"""The listener of ``redactor serve``: one thread per client, a connection limit, TLS, cancel
keys, and the state sessions share (the backend, the request log, the users file, views).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import os
import secrets
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from redactor import __version__
from redactor.errors import UsageError
from redactor.serve import execute, wire
from redactor.serve.audit import Audit
from redactor.serve.catalog import SchemaView
from redactor.serve.scram import Verifier
from redactor.serve.users import read_users

log = logging.getLogger("redactor.serve")
DEFAULT_PORT = 5433


@dataclass(frozen=True, slots=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_connections: int = 32
    idle_timeout: float = 600.0  # seconds a session may wait between messages
    auth_timeout: float = 30.0  # seconds for startup and authentication
    send_timeout: float = 300.0  # seconds a client may take to read what is sent
    max_message: int = wire.DEFAULT_MAX_MESSAGE
    policies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections <= 10_000:
            raise UsageError("--max-connections must be between 1 and 10000")
        for name in ("idle_timeout", "auth_timeout", "send_timeout"):
            if not getattr(self, name) > 0:
                raise UsageError(f"{name.replace('_', '-')} must be greater than 0 seconds")
        if self.max_message < 1024:
            raise UsageError("--max-message must be at least 1024 bytes")


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, str(DEFAULT_PORT)
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen {text!r}: not HOST:PORT", hint="e.g. --listen 127.0.0.1:5433")
    return host, int(port)


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if not cert and not key:
        return None
    if not (cert and key):
        raise UsageError("--tls-cert and --tls-key go together")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        raise UsageError(
            f"cannot load the TLS certificate or key ({type(e).__name__})",
            hint="give a PEM certificate chain and its private key",
        ) from None
    return ctx


class Server:
    # session settings reported to the client as ParameterStatus (setting name -> reported name)
    REPORTED: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "server_version": "server_version",
            "server_encoding": "server_encoding",
            "client_encoding": "client_encoding",
            "application_name": "application_name",
            "datestyle": "DateStyle",
            "integer_datetimes": "integer_datetimes",
            "intervalstyle": "IntervalStyle",
            "is_superuser": "is_superuser",
            "session_authorization": "session_authorization",
            "standard_conforming_strings": "standard_conforming_strings",
            "timezone": "TimeZone",
            "default_transaction_read_only": "default_transaction_read_only",
            "in_hot_standby": "in_hot_standby",
        }
    )

    def __init__(
        self,
        backend: execute.Backend,
        audit: Audit,
        users_path: str,
        config: Config,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.backend = backend
        self.audit = audit
        self.users_path = users_path
        self.config = config
        self.tls = tls
        self.secret = secrets.token_bytes(32)
        self._users: tuple[float, dict[str, Verifier]] | None = None
        self._sessions: dict[int, object] = {}
        self._pids = itertools.count(os.getpid() * 1000 % 2_000_000_000 + 1)
        self._lock = threading.Lock()
        self._views: dict[tuple, SchemaView] = {}
        self._stop = threading.Event()
        self.sock: socket.socket | None = None
        self.users()  # a broken users file stops the start, not the first login

    # --- shared state -------------------------------------------------------------------
    def users(self) -> dict[str, Verifier]:
        """The users file, read again when it changes."""
        mtime = Path(self.users_path).stat().st_mtime_ns if Path(self.users_path).exists() else 0
        with self._lock:
            if self._users is not None and self._users[0] == mtime:
                return self._users[1]
        users = read_users(self.users_path)
        with self._lock:
            self._users = (mtime, users)
        return users

    def base_settings(self, user: str) -> dict[str, str]:
        return {
            "server_version": "15.0",
            "server_encoding": "UTF8",
            "client_encoding": "UTF8",
            "datestyle": "ISO, MDY",
            "integer_datetimes": "on",
            "intervalstyle": "iso_8601",
            "is_superuser": "off",
            "session_authorization": user,
            "session_user": user,
            "standard_conforming_strings": "on",
            "timezone": "UTC",
            "default_transaction_read_only": "on",
            "transaction_read_only": "on",
            "in_hot_standby": "off",
            "application_name": "",
            "transaction isolation level": "read committed",
            "transaction_isolation": "read committed",
            "search_path": "public",
            "extra_float_digits": "1",
            "bytea_output": "hex",
            "default_table_access_method": "heap",
            "max_identifier_length": "63",
            "lc_collate": "C",
            "lc_ctype": "C",
            "server_version_num": "150000",
            "current_database": "redactor",
            "backend_pid": "0",
            "version": f"PostgreSQL 15.0 (redactor serve {__version__}: every statement "
            "is checked and masked by redactor)",
            "redactor.request": "",
        }

    def view(self, request_id: str | None, decision) -> SchemaView:
        """The field map's view under ``decision``, built once per request and decision (a
        later review that changes the decision gets a view of its own)."""
        if request_id is None or decision is None:
            return SchemaView({})
        key = (
            request_id,
            decision.restricted,
            decision.refused,
            tuple(sorted(decision.category_actions().items())),
        )
        with self._lock:
            cached = self._views.get(key)
        if cached is None:
            cached = execute.build_view(self.backend, decision)
            with self._lock:
                self._views[key] = cached
        return cached

    def cancel(self, pid: int, key: int) -> None:
        with self._lock:
            s = self._sessions.get(pid)
        if s is not None and getattr(s, "key", None) == key:
            s.cancelled = True  # type: ignore[attr-defined]

    def forget(self, session) -> None:
        with self._lock:
            self._sessions.pop(session.pid, None)

    # --- listening ----------------------------------------------------------------------
    def bind(self) -> tuple[str, int]:
        cfg = self.config
        info = socket.getaddrinfo(cfg.host, cfg.port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(info[0], socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
        sock.listen(128)
        self.sock = sock
        return sock.getsockname()[:2]

    def serve_forever(self) -> None:
        from redactor.serve.session import Session

        assert self.sock is not None
        self.sock.settimeout(0.5)
        while not self._stop.is_set():
            try:
                conn, addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = f"{addr[0]}:{addr[1]}" if isinstance(addr, tuple) else str(addr)
            with self._lock:
                full = len(self._sessions) >= self.config.max_connections
                pid = next(self._pids)
                session = None if full else Session(self, conn, peer, pid)
                if session is not None:
                    self._sessions[pid] = session
            if session is None:
                threading.Thread(target=_too_many, args=(conn, peer), daemon=True).start()
                continue
            threading.Thread(
                target=contextvars.copy_context().run,  # the command's settings (redactor.settings)
                args=(session.run,),
                name=f"serve-{pid}",
                daemon=True,
            ).start()

    def stop(self) -> None:
        self._stop.set()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()


def _too_many(conn: socket.socket, peer: str) -> None:
    log.warning("connection from %s refused: connection limit reached", peer)
    with contextlib.suppress(OSError):
        conn.settimeout(5)
        reader = wire.Reader(conn)
        with contextlib.suppress(Exception):
            code, _ = reader.startup()
            if code == wire.SSL_REQUEST:
                conn.sendall(b"N")
                reader.startup()
        conn.sendall(wire.error("53300", "sorry, too many clients already", severity="FATAL"))
        conn.close()
