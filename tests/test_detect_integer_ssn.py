"""Issue 16 part 3: SSNs stored as whole numbers under an id-like name (``id_num``, ``idno``,
``ref_no``) versus case, student and record numbers.

Integer SSNs lose their leading zeros (7-9 digits) and are all valid (area 001-899 but 666,
group 01-99, serial 0001-9999). Record numbers show themselves by values no SSN can be (group
00, serial 0000, area 000/666/9xx) or by reading as YYYYMMDD dates. When nothing tells them
apart the column is withheld under a restricted decision, and the evidence says why.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from redactor.audit import Job
from redactor.categories import Category as C
from redactor.detect import classify_column
from redactor.io.formats import Format
from redactor.pipeline import redact_file
from redactor.policy import decide, load_pack
from redactor.request import Request

R = random.Random(1618)
N = 400


def ssn_int(r: random.Random, areas: range) -> int:
    return r.choice(areas) * 10**6 + r.randint(1, 99) * 10**4 + r.randint(1, 9999)


# SSNs issued before 2011 carry the area of the state that issued them
STATES = {
    "Colorado 521-524 (always 9 digits)": range(521, 525),
    "Massachusetts 010-034 (8 digits)": range(10, 35),
    "New Hampshire and Maine 001-007 (7 digits)": range(1, 8),
}
ID_NAMES = ["id_num", "idno", "ref_no", "client_id", "REF_NBR"]


@pytest.fixture(scope="module")
def restricted():
    return decide(
        Request(("civil_immigration_enforcement",), agency="ICE"), [load_pack("colorado-sb21-131")]
    )


@pytest.mark.parametrize("typ", [pa.int64(), pa.string()], ids=["int64", "text"])
@pytest.mark.parametrize("name", ID_NAMES)
@pytest.mark.parametrize("areas", list(STATES.values()), ids=list(STATES))
def test_id_named_integer_ssns_are_withheld(areas: range, name: str, typ: pa.DataType) -> None:
    values = [ssn_int(R, areas) for _ in range(N)]
    arr = pa.array(values if typ == pa.int64() else [str(v) for v in values], typ)
    s = classify_column(name, arr)
    assert s.flagged and s.category is C.SSN and not s.clear, s
    assert any("SSN" in e for e in s.evidence)
    assert not any(str(v) in " ".join(s.evidence) for v in values)  # never quotes a value


def test_the_rule_says_why_when_it_cannot_tell() -> None:
    s = classify_column("id_num", pa.array([ssn_int(R, range(521, 525)) for _ in range(N)]))
    assert "nothing shows they are record numbers" in s.evidence[0], s.evidence
    assert "withheld unless the field map lists the column" in s.evidence[0]


def test_record_numbers_are_still_released() -> None:
    cases = {
        # about 1 in 9 random 9-digit numbers can be no SSN
        "case_no": [R.randint(10**8, 10**9 - 1) for _ in range(N)],
        # 7-digit sequential ids read as 001-00-xxxx: group 00
        "student_id": [1_000_000 + i for i in range(N)],
        # event dates as integers (every one a valid SSN once padded: 020-24-0315)
        "ref_no": [
            int(f"{R.randint(2015, 2024)}{R.randint(1, 12):02d}{R.randint(1, 28):02d}")
            for _ in range(N)
        ],
    }
    for name, values in cases.items():
        s = classify_column(name, pa.array(values))
        assert not s.flagged and s.clear, (name, s)


def test_a_repeated_placeholder_does_not_pass_ssns_off_as_record_numbers() -> None:
    values = [ssn_int(R, range(521, 525)) for _ in range(N)]
    values[: N // 20] = [999_999_999] * (N // 20)  # "unknown" written as nines
    values[N // 20 : N // 20 + 3] = [0, 0, 0]
    s = classify_column("id_num", pa.array(values))
    assert s.flagged and s.category is C.SSN, s


def test_a_sampled_block_of_case_numbers_that_are_all_valid_ssns_is_withheld() -> None:
    """Year-prefixed case numbers (2024xxxxx) read as area 202, group 4x: all valid. Their
    order or shared prefix proves nothing (before 2011 SSA issued serials in order, so births
    of one year in one state share a prefix too): withheld until the map lists the column."""
    values = sorted(R.sample(range(202_400_001, 202_499_999), N))
    s = classify_column("case_no", pa.array(values))
    assert s.flagged and not s.clear, s


def test_no_map_restricted_redaction_leaves_no_integer_ssn(tmp_path: Path, restricted) -> None:
    ssns = [ssn_int(R, range(10, 35)) for _ in range(N)]
    src = tmp_path / "in.csv"
    pacsv.write_csv(
        pa.table(
            {
                "id_num": pa.array(ssns, pa.int64()),
                "benefit_amt": [f"{R.uniform(1, 900):.2f}" for _ in range(N)],
            }
        ),
        src,
    )
    out, man = tmp_path / "out.csv", tmp_path / "m.json"
    job = Job(source=str(src), output=str(out), output_format=Format.CSV, manifest=str(man))
    redact_file(restricted, str(src), Format.CSV, job)
    text = out.read_text()
    assert text.splitlines()[0] == '"benefit_amt"'
    assert not any(str(v) in text for v in ssns)
    cols = {c["name"]: c for c in json.loads(man.read_text())["columns"]}
    assert cols["id_num"]["action"] == "drop" and cols["id_num"]["category"] == "ssn"
