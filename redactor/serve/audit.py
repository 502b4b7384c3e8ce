"""Every request-log call of ``redactor serve``, in one place (so the logging API can change in
one module).

A statement's entry is an ``export`` request (the same record ``redactor export`` writes) with
its wire fields set: the login user, the session id and the client's address. It is begun once
the column plan is made and before the first row is sent, and completed after the last row
(``output`` is ``wire:<login>``, ``output_sha256`` the SHA-256 of the DataRow messages sent).
A client that goes away mid-result completes it as failed with the rows sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redactor.requestlog import Completion, RequestRecord, open_log

if TYPE_CHECKING:
    from redactor.request import Request


@dataclass(frozen=True, slots=True)
class Who:
    login_user: str
    session: str
    client: str


class Audit:
    """The server's request log, shared by its sessions (appends serialised by a lock)."""

    def __init__(self, target: str | None) -> None:
        self.target = target
        self._log = open_log(target)
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return self._log.location

    def close(self) -> None:
        with self._lock:
            self._log.close()

    def opened(self, request_id: str) -> tuple[Request, tuple[str, ...]]:
        """The opened request ``request_id`` (a unique prefix of at least 4 characters will do)
        with the evidence as reviewed, and its policies. BadInputError when there is none."""
        from redactor.request import opened_request

        with self._lock:
            rid = self._log.resolve_id(request_id, opened=True)
        return opened_request(rid, self.target)

    def for_session(self, who: Who) -> SessionLog:
        return SessionLog(self, who)

    def _begin(self, record: RequestRecord, who: Who) -> str:
        with self._lock:
            return self._log.begin(
                record, login_user=who.login_user, session=who.session, client=who.client
            )

    def _complete(self, rid: str, completion: Completion) -> None:
        with self._lock:
            self._log.complete(rid, completion)


class SessionLog:
    """The log as one session writes it: the ``RequestLogLike`` a statement's
    :class:`~redactor.audit.RequestAudit` writes through (each entry gains the login user, the
    session and the client's address)."""

    def __init__(self, audit: Audit, who: Who) -> None:
        self.audit = audit
        self.who = who

    @property
    def output(self) -> str:
        return f"wire:{self.who.login_user}"

    # RequestLogLike
    def begin(self, record: RequestRecord) -> str:
        return self.audit._begin(record, self.who)

    def complete(self, request_id: str, completion: Completion) -> None:
        self.audit._complete(request_id, completion)
