"""The report as one self-contained HTML page: inline CSS and inline SVG charts, no scripts.

Rendered from the same document as Markdown (:mod:`redactor.requestlog.report_document`); the
charts are drawn by matplotlib (:mod:`redactor.requestlog.report_charts`). A
Content-Security-Policy forbids every external load and every script, so the page renders the
same offline, prints (the PDF is this page printed by headless Chromium) and archives as a
record without any other file.
"""

from __future__ import annotations

import re
from html import escape

from redactor.requestlog.report import Report
from redactor.requestlog.report_charts import COLORS  # noqa: F401  (re-exported)
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

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;
color:#222;max-width:1000px;line-height:1.4}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 6px}p.sub{color:#555;margin:0 0 12px}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:0 0 12px}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
ul.summary li{margin:3px 0}
.attest{padding:10px 14px;border-left:5px solid #2e7d32;background:#f1f8f1;margin:8px 0 12px}
.attest.withheld{border-color:#b00;background:#fdecea;font-weight:600}
.signature{border:1px solid #999;padding:10px 14px;margin:10px 0 16px;break-inside:avoid}
.signature .line{display:flex;gap:12px;margin-top:22px}
.signature .line span{flex:1;border-top:1px solid #222;padding-top:2px;font-size:12px;color:#444}
figure{margin:10px 0 18px;break-inside:avoid}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{max-width:100%;height:auto}
details{font-size:13px;margin-top:4px}
table{border-collapse:collapse;font-size:13px;margin:4px 0 10px}th,td{border:1px solid #ccc;
padding:4px 8px;text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right}
tr{break-inside:avoid}code{font-size:12px}sup a{text-decoration:none}
ol.notes{font-size:13px}
@page{size:Letter;margin:16mm 14mm}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}details{display:none}}
"""


def _inline(text: str) -> str:
    """Escaped text, with ``**bold**`` and ```code``` as the only markup."""
    out = escape(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


def _part(value: str | int | Rid | Note) -> str:
    if isinstance(value, Rid):
        return f'<a href="#req-{escape(value.full)}"><code>{escape(value.short)}</code></a>'
    if isinstance(value, Note):
        return f'<sup><a href="#note-{value.number}">[{value.number}]</a></sup>'
    return _inline(str(value))


def _cell(value: Cell) -> str:
    if isinstance(value, tuple | list):
        return "; ".join(_part(v) for v in value)
    return _part(value)


def _table(t: Table) -> str:
    if not t.rows:
        return f"<p>{escape(t.empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = []
    for row in t.rows:
        cells = []
        for k, value in enumerate(row):
            cls = ' class="n"' if k >= len(row) - t.numeric else ""
            cells.append(f"<td{cls}>{_cell(value) or '—'}</td>")
        anchor = ""
        if t.id == "appendix-ids" and isinstance(row[0], Rid):
            anchor = f' id="req-{escape(row[0].full)}"'
        body.append(f"<tr{anchor}>" + "".join(cells) + "</tr>")
    tid = f' id="{t.id}"' if t.id else ""
    return f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _signature(s: Signature) -> str:
    name = escape(s.name) if s.name else "&nbsp;"
    title = escape(s.title) if s.title else "&nbsp;"
    return (
        f'<div class="signature" id="signature"><p>{escape(s.statement)}</p>'
        f'<div class="line"><span>{escape(s.role)}: <strong>{name}</strong></span>'
        f"<span>Title: <strong>{title}</strong></span></div>"
        '<div class="line"><span>Signature</span><span>Date</span></div></div>'
    )


def _chart(c: Chart) -> str:
    spec = c.draw()
    return (
        f'<figure id="chart-{c.id}" class="chart"><figcaption id="{c.id}-title">'
        f"{escape(c.title)}</figcaption>{spec.svg}"  # type: ignore[attr-defined]
        f"<details><summary>The numbers</summary>{_table(c.data)}</details></figure>"
    )


def _block(block: Block) -> str:
    if isinstance(block, Para):
        attrs = (f' id="{block.id}"' if block.id else "") + (
            f' class="{block.cls}"' if block.cls else ""
        )
        return f"<p{attrs}>{_inline(block.text)}</p>"
    if isinstance(block, Facts):
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in block.items)
        return f'<dl class="meta" id="{block.id or "meta"}">{items}</dl>'
    if isinstance(block, Bullets):
        cls = ' class="summary"' if block.id == "summary" else ""
        items = "".join(f"<li>{_cell(i)}</li>" for i in block.items)
        return f'<ul id="{block.id or ""}"{cls}>{items}</ul>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        return _chart(block)
    if isinstance(block, Signature):
        return _signature(block)
    raise TypeError(type(block))  # pragma: no cover


def html(doc: Document) -> str:
    parts = [f"<h1>{escape(doc.title)}</h1>", f'<p class="sub">{escape(doc.subtitle)}</p>']
    for section in doc.sections:
        sid = f' id="{section.id}"' if section.id else ""
        if section.title:
            level = max(section.level, 2)
            parts.append(f"<h{level}{sid}>{escape(section.title)}</h{level}>")
        parts += [_block(b) for b in section.blocks]
        if section.id == "notes":
            items = "".join(f'<li id="note-{n.number}">{_inline(n.text)}</li>' for n in doc.notes)
            parts.append(f'<ol class="notes">{items}</ol>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(doc.title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def render_html(report: Report) -> str:
    return html(build_document(report))
