"""The issue's targets, on generated data the rules were not tuned on (a regression fails CI)."""

from __future__ import annotations

from benchmarks.detection_eval import evaluate_columns, evaluate_scrub
from tests.support.detection_synth import fresh_tables, holdout_tables


def test_column_classification_targets_on_held_out_schemas() -> None:
    rep = evaluate_columns(holdout_tables(seed=31, rows=300) + fresh_tables(seed=32, rows=300))
    assert rep.protected_recall == 1.0, rep.errors
    assert rep.accuracy >= 0.98, rep.errors


def test_free_text_identifier_recall_on_held_out_notes() -> None:
    for rep in (
        evaluate_scrub(seed=33, notes=1500, holdout=True),
        evaluate_scrub(seed=34, notes=1500, fresh=True),
    ):
        assert rep.overall_recall >= 0.99, rep.leaks
        assert min(r for r, _ in rep.recall.values()) >= 0.98, rep.recall
        assert rep.prose_kept >= 0.98
        assert rep.false_tokens_per_1000_clean <= 5
