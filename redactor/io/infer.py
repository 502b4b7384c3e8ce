"""``--infer-types``: typed columns for CSV/TSV input, never changing a value's text.

A CSV cell is text; redactor keeps it text by default (``007`` stays ``007``). With
``--infer-types`` the whole input is read once first, and a column becomes

- ``int64`` when every value is a plain integer whose text the integer gives back exactly
  (``0``, ``42``, ``-7``; not ``007``, ``+7``, ``-0``, ``1e3``, ``1,000``, an empty cell, or more
  than 18 digits);
- ``date32`` when every value is an ISO date (``YYYY-MM-DD``) that is a real day and prints back
  the same (not ``2024-02-30``, ``2024-2-3`` or an empty cell);

and stays text otherwise. Only released columns are typed; a withheld (masked, hashed…) column
keeps the text its mask gives. The input is read twice, so it must be a file, not standard
input; if it changed between the reads, the cast fails and the run stops (exit 4).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from redactor.errors import UsageError
from redactor.io.formats import Format

_INTEGER = r"^(0|-?[1-9][0-9]{0,17})$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def check_inferable(source: str, fmt: Format) -> None:
    """UsageError unless ``--infer-types`` can apply to this input."""
    if fmt not in (Format.CSV, Format.TSV):
        raise UsageError(
            f"--infer-types applies to CSV and TSV input; {fmt.value} carries its own types",
            hint="drop --infer-types",
        )
    if source == "-":
        raise UsageError(
            "--infer-types reads the input twice, so it needs a file, not standard input",
            hint="write the input to a file first, or drop --infer-types",
        )


def _still(kind: str, col: pa.Array | pa.ChunkedArray) -> bool:
    if col.null_count:
        return False
    if kind == "int64":
        return bool(pc.all(pc.match_substring_regex(col, _INTEGER)).as_py() is not False)
    if not pc.all(pc.match_substring_regex(col, _DATE)).as_py() is not False:
        return False
    try:
        back = pc.cast(pc.cast(col, pa.date32()), pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return bool(pc.all(pc.equal(back, col)).as_py() is not False)


def infer_types(source: str, fmt: Format, batch_rows: int) -> dict[str, pa.DataType]:
    """Read ``source`` whole and return, per column, the type every value fits exactly."""
    from redactor.io.readers import open_source

    check_inferable(source, fmt)
    with open_source(source, fmt, batch_rows=batch_rows) as src:
        kinds = {f.name: {"int64", "date32"} for f in src.schema if pa.types.is_string(f.type)}
        rows = 0
        for batch in src.batches:
            rows += batch.num_rows
            for name in list(kinds):
                col = batch.column(name)
                kinds[name] = {k for k in kinds[name] if _still(k, col)}
                if not kinds[name]:
                    del kinds[name]
            if not kinds:
                break
    if not rows:
        return {}
    return {n: pa.int64() if "int64" in k else pa.date32() for n, k in kinds.items()}


__all__ = ["check_inferable", "infer_types"]
