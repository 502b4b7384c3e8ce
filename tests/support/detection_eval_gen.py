"""Generator of the frozen detection evaluation sets in ``tests/data/detection_eval/``.

Written for issue 16 *before* any rule was changed, and on purpose independent of
``redactor.detect``: it imports nothing from ``redactor`` and every word list below (column
names, person names, places, prose) is typed here by hand. Column names follow conventions of
public data dictionaries (NCHS natality layouts, state education dictionaries, Medicaid MMIS
extracts, corrections/jail booking exports, benefits eligibility systems, Spanish-language
intake forms) and cryptic exports (``dt1``, ``lp``).

Run once to (re)write the frozen files; the files, not this script, are the evaluation::

    .venv/bin/python -m tests.support.detection_eval_gen

Output: one CSV per table, ``labels.json`` (table -> column -> category), and
``notes_en.jsonl`` / ``notes_es.jsonl`` (one note per line with the identifiers and person
names it embeds). Everything is deterministic (fixed seeds) and small.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


OUT = Path(__file__).resolve().parents[1] / "data" / "detection_eval"
ROWS = 400

GIVEN = _words(
    """
    Abigail Adrian Alejandra Alma Amara Anders Angelica Arturo Beatriz Benedict Bianca
    Blanca Bronwyn Camila Candace Cesar Chiamaka Cristina Dalia Damian Daniela Darnell
    Delfina Desmond Dolores Eduardo Efrain Ernesto Esperanza Esteban Eugenia Evangelina
    Fabiola Felipe Fernanda Gabriela Gerardo Gloria Graciela Guadalupe Gustavo Hector
    Heriberto Ignacio Imelda Irma Isabel Jacinto Javier Jimena Joaquin Jorge Josefina Juana
    Julio Karina Laszlo Leticia Lorena Lourdes Manuel Marisol Marta Mauricio Mercedes Miguel
    Mireya Nicolas Noemi Octavio Pablo Patricia Ramiro Raquel Refugio Roberto Rodrigo
    Rogelio Salvador Santiago Silvia Soledad Teresa Ulises Valeria Veronica Wilfredo Ximena
    Yolanda Zulema Brandon Courtney Dustin Heather Kayla Tyler Whitney Dwayne Latoya Marcus
    Shanice Terrence Trevor Brianna Connor Emeka Oluwaseun Thabo Anh Duc Hyun Jin Min Seo
    Raj Sunil Deepa Farid Leila Reza Tariq Yasmin Bogdan Irina Oksana Dmitri Katarzyna Piotr
    """
)

FAMILY = _words(
    """
    Aguilar Alvarado Arellano Avila Barrios Becerra Benitez Bermudez Cabrera Calderon
    Camacho Campos Cardenas Carrillo Castaneda Cervantes Contreras Cordova Delgado Dominguez
    Escobar Espinoza Estrada Figueroa Fuentes Gallegos Guerrero Gutierrez Ibarra Jimenez
    Juarez Lara Leon Luna Maldonado Marquez Medina Mejia Mendoza Miranda Montoya Navarro
    Ochoa Orozco Pacheco Padilla Pena Quintero Rios Robles Rosales Salazar Sandoval Santana
    Serrano Solis Soto Trujillo Valdez Valencia Vasquez Velasquez Zamora Zuniga Abernathy
    Blackwell Caldwell Donovan Fitzgerald Gallagher Holloway Kowalczyk Lindqvist Mccormick
    Nakamura Okonkwo Pemberton Quigley Thornton Underwood Whitfield Yoshida Adeyemi Baptiste
    Chukwu Dubois Eze Hoang Jankowski Kaczmarek Lefebvre Mwangi Nowak Obi Petrov Sokolov
    Tkachenko Vu Wojcik Achterberg Bhattacharya Chaudhry Ferreira Goncalves Haddad Iyer
    Khalil Mahmoud Rahman
    """
)

ACCENTED = {
    "Joaquin": "Joaquín",
    "Hector": "Héctor",
    "Calderon": "Calderón",
    "Jimenez": "Jiménez",
    "Juarez": "Juárez",
    "Marquez": "Márquez",
    "Pena": "Peña",
    "Zuniga": "Zúñiga",
    "Ramiro": "Ramiro",
    "Noemi": "Noemí",
    "Veronica": "Verónica",
    "Cesar": "César",
    "Vasquez": "Vásquez",
    "Velasquez": "Velásquez",
    "Benitez": "Benítez",
}

FOREIGN_PLACES = _words(
    """
    MEXICO GUATEMALA HONDURAS EL-SALVADOR NICARAGUA ECUADOR PERU COLOMBIA VENEZUELA HAITI
    CUBA BRAZIL INDIA CHINA VIETNAM PHILIPPINES NIGERIA ETHIOPIA SOMALIA UKRAINE POLAND
    SYRIA AFGHANISTAN BURMA NEPAL KOREA JAMAICA DOMINICAN-REPUBLIC
    """
)
FOREIGN_CITIES = [
    ("GUADALAJARA", "JAL", "MX"),
    ("OAXACA", "OAX", "MX"),
    ("PUEBLA", "PUE", "MX"),
    ("SAN PEDRO SULA", "CR", "HN"),
    ("QUETZALTENANGO", "QZ", "GT"),
    ("SANTA ANA", "SA", "SV"),
    ("MANILA", "NCR", "PH"),
    ("LAGOS", "LA", "NG"),
    ("KYIV", "KV", "UA"),
    ("HANOI", "HN", "VN"),
    ("CHIHUAHUA", "CHH", "MX"),
    ("MORELIA", "MIC", "MX"),
    ("LEON", "GUA", "MX"),
    ("TEGUCIGALPA", "FM", "HN"),
    ("CUENCA", "A", "EC"),
]
US_STATES = _words(
    """
    AL AK AZ AR CA CO CT FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MO NE NV NJ NM NY NC
    OH OK OR PA TX UT VA WA WI
    """
)
US_CITIES = [
    ("FRESNO", "CA"),
    ("YAKIMA", "WA"),
    ("GREELEY", "CO"),
    ("AUSTIN", "TX"),
    ("JOLIET", "IL"),
    ("SALEM", "OR"),
    ("TUCSON", "AZ"),
    ("RALEIGH", "NC"),
]
COUNTIES = _words(
    """
    ADAMS ARAPAHOE BOULDER DENVER DOUGLAS EL-PASO JEFFERSON LARIMER MESA PUEBLO WELD
    MARICOPA PIMA YAKIMA KING SPOKANE COOK LAKE DUPAGE FRESNO KERN TULARE
    """
)
ROADS = _words(
    """
    Alder Birch Canyon Dahlia Eastgate Fairview Granite Harvest Ironwood Juniper Kestrel
    Larkspur Meadow Northfield Orchard Prairie Quail Redwood Sagebrush Timber
    """
)
ROAD_TYPES = ["St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Ct", "Way", "Pl", "Cir"]
CALLES = ["Calle Hidalgo", "Avenida Juárez", "Calle Morelos", "Av. Insurgentes", "Calle 5 de Mayo"]


# ------------------------------------------------------------------ value generators
def d_between(r: random.Random, y0: int, y1: int) -> dt.date:
    a, b = dt.date(y0, 1, 1).toordinal(), dt.date(y1, 12, 28).toordinal()
    return dt.date.fromordinal(r.randint(a, b))


def birth(r: random.Random) -> dt.date:
    return d_between(r, 1941, 2002)


def event(r: random.Random) -> dt.date:
    return d_between(r, 2018, 2025)


MON = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTH = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def f_iso(d: dt.date) -> str:
    return d.isoformat()


def f_ymd(d: dt.date) -> int:
    return int(d.strftime("%Y%m%d"))


def f_dmony(d: dt.date) -> str:
    return f"{d.day:02d}-{MON[d.month - 1]}-{d.year % 100:02d}"


def f_long(d: dt.date) -> str:
    return f"{MONTH[d.month - 1]} {d.day}, {d.year}"


def f_dmy(d: dt.date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def f_mdy(d: dt.date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def f_sas(d: dt.date) -> int:
    return (d - dt.date(1960, 1, 1)).days


def f_epoch(d: dt.date) -> int:
    return int((dt.datetime(d.year, d.month, d.day, 12) - dt.datetime(1970, 1, 1)).total_seconds())


def f_epoch_ms(d: dt.date) -> int:
    return f_epoch(d) * 1000 + 0


def ssn_str(r: random.Random) -> str:
    area = r.choice([r.randint(1, 99), r.randint(100, 665), r.randint(667, 899)])
    return f"{area:03d}{r.randint(1, 99):02d}{r.randint(1, 9999):04d}"


def ssn_dashed(r: random.Random) -> str:
    s = ssn_str(r)
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def ssn_int(r: random.Random) -> int:
    return int(ssn_str(r))  # leading zeros are lost, as in a numeric export


def nine_digit_id(r: random.Random) -> int:
    return r.randint(100_000_000, 999_999_999)


def phone(r: random.Random) -> str:
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice(
        [f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"{a}{b}{c:04d}"]
    )


def email(r: random.Random) -> str:
    g, f = r.choice(GIVEN).lower(), r.choice(FAMILY).lower()
    return (
        f"{g}.{f}"
        f"{r.randint(1, 99)}@{r.choice(['mail.example', 'correo.example', 'inbox.test'])}.com"
    )


def street(r: random.Random) -> str:
    return f"{r.randint(10, 98999)} {r.choice(ROADS)} {r.choice(ROAD_TYPES)}"


def calle(r: random.Random) -> str:
    return f"{r.choice(CALLES)} {r.randint(1, 999)}"


def dl(r: random.Random) -> str:
    return r.choice(
        [
            f"{r.choice('ABCDEFGHJKLMNPRSTW')}{r.randint(1_000_000, 9_999_999)}",
            f"{r.randint(10, 99)}-{r.randint(100, 999)}-{r.randint(1000, 9999)}",
            f"{r.choice('ABCDEFGHJKLMNPRSTW')}"
            f"{r.randint(100, 999)}-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}",
        ]
    )


def a_num(r: random.Random) -> str:
    d = f"{r.randint(10_000_000, 299_999_999):09d}"
    return r.choice([f"A{d}", f"A-{d[:3]}-{d[3:6]}-{d[6:]}", f"A {d}"])


def given(r: random.Random) -> str:
    g = r.choice(GIVEN)
    return ACCENTED.get(g, g) if r.random() < 0.3 else g


def family(r: random.Random) -> str:
    f = r.choice(FAMILY)
    return ACCENTED.get(f, f) if r.random() < 0.3 else f


def upper(gen: Callable[[random.Random], str]) -> Callable[[random.Random], str]:
    return lambda r: gen(r).upper()


def pick(*vals):
    return lambda r: r.choice(vals)


def foreign_pob(r: random.Random) -> str:
    if r.random() < 0.5:
        return r.choice(FOREIGN_PLACES).replace("-", " ")
    c, s, cc = r.choice(FOREIGN_CITIES)
    return f"{c}, {s}, {cc}"


def mixed_pob(r: random.Random) -> str:
    """Birthplaces of a US-resident population: mostly US states/cities, some abroad."""
    x = r.random()
    if x < 0.35:
        return r.choice(US_STATES)
    if x < 0.6:
        c, s = r.choice(US_CITIES)
        return f"{c}, {s}, US"
    return foreign_pob(r)


def remark(r: random.Random) -> str:
    return r.choice(
        [
            "NO ISSUES",
            "REVIEWED",
            "FOLLOW-UP REQUIRED",
            "DOCS COMPLETE",
            "PENDING QA",
            "SEE FILE",
            "OK",
            "RESCHEDULED",
            "DUPLICATE REMOVED",
        ]
    )


PROSE_EN = _words(
    """
    the worker reviewed the packet and scheduled a follow up visit next week because several
    forms were incomplete and the household asked for more time to gather receipts
    """
)
PROSE_ES = _words(
    """
    la trabajadora revisó los documentos y programó una visita de seguimiento porque
    faltaban formularios y la familia pidió más tiempo para reunir los recibos
    """
)


def prose(r: random.Random, words: list[str], k: int) -> str:
    return " ".join(r.choice(words) for _ in range(k))


def note_en(r: random.Random) -> str:
    return f"Household contacted; {prose(r, PROSE_EN, 9)}. Next review {f_mdy(event(r))}."


def note_es(r: random.Random) -> str:
    return f"Se contactó a la familia; {prose(r, PROSE_ES, 9)}."


# ------------------------------------------------------------------ tables
# (column, label, generator); labels use the project's category names.
G = Callable[[random.Random], object]
TABLES: dict[str, list[tuple[str, str, G]]] = {
    # NCHS-style natality file: mainframe 8-character names
    "vital_natality": [
        ("CERTNO", "none", nine_digit_id),
        ("KIDFNAME", "name", upper(given)),
        ("KIDLNAME", "name", upper(family)),
        ("KIDDOB", "birth_date", lambda r: f_ymd(d_between(r, 2019, 2024))),
        ("MOMFNAME", "name", upper(given)),
        ("MOMLNAME", "name", upper(family)),
        ("MOMMAIDN", "name", upper(family)),
        ("MOMDOB", "birth_date", lambda r: f_ymd(d_between(r, 1975, 2005))),
        ("MOMAGE", "birth_date", lambda r: r.randint(16, 45)),
        ("MBPLACE", "place_of_birth", mixed_pob),
        ("FBPL", "place_of_birth", mixed_pob),
        ("MOMSSN", "ssn", ssn_int),
        ("MRSTATE", "address", pick(*US_STATES[:10])),
        ("MRCNTYNM", "address", pick(*COUNTIES)),
        ("MRSTREET", "address", upper(street)),
        ("CNTYOCC", "none", lambda r: f"{r.randint(1, 125):03d}"),
        ("BWTGRAMS", "none", lambda r: r.randint(1500, 4800)),
        ("BIRTHWT", "none", lambda r: r.randint(1500, 4800)),
        ("GESTWKS", "none", lambda r: r.randint(30, 42)),
        ("PLURALTY", "none", pick(1, 1, 1, 2)),
        ("DTREG", "none", lambda r: f_ymd(event(r))),
        ("MEDUC", "none", pick(1, 2, 3, 4, 5, 6, 7, 8)),
        ("APGAR5", "none", lambda r: r.randint(4, 10)),
    ],
    # state education data dictionary (camelCase)
    "school_enrollment": [
        ("studentId", "none", lambda r: r.randint(1_000_000_000, 9_999_999_999)),
        ("stateStudentId", "none", nine_digit_id),
        ("firstName", "name", given),
        ("lastName", "name", family),
        ("middleInitial", "name", pick(*"ABCDEFGHJKLMNPRST")),
        ("birthDate", "birth_date", lambda r: f_long(d_between(r, 2005, 2019))),
        (
            "countryOfBirth",
            "place_of_birth",
            lambda r: r.choice(FOREIGN_PLACES + ["UNITED STATES"] * 8),
        ),
        ("usEntryDate", "immigration_status", lambda r: f_iso(d_between(r, 2012, 2024))),
        ("immigrantFlag", "immigration_status", pick("Y", "N", "N", "N")),
        ("enrollmentStatus", "none", pick("ACTIVE", "WITHDRAWN", "TRANSFERRED", "GRADUATED")),
        ("elStatus", "none", pick("EL", "RFEP", "IFEP", "EO", "TBD")),
        ("lunchStatus", "none", pick("F", "R", "P")),
        ("gradeLevel", "none", pick("KG", "01", "02", "03", "04", "05", "06", "07", "08")),
        ("homeLanguage", "none", pick("English", "Spanish", "Vietnamese", "Arabic", "Somali")),
        ("guardianPhone", "phone", phone),
        ("guardianEmail", "email", email),
        ("homeAddress", "address", street),
        ("enrollDate", "none", lambda r: f_iso(event(r))),
        ("attendanceRate", "none", lambda r: round(r.uniform(0.6, 1.0), 3)),
        ("schoolName", "none", pick("LINCOLN ELEMENTARY", "MESA MIDDLE", "RIVERSIDE K-8")),
        ("counselorRemarks", "none", remark),
    ],
    # Medicaid MMIS extract (PascalCase)
    "medicaid_members": [
        ("MemberId", "none", lambda r: f"M{r.randint(10**8, 10**9 - 1)}"),
        ("MemberFirstName", "name", given),
        ("MemberLastName", "name", family),
        ("DateOfBirth", "birth_date", lambda r: f_dmony(birth(r))),
        ("SocSecNum", "ssn", ssn_int),
        ("EmergencyOnlyInd", "status_proxy", pick("Y", "N", "N")),
        ("CitizenshipVerifCd", "immigration_status", pick("C", "Q", "N", "P")),
        ("QualifiedAlienCd", "immigration_status", pick("01", "02", "03", "05", "99")),
        ("VisitDate", "none", lambda r: f_dmony(event(r))),
        ("DiagnosisCd", "none", pick("E11.9", "I10", "J45.909", "O80", "Z00.00")),
        ("ProviderNpi", "none", lambda r: r.randint(1_000_000_000, 1_999_999_999)),
        ("PaidAmount", "none", lambda r: round(r.uniform(5, 9000), 2)),
        ("CountyCd", "none", lambda r: f"{r.randint(1, 64):02d}"),
        ("ResidentialAddr", "address", street),
        ("PrimaryPhone", "phone", phone),
        ("EligStatus", "none", pick("ACTIVE", "TERMED", "PENDING")),
        ("EnrollmentStatus", "none", pick("ENROLLED", "DISENROLLED")),
        ("PlanCode", "none", pick("HMO1", "FFS", "PCCM")),
    ],
    # jail booking export (SAS/mainframe upper case)
    "jail_bookings": [
        ("BOOKING_NO", "none", nine_digit_id),
        ("INMATE_ID", "none", lambda r: r.randint(100000, 999999)),
        ("LNAME", "name", upper(family)),
        ("FNAME", "name", upper(given)),
        ("ALIAS_NM", "name", lambda r: f"{family(r).upper()}, {given(r).upper()}"),
        ("BIRTH_DT", "birth_date", lambda r: f_dmony(birth(r))),
        ("POB", "place_of_birth", mixed_pob),
        (
            "CIT_CTRY",
            "immigration_status",
            lambda r: r.choice(["US"] * 6 + ["MX", "GT", "HN", "SV", "IN"]),
        ),
        (
            "NATL",
            "immigration_status",
            lambda r: r.choice(["USA"] * 6 + ["MEX", "GTM", "HND", "CUB"]),
        ),
        ("DETAINER_RCVD", "immigration_status", pick("Y", "N", "N", "N", "N")),
        ("ICE_HOLD_FLG", "immigration_status", pick("Y", "N", "N")),
        ("SSN_NBR", "ssn", ssn_dashed),
        ("BKG_DT", "none", lambda r: f_mdy(event(r))),
        ("RLSE_DT", "none", lambda r: f_mdy(event(r))),
        ("CELL_BLK", "none", lambda r: f"{r.choice('ABCDEF')}-{r.randint(1, 40)}"),
        ("HGT", "none", lambda r: r.randint(58, 78)),
        ("WGT", "none", lambda r: r.randint(110, 290)),
        ("CHRG_CD", "none", pick("18-3-204", "42-4-1301", "18-4-401", "18-18-403.5")),
        ("ARRESTING_OFCR", "name", lambda r: f"{given(r)} {family(r)}"),
        (
            "VEH_PLATE",
            "none",
            lambda r: (
                f"{r.choice('ABCDEFGHJK')}{r.choice('ABCDEFGHJK')}"
                f"{r.choice('ABCDEFGHJK')}-{r.randint(100, 999)}"
            ),
        ),
        ("DL_CLASS", "none", pick("C", "C", "M", "CDL-A", "CDL-B", "R")),
    ],
    # benefits eligibility system (snake_case with agency abbreviations)
    "benefits_eligibility": [
        ("case_no", "none", nine_digit_id),
        ("hoh_frst_nm", "name", given),
        ("hoh_lst_nm", "name", family),
        ("hoh_dob", "birth_date", lambda r: f_epoch(birth(r))),
        ("mbr_dob_ms", "birth_date", lambda r: f_epoch_ms(birth(r))),
        ("dob_sas", "birth_date", lambda r: f_sas(birth(r))),
        ("mbr_ssn", "ssn", ssn_int),
        ("lawful_pres_cd", "immigration_status", pick("LPR", "CIT", "REF", "ASY", "PAR", "NQ")),
        ("refugee_arrival_dt", "immigration_status", lambda r: f_iso(d_between(r, 2010, 2024))),
        ("qual_alien_ind", "immigration_status", pick("Y", "N")),
        ("benefit_amt", "none", lambda r: round(r.uniform(20, 1500), 2)),
        ("hh_size", "none", lambda r: r.randint(1, 9)),
        ("case_status", "none", pick("OPEN", "CLOSED", "PENDING", "DENIED")),
        ("appl_dt", "none", lambda r: f_iso(event(r))),
        ("cert_period_end", "none", lambda r: f_iso(event(r))),
        ("employer_ein", "none", lambda r: f"{r.randint(10, 99)}-{r.randint(1000000, 9999999)}"),
        ("res_addr_line1", "address", street),
        ("mail_zip", "address", lambda r: f"{r.randint(80001, 81658):05d}"),
        ("cell_ph", "phone", phone),
        ("doc_type", "none", pick("PAYSTUB", "LEASE", "UTILITY BILL", "BANK STMT")),
        ("wrkr_remarks", "free_text", note_en),
    ],
    # Spanish / bilingual intake form
    "intake_es": [
        ("num_expediente", "none", nine_digit_id),
        ("nombre", "name", given),
        ("primer_apellido", "name", family),
        ("segundo_apellido", "name", family),
        ("fec_nac", "birth_date", lambda r: f_dmy(birth(r))),
        ("lugar_nac", "place_of_birth", foreign_pob),
        ("pais_origen", "place_of_birth", lambda r: r.choice(FOREIGN_PLACES).replace("-", " ")),
        (
            "situacion_migratoria",
            "immigration_status",
            pick(
                "residente permanente", "ciudadano", "asilado", "sin documentos", "visa de trabajo"
            ),
        ),
        ("nro_ssn", "ssn", ssn_dashed),
        ("calle_y_numero", "address", lambda r: street(r) if r.random() < 0.5 else calle(r)),
        ("telefono_celular", "phone", phone),
        ("correo_electronico", "email", email),
        ("estado_civil", "none", pick("soltero", "casado", "divorciado", "viudo", "union libre")),
        ("fecha_visita", "none", lambda r: f_dmy(event(r))),
        ("monto_mensual", "none", lambda r: r.randint(0, 4000)),
        ("num_hijos", "none", lambda r: r.randint(0, 6)),
        ("observaciones", "free_text", note_es),
    ],
    # cryptic legacy export: names say nothing, values must decide or the column is withheld
    "legacy_cryptic": [
        ("dt1", "birth_date", lambda r: f_iso(birth(r))),
        ("dt2", "none", lambda r: f_iso(event(r))),
        ("lp", "immigration_status", pick("Y", "N", "Y", "Y")),
        ("fld3", "ssn", ssn_int),
        ("fld4", "none", lambda r: r.randint(1, 500)),
        ("c7", "place_of_birth", foreign_pob),
        ("c8", "none", pick(*COUNTIES)),
        (
            "x9",
            "none",
            lambda r: (
                f"{r.randint(1, 9)}{r.choice('ABCDEFGHJK')}"
                f"{r.choice('ABCDEFGHJK')}{r.randint(1000, 9999)}"
            ),
        ),
        ("amt", "none", lambda r: round(r.uniform(1, 999), 2)),
        ("cnt", "none", lambda r: r.randint(0, 30)),
        (
            "ts",
            "none",
            lambda r: f"{f_iso(event(r))}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00",
        ),
        ("rmk", "none", remark),
        ("nm1", "name", lambda r: f"{given(r)} {family(r)}"),
        ("ph", "phone", phone),
        ("cd2", "none", pick("A", "B", "C", "D")),
    ],
}


# ------------------------------------------------------------------ notes
# Each template: (text with {slots}, slots are "kind" or "kind:variant").
EN_TEMPLATES = [
    "Met with {name} at the office; {prose}. SSN {ssn} confirmed.",
    "{name} called from {phone} asking about the hearing. {prose}.",
    "Client's daughter {given} translated. {prose}. Mother DOB {dob_long}.",
    "{prose}. Ms. {family} brought alien registration {anum} and her son {given}.",
    "Spoke with a man named {name} who said his social is {ssn}; {prose}.",
    "{prose}. Applicant {name} (DL {dl}) lives at {street}.",
    "Per supervisor, {name} and {name} share the unit; email {email}. {prose}.",
    "{prose}. Contact {given} {family} {family} at {phone}.",
    "{prose}.",
    "Home visit {event}: {prose}. No one home.",
]
ES_TEMPLATES = [
    "Se entrevistó a {name}; {prose_es}. Número de seguro social {ssn}.",
    "La Sra. {family} llamó desde el {phone}; {prose_es}.",
    "{prose_es}. Su hijo {given} nació el {dob_es}.",
    "El solicitante {given} {family} {family} presentó licencia {dl}; {prose_es}.",
    "{prose_es}. Domicilio: {calle}. Correo {email}.",
    "Fecha de nacimiento: {dob_dmy}. Nombre: {name}. {prose_es}.",
    "{prose_es}. Don {given} {family} trae su número A {anum}.",
    "{prose_es}.",
    "Visita el {event_es}: {prose_es}.",
]


def _fill(r: random.Random, template: str) -> tuple[str, list[tuple[str, str]]]:
    out, used = template, []
    while "{" in out:
        i = out.index("{")
        j = out.index("}", i)
        slot = out[i + 1 : j]
        b = birth(r)
        e = event(r)
        val: str
        kind: str | None
        if slot == "name":
            val, kind = f"{given(r)} {family(r)}", "name"
        elif slot == "given":
            val, kind = given(r), "name"
        elif slot == "family":
            val, kind = family(r), "name"
        elif slot == "ssn":
            val, kind = r.choice([ssn_dashed(r), ssn_str(r)]), "ssn"
        elif slot == "phone":
            val, kind = phone(r), "phone"
        elif slot == "email":
            val, kind = email(r), "email"
        elif slot == "dl":
            val, kind = dl(r), "dl"
        elif slot == "anum":
            val, kind = a_num(r), "a_number"
        elif slot == "street":
            val, kind = street(r), "address"
        elif slot == "calle":
            val, kind = calle(r), "address"
        elif slot == "dob_long":
            val, kind = f_long(b), "date"
        elif slot == "dob_es":
            val, kind = f"{b.day} de {MES[b.month - 1]} de {b.year}", "date"
        elif slot == "dob_dmy":
            val, kind = f_dmy(b), "date"
        elif slot == "event":
            val, kind = f_mdy(e), None  # an event date: kept or removed, not scored
        elif slot == "event_es":
            val, kind = f"{e.day} de {MES[e.month - 1]}", None
        elif slot == "prose":
            val, kind = prose(r, PROSE_EN, r.randint(6, 12)), None
        elif slot == "prose_es":
            val, kind = prose(r, PROSE_ES, r.randint(6, 12)), None
        else:  # pragma: no cover - template typo
            raise KeyError(slot)
        out = out[:i] + val + out[j + 1 :]
        if kind is not None:
            used.append((kind, val))
    return out, used


def notes(seed: int, templates: list[str], n: int) -> list[dict]:
    r = random.Random(seed)
    rows = []
    for _ in range(n):
        text, used = _fill(r, r.choice(templates))
        rows.append({"text": text, "embedded": [{"kind": k, "value": v} for k, v in used]})
    return rows


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    labels: dict[str, dict[str, str]] = {}
    for i, (table, cols) in enumerate(TABLES.items()):
        r = random.Random(16_000 + i)
        with open(OUT / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow([c for c, _, _ in cols])
            for _ in range(ROWS):
                w.writerow(["" if (v := g(r)) is None else v for _, _, g in cols])
        labels[table] = {c: lab for c, lab, _ in cols}
    (OUT / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    for name, seed, tpl in (("notes_en", 1601, EN_TEMPLATES), ("notes_es", 1602, ES_TEMPLATES)):
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for row in notes(seed, tpl, 3000):
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
