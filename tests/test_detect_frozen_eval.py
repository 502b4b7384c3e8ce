"""Issue 16 part 5: the targets on the frozen evaluation sets (tests/data/detection_eval/).

The data was generated once by tests/support/detection_eval_gen.py (before any rule change)
and tests/support/detection_eval_fresh_gen.py (after, scored once before further changes);
both share no code or word lists with redactor.detect. First-run and after figures are in
docs/detection.md.
"""

from __future__ import annotations

import pytest

from tests.support.detection_eval import DATA, FRESH, score_columns, score_leaks, score_notes


@pytest.mark.parametrize("data", [DATA, FRESH], ids=["frozen", "fresh"])
def test_column_targets_and_no_leak_without_a_map(data) -> None:
    c = score_columns(data)
    assert c.protected_recall == 1.0, c.errors
    assert c.accuracy >= 0.98, c.errors
    lk = score_leaks(data)
    assert lk.leaked_columns == []
    assert lk.clear_released >= 0.95 * lk.clear_columns, lk.withheld_clear


@pytest.mark.parametrize("data", [DATA, FRESH], ids=["frozen", "fresh"])
@pytest.mark.parametrize("notes", ["notes_en", "notes_es"])
def test_notes_identifier_and_name_recall(data, notes: str) -> None:
    n = score_notes(notes, data)
    ids = set(n.per_kind) - {"name"}
    assert n.recall(ids) >= 0.99, n.leaks
    assert n.recall({"name"}) >= 0.95, n.leaks
    assert n.prose_kept >= 0.98
