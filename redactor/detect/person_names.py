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

Everything is vectorised with Arrow: notes are split on spaces once, only capitalised words are
looked up (hash ``is_in``), neighbours are compared with NumPy, and the notes are re-joined.
"""

from __future__ import annotations

import gzip
from functools import cache
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
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        out.extend(line.split())
    return out


def _norm(arr: pa.Array) -> pa.Array:
    """Upper case, accents removed, possessive and hyphenated tail dropped."""
    a = pc.utf8_normalize(pc.utf8_upper(arr), "NFD")
    a = pc.replace_substring_regex(a, "[\u0300-\u036f]|['’]S$|-.*$", "")
    return pc.replace_substring(a, "'", "")


@cache
def _lists() -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, pa.Array]:
    """Given names and surnames not stop-listed, every surname, stop words, cue words."""
    stop = _norm(pa.array(_read_list("not_names.txt")))
    stop_set = set(stop.to_pylist())
    first = [n for n in _read_list("census1990_first_names.txt.gz") if n not in stop_set]
    every_last = _read_list("census1990_surnames.txt.gz")
    last = [n for n in every_last if n not in stop_set]
    cues = pa.array(sorted(CUES))
    return pa.array(first), pa.array(last), pa.array(every_last), stop, cues


# what surrounds the name in a word: opening punctuation, the name, the rest ("(Garcia)," )
_AROUND = r"^(?P<open>[(\"'“‘¿¡\[]*)[^,.;:!?)\]\"”’]*(?P<close>.*)$"
_UPPER = "A-ZÀ-ÖØ-Þ"
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
_START = rf"^[(\"'“‘¿¡\[]*[{_UPPER}]"
_PUNCT = "()[]\"'“”‘’¿¡,.;:!?"
# the trimmed word: a capital, then letters, apostrophes and hyphens, ending in a letter
_CORE = rf"^[{_UPPER}](?:[{_LETTER}'’-]*[{_LETTER}])?$"


def scrub_names(arr: pa.Array) -> pa.Array:
    """Replace person names in a string array by ``[NAME]`` (same length and nulls)."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    parts = pc.split_pattern(arr, " ")
    words = parts.flatten()
    if len(words) == 0:
        return arr
    offsets = parts.offsets.to_numpy()
    if offsets[0] != 0:
        offsets = offsets - offsets[0]
    counts = np.diff(offsets)
    note_of = np.repeat(np.arange(len(counts)), counts)
    n = len(words)

    # cheap test first (a capital near the start), the extraction only on those words
    starts = pc.match_substring_regex(words, _START).to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(starts)
    if len(idx) == 0:
        return arr
    core = pc.utf8_trim(words.take(pa.array(idx)), characters=_PUNCT)
    keep = pc.match_substring_regex(core, _CORE).to_numpy(zero_copy_only=False)
    idx, cores = idx[keep], core.filter(pa.array(keep))
    if len(idx) == 0:
        return arr
    title = pc.invert(pc.utf8_is_upper(cores)).to_numpy(zero_copy_only=False)
    idx, cores = idx[title], cores.filter(pa.array(title))
    if len(idx) == 0:
        return arr
    first_set, last_set, any_last_set, stop_set, cue_set = _lists()
    key = _norm(cores)
    is_first = pc.is_in(key, value_set=first_set).to_numpy(zero_copy_only=False)
    is_last = pc.is_in(key, value_set=last_set).to_numpy(zero_copy_only=False)
    is_any_last = pc.is_in(key, value_set=any_last_set).to_numpy(zero_copy_only=False)
    is_stop = pc.is_in(key, value_set=stop_set).to_numpy(zero_copy_only=False)

    cap = np.zeros(n, bool)
    cap[idx] = True
    first = np.zeros(n, bool)
    first[idx] = is_first
    last = np.zeros(n, bool)
    last[idx] = is_last
    stop = np.zeros(n, bool)
    stop[idx] = is_stop
    any_last = np.zeros(n, bool)
    any_last[idx] = is_any_last
    cand = cap & ~stop

    same_prev = np.zeros(n, bool)
    same_prev[1:] = note_of[1:] == note_of[:-1]
    same_next = np.zeros(n, bool)
    same_next[:-1] = same_prev[1:]

    # sentence starts: first word of a note, or after a word ending . ! ? : ;
    prev_idx = np.flatnonzero(same_prev)
    ends = np.zeros(n, bool)
    if len(prev_idx):
        # only the capitalised words and the words before them matter (names are capitalised)
        look_mask = np.zeros(n, bool)
        look_mask[idx] = True
        look_mask[:-1] |= look_mask[1:]
        look = np.flatnonzero(look_mask)
        last_char = pc.utf8_slice_codeunits(words.take(pa.array(look)), -1)
        endp = np.zeros(n, bool)
        endp[look] = pc.is_in(last_char, value_set=pa.array([".", "!", "?", ":", ";"])).to_numpy(
            zero_copy_only=False
        )
        ends[1:] = endp[:-1]
        ends &= same_prev
    sent_start = ~same_prev | ends

    # cue words before a capitalised word (lower-case words only; "Sr." and "name:" too)
    cue = np.zeros(n, bool)
    cand_idx = np.flatnonzero(cand & same_prev)
    if len(cand_idx):
        prev = words.take(pa.array(cand_idx - 1))
        prev_key = pc.utf8_lower(pc.replace_substring_regex(prev, r"^[(\"'“¿¡]+|[,)\"”]+$", ""))
        cue[cand_idx] = pc.is_in(prev_key, value_set=cue_set).to_numpy(zero_copy_only=False)
    # "de", "del", "y" between name words
    # "de", "del", "y" between name words; "and"/"y" joining two names (next to a capital)
    particle = np.zeros(n, bool)
    conj = np.zeros(n, bool)
    near_cap = np.zeros(n, bool)
    near_cap[1:] |= cap[:-1]
    near_cap[:-1] |= cap[1:]
    small_idx = np.flatnonzero(~cap & same_prev & same_next & near_cap)
    if len(small_idx):
        sw = pc.utf8_lower(words.take(pa.array(small_idx)))
        particle[small_idx] = pc.is_in(sw, value_set=pa.array(sorted(PARTICLES))).to_numpy(
            zero_copy_only=False
        )
        conj[small_idx] = pc.is_in(sw, value_set=pa.array(["and", "y", "e", "&"])).to_numpy(
            zero_copy_only=False
        )
    # "Garza, Itzel": a known surname with a comma, then a capitalised word ("Last, First")
    comma = np.zeros(n, bool)
    comma[idx] = pc.ends_with(words.take(pa.array(idx)), ",").to_numpy(zero_copy_only=False)
    last_first = np.zeros(n, bool)
    last_first[:-1] = (
        ((any_last[:-1] & cand[1:]) | (cap[:-1] & first[1:]))
        & cand[:-1]
        & comma[:-1]
        & same_next[:-1]
    )
    name = cand & (first | cue | (last & ~sent_start) | last_first)
    name[1:] |= last_first[:-1]
    # two capitalised words in a row mid-sentence
    pair = np.zeros(n, bool)
    pair[:-1] = cand[:-1] & cand[1:] & same_next[:-1] & ~sent_start[:-1]
    # a capitalised word before a known surname, even a stop-listed one ("Jamal Washington")
    pair[:-1] |= cand[:-1] & cap[1:] & any_last[1:] & same_next[:-1] & ~sent_start[:-1] & ~ends[1:]
    name |= pair
    name[1:] |= pair[:-1]
    # spread to neighbours: a capitalised word after a name word (or after "de"/"y" after one),
    # a known surname before one, and a surname/stop-listed surname right after a given name
    for _ in range(3):
        nxt = np.zeros(n, bool)
        nxt[1:] = name[:-1] & same_prev[1:] & ~ends[1:]
        via = np.zeros(n, bool)
        via[2:] = name[:-2] & particle[1:-1] & same_prev[2:] & same_prev[1:-1]
        after_first = np.zeros(n, bool)
        after_first[1:] = first[:-1] & name[:-1] & same_prev[1:] & ~ends[1:]
        before = np.zeros(n, bool)
        before[:-1] = (
            name[1:] & same_next[:-1] & ((last[:-1] | first[:-1]) | (last[1:] & ~first[1:]))
        ) & ~ends[1:]
        # "Adaeze and [NAME]", "Juan y María": a capitalised word joined to a name by and/y
        joined = np.zeros(n, bool)
        joined[:-2] = conj[1:-1] & name[2:] & same_next[:-2] & same_next[1:-1]
        grown = (
            name | (cand & (nxt | via | joined)) | (cap & any_last & after_first) | (cand & before)
        )
        if (grown == name).all():
            break
        name = grown
    if not name.any():
        return arr
    # "Maria Garcia Lopez" -> one [NAME]: a name word right after a name word (or after
    # "de"/"del" after one) is dropped, keeping the punctuation of the last word
    prev_name = np.zeros(n, bool)
    prev_name[1:] = name[:-1] & same_prev[1:] & ~ends[1:]
    glued = name & prev_name & ~_ends_with_punct(words, name)
    drop_particle = np.zeros(n, bool)
    drop_particle[1:-1] = particle[1:-1] & name[:-2] & name[2:] & same_prev[1:-1]
    drop = np.zeros(n, bool)
    # drop the earlier word of a glued pair so the last one keeps its trailing punctuation
    drop[:-1] = glued[1:]
    drop |= drop_particle
    drop[:-1] |= drop_particle[1:] & name[:-1]
    hit = np.flatnonzero(name & ~drop)
    head = pc.extract_regex(words.take(pa.array(hit)), _AROUND)
    repl = pc.binary_join_element_wise(
        pc.struct_field(head, [0]), TOKEN, pc.struct_field(head, [1]), ""
    )
    mask = np.zeros(n, bool)
    mask[hit] = True
    new_words = pc.replace_with_mask(words, pa.array(mask), repl.cast(words.type))
    keep = ~drop
    per_note = np.bincount(note_of[keep], minlength=len(counts))
    kept_offsets = np.concatenate([[0], np.cumsum(per_note)])
    rebuilt = pa.ListArray.from_arrays(
        pa.array(kept_offsets, pa.int32()), new_words.filter(pa.array(keep)), mask=pc.is_null(arr)
    )
    return pc.binary_join(rebuilt, " ").cast(arr.type)


def _ends_with_punct(words: pa.Array, where: np.ndarray) -> np.ndarray:
    """Name words that end a phrase ("Garcia," "Lopez;"): they are not glued to the next."""
    out = np.zeros(len(where), bool)
    idx = np.flatnonzero(where)
    if len(idx):
        last_char = pc.utf8_slice_codeunits(words.take(pa.array(idx)), -1)
        out[idx] = pc.invert(pc.match_substring_regex(last_char, rf"[{_LETTER}]")).to_numpy(
            zero_copy_only=False
        )
    # the word *before* a glued one must not end with punctuation either
    shifted = np.zeros(len(where), bool)
    shifted[1:] = out[:-1]
    return shifted
