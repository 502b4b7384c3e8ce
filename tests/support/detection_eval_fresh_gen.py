"""Second frozen evaluation set (``tests/data/detection_eval/fresh/``), written *after* the
issue-16 rule changes and scored once before any further change: the honest "after" figure.

Like :mod:`tests.support.detection_eval_gen` it imports nothing from ``redactor``; it reuses
that generator's value makers but has new agencies, new column names and new person names.

    .venv/bin/python -m tests.support.detection_eval_fresh_gen
"""

from __future__ import annotations

import csv
import json
import random

from tests.support import detection_eval_gen as g


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


OUT = g.OUT / "fresh"

GIVEN2 = _words(
    """
    Adaeze Agustin Ainhoa Alfonso Amparo Anselmo Aracely Baltazar Belen Benicio Brisa
    Catalina Celestino Consuelo Cruz Dagoberto Delmy Edelmira Eliseo Emiliano Epifanio
    Eusebio Faustino Florencia Genoveva Gilberto Herminia Hortencia Inocencio Itzel Jacobo
    Jazmin Lisandro Macario Marcelino Maximino Nayeli Nestor Norberto Odilia Paulina
    Porfirio Reynaldo Rosalba Sebastian Serafina Tadeo Yesenia Zoila Garrett Jolene Kendra
    Marlon Rochelle Tameka Vernon Wendell Bich Quang Sung Ngozi Obinna Svetlana Yuriy Mehmet
    Ayesha Imran Sanjay
    """
)
FAMILY2 = _words(
    """
    Alcantara Anaya Arredondo Baca Banuelos Betancourt Bustamante Cano Carbajal Cazares
    Cisneros Corona Davila Duarte Enriquez Esquivel Galindo Gamboa Garza Godinez Granados
    Hinojosa Huerta Lozano Magana Manzano Marroquin Meraz Montano Murillo Nava Ocampo Olvera
    Palacios Pantoja Quezada Renteria Saucedo Segura Tapia Tovar Urbina Villalobos Zavala
    Abbott Brennan Crowley Dunleavy Easterling Hargrove Lockhart Merriweather Prescott
    Rutherford Stanfield Whitlock Nwosu Okafor Balogun Kovalenko Yilmaz Siddiqui Qureshi
    Nguyen Pham Truong
    """
)


def given2(r: random.Random) -> str:
    return r.choice(GIVEN2)


def family2(r: random.Random) -> str:
    return r.choice(FAMILY2)


