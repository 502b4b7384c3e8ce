"""Is a request stated in the packs' own words? A purpose or evidence kind no pack knows is the
caller's mistake (a usage error, exit 2, with the closest known word), found before anything is
decided, so it is never logged as a request — on the command line and in the Python API alike."""

from __future__ import annotations

from collections.abc import Sequence

from redactor.errors import UsageError
from redactor.policy.loader import LoadedPack
from redactor.request import Request
from redactor.suggest import did_you_mean


def check_known(request: Request, packs: Sequence[LoadedPack]) -> None:
    """Raise UsageError for the first stated purpose or evidence kind no pack knows."""
    for p in request.purposes:
        known = [k for lp in packs for k in lp.pack.purposes]
        if all(p not in lp.pack.purposes for lp in packs):
            close = did_you_mean(p, known)
            raise UsageError(
                f"Unknown stated purpose {p!r} for {', '.join(lp.pack.id for lp in packs)}",
                hint=(f"{close} " if close else "")
                + f"known purposes: {', '.join(dict.fromkeys(known))}",
            )
    for e in request.evidence:
        known = [k for lp in packs for k in lp.pack.evidence_kinds]
        if all(e.kind not in lp.pack.evidence_kinds for lp in packs):
            close = did_you_mean(e.kind, known)
            raise UsageError(
                f"Unknown evidence kind {e.kind!r}",
                hint=(f"{close} " if close else "")
                + f"known kinds: {', '.join(dict.fromkeys(known))}",
            )


__all__ = ["check_known"]
