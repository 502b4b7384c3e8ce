"""``redactor.toml``: the defaults a team repeats (log, map, table, policy, requester office,
output mode, the report's agency name, preparer and attestation).

The file is looked for in the working directory, else in ``$XDG_CONFIG_HOME/redactor/``
(``~/.config/redactor/`` when that is unset); the first found is the one used. A value in it is
overridden by the matching ``REDACTOR_*`` environment variable, which is overridden by a flag.
The values reach each command as click's ``default_map`` (:func:`default_map`), so a command
needs no code for them. An unknown key or a value of the wrong type is a usage error (exit 2)
naming the file and key ("did you mean"). A value typed in the file is a claim like one typed
on the command line: the requesting agency from here is decided exactly as ``--agency`` would
be, and with ``--request ID`` the opened request's own values win.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redactor.errors import UsageError
from redactor.settings import VARIABLES, Settings
from redactor.suggest import did_you_mean

FILE_NAME = "redactor.toml"

#: Commands that take a request (who asks, for which agency, under which packs).
_REQUEST_COMMANDS = ("redact", "sql", "export", "request open")
_LOG_COMMANDS = (
    *_REQUEST_COMMANDS,
    "request review",
    "request show",
    "log list",
    "log show",
    "log verify",
    "log pending",
    "log notified",
    "report",
)


@dataclass(frozen=True, slots=True)
class Key:
    """One key of the file: the option it fills, on which commands, and what overrides it."""

    name: str  # as written in the file; "report.x" is key x of the [report] table
    param: str  # click's parameter name
    option: str  # the flag that overrides it
    commands: tuple[str, ...]
    env: str | None = None  # the environment variable that overrides it
    many: bool = False  # a list (repeatable option)
    path: bool = False  # a file path: relative to the file's directory
    help: str = ""


KEYS: tuple[Key, ...] = (
    Key("log", "log_target", "--log", _LOG_COMMANDS, "REDACTOR_LOG", path=True, help="request log"),
    Key(
        "map",
        "map_path",
        "--map",
        ("redact", "sql", "export"),
        path=True,
        help="reviewed field map",
    ),
    Key("table", "table", "--table", ("redact",), help="which table of the field map"),
    Key(
        "policy",
        "policies",
        "--policy",
        _REQUEST_COMMANDS,
        "REDACTOR_POLICY",
        many=True,
        path=True,
        help="policy pack id(s) or file(s)",
    ),
    Key("agency", "agency", "--agency", _REQUEST_COMMANDS, help="the requesting agency"),
    Key("requester", "requester", "--requester", _REQUEST_COMMANDS, help="who asks"),
    Key(
        "output_mode",
        "output_mode",
        "--output-mode",
        ("redact", "export"),
        help="permissions of outputs",
    ),
    Key(
        "report.agency_name",
        "agency_name",
        "--agency-name",
        ("report",),
        help="reporting agency",
    ),
    Key("report.preparer", "preparer", "--preparer", ("report",), help="who prepares reports"),
    Key("report.attest_name", "attest_name", "--attest-name", ("report",), help="who signs"),
    Key("report.attest_title", "attest_title", "--attest-title", ("report",), help="their title"),
)
KEY_NAMES = tuple(k.name for k in KEYS)
_BY_NAME = {k.name: k for k in KEYS}

#: What each key is when neither flag, variable nor file sets it (None: not set).
DEFAULTS: Mapping[str, str] = {
    "log": "requests.sqlite3 in the user data directory",
    "policy": "the default pack",
    "output_mode": "0600",
}


@dataclass(frozen=True, slots=True)
class Config:
    """A parsed file: its path and its values by key name (paths made absolute)."""

    path: Path | None
    values: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name)


EMPTY = Config(None, {})


def find(cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The file in force: ``./redactor.toml``, else ``$XDG_CONFIG_HOME/redactor/redactor.toml``."""
    env = os.environ if environ is None else environ
    here = (cwd or Path.cwd()) / FILE_NAME
    if here.is_file():
        return here
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    there = Path(base) / "redactor" / FILE_NAME
    return there if there.is_file() else None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and f"{name}." in {n[: len(name) + 1] for n in KEY_NAMES}:
            out.update(_flatten(v, f"{name}."))
        else:
            out[name] = v
    return out


def _is_url(text: str) -> bool:
    return "://" in text


