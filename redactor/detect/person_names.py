"""Person names in free text, found offline with name lists and context rules (no model).

Lists: the US Census Bureau 1990 name frequency files (public domain; 88,799 surnames and
5,163 given names, as shipped in the PyPI package ``names`` 0.3.0), stored gzipped under
``data/``, plus a hand-written list of capitalised words that are not names (``not_names.txt``).

Rules, over Title-case words (``Maria``, ``O'Neil``, ``García-López``; ALLCAPS acronyms and
lower-case words are never names), in English and Spanish:

* a known given name (``Tariq`` is not in the 1990 list; ``Maria`` is);
* any capitalised word after a cue: a title (``Sr.``, ``Sra.``, ``Don``, ``Doña``; English
  titles are caught earlier by the honorific rule), ``named``/``called``/``llamado``, a
  relation (``her son``, ``su hija``, ``husband``, ``madre``), a role (``client``,
  ``applicant``, ``tenant``, ``solicitante``) or ``name:``/``nombre:``;
* a known surname in the middle of a sentence, or next to another name word;
* any capitalised word right after a name word (unknown surnames, two surnames, ``de``/``del``/
  ``y`` between them) — up to four words;
* two capitalised words in a row in the middle of a sentence (``Oluwaseun Adeyemi``).

Everything is vectorised: the notes' bytes are split into words at spaces with NumPy without
copying; capitalised words are found from their first bytes and looked up once in one Arrow hash
table (a bit per list); the rules compare neighbours with NumPy over the capitalised words and
the words either side of them; each name is spliced out of the original bytes as ``[NAME]``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _words(text: str) -> list[str]:
    """Whitespace-separated words (keeps long word lists readable)."""
    return text.split()


TOKEN = "[NAME]"

# Lower-case context words after which a capitalised word is a person's name.
CUES = frozenset(
    _words(
        """
        named called nicknamed aka alias llamado llamada apodado apodada son daughter
        mother father husband wife brother sister spouse partner boyfriend girlfriend
        nephew niece cousin grandson granddaughter grandmother grandfather stepson
        stepdaughter uncle aunt child baby guardian hijo hija madre padre esposo esposa
        hermano hermana primo prima sobrino sobrina nieto nieta abuelo abuela tío tía
        tio tia novio novia pareja client applicant tenant claimant resident member
        participant inmate defendant respondent petitioner witness caller cliente
        solicitante inquilino inquilina residente demandado sr sra srta don doña dona
        señor señora señorita sr. sra. srta. mr mr. ms ms. mrs mrs. miss mx mx. dr dr.
        prof prof. rev rev. sgt sgt. officer deputy name: nombre: name nombre apellido:
        surname:
        """
    )
)
# Words that may stand between two name words: "María de la Cruz", "Juan y María".
PARTICLES = frozenset(
    _words(
        """
    de del la las los y e van von da di du le bin al el
    """
    )
)


def _read_list(name: str) -> list[str]:
    raw = resources.files("redactor.detect").joinpath(f"data/{name}").read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if name.endswith(".gz") else raw.decode("utf-8")
    body = "\n".join(line for line in text.split("\n", 8) if not line.startswith("#"))
    if "#" in body:  # comments further down: the slow way
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return body.split()


def _norm(arr: pa.Array) -> pa.Array:
    """Upper case, accents removed, possessive and hyphenated tail dropped."""
    a = pc.utf8_normalize(pc.utf8_upper(arr), "NFD")
    a = pc.replace_substring_regex(a, "[\u0300-\u036f]|['’]S$|-.*$", "")
    return pc.replace_substring(a, "'", "")


@dataclass(frozen=True)
class _Table:
    """Words and their bits: a dict for a few keys, Arrow arrays (built on first use) for
    many (``pc.index_in`` hashes its whole value set on every call: 90,000 names cost about
    17 ms a call, so a dict lookup wins below :data:`_DICT_KEYS` keys)."""

    by_key: dict[str, int]

    @cached_property
    def arrays(self) -> tuple[pa.Array, np.ndarray]:
        keys = pa.array(list(self.by_key), pa.string())
        return keys, np.fromiter(self.by_key.values(), np.uint8, len(self.by_key))


#: Below this many keys a lookup goes through the dict (see :class:`_Table`).
_DICT_KEYS = 20_000
#: Up to this many keys, and while the full table is not built, surnames are looked up in
#: the list's text (a header's few words need no 90,000-entry dict: 15 ms at start-up).
_TEXT_KEYS = 64
_SURNAMES = "census1990_surnames.txt.gz"


@cache
def _surnames() -> list[str]:
    return _read_list(_SURNAMES)


@cache
def _surname_text() -> str:
    """Every surname on a line of its own, with a newline before the first."""
    return "\n" + "\n".join(_surnames()) + "\n"


@cache
def _without_surnames() -> _Table:
    """Given names and the stop list (the bits ``_lookup`` gives them, surnames aside)."""
    by_key: dict[str, int] = {}
    stop = _norm(pa.array(_read_list("not_names.txt"), pa.string())).to_pylist()
    for words, bit in ((_read_list("census1990_first_names.txt.gz"), _FIRST), (stop, _STOP)):
        for w in words:
            by_key[w] = by_key.get(w, 0) | bit
    return _Table(by_key)


def _stop_listed(bits: int) -> int:
    """A stop-listed word is never a given name or a (scored) surname."""
    return bits & ~(_FIRST | _LAST) if bits & _STOP else bits


@cache
def _lookup() -> _Table:
    """One table for every list: per word, the bits _FIRST (a given name not stop-listed),
    _LAST (a surname not stop-listed), _ANY_LAST (any surname), _STOP."""
    by_key = dict.fromkeys(_surnames(), _LAST | _ANY_LAST)
    for w, bit in _without_surnames().by_key.items():
        by_key[w] = by_key.get(w, 0) | bit
    return _Table({w: _stop_listed(b) for w, b in by_key.items()})


def _name_bits(keys: pa.Array) -> np.ndarray:
    """Each key's bits in :func:`_lookup`; a few keys without building it (same bits: a list
    word holds no whitespace, so a key with some is in no list)."""
    if len(keys) > _TEXT_KEYS or _lookup.cache_info().currsize:
        return _bits(keys, _lookup())
    text, others = _surname_text(), _without_surnames().by_key
    out = np.zeros(len(keys), np.uint8)
    for i, k in enumerate(keys.to_pylist()):
        if k is None:
            continue
        bits = others.get(k, 0)
        if k and not any(c.isspace() for c in k) and f"\n{k}\n" in text:
            bits |= _LAST | _ANY_LAST
        out[i] = _stop_listed(bits)
    return out


@cache
def _cues() -> pa.Array:
    return pa.array(sorted(CUES), pa.string())


_UPPER = "A-ZÀ-ÖØ-Þ"
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
_START = rf"^[(\"'“‘¿¡\[]*[{_UPPER}]"
_PUNCT = "()[]\"'“”‘’¿¡,.;:!?"
# the trimmed word: a capital, then letters, apostrophes and hyphens, ending in a letter
_CORE = rf"^[{_UPPER}](?:[{_LETTER}'’-]*[{_LETTER}])?$"
# what may stand before and after a cue word ("(named", "client,")
_CUE_LEAD = "(\"'“¿¡"
_CUE_TAIL = ',)"” '

# bits of a word's entry in the combined lookup table
_FIRST, _LAST, _ANY_LAST, _STOP = 1, 2, 4, 8
_PARTICLE, _CONJ = 1, 2
_CONJUNCTIONS = ("and", "y", "e", "&")

_SPACE = 0x20
_SENTENCE_END = np.zeros(256, bool)
_SENTENCE_END[list(b".!?:;")] = True
# a word's first byte: 1 an ASCII capital, 2 the lead byte of À-ÿ, 3 opening punctuation
# ( " ' [ or the lead byte of “ ‘ ¿ ¡ (the rest of the word decides), 0 anything else
_FIRST_BYTE = np.zeros(256, np.uint8)
_FIRST_BYTE[ord("A") : ord("Z") + 1] = 1
_FIRST_BYTE[0xC3] = 2
_FIRST_BYTE[list(b"(\"'[\xe2\xc2")] = 3


@cache
def _small_words() -> _Table:
    words = sorted(PARTICLES | set(_CONJUNCTIONS))
    return _Table(
        {
            w: (_PARTICLE if w in PARTICLES else 0) | (_CONJ if w in _CONJUNCTIONS else 0)
            for w in words
        }
    )


def _bits(keys: pa.Array, table: _Table) -> np.ndarray:
    """Each key's bits in ``table`` (0 when absent or null)."""
    if len(keys) < _DICT_KEYS:
        get = table.by_key.get
        return np.fromiter((get(k, 0) for k in keys.to_pylist()), np.uint8, len(keys))
    # the words of a few thousand notes repeat: hash them once and look up each distinct one
    encoded = pc.dictionary_encode(keys)
    distinct = encoded.dictionary
    if len(distinct) < _DICT_KEYS:
        found = np.append(_bits(distinct, table), np.uint8(0))  # the last: a null key
        at = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
        return found[at]
    values, bits = table.arrays
    pos = pc.index_in(keys, value_set=values).fill_null(-1).to_numpy(zero_copy_only=False)
    return np.where(pos >= 0, bits[np.maximum(pos, 0)], 0).astype(np.uint8)


