"""Generate the man pages from the click commands: ``man/redactor.1`` and one page per command
(``man/redactor-export.1``, ``man/redactor-policy-show.1``, …), so ``man redactor`` says what
``--help`` says. Run by ``make man``; the pages are build output (``man/`` is not committed).

    python scripts/man.py [OUTDIR]      # default: man/
    MANPATH="$PWD/man:$MANPATH" man redactor
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redactor import __version__
from redactor.cli.main import cli

SECTION = "1"
MANUAL = "redactor manual"


def escape(text: str) -> str:
    """Text for roff: backslashes doubled, a leading dot or quote kept from being a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(
        ("\\&" + line) if line.startswith((".", "'")) else line for line in text.splitlines()
    )


def paragraphs(help_text: str) -> list[str]:
    """Roff for click help text: ``\\b`` blocks (examples) stay as written, the rest flows."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", help_text.strip()):
        lines = block.splitlines()
        if lines and lines[0].strip() == "\b":
            out += [".PP", ".nf", escape("\n".join(line.rstrip() for line in lines[1:])), ".fi"]
        else:
            out += [".PP", escape(" ".join(line.strip() for line in lines))]
    return out


def options(cmd: click.Command, ctx: click.Context) -> list[str]:
    out: list[str] = []
    for p in cmd.get_params(ctx):
        if not isinstance(p, click.Option):  # arguments are in the synopsis
            continue
        record = p.get_help_record(ctx)
        if record is None:  # hidden
            continue
        names, text = record
        out += [".TP", f"\\fB{escape(names)}\\fR", escape(text or "")]
    return out


def page(cmd: click.Command, path: list[str], date: str) -> str:
    name = " ".join(path)
    ctx = click.Context(cmd, info_name=name)
    short = cmd.get_short_help_str(limit=200) or name
    lines = [
        f'.TH "{"-".join(path).upper()}" "{SECTION}" "{date}" "redactor {__version__}" "{MANUAL}"',
        ".SH NAME",
        f"{escape('-'.join(path))} \\- {escape(short)}",
        ".SH SYNOPSIS",
        f"\\fB{escape(name)}\\fR {escape(' '.join(cmd.collect_usage_pieces(ctx)))}",
        ".SH DESCRIPTION",
        *paragraphs(cmd.help or ""),
    ]
    opts = options(cmd, ctx)
    if opts:
        lines += [".SH OPTIONS", *opts]
    if isinstance(cmd, click.Group):
        subs = [(n, cmd.get_command(ctx, n)) for n in cmd.list_commands(ctx)]
        lines += [".SH COMMANDS"]
        for n, sub in subs:
            if sub is None or sub.hidden:
                continue
            lines += [
                ".TP",
                f"\\fB{escape(n)}\\fR",
                escape(sub.get_short_help_str(limit=120)),
                f"See \\fB{escape('-'.join([*path, n]))}\\fR({SECTION}).",
            ]
    if len(path) > 1:
        lines += [".SH SEE ALSO", f"\\fB{escape('-'.join(path[:-1]))}\\fR({SECTION})"]
    return "\n".join(lines) + "\n"


def walk(cmd: click.Command, path: list[str]):
    yield cmd, path
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=" ".join(path))
        for n in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, n)
            if sub is not None and not sub.hidden:
                yield from walk(sub, [*path, n])


def main(argv: list[str]) -> int:
    outdir = Path(argv[0] if argv else "man")
    outdir.mkdir(parents=True, exist_ok=True)
    # reproducible builds: SOURCE_DATE_EPOCH, else today
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    date = when.strftime("%Y-%m-%d")
    written = 0
    for cmd, path in walk(cli, ["redactor"]):
        (outdir / f"{'-'.join(path)}.{SECTION}").write_text(page(cmd, path, date))
        written += 1
    print(f"wrote {written} man pages to {outdir}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
