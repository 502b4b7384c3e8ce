"""The field-map file format as data: pydantic models of what a reviewed YAML map may say.

Field maps are validated with the same library as policy packs (:mod:`redactor.policy.model`);
:mod:`redactor.fieldmap` builds the lookup objects (:class:`~redactor.fieldmap.FieldMap`) from a
validated :class:`MapDoc`. A map cannot weaken a mask: every column is checked by
:func:`redactor.actions_rules.action_problem`, the rule a pack's default actions are checked by.

A map that does not validate is reported as one :class:`~redactor.errors.ConfigError` in the
map's own words: the first problem in the order a reviewer reads the file (the keys a mapping
may not have before anything inside it, then its keys in order), the key path, the file and a
fix (``Unknown key 'acton' at tables.drivers.columns.SSN.acton in field map maps/dmv.yaml``,
``hint: did you mean action?``). :func:`validate_map` is the one entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from redactor.actions_rules import action_problem
from redactor.categories import PROTECTED, Action, Category, unknown_category_message
from redactor.colnames import name_key
from redactor.errors import ConfigError
from redactor.suggest import did_you_mean

GeneralizeTo = Literal["year", "city", "zip3", "zip5", "state"]

KEEP_LAST_RANGE = (0, 8)  # what keep_last may say at all

_PROBLEM = "field_map"  # the error type of every problem raised here in the map's own words


def _problem(message: str, hint: str | None = None, tail: str = "") -> PydanticCustomError:
    """A validation problem already worded for the reviewer (``tail`` follows the file name)."""
    return PydanticCustomError(
        _PROBLEM, "{message}", {"message": message, "hint": hint or "", "tail": tail}
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


#: A free-text field (a description or a note): kept as written, read as text.
Text = Annotated[str | None, BeforeValidator(_text)]

#: How many characters a mask keeps (the action rule then allows at most
#: :data:`redactor.actions_rules.MAX_KEEP_LAST` of a protected value).
KeepLast = Annotated[StrictInt, Field(ge=KEEP_LAST_RANGE[0], le=KEEP_LAST_RANGE[1])]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _keys_as_text(cls, value: object) -> object:
        """YAML keys may be numbers, booleans or null; a map's keys are read as text."""
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items()}
        return value


class ColumnDoc(_Doc):
    """One column: a category, and optionally an action (stricter than the pack's) with options.

    In YAML a bare category (``FRST_NM: name``) says the category alone.
    """

    category: Category
    action: Action | None = None  # overrides the pack's default action for the category
    keep_last: KeepLast | None = None  # for mask
    generalize_to: GeneralizeTo | None = None  # for generalize
    note: Text = None

    @model_validator(mode="before")
    @classmethod
    def _bare_category(cls, value: object) -> object:
        if isinstance(value, str) or value is None:
            return {"category": value}
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> Category:
        if not isinstance(value, str):
            raise _problem("Missing category")
        try:
            return Category.parse(value)
        except ValueError:
            head = f"Unknown category {value!r}"
            rest = unknown_category_message(value).removeprefix(head)
            if rest.startswith(" — "):  # "— did you mean birth_date?" follows the file name
                raise _problem(head, tail=rest) from None
            raise _problem(head, hint=rest.strip().removeprefix("(").removesuffix(")")) from None

    @field_validator("action", mode="before")
    @classmethod
    def _action(cls, value: object, info: ValidationInfo) -> Action | None:
        if value is None:
            return None
        try:
            action = Action.parse(str(value))
        except ValueError as e:
            raise _problem(str(e)) from None
        if action is Action.REFUSE:
            raise _problem(
                "'refuse' applies to whole requests, not columns",
                "mark the table sensitive_table: true instead",
            )
        category = info.data.get("category")
        if action is Action.RELEASE and category in PROTECTED:
            raise _problem(
                f"A {category} column cannot be overridden to release",
                "if the column is not personal data, give it category none",
            )
        return action

    @model_validator(mode="after")
    def _no_weaker_than_the_pack(self) -> ColumnDoc:
        problem = action_problem(
            self.category, self.action, keep_last=self.keep_last, generalize_to=self.generalize_to
        )
        if problem is not None:
            raise _problem(
                f"This map would weaken a mask: {problem}",
                "a field map may only withhold more than the policy pack, never less",
            )
        return self


def _first_name_problem(
    names: list[object], *, empty: str | None
) -> tuple[int, object, PydanticCustomError | None] | None:
    """Where the first of ``names`` (YAML keys, as written) is empty (as read) or repeats an
    earlier one: its position, the name and, for an empty name, the problem (a repeat is worded
    by the caller)."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        key = name_key(str(name))
        if not key and empty is not None:
            return i, name, _problem(empty)
        if key in seen:
            return i, name, None
        seen.add(key)
    return None


def _repeated(name: object, message: str) -> ValidationError:
    """A repeated name, reported at the repeat's own key path."""
    return ValidationError.from_exception_data(
        "FieldMap", [{"type": _problem(message), "loc": (str(name),), "input": name}]
    )


