"""Regular expressions shared by content analysis, scrubbing and the Presidio recognizers.

Every pattern here is written in the common subset of RE2 (what ``pyarrow.compute`` runs) and
Python's ``re`` (what Presidio runs): no lookaround, no backreferences inside the pattern.
Where a pattern needs a left boundary that ``\\b`` cannot express (a digit run glued to a
letter, as in ``SSN123456789``), it captures the preceding character as group 1 and the
replacement puts it back (``\\1[SSN]``).
"""

from __future__ import annotations

# --- Social security numbers and ITINs --------------------------------------------------
# SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999. 9xx areas are never
# SSNs (Presidio accepts them: open issue #2275); we reject them ourselves.
SSN_AREA = r"(?:00[1-9]|0[1-9]\d|[1-578]\d\d|6[0-5]\d|66[0-57-9]|6[7-9]\d)"
SSN_GROUP = r"(?:0[1-9]|[1-9]\d)"
SSN_SERIAL = r"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d\d\d)"
# IRS ITIN: 9xx, middle digits 50-65, 70-88, 90-92, 94-99.
ITIN_GROUP = r"(?:5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9])"

SSN_VALID_FORMATTED = (
    rf"{SSN_AREA}-{SSN_GROUP}-{SSN_SERIAL}|{SSN_AREA} {SSN_GROUP} {SSN_SERIAL}"
    rf"|{SSN_AREA}\.{SSN_GROUP}\.{SSN_SERIAL}"
)


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


SSN_VALID_BARE = rf"{SSN_AREA}{SSN_GROUP}{SSN_SERIAL}"
SSN_SHAPE_FORMATTED = r"\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{3}\.\d{2}\.\d{4}"
ITIN_ANY = rf"9\d\d-{ITIN_GROUP}-\d{{4}}|9\d\d {ITIN_GROUP} \d{{4}}|9\d\d{ITIN_GROUP}\d{{4}}"
NINE_DIGITS = r"\d{3}[- .]?\d{2}[- .]?\d{4}"

# --- Alien registration number (A-number): "A" + 8 or 9 digits, often separated ----------
A_NUMBER = r"(?:A(?:\s?[-#:.]\s?|\s?#:\s?|\s)?|a[-#]?)\d{3}[- ]?\d{3}[- ]?\d{2,3}"
A_NUMBER_KEYWORD = (
    r"(?i:a[- ]?(?:number|num|nbr|no\.?|#)|alien\s+(?:registration\s+)?(?:number|no\.?|num|#)"
    r"|alien\s+reg(?:istration)?\.?\s*(?:no\.?|#)?|uscis\s+(?:number|no\.?|#)"
    r"|registration\s+(?:number|no\.?))"
)

# --- Driver licence / state ID formats ----------------------------------------------------
# Formats of state DL/ID numbers that are distinctive enough to match without context.
DL_FORMATS = (
    r"[A-Z]\d{7,14}|[A-Z]{2}\d{6,8}"  # CA/NY/FL/IL/MI/NJ/WI...: letter(s) + digits
    r"|[A-Z]\d{3}-\d{3}-\d{2}-\d{3}-\d"  # FL printed
    r"|[A-Z]\d{3}-\d{4}-\d{4}"  # IL printed
    r"|[A-Z]\d{3}-\d{4}-\d{4}-\d{2}"  # WI printed
    r"|\d{2}-\d{3}-\d{4}"  # CO printed
    r"|WDL[A-Z0-9*]{9}"  # WA (2018+)
    r"|[A-Z]\d{2}-\d{2}-\d{4}"  # MO-style
)
# Formats that are plausible DL numbers but also plain numbers (need a DL column or keyword).
DL_WEAK_FORMATS = r"\d{7,9}|\d{3} \d{3} \d{3}|\d{8}[A-Z]{1,2}|[A-Z]\d{2,3}[- ]?\d{3,4}[- ]?\d{3,4}"
DL_KEYWORD = (
    r"(?i:d\.?l\.?|dl#|driver'?s?\s+lic(?:ense|ence)?|driving\s+licen[cs]e"
    r"|oper(?:ator)?'?s?\s+lic(?:ense|ence)?|lic(?:ense|ence)?|state\s+id(?:\s+card)?"
    r"|id\s+card|identification\s+card|cdl|learner'?s?\s+permit|instruction\s+permit"
    r"|driver\s+(?:privilege|permit)\s+card)"
    r"(?:\s*(?:no\.?|num(?:ber)?|nbr|#))?"
)
DL_KEYWORD_VALUE = r"(?:WDL[A-Za-z0-9*]{9}|(?:[A-Za-z]{1,3}[- ]?)?\d[\dA-Za-z-]{3,18})"

