"""Benchmarks for redactor (issue 6): run with ``python -m benchmarks`` or ``make bench``.

Not collected by pytest (``testpaths = tests``); speed targets live here, never in unit tests.

Modules: ``data`` (dataset generation and cache), ``floor`` (the pyarrow copy floor),
``runners`` (timed subprocess runs of the real CLI), ``groundtruth`` (recall against the
generator's known identifiers), ``presidio_peer`` (presidio-structured on a slice),
``sqlbench`` (SQL rewrite latency), ``report`` (table and JSON), ``profiling`` (pyinstrument).

Issue 18 (``python -m benchmarks.compare``): ``wide`` (the 43-column export whose map leaves six
columns to detection), ``peers`` (the DuckDB and polars one-liners a user would write instead),
``compare`` (all of them side by side, interleaved), ``components`` (each piece of the work
alone), ``duckdb_engine_proto`` (the plan compiled to one DuckDB query: a prototype, not the
engine).
"""
