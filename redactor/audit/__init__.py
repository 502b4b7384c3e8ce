"""A request's record: what it reads and writes (:class:`Job`), what became of it
(:class:`Outcome`), its life in the request log (:class:`RequestAudit`) and its manifest."""

from redactor.audit.job import Job, Outcome, RequestLogLike, where
from redactor.audit.manifest import manifest_doc, manifest_path_for
from redactor.audit.records import completion, os_user, request_record, shown_path
from redactor.audit.request import RequestAudit, logged_message

__all__ = [
    "Job",
    "Outcome",
    "RequestAudit",
    "RequestLogLike",
    "completion",
    "logged_message",
    "manifest_doc",
    "manifest_path_for",
    "os_user",
    "request_record",
    "shown_path",
    "where",
]
