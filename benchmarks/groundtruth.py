"""Recall against what the generator is known to have put in the data.

Two kinds of protected items, counted the same way for every tool:

- **cells** of the protected columns (every column ``field_maps/dmv.yaml`` does not map to
  ``none``, except the notes column itself), non-empty in the input. A cell leaks when the
  output still has the column and the output cell equals the input cell (a masked, replaced
  or dropped value does not leak).
- **identifiers embedded in the notes** (``CUST_NOTES``), recovered exactly by matching each
  note against the generator's templates (``_DMV_TEMPLATES``): SSN, ITIN/TIN, phone, DL number,
  A-number, birth date, street address and person names. One leaks when its text is still in the
  output note (a name: when its first or last name is still there as a word); a dropped notes
  column leaks nothing.

Recall = 1 - leaked / total, per kind and overall. Rows are matched by position (both tools
keep row order). Values are compared as the CSV text, so both outputs are read as strings.
"""

from __future__ import annotations

import csv
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from benchmarks import data

# Template field -> kind of identifier (fields not listed are not personal: dates of
# appointments, plates, the city and ZIP after an address).
NOTE_FIELDS = {
    "ssn": "ssn",
    "tin": "ssn_or_itin",
    "phone": "phone",
    "dl": "drivers_license",
    "anum": "a_number",
    "dob": "birth_date",
    "addr": "address",
    "first": "name",
    "last": "name",
}


@cache
def _note_patterns() -> tuple[re.Pattern[str], ...]:
    out = []
    for template in data.generator()._DMV_TEMPLATES:
        if not template:
            continue
        parts = []
        for literal, name, _, _ in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name:
                parts.append(f"(?P<{name}>.+?)")
        out.append(re.compile("".join(parts) + r"\Z", re.DOTALL))
    return tuple(out)


def note_identifiers(note: str) -> dict[str, str]:
    """Template field -> value for the personal fields embedded in one note ({} if none)."""
    if not note:
        return {}
    for pattern in _note_patterns():
        m = pattern.match(note)
        if m:
            return {k: v for k, v in m.groupdict().items() if k in NOTE_FIELDS}
    raise ValueError(f"a note matches no generator template: {note[:40]!r}...")


def read_text_csv(path: Path) -> pa.Table:
    """A CSV with every column as text and empty fields as empty strings."""
    with open(path, newline="", encoding="utf-8") as f:
        names = next(csv.reader(f))
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


@dataclass
class Recall:
    total: Counter = field(default_factory=Counter)
    leaked: Counter = field(default_factory=Counter)

    def add(self, kind: str, leaked: bool) -> None:
        self.total[kind] += 1
        self.leaked[kind] += int(leaked)

    def rate(self, kinds: list[str] | None = None) -> float:
        kinds = list(self.total) if kinds is None else kinds
        total = sum(self.total[k] for k in kinds)
        return 1.0 if total == 0 else 1 - sum(self.leaked[k] for k in kinds) / total

    def as_dict(self) -> dict:
        cells = [k for k in self.total if k.startswith("cell:")]
        notes = [k for k in self.total if k.startswith("note:")]
        return {
            "recall": round(self.rate(), 5),
            "recall_cells": round(self.rate(cells), 5),
            "recall_notes": round(self.rate(notes), 5),
            "items": sum(self.total.values()),
            "leaked": sum(self.leaked.values()),
            "by_kind": {
                k: {"total": self.total[k], "leaked": self.leaked[k]} for k in sorted(self.total)
            },
        }


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+(?:['-][^\W_]+)*", text))


def measure_recall(source: Path, output: Path) -> Recall:
    """Recall of ``output`` (a tool's CSV) against the protected items of ``source`` (CSV)."""
    src = read_text_csv(source).to_pydict()
    out = read_text_csv(output).to_pydict()
    n = len(next(iter(src.values())))
    if out and len(next(iter(out.values()))) != n:
        raise ValueError(f"{output}: row count differs from {source}")
    result = Recall()
    for column, category in data.protected_columns().items():
        if column == data.NOTES:
            continue  # free text is counted by the identifiers it embeds, below
        kept = out.get(column)
        for i, value in enumerate(src[column]):
            if value:
                result.add(f"cell:{category}", kept is not None and kept[i] == value)
    notes_out = out.get(data.NOTES)
    for i, note in enumerate(src[data.NOTES]):
        found = note_identifiers(note)
        names = [found.pop(k) for k in ("first", "last") if k in found]
        after = notes_out[i] if notes_out is not None else ""
        for key, value in found.items():
            result.add(f"note:{NOTE_FIELDS[key]}", value in after)
        if names:
            result.add("note:name", bool(_words(after) & set().union(*map(_words, names))))
    return result
