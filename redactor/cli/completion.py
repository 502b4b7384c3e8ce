"""``redactor completion bash|zsh|fish``: print the shell completion script (click's own)."""

from __future__ import annotations

import click

from redactor.cli.options import CONTEXT_SETTINGS

SHELLS = ("bash", "zsh", "fish")
#: The environment variable click's completion scripts call the program back with.
COMPLETE_VAR = "_REDACTOR_COMPLETE"


def completion_source(shell: str) -> str:
    """The completion script for ``shell``, as click generates it for the ``redactor`` group."""
    from click.shell_completion import get_completion_class

    from redactor.cli.main import cli

    cls = get_completion_class(shell)
    if cls is None:  # click.Choice keeps this from happening
        raise click.BadParameter(f"unsupported shell {shell!r}")
    return cls(cli, {}, "redactor", COMPLETE_VAR).source()


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for SHELL (commands, options, choices).

    \b
    Examples:
      eval "$(redactor completion bash)"           # in ~/.bashrc
      eval "$(redactor completion zsh)"            # in ~/.zshrc
      redactor completion fish > ~/.config/fish/completions/redactor.fish
    """
    click.echo(completion_source(shell), nl=False)


__all__ = ["SHELLS", "completion_command", "completion_source"]
