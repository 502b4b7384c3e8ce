"""TEMPORARY alias of :mod:`redactor.cli.options` for work in flight; removed at integration."""

from redactor.cli.options import (  # noqa: F401
    CONTEXT_SETTINGS,
    build_request,
    check_known,
    load_packs,
    opened_request,
    typed_errors,
)