TABLES = {
    # DMV customer file, mainframe/COBOL names
    "dmv_customer": [
        ("CUST_NO", "none", g.nine_digit_id),
        ("CUST_SURNM", "name", g.upper(family2)),
        ("CUST_GVN_NM", "name", g.upper(given2)),
        ("CUST_DOB_YMD", "birth_date", lambda r: g.f_ymd(g.birth(r))),
        ("CUST_SSN9", "ssn", g.ssn_int),
        ("CUST_PLC_BRTH", "place_of_birth", g.mixed_pob),
        ("DOC_CMPLNC_TYP", "status_proxy", g.pick("F", "N")),
        ("LMTD_DUR_IND", "status_proxy", g.pick("0", "1")),
        ("LIC_ISS_DT", "none", lambda r: g.f_ymd(g.event(r))),
        ("LIC_EXP_DT", "none", lambda r: g.f_ymd(g.d_between(r, 2026, 2031))),
        ("ENDRSMNT_CD", "none", g.pick("H", "N", "P", "S", "T", "X")),
        ("RESTR_CD", "none", g.pick("B", "C", "D", "E", "F")),
        ("EYE_CLR", "none", g.pick("BRO", "BLU", "GRN", "HAZ")),
        ("RES_CITY_NM", "address", g.pick("FRESNO", "SALEM", "YAKIMA", "GREELEY")),
        ("RES_ZIP_CD", "address", lambda r: f"{r.randint(80001, 81658):05d}"),
        ("TXN_TS", "none", lambda r: f"{g.f_iso(g.event(r))} {r.randint(0, 23):02d}:15:00"),
        ("FEE_PAID", "none", lambda r: round(r.uniform(10, 90), 2)),
    ],
    # WIC nutrition program (PascalCase)
    "wic_participants": [
        ("ParticipantKey", "none", lambda r: r.randint(10**6, 10**7)),
        ("GivenName", "name", given2),
        ("FamilyName", "name", family2),
        ("Dob", "birth_date", lambda r: g.f_mdy(g.birth(r))),
        ("GuardianName", "name", lambda r: f"{given2(r)} {family2(r)}"),
        (
            "CountryOfOrigin",
            "place_of_birth",
            lambda r: r.choice(g.FOREIGN_PLACES).replace("-", " "),
        ),
        ("CertificationDate", "none", lambda r: g.f_mdy(g.event(r))),
        ("HemoglobinLevel", "none", lambda r: round(r.uniform(9, 15), 1)),
        ("RiskCode", "none", g.pick("101", "113", "201", "401", "502")),
        ("CategoryCode", "none", g.pick("PG", "BF", "PP", "I", "C")),
        ("StreetAddress1", "address", g.street),
        ("CellNumber", "phone", g.phone),
        ("ClinicId", "none", g.pick("C01", "C02", "C07")),
        ("IncomeVerified", "none", g.pick("Y", "N")),
    ],
    # probation / court (Title Case With Spaces)
    "probation": [
        ("Docket Number", "none", lambda r: f"{r.randint(2018, 2025)}CR{r.randint(1000, 9999)}"),
        ("Defendant Name", "name", lambda r: f"{family2(r)}, {given2(r)}"),
        ("Date of Birth", "birth_date", lambda r: g.f_mdy(g.birth(r))),
        ("Place of Birth", "place_of_birth", g.foreign_pob),
        ("Citizenship", "immigration_status", g.pick("US", "NON-US", "UNK")),
        ("ICE Detainer", "immigration_status", g.pick("Y", "N", "N")),
        ("Sentence Date", "none", lambda r: g.f_mdy(g.event(r))),
        ("Supervision Level", "none", g.pick("LOW", "MEDIUM", "HIGH")),
        ("Home Phone", "phone", g.phone),
        ("Address", "address", g.street),
        ("Risk Score", "none", lambda r: r.randint(0, 40)),
        ("Case Notes", "free_text", g.note_en),
    ],
    # refugee resettlement / benefits (snake_case)
    "resettlement": [
        ("client_uid", "none", lambda r: f"RS-{r.randint(10000, 99999)}"),
        ("first_nm", "name", given2),
        ("paternal_surname", "name", family2),
        ("maternal_surname", "name", family2),
        ("birth_dt", "birth_date", lambda r: g.f_iso(g.birth(r))),
        ("arrival_dt", "immigration_status", lambda r: g.f_iso(g.d_between(r, 2015, 2025))),
        ("i94_no", "immigration_status", lambda r: f"{r.randint(10**10, 10**11 - 1)}"),
        ("alien_reg_no", "immigration_status", g.a_num),
        (
            "nationality",
            "immigration_status",
            lambda r: r.choice(g.FOREIGN_PLACES).replace("-", " "),
        ),
        ("primary_language", "none", g.pick("Dari", "Pashto", "Arabic", "Spanish", "Tigrinya")),
        ("household_members", "none", lambda r: r.randint(1, 8)),
        ("rca_amount", "none", lambda r: round(r.uniform(100, 900), 2)),
        ("caseworker", "name", lambda r: f"{given2(r)} {family2(r)}"),
        ("service_dt", "none", lambda r: g.f_iso(g.event(r))),
    ],
    # bilingual health clinic export
    "clinica": [
        ("no_paciente", "none", lambda r: r.randint(100000, 999999)),
        ("nombre_completo", "name", lambda r: f"{given2(r)} {family2(r)} {family2(r)}"),
        ("fecha_de_nacimiento", "birth_date", lambda r: g.f_dmy(g.birth(r))),
        (
            "pais_de_nacimiento",
            "place_of_birth",
            lambda r: r.choice(g.FOREIGN_PLACES).replace("-", " "),
        ),
        (
            "estatus_migratorio",
            "immigration_status",
            g.pick("residente", "ciudadano", "indocumentado", "asilo"),
        ),
        ("medicaid_emergencia", "status_proxy", g.pick("S", "N")),
        ("numero_seguro_social", "ssn", g.ssn_dashed),
        ("direccion", "address", g.calle),
        ("tel_casa", "phone", g.phone),
        ("fecha_cita", "none", lambda r: g.f_dmy(g.event(r))),
        ("peso_kg", "none", lambda r: round(r.uniform(40, 120), 1)),
        ("copago", "none", lambda r: r.choice([0, 5, 10, 20])),
        ("notas_medico", "free_text", g.note_es),
    ],
}

