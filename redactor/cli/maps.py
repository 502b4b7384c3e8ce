"""``redactor map``: check field maps."""

from __future__ import annotations

import click

from redactor.categories import Category
from redactor.cli.options import CONTEXT_SETTINGS, typed_errors
from redactor.fieldmap import FieldMap, load_field_map


@click.group("map", context_settings=CONTEXT_SETTINGS)
def map_group() -> None:
    """Check field maps."""


@map_group.command("check")
@click.argument("path", metavar="FIELD_MAP")
@typed_errors
def map_check(path: str) -> None:
    """Validate a field map (exit 0 if valid, 4 naming the file and key path if not)."""
    fm: FieldMap = load_field_map(path)
    for t in fm.tables.values():
        cats: dict[str, int] = {}
        for r in t.columns.values():
            cats[r.category.value] = cats.get(r.category.value, 0) + 1
        protected = sum(n for c, n in cats.items() if c != Category.NONE.value)
        click.echo(
            f"ok: {fm.name}.{t.name}: {len(t.columns)} columns, {protected} protected"
            + (", sensitive table" if t.sensitive_table else "")
        )


__all__ = ["map_group"]
