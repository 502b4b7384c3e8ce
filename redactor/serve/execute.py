"""One data statement through the export path: guard and rewrite, post-check, the database's
read-only connection, the column plan, then batches for the wire.

This is :func:`redactor.sql.job.export_query` with the wire in place of the output file: the
same rewrite (PostgreSQL dialect in, the backend's dialect out), the same catalog, the same
post-check of released outputs, the same plan from :func:`outputs_field_map` applied again in
Arrow, the same drift check and record limit. The request entry is begun before
:meth:`Stream.batches` yields anything.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from redactor.audit import Job, Outcome, RequestAudit
from redactor.errors import QueryError, RedactorError, RefusedError
from redactor.fieldmap import FieldMap
from redactor.io.formats import Format
from redactor.pipeline import output_schema, plan_request, redacted_batches, refused
from redactor.planning import plan_columns
from redactor.policy.decide import Decision
from redactor.serve import reuse
from redactor.serve.audit import SessionLog
from redactor.serve.params import Binding
from redactor.serve.pgcopy import CopyConnection
from redactor.sql.export import ReadConnection, catalog_schema, iter_query_batches
from redactor.sql.job import (
    OUTPUT_TABLE,
    check_output_names,
    in_user_query,
    outputs_field_map,
    query_batches,
)
from redactor.sql.parsed import CACHED_TEXT, TreeCache
from redactor.sql.rewrite import RewriteResult, rewrite_query
from redactor.transform import empty_batch, scrubber_for, transform_batch
from redactor.urls import parse_url

CLIENT_DIALECT = "postgres"
CATALOG_TTL = 30.0  # seconds a read of the database's catalog is reused
DEFAULT_BATCH_ROWS = 65_536
STRIPPED_CACHE = 1024  # statements whose literal-stripped form the server keeps
#: rewrites a session keeps (same text, decision and catalog read), in a TreeCache: a rewrite
#: holds its syntax tree, so the characters of their texts are bounded too
REWRITE_CACHE = 256


@dataclass
class Backend:
    """The one database a server serves, with its field map."""

    url: str
    field_map: FieldMap
    batch_rows: int = DEFAULT_BATCH_ROWS
    _catalog: tuple[float, dict] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stripped: dict[str, str] = field(default_factory=dict, repr=False)  # text -> no literals

    def __post_init__(self) -> None:
        self.db = parse_url(self.url)

    def connect(self) -> ReadConnection:
        """A session's read-only connection (opened on its first statement, reused by the
        next ones; see :class:`~redactor.sql.export.ReadConnection`). PostgreSQL results are
        read by COPY where their column types allow (:mod:`redactor.serve.pgcopy`)."""
        return CopyConnection(self.db)

    def catalog(self, con: ReadConnection | None = None) -> dict:
        with self._lock:
            if self._catalog is not None and time.monotonic() - self._catalog[0] < CATALOG_TTL:
                return self._catalog[1]
        cat = catalog_schema(con if con is not None else self.url)
        with self._lock:
            self._catalog = (time.monotonic(), cat)
        return cat

    def job(self, sql: str, output: str) -> Job:
        """The request log's job for statement ``sql`` (its literals stripped)."""
        return self.named_job(self.stripped(sql), output)

    def stripped(self, sql: str) -> str:
        """``sql`` with its literals stripped, as the request log records it."""
        from redactor.requestlog.literals import strip_sql_literals

        stripped = self._stripped.get(sql)
        if stripped is None:
            stripped = strip_sql_literals(sql, CLIENT_DIALECT)
            if len(sql) > CACHED_TEXT:
                return stripped
            with self._lock:
                if len(self._stripped) >= STRIPPED_CACHE:
                    self._stripped.clear()
                self._stripped[sql] = stripped
        return stripped

    def named_job(self, stripped: str, output: str) -> Job:
        """The request log's job for a statement whose stripped text is ``stripped``."""
        return Job(
            source=self.db.display,
            output=output,
            output_format=Format.CSV,
            table=OUTPUT_TABLE,
            command="export",
            query=stripped,
        )


