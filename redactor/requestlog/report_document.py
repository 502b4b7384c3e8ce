"""The report as one document: sections of paragraphs, tables and charts, built once from a
:class:`~redactor.requestlog.report.Report` and rendered by both the Markdown and the HTML
writer (and through HTML, the PDF), so the formats cannot drift apart.

Request ids are shown short (the first 8 characters, longer where two would collide) with the
full ids in an appendix; long rule text (reasons, exceptions, notes) becomes a numbered
footnote, each distinct text once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from redactor.requestlog.entry import OUTCOMES
from redactor.requestlog.report import ListedRequest, Report

SHORT_ID = 8
NOTE_OVER = 60  # characters: longer rule text moves to a footnote
MISSING = "(not given)"


@dataclass(frozen=True)
class Rid:
    """A request id: shown short, linked to the appendix."""

    short: str
    full: str


@dataclass(frozen=True)
class Note:
    """A footnote marker; the text is listed under "Notes"."""

    number: int
    text: str


Cell = str | int | Rid | Note | tuple["str | Note", ...]


@dataclass(frozen=True)
class Para:
    text: str  # ``**bold**`` is the only inline markup
    id: str | None = None
    cls: str | None = None


@dataclass(frozen=True)
class Facts:
    items: tuple[tuple[str, str], ...]
    id: str | None = None


@dataclass(frozen=True)
class Bullets:
    items: tuple[Cell, ...]
    id: str | None = None
    code: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: int = 0  # trailing columns that are right-aligned numbers
    id: str | None = None
    empty: str = "None."


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    data: Table  # the numbers drawn (Markdown shows this table; HTML the chart, then it)
    draw: Callable[[], object]  # -> report_charts.ChartSpec (matplotlib only when called)


@dataclass(frozen=True)
class Signature:
    statement: str
    role: str  # "Attested by" | "Acknowledged by"
    name: str | None
    title: str | None
    attested: bool


Block = Para | Facts | Bullets | Table | Chart | Signature


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 2
    id: str | None = None


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    notes: tuple[Note, ...] = ()
    ids: tuple[tuple[Rid, str, str], ...] = ()  # (id, date, agency) for the appendix


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id's shortest prefix of at least :data:`SHORT_ID` characters that no other id in
    the report shares."""
    unique = sorted(set(ids))
    out = {}
    for i, rid in enumerate(unique):
        n = SHORT_ID
        neighbours = [u for u in unique[max(i - 1, 0) : i + 2] if u != rid]
        while n < len(rid) and any(u.startswith(rid[:n]) for u in neighbours):
            n += 1
        out[rid] = rid[:n]
    return out


@dataclass
class _Builder:
    report: Report
    short: dict[str, str]
    notes: dict[str, Note] = field(default_factory=dict)
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)

    def rid(self, full: str, day: str = "", agency: str = "") -> Rid:
        if full not in self.seen or not self.seen[full][0]:
            self.seen[full] = (day, agency)
        return Rid(self.short.get(full, full), full)

    def long(self, text: str) -> str | Note:
        if len(text) <= NOTE_OVER:
            return text
        if text not in self.notes:
            self.notes[text] = Note(len(self.notes) + 1, text)
        return self.notes[text]

    def longs(self, texts: Iterable[str]) -> tuple[str | Note, ...]:
        return tuple(self.long(t) for t in texts)

    def listed(
        self, items: tuple[ListedRequest, ...], header: tuple[str, ...], *cols: str
    ) -> Table:
        rows = []
        for r in items:
            cells: list[Cell] = [
                self.rid(r.request_id, r.date, r.agency),
                r.date,
                r.agency,
                r.purposes,
            ]
            for c in cols:
                value = getattr(r, c)
                if c == "opened_request":
                    cells.append(self.rid(value) if value else "")
                elif c in ("reasons", "exceptions", "evidence"):
                    cells.append(self.longs(value))
                elif c == "note":
                    cells.append(self.long(value or ""))
                else:
                    cells.append(value if value is not None else "")
            rows.append(tuple(cells))
        return Table(("Request", "Date", "Agency", "Stated purposes", *header), tuple(rows))


def _meta_facts(r: Report) -> Facts:
    m, p = r.meta, r.period
    packs = ", ".join(f"{s.pack} ({', '.join(s.versions)})" for s in r.packs) or "none"
    return Facts(
        (
            ("Agency", m.agency_name or f"{MISSING}: pass --agency-name"),
            ("Reporting period", f"{p.start} to {p.end} ({p.label}; UTC days)"),
            ("Prepared by", m.preparer or f"{MISSING}: pass --preparer"),
            ("Prepared on", r.generated_at[:10]),
            ("Policy packs applied", packs),
        ),
        id="meta",
    )