class TableDoc(_Doc):
    """One table: its columns, and whether the whole table is sensitive."""

    sensitive_table: StrictBool = False
    columns: dict[str, ColumnDoc] = {}
    description: Text = None

    @field_validator("columns", mode="wrap")
    @classmethod
    def _columns_in_order(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        """Columns as listed: an empty or repeated name (case, invisible characters and
        look-alike letters ignored) is reported where it stands, after any problem above it."""
        value = value or {}
        if not isinstance(value, Mapping):
            return handler(value)
        items = [(str(k), v) for k, v in value.items()]
        found = _first_name_problem(list(value), empty="A column name is empty")
        if found is None:
            return handler(dict(items))
        i, name, empty = found
        handler(dict(items[:i]))  # a problem in a column above comes first
        if empty is not None:
            raise empty
        raise _repeated(
            name,
            f"Column {name!r} is listed twice (names match as read: case, invisible "
            "characters and look-alike letters are ignored)",
        )


class MapDoc(_Doc):
    """A whole field map: its name and its tables."""

    name: str
    description: Text = None
    tables: Annotated[dict[str, TableDoc], Field(min_length=1)]

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _problem("Missing or empty name")
        return value.strip()

    @field_validator("tables", mode="wrap")
    @classmethod
    def _tables_in_order(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        """Tables as listed: a repeated name is reported after the table that repeats it."""
        if not isinstance(value, Mapping):
            return handler(value)
        items = [(str(k), v) for k, v in value.items()]
        found = _first_name_problem(list(value), empty=None)
        if found is None:
            return handler(dict(items))
        i, name, _ = found
        handler(dict(items[:i]))  # a problem in a table above comes first,
        handler(dict(items[i : i + 1]))  # then one inside the repeat
        raise _repeated(name, f"Table {name!r} is listed twice")


# --- errors in the map's own words --------------------------------------------------------------

#: Which model each depth of a key path is in: () the map, ("tables", t) a table,
#: ("tables", t, "columns", c) a column.
_NODES: dict[int, str] = {0: "map", 2: "table", 4: "column"}

_ONE_OF = ", ".join(get_args(GeneralizeTo))
_COLUMN_KEYS = sorted(ColumnDoc.model_fields)

#: What pydantic's own errors mean, by node and field ("" the node itself): message, hint.
_SAYS: dict[tuple[str, str], Callable[[Any], tuple[str, str | None]]] = {
    ("map", ""): lambda _: ("A field map must be a YAML mapping with 'name' and 'tables'", None),
    ("map", "name"): lambda _: ("Missing or empty name", None),
    ("map", "tables"): lambda _: ("A field map needs at least one table", None),
    ("table", ""): lambda _: ("A table must be a mapping with 'columns'", None),
    ("table", "sensitive_table"): lambda _: ("sensitive_table must be true or false", None),
    ("table", "columns"): lambda _: ("columns must be a mapping of column: category", None),
    ("column", ""): lambda _: (
        "A column must be a category name or a mapping with 'category'",
        None,
    ),
    ("column", "category"): lambda _: ("Missing category", None),
    ("column", "keep_last"): lambda _: (
        f"keep_last must be a whole number from {KEEP_LAST_RANGE[0]} to {KEEP_LAST_RANGE[1]}",
        None,
    ),
    ("column", "generalize_to"): lambda bad: (
        f"Unknown generalize_to {bad!r}",
        f"one of {_ONE_OF}",
    ),
}

#: Fields whose problems are reported at the node they are in (a column's category is the column).
_AT_NODE = frozenset({("column", "category")})

#: What a key a node may not have is told, by node: message, hint.
_UNKNOWN_KEY: dict[str, Callable[[str], tuple[str, str | None]]] = {
    "map": lambda _: ("Unknown key", "top-level keys are name, description, tables"),
    "table": lambda key: (
        f"Unknown key {key!r}",
        "table keys are columns, sensitive_table, description",
    ),
    "column": lambda key: (
        f"Unknown key {key!r}",
        did_you_mean(key, _COLUMN_KEYS) or f"keys: {', '.join(_COLUMN_KEYS)}",
    ),
}


def _first(errors: list[Any]) -> Any:
    """The problem a reviewer reading the file meets first. pydantic lists a model's fields in
    order, then the keys it may not have; a reviewer (and the message) sees those keys first:
    the unknown key (alphabetically first) of the outermost mapping around the first problem."""
    head = errors[0]
    unknown = [
        e
        for e in errors
        if e["type"] == "extra_forbidden"
        and tuple(head["loc"][: len(e["loc"]) - 1]) == e["loc"][:-1]
    ]
    if not unknown:
        return head
    return min(unknown, key=lambda e: (len(e["loc"]), str(e["loc"][-1])))


def map_error(e: ValidationError, source: str) -> ConfigError:
    """One message for a map that does not validate: what, the key path, the file, a fix."""
    err = _first(e.errors())
    loc = tuple(str(x) for x in err["loc"])
    depth = len(loc) if len(loc) in _NODES else len(loc) - 1  # of the node the error is in
    node, field = _NODES[depth], (loc[-1] if depth < len(loc) else "")
    tail = ""
    if err["type"] == _PROBLEM:
        ctx = err["ctx"]
        message, hint, tail = ctx["message"], ctx["hint"] or None, ctx["tail"]
    elif err["type"] == "extra_forbidden":
        message, hint = _UNKNOWN_KEY[node](field)
    else:
        says = _SAYS.get((node, field), lambda _: (err["msg"], None))
        message, hint = says(err.get("input"))
    if (node, field) in _AT_NODE:
        loc = loc[:depth]
    path = ".".join(loc)
    where = f" at {path}" if path else ""
    return ConfigError(f"{message}{where} in field map {source}{tail}", hint=hint)


def validate_map(data: object, source: str) -> MapDoc:
    """The validated document, or the first problem as a :class:`ConfigError`."""
    try:
        return MapDoc.model_validate(data)
    except ValidationError as e:
        raise map_error(e, source) from None
