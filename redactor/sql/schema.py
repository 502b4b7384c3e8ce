"""What a query may read: the field map's tables, merged with the live catalog of a database.

Without a catalog, a table's columns are the ones its field map lists. With one, they are the
catalog's columns in catalog order (so ``SELECT *`` and positional aliases match the database),
each with the field map's rule when it has one; a catalog column the map does not list is
*unmapped*, and unmapped is withheld under a restricted decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sqlglot.dialects.dialect import Dialect, NormalizationStrategy
from sqlglot.schema import MappingSchema

from redactor.errors import DataError
from redactor.fieldmap import ColumnRule, FieldMap, TableMap, normalize_name

# {table: [(column, sql_type or None), …]} as read from a database (see export.catalog_schema).
CatalogSpec = Mapping[str, Sequence[tuple[str, str | None]]]


@dataclass(frozen=True, slots=True)
class SourceColumn:
    name: str  # as the catalog (or, without one, the field map) spells it
    sql_type: str | None  # the catalog's type; None when only the field map is known
    rule: ColumnRule | None  # None: not in the field map

    @property
    def key(self) -> str:
        return normalize_name(self.name)


@dataclass(frozen=True, slots=True)
class SourceTable:
    name: str
    columns: tuple[SourceColumn, ...]
    table_map: TableMap | None  # None: in the catalog, not in the field map
    from_catalog: bool

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    def column(self, name: str) -> SourceColumn | None:
        k = normalize_name(name)
        return next((c for c in self.columns if c.key == k), None)


@dataclass(frozen=True, slots=True)
class Sources:
    tables: Mapping[str, SourceTable]  # keyed by normalize_name(table)
    has_catalog: bool

    def get(self, name: str) -> SourceTable | None:
        return self.tables.get(normalize_name(name))

    def sqlglot_schema(self, dialect: str) -> MappingSchema:
        """The schema qualify() resolves against (types are not needed for qualification).

        With a live catalog on an engine where quoted names are case-sensitive (PostgreSQL:
        ``"ISSUE_DT"`` is not ``issue_dt``), names are matched exactly as the engine stores them,
        so a query resolves here only where it resolves on the engine. Otherwise (DuckDB, SQLite,
        or the field map alone) names match case-insensitively.
        """
        mapping = {t.name: {c.name: "TEXT" for c in t.columns} for t in self.tables.values()}
        return MappingSchema(mapping, dialect=dialect, normalize=not self.exact_names(dialect))

    def exact_names(self, dialect: str) -> bool:
        """Whether names are matched exactly as the catalog spells them (see sqlglot_schema)."""
        strategy = Dialect.get_or_raise(dialect).normalization_strategy
        return self.has_catalog and strategy in (
            NormalizationStrategy.LOWERCASE,
            NormalizationStrategy.UPPERCASE,
        )


def build_sources(field_map: FieldMap, catalog: CatalogSpec | None = None) -> Sources:
    """Merge the field map with a live catalog (or use the map alone when there is none)."""
    tables: dict[str, SourceTable] = {}
    if catalog is None:
        for key, tm in field_map.tables.items():
            cols = tuple(SourceColumn(r.name, None, r) for r in tm.columns.values())
            tables[key] = SourceTable(tm.name, cols, tm, from_catalog=False)
        return Sources(MappingProxyType(tables), has_catalog=False)
    for tname, columns in catalog.items():
        key = normalize_name(tname)
        if key in tables:
            raise DataError(
                f"The database has two tables named {tname!r} (ignoring case)",
                hint="redactor matches table names case-insensitively",
            )
        tm = field_map.tables.get(key)
        seen: set[str] = set()
        cols: list[SourceColumn] = []
        for cname, ctype in columns:
            ck = normalize_name(cname)
            if ck in seen:
                raise DataError(
                    f"Table {tname!r} has two columns named {cname!r} (ignoring case)",
                    hint="redactor matches column names case-insensitively",
                )
            seen.add(ck)
            cols.append(SourceColumn(cname, ctype, tm.rule(cname) if tm else None))
        tables[key] = SourceTable(tname, tuple(cols), tm, from_catalog=True)
    return Sources(MappingProxyType(tables), has_catalog=True)
