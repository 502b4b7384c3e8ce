"""One export request end to end: rewrite, run, and hand the batches to the redaction pipeline.

The pipeline (:mod:`redactor.pipeline`) does what file redaction does: log before output,
stream through the column plan again (defence in depth), atomic write, manifest. The plan it
applies comes from :func:`outputs_field_map`, which gives each output column the rule of the
source column that masked it, so a value the SQL masked is masked again (idempotently) in Arrow,
and outputs built from dropped columns are dropped from the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import MappingProxyType

import pyarrow as pa

from redactor.audit import Job, Outcome, RequestAudit
from redactor.categories import Action, Category
from redactor.errors import QueryError, RefusedError, UsageError
from redactor.fieldmap import ColumnRule, FieldMap, TableMap, normalize_name
from redactor.io.formats import Format
from redactor.pipeline import run
from redactor.policy.decide import Decision
from redactor.sql import postcheck
from redactor.sql.export import DEFAULT_BATCH_ROWS, catalog_schema, connect, iter_query_batches
from redactor.sql.rewrite import OutputColumn, RewriteResult, rewrite_query
from redactor.urls import parse_url

OUTPUT_TABLE = "query"
# What the Arrow pass does to an output the SQL already masked (idempotent on masked values).
_AGAIN = {
    Action.DROP: Action.DROP,
    Action.NULL: Action.NULL,
    Action.HASH: Action.NULL,
    Action.SCRUB: Action.NULL,
    Action.REDACT: Action.REDACT,
    Action.MASK: Action.MASK,
}


@dataclass
class ExportResult:
    rewrite: RewriteResult | None
    outcome: Outcome | None


def _again(o: OutputColumn, name: str) -> ColumnRule | None:
    if not o.masked:
        return ColumnRule(name=name, category=Category.NONE)
    if o.rule is None:  # unmapped source (NULL in SQL): left to the pipeline's detection
        return None
    r = o.rule
    if o.action is Action.GENERALIZE:
        year = r.generalize_to == "year" or (
            r.generalize_to is None and r.category is Category.BIRTH_DATE
        )
        action = Action.GENERALIZE if year else Action.NULL
        return ColumnRule(
            name=name, category=r.category, action=action, generalize_to="year" if year else None
        )
    return ColumnRule(
        name=name,
        category=r.category,
        action=_AGAIN.get(o.action, Action.NULL),
        keep_last=r.keep_last,
    )


def outputs_field_map(result: RewriteResult, names: list[str], source: FieldMap) -> FieldMap:
    """A one-table field map for the query's output columns (matched by position)."""
    cols: dict[str, ColumnRule] = {}
    for o, name in zip(result.outputs, names, strict=True):
        rule = _again(o, name)
        if rule is not None:
            cols[normalize_name(name)] = rule
    table = TableMap(
        name=OUTPUT_TABLE,
        columns=MappingProxyType(cols),
        description="output columns of an export query",
    )
    return FieldMap(
        name=source.name,
        tables=MappingProxyType({OUTPUT_TABLE: table}),
        description=source.description,
        source=source.source,
        sha256=source.sha256,
    )


def check_output_names(result: RewriteResult) -> None:
    """Two outputs with one name cannot both be written. The message names them only when the
    name does not read like a value (an alias is query text: it may be an SSN or a name)."""
    from redactor.safe_names import is_value

    seen: dict[str, int] = {}
    for o in result.outputs:
        k = normalize_name(o.name)
        if k in seen:
            named = "" if is_value(o.name) else f" {o.name!r}"
            raise UsageError(
                f"Output columns {seen[k] + 1} and {o.position + 1} are both named{named} "
                "(names match case-insensitively)",
                hint="give one of them an alias (AS …) so the output file can hold both",
            )
        seen[k] = o.position


