"""The vocabulary: what a field *is* (Category) and what may be done to it (Action)."""

from __future__ import annotations

from enum import StrEnum

from redactor.suggest import closest


class Category(StrEnum):
    NAME = "name"
    BIRTH_DATE = "birth_date"
    SSN = "ssn"
    ITIN = "itin"
    DRIVERS_LICENSE = "drivers_license"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    PLACE_OF_BIRTH = "place_of_birth"
    IMMIGRATION_STATUS = "immigration_status"
    STATUS_PROXY = "status_proxy"
    PHOTO = "photo"
    FREE_TEXT = "free_text"
    NONE = "none"

    @classmethod
    def parse(cls, value: str) -> Category:
        """Return the category named ``value`` or raise ValueError with a suggestion."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(unknown_category_message(value)) from None


def unknown_category_message(value: str) -> str:
    names = [c.value for c in Category]
    close = closest(str(value).lower(), names, cutoff=0.5)
    hint = f" — did you mean {close}?" if close else f" (known: {', '.join(names)})"
    return f"Unknown category {value!r}{hint}"


PROTECTED: frozenset[Category] = frozenset(c for c in Category if c is not Category.NONE)


class Action(StrEnum):
    """What happens to a column's values.

    ``release`` keeps values as they are; every other action withholds them in part or whole.
    ``refuse`` is a whole-request outcome, never applied to a single column.
    """

    RELEASE = "release"
    DROP = "drop"
    NULL = "null"
    REDACT = "redact"
    MASK = "mask"
    HASH = "hash"
    GENERALIZE = "generalize"
    SCRUB = "scrub"
    REFUSE = "refuse"

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]

    @classmethod
    def parse(cls, value: str) -> Action:
        try:
            return cls("release" if value.strip().lower() == "keep" else value.strip().lower())
        except ValueError:
            names = [a.value for a in cls] + ["keep"]
            close = closest(str(value).lower(), names, cutoff=0.5)
            hint = f" — did you mean {close}?" if close else f" (known: {', '.join(names)})"
            raise ValueError(f"Unknown action {value!r}{hint}") from None


# Higher withholds more. When several rules or packs apply, the strictest action wins.
_STRICTNESS: dict[Action, int] = {
    Action.RELEASE: 0,
    Action.SCRUB: 1,
    Action.GENERALIZE: 2,
    Action.MASK: 3,
    Action.HASH: 4,
    Action.REDACT: 5,
    Action.NULL: 6,
    Action.DROP: 7,
    Action.REFUSE: 8,
}


def strictest(actions: list[Action] | tuple[Action, ...]) -> Action:
    return max(actions, key=lambda a: a.strictness) if actions else Action.RELEASE
