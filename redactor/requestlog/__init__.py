"""The tamper-evident request log and the quarterly report built from it.

from redactor.requestlog import open_log, RequestRecord, Completion
log = open_log(target)          # None: $REDACTOR_LOG or the user data dir; path: SQLite;
                                # postgresql://…: PostgreSQL
rid = log.begin(RequestRecord(command="redact", decision="redacted", ...))
log.complete(rid, Completion(status="completed", rows_out=10, ...))
log.close()
"""

from redactor.requestlog.chain import BadEntry, Entry, VerifyResult
from redactor.requestlog.entry import (
    Completion,
    Evidence,
    FieldMapRef,
    PackRef,
    RequestRecord,
    canonical_json,
)
from redactor.requestlog.errors import LogTamperedError, LogUnavailableError, LogUsageError
from redactor.requestlog.literals import UNPARSEABLE_QUERY, redact_url, strip_sql_literals
from redactor.requestlog.log import RequestLog, default_log_target, open_log
from redactor.requestlog.views import RequestFilter, RequestView

__all__ = [
    "UNPARSEABLE_QUERY",
    "BadEntry",
    "Completion",
    "Entry",
    "Evidence",
    "FieldMapRef",
    "LogTamperedError",
    "LogUnavailableError",
    "LogUsageError",
    "PackRef",
    "RequestFilter",
    "RequestLog",
    "RequestRecord",
    "RequestView",
    "VerifyResult",
    "canonical_json",
    "default_log_target",
    "open_log",
    "redact_url",
    "strip_sql_literals",
]