def export_query(
    url: str,
    sql: str,
    field_map: FieldMap,
    decision: Decision,
    *,
    output: str,
    output_format: Format,
    dialect: str | None = None,
    manifest: str | None = None,
    log=None,
    dry_run: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_rewrite: Callable[[RewriteResult], None] | None = None,
    on_plan: Callable[[Outcome], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Rewrite ``sql`` for ``decision``, run it on ``url`` and write ``output``.

    The request is one :class:`~redactor.audit.RequestAudit` from the rewrite to the commit:
    refusals and failures are logged (with the literal-stripped query and a credential-free
    URL) before they are raised.
    """
    from redactor.requestlog.literals import strip_sql_literals

    db = parse_url(url)
    read = dialect or db.dialect
    job = Job(
        source=db.display,
        output=output,
        output_format=output_format,
        table=OUTPUT_TABLE,
        manifest=manifest,
        command="export",
        query=strip_sql_literals(sql, read),
    )
    with RequestAudit(log, decision, job, field_map, dialect=read) as audit:
        if decision.refused:
            run(decision, pa.schema([]), iter(()), job, audit=audit)  # logs, raises
        # one read-only connection for the catalog, the post-check's sample and the query
        with connect(db) as con:
            catalog = catalog_schema(con)
            result = rewrite_query(
                sql, field_map, decision, dialect=read, to=db.dialect, catalog=catalog
            )
            check_output_names(result)
            if on_rewrite:
                on_rewrite(result)
            names = [o.name for o in result.outputs]
            if dry_run:
                schema = pa.schema([pa.field(n, pa.string()) for n in names])
                out_map = outputs_field_map(result, names, field_map)
                audit.closed = True  # a dry run is not logged
                outcome = run(
                    decision,
                    schema,
                    iter(()),
                    job,
                    field_map=out_map,
                    log=None,
                    dry_run=True,
                    on_plan=on_plan,
                )
                return ExportResult(result, outcome)
            schema, batches, out_map = query_batches(
                con, result, field_map, decision, catalog, batch_rows
            )
            outcome = run(
                decision,
                schema,
                _counted(batches, progress),
                job,
                field_map=out_map,
                audit=audit,
                on_plan=on_plan,
            )
            return ExportResult(result, outcome)


def query_batches(
    source,
    result: RewriteResult,
    field_map: FieldMap,
    decision: Decision,
    catalog,
    batch_rows: int,
) -> tuple[pa.Schema, Iterator[pa.RecordBatch], FieldMap]:
    """Run a checked rewrite on ``source`` (a URL or an open read-only connection), as
    ``export`` and the wire front end both do: sample the protected values for the post-check
    first, then stream the result with database errors placed in the user's query and every
    batch post-checked. A result whose columns are not the analysed ones is refused. Returns
    the result's schema, its batches and the field map of its output columns."""
    check = postcheck.prepare(source, result, field_map, decision, catalog)
    try:
        schema, raw = iter_query_batches(source, result.sql, batch_rows)
    except QueryError as e:
        raise in_user_query(e, result) from None
    if len(schema.names) != len(result.outputs):
        close = getattr(raw, "close", None)
        if close is not None:
            close()
        raise RefusedError(
            "Refused: the database returned a different number of columns "
            "than the query analysis found"
        )
    batches = located_batches(result, raw)
    if check is not None:
        batches = check.checked(batches)
    return schema, batches, outputs_field_map(result, list(schema.names), field_map)


_SENT_AT = re.compile(r" at line \d+, col \d+ of the SQL sent to the database")


def in_user_query(e: QueryError, result: RewriteResult) -> QueryError:
    """``e`` with the error's position given in the user's own query (the SQL that ran is the
    rewritten one), or said to lie in redactor's masks."""
    if e.offset is None or not _SENT_AT.search(e.message):
        return e
    pos = result.position_of(e.offset)
    where = f" at {pos} of the query" if pos else " in redactor's masked copy of a table"
    located = QueryError(
        _SENT_AT.sub(where, e.message),
        hint=e.hint,
        error_class=e.error_class,
        sqlstate=e.sqlstate,
        offset=e.offset,
    )
    return located


def located_batches(
    result: RewriteResult, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    try:
        yield from batches
    except QueryError as e:
        raise in_user_query(e, result) from None
    finally:
        close = getattr(batches, "close", None)
        if close:
            close()


def _counted(
    batches: Iterator[pa.RecordBatch], progress: Callable[[int], None] | None
) -> Iterator[pa.RecordBatch]:
    rows = 0
    try:
        for b in batches:
            yield b
            rows += b.num_rows
            if progress:
                progress(rows)
    finally:
        close = getattr(batches, "close", None)
        if close:
            close()
