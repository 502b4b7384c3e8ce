"""The central store: one PostgreSQL table, append-only by trigger, for an agency-wide log.

Appends take a transaction-scoped advisory lock, so writers on any number of hosts extend one
chain in turn; the writer needs only SELECT and INSERT on the table. The table and its guard
triggers are created when missing (which needs CREATE on the schema); an administrator can
instead create them from :data:`SCHEMA_SQL` under a role the writer is not (docs/request-log.md).

A table created before ``notification`` entries existed has a CHECK constraint that allows only
``request`` and ``completion``; the first notification append widens it (:data:`UPGRADE_SQL`),
which needs the table's owner. A writer that is not the owner gets an error naming the statement
for an administrator to run.
"""

from __future__ import annotations

from collections.abc import Iterator

from redactor.requestlog.chain import GENESIS, KINDS_SQL, Entry, entry_hash
from redactor.requestlog.entry import utc_now
from redactor.requestlog.errors import LogUnavailableError, check_append
from redactor.requestlog.literals import redact_url

TABLE = "redactor_request_log"
LOCK_KEY = 0x7265646163746F72  # "redactor": one advisory lock id for appends and schema setup
GUARDS = (f"{TABLE}_no_update_delete", f"{TABLE}_no_truncate")

SCHEMA_SQL = f"""
CREATE TABLE {TABLE} (
    seq        bigint PRIMARY KEY,
    kind       text NOT NULL CONSTRAINT {TABLE}_kind_check
                   CHECK (kind IN ({KINDS_SQL})),
    request_id text NOT NULL,
    time       text NOT NULL,
    payload    text NOT NULL,
    prev_hash  text NOT NULL,
    hash       text NOT NULL UNIQUE
);
CREATE INDEX {TABLE}_request_id ON {TABLE} (request_id);
CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the request log is append-only: % rejected', TG_OP;
END $$;
CREATE TRIGGER {GUARDS[0]} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only();
CREATE TRIGGER {GUARDS[1]} BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only();
"""


UPGRADE_SQL = (
    f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {TABLE}_kind_check, "
    f"ADD CONSTRAINT {TABLE}_kind_check "
    f"CHECK (kind IN ({KINDS_SQL}))"
)


class PostgresStore:
    def __init__(self, url: str, *, create: bool) -> None:
        import psycopg

        self._psycopg = psycopg
        self.location = redact_url(url)
        try:
            self.conn = psycopg.connect(
                url, autocommit=True, connect_timeout=30, application_name="redactor-request-log"
            )
        except psycopg.Error as exc:
            raise LogUnavailableError(
                f"cannot connect to the request log at {self.location}: {_first_line(exc)}"
            ) from None
        try:
            if not self._has_table():
                if not create:
                    raise LogUnavailableError(f"no request log table {TABLE} at {self.location}")
                with self.conn.transaction():
                    self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                    if not self._has_table():
                        self.conn.execute(SCHEMA_SQL)
        except psycopg.Error as exc:
            self.conn.close()
            raise LogUnavailableError(
                f"cannot set up the request log at {self.location}: {_first_line(exc)}",
                hint="create the table as an administrator (docs/request-log.md) or grant "
                "CREATE on the schema",
            ) from None

    def _has_table(self) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
        return row is not None and row[0] is not None

    def ensure_kind(self, kind: str) -> None:
        """Widen an older table's CHECK constraint so it accepts ``kind`` (see module doc)."""
        psycopg = self._psycopg
        defs = [
            r[0]
            for r in self.conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = to_regclass(%s) AND contype = 'c'",
                (TABLE,),
            )
        ]
        if not any("kind" in d for d in defs) or any(f"'{kind}'" in d for d in defs):
            return
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                self.conn.execute(UPGRADE_SQL)
        except psycopg.Error as exc:
            raise LogUnavailableError(
                f"cannot upgrade the request log table at {self.location} to accept {kind} "
                f"entries: {_first_line(exc)}",
                hint=f"as the table's owner run: {UPGRADE_SQL}",
            ) from None

    def append(self, kind: str, request_id: str, payload: str) -> Entry:
        psycopg = self._psycopg
        try:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                kinds = {
                    r[0]
                    for r in self.conn.execute(
                        f"SELECT kind FROM {TABLE} WHERE request_id = %s", (request_id,)
                    )
                }
                check_append(kind, request_id, kinds)
                last = self.conn.execute(
                    f"SELECT seq, hash FROM {TABLE} ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                time = utc_now()
                digest = entry_hash(prev, seq, kind, request_id, time, payload)
                self.conn.execute(
                    f"INSERT INTO {TABLE} (seq, kind, request_id, time, payload, prev_hash, hash)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (seq, kind, request_id, time, payload, prev, digest),
                )
        except psycopg.Error as exc:
            raise LogUnavailableError(
                f"cannot write the request log at {self.location}: {_first_line(exc)}"
            ) from None
        return Entry(seq, kind, request_id, time, payload, prev, digest)

    def entries(self, request_id: str | None = None) -> Iterator[Entry]:
        sql = f"SELECT seq, kind, request_id, time, payload, prev_hash, hash FROM {TABLE}"
        params: tuple = ()
        if request_id is not None:
            sql, params = sql + " WHERE request_id = %s", (request_id,)
        with self.conn.cursor(name=None) as cur:
            cur.execute(sql + " ORDER BY seq", params)
            for row in cur:
                yield Entry(*row)

    def request_ids_with_prefix(self, prefix: str) -> list[str]:
        rows = self.conn.execute(
            f"SELECT DISTINCT request_id FROM {TABLE} WHERE left(request_id, %s) = %s",
            (len(prefix), prefix),
        )
        return [r[0] for r in rows]

    def guard_problems(self) -> tuple[str, ...]:
        rows = self.conn.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = to_regclass(%s)", (TABLE,)
        ).fetchall()
        enabled = {name for name, state in rows if state != "D"}
        return tuple(
            f"append-only guard missing or disabled: trigger {g}"
            for g in GUARDS
            if g not in enabled
        )

    def close(self) -> None:
        self.conn.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