def _signature(r: Report) -> Signature:
    m = r.meta
    if r.attested:
        statement = (
            "I attest that no request logged in this period was granted for a prohibited "
            "purpose, as computed above from the verified request log."
        )
        role = "Attested by"
    else:
        statement = (
            "The attestation is withheld. I have read this report and the requests listed "
            "under “Requests that prevent attestation”."
        )
        role = "Acknowledged by"
    return Signature(statement, role, m.attest_name, m.attest_title, r.attested)


def _charts(r: Report) -> tuple[Chart, ...]:
    from redactor.requestlog import report_charts as charts

    imm = r.immigration
    months = imm.by_month if imm else r.by_month
    top = r.agencies[: charts.TOP_AGENCIES]
    return (
        Chart(
            "months",
            "Immigration-related requests by outcome, per month",
            Table(
                ("Month", *OUTCOMES),
                tuple((m, *(c[o] for o in OUTCOMES)) for m, c in months.items()),
                numeric=len(OUTCOMES),
            ),
            lambda: charts.months_chart(months),
        ),
        Chart(
            "agencies",
            f"Top requesting agencies (canonical name; top {charts.TOP_AGENCIES})",
            Table(
                ("Agency", "Immigration-related", "All requests"),
                tuple((a, m, n) for a, n, m in top),
                numeric=2,
                empty="No request.",
            ),
            lambda: charts.agencies_chart(top),
        ),
        Chart(
            "exceptions",
            "Exceptions used, by kind",
            Table(
                ("Exception", "Requests"),
                tuple(r.exceptions_by_kind.items()),
                numeric=1,
                empty="No exception was used.",
            ),
            lambda: charts.exceptions_chart(r.exceptions_by_kind),
        ),
    )


def _notices(b: _Builder) -> tuple[Block, ...]:
    r = b.report
    if not r.notices:
        return (Para("None due for requests in this period."),)
    t = r.notice_totals
    summary = (
        f"As of {r.as_of}: {t['on_time']} made on time, {t['late']} made late, "
        f"{t['suppressed']} lawfully withheld, {t['due']} still due, {t['overdue']} "
        f"overdue (**{r.notices_missed} missed**)."
    )
    rows = tuple(
        (
            b.rid(n.request_id, n.date, n.agency),
            n.date,
            n.agency,
            n.pack,
            n.due,
            n.state,
            n.notified_on or "",
            b.long(n.reason or n.reference or ""),
        )
        for n in r.notices
    )
    header = ("Request", "Date", "Agency", "Pack", "Due", "State", "Notified", "Reference / ground")
    return (Para(summary, id="notices-summary"), Table(header, rows))


def _packs(b: _Builder) -> tuple[Section, ...]:
    r = b.report
    out = []
    for p in r.packs:
        blocks: list[Block] = [
            Para(
                f"{p.requests} request(s) decided under this pack; a rule of it applied to "
                f"{p.restricted}."
            ),
            Table(("Outcome", "Requests"), tuple((o, p.totals[o]) for o in OUTCOMES), 1),
        ]
        if p.duties:
            blocks.append(Para("Reporting duty: " + "; ".join(p.duties) + "."))
        if any(p.notices.values()):
            blocks.append(
                Para(
                    "Notifications: "
                    + ", ".join(f"{k} {v}" for k, v in p.notices.items() if v)
                    + "."
                )
            )
        if p.exceptions:
            items = []
            for e in p.exceptions:
                rid, _, rest = e.partition(": ")
                items.append((b.rid(rid), b.long(rest)))
            blocks += [Para("Exceptions granted:"), Table(("Request", "Exception"), tuple(items))]
        else:
            blocks.append(Para("No exception granted."))
        out.append(Section(f"{p.pack} ({', '.join(p.versions)})", tuple(blocks), level=3))
    return tuple(out)


