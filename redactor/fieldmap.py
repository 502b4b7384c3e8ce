"""Field maps: the reviewed YAML that says what each column of each table is.

Format (see DESIGN.md)::

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

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from redactor.actions_rules import action_problem
from redactor.categories import PROTECTED, Action, Category, unknown_category_message
from redactor.colnames import name_key
from redactor.errors import ConfigError

GeneralizeTo = Literal["year", "city", "zip3", "zip5", "state"]
_COLUMN_KEYS = {"category", "action", "keep_last", "generalize_to", "note"}


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
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]}?" if close else f"tables: {', '.join(names)}"
            raise ConfigError(f"Table {name!r} is not in field map {self.source}", hint=hint)
        return found


def _fail(source: str, path: str, message: str, hint: str | None = None) -> ConfigError:
    where = f" at {path}" if path else ""
    return ConfigError(f"{message}{where} in field map {source}", hint=hint)


def _parse_column(source: str, path: str, col: str, spec: Any) -> ColumnRule:
    if isinstance(spec, str) or spec is None:
        spec = {"category": spec}
    if not isinstance(spec, Mapping):
        raise _fail(source, path, "A column must be a category name or a mapping with 'category'")
    unknown = set(spec) - _COLUMN_KEYS
    if unknown:
        key = sorted(map(str, unknown))[0]
        close = difflib.get_close_matches(key, sorted(_COLUMN_KEYS), n=1)
        raise _fail(
            source,
            f"{path}.{key}",
            f"Unknown key {key!r}",
            f"did you mean {close[0]}?" if close else f"keys: {', '.join(sorted(_COLUMN_KEYS))}",
        )
    raw_cat = spec.get("category")
    if raw_cat is None or not isinstance(raw_cat, str):
        raise _fail(source, path, "Missing category")
    try:
        category = Category.parse(raw_cat)
    except ValueError:
        msg = unknown_category_message(raw_cat)
        head, _, tail = msg.partition(" — ")
        if (
            tail
        ):  # "Unknown category 'birthdate' at tables.t.columns.DOB in field map m — did you..."
            raise ConfigError(f"{head} at {path} in field map {source} — {tail}") from None
        raise _fail(source, path, head.split(" (")[0], _suggest(raw_cat)) from None
    action = None
    if spec.get("action") is not None:
        try:
            action = Action.parse(str(spec["action"]))
        except ValueError as e:
            raise _fail(source, f"{path}.action", str(e)) from None
        if action is Action.REFUSE:
            raise _fail(
                source,
                f"{path}.action",
                "'refuse' applies to whole requests, not columns",
                "mark the table sensitive_table: true instead",
            )
        if action is Action.RELEASE and category in PROTECTED:
            raise _fail(
                source,
                f"{path}.action",
                f"A {category} column cannot be overridden to release",
                "if the column is not personal data, give it category none",
            )
    keep_last = spec.get("keep_last")
    if keep_last is not None and (
        not isinstance(keep_last, int) or isinstance(keep_last, bool) or not 0 <= keep_last <= 8
    ):
        raise _fail(source, f"{path}.keep_last", "keep_last must be a whole number from 0 to 8")
    gen = spec.get("generalize_to")
    allowed_gen = ("year", "city", "zip3", "zip5", "state")
    if gen is not None and gen not in allowed_gen:
        raise _fail(
            source,
            f"{path}.generalize_to",
            f"Unknown generalize_to {gen!r}",
            f"one of {', '.join(allowed_gen)}",
        )
    problem = action_problem(category, action, keep_last=keep_last, generalize_to=gen)
    if problem is not None:
        raise _fail(
            source,
            path,
            f"This map would weaken a mask: {problem}",
            "a field map may only withhold more than the policy pack, never less",
        )
    note = spec.get("note")
    return ColumnRule(
        name=str(col),
        category=category,
        action=action,
        keep_last=keep_last,
        generalize_to=gen,
        note=None if note is None else str(note),
    )


def _suggest(raw: str) -> str | None:
    msg = unknown_category_message(raw)
    return msg.split(" — ", 1)[1] if " — " in msg else msg.split(" (", 1)[1].rstrip(")")


def parse_field_map(data: Any, source: str = "<memory>", sha256: str = "") -> FieldMap:
    """Validate an already-loaded YAML document and build a FieldMap."""
    if not isinstance(data, Mapping):
        raise _fail(source, "", "A field map must be a YAML mapping with 'name' and 'tables'")
    unknown = set(data) - {"name", "description", "tables"}
    if unknown:
        raise _fail(
            source,
            sorted(map(str, unknown))[0],
            "Unknown key",
            "top-level keys are name, description, tables",
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "name", "Missing or empty name")
    tables_raw = data.get("tables")
    if not isinstance(tables_raw, Mapping) or not tables_raw:
        raise _fail(source, "tables", "A field map needs at least one table")
    tables: dict[str, TableMap] = {}
    for tname, tspec in tables_raw.items():
        tpath = f"tables.{tname}"
        if not isinstance(tspec, Mapping):
            raise _fail(source, tpath, "A table must be a mapping with 'columns'")
        extra = set(tspec) - {"columns", "sensitive_table", "description"}
        if extra:
            key = sorted(map(str, extra))[0]
            raise _fail(
                source,
                f"{tpath}.{key}",
                f"Unknown key {key!r}",
                "table keys are columns, sensitive_table, description",
            )
        sensitive = tspec.get("sensitive_table", False)
        if not isinstance(sensitive, bool):
            raise _fail(source, f"{tpath}.sensitive_table", "sensitive_table must be true or false")
        cols_raw = tspec.get("columns") or {}
        if not isinstance(cols_raw, Mapping):
            raise _fail(source, f"{tpath}.columns", "columns must be a mapping of column: category")
        cols: dict[str, ColumnRule] = {}
        for cname, cspec in cols_raw.items():
            key = normalize_name(str(cname))
            if not key:
                raise _fail(source, f"{tpath}.columns", "A column name is empty")
            if key in cols:
                raise _fail(
                    source,
                    f"{tpath}.columns.{cname}",
                    f"Column {cname!r} is listed twice (names match as read: case, invisible "
                    "characters and look-alike letters are ignored)",
                )
            cols[key] = _parse_column(source, f"{tpath}.columns.{cname}", str(cname), cspec)
        tkey = normalize_name(str(tname))
        if tkey in tables:
            raise _fail(source, tpath, f"Table {tname!r} is listed twice")
        tables[tkey] = TableMap(
            name=str(tname),
            columns=MappingProxyType(cols),
            sensitive_table=sensitive,
            description=tspec.get("description"),
        )
    for t in tables.values():  # each table knows the others (frozen: set once, here)
        object.__setattr__(t, "siblings", tuple(o for o in tables.values() if o is not t))
    return FieldMap(
        name=name.strip(),
        tables=MappingProxyType(tables),
        description=data.get("description"),
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
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Field map {p} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"Field map {p} is not valid YAML{where}: {problem}") from None
    return parse_field_map(data, source=str(p), sha256=hashlib.sha256(raw).hexdigest())
