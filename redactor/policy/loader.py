"""Finding, loading and validating policy packs (YAML shipped in ``redactor/policy/packs``)."""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from redactor.categories import unknown_category_message
from redactor.errors import ConfigError
from redactor.policy.model import Pack

DEFAULT_PACK = "colorado-2020"


@dataclass(frozen=True, slots=True)
class LoadedPack:
    pack: Pack
    sha256: str
    source: str

    @property
    def ref(self) -> dict[str, str]:
        return {"id": self.pack.id, "version": self.pack.version, "sha256": self.sha256}


def _packs_dir() -> resources.abc.Traversable:
    return resources.files("redactor.policy") / "packs"


def builtin_pack_ids() -> list[str]:
    return sorted(
        p.name.removesuffix(".yaml") for p in _packs_dir().iterdir() if p.name.endswith(".yaml")
    )


def _format_validation(e: ValidationError, source: str) -> ConfigError:
    err = e.errors()[0]
    path = ".".join(str(x) for x in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    bad = err.get("input")
    if err["type"] == "enum" and isinstance(bad, str):
        ctx = err.get("ctx", {}).get("expected", "")
        if "birth_date" in ctx:  # a Category field
            msg = unknown_category_message(bad)
    extra = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    return ConfigError(f"Invalid policy pack {source} at {path}: {msg}{extra}")


def parse_pack(raw: bytes, source: str) -> LoadedPack:
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Policy pack {source} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"Policy pack {source} is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Policy pack {source} must be a YAML mapping")
    try:
        pack = Pack.model_validate(data)
    except ValidationError as e:
        raise _format_validation(e, source) from None
    return LoadedPack(pack=pack, sha256=hashlib.sha256(raw).hexdigest(), source=source)


def load_pack(name_or_path: str | None = None) -> LoadedPack:
    """Load a built-in pack by id, or a pack file by path.

    With no argument: ``$REDACTOR_POLICY`` if set, else the default pack.
    """
    name = name_or_path or os.environ.get("REDACTOR_POLICY") or DEFAULT_PACK
    ids = builtin_pack_ids()
    if name in ids:
        res = _packs_dir() / f"{name}.yaml"
        return parse_pack(res.read_bytes(), f"{name} (built-in)")
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or p.exists():
        try:
            raw = p.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"Policy pack file {p} does not exist") from None
        except OSError as e:
            raise ConfigError(f"Cannot read policy pack {p}: {e.strerror}") from None
        return parse_pack(raw, str(p))
    close = difflib.get_close_matches(name, ids, n=1)
    hint = f"did you mean {close[0]}?" if close else f"built-in packs: {', '.join(ids)}"
    raise ConfigError(f"Unknown policy pack {name!r}", hint=hint)
