"""``redactor scan``: suggest a field map for a dataset file (thin layer over redactor.detect)."""

from __future__ import annotations

import sys

import click

from redactor.cli.options import CONTEXT_SETTINGS, typed_errors
from redactor.cli.output import SCAN_SCHEMA, echo_json, json_option
from redactor.detect.scan import DEFAULT_SAMPLE, scan_path
from redactor.errors import UsageError
from redactor.io.writers import write_text_atomic

FORMATS = ["csv", "tsv", "parquet", "jsonl"]


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input_path", metavar="INPUT")
@click.option(
    "--table",
    "table",
    metavar="NAME",
    help="Table name to write in the map (default: the file name).",
)
@click.option(
    "--sample",
    type=int,
    default=DEFAULT_SAMPLE,
    show_default=True,
    metavar="N",
    help="Rows to sample (uniform reservoir over the whole input).",
)
@click.option(
    "-o",
    "--output",
    "output",
    metavar="FIELD_MAP",
    help="Write the suggested map here (atomically), or - for standard output [default: -].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    help="Input format (default: from the extension; on standard input, sniffed: Parquet "
    "by its magic bytes, JSON Lines by a leading {, else CSV).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Sampling seed (same input and seed give the same map).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Do not print the summary line (warnings still are)."
)
@json_option("Per-column suggestions (category, confidence, evidence) and the map")
@typed_errors
def scan_command(
    input_path: str,
    table: str | None,
    sample: int,
    output: str | None,
    fmt: str | None,
    seed: int,
    quiet: bool,
    as_json: bool,
) -> None:
    """Suggest a field map for INPUT (`-` = stdin) from column names and sampled content.

    \b
    Every column gets a category with its confidence and evidence as YAML comments. Review
    every line before use: detection suggests, a person decides.

    \b
    Examples:
      redactor scan sample_data/dmv_drivers.csv --table drivers -o drivers.yaml
      cat sample_data/dmv_drivers.csv | redactor scan - --table drivers --json
    """
    if sample < 1:
        raise UsageError(f"--sample must be at least 1 (got {sample})", hint="e.g. --sample 5000")
    result = scan_path(input_path, fmt, table=table, sample=sample, seed=seed)
    if as_json and output not in (None, "-"):
        raise UsageError(
            "--json prints on standard output; it does not write the map to -o",
            hint="drop -o (the JSON holds the map as field_map), or drop --json",
        )
    if as_json:
        echo_json(_scan_doc(result, input_path, table))
    elif output in (None, "-"):
        sys.stdout.write(result.yaml_text)
    else:
        write_text_atomic(str(output), result.yaml_text, mode=0o644)
    if quiet:
        return
    flagged = sum(1 for s in result.suggestions.values() if s.flagged)
    click.echo(
        f"redactor: scanned {result.rows_sampled} of {result.rows_seen} rows: "
        f"{flagged} of {len(result.suggestions)} columns flagged as protected"
        + (f"; map written to {output}" if output not in (None, "-") else ""),
        err=True,
    )


def _scan_doc(result, input_path: str, table: str | None) -> dict:
    """A ``redactor.scan/1`` document (docs/json.md)."""
    return {
        "schema": SCAN_SCHEMA,
        "source": "standard input" if input_path == "-" else input_path,
        "table": table,
        "rows_seen": result.rows_seen,
        "rows_sampled": result.rows_sampled,
        "columns": [
            {
                "name": name,
                "category": str(s.category),
                "confidence": round(s.confidence, 3),
                "flagged": s.flagged,
                "clear": s.clear,
                "review": s.weak,
                "evidence": list(s.evidence),
            }
            for name, s in result.suggestions.items()
        ],
        "field_map": result.yaml_text,
    }
