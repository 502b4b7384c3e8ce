"""One rule for "did you mean": the closest known name to a misspelt one.

Every message that offers a correction (an unknown table, key, pack, purpose or evidence kind)
asks this module, so the same typo gets the same suggestion wherever it is made.

>>> did_you_mean("acton", ["action", "category", "note"])
'did you mean action?'
>>> did_you_mean("zzz", ["action", "category"]) is None
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike two names must be (difflib's ratio, 0 to 1) for one to be offered for the other.
CUTOFF = 0.6


def closest(word: str, known: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """The name of ``known`` most like ``word``, if one is alike enough, else None."""
    found = difflib.get_close_matches(word, list(known), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, known: Iterable[str], *, cutoff: float = CUTOFF) -> str | None:
    """``"did you mean X?"`` for the name of ``known`` closest to ``word``, or None."""
    found = closest(word, known, cutoff=cutoff)
    return f"did you mean {found}?" if found else None
