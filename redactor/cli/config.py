"""``redactor config show``: the defaults in force and where each came from; and
:func:`apply_config`, which the ``redactor`` group calls to hand ``redactor.toml`` to every
command as click's ``default_map``."""

from __future__ import annotations

import json
from typing import Any

import click

from redactor.cli.options import CONTEXT_SETTINGS, json_option, quiet_option, typed_errors
from redactor.errors import RedactorError

_META_CONFIG = "redactor.config"
SCHEMA = "redactor.config-show/1"


def apply_config(ctx: click.Context) -> None:
    """Load ``redactor.toml`` (if any) into ``ctx.default_map`` for the subcommands; a bad file
    is a usage error (exit 2) naming the file and key. A default_map given by the caller (e.g.
    ``cli(default_map=...)``) wins over the file."""
    if ctx.resilient_parsing:  # shell completion: no file read, no error
        return
    from redactor import config

    try:
        cfg = config.load()
    except RedactorError as exc:
        click.echo(f"redactor: {exc}", err=True)
        ctx.exit(exc.exit_code)
    ctx.meta[_META_CONFIG] = cfg
    if cfg.values:
        ctx.default_map = _merge(config.default_map(cfg), ctx.default_map or {})


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@click.group("config", context_settings=CONTEXT_SETTINGS)
def config_group() -> None:
    """Show the defaults in force (redactor.toml, REDACTOR_* variables); docs/config.md."""


@config_group.command("show")
@click.option("--log", "log", metavar="PATH|URL", help="as a command would be given it")
@click.option("--map", "map_", metavar="FIELD_MAP", help="as a command would be given it")
@click.option("--table", metavar="NAME", help="as a command would be given it")
@click.option("--policy", "policy", multiple=True, metavar="PACK|FILE", help="(repeatable)")
@click.option("--agency", metavar="ORG", help="as a command would be given it")
@click.option("--requester", metavar="NAME", help="as a command would be given it")
@click.option("--output-mode", metavar="MODE", help="as a command would be given it")
@json_option
@quiet_option
@typed_errors
def show_command(
    log: str | None,
    map_: str | None,
    table: str | None,
    policy: tuple[str, ...],
    agency: str | None,
    requester: str | None,
    output_mode: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Print each default a command would use now and where it came from: flag, env
    (REDACTOR_*), file (redactor.toml) or default; then the REDACTOR_* settings.

    \b
    Examples:
      redactor config show
      redactor config show --json | jq '.keys[] | select(.source == "file")'
      redactor config show --log other.sqlite3      # a flag wins over file and variable
    """
    from redactor import config
    from redactor.settings import VARIABLES, current

    ctx = click.get_current_context()
    parent = ctx.find_root()
    cfg = parent.meta.get(_META_CONFIG) or config.load()
    flags = {
        "log": log,
        "map": map_,
        "table": table,
        "policy": policy,
        "agency": agency,
        "requester": requester,
        "output_mode": output_mode,
    }
    rows = config.in_force(cfg, flags)
    s = current()
    keyed = {k.env for k in config.KEYS if k.env}
    settings = [
        {
            "variable": v.env,
            "value": getattr(s, v.field),
            "source": "env" if v.field in s.from_env_vars else "default",
            "help": v.help,
        }
        for v in VARIABLES
        if v.env not in keyed
    ]
    if as_json:
        doc = {
            "schema": SCHEMA,
            "file": str(cfg.path) if cfg.path else None,
            "keys": [r.to_dict() for r in rows],
            "settings": settings,
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if not quiet:
        click.echo(
            f"config file: {cfg.path}"
            if cfg.path
            else f"config file: none (looked for ./{config.FILE_NAME} and "
            f"$XDG_CONFIG_HOME/redactor/{config.FILE_NAME})"
        )
    width = max(len(k.name) for k in config.KEYS)
    for r in rows:
        value = ", ".join(r.value) if isinstance(r.value, tuple) else r.value
        where = f" ({r.where})" if r.where else ""
        click.echo(
            f"{r.name.ljust(width)}  {value if value is not None else '-'}  [{r.source}{where}]"
        )
    width = max(len(v["variable"]) for v in settings)
    for v in settings:
        value = v["value"]
        click.echo(
            f"{v['variable'].ljust(width)}  {'-' if value is None else value}  [{v['source']}]"
        )


__all__ = ["apply_config", "config_group"]
