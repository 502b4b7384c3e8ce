"""The report as Markdown (default), CSV (the agency × purpose × outcome counts) or JSON.

Markdown is rendered from the same document as HTML (:mod:`redactor.requestlog.report_document`):
charts appear as the tables of the numbers they draw, footnotes as ``[^N]``.
"""

from __future__ import annotations

import csv
import io
import json

from redactor.requestlog.report import Report
from redactor.requestlog.report_document import (
    Block,
    Bullets,
    Cell,
    Chart,
    Document,
    Facts,
    Note,
    Para,
    Rid,
    Signature,
    Table,
    build_document,
)

FORMATS = ("md", "html", "pdf", "csv", "json")
TEXT_FORMATS = ("md", "html", "csv", "json")  # what :func:`render` returns as text
EXTENSIONS = {
    "md": "md",
    "markdown": "md",
    "html": "html",
    "htm": "html",
    "pdf": "pdf",
    "csv": "csv",
    "json": "json",
}


def _part(value: str | int | Rid | Note) -> str:
    if isinstance(value, Rid):
        return f"`{value.short}`"
    if isinstance(value, Note):
        return f"[^{value.number}]"
    return str(value)


def _cell(value: Cell) -> str:
    text = "; ".join(_part(v) for v in value) if isinstance(value, tuple | list) else _part(value)
    return " ".join(text.split()).replace("|", "\\|") or "—"


def _table(t: Table) -> list[str]:
    if not t.rows:
        return [t.empty, ""]
    out = ["| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    return [*out, ""]


def _signature(s: Signature) -> list[str]:
    return [
        s.statement,
        "",
        f"{s.role}: {s.name or '______________________________'}",
        "",
        f"Title: {s.title or '______________________________'}",
        "",
        "Signature: ______________________________    Date: ______________",
        "",
    ]


def _block(block: Block) -> list[str]:
    if isinstance(block, Para):
        if block.id == "attestation":
            return [f"**Attestation:** {block.text}", ""]
        return [block.text, ""]
    if isinstance(block, Facts):
        return [*(f"- **{k}:** {v}" for k, v in block.items), ""]
    if isinstance(block, Bullets):
        fmt = "- `{}`" if block.code else "- {}"
        return [*(fmt.format(_cell(i)) for i in block.items), ""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return [f"### {block.title}", "", *_table(block.data)]
    if isinstance(block, Signature):
        return _signature(block)
    raise TypeError(type(block))  # pragma: no cover


def markdown(doc: Document) -> str:
    lines = [f"# {doc.title} ({doc.subtitle})", ""]
    for section in doc.sections:
        if section.title:
            lines += [f"{'#' * section.level} {section.title}", ""]
        for block in section.blocks:
            lines += _block(block)
        if section.id == "notes":
            lines += [f"[^{n.number}]: {' '.join(n.text.split())}" for n in doc.notes] + [""]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    return markdown(build_document(report))


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        ["period", "agency", "stated_purposes", "outcome", "requests", "names_as_given"]
    )
    for r in report.rows:
        writer.writerow([report.period.label, r.agency, r.purposes, r.outcome, r.requests, r.names])
    return buf.getvalue()


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render(report: Report, fmt: str) -> str:
    """The report as text in ``fmt`` (one of :data:`TEXT_FORMATS`; PDF is
    :func:`redactor.requestlog.report_pdf.render_pdf`)."""
    if fmt == "html":
        from redactor.requestlog.report_html import render_html

        return render_html(report)
    return {"md": render_markdown, "csv": render_csv, "json": render_json}[fmt](report)
