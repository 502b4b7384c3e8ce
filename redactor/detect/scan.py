"""`redactor scan`: sample a dataset, classify its columns, write a field map to review.

Sampling is a seeded reservoir over the record batches (each row gets a random key and the
``k`` smallest keys are kept, a vectorised form of Algorithm R), so memory stays
``O(k + batch)`` whatever the input size, and the same file and seed give the same map.
The map is the field-map format of docs/design.md §7.1, loads with
:func:`redactor.fieldmap.load_field_map`, and carries each column's confidence and evidence as
comments (never a data value).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from redactor.categories import PROTECTED, Category
from redactor.detect.classify import FLAG_THRESHOLD, ColumnSuggestion, classify_columns
from redactor.fieldmap import normalize_name, parse_field_map
from redactor.yaml_load import safe_load

DEFAULT_SAMPLE = 5000
_KEY = "__redactor_sample_key"


def reservoir_sample(
    batches: Iterable[pa.RecordBatch], k: int = DEFAULT_SAMPLE, seed: int = 0
) -> tuple[pa.Table | None, int]:
    """A uniform random sample of at most ``k`` rows, in input order, and the rows seen."""
    import numpy as np

    rng = np.random.default_rng(seed)
    kept: pa.Table | None = None
    seen = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        tbl = pa.Table.from_batches([batch])
        tbl = tbl.append_column(_KEY, pa.array(rng.random(batch.num_rows)))
        tbl = tbl.append_column(
            _KEY + "_row", pa.array(np.arange(seen, seen + batch.num_rows, dtype=np.int64))
        )
        seen += batch.num_rows
        kept = tbl if kept is None else pa.concat_tables([kept, tbl], promote_options="permissive")
        if kept.num_rows > k:
            idx = pc.select_k_unstable(kept, k, sort_keys=[(_KEY, "ascending")])
            kept = kept.take(idx)
        kept = kept.combine_chunks()
    if kept is None:
        return None, 0
    kept = kept.take(pc.sort_indices(kept, sort_keys=[(_KEY + "_row", "ascending")]))
    return kept.drop_columns([_KEY, _KEY + "_row"]), seen


@dataclass(frozen=True)
class ScanResult:
    suggestions: Mapping[str, ColumnSuggestion]
    yaml_text: str
    rows_seen: int
    rows_sampled: int


def _comment(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text)


def _yaml_scalar(value: str) -> str:
    return (
        yaml.safe_dump(value, allow_unicode=True, default_style=None, width=10_000)
        .strip()
        .removesuffix("\n...")
        .strip()
    )


def _safe_name(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_") or "data"


def review_marker(s: ColumnSuggestion) -> str:
    """``REVIEW: ...`` for every low-confidence suggestion ('' for confident ones).

    A ``none`` is written without the marker only when detection has positive evidence that
    the column is clear (:attr:`ColumnSuggestion.clear`); a weak ``none`` is exactly what
    ``redact`` withholds when the map does not list it.
    """
    if s.category in PROTECTED and not s.flagged:
        return f"REVIEW: weak evidence for {s.category}; written as none — "
    if s.flagged and s.confidence < 0.7:
        return "REVIEW: low confidence; "
    if s.category is Category.NONE and not s.clear:
        return "REVIEW: nothing shows this column is clear; "
    if s.category is Category.NONE and s.confidence < 0.7:
        return "REVIEW: weak evidence it is clear; "
    return ""


def render_field_map(
    suggestions: Mapping[str, ColumnSuggestion],
    *,
    map_name: str,
    table_name: str,
    source: str,
    rows_seen: int,
    rows_sampled: int,
) -> str:
    """The field map YAML text, with confidence and evidence as comments."""
    flagged = sum(1 for s in suggestions.values() if s.flagged)
    lines = [
        "# Suggested by `redactor scan` — REVIEW EVERY COLUMN BEFORE USE.",
        f"# source: {_comment(source)}; {rows_seen} rows read, {rows_sampled} sampled "
        f"(reservoir); {dt.date.today().isoformat()}",
        f"# {flagged} of {len(suggestions)} columns flagged as protected "
        f"(confidence >= {FLAG_THRESHOLD:.2f}). Lines marked REVIEW are weak either way: "
        "a column left unlisted is withheld unless detection shows it is clear.",
        f"name: {_yaml_scalar(map_name)}",
        f"description: {_yaml_scalar(f'Suggested by redactor scan from {source}; reviewed: no')}",
        "tables:",
        f"  {_yaml_scalar(table_name)}:",
        "    sensitive_table: false",
        "    columns:" + ("" if suggestions else " {}"),
    ]
    seen: dict[str, str] = {}
    for col, s in suggestions.items():
        key = normalize_name(col)
        if not key:
            lines.append(f"      # (a column with a blank name was skipped: {s.category})")
            continue
        if key in seen:
            lines.append(
                f"      # column {_comment(col)!r} skipped: same name as "
                f"{_comment(seen[key])!r} (names match case-insensitively)"
            )
            continue
        seen[key] = col
        cat = s.category if s.flagged else Category.NONE
        lines.append(f"      # {review_marker(s)}{cat} {s.confidence:.2f}")
        lines.extend(f"      #   {_comment(e)}" for e in s.evidence)
        lines.append(f"      {_yaml_scalar(str(col))}: {cat}")
    text = "\n".join(lines) + "\n"
    parse_field_map(safe_load(text), source="<scan output>")  # never write a broken map
    return text


def scan_path(
    path: str,
    fmt: str | None = None,
    *,
    table: str | None = None,
    sample: int = DEFAULT_SAMPLE,
    seed: int = 0,
    presidio: bool = True,
) -> ScanResult:
    """Read ``path`` (``-`` for stdin), sample it, classify its columns, render the map."""
    from redactor.io.readers import open_batches

    schema, batches = open_batches(path, fmt)
    sampled, seen = reservoir_sample(batches, k=sample, seed=seed)
    if sampled is None:
        sampled = schema.empty_table()
    suggestions = classify_columns(sampled, presidio=presidio)
    stem = "stdin" if path == "-" else _safe_name(Path(path).name.split(".")[0])
    text = render_field_map(
        suggestions,
        map_name=table or stem,
        table_name=table or stem,
        source="standard input" if path == "-" else path,
        rows_seen=seen,
        rows_sampled=sampled.num_rows,
    )
    return ScanResult(suggestions, text, seen, sampled.num_rows)
