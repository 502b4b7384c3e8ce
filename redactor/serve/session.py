"""One client connection: startup, SCRAM authentication, then simple and extended queries.

Every data statement goes through :func:`redactor.serve.execute.start` (the export path) under
the request the session is bound to; catalog probes go to the session's synthetic catalog;
session commands are answered here. After an error in the extended protocol, messages are
skipped until Sync, as PostgreSQL does.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import secrets
import shlex
import socket
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow as pa

from redactor import __version__
from redactor.errors import BadInputError, QueryError, RedactorError, RefusedError, UsageError
from redactor.serve import execute, params, reuse, statements, values, wire
from redactor.serve.audit import SessionLog, Who
from redactor.serve.catalog import ProbeEngine, ProbeError
from redactor.serve.scram import MECHANISM, ScramError, ServerExchange, decoy_verifier

if TYPE_CHECKING:
    from redactor.policy.decide import Decision
    from redactor.serve.server import Server
    from redactor.sql.export import ReadConnection

log = logging.getLogger("redactor.serve")
SERVER_VERSION = "15.0"
FLUSH_BYTES = 256 * 1024
UNBOUND = (
    "this session is not bound to a request: connect with "
    "options='-c redactor.request=ID' or run SET redactor.request = 'ID' first "
    "(ID as printed by `redactor request open`)"
)


class SessionError(Exception):
    """An error to send to the client as an ErrorResponse (the session goes on)."""

    def __init__(self, sqlstate: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate, self.message, self.hint = sqlstate, message, hint


class Fatal(SessionError):
    """An error after which the connection is closed."""


def as_session_error(e: RedactorError) -> SessionError:
    first = str(e.message).splitlines()[0] if e.message else type(e).__name__
    if isinstance(e, RefusedError):
        return SessionError("42501", first, e.hint)
    if isinstance(e, params.ParameterError):
        return SessionError(e.sqlstate, first, e.hint)
    if isinstance(e, QueryError):
        return SessionError(e.sqlstate or "58000", first, e.hint)
    if isinstance(e, UsageError):
        return SessionError("42P10", first, e.hint)
    if isinstance(e, BadInputError) and ("parse" in first or "syntax" in first.lower()):
        return SessionError("42601", first, e.hint)
    if isinstance(e, BadInputError):
        return SessionError("22000", first, e.hint)
    return SessionError("XX000", first, e.hint)


@dataclass
class Prepared:
    name: str
    sql: str
    oids: list[int]
    stmt: statements.Statement
    nparams: int


@dataclass
class Portal:
    name: str
    prepared: Prepared
    sql: str  # with the parameters bound as literals (the prepared text when binding is set)
    stmt: statements.Statement
    formats: list[int]
    binding: params.Binding | None = None  # a query's parameters, run by execute.start
    stream: execute.Stream | None = None
    probe: pa.Table | None = None
    probe_at: int = 0
    sent: int = 0
    done: bool = False
    digest: object = field(default_factory=hashlib.sha256)
    batch: pa.RecordBatch | None = None
    batch_at: int = 0
    batches: object = None


class Session:
    def __init__(self, server: Server, sock: socket.socket, peer: str, pid: int) -> None:
        self.server = server
        self.sock = sock
        self.peer = peer
        self.pid = pid
        self.key = secrets.randbits(31)
        self.reader = wire.Reader(sock, server.config.max_message)
        self.out = bytearray()
        self.user = ""
        self.request_id: str | None = None
        self.decision: Decision | None = None
        self.tx = "I"
        self.skipping = False
        self.prepared: dict[str, Prepared] = {}
        self.portals: dict[str, Portal] = {}
        self.settings: dict[str, str] = {}
        self.probe_engine: ProbeEngine | None = None
        # cleared when the session is bound to another request
        self.rewrites = execute.session_rewrites()
        self.templates = reuse.session_templates()
        self.cancelled = False
        self.session_id = secrets.token_hex(8)
        self.db: ReadConnection | None = None  # the session's backend connection (lazily)

    # --- I/O ----------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.out += data
        if len(self.out) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.out:
            try:
                self.sock.sendall(self.out)
            except OSError as e:
                raise wire.ClientGone(str(e)) from None
            self.out.clear()

    def error(self, e: SessionError, severity: str = "ERROR") -> None:
        self.send(wire.error(e.sqlstate, e.message, hint=e.hint, severity=severity))

    # --- lifecycle ----------------------------------------------------------------------
    def run(self) -> None:
        cfg = self.server.config
        try:
            self.sock.settimeout(cfg.auth_timeout)
            if not self._startup():
                return
            self._loop()
        except Fatal as e:
            self._last_words(e)
        except wire.ProtocolViolation as e:
            log.warning(
                "session %s from %s: protocol violation (%s); connection closed",
                self.pid,
                self.peer,
                e,
            )
            self._last_words(SessionError(e.sqlstate, str(e)))
        except TimeoutError:
            log.info("session %s from %s: idle timeout; connection closed", self.pid, self.peer)
            self._last_words(SessionError("57P05", "terminating connection due to idle timeout"))
        except wire.ClientGone:
            pass
        except Exception as e:  # a bug: close this connection, keep serving
            log.exception("session %s: internal error", self.pid)
            self._last_words(SessionError("XX000", f"internal error ({type(e).__name__})"))
        finally:
            self._cleanup()

    def _last_words(self, e: SessionError) -> None:
        try:
            self.out.clear()
            self.error(e, "FATAL")
            self.flush()
        except Exception:
            pass

    def _cleanup(self) -> None:
        for p in list(self.portals.values()):
            self._drop_portal(p, "the client disconnected")
        self.portals.clear()
        if self.probe_engine is not None:
            self.probe_engine.close()
        if self.db is not None:
            self.db.close()
        self.server.forget(self)
        with contextlib.suppress(OSError):
            self.sock.close()

    # --- startup ------------------------------------------------------------------------
    def _startup(self) -> bool:
        cfg = self.server.config
        tls_done = False
        for _ in range(3):
            code, body = self.reader.startup()
            if code == wire.SSL_REQUEST:
                if self.server.tls is not None and not tls_done:
                    self.sock.sendall(b"S")
                    self.sock = self.server.tls.wrap_socket(self.sock, server_side=True)
                    self.reader = wire.Reader(self.sock, cfg.max_message)
                    tls_done = True
                else:
                    self.sock.sendall(b"N")
                continue
            if code == wire.GSSENC_REQUEST:
                self.sock.sendall(b"N")
                continue
            if code == wire.CANCEL_REQUEST:
                if len(body) == 8:
                    pid, key = struct.unpack("!ii", body)
                    self.server.cancel(pid, key)
                return False
            break
        else:
            raise wire.ProtocolViolation("too many negotiation requests")
        if code >> 16 != 3:
            raise Fatal("0A000", f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}")
        startup = wire.startup_params(body)
        if self.server.tls is not None and not tls_done:
            raise Fatal(
                "28000",
                "this server accepts only TLS connections",
                "connect with sslmode=require (or stronger)",
            )
        unknown = [k for k in startup if k.startswith("_pq_.")]
        if code & 0xFFFF or unknown:
            self.send(wire.negotiate_version(0, unknown))
        self.user = startup.get("user", "")
        if not self.user:
            raise Fatal("28000", "no PostgreSQL user name specified in startup packet")
        self._authenticate()
        self.settings = self.server.base_settings(self.user)
        for k in ("application_name",):
            if k in startup:
                self.settings[k] = startup[k][:64]
        for name, value in self.settings.items():
            if name in self.server.REPORTED:
                self.send(wire.parameter_status(self.server.REPORTED[name], value))
        self.send(wire.backend_key(self.pid, self.key))
        bind = _request_option(startup)
        if bind:
            try:
                self._bind(bind)
            except SessionError as e:
                raise Fatal(e.sqlstate, e.message, e.hint) from None
        self.send(wire.ready(self.tx))
        self.flush()
        return True

    def _authenticate(self) -> None:
        users = self.server.users()
        verifier = users.get(self.user) or decoy_verifier(self.server.secret, self.user)
        failed = Fatal("28P01", f'password authentication failed for user "{self.user}"')
        self.send(wire.auth(10, MECHANISM.encode() + b"\0\0"))
        self.flush()
        kind, body = self.reader.message()
        if kind != b"p":
            raise wire.ProtocolViolation("expected SASL response")
        b = wire.Body(body)
        if b.cstring() != MECHANISM:
            raise Fatal("28000", "client selected an invalid SASL authentication mechanism")
        n = b.int32()
        first = b.bytes(n) if n >= 0 else b""
        ex = ServerExchange(verifier)
        try:
            self.send(wire.auth(11, ex.first(first)))
            self.flush()
            kind, body = self.reader.message()
            if kind != b"p":
                raise wire.ProtocolViolation("expected SASL response")
            final = ex.final(body)
        except ScramError:
            log.info(
                "session %s from %s: authentication failed for %s", self.pid, self.peer, self.user
            )
            raise failed from None
        if self.user not in users:
            raise failed
        self.send(wire.auth(12, final))
        self.send(wire.auth(0))

    def _bind(self, request_id: str) -> None:
        from redactor.policy import decide, load_pack
        from redactor.policy.known import check_known

        try:
            request, policies = self.server.audit.opened(request_id.strip())
            policies = policies or self.server.config.policies
            packs = [load_pack(p) for p in policies] if policies else [load_pack(None)]
            check_known(request, packs)
            decision = decide(request, packs)
        except RedactorError as e:
            raise SessionError(
                "28000",
                f"cannot bind the session to request {request_id!r}: "
                + str(e.message).splitlines()[0],
                e.hint,
            ) from None
        self.request_id = request.opened_request
        self.decision = decision
        self.rewrites = execute.session_rewrites()
        self.templates = reuse.session_templates()
        self.settings["redactor.request"] = self.request_id or ""
        if self.probe_engine is not None:
            self.probe_engine.close()
            self.probe_engine = None

    def _log(self) -> SessionLog:
        return self.server.audit.for_session(Who(self.user, self.session_id, self.peer))

    # --- main loop ----------------------------------------------------------------------
    def _loop(self) -> None:
        cfg = self.server.config
        while True:
            self.sock.settimeout(cfg.idle_timeout)
            kind, body = self.reader.message()
            self.sock.settimeout(cfg.send_timeout)
            self.cancelled = False
            if kind == b"X":
                return
            if self.skipping and kind not in (b"S",):
                continue
            try:
                self._dispatch(kind, body)
            except SessionError as e:
                if isinstance(e, Fatal):
                    raise
                self.error(e)
                if self.tx == "T":
                    self.tx = "E"
                if kind in (b"Q", b"F"):  # each is its own cycle: ReadyForQuery follows
                    self.send(wire.ready(self.tx))
                else:
                    self.skipping = True
            if kind in (b"Q", b"S", b"H", b"F"):
                self.flush()

    def _dispatch(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self._simple(wire.Body(body).cstring())
        elif kind == b"P":
            self._parse(body)
        elif kind == b"B":
            self._bind_portal(body)
        elif kind == b"D":
            self._describe(body)
        elif kind == b"E":
            self._execute(body)
        elif kind == b"S":
            self.skipping = False
            if self.tx == "I":
                self._end_transaction()
            self.send(wire.ready(self.tx))
        elif kind == b"H":
            pass
        elif kind == b"C":
            b = wire.Body(body)
            what, name = b.byte(), b.cstring()
            if what == b"S":
                self.prepared.pop(name, None)
            elif what == b"P" and name in self.portals:
                self._drop_portal(self.portals.pop(name), "the client closed the portal")
            self.send(wire.CLOSE_COMPLETE)
        elif kind == b"F":
            raise SessionError("42501", "fast-path function calls are refused")
        elif kind in (b"d", b"c", b"f"):
            raise SessionError("08P01", "COPY is refused")
        elif kind == b"p":
            raise wire.ProtocolViolation("unexpected authentication message")
        else:
            raise wire.ProtocolViolation(f"invalid frontend message type {kind!r}")

    def _end_transaction(self) -> None:
        for p in list(self.portals.values()):
            self._drop_portal(p, "the transaction ended before the portal was read to its end")
        self.portals.clear()

    def _drop_portal(self, p: Portal, why: str) -> None:
        if p.stream is not None and not p.stream.closed:
            p.stream.fail(p.sent, f"{why} after {p.sent} rows")

    # --- simple query -------------------------------------------------------------------
    def _simple(self, sql: str) -> None:
        stmt = statements.classify(sql)
        if self.tx == "E" and stmt.kind not in ("commit", "rollback"):
            raise SessionError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        if stmt.kind == "empty":
            self.send(wire.EMPTY_QUERY)
        else:
            prepared = Prepared("", sql, [], stmt, 0)
            portal = Portal("", prepared, stmt.sql, stmt, [0])
            try:
                self._run(portal, describe=True, max_rows=0)
            except BaseException as e:
                self._drop_portal(portal, _why(e))
                raise
        self.send(wire.ready(self.tx))

    # --- extended query -----------------------------------------------------------------
    def _parse(self, body: bytes) -> None:
        b = wire.Body(body)
        name, sql = b.cstring(), b.cstring()
        n = b.int16()
        oids = [b.int32() for _ in range(max(n, 0))]
        b.done()
        if name and name in self.prepared:
            raise SessionError("42P05", f'prepared statement "{name}" already exists')
        stmt = statements.classify(sql)
        if stmt.kind == "refuse":
            self._refused(stmt)
        nparams = params.count_parameters(sql)
        if nparams and stmt.kind not in ("query", "probe"):
            raise SessionError("42P02", "parameters are accepted only in queries")
        oids = (oids + [0] * nparams)[: max(nparams, len(oids))]
        self.prepared[name] = Prepared(name, sql, oids, stmt, nparams)
        self.send(wire.PARSE_COMPLETE)

    def _bind_portal(self, body: bytes) -> None:
        b = wire.Body(body)
        portal, name = b.cstring(), b.cstring()
        formats = [b.int16() for _ in range(max(b.int16(), 0))]
        n = b.int16()
        raws: list[bytes | None] = []
        for _ in range(max(n, 0)):
            size = b.int32()
            raws.append(None if size < 0 else b.bytes(size))
        rformats = [b.int16() for _ in range(max(b.int16(), 0))]
        b.done()
        prepared = self.prepared.get(name)
        if prepared is None:
            raise SessionError("26000", f'prepared statement "{name}" does not exist')
        if n != prepared.nparams:
            raise SessionError(
                "08P01",
                f"bind message supplies {n} parameters, but prepared "
                f'statement "{name}" requires {prepared.nparams}',
            )
        if any(f not in (0, 1) for f in formats + rformats):
            raise SessionError("08P01", "unsupported format code")
        if portal and portal in self.portals:
            raise SessionError("42P03", f'portal "{portal}" already exists')
        if not portal and "" in self.portals:
            self._drop_portal(self.portals.pop(""), "the client replaced the unnamed portal")
        bound: params.Binding | None = None
        try:
            if not raws:
                sql, stmt = prepared.sql, prepared.stmt
            elif prepared.stmt.kind == "query":
                bound = params.binding(prepared.sql, raws, formats, prepared.oids)
                state = reuse.state(self.templates, bound)
                if state == "reuse":  # its shape was classified as a query, as this value is
                    sql, stmt = prepared.sql, prepared.stmt
                else:
                    sql = bound.text()
                    stmt = statements.classify(sql)
                    if state == "never" or stmt.kind != "query" or stmt.sql != sql:
                        bound = None  # run as the text it is
            else:
                sql = params.bind(prepared.sql, raws, formats, prepared.oids)
                stmt = statements.classify(sql)
        except RedactorError as e:
            raise as_session_error(e) from None
        if stmt.kind == "refuse":
            self._refused(stmt)
        self.portals[portal] = Portal(
            portal, prepared, stmt.sql, stmt, rformats or [0], binding=bound
        )
        self.send(wire.BIND_COMPLETE)

    def _describe(self, body: bytes) -> None:
        b = wire.Body(body)
        what, name = b.byte(), b.cstring()
        if what == b"S":
            prepared = self.prepared.get(name)
            if prepared is None:
                raise SessionError("26000", f'prepared statement "{name}" does not exist')
            self.send(wire.parameter_description([o or values.TEXT for o in prepared.oids]))
            schema = self._describe_statement(prepared)
            self.send(
                wire.NO_DATA if schema is None else wire.row_description(_fields(schema, [0]))
            )
            return
        if what != b"P":
            raise wire.ProtocolViolation("invalid DESCRIBE message subtype")
        portal = self.portals.get(name)
        if portal is None:
            raise SessionError("34000", f'portal "{name}" does not exist')
        self._open(portal)
        schema = self._schema(portal)
        self.send(
            wire.NO_DATA
            if schema is None
            else wire.row_description(_fields(schema, portal.formats))
        )

    def _describe_statement(self, prepared: Prepared) -> pa.Schema | None:
        stmt = prepared.stmt
        if stmt.kind == "show":
            return pa.schema([pa.field(stmt.name or "setting", pa.string())])
        if stmt.kind not in ("query", "probe"):
            return None
        nulls = [None] * prepared.nparams
        sql = params.bind(prepared.sql, nulls, [0], prepared.oids)
        if stmt.kind == "probe":
            return self._probe(sql).schema
        decision = self._need_decision()
        try:
            return execute.describe(self.server.backend, sql, decision, self._db())
        except RedactorError as e:
            raise as_session_error(e) from None

    def _execute(self, body: bytes) -> None:
        b = wire.Body(body)
        name, max_rows = b.cstring(), b.int32()
        portal = self.portals.get(name)
        if portal is None:
            raise SessionError("34000", f'portal "{name}" does not exist')
        if self.tx == "E" and portal.stmt.kind not in ("commit", "rollback"):
            raise SessionError(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            )
        try:
            self._run(portal, describe=False, max_rows=max(max_rows, 0))
        except BaseException as e:
            self._drop_portal(portal, _why(e))
            self.portals.pop(name, None)
            raise

    # --- running a statement ------------------------------------------------------------
    def _need_decision(self) -> Decision:
        if self.decision is None:
            raise SessionError("42501", UNBOUND)
        return self.decision

    def _refused(self, stmt: statements.Statement) -> None:
        if self.decision is not None and stmt.sqlstate == "42501":
            backend = self.server.backend
            from redactor.audit import RequestAudit

            job = backend.job(stmt.sql, "wire")
            audit = RequestAudit(self._log(), self.decision, job, backend.field_map)
            audit.refuse(stmt.reason or "refused")
        raise SessionError(stmt.sqlstate, f"Refused: {stmt.reason}", statements.HOW_TO)

    def _probe(self, sql: str) -> pa.Table:
        if self.probe_engine is None:
            view = self.server.view(self.request_id, self.decision)
            self.probe_engine = ProbeEngine(view, self.settings)
        try:
            return self.probe_engine.run(sql)
        except ProbeError as e:
            raise SessionError(
                "0A000",
                f"redactor serve cannot answer this catalog probe from the field map's view ({e})",
            ) from None

    def _open(self, portal: Portal) -> None:
        """Start the statement of ``portal`` if it has not started (its rows are not sent)."""
        stmt = portal.stmt
        if portal.stream is not None or portal.probe is not None or portal.done:
            return
        if stmt.kind == "query":
            decision = self._need_decision()
            try:
                portal.stream = execute.start(
                    self.server.backend,
                    portal.binding or portal.sql,
                    decision,
                    self._log(),
                    self.rewrites,
                    self._db(),
                    self.templates,
                )
            except RedactorError as e:
                raise as_session_error(e) from None
            portal.batches = portal.stream.batches()
        elif stmt.kind == "probe":
            portal.probe = self._probe(portal.sql)
        elif stmt.kind == "show":
            portal.probe = pa.table({stmt.name or "setting": [self._show(stmt.name or "")]})

    def _db(self) -> ReadConnection:
        """The session's one read-only backend connection, reused across its statements."""
        if self.db is None:
            self.db = self.server.backend.connect()
        return self.db

    def _schema(self, portal: Portal) -> pa.Schema | None:
        if portal.stream is not None:
            return portal.stream.schema
        if portal.probe is not None:
            return portal.probe.schema
        return None

    def _run(self, portal: Portal, *, describe: bool, max_rows: int) -> None:
        stmt = portal.stmt
        if stmt.kind == "refuse":
            self._refused(stmt)
        if stmt.kind == "empty":
            self.send(wire.EMPTY_QUERY)
            return
        if stmt.kind in ("query", "probe", "show"):
            self._open(portal)
            if describe:
                self.send(wire.row_description(_fields(self._schema(portal), portal.formats)))
            self._send_rows(portal, max_rows)
            return
        self.send(wire.command_complete(self._command(stmt)))

    def _command(self, stmt: statements.Statement) -> str:
        if stmt.kind == "begin":
            self.tx = "T" if self.tx == "I" else self.tx
            return "BEGIN"
        if stmt.kind in ("commit", "rollback"):
            was = self.tx
            self.tx = "I"
            self._end_transaction()
            return "ROLLBACK" if stmt.kind == "rollback" or was == "E" else "COMMIT"
        if stmt.kind == "set":
            name, value = stmt.name or "", stmt.value or ""
            if name == "redactor.request":
                try:
                    self._bind(value)
                except SessionError as e:
                    raise SessionError("42501", e.message, e.hint) from None
                return "SET"
            if name == "client_encoding" and value.upper().replace("-", "") not in (
                "UTF8",
                "UNICODE",
            ):
                raise SessionError("22023", "redactor serve speaks only UTF8")
            if name in ("transaction", "session characteristics"):
                return "SET"
            self.settings[name] = value
            if name in self.server.REPORTED:
                self.send(wire.parameter_status(self.server.REPORTED[name], value))
            return "SET"
        if stmt.kind == "reset":
            return "DISCARD ALL" if stmt.sql.strip().upper().startswith("DISCARD") else "RESET"
        raise SessionError("42501", f"Refused: {stmt.reason or 'not a read-only query'}")

    def _show(self, name: str) -> str:
        value = self.settings.get(name.lower())
        if value is None:
            raise SessionError("42704", f'unrecognized configuration parameter "{name}"')
        return value

    def _send_rows(self, portal: Portal, max_rows: int) -> None:
        """Send rows of ``portal`` (all, or up to ``max_rows``), then CommandComplete or
        PortalSuspended. The request entry is completed when the last row is sent; a client
        that goes away before completes it as failed (see _cleanup)."""
        formats = portal.formats
        sent_now = 0
        while True:
            if portal.batch is None or portal.batch_at >= portal.batch.num_rows:
                portal.batch = self._next_batch(portal)
                portal.batch_at = 0
                if portal.batch is None:
                    break
                cells = _encode(portal.batch, formats)
                portal.cells = cells  # type: ignore[attr-defined]
            cells = portal.cells  # type: ignore[attr-defined]
            n = portal.batch.num_rows
            end = n if not max_rows else min(n, portal.batch_at + (max_rows - sent_now))
            # at most about FLUSH_BYTES at a time, counted as sent before they are written: a
            # client gone mid-chunk is logged with at most one chunk more than it received,
            # never fewer
            limit = cells.offsets[portal.batch_at] + FLUSH_BYTES
            end = max(portal.batch_at + 1, min(end, bisect.bisect_right(cells.offsets, limit) - 1))
            chunk = cells.between(portal.batch_at, end)
            portal.digest.update(chunk)  # type: ignore[attr-defined]
            sent_now += end - portal.batch_at
            portal.sent += end - portal.batch_at
            portal.batch_at = end
            self.send(chunk)
            if self.cancelled:
                raise SessionError("57014", "canceling statement due to user request")
            if (
                max_rows
                and sent_now >= max_rows
                and (portal.batch_at < n or self._has_more(portal))
            ):
                self.send(wire.PORTAL_SUSPENDED)
                return
        portal.done = True
        if portal.stream is not None:
            self.flush()  # every row is delivered before the entry is completed
            portal.stream.finish(portal.sent, portal.digest.hexdigest())  # type: ignore
        self.send(
            wire.command_complete(f"SELECT {portal.sent}" if portal.stmt.kind != "show" else "SHOW")
        )

    def _has_more(self, portal: Portal) -> bool:
        nxt = self._next_batch(portal)
        if nxt is None:
            portal.batch = None
            return False
        portal.batch, portal.batch_at = nxt, 0
        portal.cells = _encode(nxt, portal.formats)  # type: ignore[attr-defined]
        return True

    def _next_batch(self, portal: Portal) -> pa.RecordBatch | None:
        if portal.probe is not None:
            batches = portal.probe.to_batches()
            if portal.probe_at >= len(batches):
                return None
            portal.probe_at += 1
            return batches[portal.probe_at - 1]
        if portal.stream is None:
            return None
        try:
            return next(portal.batches)  # type: ignore[call-overload]
        except StopIteration:
            return None
        except RedactorError as e:
            err = as_session_error(e)
            portal.stream.fail(portal.sent, f"stopped after {portal.sent} rows: " + err.message)
            raise err from None


