"""The floor: copy a file with pyarrow and no transform, in the same format.

Run as a child process (so interpreter and pyarrow start-up count, as they do for redactor)::

    python -m benchmarks.floor stream|whole csv|parquet INPUT OUTPUT

``stream``: CSV ``pyarrow.csv.open_csv`` -> ``CSVWriter``; Parquet ``ParquetFile.iter_batches`` ->
``ParquetWriter``. ``whole``: ``read_csv`` -> ``write_csv``; ``read_table`` -> ``write_table``.
CSV columns are read as strings, as redactor reads them (no type inference: the cheaper and
byte-preserving choice). Writers use pyarrow's defaults (Parquet: snappy, dictionary pages).
Prints one JSON line: the seconds spent inside the copy (after imports) and rows copied.
"""

from __future__ import annotations

import csv
import json
import sys
import time

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BATCH_ROWS = 65_536


def _string_types(path: str) -> pacsv.ConvertOptions:
    with open(path, newline="", encoding="utf-8") as f:
        names = next(csv.reader(f))
    return pacsv.ConvertOptions(column_types={n: pa.string() for n in names})


def copy_csv_stream(src: str, dst: str) -> int:
    reader = pacsv.open_csv(src, convert_options=_string_types(src))
    rows = 0
    with pacsv.CSVWriter(dst, reader.schema) as w:
        for batch in reader:
            w.write_batch(batch)
            rows += batch.num_rows
    return rows


def copy_csv_whole(src: str, dst: str) -> int:
    table = pacsv.read_csv(src, convert_options=_string_types(src))
    pacsv.write_csv(table, dst)
    return table.num_rows


def copy_parquet_stream(src: str, dst: str) -> int:
    pf = pq.ParquetFile(src)
    rows = 0
    with pq.ParquetWriter(dst, pf.schema_arrow) as w:
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            w.write_batch(batch)
            rows += batch.num_rows
    return rows


def copy_parquet_whole(src: str, dst: str) -> int:
    table = pq.read_table(src)
    pq.write_table(table, dst)
    return table.num_rows


COPIES = {
    ("stream", "csv"): copy_csv_stream,
    ("whole", "csv"): copy_csv_whole,
    ("stream", "parquet"): copy_parquet_stream,
    ("whole", "parquet"): copy_parquet_whole,
}


def main(argv: list[str]) -> int:
    mode, fmt, src, dst = argv
    t0 = time.perf_counter()
    rows = COPIES[(mode, fmt)](src, dst)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
