"""SQL export: guard, qualify, rewrite by source substitution, explain, and run on a database.

Public API::

    rewrite_query(sql, field_map, decision, *, dialect, to=None, catalog=None) -> RewriteResult
    iter_query_batches(url, sql, batch_rows=65536) -> (pyarrow.Schema, Iterator[RecordBatch])
    catalog_schema(url) -> {table: [(column, sql_type), …]}
    parse_url(url) -> DbUrl;  redact_url(url) -> str
"""

from redactor.sql.rewrite import ColumnPolicy, OutputColumn, RewriteResult, rewrite_query
from redactor.sql.urls import DbUrl, parse_url, redact_url

__all__ = [
    "ColumnPolicy",
    "DbUrl",
    "OutputColumn",
    "RewriteResult",
    "parse_url",
    "redact_url",
    "rewrite_query",
]
