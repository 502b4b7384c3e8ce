"""The report as one self-contained HTML page: inline CSS and an inline SVG chart, no scripts.

The chart (requests per month, stacked by outcome) is static SVG, so it renders with scripts
disabled, prints, and archives as a record without any external file.
"""

from __future__ import annotations

from html import escape

from redactor.requestlog.entry import OUTCOMES
from redactor.requestlog.report import ListedRequest, Report

COLORS = {  # one distinct fill per outcome; used nowhere else on the page
    "released": "#2e7d32",
    "redacted": "#1565c0",
    "refused": "#c62828",
    "failed": "#ef6c00",
    "incomplete": "#6a1b9a",
}
PLOT_H, LEFT, TOP, BAR_W, SLOT_W, SWATCH = 240, 56, 24, 48, 96, 12

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;
max-width:1100px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:26px 0 8px}
p.meta{color:#555;font-size:13px;margin:0 0 10px}
.attest{padding:10px 14px;border-left:5px solid #888;background:#f4f4f4;margin:8px 0 16px}
.attest.withheld{border-color:#b00;background:#fdecea;font-weight:600}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right}
code{font-size:12px}svg text{font-size:12px;fill:#333}
"""


def _chart(report: Report) -> str:
    months = list(report.by_month.items())
    peak = max((sum(c.values()) for _, c in months), default=0)
    scale = float(PLOT_H // peak) if 0 < peak <= PLOT_H else (PLOT_H / peak if peak else 1.0)
    width = LEFT + SLOT_W * max(len(months), 1) + 160
    height = TOP + PLOT_H + 40
    base = TOP + PLOT_H
    parts = [
        f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" shape-rendering="crispEdges" role="img" '
        f'aria-label="Requests per month by outcome">',
        f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + SLOT_W * len(months)}" y2="{base}" '
        f'stroke="#444"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#444"/>',
        f'<text x="{LEFT - 8}" y="{base + 4}" text-anchor="end">0</text>',
        f'<text x="{LEFT - 8}" y="{TOP + 4}" text-anchor="end">'
        f"{round(PLOT_H / scale) if peak else 0}</text>",
    ]
    for i, (month, counts) in enumerate(months):
        x = LEFT + SLOT_W * i + (SLOT_W - BAR_W) // 2
        y = float(base)
        for outcome in OUTCOMES:
            n = counts[outcome]
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(
                f'<rect class="bar" data-month="{month}" data-outcome="{outcome}" '
                f'data-count="{n}" x="{x}" y="{y:g}" width="{BAR_W}" height="{h:g}" '
                f'fill="{COLORS[outcome]}"><title>{month} {outcome}: {n}</title></rect>'
            )
        total = sum(counts.values())
        parts.append(
            f'<text x="{x + BAR_W // 2}" y="{y - 5:g}" text-anchor="middle">{total}</text>'
        )
        parts.append(
            f'<text x="{x + BAR_W // 2}" y="{base + 18}" text-anchor="middle">{month}</text>'
        )
    lx = LEFT + SLOT_W * len(months) + 24
    for j, outcome in enumerate(OUTCOMES):
        ly = TOP + 20 * j
        parts.append(
            f'<rect class="legend-swatch" x="{lx}" y="{ly}" width="{SWATCH}" '
            f'height="{SWATCH}" fill="{COLORS[outcome]}"/>'
        )
        parts.append(f'<text x="{lx + SWATCH + 6}" y="{ly + 10}">{outcome}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _table(header: list[str], rows: list[list[object]], numeric: int = 0) -> str:
    """``numeric``: how many trailing columns are right-aligned numbers."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for k, value in enumerate(row):
            text = "; ".join(value) if isinstance(value, tuple | list) else str(value)
            cls = ' class="n"' if k >= len(row) - numeric else ""
            cells.append(f"<td{cls}>{escape(text) or '—'}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _listed(items: tuple[ListedRequest, ...], header: list[str], *cols: str) -> str:
    if not items:
        return "<p>None.</p>"
    rows = [
        [r.request_id, r.date, r.agency, r.purposes, *(getattr(r, c) for c in cols)] for r in items
    ]
    return _table(["Request", "Date", "Agency", "Stated purposes", *header], rows)


def _notices(report: Report) -> str:
    if not report.notices:
        return "<p>None due for requests in this period.</p>"
    t = report.notice_totals
    summary = (
        f"As of {report.as_of}: {t['on_time']} made on time, {t['late']} made late, "
        f"{t['suppressed']} lawfully withheld, {t['due']} still due, {t['overdue']} "
        f"overdue ({report.notices_missed} missed)."
    )
    rows = [
        [
            n.request_id,
            n.date,
            n.agency,
            n.pack,
            n.due,
            n.state,
            n.notified_on or "",
            n.reason or n.reference or "",
        ]
        for n in report.notices
    ]
    return f'<p id="notices-summary">{escape(summary)}</p>' + _table(
        ["Request", "Date", "Agency", "Pack", "Due", "State", "Notified", "Reference / ground"],
        rows,
    )


def _packs(report: Report) -> list[str]:
    if not report.packs:
        return ["<p>No requests.</p>"]
    out = []
    for p in report.packs:
        out.append(f"<h3>{escape(p.pack)} ({escape(', '.join(p.versions))})</h3>")
        out.append(
            f"<p>{p.requests} request(s) decided under this pack; a rule of it applied "
            f"to {p.restricted}."
            + (f" Reporting duty: {escape('; '.join(p.duties))}." if p.duties else "")
            + "</p>"
        )
        out.append(_table(["Outcome", "Requests"], [[o, p.totals[o]] for o in OUTCOMES], 1))
        if p.exceptions:
            out.append("<p>Exceptions granted: " + escape("; ".join(p.exceptions)) + "</p>")
    return out


def render_html(report: Report) -> str:
    p = report.period
    title = f"Request report {p.label}"
    attest_cls = "attest" if report.attested else "attest withheld"
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{p.start} to {p.end} (UTC) · generated {escape(report.generated_at)}'
        f" from a verified request log ({report.log_entries} entries, head hash "
        f"<code>{report.log_head_hash}</code>)</p>",
        f'<p class="{attest_cls}" id="attestation">{escape(report.attestation)}</p>',
        "<h2>Requests per month by outcome</h2>",
        _chart(report),
        "<h2>Summary</h2>",
        _table(
            ["Outcome", "Requests"],
            [[o, report.totals[o]] for o in OUTCOMES] + [["total", report.total]],
            1,
        ),
        "<h2>Requests by agency, stated purpose and outcome</h2>",
        _table(
            ["Agency", "Names as given", "Stated purposes", "Outcome", "Requests"],
            [[r.agency, r.names, r.purposes, r.outcome, r.requests] for r in report.rows],
            1,
        ),
    ]
    if report.violations:
        sections += [
            "<h2>Requests that prevent attestation</h2>",
            _listed(
                report.violations,
                ["Released", "Exceptions", "Evidence", "Why"],
                "released_categories",
                "exceptions",
                "evidence",
                "note",
            ),
        ]
    sections += [
        "<h2>Exceptions used</h2>",
        _listed(
            report.exceptions,
            ["Exceptions", "Evidence", "Reviewed by", "Outcome"],
            "exceptions",
            "evidence",
            "reviewers",
            "outcome",
        ),
        "<h2>Refused requests</h2>",
        _listed(report.refused, ["Reasons"], "reasons"),
        "<h2>Failed or incomplete requests</h2>",
        _listed(report.unfinished, ["Outcome", "Note"], "outcome", "note"),
        "<h2>Subject notifications</h2>",
        _notices(report),
        "<h2>By policy pack</h2>",
        *_packs(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
