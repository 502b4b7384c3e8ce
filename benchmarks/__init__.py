"""Benchmarks for redactor (issue 6): run with ``python -m benchmarks`` or ``make bench``.

Not collected by pytest (``testpaths = tests``); speed targets live here, never in unit tests.

Modules: ``data`` (dataset generation and cache), ``floor`` (the pyarrow copy floor),
``runners`` (timed subprocess runs of the real CLI), ``groundtruth`` (recall against the
generator's known identifiers), ``presidio_peer`` (presidio-structured on a slice),
``sqlbench`` (SQL rewrite latency), ``report`` (table and JSON), ``profiling`` (pyinstrument).
"""
