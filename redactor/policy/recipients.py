"""The recipient registry: which requesting agencies enforce immigration law.

The data is reviewed YAML shipped with the packs (``packs/_recipients.yaml``); this module loads
it and matches a typed agency name against it. Matching ignores case, accents, punctuation,
parentheses, "&"/"and", "U.S."/"United States", possessives and word order: every word of an
alias must appear among the name's words ("Customs & Border Protection (CBP)", "ICE ERO
Denver", "Denver ERO field office" all match). Of several matches the most specific component
wins (ERO over ICE); an ERO name that holds a field-office city names that office. A name that
matches no entry but holds a keyword ("immigration", "border", …) is treated as an
immigration-enforcement agency as well (fail closed).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from redactor.errors import ConfigError
from redactor.suggest import closest
from redactor.yaml_load import safe_load

REGISTRY_FILE = "_recipients.yaml"
#: How alike a typed agency must be to a registry alias to be offered as "did you mean".
NEAR_MISS = 0.75


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgencyEntry(_Frozen):
    id: str
    name: str
    parent: str | None = None
    aliases: tuple[str, ...]
    offices: tuple[str, ...] = ()
    note: str | None = None


class Reviewed(_Frozen):
    by: str
    date: dt.date | None = None


class RegistrySource(_Frozen):
    key: str
    url: str | None = None
    note: str | None = None


class RegistryData(_Frozen):
    version: str
    reviewed: Reviewed
    sources: tuple[RegistrySource, ...] = ()
    agencies: tuple[AgencyEntry, ...]
    keywords: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _links(self) -> RegistryData:
        ids = [a.id for a in self.agencies]
        if len(ids) != len(set(ids)):
            raise ValueError("agency ids must be unique")
        for a in self.agencies:
            if a.parent is not None and a.parent not in ids:
                raise ValueError(f"agency {a.id}: unknown parent {a.parent!r}")
            if not a.aliases:
                raise ValueError(f"agency {a.id}: give at least one alias")
        return self


_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> tuple[str, ...]:
    """The words of a name as matching sees them (see the module docstring)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = t.replace("&", " and ")
    t = re.sub(r"['\u2019]s\b", "", t)  # possessive: ICE's -> ICE
    t = re.sub(r"(?<=\w)[.'\u2019](?=\w)", "", t)  # U.S. -> US, I.C.E. -> ICE
    t = t.replace(".", "")
    return tuple(_WORD.findall(t))


def _one_slip(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one inserted, dropped or swapped letter, or one changed
    letter in a name of five or more (CBI is not a slip for CBP)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (len(diff) == 1 and len(a) >= 5) or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True, slots=True)
class Recipient:
    """A typed agency name resolved against the registry."""

    typed: str
    entry_id: str | None  # None: matched by keyword only
    agency_id: str  # the top agency (below DHS) used to group the report
    name: str  # canonical display name
    office: str | None = None
    matched: str = ""  # the alias or keyword that matched
    also: tuple[str, ...] = ()  # other entries the name matches (another branch)

    @property
    def canonical(self) -> str:
        return self.name + (f", {self.office}" if self.office else "")

    def to_log(self) -> dict[str, object]:
        out: dict[str, object] = {
            "canonical": self.canonical,
            "agency": self.agency_id,
            "entry": self.entry_id,
            "matched": self.matched,
        }
        if self.office:
            out["office"] = self.office
        if self.also:
            out["also"] = list(self.also)
        return out

    def reason(self) -> str:
        if self.entry_id is None:
            return (
                f"requesting agency {self.typed!r} is not in the recipient registry by name, "
                f"but its name holds {self.matched!r}: treated as an immigration-enforcement "
                "agency (fail closed)"
            )
        return (
            f"requesting agency {self.typed!r} is {self.canonical} (recipient registry, "
            f"matched {self.matched!r})"
        )


