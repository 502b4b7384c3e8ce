"""A request for data: who asks, for which agency, for what stated purposes, with what evidence.

A stated purpose is a claim and is recorded as such; evidence is what a pack's exceptions need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redactor.errors import UsageError

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One document supporting an exception: ``court_order:2026CR1234``."""

    kind: str
    reference: str

    @classmethod
    def parse(cls, text: str) -> Evidence:
        kind, sep, ref = text.partition(":")
        kind = kind.strip().lower().replace("-", "_")
        ref = ref.strip()
        if not sep or not _KIND.match(kind) or not ref:
            raise UsageError(
                f"Evidence {text!r} is not of the form KIND:REFERENCE",
                hint="e.g. --evidence court_order:2026CR1234 "
                "(see `redactor policy show` for kinds)",
            )
        return cls(kind=kind, reference=ref)

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference}"


def normalize_purpose(p: str) -> str:
    return p.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True, slots=True)
class Request:
    purposes: tuple[str, ...]
    requester: str | None = None
    agency: str | None = None
    evidence: tuple[Evidence, ...] = ()
    received: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if not self.purposes:
            raise UsageError(
                "A request needs at least one stated purpose",
                hint="add --purpose, e.g. --purpose civil_immigration_enforcement",
            )
        # Normalise and de-duplicate, keeping order; a frozen dataclass needs object.__setattr__.
        seen = tuple(dict.fromkeys(normalize_purpose(p) for p in self.purposes if p.strip()))
        if not seen:
            raise UsageError("A request needs at least one non-empty stated purpose")
        object.__setattr__(self, "purposes", seen)