@dataclass
class Stream:
    """A statement whose plan is made and whose request entry is begun (by its audit); the
    session sends its batches, then finishes or fails it."""

    schema: pa.Schema  # what the client is sent (after the plan)
    audit: RequestAudit
    outcome: Outcome
    _batches: Iterator[pa.RecordBatch]
    closed: bool = False

    @property
    def request_id(self) -> str | None:
        return self.audit.request_id

    @property
    def rows_in(self) -> int:
        return self.outcome.rows_in

    def batches(self) -> Iterator[pa.RecordBatch]:
        return self._batches

    def finish(self, rows_out: int, sha256: str) -> None:
        """Every row was sent: ``sha256`` is the digest of the DataRow messages."""
        if not self.closed:
            self.closed = True
            self.outcome.rows_out = rows_out
            self.outcome.output_sha256 = sha256
            self.audit.complete(self.outcome)
            _close(self._batches)

    def fail(self, rows_sent: int, error: str) -> None:
        """The client went away, cancelled, or a later batch was stopped: the entry is
        completed as failed with the rows already sent."""
        if not self.closed:
            self.closed = True
            _close(self._batches)
            self.audit.fail(error, rows_sent=rows_sent)


def _close(it: object) -> None:
    close = getattr(it, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


#: a session's rewrites by (text, id of the catalog read), each with the read it was made with:
#: the read is held and compared, so a freed read's id taken by a new one cannot match
Rewrites = TreeCache[tuple[str, int], tuple[RewriteResult, dict]]


def session_rewrites() -> Rewrites:
    """A session's cache of rewrites, keyed by text and catalog read (see :func:`start`)."""
    return TreeCache(REWRITE_CACHE)


def start(
    backend: Backend,
    sql: str | Binding,
    decision: Decision,
    log: SessionLog,
    rewrites: Rewrites | None = None,
    con: ReadConnection | None = None,
    templates: reuse.Templates | None = None,
) -> Stream:
    """Check, rewrite and run ``sql``; plan its columns; begin its request entry — the steps of
    ``redactor export``, in one :class:`~redactor.audit.RequestAudit` (a refusal is logged as
    refused, any other error as failed). The returned stream's batches are redacted as they are
    read, by the engine's own :func:`~redactor.pipeline.redacted_batches`.

    ``sql``: the statement's text, or a prepared statement's text with the values of a Bind
    message (:class:`~redactor.serve.params.Binding`, which the session classified as a query).
    ``rewrites``: a session's cache of rewrites of the same text under the same decision and
    the same read of the catalog (the rewrite is a pure function of those three).
    ``templates``: a session's rewrites reused across parameter values
    (:mod:`redactor.serve.reuse`).
    ``con``: the session's read-only connection (catalog, post-check sample and query run on
    it); None opens one for this statement."""
    fm = backend.field_map
    source: str | ReadConnection = con if con is not None else backend.url
    binding = sql if isinstance(sql, Binding) else None
    template = None
    if binding is not None and templates is not None:
        template = templates.get(reuse.key(binding))
    if template is not None:
        text, job = None, backend.named_job(template.stripped, log.output)
    else:
        text = sql.text() if isinstance(sql, Binding) else sql
        job = backend.job(text, log.output)
    audit = RequestAudit(log, decision, job, fm, dialect=CLIENT_DIALECT)
    batches: Iterator[pa.RecordBatch] | None = None
    try:
        with audit:
            if decision.refused:
                audit.refuse("; ".join(decision.reasons) or "the request is refused")
                raise refused(decision)
            catalog = backend.catalog(con)
            if template is not None and template.catalog is catalog:
                assert binding is not None
                result = template.instantiate(binding.slots, CLIENT_DIALECT)
            else:
                if text is None:  # the template was made with an older read of the catalog
                    assert binding is not None
                    text = binding.text()
                result = _rewritten(backend, text, decision, catalog, rewrites)
                if binding is not None and templates is not None:
                    steps = reuse.Steps(
                        lambda t: _rewrite_checked(backend, t, decision, catalog),
                        backend.stripped,
                        CLIENT_DIALECT,
                    )
                    reuse.learn(templates, binding, result, job.query or "", catalog, steps)
            schema, batches, out_map = query_batches(
                source, result, fm, decision, catalog, backend.batch_rows
            )
            first, outcome = plan_request(decision, schema, batches, job, out_map, audit)
            audit.begin(outcome)
    except BaseException:
        if batches is not None:
            _close(batches)
        raise
    rows = batches

    def released() -> Iterator[pa.RecordBatch]:
        try:
            yield from redacted_batches(decision, schema, first, rows, job, outcome)
        finally:
            _close(rows)

    return Stream(output_schema(schema, outcome), audit, outcome, released())


def _rewrite_checked(
    backend: Backend, sql: str, decision: Decision, catalog: dict
) -> RewriteResult:
    result = rewrite_query(
        sql, backend.field_map, decision, dialect=CLIENT_DIALECT, to=backend.db.dialect,
        catalog=catalog,
    )  # fmt: skip
    check_output_names(result)
    return result


def _rewritten(
    backend: Backend,
    sql: str,
    decision: Decision,
    catalog: dict,
    rewrites: Rewrites | None,
) -> RewriteResult:
    key = (sql, id(catalog))
    hit = rewrites.get(key) if rewrites is not None else None
    if hit is not None and hit[1] is catalog:
        return hit[0]
    result = _rewrite_checked(backend, sql, decision, catalog)
    if rewrites is not None:
        rewrites.discard(key)
        rewrites.put(key, (result, catalog), sql)
    return result


def describe(
    backend: Backend, sql: str, decision: Decision, con: ReadConnection | None = None
) -> pa.Schema:
    """The columns ``sql`` would return under ``decision`` (names and types, from the rewrite,
    the database's result description and the plan without a sample); reads no row and logs
    nothing. Raises as :func:`start` would."""
    fm = backend.field_map
    job = backend.job(sql, "describe")
    if decision.refused:
        raise RefusedError(
            "Request refused: " + (decision.reasons[0] if decision.reasons else "refused")
        )
    catalog = backend.catalog(con)
    result = _rewrite_checked(backend, sql, decision, catalog)
    try:
        described = con.result_schema(result.sql) if isinstance(con, CopyConnection) else None
        if described is not None:
            schema = described
        else:
            schema, raw = iter_query_batches(con if con is not None else backend.url, result.sql, 1)
            _close(raw)
    except QueryError as e:
        raise in_user_query(e, result) from None
    out_map = outputs_field_map(result, list(schema.names), fm)
    plan = plan_columns(schema, decision, out_map.table(job.table), None, strict=job.strict)
    try:
        return transform_batch(empty_batch(schema), plan, None, scrubber_for(plan)).schema
    except RedactorError:
        return pa.schema([pa.field(p.name, pa.string()) for p in plan if not p.drops])


def build_view(backend: Backend, decision: Decision | None):
    """The field map's view of the schema under ``decision`` (no decision: no tables): each
    mapped, non-sensitive table the database has, with the columns ``SELECT *`` releases."""
    from redactor.fieldmap import normalize_name
    from redactor.serve.catalog import SchemaView, ViewColumn

    tables: dict[str, tuple[ViewColumn, ...]] = {}
    if decision is None or decision.refused:
        return SchemaView(tables)
    present = {normalize_name(t): t for t in backend.catalog()}
    for key, table in backend.field_map.tables.items():
        if table.sensitive_table or key not in present:
            continue
        name = present[key]
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            schema = describe(backend, f"SELECT * FROM {quoted}", decision)
        except RedactorError:
            continue  # nothing of it is released under this decision
        tables[name] = tuple(ViewColumn(f.name, f.type) for f in schema)
    return SchemaView(tables)
