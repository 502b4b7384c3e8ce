"""Issue 16 part 4: person names in free text without a model (English and Spanish)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from redactor.detect import Scrubber, scrub_array
from redactor.detect.person_names import scrub_names
from redactor.detect.scrub import NAMES_ENV, names_notice

CASES = [
    ("Met with Maria Hernandez at the office.", ["Maria", "Hernandez"]),
    ("Spoke with a man named Oluwaseun who called back.", ["Oluwaseun"]),
    ("Her son Tariq translated for the family.", ["Tariq"]),
    (
        "Per supervisor, Chiamaka Eze and Efrain Caldwell share the unit.",
        ["Chiamaka", "Eze", "Efrain", "Caldwell"],
    ),
    ("Garza, Itzel reported to the office.", ["Garza", "Itzel"]),
    ("Met with Jamal Washington in Denver.", ["Jamal", "Washington"]),
    ("La Sra. Peña llamó desde el consultorio.", ["Peña"]),
    ("Su hijo Rogelio nació en marzo.", ["Rogelio"]),
    (
        "El solicitante José Luis Núñez Zúñiga presentó licencia.",
        ["José", "Luis", "Núñez", "Zúñiga"],
    ),
    ("Don Leila Lefebvre trae su número.", ["Leila", "Lefebvre"]),
    ("Adaeze and Maria Flores attended.", ["Adaeze", "Maria", "Flores"]),
]


@pytest.mark.parametrize(("text", "names"), CASES)
def test_names_are_removed_and_prose_kept(text: str, names: list[str]) -> None:
    (out,) = scrub_names(pa.array([text])).to_pylist()
    assert "[NAME]" in out
    for n in names:
        assert n not in out.split() and n + "," not in out, (n, out)
    prose = [w for w in text.split() if w[0].islower()]
    assert all(w in out.split() for w in prose), out


def test_no_name_no_change_and_nulls_kept() -> None:
    texts = [
        "The packet was incomplete; forms due Monday.",
        None,
        "",
        "ICE SSN DOB",
        "  two  spaces",
    ]
    assert scrub_names(pa.array(texts)).to_pylist() == texts


def test_scrub_array_finds_names_with_identifiers_and_can_be_turned_off(monkeypatch) -> None:
    text = (
        "Client Maria Lopez, SSN 219-09-9999, lives at Calle Morelos 982, "
        "nacida el 3 de marzo de 1985."
    )
    (out,) = scrub_array(pa.array([text])).to_pylist()
    assert out == "Client [NAME], SSN [SSN], lives at [ADDRESS], nacida el [DATE].", out
    assert names_notice() is None
    monkeypatch.setenv(NAMES_ENV, "off")
    (kept,) = scrub_array(pa.array([text])).to_pylist()
    assert "Maria Lopez" in kept and "[SSN]" in kept
    assert "NOT removed" in (names_notice() or "")
    assert Scrubber(spacy_model=None, names=False).names is False


def test_chunked_and_dictionary_arrays() -> None:
    arr = pa.chunked_array([["Met with Maria Garcia."], ["Called Ms. Kim."]])
    out = scrub_array(arr)
    assert isinstance(out, pa.ChunkedArray)
    assert out.to_pylist() == ["Met with [NAME].", "Called [NAME]."]
    d = pa.array(["Met with Maria Garcia.", "Met with Maria Garcia."]).dictionary_encode()
    assert all("Garcia" not in x for x in scrub_array(d).to_pylist())
