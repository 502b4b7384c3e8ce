"""Combine name and content evidence into one suggestion per column.

Scores are in 0..1. A column is *flagged* when its category is protected and its confidence
is at least :data:`FLAG_THRESHOLD`. The combination leans protected: a protected reading from
either the name or the content wins over "not protected" unless a lookalike rule on the name
(``case_no``, ``plate``, ``issue_dt``, ``office_addr``) explicitly outranks that content signal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

import redactor.detect.patterns as p
from redactor.categories import PROTECTED, Category
from redactor.detect.content import ContentProfile, profile, profiles
from redactor.detect.names import NameEvidence, canonical_words, name_evidence

C = Category

#: A protected suggestion at or above this confidence is flagged (withheld when restricted).
FLAG_THRESHOLD = 0.5
#: A ``none`` suggestion at or above this confidence has positive evidence that the column is
#: not protected (a known clear name or value shape) and is *clear*: released when unmapped.
#: Below it, ``none`` only means "nothing protected was seen": withheld when restricted.
CLEAR_THRESHOLD = 0.6
#: Confidence given to ``none`` when nothing says the column is clear.
UNKNOWN_CONFIDENCE = 0.4
#: Columns nothing explains get a per-cell Presidio look at this many values at most.
PRESIDIO_SAMPLE = 100


@dataclass(frozen=True, slots=True)
class ColumnSuggestion:
    """What detection suggests a column is, how sure it is, and why."""

    column: str
    category: Category
    confidence: float
    evidence: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        """Protected and confident enough to withhold under a restricted decision."""
        return self.category in PROTECTED and self.confidence >= FLAG_THRESHOLD

    @property
    def clear(self) -> bool:
        """Positive evidence that the column is not protected (released when unmapped)."""
        return self.category is C.NONE and self.confidence >= CLEAR_THRESHOLD

    @property
    def weak(self) -> bool:
        """Neither flagged nor clear: a reviewer must decide (``scan`` marks it REVIEW)."""
        return not self.flagged and not self.clear


@dataclass(frozen=True, slots=True)
class _Candidate:
    category: Category
    score: float
    evidence: str
    # a name reading the values answer (e.g. "remarks" holding a short list of codes)
    answers: Category | None = None


def _pct(prof: ContentProfile, signal: str, what: str) -> str:
    return f"content: {prof.share(signal):.0%} of {prof.n} sampled values {what}"


def content_candidates(prof: ContentProfile, name: NameEvidence | None) -> list[_Candidate]:
    """Protected readings the sampled values support (lookalike overrides applied)."""
    out: list[_Candidate] = []
    over = name.overrides if name else frozenset()
    named = name.category if name else None

    def add(cat: Category, score: float, text: str, answers: Category | None = None) -> None:
        out.append(_Candidate(cat, score, text, answers))

    if prof.n == 0:
        return out
    sh = prof.share
    if prof.kind == "binary":
        if sh("image") >= 0.5:
            add(C.PHOTO, 0.95, _pct(prof, "image", "are images (JPEG/PNG/GIF/BMP/TIFF/WebP)"))
        else:
            add(C.PHOTO, 0.5, f"content: {prof.n} binary values of unknown type (fail closed)")
        return out
    if prof.kind == "nested":
        add(C.FREE_TEXT, 0.55, "content: nested or unreadable values not analysed (fail closed)")
        return out
    if sh("image") >= 0.5:
        add(C.PHOTO, 0.9, _pct(prof, "image", "are base64-encoded images"))
    if prof.kind == "date":
        if prof.birthlike and "date_birthlike" not in over:
            lo, hi = prof.year_span or (0, 0)
            add(
                C.BIRTH_DATE,
                0.6,
                f"content: {prof.n} dates, years {lo}-{hi} (10th-90th pct) spread like birth years",
            )
        return out

    # flags: a has-SSN / has-ITIN column holds yes/no, not numbers
    if sh("yes_no") >= 0.9 and named in (C.SSN, C.ITIN):
        add(C.STATUS_PROXY, 0.97, _pct(prof, "yes_no", "are yes/no flags: a has-SSN/ITIN flag"))
        return out

    # free text first: prose that embeds identifiers is free_text, not the identifier
    prose = sh("prose") >= 0.5 and prof.mean_len >= 25
    if prose and prof.distinct_ratio >= 0.3:
        add(
            C.FREE_TEXT,
            0.85,
            _pct(prof, "prose", "are prose (5+ words)") + f", mean length {prof.mean_len:.0f}",
        )
    elif (
        sh("embedded") >= 0.05
        and prof.mean_len >= 20
        and sh("words3") >= 0.3
        and sh("street") < 0.5
    ):
        add(C.FREE_TEXT, 0.75, _pct(prof, "embedded", "embed an identifier in longer text"))
    closed = closed_list(prof)
    if named is C.FREE_TEXT and closed and not prose and sh("embedded") == 0:
        add(
            C.NONE,
            0.9,
            f"content: a short list of values ({prof.distinct} distinct in {prof.n}), not prose",
            answers=C.FREE_TEXT,
        )
    rule = name.reason if name is not None else ""
    if named is C.STATUS_PROXY and "class/type" in rule and sh("licence_class") == 1.0:
        add(
            C.NONE,
            0.9,
            _pct(prof, "licence_class", "are standard AAMVA licence classes (A-D, M, CDL-x)")
            + ", no status-only marking",
            answers=C.STATUS_PROXY,
        )
    if (
        named is C.STATUS_PROXY
        and "document type" in rule
        and closed
        and sh("identity_doc") == 0
        and sh("status_proxy") == 0
    ):
        add(
            C.NONE,
            0.9,
            f"content: {prof.distinct} document kinds, none an identity or immigration document",
            answers=C.STATUS_PROXY,
        )
    if (
        sh("status_proxy") >= 0.02
        and prof.counts.get("status_proxy", 0) >= 3
        and "status_proxy" not in over
        and not prose
    ):
        add(
            C.STATUS_PROXY,
            0.85,
            _pct(
                prof,
                "status_proxy",
                "carry a status-revealing licence marking (AB60, SB251/CRCSA, TVDL, "
                "'federal limits apply', ...)",
            ),
        )

    ssn_f, itin, ssn_b = sh("ssn_formatted"), sh("itin"), sh("ssn_bare")
    if itin >= 0.3 and itin >= ssn_f + ssn_b:
        add(C.ITIN, 0.9 if itin >= 0.5 else 0.75, _pct(prof, "itin", "are ITINs (9xx, ITIN group)"))
    if ssn_f >= 0.5:
        add(C.SSN, 0.95, _pct(prof, "ssn_formatted", "are valid formatted SSNs"))
    elif (
        ssn_f + ssn_b >= 0.5
        and "ssn_bare" not in over
        and sh("not_ssn9") < 0.02
        and not (prof.numeric_date and prof.numeric_date[0] == "YYYYMMDD")
    ):
        add(
            C.SSN,
            0.7,
            _pct(prof, "ssn_bare", "are 9-digit numbers valid as SSNs") + " (lean protected)",
        )
    yyyymmdd = prof.numeric_date is not None and prof.numeric_date[0] == "YYYYMMDD"
    if "ssn_bare" in over and ssn_b >= 0.9 and not yyyymmdd:
        if (
            prof.counts.get("not_ssn9", 1) == 0
            and sh("digits9") >= 0.5
            and 0.03 <= sh("digits7_8") <= 0.4
        ):
            add(
                C.SSN,
                0.75,
                _pct(prof, "ssn_bare", "are whole numbers valid as SSNs")
                + f", {sh('digits7_8'):.0%} of 7-8 digits (SSNs whose leading zeros were lost)",
            )
        elif (numbering := record_numbering(prof)) is not None:
            add(C.NONE, 0.75, f"content: {numbering}: record numbers, not SSNs")
        else:
            # an id-like name over numbers that are all SSN-shaped: nothing tells them apart
            add(
                C.SSN,
                0.6,
                _pct(prof, "ssn_bare", "are whole numbers valid as SSNs")
                + " and nothing shows they are record numbers (hardly a value no SSN can be, "
                "not dates): they could be SSNs stored as numbers — withheld unless the field "
                "map lists the column",
                answers=C.NONE,
            )
    if sh("a_number") >= 0.5:
        add(C.IMMIGRATION_STATUS, 0.95, _pct(prof, "a_number", "are alien registration numbers"))
    if sh("email") >= 0.5:
        add(C.EMAIL, 0.95, _pct(prof, "email", "are e-mail addresses"))
    if sh("phone") >= 0.6 and "phone" not in over and sh("ssn_shape") < 0.5:
        add(C.PHONE, 0.85, _pct(prof, "phone", "are phone numbers"))
    if sh("street") >= 0.5 and "address" not in over:
        add(C.ADDRESS, 0.9, _pct(prof, "street", "are street addresses"))
    elif sh("zip") >= 0.9 and "ssn_bare" not in over and named is None:
        add(C.ADDRESS, 0.55, _pct(prof, "zip", "are ZIP codes"))
    imm = sh("immigration")
    if imm >= 0.3:
        add(
            C.IMMIGRATION_STATUS,
            0.85,
            _pct(prof, "immigration", "are citizenship/immigration-status values or visa classes"),
        )
    elif sh("visa") + imm >= 0.5 and (
        imm > 0 or prof.counts.get("visa_letters", 0) >= 3 or named is C.IMMIGRATION_STATUS
    ):
        add(C.IMMIGRATION_STATUS, 0.8, _pct(prof, "visa", "are visa classes (H-1B, F-1, ...)"))
    elif imm >= 0.1 and prof.distinct <= 50:
        add(
            C.IMMIGRATION_STATUS,
            0.6,
            _pct(prof, "immigration", "are citizenship/immigration-status values"),
        )
    if sh("dl") >= 0.7 and "dl" not in over and not prose:
        add(C.DRIVERS_LICENSE, 0.65, _pct(prof, "dl", "match state DL/ID number formats"))
    if sh("date") >= 0.8 and prof.birthlike and "date_birthlike" not in over:
        lo, hi = prof.year_span or (0, 0)
        add(
            C.BIRTH_DATE,
            0.6,
            _pct(prof, "date", "are dates")
            + f", years {lo}-{hi} (10th-90th pct) spread like birth years",
        )
    if sh("last_first") >= 0.5 and "name_like" not in over:
        add(C.NAME, 0.8, _pct(prof, "last_first", "look like 'Last, First' names"))
    elif (
        sh("name_like") >= 0.8
        and prof.distinct_ratio >= 0.3
        and prof.n >= 20
        and "name_like" not in over
        and sh("country") < 0.5
        and sh("immigration") < 0.1
    ):
        add(
            C.NAME,
            0.55,
            _pct(prof, "name_like", "are capitalised words")
            + f", {prof.distinct_ratio:.0%} distinct (could be names)",
        )
    abroad = sh("country") + sh("place_abroad")
    if abroad >= 0.5 and sh("place_abroad") >= 0.1:
        add(
            C.PLACE_OF_BIRTH,
            0.7,
            f"content: {abroad:.0%} of {prof.n} sampled values are countries or "
            "'CITY, ST, CC' places (places of birth, not counties)",
        )
    elif sh("country") >= 0.6:
        add(C.PLACE_OF_BIRTH, 0.5, _pct(prof, "country", "are country names"))
    nd = prof.numeric_date
    bare_date = name is None or "values decide" in rule
    if nd is not None and nd[1] and bare_date and "date_birthlike" not in over:
        lo, hi = nd[2] or (0, 0)
        add(
            C.BIRTH_DATE,
            0.6,
            f"content: whole numbers read as {nd[0]} give years {lo}-{hi} (10th-90th pct), "
            "spread like birth years",
        )
    return out


#: Distinct values impossible as SSNs (group 00, serial 0000, area 000/666/9xx) that show a
#: numbering scheme rather than typos or one repeated placeholder such as 999999999. (Order
#: and shared prefixes are no evidence: before 2011 SSA issued serials in order within an
#: area and group, so a cohort of births in one state is a dense block with one prefix.)
IMPOSSIBLE_SHARE, IMPOSSIBLE_MIN = 0.005, 3


def record_numbering(prof: ContentProfile) -> str | None:
    """Why whole numbers that are mostly valid SSNs are record numbers, or None if nothing
    shows it: several distinct values that no SSN can be."""
    distinct = prof.counts.get("distinct7_9", 0)
    bad = prof.counts.get("not_ssn9_distinct", 0)
    if bad >= IMPOSSIBLE_MIN and bad >= IMPOSSIBLE_SHARE * distinct:
        return f"{bad} distinct values no SSN can be (group 00, serial 0000, area 000/666/9xx)"
    return None


def closed_list(prof: ContentProfile) -> bool:
    """A short list of repeated values (codes), with nothing protected-looking among them."""
    sh = prof.share
    return (
        prof.n >= 50
        and prof.distinct <= 50
        and prof.distinct_ratio <= 0.2
        and sh("yes_no") < 0.5
        and sh("country") < 0.3
        and sh("place_abroad") == 0
        and sh("immigration") == 0
        and sh("visa") == 0
        and sh("status_proxy") == 0
        and sh("last_first") == 0
    )


def clear_evidence(prof: ContentProfile, name: NameEvidence | None) -> list[_Candidate]:
    """Positive evidence from the values that a column holds nothing protected."""
    out: list[_Candidate] = []
    if prof.n == 0 or prof.kind in ("binary", "nested"):
        return out
    sh = prof.share
    if prof.kind == "bool" or (sh("yes_no") >= 0.9 and prof.distinct <= 4):
        return out  # a yes/no flag says nothing about what it flags (lawful presence?)
    this_year = dt.date.today().year
    if prof.kind == "float" or (sh("decimal") >= 0.95 and prof.kind == "string"):
        out.append(_Candidate(C.NONE, 0.75, _pct(prof, "decimal", "are decimal amounts")))
        return out
    nd = prof.numeric_date
    if nd is not None and nd[1] is False and nd[0] != "SAS day numbers":
        lo, hi = nd[2] or (0, 0)
        if hi >= this_year - 30:
            out.append(
                _Candidate(
                    C.NONE,
                    0.75,
                    f"content: whole numbers read as {nd[0]} are dates of events "
                    f"(years {lo}-{hi}), not birth dates",
                )
            )
            return out
    if (
        sh("small_int") >= 0.95
        and (nd is None or not nd[1])
        and not (name is not None and name.category is C.BIRTH_DATE)
    ):
        out.append(
            _Candidate(
                C.NONE, 0.7, _pct(prof, "small_int", "are small whole numbers (counts, measures)")
            )
        )
        return out
    dates = prof.kind == "date" or sh("date") >= 0.8 or sh("timestamp") >= 0.8
    if dates and prof.birthlike is False and prof.year_span and prof.year_span[1] >= this_year - 30:
        lo, hi = prof.year_span
        out.append(
            _Candidate(
                C.NONE, 0.75, f"content: dates of events, years {lo}-{hi} (not spread like births)"
            )
        )
        return out
    short_codes = prof.mean_len <= 4  # FFS, HMO1, PCCM; not words such as county names
    if prof.kind == "string" and closed_list(prof) and (sh("name_like") < 0.5 or short_codes):
        out.append(
            _Candidate(
                C.NONE,
                0.7,
                f"content: codes from a closed list ({prof.distinct} distinct in {prof.n})",
            )
        )
    return out


# What every entity the Presidio look can report needs somewhere in a value: a digit (SSN, ITIN,
# A-number, phone, street or PO box), an @ (e-mail), a ship name (military address), an
# immigration-status term or a status-revealing licence marking. Presidio matches with Python's
# Unicode \d, \s and case folding, so any character outside printable ASCII counts too.
PRESIDIO_NEEDS = (
    r"[^\t\n\f\r\x20-\x7e]|[0-9@]|(?i:\b(?:usns|usnv|uss|uscgc)\s)"
    rf"|\b(?:{p.STATUS_TERMS})\b|\b(?:{p.STATUS_PROXY_VALUES})\b"
)


def presidio_could_flag(values: list[object]) -> bool:
    """Whether the Presidio look could flag these values at all (half of them must match one
    entity): when fewer than half hold what any of its patterns needs, building the
    (slow to import and build) engine cannot change the suggestion, and it is skipped."""
    texts = pa.array([str(v) for v in values], pa.string())
    could = pc.sum(pc.match_substring_regex(texts, PRESIDIO_NEEDS)).as_py() or 0
    return could >= 0.5 * len(values)


def _presidio_candidates(column: str, arr: pa.Array) -> list[_Candidate]:
    """Per-cell Presidio on a few values of a column nothing else explained."""
    from redactor.detect.analyzer import PATTERN_ENTITIES, build_analyzer

    entity_category = {
        "US_SSN_VALIDATED": C.SSN,
        "US_ITIN_VALIDATED": C.ITIN,
        "PHONE_NUMBER": C.PHONE,
        "EMAIL_ADDRESS": C.EMAIL,
        "US_A_NUMBER": C.IMMIGRATION_STATUS,
        "US_STREET_ADDRESS": C.ADDRESS,
        "IMMIGRATION_STATUS": C.IMMIGRATION_STATUS,
        "STATUS_PROXY": C.STATUS_PROXY,
    }
    values = [v for v in arr.drop_null().to_pylist()[:PRESIDIO_SAMPLE] if str(v).strip()]
    if not values or not presidio_could_flag(values):
        return []
    analyzer = build_analyzer()
    context = list(canonical_words(column))
    hits: dict[str, int] = {}
    for v in values:
        found = analyzer.analyze(
            text=str(v),
            language="en",
            entities=list(PATTERN_ENTITIES),
            context=context,
            score_threshold=0.5,
        )
        for ent in {r.entity_type for r in found if r.entity_type in entity_category}:
            hits[ent] = hits.get(ent, 0) + 1
    out = []
    for ent, k in hits.items():
        share = k / len(values)
        if share >= 0.5:
            out.append(
                _Candidate(
                    entity_category[ent],
                    0.6,
                    f"presidio: {share:.0%} of {len(values)} values → {ent}",
                )
            )
    return out


def classify_column(
    column: str,
    values: pa.Array | pa.ChunkedArray,
    *,
    presidio: bool = True,
    prof: ContentProfile | None = None,
) -> ColumnSuggestion:
    """Suggest a category for one column from its name and a sample of its values
    (``prof``: their profile, when the caller profiled several columns at once)."""
    name = name_evidence(column)
    if prof is None:
        prof = profile(values)
    cands: list[_Candidate] = []
    content = content_candidates(prof, name)
    answered = {c.answers for c in content if c.answers is not None}
    if name is not None:
        if name.category in answered:
            content.append(
                _Candidate(
                    C.NONE, 0.0, f"{name.reason} — answered by the values: not {name.category}"
                )
            )
        else:
            cands.append(_Candidate(name.category, name.score, name.reason))
    cands.extend(content)
    protected = [c for c in cands if c.category in PROTECTED]
    if (
        presidio
        and not protected
        and name is None
        and prof.kind == "string"
        and prof.n
        and prof.mean_len < 200
    ):
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        protected = _presidio_candidates(column, values)
        cands.extend(protected)

    if not cands or all(c.category is C.NONE for c in cands):
        return _none(column, prof, name, cands)

    # Several readings of one category reinforce each other.
    best: dict[Category, float] = {}
    for c in cands:
        best[c.category] = max(best.get(c.category, 0.0), c.score)
    for cat in best:
        if sum(1 for c in cands if c.category is cat) > 1:
            best[cat] = min(0.99, best[cat] + 0.05)
    top_protected = max((c for c in best if c in PROTECTED), key=lambda c: best[c], default=None)
    none_score = best.get(C.NONE, 0.0)
    if (
        top_protected is not None
        and best[top_protected] >= FLAG_THRESHOLD
        and best[top_protected] >= none_score - 0.25
    ):
        cat = top_protected
    elif top_protected is not None and none_score == 0.0:
        cat = top_protected  # weak protected evidence only: reported, not flagged
    else:
        cat = C.NONE
    conf = best[cat]
    evidence = [c.evidence for c in sorted(cands, key=lambda c: (c.category is not cat, -c.score))]
    if cat is C.NONE and top_protected is not None:
        evidence.append(
            f"not flagged: {top_protected} evidence ({best[top_protected]:.2f}) "
            "outranked by the name rule"
        )
    return ColumnSuggestion(column, cat, round(conf, 2), tuple(evidence))


def _none(
    column: str, prof: ContentProfile, name: NameEvidence | None, cands: list[_Candidate]
) -> ColumnSuggestion:
    """``none``: clear with positive evidence (a clear name rule or value shape), else unknown."""
    evidence = [c.evidence for c in sorted(cands, key=lambda c: -c.score)]
    clear = [c for c in cands if c.score >= CLEAR_THRESHOLD]
    clear += clear_evidence(prof, name)
    if clear:
        score = max(c.score for c in clear)
        evidence += [c.evidence for c in clear if c.evidence not in evidence]
        if prof.n:
            evidence.append(f"content: no protected pattern in {prof.n} sampled values")
        return ColumnSuggestion(column, C.NONE, round(score, 2), tuple(evidence))
    if prof.n:
        evidence.append(f"content: no protected pattern in {prof.n} sampled values")
    else:
        evidence.append("no values sampled")
    evidence.append(
        "unknown: nothing shows it is clear (no known clear name, no amount/count/code/event-date "
        "values) — withheld under a restricted decision unless the field map lists it as none"
    )
    return ColumnSuggestion(column, C.NONE, UNKNOWN_CONFIDENCE, tuple(evidence))


def classify_columns(table: pa.Table, *, presidio: bool = True) -> dict[str, ColumnSuggestion]:
    """Suggest a category for every column of ``table`` (a sample of rows)."""
    profs = profiles(table.columns)  # each signal's regex once for all the columns
    return {
        name: classify_column(name, table.column(i), presidio=presidio, prof=profs[i])
        for i, name in enumerate(table.column_names)
    }


def flagged_columns(suggestions: Mapping[str, ColumnSuggestion]) -> list[str]:
    return [k for k, s in suggestions.items() if s.flagged]