EN = [
    "{family2}, {given2} (DOB {dob}) reported to the office. {prose}.",
    "{prose}. Mrs. {family2} said her husband {given2} works nights; cell {phone}.",
    "Probationer {given2} {family2} gave SSN {ssn} and new address {street}.",
    "{prose}. {given2} and {given2} {family2} attended with the interpreter.",
    "Left voicemail for {given2} {family2} at {phone}; {prose}.",
    "{prose}.",
]
ES = [
    "Paciente {given2} {family2} {family2}, nacida el {dob_es}. {prose_es}.",
    "{prose_es}. Habló con su esposa {given2}; teléfono {phone}.",
    "La señora {family2} vive en {calle}. {prose_es}.",
    "{prose_es}. Acompañado por {given2} {family2}, NSS {ssn}.",
    "{prose_es}.",
]


def _fill(r: random.Random, tpl: str) -> tuple[str, list[tuple[str, str]]]:
    out, used = tpl, []
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        slot = out[i + 1 : j]
        b = g.birth(r)
        kind: str | None = None
        if slot == "given2":
            val, kind = given2(r), "name"
        elif slot == "family2":
            val, kind = family2(r), "name"
        elif slot == "dob":
            val, kind = g.f_mdy(b), "date"
        elif slot == "dob_es":
            val, kind = f"{b.day} de {g.MES[b.month - 1]} de {b.year}", "date"
        elif slot == "phone":
            val, kind = g.phone(r), "phone"
        elif slot == "ssn":
            val, kind = g.ssn_dashed(r), "ssn"
        elif slot == "street":
            val, kind = g.street(r), "address"
        elif slot == "calle":
            val, kind = g.calle(r), "address"
        elif slot == "prose":
            val = g.prose(r, g.PROSE_EN, r.randint(6, 12))
        elif slot == "prose_es":
            val = g.prose(r, g.PROSE_ES, r.randint(6, 12))
        else:  # pragma: no cover
            raise KeyError(slot)
        out = out[:i] + val + out[j + 1 :]
        if kind:
            used.append((kind, val))
    return out, used


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    labels = {}
    for i, (table, cols) in enumerate(TABLES.items()):
        r = random.Random(26_000 + i)
        with open(OUT / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([c for c, _, _ in cols])
            for _ in range(g.ROWS):
                w.writerow([gen(r) for _, _, gen in cols])
        labels[table] = {c: lab for c, lab, _ in cols}
    (OUT / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    for name, seed, tpl in (("notes_en", 2601, EN), ("notes_es", 2602, ES)):
        r = random.Random(seed)
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for _ in range(2000):
                text, used = _fill(r, r.choice(tpl))
                row = {"text": text, "embedded": [{"kind": k, "value": v} for k, v in used]}
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
