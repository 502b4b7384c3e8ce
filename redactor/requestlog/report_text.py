"""The report as Markdown (default), CSV (the agency × purpose × outcome counts) or JSON."""

from __future__ import annotations

import csv
import io
import json

from redactor.requestlog.entry import OUTCOMES
from redactor.requestlog.report import ListedRequest, Report

FORMATS = ("md", "html", "csv", "json")


def _cell(value: object) -> str:
    text = "; ".join(value) if isinstance(value, tuple | list) else str(value)
    return " ".join(text.split()).replace("|", "\\|") or "—"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _listed_rows(items: tuple[ListedRequest, ...], *cols: str) -> list[list[object]]:
    return [
        [f"`{r.request_id}`", r.date, r.agency, r.purposes, *(getattr(r, c) for c in cols)]
        for r in items
    ]


def render_markdown(report: Report) -> str:
    p = report.period
    lines = [
        f"# Request report {p.label} ({p.start} to {p.end}, UTC)",
        "",
        f"Generated {report.generated_at} from a verified request log "
        f"({report.log_entries} entries, head hash `{report.log_head_hash}`).",
        "",
        f"**Attestation:** {report.attestation}",
        "",
        "## Summary",
        "",
        *_table(
            ["Outcome", "Requests"],
            [[o, report.totals[o]] for o in OUTCOMES] + [["**total**", report.total]],
        ),
        "## Requests by agency, stated purpose and outcome",
        "",
        *_table(
            ["Agency", "Names as given", "Stated purposes", "Outcome", "Requests"],
            [[r.agency, r.names, r.purposes, r.outcome, r.requests] for r in report.rows],
        ),
        "## Requests per month",
        "",
        *_table(
            ["Month", *OUTCOMES],
            [[m, *(c[o] for o in OUTCOMES)] for m, c in report.by_month.items()],
        ),
    ]
    if report.violations:
        lines += [
            "## Requests that prevent attestation",
            "",
            *_table(
                [
                    "Request",
                    "Date",
                    "Agency",
                    "Stated purposes",
                    "Released",
                    "Exceptions",
                    "Evidence",
                    "Why",
                ],
                _listed_rows(
                    report.violations, "released_categories", "exceptions", "evidence", "note"
                ),
            ),
        ]
    lines += ["## Exceptions used", ""]
    lines += (
        _table(
            [
                "Request",
                "Date",
                "Agency",
                "Stated purposes",
                "Exceptions",
                "Evidence",
                "Reviewed by",
                "Opened request",
                "Outcome",
            ],
            _listed_rows(
                report.exceptions,
                "exceptions",
                "evidence",
                "reviewers",
                "opened_request",
                "outcome",
            ),
        )
        if report.exceptions
        else ["None.", ""]
    )
    lines += ["## Refused requests", ""]
    lines += (
        _table(
            ["Request", "Date", "Agency", "Stated purposes", "Reasons"],
            _listed_rows(report.refused, "reasons"),
        )
        if report.refused
        else ["None.", ""]
    )
    lines += ["## Failed or incomplete requests", ""]
    lines += (
        _table(
            ["Request", "Date", "Agency", "Stated purposes", "Outcome", "Note"],
            _listed_rows(report.unfinished, "outcome", "note"),
        )
        if report.unfinished
        else ["None.", ""]
    )
    lines += notice_lines(report)
    lines += pack_lines(report)
    return "\n".join(lines)


def notice_lines(report: Report) -> list[str]:
    """Subject notifications: made on time, late, withheld (with the ground), due, overdue."""
    lines = ["## Subject notifications", ""]
    if not report.notices:
        return [*lines, "None due for requests in this period.", ""]
    t = report.notice_totals
    lines += [
        f"As of {report.as_of}: {t['on_time']} made on time, {t['late']} made late, "
        f"{t['suppressed']} lawfully withheld, {t['due']} still due, {t['overdue']} "
        f"overdue (**{report.notices_missed} missed**).",
        "",
    ]
    lines += _table(
        ["Request", "Date", "Agency", "Pack", "Due", "State", "Notified", "Reference / ground"],
        [
            [
                f"`{n.request_id}`",
                n.date,
                n.agency,
                n.pack,
                n.due,
                n.state,
                n.notified_on or "—",
                n.reason or n.reference or "—",
            ]
            for n in report.notices
        ],
    )
    return lines


def pack_lines(report: Report) -> list[str]:
    lines = ["## By policy pack", ""]
    if not report.packs:
        return [*lines, "No requests.", ""]
    for p in report.packs:
        lines += [
            f"### {p.pack} ({', '.join(p.versions)})",
            "",
            f"{p.requests} request(s) decided under this pack; a rule of it applied to "
            f"{p.restricted}.",
            "",
        ]
        lines += _table(["Outcome", "Requests"], [[o, p.totals[o]] for o in OUTCOMES])
        if p.duties:
            lines += ["Reporting duty: " + "; ".join(p.duties) + ".", ""]
        if any(p.notices.values()):
            lines += [
                "Notifications: " + ", ".join(f"{k} {v}" for k, v in p.notices.items() if v) + ".",
                "",
            ]
        lines += (
            ["Exceptions granted:", "", *[f"- `{e}`" for e in p.exceptions], ""]
            if p.exceptions
            else ["No exception granted.", ""]
        )
    return lines


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
    if fmt == "html":
        from redactor.requestlog.report_html import render_html

        return render_html(report)
    return {"md": render_markdown, "csv": render_csv, "json": render_json}[fmt](report)
