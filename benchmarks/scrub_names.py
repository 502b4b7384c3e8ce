"""Free-text scrubbing throughput with person-name finding on and off (issue 16).

Notes are the frozen English + Spanish evaluation notes (``tests/data/detection_eval``),
repeated to ``--notes`` rows; one thread, best of ``--repeat`` runs. Both the wall-clock and
the CPU time of the process are reported, with the load average: on a shared machine the
CPU time is the better estimate of what one free core does.

    .venv/bin/python -m benchmarks.scrub_names [--notes 100000] [--repeat 3] [--join 2]
"""

from __future__ import annotations

import argparse
import json
import os
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


def best_of(scrubber: Scrubber, arr: pa.Array, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeat`` runs."""
    scrubber.scrub(arr[:100])  # compile the patterns and load the name lists first
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        scrubber.scrub(arr)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--join", type=int, default=1, help="notes per row (2: ~220 characters)")
    a = ap.parse_args()
    arr = notes(a.notes, a.join)
    chars = sum(len(s) for s in arr.to_pylist()) / len(arr)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, sc in (
        ("identifiers + names", Scrubber(spacy_model=None, names=True)),
        ("identifiers only", Scrubber(spacy_model=None, names=False)),
    ):
        wall, cpu = best_of(sc, arr, a.repeat)
        print(
            f"{label}: {a.notes} notes (mean {chars:.0f} chars) in {wall:.2f} s = "
            f"{a.notes / wall:,.0f} notes/s (CPU {cpu:.2f} s = {a.notes / cpu:,.0f} notes/s)"
        )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
