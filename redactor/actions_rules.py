"""What an action may keep of a protected category: one rule for policy packs and field maps.

A pack's default action and a field map's override are checked by :func:`action_problem`, so a
map cannot weaken a mask that a pack could not weaken either:

- ``release`` (``keep``) never applies to a protected category;
- ``scrub`` applies to ``free_text`` only (on any other column it would leave the value whole
  wherever the scrubber finds nothing);
- ``generalize`` only where a generalization exists and keeps no more than it allows: birth
  dates to the year, addresses to ZIP3, city or state (never ZIP5); on every other category it
  would keep digits of an identifier or nothing at all, so it is refused;
- ``mask`` keeps at most :data:`MAX_KEEP_LAST` characters.
"""

from __future__ import annotations

from redactor.categories import PROTECTED, Action, Category

#: The most characters a mask may leave in place (the last 4 of a number, as on a receipt).
MAX_KEEP_LAST = 4

#: For each category that can be generalized, the ``generalize_to`` values allowed (``None``:
#: the category's default, year for dates and ZIP3 for addresses).
GENERALIZABLE: dict[Category, frozenset[str | None]] = {
    Category.BIRTH_DATE: frozenset({None, "year"}),
    Category.ADDRESS: frozenset({None, "zip3", "city", "state"}),
}


def action_problem(
    category: Category,
    action: Action | None,
    *,
    keep_last: int | None = None,
    generalize_to: str | None = None,
) -> str | None:
    """Why ``action`` (with its options) would leave more of a ``category`` value than allowed,
    or None when it does not. ``action`` None is the pack's default (only options are checked).
    """
    protected = category in PROTECTED
    if action is Action.RELEASE and protected:
        return f"a {category} column cannot be released (keep/release)"
    if action is Action.SCRUB and category is not Category.FREE_TEXT:
        return f"scrub applies to free_text only, not {category}"
    if action is Action.GENERALIZE and protected:
        allowed = GENERALIZABLE.get(category)
        if allowed is None:
            return (
                f"a {category} value has no generalization that hides it "
                "(use mask, hash, redact, null or drop)"
            )
        if generalize_to not in allowed:
            ok = ", ".join(sorted(a for a in allowed if a))
            return f"generalize_to {generalize_to} keeps more of a {category} than allowed ({ok})"
    if generalize_to is not None and action is not Action.GENERALIZE and protected:
        allowed = GENERALIZABLE.get(category, frozenset())
        if generalize_to not in allowed:
            return f"generalize_to {generalize_to} is not allowed for a {category} column"
    if keep_last is not None and keep_last > MAX_KEEP_LAST and protected:
        return f"mask may keep at most {MAX_KEEP_LAST} characters, not {keep_last}"
    return None