def _why(e: BaseException) -> str:
    if isinstance(e, wire.ClientGone):
        return "the client disconnected"
    if isinstance(e, TimeoutError):
        return "the client stopped reading"
    if isinstance(e, SessionError):
        return f"the statement failed ({e.sqlstate})"
    return f"the statement failed ({type(e).__name__})"


def _encode(batch: pa.RecordBatch, formats: list[int]) -> values.EncodedRows:
    """The batch's DataRow messages: assembled by Arrow, or cell by cell for a few rows (where
    Arrow's fixed cost per call is the larger one); the bytes are the same."""
    small = batch.num_rows <= values.SMALL_BATCH
    out = []
    for i, col in enumerate(batch.columns):
        fmt = formats[0] if len(formats) == 1 else (formats[i] if i < len(formats) else 0)
        if small:
            out.append(values.binary_cells(col) if fmt == 1 else values.text_cells(col))
        else:
            out.append(values.binary_column(col) if fmt == 1 else values.text_column(col))
    if small:
        return values.encode_small(out, batch.num_rows)
    return values.encode_rows(out, batch.num_rows)


def _fields(schema: pa.Schema | None, formats: list[int]) -> list[wire.Field]:
    out = []
    for i, f in enumerate(schema or []):
        fmt = formats[0] if len(formats) == 1 else (formats[i] if i < len(formats) else 0)
        oid = values.type_oid(f.type)
        if fmt == 1 and not values.binary_supported(f.type):
            raise SessionError(
                "0A000",
                f"binary format for column {f.name!r} ({f.type}) is not supported; ask for text",
            )
        out.append(
            wire.Field(
                f.name, oid, values.TYPE_SIZES.get(oid, -1), values.type_modifier(f.type), fmt
            )
        )
    return out


def _request_option(startup: dict[str, str]) -> str | None:
    if "redactor.request" in startup:
        return startup["redactor.request"]
    opts = startup.get("options", "")
    try:
        words = shlex.split(opts.replace("\\ ", "\0"))
    except ValueError:
        return None
    words = [w.replace("\0", " ") for w in words]
    for i, w in enumerate(words):
        item = None
        if w == "-c" and i + 1 < len(words):
            item = words[i + 1]
        elif (w.startswith("-c") and len(w) > 2) or w.startswith("--"):
            item = w[2:]
        if item and "=" in item:
            k, _, val = item.partition("=")
            if k.strip().lower() == "redactor.request":
                return val.strip()
    return None


__all__ = ["SERVER_VERSION", "Session", "__version__"]