# --- Phone, email -------------------------------------------------------------------------
PHONE = (
    r"(?:(?:\+?1|001)[-. ]?)?(?:\(\d{3}\)[-. ]?|\d{3}[-. ]?)\d{3}[-. ]?\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?"
)
PHONE_INTL = r"\+\d{1,3}(?:[-. ]?\(?\d{1,4}\)?){2,5}\d"
PHONE_KEYWORD = r"(?i:phone|tel|telephone|cell|mobile|call(?:ed)?|fax|ph\.?|contact)"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

# --- Dates --------------------------------------------------------------------------------
MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE_NUMERIC = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
)
DATE_WORDS = (
    rf"{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?,?\s+\d{{4}}"
    rf"|\d{{1,2}}-{MONTH}-\d{{2,4}}"
)

# --- Street addresses ---------------------------------------------------------------------
# USPS Publication 28, appendix C1: common street suffixes and their standard abbreviations.
STREET_SUFFIXES = _words(
    """
    alley aly allee avenue ave av bayou byu beach bch bend bnd bluff blf bluffs blfs bottom btm
    boulevard blvd branch br bridge brg brook brk brooks burg bg burgs bypass byp camp cp canyon
    cyn cape cpe causeway cswy center ctr centers ctrs circle cir circles cirs cliff clf cliffs
    clfs club clb common cmn commons cmns corner cor corners cors course crse court ct courts
    cts cove cv coves cvs creek crk crescent cres crest crst crossing xing crossroad xrd
    crossroads xrds curve curv dale dl dam dm divide dv drive dr drives drs estate est estates
    ests expressway expy extension ext extensions exts fall falls fls ferry fry field fld fields
    flds flat flt flats flts ford frd fords frds forest frst forge frg forges frgs fork frk
    forks frks fort ft freeway fwy garden gdn gardens gdns gateway gtwy glen gln glens glns
    green grn greens grns grove grv groves grvs harbor hbr harbors hbrs haven hvn heights hts
    highway hwy hill hl hills hls hollow holw inlet inlt island is islands iss isle junction jct
    junctions jcts key ky keys kys knoll knl knolls knls lake lk lakes lks land landing lndg
    lane ln light lgt lights lgts loaf lf lock lck locks lcks lodge ldg loop mall manor mnr
    manors mnrs meadow mdw meadows mdws mews mill ml mills mls mission msn motorway mtwy mount
    mt mountain mtn mountains mtns neck nck orchard orch oval overpass opas park prk parks
    parkway pkwy parkways pkwys pass passage psge path pike pine pne pines pnes place pl plain
    pln plains plns plaza plz point pt points pts port prt ports prts prairie pr radial radl
    ramp ranch rnch rapid rpd rapids rpds rest rst ridge rdg ridges rdgs river riv road rd roads
    rds route rte row rue run shoal shl shoals shls shore shr shores shrs skyway skwy spring spg
    springs spgs spur spurs square sq squares sqs station sta stravenue stra stream strm street
    st str streets sts summit smt terrace ter throughway trwy trace trce track trak trafficway
    trfy trail trl trailer trlr tunnel tunl turnpike tpke underpass upas union un unions uns
    valley vly valleys vlys via viaduct vdct view vw views vws village vlg villages vlgs ville
    vl vista vis walk walks wall way wy ways well wl wells wls
    """
)
_SUFFIX_ALT = "|".join(sorted(set(STREET_SUFFIXES), key=lambda s: (-len(s), s)))
STREET_SUFFIX = rf"(?i:{_SUFFIX_ALT})"
_DIRECTION = r"(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\.?"
_STREET_WORD = r"(?:[A-Z0-9][A-Za-z0-9'’.-]*)"
_UNIT = (
    r"(?:,?\s*(?:(?i:apt|apartment|suite|ste|unit|bldg|building|fl|floor|rm|room|lot|trlr|spc"
    r"|space|dept)(?:\.\s*#?\s*|\s*#\s*|\s+)|#\s*)[A-Za-z0-9-]{1,6}\b)"
)
_CITY_STATE_ZIP = (
    r"(?:[A-Z][A-Za-z.'’-]*\s){0,3}[A-Z][A-Za-z.'’-]*,?\s+[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?"
)
STREET_ADDRESS = (
    rf"\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?\s+(?:{_DIRECTION}\s+)?(?:{_STREET_WORD}\s+){{0,4}}"
    rf"{_STREET_WORD}\s+{STREET_SUFFIX}\.?(?:\s+{_DIRECTION})?\b{_UNIT}?"
    rf"(?:,?\s*(?:{_CITY_STATE_ZIP}|[A-Z]{{2}}\.?\s+\d{{5}}(?:-\d{{4}})?\b))?"
)
# Lower-case street addresses ("lives at 12 oak street") with the unambiguous suffix words only.
STREET_ADDRESS_LOWER = (
    r"\d{1,6}\s+(?:[a-z0-9][a-z0-9'-]*\s+){1,3}"
    r"(?:street|avenue|road|drive|lane|boulevard|blvd|ave|court|circle|place|terrace|parkway"
    r"|highway)\b"
)
PO_BOX = r"(?i:p\.?\s?o\.?\s*box|post\s+office\s+box)\s*#?\s*\d{1,6}"
MILITARY_ADDRESS = (
    r"(?:(?:PSC|CMR|Unit)\s+\d{3,4},?\s+Box\s+\d{3,4}|(?:USNS|USNV|USS|USCGC)\s+[A-Z][a-z]+)"
    r"(?:,?\s+(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5})?|(?:APO|FPO|DPO)\s+A[AEP]\s+\d{5}"
)
CITY_STATE_ZIP = _CITY_STATE_ZIP
ZIP = r"\d{5}(?:-\d{4})?"

