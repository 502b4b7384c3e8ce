"""Detection: suggest what columns are, and scrub identifiers out of free text.

Public API::

    classify_columns(table) -> dict[str, ColumnSuggestion]   # a sample of rows
    scrub_array(arr) -> same kind of array                   # [SSN], [DL], [ADDRESS], ...
    Scrubber(...)                                            # configurable scrubbing
    suggest_field_map(...), scan_path(...)                   # `redactor scan`

Everything runs offline: Presidio is built with a model-free NLP engine
(:func:`redactor.detect.analyzer.build_analyzer`) and only used on small samples.
"""

from redactor.detect.classify import (
    FLAG_THRESHOLD,
    ColumnSuggestion,
    classify_column,
    classify_columns,
)
from redactor.detect.scrub import TOKENS, Scrubber, scrub_array

__all__ = [
    "FLAG_THRESHOLD",
    "TOKENS",
    "ColumnSuggestion",
    "Scrubber",
    "classify_column",
    "classify_columns",
    "scrub_array",
]