def build_document(r: Report) -> Document:
    ids = [
        x.request_id
        for x in (*r.violations, *r.exceptions, *r.refused, *r.unfinished, *r.operator_errors)
    ]
    ids += [n.request_id for n in r.notices]
    ids += [x.opened_request for x in r.exceptions if x.opened_request]
    ids += [e.partition(": ")[0] for p in r.packs for e in p.exceptions]
    b = _Builder(r, short_ids(ids))
    p = r.period
    attest_cls = "attest" if r.attested else "attest withheld"
    sections: list[Section] = [
        Section("Summary", (Bullets(r.summary, id="summary"),), id="summary-section"),
        Section(
            "Attestation",
            (Para(r.attestation, id="attestation", cls=attest_cls), _signature(r)),
        ),
        Section("At a glance", _charts(r), id="charts"),
        Section(
            "Requests by outcome",
            (
                Table(
                    ("Outcome", "Requests"),
                    (*((o, r.totals[o]) for o in OUTCOMES), ("**total**", r.total)),
                    1,
                ),
            ),
        ),
        Section(
            "Requests by agency, stated purpose and outcome",
            (
                Table(
                    ("Agency", "Names as given", "Stated purposes", "Outcome", "Requests"),
                    tuple((x.agency, x.names, x.purposes, x.outcome, x.requests) for x in r.rows),
                    1,
                ),
            ),
        ),
        Section(
            "Requests per month",
            (
                Table(
                    ("Month", *OUTCOMES),
                    tuple((m, *(c[o] for o in OUTCOMES)) for m, c in r.by_month.items()),
                    len(OUTCOMES),
                ),
            ),
        ),
    ]
    if r.violations:
        sections.append(
            Section(
                "Requests that prevent attestation",
                (
                    b.listed(
                        r.violations,
                        ("Released", "Exceptions", "Evidence", "Why"),
                        "released_categories",
                        "exceptions",
                        "evidence",
                        "note",
                    ),
                ),
                id="violations",
            )
        )
    packs = _packs(b)
    sections += [
        Section(
            "Exceptions used",
            (
                b.listed(
                    r.exceptions,
                    ("Exceptions", "Evidence", "Reviewed by", "Opened request", "Outcome"),
                    "exceptions",
                    "evidence",
                    "reviewers",
                    "opened_request",
                    "outcome",
                ),
            ),
        ),
        Section("Refused requests", (b.listed(r.refused, ("Reasons",), "reasons"),)),
        Section(
            "Failed or incomplete requests",
            (b.listed(r.unfinished, ("Outcome", "Note"), "outcome", "note"),),
        ),
        Section(
            "Operator errors (not counted)",
            (
                Para(
                    "Runs that stopped before reading any record: a wrong file, table or column "
                    "name, or an unreadable input. Nothing was released; the operator ran them "
                    "again. Usage errors (a missing --agency, an unknown purpose) are found "
                    "before any decision and never logged. Messages are shown scrubbed; the "
                    "log holds them in full."
                ),
                b.listed(r.operator_errors, ("Note",), "note"),
            ),
            id="operator-errors",
        ),
        Section("Subject notifications", _notices(b)),
        Section("By policy pack", () if packs else (Para("No requests."),)),
        *packs,
    ]
    notes = tuple(b.notes.values())
    if notes:
        sections.append(Section("Notes", (), id="notes"))
    appendix = tuple(
        (Rid(b.short.get(rid, rid), rid), day, agency) for rid, (day, agency) in b.seen.items()
    )
    sections.append(
        Section(
            "Appendix: request ids",
            (
                Para(
                    "The full id of every request named above; look one up with "
                    "`redactor log show ID`."
                ),
                Table(
                    ("Request", "Full request id", "Date", "Agency"),
                    tuple(
                        (x, x.full, day, agency)
                        for x, day, agency in sorted(appendix, key=lambda t: t[0].short)
                    ),
                    id="appendix-ids",
                    empty="No request is named in this report.",
                ),
            ),
            id="appendix",
        )
    )
    sections.append(
        Section(
            "Provenance",
            (
                Para(
                    f"Generated {r.generated_at} from a verified request log "
                    f"({r.log_entries} entries, head hash `{r.log_head_hash}`). Record the "
                    "head hash with this report: `redactor log verify --expect-head HASH` "
                    "later proves the log still holds every entry this report was computed "
                    "from."
                ),
            ),
            id="provenance",
        )
    )
    agency = r.meta.agency_name
    return Document(
        title=(f"{agency}: request report {p.label}" if agency else f"Request report {p.label}"),
        subtitle=f"{p.start} to {p.end}, UTC",
        sections=(Section("", (_meta_facts(r),), level=0), *sections),
        notes=notes,
        ids=appendix,
    )
