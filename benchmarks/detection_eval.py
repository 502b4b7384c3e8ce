"""Scores detection on the seeded synthetic evaluation (``tests/support/detection_synth.py``).

Column metric: predicted category = the suggestion's category if flagged, else ``none``;
accuracy over all columns; protected recall = truly protected columns that were flagged.
Scrub metric: an identifier counts as removed only if none of its fragments (digit runs >= 2,
words >= 3 letters other than street/unit words) survives.

    .venv/bin/python -m benchmarks.detection_eval     # the figures in docs/detection.md

``tests/test_detect_evaluation.py`` runs the same scorer on other seeds as a regression test.
The frozen sets of issue 16 are scored by ``tests/support/detection_eval.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from redactor.categories import PROTECTED, Category
from redactor.detect.classify import classify_columns
from redactor.detect.scrub import TOKENS, Scrubber
from tests.support.detection_synth import (
    SUFFIX,
    LabelledTable,
    faker_notes,
    fresh_tables,
    holdout_tables,
    synthetic_notes,
    tune_tables,
)

C = Category


# --- column metrics ------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnReport:
    columns: int
    accuracy: float  # predicted category (none unless flagged) == label
    protected_recall: float  # truly protected columns that were flagged
    protected_precision: float  # flagged columns that are truly protected
    per_category: dict[str, tuple[float, float, int]]  # category -> (precision, recall, support)
    errors: tuple[str, ...]


def evaluate_columns(tables: Sequence[LabelledTable]) -> ColumnReport:
    pairs: list[tuple[Category, Category, str]] = []
    for lt in tables:
        sugg = classify_columns(lt.table)
        for col, label in lt.labels.items():
            s = sugg[col]
            pred = s.category if s.flagged else C.NONE
            pairs.append(
                (
                    label,
                    pred,
                    f"{lt.name}.{col}: label {label}, got {s.category} {s.confidence:.2f}",
                )
            )
    n = len(pairs)
    correct = sum(1 for a, b, _ in pairs if a is b)
    prot = [(a, b) for a, b, _ in pairs if a in PROTECTED]
    flagged = [(a, b) for a, b, _ in pairs if b in PROTECTED]
    per: dict[str, tuple[float, float, int]] = {}
    for cat in Category:
        tp = sum(1 for a, b, _ in pairs if a is cat and b is cat)
        support = sum(1 for a, _, _ in pairs if a is cat)
        predicted = sum(1 for _, b, _ in pairs if b is cat)
        if support or predicted:
            per[cat.value] = (
                tp / predicted if predicted else 1.0,
                tp / support if support else 1.0,
                support,
            )
    return ColumnReport(
        columns=n,
        accuracy=correct / n,
        protected_recall=sum(1 for _, b in prot if b in PROTECTED) / len(prot),
        protected_precision=sum(1 for a, _ in flagged if a in PROTECTED) / max(1, len(flagged)),
        per_category=per,
        errors=tuple(m for a, b, m in pairs if a is not b),
    )


# --- free-text metrics ---------------------------------------------------------------------
@dataclass(frozen=True)
class ScrubReport:
    notes: int
    identifiers: int
    recall: dict[str, tuple[float, int]]  # kind -> (share fully removed, count)
    overall_recall: float
    token_accuracy: float  # removed identifiers replaced by their own token
    prose_kept: float  # share of filler words that survive
    false_tokens_per_1000_clean: float  # tokens inserted into notes with no identifier
    leaks: tuple[str, ...]  # kinds and templates of misses (no values)


_FRAG = re.compile(r"[A-Za-z]{3,}|\d{2,}")
_NOT_SENSITIVE = {
    "apt",
    "unit",
    "suite",
    "box",
    "street",
    "avenue",
    "ave",
    "road",
    "drive",
    "lane",
    "court",
    "way",
    "place",
    "east",
    "west",
    "north",
    "south",
} | {s.lower() for s in SUFFIX}


def _fragments(kind: str, value: str) -> list[str]:
    frags = [f for f in _FRAG.findall(value) if f.lower() not in _NOT_SENSITIVE]
    if kind in ("name",):
        frags = [f for f in frags if f not in ("Mr", "Ms", "Mrs", "Dr")]
    if kind == "email":
        return [value]
    if kind == "date":
        return [f for f in frags if f.isdigit() or len(f) > 3] or [value]
    return frags


def evaluate_scrub(
    seed: int = 11,
    notes: int = 2000,
    holdout: bool = False,
    scrubber: Scrubber | None = None,
    fresh: bool = False,
) -> ScrubReport:
    generated = synthetic_notes(seed, notes, holdout=holdout, fresh=fresh)
    holdout = holdout or fresh
    s = scrubber or Scrubber(spacy_model=None)
    out = s.scrub(pa.array([n.text for n in generated])).to_pylist()
    per: dict[str, list[int]] = {}
    tokens_ok = removed_n = kept = filler_total = 0
    false_tokens = clean = 0
    leaks: list[str] = []
    for o, note in zip(out, generated, strict=True):
        used, fill, ti = note.embedded, note.fillers, note.template
        if not used:
            clean += 1
            false_tokens += len(re.findall(r"\[[A-Z_]+\]", o))
        for kind, value in used:
            gone = all(
                not re.search(rf"(?<![A-Za-z0-9]){re.escape(f)}(?![A-Za-z0-9])", o)
                for f in _fragments(kind, value)
            )
            per.setdefault(kind, [0, 0])
            per[kind][1] += 1
            if gone:
                per[kind][0] += 1
                removed_n += 1
                tokens_ok += TOKENS[kind] in o
            else:
                leaks.append(f"{kind} in template {ti} ({'holdout' if holdout else 'tune'})")
        words = [w.strip(".;,") for w in o.split()]
        kept += sum(1 for w in fill if w in words)
        filler_total += len(fill)
    total = sum(v[1] for v in per.values())
    return ScrubReport(
        notes=notes,
        identifiers=total,
        recall={k: (v[0] / v[1], v[1]) for k, v in sorted(per.items())},
        overall_recall=sum(v[0] for v in per.values()) / max(1, total),
        token_accuracy=tokens_ok / max(1, removed_n),
        prose_kept=kept / max(1, filler_total),
        false_tokens_per_1000_clean=1000 * false_tokens / max(1, clean),
        leaks=tuple(sorted(set(leaks))),
    )


def evaluate_scrub_faker(seed: int = 2025, notes: int = 4000) -> ScrubReport:
    """Scrub recall on identifiers from a generator we did not write (Faker, a test extra)."""
    generated = faker_notes(seed, notes)
    out = Scrubber(spacy_model=None).scrub(pa.array([t for t, _, _ in generated])).to_pylist()
    per: dict[str, list[int]] = {}
    leaks = []
    for o, (_, kind, value) in zip(out, generated, strict=True):
        frags = [
            x
            for x in _fragments(kind, value)
            if x not in {"PSC", "Unit", "Box", "USNS", "USNV", "USS", "USCGC", "APO", "FPO", "DPO"}
        ]
        gone = all(
            not re.search(rf"(?<![A-Za-z0-9]){re.escape(x)}(?![A-Za-z0-9])", o) for x in frags
        )
        per.setdefault(kind, [0, 0])
        per[kind][1] += 1
        per[kind][0] += gone
        if not gone:
            leaks.append(f"{kind} (faker)")
    total = sum(v[1] for v in per.values())
    return ScrubReport(
        notes=notes,
        identifiers=total,
        recall={k: (v[0] / v[1], v[1]) for k, v in sorted(per.items())},
        overall_recall=sum(v[0] for v in per.values()) / max(1, total),
        token_accuracy=float("nan"),
        prose_kept=float("nan"),
        false_tokens_per_1000_clean=float("nan"),
        leaks=tuple(sorted(set(leaks))),
    )


def _print_columns(title: str, rep: ColumnReport) -> None:
    print(
        f"\n{title}: {rep.columns} columns, accuracy {rep.accuracy:.3f}, protected recall "
        f"{rep.protected_recall:.3f}, protected precision {rep.protected_precision:.3f}"
    )
    print("| category | precision | recall | columns |\n|---|---|---|---|")
    for cat, (pr, rc, sup) in rep.per_category.items():
        print(f"| {cat} | {pr:.2f} | {rc:.2f} | {sup} |")
    for e in rep.errors:
        print("  miss:", e)


def _print_scrub(title: str, rep: ScrubReport) -> None:
    print(
        f"\n{title}: {rep.notes} notes, {rep.identifiers} identifiers, recall "
        f"{rep.overall_recall:.4f}, right token {rep.token_accuracy:.3f}, prose kept "
        f"{rep.prose_kept:.3f}, false tokens per 1000 clean notes "
        f"{rep.false_tokens_per_1000_clean:.1f}"
    )
    print("| identifier | recall | count |\n|---|---|---|")
    for k, (rc, n) in rep.recall.items():
        print(f"| {k} | {rc:.4f} | {n} |")
    for leak in rep.leaks:
        print("  leak:", leak)


def main() -> None:  # pragma: no cover - a report printer
    _print_columns("columns, tune", evaluate_columns(tune_tables(rows=2000)))
    _print_columns("columns, holdout", evaluate_columns(holdout_tables(rows=2000)))
    _print_scrub("scrub, tune", evaluate_scrub(notes=5000))
    _print_scrub("scrub, holdout", evaluate_scrub(seed=99, notes=5000, holdout=True))
    _print_columns("columns, fresh", evaluate_columns(fresh_tables(rows=2000)))
    _print_scrub("scrub, fresh", evaluate_scrub(seed=5, notes=5000, fresh=True))
    _print_scrub("scrub, faker identifiers", evaluate_scrub_faker(notes=5000))


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = [
    "ColumnReport",
    "ScrubReport",
    "evaluate_columns",
    "evaluate_scrub",
    "evaluate_scrub_faker",
]
