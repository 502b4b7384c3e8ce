"""``redactor map``: check field maps."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from redactor.categories import Category
from redactor.cli.options import CONTEXT_SETTINGS, json_option, quiet_option, typed_errors
from redactor.errors import RedactorError
from redactor.fieldmap import FieldMap, load_field_map

CHECK_SCHEMA = "redactor.map-check/1"


def _tables(fm: FieldMap) -> list[dict[str, Any]]:
    out = []
    for t in fm.tables.values():
        cats: dict[str, int] = {}
        for r in t.columns.values():
            cats[r.category.value] = cats.get(r.category.value, 0) + 1
        out.append(
            {
                "name": t.name,
                "columns": len(t.columns),
                "protected": sum(n for c, n in cats.items() if c != Category.NONE.value),
                "sensitive_table": bool(t.sensitive_table),
                "categories": dict(sorted(cats.items())),
            }
        )
    return out


@click.group("map", context_settings=CONTEXT_SETTINGS)
def map_group() -> None:
    """Check field maps."""


@map_group.command("check")
@click.argument("path", metavar="FIELD_MAP")
@json_option
@quiet_option
@typed_errors
def map_check(path: str, as_json: bool, quiet: bool) -> None:
    """Validate a field map (exit 0 if valid, 4 naming the file and key path if not).

    \b
    Examples:
      redactor map check field_maps/dmv.yaml
      redactor map check field_maps/dmv.yaml --json | jq '.tables[] | {name, protected}'
    """
    if as_json:
        try:
            fm = load_field_map(path)
        except RedactorError as exc:  # the problem as JSON too, then the usual line and code
            doc = {
                "schema": CHECK_SCHEMA,
                "ok": False,
                "file": path,
                "error": exc.message,
                "hint": exc.hint,
                "exit_code": exc.exit_code,
            }
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
            click.echo(f"redactor: {exc}", err=True)
            sys.exit(exc.exit_code)
        doc = {
            "schema": CHECK_SCHEMA,
            "ok": True,
            "file": path,
            "name": fm.name,
            "tables": _tables(fm),
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    fm = load_field_map(path)
    if quiet:
        return
    for t in _tables(fm):
        click.echo(
            f"ok: {fm.name}.{t['name']}: {t['columns']} columns, {t['protected']} protected"
            + (", sensitive table" if t["sensitive_table"] else "")
        )


__all__ = ["map_group"]
