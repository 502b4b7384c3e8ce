"""The column-name vocabulary kept as data (``redactor/detect/data/``).

* ``names_abbreviations.yaml`` — agency abbreviations written with the first name rules;
* ``vocabulary.yaml`` — abbreviations, glued-word pieces, one-letter person prefixes of
  mainframe names and whole names with a fixed reading from public data dictionaries (AAMVA
  element IDs, IPUMS and NCHS variables, NIEM elements, ...);
* ``names_words.yaml`` — the word sets the rules in :mod:`redactor.detect.name_rules` test.

Each YAML notes the public source of its blocks. A word both abbreviation files define must
read the same in both; a rule asking for a word set that is not there fails at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from redactor.categories import Category
from redactor.errors import ConfigError
from redactor.yaml_load import safe_load

_DATA = "data"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    abbreviations: dict[str, tuple[str, ...]]  # lower-case token -> canonical words
    segment_words: frozenset[str]  # pieces for splitting glued names
    person_prefixes: dict[str, tuple[str, ...]]  # NCHS one-letter prefixes (m, f, k)
    exact: dict[str, tuple[Category, float, str]]  # whole names with a fixed reading
    word_sets: dict[str, frozenset[str]]  # named sets the name rules test

    def words(self, name: str) -> frozenset[str]:
        """The word set ``name`` of ``names_words.yaml``."""
        try:
            return self.word_sets[name]
        except KeyError:
            raise ConfigError(
                f"redactor/detect/{_DATA}/names_words.yaml: no word set {name!r}"
            ) from None


def _load(file: str) -> dict[str, Any]:
    text = resources.files("redactor.detect").joinpath(f"{_DATA}/{file}").read_text("utf-8")
    return safe_load(text)  # a safe loader (libyaml's when present): no Python tags


def _merge_abbreviations(*tables: tuple[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for file, table in tables:
        for k, v in table.items():
            key, reading = str(k), tuple(str(x) for x in v)
            if key in out and out[key] != reading:
                raise ConfigError(
                    f"redactor/detect/{_DATA}/{file}: abbreviation {key!r} reads "
                    f"{' '.join(reading)!r} but {seen[key]} reads it {' '.join(out[key])!r}"
                )
            out.setdefault(key, reading)
            seen.setdefault(key, file)
    return out


@cache
def vocabulary() -> Vocabulary:
    names = _load("names_abbreviations.yaml")
    doc = _load("vocabulary.yaml")
    words = _load("names_words.yaml")
    sets = {str(k): frozenset(str(v).split()) for k, v in words.items()}
    return Vocabulary(
        abbreviations=_merge_abbreviations(
            ("names_abbreviations.yaml", names["abbreviations"]),
            ("vocabulary.yaml", doc["abbreviations"]),
        ),
        segment_words=sets.pop("segment_words") | frozenset(doc["segment_words"].split()),
        person_prefixes={str(k): tuple(v) for k, v in doc["person_prefixes"].items()},
        exact={str(k): (Category(v[0]), float(v[1]), str(v[2])) for k, v in doc["exact"].items()},
        word_sets=sets,
    )