def _check(key: Key, value: Any, where: str, base: Path) -> Any:
    def bad(what: str) -> UsageError:
        return UsageError(f"{where}: {key.name} {what}", hint=f"e.g. {_example(key)}")

    items = value if key.many and isinstance(value, list) else [value]
    if key.many and isinstance(value, list) and not value:
        raise bad("is an empty list")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise bad(f"must be {'a string or a list of strings' if key.many else 'a string'}")
    if key.name == "output_mode":
        try:
            int(value, 8)
        except ValueError:
            raise bad(f"{value!r} is not an octal mode") from None
    cleaned = [i.strip() for i in items]
    if key.path:
        cleaned = [_relative_to(base, i, key) for i in cleaned]
    return tuple(cleaned) if key.many else cleaned[0]


def _relative_to(base: Path, text: str, key: Key) -> str:
    if _is_url(text):
        return text
    p = Path(text).expanduser()
    if key.name == "policy" and p.suffix not in (".yaml", ".yml"):
        return text  # a built-in pack id
    return str(p if p.is_absolute() else base / p)


def _example(key: Key) -> str:
    return {
        "policy": 'policy = ["colorado"]',
        "output_mode": 'output_mode = "0640"',
    }.get(key.name, f'{key.name.split(".")[-1]} = "..."')


def parse(raw: bytes, path: Path) -> Config:
    """The values of a file's text, or a usage error naming the file and the key."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UsageError(
            f"{path}: not valid TOML ({e})", hint="see docs/config.md for the keys"
        ) from None
    values: dict[str, Any] = {}
    for name, value in _flatten(data).items():
        key = _BY_NAME.get(name)
        if key is None:
            close = did_you_mean(name, KEY_NAMES)
            raise UsageError(
                f"{path}: unknown key {name!r}",
                hint=(f"{close} " if close else "") + f"known keys: {', '.join(KEY_NAMES)}",
            )
        values[name] = _check(key, value, str(path), path.parent)
    return Config(path, values)


def load(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """The file at ``path``, else the one :func:`find` finds, else no values."""
    path = path or find(environ=environ)
    if path is None:
        return EMPTY
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read it ({e.strerror})") from None
    return parse(raw, path)


def _from_env(key: Key, settings: Settings) -> Any:
    """The value of ``key``'s variable in ``settings``, or None when it is unset."""
    if key.env is None:
        return None
    field = next(v.field for v in VARIABLES if v.env == key.env)
    return getattr(settings, field) if field in settings.from_env_vars else None


def default_map(config: Config, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """click's ``default_map`` for the ``redactor`` group: ``{"redact": {"log_target": …},
    "request": {"open": {…}}}``. A key whose environment variable is set is left out, so the
    variable (read by the command) wins over the file."""
    settings = Settings.from_env(environ)
    out: dict[str, Any] = {}
    for name, value in config.values.items():
        key = _BY_NAME[name]
        if _from_env(key, settings) is not None:
            continue
        for command in key.commands:
            level = out
            for part in command.split():
                level = level.setdefault(part, {})
            level[key.param] = list(value) if key.many else value
    return out


@dataclass(frozen=True, slots=True)
class InForce:
    """One value in force and where it came from: flag, env, file or default."""

    name: str
    value: Any
    source: str
    where: str | None = None  # the variable or the file

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"key": self.name, "value": value, "source": self.source, "from": self.where}


def in_force(
    config: Config,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[InForce]:
    """Every key with the value a command would use now and its source (a flag given in
    ``flags`` by key name wins over the variable, which wins over the file)."""
    settings = Settings.from_env(environ)
    flags = flags or {}
    out = []
    for key in KEYS:
        if flags.get(key.name) not in (None, ()):
            out.append(InForce(key.name, flags[key.name], "flag", key.option))
        elif (value := _from_env(key, settings)) is not None:
            out.append(InForce(key.name, (value,) if key.many else value, "env", key.env))
        elif key.name in config.values:
            out.append(InForce(key.name, config.values[key.name], "file", str(config.path)))
        else:
            out.append(InForce(key.name, DEFAULTS.get(key.name), "default"))
    return out


__all__ = [
    "DEFAULTS",
    "EMPTY",
    "FILE_NAME",
    "KEYS",
    "Config",
    "InForce",
    "Key",
    "default_map",
    "find",
    "in_force",
    "load",
    "parse",
]