# --- Names --------------------------------------------------------------------------------
HONORIFIC_NAME = (
    r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sr|Sra|Srta)\.?\s+)+[A-Z][A-Za-z'’-]+(?:\s+[A-Z][A-Za-z'’-]+)?"
)
NAME_KEYWORD = r"(?i:(?:full\s+|first\s+|last\s+|legal\s+|client\s+)?name|aka|alias|née|nee)"
NAME_VALUE = r"[A-Z][A-Za-z'’-]+(?:,?\s+[A-Z][A-Za-z'’.-]*){0,3}"
PERSON_NAME_CELL = r"[A-Z][A-Za-z'’-]+(?:[ -][A-Z][A-Za-z'’.-]*){0,3}"
LAST_FIRST_CELL = r"[A-Z][A-Za-z'’-]+,\s*[A-Z][A-Za-z'’-]+(?:\s+[A-Z]\.?)?"

# --- Immigration status -------------------------------------------------------------------
# Visa classes and documents (for cells; prose uses STATUS_TERMS).
VISA_CLASS = (
    r"(?i:[A-V]-\d[A-C]?|[A-V]\d[A-C]|H-?1B\d?|H-?2[AB]|EB-?\d|TN|TD|CW-?1"
    r"|I-?(?:94|551|766|797|20)|DS-?2019)"
)
STATUS_TERMS = (
    r"(?i:undocumented|unauthori[sz]ed\s+(?:immigrant|alien|status)|illegal\s+(?:alien|immigrant)s?"
    r"|unlawfully\s+present|unlawful\s+presence|lawful(?:ly)?\s+(?:permanent\s+resident|present)"
    r"|legal\s+permanent\s+resident|permanent\s+resident(?:\s+card)?|conditional\s+resident"
    r"|green\s+card(?:\s+holder)?|lpr|daca(?:\s+recipient)?|deferred\s+action|dreamer"
    r"|temporary\s+protected\s+status|tps\s+(?:holder|status|recipient)|asylee|asylum(?:\s+seeker)?"
    r"|refugee|parolee|humanitarian\s+parole|visa\s+overstay|overstay(?:ed)?|out\s+of\s+status"
    r"|h-?1b(?:\s+visa)?|[fjm]-1\s+(?:visa|student|status)|[ut]\s+visa|b-?1/b-?2"
    r"|employment\s+authori[sz]ation(?:\s+(?:document|card))?|\bead\b|work\s+permit"
    r"|naturali[sz]ed(?:\s+(?:citizen|u\.?s\.?\s+citizen))?|non-?citizen|not\s+a\s+(?:u\.?s\.?\s+)?citizen"
    r"|u\.?s\.?\s+citizen|citizen\s+of\s+[A-Z][a-z]+|mixed[- ]status"
    r"|no\s+(?:ssn|social\s+security\s+number)|itin\s+(?:holder|filer))"
)
# Cell values of a citizenship / immigration-status column (matched after trimming).
STATUS_VALUES = (
    r"(?i:(?:u\.?s\.?\s+)?citizen|us\s+national|national|non-?citizen|naturali[sz]ed(?:\s+citizen)?"
    r"|(?:lawful|legal)\s+permanent\s+resident|permanent\s+resident|lpr|prc|green\s+card"
    r"|conditional\s+(?:permanent\s+)?resident|temporary\s+resident|undocumented|unauthori[sz]ed"
    r"|illegal\s+alien|alien|resident\s+alien|non-?resident\s+alien|asylee|asylum(?:\s+pending)?"
    r"|refugee|parolee|daca|tps|deferred\s+action|visa\s+holder|nonimmigrant(?:\s+visa)?"
    r"|immigrant(?:\s+visa)?|student\s+visa|work\s+visa|ead|no\s+lawful\s+status"
    r"|lawful(?:ly)?\s+present|not\s+lawfully\s+present|lawful\s+presence\s+verified"
    r"|out\s+of\s+status|overstay|(?:" + VISA_CLASS + r")\s+visa)"
)
# License classes and card markings issued only to people who could not prove lawful presence.
STATUS_PROXY_VALUES = (
    r"(?i:crcsa|sb\s?-?\s?251|ab\s?-?\s?60|tvdl|tvdl-?ss|federal\s+limits\s+apply|fla"
    r"|not\s+(?:valid\s+)?for\s+federal(?:\s+(?:purposes|identification|official\s+use))?"
    r"|limited[- ]term|driv(?:er|ing)\s+privilege\s+card|dpc|dac|drive\s+only"
    r"|driver\s+authori[sz]ation\s+card|non-?real\s*id|not\s+real\s*id"
    r"|itin|no\s+ssn|ssn\s+not\s+(?:provided|available)|foreign\s+passport|consular\s+id"
    r"|matr[ií]cula(?:\s+consular)?)"
)
YES_NO = r"(?i:y|n|yes|no|true|false|t|f|0|1|u|unk|unknown)"


