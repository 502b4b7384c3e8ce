"""The command line: thin commands over the library (:mod:`redactor`), one module per command,
with one set of shared options and error handling (:mod:`redactor.cli.options`)."""

from redactor.cli.main import cli, main

__all__ = ["cli", "main"]
