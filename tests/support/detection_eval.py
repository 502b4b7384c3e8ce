"""Score the frozen detection evaluation (``tests/data/detection_eval/``, issue 16).

Uses the library as a user would: tables are read with the project reader (CSV cells are
strings, as in ``redactor redact``), classified with ``redactor.detect.classify_columns``, and
redacted with ``redactor.pipeline.redact_file`` under a civil-immigration request with **no
field map**; notes are scrubbed with ``redactor.detect.scrub_array``. The scoring code and the
data share nothing with the rules.

    .venv/bin/python -m tests.support.detection_eval          # figures for docs/detection.md
    .venv/bin/python -m tests.support.detection_eval --fresh  # the second (post-change) set
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


DATA = Path(__file__).resolve().parents[1] / "data" / "detection_eval"
PROTECTED_LABELS = frozenset(
    _words(
        """
        name birth_date place_of_birth ssn itin drivers_license address phone email
        immigration_status status_proxy photo free_text
        """
    )
)


FRESH = DATA / "fresh"


def labels(data: Path = DATA) -> dict[str, dict[str, str]]:
    return json.loads((data / "labels.json").read_text())


def read_table(table: str, data: Path = DATA) -> pa.Table:
    from redactor.io.readers import open_batches

    schema, batches = open_batches(str(data / f"{table}.csv"))
    return pa.Table.from_batches(list(batches), schema=schema)


@dataclass
class ColumnFigures:
    columns: int = 0
    correct: int = 0
    protected: int = 0
    protected_flagged: int = 0  # truly protected columns detection flags (any category)
    flagged: int = 0
    flagged_true: int = 0
    per_category: dict[str, list[int]] = field(default_factory=dict)  # cat -> [tp, pred, sup]
    errors: list[str] = field(default_factory=list)
    review_marked: int = 0  # weak suggestions (scan would mark REVIEW)

    @property
    def accuracy(self) -> float:
        return self.correct / max(1, self.columns)

    @property
    def protected_recall(self) -> float:
        return self.protected_flagged / max(1, self.protected)

    @property
    def protected_precision(self) -> float:
        return self.flagged_true / max(1, self.flagged)


def score_columns(data: Path = DATA) -> ColumnFigures:
    from redactor.detect import classify_columns

    fig = ColumnFigures()
    for table, lab in labels(data).items():
        sugg = classify_columns(read_table(table, data))
        for col, truth in lab.items():
            s = sugg[col]
            pred = s.category.value if s.flagged else "none"
            fig.columns += 1
            fig.correct += pred == truth
            for cat in {pred, truth}:
                fig.per_category.setdefault(cat, [0, 0, 0])
            fig.per_category[pred][1] += 1
            fig.per_category[truth][2] += 1
            if pred == truth:
                fig.per_category[truth][0] += 1
            if truth in PROTECTED_LABELS:
                fig.protected += 1
                fig.protected_flagged += pred != "none"
            if pred != "none":
                fig.flagged += 1
                fig.flagged_true += truth in PROTECTED_LABELS
            if pred != truth:
                fig.errors.append(
                    f"{table}.{col}: label {truth}, got {s.category.value} {s.confidence:.2f}"
                )
    return fig


@dataclass
class LeakFigures:
    protected_columns: int = 0
    leaked_columns: list[str] = field(default_factory=list)  # protected, original values out
    clear_columns: int = 0
    clear_released: int = 0  # clear columns released unchanged
    withheld_clear: list[str] = field(default_factory=list)


def score_leaks(data: Path = DATA) -> LeakFigures:
    """Redact every table without a field map under a civil-immigration request."""
    from redactor.audit import Job
    from redactor.io.formats import Format
    from redactor.pipeline import redact_file
    from redactor.policy import decide, load_pack
    from redactor.request import Request

    decision = decide(
        Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack("colorado-sb21-131")]
    )
    assert decision.restricted
    fig = LeakFigures()
    with tempfile.TemporaryDirectory() as tmp:
        for table, lab in labels(data).items():
            out = Path(tmp) / f"{table}.out.csv"
            job = Job(
                source=str(data / f"{table}.csv"),
                output=str(out),
                output_format=Format.CSV,
                manifest="",
            )
            redact_file(decision, str(data / f"{table}.csv"), Format.CSV, job)
            src = read_table(table, data)
            res = pacsv.read_csv(
                out,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in src.column_names},
                    strings_can_be_null=False,
                ),
            )
            for col, truth in lab.items():
                orig = [v for v in src.column(col).to_pylist() if v not in (None, "")]
                kept = set(res.column(col).to_pylist()) if col in res.column_names else set()
                same = sum(1 for v in orig if v in kept)
                if truth in PROTECTED_LABELS:
                    fig.protected_columns += 1
                    if same:
                        fig.leaked_columns.append(f"{table}.{col} ({truth}: {same} values)")
                else:
                    fig.clear_columns += 1
                    if same == len(orig):
                        fig.clear_released += 1
                    else:
                        fig.withheld_clear.append(f"{table}.{col}")
    return fig


_WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}|\d{2,}")
_KEEP = frozenset(
    _words(
        """
    st ave blvd rd dr ln ct way pl cir calle avenida av de del mayo
    """
    )
)


def _parts(kind: str, value: str) -> list[str]:
    if kind == "email":
        return [value]
    parts = [p for p in _WORD.findall(value) if p.lower() not in _KEEP]
    if kind == "date":
        parts = [p for p in parts if p.isdigit()]
    return parts


@dataclass
class NoteFigures:
    notes: int = 0
    per_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [removed, total]
    filler_kept: int = 0
    filler_total: int = 0
    leaks: list[str] = field(default_factory=list)

    def recall(self, kinds: set[str] | None = None) -> float:
        rows = [v for k, v in self.per_kind.items() if kinds is None or k in kinds]
        return sum(r for r, _ in rows) / max(1, sum(t for _, t in rows))

    @property
    def prose_kept(self) -> float:
        return self.filler_kept / max(1, self.filler_total)


def score_notes(name: str, data: Path = DATA) -> NoteFigures:
    from redactor.detect import scrub_array
    from tests.support.detection_eval_gen import PROSE_EN, PROSE_ES

    filler = set(PROSE_EN) | set(PROSE_ES)
    rows = [json.loads(x) for x in (data / f"{name}.jsonl").read_text().splitlines()]
    out = scrub_array(pa.array([r["text"] for r in rows])).to_pylist()
    fig = NoteFigures(notes=len(rows))
    for row, o in zip(rows, out, strict=True):
        for e in row["embedded"]:
            kind, value = e["kind"], e["value"]
            gone = all(
                not re.search(rf"(?<![\wÀ-ÿ]){re.escape(p)}(?![\wÀ-ÿ])", o)
                for p in _parts(kind, value)
            )
            rec = fig.per_kind.setdefault(kind, [0, 0])
            rec[1] += 1
            rec[0] += gone
            if not gone and len(fig.leaks) < 40:
                fig.leaks.append(f"{kind}: {value!r} -> {o[:160]!r}")
        text = row["text"]
        for e in row["embedded"]:  # words inside an identifier are not prose
            text = text.replace(e["value"], " ")
        in_words = [w.strip(".,;:") for w in text.split()]
        out_words = set(w.strip(".,;:") for w in o.split())
        for w in in_words:
            if w in filler:
                fig.filler_total += 1
                fig.filler_kept += w in out_words
    return fig


def main() -> None:  # pragma: no cover - a report printer
    import sys

    data = FRESH if "--fresh" in sys.argv else DATA
    c = score_columns(data)
    print(
        f"columns: {c.columns}, accuracy {c.accuracy:.3f}, protected recall "
        f"{c.protected_recall:.3f}, protected precision {c.protected_precision:.3f}"
    )
    print("| category | precision | recall | columns |\n|---|---|---|---|")
    for cat, (tp, pred, sup) in sorted(c.per_category.items()):
        pr = tp / pred if pred else float("nan")
        rc = tp / sup if sup else float("nan")
        print(f"| {cat} | {pr:.2f} | {rc:.2f} | {sup} |")
    for e in c.errors:
        print("  miss:", e)
    lk = score_leaks(data)
    print(
        f"\nno-map restricted redaction: {len(lk.leaked_columns)} of {lk.protected_columns} "
        f"protected columns leaked; {lk.clear_released} of {lk.clear_columns} clear columns "
        "released"
    )
    for x in lk.leaked_columns:
        print("  leak:", x)
    for x in lk.withheld_clear:
        print("  withheld clear:", x)
    for name in ("notes_en", "notes_es"):
        n = score_notes(name, data)
        ids = set(n.per_kind) - {"name"}
        print(
            f"\n{name}: {n.notes} notes, identifier recall {n.recall(ids):.4f}, name recall "
            f"{n.recall({'name'}):.4f}, prose kept {n.prose_kept:.3f}"
        )
        for k, (r, t) in sorted(n.per_kind.items()):
            print(f"| {k} | {r / t:.4f} | {t} |")
        for x in n.leaks[:15]:
            print("  leak:", x)


if __name__ == "__main__":  # pragma: no cover
    main()
