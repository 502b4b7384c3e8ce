"""Field maps: the reviewed YAML that says what each column of each table is.

Format (validated by the models of :mod:`redactor.fieldmap_model`)::

    name: dmv
    description: ...
    tables:
      drivers:
        sensitive_table: false
        columns:
          FRST_NM: name
          DL_NBR: {category: drivers_license, action: mask, keep_last: 4}
          RES_ADDR: {category: address, action: generalize, generalize_to: zip3}

Column names match as a person reads them: case, surrounding whitespace, invisible characters
and look-alike letters are ignored (:mod:`redactor.colnames`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from redactor.categories import PROTECTED, Action, Category
from redactor.colnames import name_key
from redactor.errors import ConfigError
from redactor.fieldmap_model import GeneralizeTo, validate_map
from redactor.suggest import did_you_mean
from redactor.yaml_load import safe_load


def normalize_name(name: str) -> str:
    """The key a column or table name is matched by: the name as a person reads it (case,
    surrounding whitespace, invisible characters and look-alike letters ignored; see
    :mod:`redactor.colnames`)."""
    return name_key(name)


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """What a field map says about one column."""

    name: str
    category: Category
    action: Action | None = None  # overrides the pack's default action for the category
    keep_last: int | None = None  # for mask
    generalize_to: GeneralizeTo | None = None  # for generalize
    note: str | None = None

    @property
    def protected(self) -> bool:
        return self.category in PROTECTED


@dataclass(frozen=True, slots=True)
class TableMap:
    name: str
    columns: Mapping[str, ColumnRule]  # keyed by normalize_name(column)
    sensitive_table: bool = False
    description: str | None = None
    # the other tables of the same map (set by parse_field_map), for better_table
    siblings: tuple[TableMap, ...] = field(default=(), compare=False, repr=False)

    def rule(self, column: str) -> ColumnRule | None:
        return self.columns.get(normalize_name(column))

    def matched(self, columns: Sequence[str]) -> int:
        """How many of ``columns`` this table lists."""
        return sum(1 for c in columns if normalize_name(c) in self.columns)

    def better_table(self, columns: Sequence[str]) -> TableMap | None:
        """The table of the map that lists the most of ``columns``, if it lists more than this
        one does (a sensitive table wins a tie between such tables), or None: an input that
        looks like another table must not be planned by this one's rules (``--table`` naming
        the wrong table is not a way out)."""
        mine = self.matched(columns)
        better = [t for t in self.siblings if t.matched(columns) > mine]
        if not better:
            return None
        return max(better, key=lambda t: (t.matched(columns), t.sensitive_table))


@dataclass(frozen=True, slots=True)
class FieldMap:
    name: str
    tables: Mapping[str, TableMap]  # keyed by normalize_name(table)
    description: str | None = None
    source: str = "<memory>"
    sha256: str = field(default="", compare=False)

    def table(self, name: str | None) -> TableMap:
        """The table called ``name``; with ``None``, the only table of a one-table map."""
        if name is None:
            if len(self.tables) == 1:
                return next(iter(self.tables.values()))
            names = ", ".join(t.name for t in self.tables.values())
            raise ConfigError(
                f"Field map {self.source} has {len(self.tables)} tables; "
                "say which one with --table",
                hint=f"tables: {names}",
            )
        found = self.tables.get(normalize_name(name))
        if found is None:
            names = [t.name for t in self.tables.values()]
            hint = did_you_mean(name, names) or f"tables: {', '.join(names)}"
            raise ConfigError(f"Table {name!r} is not in field map {self.source}", hint=hint)
        return found


def parse_field_map(data: Any, source: str = "<memory>", sha256: str = "") -> FieldMap:
    """Validate an already-loaded YAML document (:mod:`redactor.fieldmap_model`) and build a
    FieldMap; errors name the file and the key path."""
    doc = validate_map(data, source)
    tables: dict[str, TableMap] = {}
    for tname, tdoc in doc.tables.items():
        columns = {
            normalize_name(cname): ColumnRule(name=cname, **cdoc.model_dump())
            for cname, cdoc in tdoc.columns.items()
        }
        tables[normalize_name(tname)] = TableMap(
            name=tname,
            columns=MappingProxyType(columns),
            sensitive_table=tdoc.sensitive_table,
            description=tdoc.description,
        )
    for t in tables.values():  # each table knows the others (frozen: set once, here)
        object.__setattr__(t, "siblings", tuple(o for o in tables.values() if o is not t))
    return FieldMap(
        name=doc.name,
        tables=MappingProxyType(tables),
        description=doc.description,
        source=source,
        sha256=sha256,
    )


def load_field_map(path: str | Path) -> FieldMap:
    """Load and validate a field map file; errors name the file and the key path."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"Field map {p} does not exist", hint="check the --map path") from None
    except OSError as e:
        raise ConfigError(f"Cannot read field map {p}: {e.strerror}") from None
    try:
        data = safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Field map {p} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"Field map {p} is not valid YAML{where}: {problem}") from None
    return parse_field_map(data, source=str(p), sha256=hashlib.sha256(raw).hexdigest())
