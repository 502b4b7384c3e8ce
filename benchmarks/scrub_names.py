"""Free-text scrubbing throughput with person-name finding on and off (issue 16).

Notes are the frozen English + Spanish evaluation notes (``tests/data/detection_eval``),
repeated to ``--notes`` rows; one thread, best of ``--repeat`` runs.

    .venv/bin/python -m benchmarks.scrub_names [--notes 100000] [--repeat 3] [--join 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyarrow as pa

from redactor.detect.scrub import Scrubber

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "detection_eval"


def notes(n: int, join: int = 1) -> pa.Array:
    texts = [
        json.loads(line)["text"]
        for name in ("notes_en.jsonl", "notes_es.jsonl")
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()
    ]
    if join > 1:  # longer notes: k consecutive notes as one
        texts = [" ".join(texts[i : i + join]) for i in range(0, len(texts) - join + 1, join)]
    return pa.array((texts * (n // len(texts) + 1))[:n], pa.string())


def best_of(scrubber: Scrubber, arr: pa.Array, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        scrubber.scrub(arr)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--join", type=int, default=1, help="notes per row (2: ~220 characters)")
    a = ap.parse_args()
    arr = notes(a.notes, a.join)
    chars = sum(len(s) for s in arr.to_pylist()) / len(arr)
    for label, sc in (
        ("identifiers + names", Scrubber(spacy_model=None, names=True)),
        ("identifiers only", Scrubber(spacy_model=None, names=False)),
    ):
        s = best_of(sc, arr, a.repeat)
        print(
            f"{label}: {a.notes} notes (mean {chars:.0f} chars) in {s:.2f} s = "
            f"{a.notes / s:,.0f} notes/s"
        )


if __name__ == "__main__":
    main()
