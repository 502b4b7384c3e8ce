"""Issue 16 part 1: under a restricted decision an unlisted column is released only with
positive evidence that it is clear; otherwise it is withheld, with the reason and the fix."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from redactor import plan as plan_mod
from redactor.audit import Job
from redactor.categories import Action, Category
from redactor.detect import classify_column, classify_columns
from redactor.detect.classify import CLEAR_THRESHOLD
from redactor.detect.scan import render_field_map, review_marker
from redactor.io.formats import Format
from redactor.pipeline import redact_file
from redactor.plan import Detected, build_plan, unknown_summary
from redactor.policy import decide, load_pack
from redactor.request import Request

R = random.Random(16)


@pytest.fixture(scope="module")
def restricted():
    return decide(
        Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack("colorado-sb21-131")]
    )


def test_thresholds_agree() -> None:
    assert plan_mod.CLEAR_THRESHOLD == CLEAR_THRESHOLD


def test_the_issue_columns_dt1_and_lp_are_not_released(restricted) -> None:
    dob = [
        f"{R.randint(1941, 2002)}-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}" for _ in range(300)
    ]
    flags = [R.choice("YN") for _ in range(300)]
    sugg = classify_columns(pa.table({"dt1": dob, "lp": flags, "q7": flags}))
    assert sugg["dt1"].flagged and sugg["dt1"].category is Category.BIRTH_DATE
    assert sugg["lp"].flagged and sugg["lp"].category is Category.IMMIGRATION_STATUS
    # a yes/no flag whose name says nothing: neither flagged nor clear
    assert not sugg["q7"].flagged and not sugg["q7"].clear
    det = {c: Detected(s.category, s.confidence, s.flagged, s.evidence) for c, s in sugg.items()}
    plans = {p.name: p for p in build_plan(list(sugg), None, restricted, detected=det)}
    assert all(p.withheld for p in plans.values())
    assert plans["q7"].origin == "unknown" and "as none to release it" in plans["q7"].reason
    assert "q7" in (unknown_summary(list(plans.values())) or "")


def test_clear_evidence_releases_and_unknown_withholds(restricted) -> None:
    n = 300
    table = pa.table(
        {
            "benefit_amt": [f"{R.uniform(1, 900):.2f}" for _ in range(n)],
            "fld4": [str(R.randint(1, 400)) for _ in range(n)],
            "visit_dt": [f"2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d}" for _ in range(n)],
            "c9": [R.choice(["A", "B", "C", "D"]) for _ in range(n)],
            "zz": [f"{R.choice('QWXZ')}{R.randint(10, 99)}{R.choice('KLMN')}" for _ in range(n)],
        }
    )
    sugg = classify_columns(table)
    assert {c for c, s in sugg.items() if s.clear} == {"benefit_amt", "fld4", "visit_dt", "c9"}
    assert not sugg["zz"].clear and sugg["zz"].confidence < CLEAR_THRESHOLD
    det = {c: Detected(s.category, s.confidence, s.flagged) for c, s in sugg.items()}
    plans = {p.name: p for p in build_plan(table.column_names, None, restricted, detected=det)}
    assert [c for c, p in plans.items() if p.withheld] == ["zz"]
    assert plans["zz"].action is Action.DROP
    # --strict keeps its meaning: every unlisted column withheld
    strict = build_plan(table.column_names, None, restricted, strict=True, detected=det)
    assert all(p.withheld for p in strict)


def test_without_detection_an_unlisted_column_is_withheld_when_restricted(restricted) -> None:
    (p,) = build_plan(["anything"], None, restricted, detected={})
    assert p.withheld and p.origin == "unknown"
    assert "did not look at it" in p.reason


def test_unrestricted_decision_releases_unknown_columns() -> None:
    d = decide(
        Request(("motor_vehicle_administration",), agency="Denver DMV"),
        [load_pack("colorado-sb21-131")],
    )
    assert not d.restricted
    det = {"zz": Detected(Category.NONE, 0.4, False)}
    (p,) = build_plan(["zz"], None, d, detected=det)
    assert not p.withheld


def test_no_map_redaction_manifest_says_why_and_how(tmp_path: Path, restricted) -> None:
    n = 200
    src = tmp_path / "in.csv"
    pacsv.write_csv(
        pa.table(
            {
                "amt": [f"{R.uniform(1, 99):.2f}" for _ in range(n)],
                "zz": [
                    f"{R.choice('QWXZ')}{R.randint(10, 99)}{R.choice('KLMN')}" for _ in range(n)
                ],
                "lp": [R.choice("YN") for _ in range(n)],
            }
        ),
        src,
    )
    out, man = tmp_path / "out.csv", tmp_path / "m.json"
    job = Job(source=str(src), output=str(out), output_format=Format.CSV, manifest=str(man))
    redact_file(restricted, str(src), Format.CSV, job)
    assert out.read_text().splitlines()[0] == '"amt"'
    cols = {c["name"]: c for c in json.loads(man.read_text())["columns"]}
    assert cols["zz"]["action"] == "drop" and cols["zz"]["origin"] == "unknown"
    assert "field map as none" in cols["zz"]["reason"]
    assert cols["lp"]["category"] == "immigration_status"


def test_scan_marks_every_weak_suggestion_review() -> None:
    n = 200
    table = pa.table(
        {
            "zz": [f"{R.choice('QWXZ')}{R.randint(10, 99)}{R.choice('KLMN')}" for _ in range(n)],
            "amt": [f"{R.uniform(1, 99):.2f}" for _ in range(n)],
            "q7": [R.choice("YN") for _ in range(n)],
        }
    )
    sugg = classify_columns(table)
    text = render_field_map(
        sugg, map_name="t", table_name="t", source="x", rows_seen=n, rows_sampled=n
    )
    lines = text.splitlines()
    for col in ("zz", "q7"):
        at = lines.index(f"      {col}: none")
        head = max(
            i
            for i in range(at)
            if lines[i].startswith("      # ") and not lines[i].startswith("      #   ")
        )
        assert lines[head].startswith("      # REVIEW"), lines[head]
        assert any("unknown: nothing shows it is clear" in x for x in lines[head:at])
    assert review_marker(sugg["amt"]) == ""


def test_weak_protected_reading_is_withheld_not_released(restricted) -> None:
    s = classify_column("x", pa.array(["Lopez", "Kim"] * 3))
    det = Detected(s.category, s.confidence, s.flagged)
    (p,) = build_plan(["x"], None, restricted, detected={"x": det})
    assert p.withheld


def test_plan_notices_say_names_are_kept_when_turned_off(monkeypatch, restricted) -> None:
    from redactor.detect.scrub import NAMES_ENV
    from redactor.plan import ColumnPlan, plan_notices

    notes = ColumnPlan("notes", Category.FREE_TEXT, Action.SCRUB, "map", "free_text: scrub")
    assert plan_notices([notes]) == []
    monkeypatch.setenv(NAMES_ENV, "0")
    (line,) = plan_notices([notes])
    assert "NOT removed" in line
    unknown = ColumnPlan("zz", None, Action.DROP, "unknown", "…")
    assert len(plan_notices([notes, unknown])) == 2