def anchored(pattern: str) -> str:
    """The pattern matched against a whole (trimmed) cell."""
    return rf"^(?:{pattern})$"


def bounded(pattern: str) -> str:
    """The pattern inside text: word boundaries on both sides."""
    return rf"\b(?:{pattern})\b"


def digit_guarded(pattern: str) -> str:
    """Inside text, not preceded by a digit (captured as group 1) and ending at a boundary."""
    return rf"(^|[^0-9])(?:{pattern})\b"


# --- Spanish forms (issue 16) ----------------------------------------------------------
MES = (
    r"(?i:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre"
    r"|noviembre|diciembre)"
)
# "7 de septiembre de 1975", "7 de septiembre", "septiembre de 1975"
DATE_ES = rf"\d{{1,2}}\s+de\s+{MES}(?:\s+(?i:de|del)\s+\d{{4}})?|{MES}\s+(?i:de|del)\s+\d{{4}}"
# "Calle Morelos 982", "Av. Insurgentes 695", "Calle 5 de Mayo 12", "Avenida Juárez #45 int. 3"
STREET_ES = (
    r"(?:Calle|C/|Avenida|Avda\.?|Av\.?|Calzada|Callej[oó]n|Privada|Carretera|Camino|Paseo"
    r"|Boulevard|Bulevar|Cerrada|Andador)\s+"
    r"(?:(?:[\p{Lu}\d][\p{L}\d.'-]*|de|del|la|las|los|y)\s+){1,5}"
    r"(?:(?i:no\.?|n[uú]m\.?|#)\s*)?\d{1,5}[A-Za-z]?\b"
    r"(?:,?\s+(?i:int\.?|interior|depto\.?|apto\.?)\s*\w+)?"
)
SSN_KEYWORD_ES = r"(?i:n[uú]mero\s+de\s+seguro\s+social|seguro\s+social|nss)"
