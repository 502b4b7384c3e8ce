"""The column-name vocabulary kept as data (``redactor/detect/data/vocabulary.yaml``).

Abbreviations, glued-word pieces, one-letter person prefixes of mainframe names and whole
names with a fixed reading (AAMVA element IDs, IPUMS and NCHS variables, NIEM elements); the
YAML notes the public source of each block.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from redactor.categories import Category


@dataclass(frozen=True, slots=True)
class Vocabulary:
    abbreviations: dict[str, tuple[str, ...]]
    segment_words: frozenset[str]
    person_prefixes: dict[str, tuple[str, ...]]
    exact: dict[str, tuple[Category, float, str]]


@cache
def vocabulary() -> Vocabulary:
    text = resources.files("redactor.detect").joinpath("data/vocabulary.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    return Vocabulary(
        abbreviations={str(k): tuple(v) for k, v in doc["abbreviations"].items()},
        segment_words=frozenset(doc["segment_words"].split()),
        person_prefixes={str(k): tuple(v) for k, v in doc["person_prefixes"].items()},
        exact={str(k): (Category(v[0]), float(v[1]), str(v[2])) for k, v in doc["exact"].items()},
    )