def _np(a: pa.Array | pc.Expression) -> np.ndarray:
    return a.to_numpy(zero_copy_only=False)


def _arrow(a: np.ndarray) -> pa.Array:
    """``pa.array(a)`` for a 1-D NumPy array of numbers or booleans, built from its buffer:
    ``pa.array`` on an ndarray first imports NumPy's masked-array module (about 10 ms at
    start-up, for a header's few words). Booleans are packed to Arrow's bits."""
    a = np.ascontiguousarray(a)
    if a.ndim != 1:
        raise ValueError(f"_arrow needs a 1-D array, not {a.ndim}-D")
    if a.dtype == np.bool_:
        bits = pa.py_buffer(np.packbits(a, bitorder="little"))
        return pa.Array.from_buffers(pa.bool_(), len(a), [None, bits])
    return pa.Array.from_buffers(pa.from_numpy_dtype(a.dtype), len(a), [None, pa.py_buffer(a)])


class _Text:
    """The notes' bytes as NumPy, split into words at single spaces without copying.

    Word ``i`` is ``buf[start[i]:start[i + 1]]``: its text plus the one space after it (the
    last word of a note has none), so the words laid end to end are the notes again.
    """

    def __init__(self, arr: pa.Array) -> None:
        self.otype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        _, offsets_buf, values = arr.buffers()
        offs = np.frombuffer(
            offsets_buf, self.otype, len(arr) + 1, arr.offset * self.otype().itemsize
        )
        self.values = values
        self.lo = int(offs[0])
        self.buf = np.frombuffer(values, np.uint8)[self.lo : int(offs[-1])]
        size = len(self.buf)
        self.note_off = (offs - self.lo).astype(np.int64)
        mark = np.empty(size + 1, bool)
        mark[0] = True
        np.equal(self.buf, _SPACE, out=mark[1:])
        mark[self.note_off[:-1]] = True
        mark[size] = False
        self.start = np.flatnonzero(mark)
        self.bound = np.append(self.start, size)  # word i ends where word i + 1 starts
        self.n = len(self.start)
        self.note_first = np.searchsorted(self.start, self.note_off)
        # the first word of a note has no left neighbour
        self.opens_note = np.zeros(self.n + 1, bool)
        self.opens_note[self.note_first] = True
        self.words = self.strings(self.bound)

    def strings(self, bounds: np.ndarray) -> pa.Array:
        """A string array over the original bytes: item ``i`` is ``bounds[i]:bounds[i+1]``."""
        offsets = pa.py_buffer((bounds + self.lo).astype(self.otype))
        typ = pa.large_string() if self.otype is np.int64 else pa.string()
        return pa.Array.from_buffers(typ, len(bounds) - 1, [None, offsets, self.values])

    def ends(self, i: np.ndarray) -> np.ndarray:
        """Where words ``i`` end, without the space after them."""
        nxt = self.bound[i + 1]
        return nxt - (self.buf[nxt - 1] == _SPACE)

    def last_bytes(self, i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The last two bytes of words ``i`` (0 where the word is shorter)."""
        end = self.ends(i)
        start = self.start[i]
        last = np.where(end > start, self.buf[np.maximum(end - 1, 0)], 0)
        before = np.where(end - 1 > start, self.buf[np.maximum(end - 2, 0)], 0)
        return last, before


def _capitalised(t: _Text) -> np.ndarray:
    """Words that open with a capital: ASCII, Latin-1 À-Þ (C3 80-9E), or after ( " ¿ ..."""
    kind = _FIRST_BYTE[t.buf[t.start]]
    cap = kind == 1
    latin = np.flatnonzero(kind == 2)  # C3: À-Þ when the next byte is 80-9E (not ×)
    if len(latin):
        second = t.buf[np.minimum(t.start[latin] + 1, len(t.buf) - 1)]
        cap[latin] = (second >= 0x80) & (second <= 0x9E) & (second != 0x97)
    opener = np.flatnonzero(kind == 3)
    if len(opener):  # opening punctuation: the regex decides, on those few words only
        cap[opener] = _np(pc.match_substring_regex(t.words.take(_arrow(opener)), _START))
    return np.flatnonzero(cap)


def scrub_names(arr: pa.Array) -> pa.Array:
    """Replace person names in a string array by ``[NAME]`` (same length and nulls)."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    src = arr
    if arr.null_count:
        arr = arr.fill_null("")
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        raise TypeError(f"scrub_names needs strings, not {arr.type}")
    if pc.sum(pc.binary_length(arr)).as_py() == 0:
        return src
    t = _Text(arr)
    idx = _capitalised(t)
    if len(idx) == 0:
        return src
    raw = t.words.take(_arrow(idx))
    core = pc.utf8_trim(raw, characters=_PUNCT + " ")
    # letters only, else the exact rule (apostrophes, hyphens, Latin-1 letters); not ALLCAPS
    letters = _np(pc.utf8_is_alpha(core))
    ok = letters.copy()
    other = np.flatnonzero(~letters)
    if len(other):
        ok[other] = _np(pc.match_substring_regex(core.take(_arrow(other)), _CORE))
    ok &= ~_np(pc.utf8_is_upper(core))
    keep = np.flatnonzero(ok)
    if len(keep) == 0:
        return src
    idx, letters = idx[keep], letters[keep]
    core, raw = core.take(_arrow(keep)), raw.take(_arrow(keep))
    # one lookup: plain ASCII words need only upper case, the rest the full normalisation
    plain = letters & _np(pc.string_is_ascii(core))
    bits = np.zeros(len(idx), np.uint8)
    for sel, key in ((plain, pc.ascii_upper), (~plain, _norm)):
        where = np.flatnonzero(sel)
        if len(where):
            bits[where] = _name_bits(key(core.take(_arrow(where))))
    # only names and surnames (even stop-listed ones) matter, with the words either side
    relevant = ((bits & _STOP) == 0) | ((bits & _ANY_LAST) > 0)
    if not relevant.any():
        return src
    rel = idx[relevant]
    mark = np.zeros(t.n + 2, bool)
    mark[rel] = True
    mark[rel + 1] = True
    mark[np.maximum(rel - 1, 0)] = True
    words = np.flatnonzero(mark[: t.n])  # the words looked at, in order
    m = len(words)
    at = np.searchsorted(words, idx)
    inside = (at < m) & (words[np.minimum(at, m - 1)] == idx)
    at, cap_bits = at[inside], bits[inside]
    lead = _np(pc.binary_length(raw)) - _np(pc.binary_length(pc.utf8_ltrim(raw, characters=_PUNCT)))
    core_start = np.zeros(m, np.int64)
    core_end = np.zeros(m, np.int64)
    core_start[at] = t.start[idx[inside]] + lead[inside]
    core_end[at] = core_start[at] + _np(pc.binary_length(core))[inside]
    found = _find(t, words, at, cap_bits)
    if found is None:
        return src
    run_first, hit = found
    return _splice(t, core_start[run_first], core_end[hit], src)


def _find(
    t: _Text, words: np.ndarray, at: np.ndarray, cap_bits: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The name words among ``words`` (indices into ``t``): where each [NAME] starts and ends.

    ``at`` gives the positions (in ``words``) of the capitalised words and ``cap_bits`` their
    list bits. Arrays are over ``words``; ``adj[j]`` says word ``j - 1`` is the word right
    before word ``j`` in the same note, so every "previous word" below is a real neighbour.
    """
    m = len(words)
    cap = np.zeros(m, bool)
    cap[at] = True
    bits = np.zeros(m, np.uint8)
    bits[at] = cap_bits
    first = (bits & _FIRST) > 0
    last = (bits & _LAST) > 0
    any_last = (bits & _ANY_LAST) > 0
    cand = cap & ((bits & _STOP) == 0)
    adj = np.zeros(m, bool)
    adj[1:] = (np.diff(words) == 1) & ~t.opens_note[words[1:]]
    same_next = np.zeros(m, bool)
    same_next[:-1] = adj[1:]
    last_byte, before_last = t.last_bytes(words)

    # sentence starts: first word of a note, or after a word ending . ! ? : ;
    ends = np.zeros(m, bool)
    ends[1:] = _SENTENCE_END[last_byte[:-1]]
    ends &= adj
    sent_start = t.opens_note[words] | ends
    link = adj & ~ends  # word j continues the phrase of word j - 1

    # cue words before a capitalised word (lower-case words only; "Sr." and "name:" too)
    cue = np.zeros(m, bool)
    cand_idx = np.flatnonzero(cand & adj & ~first)  # a given name needs no cue
    if len(cand_idx):
        prev = t.words.take(_arrow(words[cand_idx - 1]))
        prev_key = pc.utf8_lower(
            pc.utf8_rtrim(pc.utf8_ltrim(prev, characters=_CUE_LEAD), characters=_CUE_TAIL)
        )
        cue[cand_idx] = _np(pc.is_in(prev_key, value_set=_cues()))
    # "de", "del", "y" between name words; "and"/"y" joining two names (next to a capital)
    particle = np.zeros(m, bool)
    conj = np.zeros(m, bool)
    near_cap = np.zeros(m, bool)
    near_cap[1:] |= cap[:-1]
    near_cap[:-1] |= cap[1:]
    small_idx = np.flatnonzero(~cap & adj & same_next & near_cap)
    if len(small_idx):
        sw = pc.utf8_lower(pc.utf8_rtrim(t.words.take(_arrow(words[small_idx])), characters=" "))
        sbits = _bits(sw, _small_words())
        particle[small_idx] = (sbits & _PARTICLE) > 0
        conj[small_idx] = (sbits & _CONJ) > 0
    # "Garza, Itzel": a known surname with a comma, then a capitalised word ("Last, First")
    comma = cap & (last_byte == ord(","))
    last_first = np.zeros(m, bool)
    last_first[:-1] = (
        ((any_last[:-1] & cand[1:]) | (cap[:-1] & first[1:]))
        & cand[:-1]
        & comma[:-1]
        & same_next[:-1]
    )
    name = cand & (first | cue | (last & ~sent_start) | last_first)
    name[1:] |= last_first[:-1]
    # two capitalised words in a row mid-sentence
    pair = np.zeros(m, bool)
    pair[:-1] = cand[:-1] & cand[1:] & same_next[:-1] & ~sent_start[:-1]
    # a capitalised word before a known surname, even a stop-listed one ("Jamal Washington")
    pair[:-1] |= cand[:-1] & cap[1:] & any_last[1:] & same_next[:-1] & ~sent_start[:-1] & ~ends[1:]
    name |= pair
    name[1:] |= pair[:-1]
    # spread to neighbours: a capitalised word after a name word (or after "de"/"y" after one),
    # a known surname before one, and a surname/stop-listed surname right after a given name
    via_ok = np.zeros(m, bool)
    via_ok[2:] = particle[1:-1] & adj[2:] & adj[1:-1]
    join_ok = np.zeros(m, bool)
    join_ok[:-2] = conj[1:-1] & same_next[:-2] & same_next[1:-1]
    before_ok = np.zeros(m, bool)
    before_ok[:-1] = same_next[:-1] & ~ends[1:]
    after_ok = np.zeros(m, bool)
    after_ok[1:] = first[:-1] & link[1:]
    for _ in range(3):
        grow = np.zeros(m, bool)
        grow[1:] = name[:-1] & link[1:]  # right after a name word
        grow[2:] |= name[:-2] & via_ok[2:]  # after "de"/"y" after one
        grow[:-2] |= name[2:] & join_ok[:-2]  # "Adaeze and [NAME]"
        before = np.zeros(m, bool)
        before[:-1] = (
            name[1:] & before_ok[:-1] & ((last[:-1] | first[:-1]) | (last[1:] & ~first[1:]))
        )
        after_first = np.zeros(m, bool)
        after_first[1:] = name[:-1] & after_ok[1:]
        grown = name | (cand & (grow | before)) | (cap & any_last & after_first)
        if (grown == name).all():
            break
        name = grown
    if not name.any():
        return None
    # "Maria Garcia Lopez" -> one [NAME]: a name word right after a name word (or after
    # "de"/"del" after one) joins it, unless the earlier word ends a phrase ("Garcia,")
    letter_end = _letter(last_byte, before_last)
    glued = np.zeros(m, bool)
    glued[1:] = name[1:] & name[:-1] & link[1:] & letter_end[:-1]
    drop_particle = np.zeros(m, bool)
    drop_particle[1:-1] = particle[1:-1] & name[:-2] & name[2:] & adj[1:-1]
    drop = np.zeros(m, bool)
    drop[:-1] = glued[1:]
    drop |= drop_particle
    drop[:-1] |= drop_particle[1:] & name[:-1]
    hit = np.flatnonzero(name & ~drop)
    # each [NAME] covers a hit word and the dropped words right before it
    kept_before = np.maximum.accumulate(np.where(drop, -1, np.arange(m)))
    prev = np.maximum(hit - 1, 0)
    run_first = np.where((hit > 0) & drop[prev], kept_before[prev] + 1, hit)
    return run_first, hit


def _letter(last: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Whether a word's last character is a letter (ASCII or Latin-1), not punctuation."""
    ascii_letter = ((last >= 0x41) & (last <= 0x5A)) | ((last >= 0x61) & (last <= 0x7A))
    latin1 = (last >= 0x80) & (last <= 0xBF) & (before == 0xC3) & (last != 0x97) & (last != 0xB7)
    return ascii_letter | latin1


def _splice(t: _Text, starts: np.ndarray, ends: np.ndarray, src: pa.Array) -> pa.Array:
    """The notes with bytes ``starts[j]:ends[j]`` replaced by the token (sorted, disjoint)."""
    cuts = np.empty(2 * len(starts), np.int64)
    cuts[0::2], cuts[1::2] = starts, ends
    bounds = np.sort(np.concatenate([t.note_off, cuts]), kind="stable")  # two sorted runs
    bounds = bounds[np.append(True, np.diff(bounds) > 0)]
    is_name = np.zeros(len(bounds) - 1, bool)
    is_name[np.searchsorted(bounds, starts)] = True
    pieces = t.strings(bounds)
    new = pc.if_else(_arrow(is_name), pa.scalar(TOKEN, pieces.type), pieces)
    per_note = np.searchsorted(bounds[:-1], t.note_off)
    notes = pa.ListArray.from_arrays(
        _arrow(per_note).cast(pa.int32()), new, mask=src.is_null() if src.null_count else None
    )
    return pc.binary_join(notes, pa.scalar("", pieces.type)).cast(src.type)