@dataclass(frozen=True)
class Registry:
    data: RegistryData
    sha256: str

    @property
    def version(self) -> str:
        return self.data.version

    def entry(self, entry_id: str) -> AgencyEntry:
        return next(a for a in self.data.agencies if a.id == entry_id)

    def ancestors(self, entry_id: str) -> list[str]:
        out, cur = [], self.entry(entry_id).parent
        while cur is not None:
            out.append(cur)
            cur = self.entry(cur).parent
        return out

    def top_agency(self, entry_id: str) -> str:
        """The agency a component belongs to, below the department (ERO -> ICE, DHS -> DHS)."""
        chain = [entry_id, *self.ancestors(entry_id)]
        return chain[-2] if len(chain) >= 2 else chain[-1]

    def match(self, agency: str | None) -> Recipient | None:
        """The registry entry ``agency`` names, or None when it is not an immigration agency.

        Fail closed: a name that matches nothing but is one slip from a registry name
        (``ICEE``, ``Imigration and Customs Enforcement``) is treated as that agency — a typo
        must never turn an immigration-enforcement request into an ordinary one."""
        found = self._exact(agency)
        if found is not None or not agency:
            return found
        near = self._near(agency)
        if near is None:
            return None
        alias, eid = near
        entry = self.entry(eid)
        return Recipient(
            agency,
            eid,
            self.top_agency(eid),
            entry.name,
            matched=f"{alias} (by near spelling)",
        )

    def _exact(self, agency: str | None) -> Recipient | None:
        if not agency or not agency.strip():
            return None
        ignore = {w for i in self.data.ignore for w in words(i)}
        have = [w for w in words(agency) if w not in ignore]
        if not have:
            return None
        have_set = set(have)
        hits: list[tuple[int, int, str, str]] = []  # (depth, alias words, id, alias)
        for a in self.data.agencies:
            best: tuple[int, str] | None = None
            for alias in (a.name, *a.aliases):
                need = [w for w in words(alias) if w not in ignore]
                if need and set(need) <= have_set and (best is None or len(need) > best[0]):
                    best = (len(need), alias)
            if best is not None:
                hits.append((len(self.ancestors(a.id)), best[0], a.id, best[1]))
        if not hits:
            for k in self.data.keywords:
                kw = words(k)
                if kw and set(kw) <= have_set:
                    name = f"unlisted agency ({agency.strip()})"
                    return Recipient(agency, None, "UNLISTED", name, matched=k)
            return None
        hits.sort(key=lambda h: (-h[0], -h[1], h[2]))
        _, _, eid, alias = hits[0]
        entry = self.entry(eid)
        line = {eid, *self.ancestors(eid)}
        also = tuple(h[2] for h in hits if h[2] not in line)
        office = None
        text = " ".join(have)
        for o in entry.offices:
            ow = " ".join(w for w in words(o) if w not in ignore)
            if ow and re.search(rf"\b{re.escape(ow)}\b", text):
                office = o
                break
        return Recipient(
            agency, eid, self.top_agency(eid), entry.name, office=office, matched=alias, also=also
        )

    def near_miss(self, agency: str | None) -> str | None:
        """``"did you mean ICE?"`` when ``agency`` matches no registry name exactly but is spelt
        like one (:meth:`match` then treats it as that agency); else None."""
        if not agency or self._exact(agency) is not None:
            return None
        near = self._near(agency)
        return f"did you mean {near[0]}?" if near else None

    def _near(self, agency: str) -> tuple[str, str] | None:
        """The registry alias (as written) and entry id ``agency`` is one slip from, if any."""
        ignore = {w for i in self.data.ignore for w in words(i)}
        typed = [w for w in words(agency) if w not in ignore]
        if not typed:
            return None
        aliases: dict[str, tuple[str, str]] = {}  # alias as matching sees it -> (written, id)
        for a in self.data.agencies:
            for alias in (a.name, *a.aliases):
                seen = " ".join(w for w in words(alias) if w not in ignore)
                if seen:
                    aliases.setdefault(seen, (alias, a.id))
        whole = " ".join(typed)
        long_names = [a for a in aliases if len(a) >= 6]
        found = closest(whole, long_names, cutoff=NEAR_MISS) if len(whole) >= 6 else None
        if found is None:  # an acronym typed in capitals one slip away: "ICEE Denver", "CPB"
            acronyms = [a for a in aliases if " " not in a and len(a) >= 3]
            capitals = set(re.findall(r"\b[A-Z]{3,}\b", agency))
            for w in typed:
                typo = w.upper() in capitals or len(typed) == 1
                near = [a for a in acronyms if typo and _one_slip(w, a)]
                if near:
                    found = near[0]
                    break
        return aliases[found] if found else None

    def lines(self) -> list[str]:
        """What ``redactor policy recipients`` prints."""
        d = self.data
        out = [
            f"recipient registry {d.version} (sha256 {self.sha256[:16]}…), reviewed by "
            f"{d.reviewed.by}" + (f" on {d.reviewed.date}" if d.reviewed.date else "")
        ]
        for a in d.agencies:
            depth = len(self.ancestors(a.id))
            pad = "  " * (depth + 1)
            out.append(f"{pad}{a.id}: {a.name}")
            out.append(f"{pad}  aliases: {', '.join(a.aliases)}")
            if a.offices:
                out.append(f"{pad}  field offices: {', '.join(a.offices)}")
            if a.note:
                out.append(f"{pad}  note: {a.note}")
        out.append(f"  unlisted names holding any of: {', '.join(d.keywords)} (fail closed)")
        out.append(
            f"  ignored when matching: case, accents, punctuation, word order, "
            f"{', '.join(d.ignore)}"
        )
        for s in d.sources:
            out.append(f"  source {s.key}: {s.note or ''} {s.url or ''}".rstrip())
        return out


def parse_registry(raw: bytes, source: str) -> Registry:
    try:
        data = safe_load(raw.decode("utf-8"))
        return Registry(RegistryData.model_validate(data), hashlib.sha256(raw).hexdigest())
    except (yaml.YAMLError, UnicodeDecodeError):
        raise ConfigError(f"Recipient registry {source} is not valid YAML") from None
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        raise ConfigError(
            f"Invalid recipient registry {source} at {where}: "
            f"{err['msg'].removeprefix('Value error, ')}"
        ) from None


@functools.cache
def registry() -> Registry:
    """The shipped registry (loaded once)."""
    res = resources.files("redactor.policy") / "packs" / REGISTRY_FILE
    return parse_registry(res.read_bytes(), f"{REGISTRY_FILE} (built-in)")


def match_recipient(agency: str | None) -> Recipient | None:
    return registry().match(agency)
