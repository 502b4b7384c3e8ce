"""The plain-language summary a report opens with, computed from the report's own numbers.

"3 requests stated or implied immigration enforcement; none released identity data;
2 exceptions were used, each reviewed by Sgt. B. Reviewer." Every figure here is also in a
table further down, so the summary can be checked against the report itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redactor.requestlog.report import Report

OUTCOME_WORDS = {
    "released": "released in full",
    "redacted": "released with protected fields withheld",
    "refused": "refused",
    "failed": "failed (nothing released)",
    "incomplete": "did not finish (output may have been released)",
}


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _words(n: int) -> str:
    return "none" if n == 0 else str(n)


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _outcomes(totals: dict[str, int]) -> str:
    return _join([f"{n} {OUTCOME_WORDS[o]}" for o, n in totals.items() if n])


def summary_sentences(report: Report) -> tuple[str, ...]:
    p, out = report.period, []
    if report.total == 0:
        out.append(f"No request was logged from {p.start} to {p.end}.")
    else:
        out.append(
            f"{plural(report.total, 'request')} {'was' if report.total == 1 else 'were'} "
            f"logged from {p.start} to {p.end}: {_outcomes(report.totals)}."
        )
    imm = report.immigration
    if imm is not None:
        if imm.total == 0:
            out.append("None stated or implied immigration enforcement.")
        else:
            how = []
            if imm.stated:
                how.append(f"{imm.stated} stated it as a purpose")
            if imm.implied:
                how.append(
                    f"{imm.implied} came from an agency a rule restricts because of who asks"
                )
            out.append(
                f"{plural(imm.total, 'request')} stated or implied immigration enforcement "
                f"({_join(how)}): {_outcomes(imm.totals)}."
            )
        bad = len(report.violations)
        if imm.identity_released == 0 and bad == 0:
            out.append("None released identity data.")
        if imm.identity_released:
            out.append(
                f"{_words(imm.identity_released).capitalize()} released identity data "
                f"({', '.join(imm.released_categories)}), "
                f"{'each ' if imm.identity_released > 1 else ''}under an exception resting on "
                "evidence a reviewer accepted."
            )
        if bad:
            out.append(
                f"{plural(bad, 'request')} released identity data without a lawful exception; "
                "the attestation is withheld (see “Requests that prevent attestation”)."
            )
    ex = report.exceptions
    if not ex:
        out.append("No exception was used.")
    else:
        reviewers = list(dict.fromkeys(r for e in ex for r in e.reviewers))
        unreviewed = sum(not e.reviewers for e in ex)
        if not unreviewed:
            out.append(
                f"{plural(len(ex), 'exception was', 'exceptions were')} used, "
                f"{'reviewed' if len(ex) == 1 else 'each reviewed'} by {_join(reviewers)}."
            )
        else:
            parts = [f"{len(ex) - unreviewed} reviewed by {_join(reviewers)}"] if reviewers else []
            parts.append(f"{unreviewed} with no review recorded")
            out.append(
                f"{plural(len(ex), 'exception was', 'exceptions were')} used: {_join(parts)}."
            )
    if report.notices:
        missed = report.notices_missed
        due = plural(len(report.notices), "subject notification was", "subject notifications were")
        out.append(f"{due} due; {_words(missed)} {'was' if missed == 1 else 'were'} missed.")
    if report.operator_errors:
        n = len(report.operator_errors)
        out.append(
            f"{plural(n, 'run')} stopped on an operator error before reading any record (a "
            "wrong file, table or column, an unreadable input); "
            f"{'it is' if n == 1 else 'they are'} listed separately and not counted."
        )
    out.append(
        "The attestation can be signed."
        if report.attested
        else "The attestation is withheld: this report must not be signed as an attestation."
    )
    return tuple(out)
