"""The ``redactor`` command group and its entry point: errors become one line and an exit code
(docs/design.md); every command lives in its own module of this package."""

from __future__ import annotations

import gc
import importlib.abc
import os
import sys
import traceback
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import click

from redactor import __version__
from redactor.cli.options import CONTEXT_SETTINGS
from redactor.errors import RedactorError


class LazyGroup(click.Group):
    """A group whose commands are imported only when used, so a command pays only for what it
    needs at start-up (``sql``/``export`` import sqlglot, ``scan`` Presidio; click's documented
    lazy-loading pattern). Each command is a thin module of :mod:`redactor.cli`."""

    LAZY: ClassVar[Mapping[str, tuple[str, str]]] = MappingProxyType(
        {
            "completion": ("redactor.cli.completion", "completion_command"),
            "config": ("redactor.cli.config", "config_group"),
            "export": ("redactor.cli.sql", "export_command"),
            "log": ("redactor.cli.log", "log_group"),
            "map": ("redactor.cli.maps", "map_group"),
            "policy": ("redactor.cli.policy", "policy"),
            "redact": ("redactor.cli.redact", "redact"),
            "report": ("redactor.cli.log", "report_command"),
            "request": ("redactor.cli.request", "request_group"),
            "scan": ("redactor.cli.scan", "scan_command"),
            "serve": ("redactor.cli.serve", "serve_command"),
            "sql": ("redactor.cli.sql", "sql_command"),
            "users": ("redactor.cli.serve", "users_group"),
        }
    )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, attr = self.LAZY[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, with "did you mean" over every command (lazy ones included: click looks
        only at the commands already imported)."""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand:
            raise click.exceptions.NoSuchCommand(
                str(args[0]),
                possibilities=self.list_commands(ctx),
                ctx=ctx,
            ) from None


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="redactor")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Field-level redaction of exports under state limits on sharing personal data with
    federal immigration enforcement.

    \b
    Every request states who asks, for which agency, for what purposes and with what
    evidence; a policy pack decides, per category of field, what is released, and every
    request is written to a tamper-evident request log.

    \b
    Defaults a team repeats (log, map, table, policy, requesting office, output mode, the
    report's agency name, preparer and attestation) can live in redactor.toml: see
    `redactor config show` and docs/config.md.
    """
    from redactor.cli.config import apply_config

    collect_after_start_up()  # the command's modules are imported by now (click resolves first)
    apply_config(ctx)  # redactor.toml -> ctx.default_map, for every command


def _debug() -> bool:
    from redactor.settings import Settings

    try:
        return Settings.from_env().debug
    except RedactorError:  # another variable is bad: a traceback helps more than none
        return True


#: Commands whose process converts data with pyarrow and never holds a pandas object.
WITHOUT_PANDAS = frozenset({"export", "redact", "scan", "serve", "sql"})


class PandasHidden(importlib.abc.MetaPathFinder):
    """Finds pandas nowhere: installed by :func:`without_pandas` in the command-line process."""

    MESSAGE = (
        "pandas is not loaded in the redactor command-line process (start-up runs pyarrow as "
        "if pandas were not installed, redactor.cli.main.without_pandas); a DataFrame belongs "
        "to the Python API, in your own process"
    )

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(self.MESSAGE, name=fullname)


def without_pandas() -> None:
    """Run this process's pyarrow as if pandas were not installed (a configuration pyarrow
    supports: pandas is optional to it).

    Otherwise pyarrow imports pandas (0.2-0.3 s) on the first Python-to-Arrow conversion of
    the process (``pa.array([...])``, ``pa.scalar(1)``, ``pc.fill_null(x, 0)``, ...): its
    Cython shim (``pandas-shim.pxi``) and its C++ side (``InitPandasStaticData``, which marks
    itself done even when the import failed) each look for pandas once. Hiding pandas only
    around a first conversion is not enough: the C++ side would then never know ``pd.NA`` or
    ``pd.NaT`` again, so a DataFrame converted later in the same process could come out
    different. Hidden for the whole process instead, nothing can hold a pandas object and a
    later ``import pandas`` fails loudly (:class:`PandasHidden`) instead of converting
    differently. For the commands in :data:`WITHOUT_PANDAS` run through :func:`main` only: the
    library (``redact_table`` with a DataFrame) and in-process callers of :data:`cli` are left
    alone; ``--engine spark`` too (pyspark's driver may want pandas). No-op when pandas is
    already imported."""
    if "pandas" in sys.modules or any(isinstance(f, PandasHidden) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, PandasHidden())


def _hides_pandas(args: list[str]) -> bool:
    command = next((a for a in args if not a.startswith("-")), None)
    spark = "spark" in args or any(a.startswith("--engine=") and a.endswith("spark") for a in args)
    return command in WITHOUT_PANDAS and not spark


#: Set by :func:`main` while the cyclic garbage collector waits for start-up to end.
_GC_DEFERRED = False


def defer_collection() -> None:
    """Turn the cyclic garbage collector off while the command's modules are imported.

    Start-up creates some 75,000 tracked objects that live as long as the process (modules,
    classes, functions, the policy models); the collector would walk them over and over
    (about 130 passes, 40-50 ms of a 1,000-row redact). :func:`collect_after_start_up` then
    moves what exists to the permanent generation (``gc.freeze``: never walked again; the
    little cyclic garbage the imports leave stays allocated) and turns the collector back on
    before the command's own work, which is collected as before. For :func:`main` only:
    in-process callers of :data:`cli` keep their collector as it is."""
    global _GC_DEFERRED
    if gc.isenabled():
        gc.disable()
        _GC_DEFERRED = True


def collect_after_start_up() -> None:
    """End :func:`defer_collection` (no-op when it did not start)."""
    global _GC_DEFERRED
    if _GC_DEFERRED:
        _GC_DEFERRED = False
        gc.freeze()
        gc.enable()


def main() -> None:
    # NumPy's OpenBLAS starts a thread per core that spins after each call; redactor does no
    # linear algebra, and the spinning took ~0.1 s of CPU from the readers' threads per
    # million rows (set before NumPy is first imported; a user's own setting wins)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    defer_collection()
    if _hides_pandas(sys.argv[1:]):
        without_pandas()
    try:
        cli.main(prog_name="redactor", standalone_mode=True)
    except RedactorError as e:  # raised outside a command body
        click.echo(f"redactor: {e}", err=True)
        sys.exit(e.exit_code)
    except Exception as e:
        import yaml  # here, not at start-up: only an error needs it

        if isinstance(e, yaml.YAMLError):
            click.echo("redactor: invalid YAML", err=True)
            sys.exit(4)
        if _debug():
            traceback.print_exc()
        click.echo(
            f"redactor: internal error ({type(e).__name__}); this is a bug — rerun with "
            "REDACTOR_DEBUG=1 for a traceback and report it",
            err=True,
        )
        sys.exit(1)


__all__ = ["cli", "main"]
