"""The default store: one SQLite file in WAL mode, append-only by trigger.

Appends are serialised across processes by ``BEGIN IMMEDIATE`` (one writer at a time, others
wait up to the busy timeout) and made durable by ``synchronous=FULL`` before ``append`` returns.

Schema versions: logs created before notification entries existed allow only the kinds
``request`` and ``completion`` (a CHECK constraint). They are read as they are; the first
``notification`` append rebuilds the table in one transaction with the wider CHECK (rows copied
verbatim, so every hash still verifies), the way SQLite documents changing a constraint.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from redactor.requestlog.chain import GENESIS, KINDS_SQL, Entry, entry_hash
from redactor.requestlog.entry import utc_now
from redactor.requestlog.errors import LogUnavailableError, check_append

BUSY_TIMEOUT_S = 120.0


def _is_full(exc: BaseException) -> bool:
    """SQLITE_FULL (``database or disk is full``) or ENOSPC/EDQUOT from the filesystem."""
    import errno

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)


GUARDS = ("request_log_no_update", "request_log_no_delete")

_TABLE_SQL = """CREATE TABLE {table} (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ({kinds})),
    request_id TEXT NOT NULL,
    time       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
    )"""
_SCHEMA: tuple[str, ...] = (
    _TABLE_SQL.format(table="request_log", kinds=KINDS_SQL),
    "CREATE INDEX request_log_request_id ON request_log (request_id)",
    f"CREATE TRIGGER {GUARDS[0]} BEFORE UPDATE ON request_log BEGIN"
    " SELECT RAISE(ABORT, 'the request log is append-only: UPDATE rejected'); END",
    f"CREATE TRIGGER {GUARDS[1]} BEFORE DELETE ON request_log BEGIN"
    " SELECT RAISE(ABORT, 'the request log is append-only: DELETE rejected'); END",
)


class SqliteStore:
    def __init__(self, path: str | os.PathLike, *, create: bool) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        if not self.path.exists():
            if not create:
                raise LogUnavailableError(
                    f"no request log at {self.path}",
                    hint="pass --log PATH|URL or set REDACTOR_LOG to the log to read",
                )
            self._create_file()
        try:
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            if create:
                self._ensure_schema()
            elif not self._has_table():
                raise LogUnavailableError(f"{self.path} is not a redactor request log")
        except sqlite3.Error as exc:
            raise LogUnavailableError(
                f"cannot open the request log at {self.path}: {exc}"
            ) from None

    def _create_file(self) -> None:
        """Create the log with its schema under a private temporary name, then link it into
        place: a process killed at any moment leaves either no log or a complete, empty one
        (never a file that readers reject), and a log another process created first wins."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # WAL/SHM inherit
            os.close(fd)
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                for statement in _SCHEMA:
                    conn.execute(statement)
            finally:
                conn.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # created meanwhile by another writer: use theirs
            except OSError:  # a filesystem without hard links
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except (OSError, sqlite3.Error) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise LogUnavailableError(
                f"cannot create the request log at {self.path}: {why}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)

    def _has_table(self) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='request_log'"
        ).fetchone()
        return row is not None

    def _ensure_schema(self) -> None:
        if self._has_table():
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if not self._has_table():
                for statement in _SCHEMA:
                    self.conn.execute(statement)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def ensure_kind(self, kind: str) -> None:
        """Widen an older log's CHECK constraint so it accepts ``kind`` (see module doc)."""
        row = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name='request_log'"
        ).fetchone()
        if row is None or f"'{kind}'" in row[0]:
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LogUnavailableError(
                f"cannot upgrade the request log at {self.path}: {exc}"
            ) from None
        try:
            row = self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name='request_log'"
            ).fetchone()
            if f"'{kind}'" not in row[0]:
                guards = {
                    r[0]
                    for r in self.conn.execute(
                        "SELECT name FROM sqlite_master WHERE type='trigger' "
                        "AND tbl_name='request_log'"
                    )
                }
                self.conn.execute(_TABLE_SQL.format(table="request_log_v2", kinds=KINDS_SQL))
                self.conn.execute(
                    "INSERT INTO request_log_v2 SELECT seq, kind, request_id, "
                    "time, payload, prev_hash, hash FROM request_log ORDER BY seq"
                )
                self.conn.execute("DROP TABLE request_log")  # fires no DELETE trigger
                self.conn.execute("ALTER TABLE request_log_v2 RENAME TO request_log")
                self.conn.execute(_SCHEMA[1])
                # re-create the guards that were there: a dropped guard stays reported missing
                for name, statement in zip(GUARDS, _SCHEMA[2:], strict=True):
                    if name in guards:
                        self.conn.execute(statement)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def append(self, kind: str, request_id: str, payload: str) -> Entry:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LogUnavailableError(
                f"cannot write the request log at {self.path}: {exc}"
            ) from None
        try:
            kinds = {
                r[0]
                for r in self.conn.execute(
                    "SELECT kind FROM request_log WHERE request_id = ?", (request_id,)
                )
            }
            check_append(kind, request_id, kinds)
            last = self.conn.execute(
                "SELECT seq, hash FROM request_log ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            time = utc_now()
            digest = entry_hash(prev, seq, kind, request_id, time, payload)
            self.conn.execute(
                "INSERT INTO request_log (seq, kind, request_id, time, payload, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, kind, request_id, time, payload, prev, digest),
            )
            self.conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            self._rollback()  # a full disk may have rolled it back already
            why = "the disk is full" if _is_full(exc) else str(exc)
            raise LogUnavailableError(
                f"cannot write the request log at {self.path}: {why}",
                hint="free space on the log's filesystem (nothing was written without a log "
                "entry), then run the request again",
            ) from None
        except BaseException:
            self._rollback()
            raise
        return Entry(seq, kind, request_id, time, payload, prev, digest)

    def _rollback(self) -> None:
        # no transaction may be left to roll back (SQLite ends it itself on SQLITE_FULL)
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")

    def entries(self, request_id: str | None = None) -> Iterator[Entry]:
        sql = "SELECT seq, kind, request_id, time, payload, prev_hash, hash FROM request_log"
        params: tuple = ()
        if request_id is not None:
            sql, params = sql + " WHERE request_id = ?", (request_id,)
        for row in self.conn.execute(sql + " ORDER BY seq", params):
            yield Entry(*row)

    def request_ids_with_prefix(self, prefix: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT request_id FROM request_log WHERE substr(request_id, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return [r[0] for r in rows]

    def guard_problems(self) -> tuple[str, ...]:
        have = {
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='request_log'"
            )
        }
        return tuple(
            f"append-only guard missing: trigger {g} was dropped" for g in GUARDS if g not in have
        )

    def close(self) -> None:
        self.conn.close()
