"""Presidio runs offline: no model download, no network attempt (network blocked in a child)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import socket, sys
    attempts = []
    def refuse(*a, **k):
        attempts.append(a[1:] if len(a) > 1 else a)
        raise OSError("network blocked by test")
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from redactor.detect.analyzer import build_analyzer
    analyzer = build_analyzer()
    found = analyzer.analyze(text="Write to jane.roe@example.org or call SSN 219-09-9999",
                             language="en")
    kinds = sorted({r.entity_type for r in found})
    assert "EMAIL_ADDRESS" in kinds and "US_SSN_VALIDATED" in kinds, kinds

    from redactor.detect import classify_columns, scrub_array
    import pyarrow as pa
    t = pa.table({"contact": ["jane.roe@example.org"] * 20, "x": ["219-09-9999"] * 20,
                  "misc": ["OPEN", "CLOSED"] * 10})
    classify_columns(t)
    out = scrub_array(pa.array(["mail jane.roe@example.org"])).to_pylist()
    assert out == ["mail [EMAIL]"], out

    from redactor.errors import UsageError
    try:
        build_analyzer(spacy_model="en_core_web_lg")
    except UsageError:
        pass
    else:
        raise AssertionError("a missing spaCy model must be an error, never a download")
    print("ATTEMPTS", len(attempts))
""")


def test_analyzer_builds_and_analyzes_with_network_blocked() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ATTEMPTS 0" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr  # tldextract would log a failed fetch
