"""Finding, loading and validating policy packs (YAML shipped in ``redactor/policy/packs``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from redactor.categories import unknown_category_message
from redactor.errors import ConfigError
from redactor.policy.model import Pack
from redactor.suggest import did_you_mean
from redactor.yaml_load import safe_load

# Colorado as in force today: C.R.S. 24-74 as amended by SB25-276 together with the Governor's
# 2020 guidance, the strictest wins (packs/colorado.yaml includes both).
DEFAULT_PACK = "colorado"


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
    """Every built-in pack id (files starting with ``_`` hold shared data, not packs)."""
    return sorted(
        p.name.removesuffix(".yaml")
        for p in _packs_dir().iterdir()
        if p.name.endswith(".yaml") and not p.name.startswith("_")
    )


_CADENCE = {"month": 0, "quarter": 1, "year": 2}


def _merge_included(data: dict, source: str, seen: tuple[str, ...]) -> tuple[dict, bytes]:
    """A pack that ``include``s built-in packs: their rules, exceptions, purposes, evidence
    kinds and recipients together (rule and exception ids prefixed with the pack id they come
    from), the strictest action per category, the stricter reporting duty. Returns the merged
    mapping and the included packs' bytes (hashed with the pack's own)."""
    from redactor.categories import Action, strictest

    names = data.pop("include")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"Policy pack {source} at include: list built-in pack ids")
    ids = builtin_pack_ids()
    raws: list[bytes] = []
    merged: dict = {
        "purposes": {},
        "evidence_kinds": {},
        "evidence_attributes": {},
        "recipients": {},
        "rules": [],
        "exceptions": {},
        "actions": {},
    }
    actions: dict[str, list[Action]] = {}
    report: dict | None = None
    log = "triggered_requests"
    notify = None
    certification = None
    for name in names:
        if name not in ids or name in seen:
            raise ConfigError(
                f"Policy pack {source} at include: {name!r} is not a built-in pack "
                "(or includes itself)"
            )
        raw = (_packs_dir() / f"{name}.yaml").read_bytes()
        raws.append(raw)
        inner = safe_load(raw.decode("utf-8"))
        if "include" in inner:
            inner, more = _merge_included(inner, name, (*seen, name))
            raws.append(more)
        if inner.get("status") != "in_force":
            raise ConfigError(f"Policy pack {source} at include: {name} is not in force")
        for key in ("purposes", "evidence_kinds", "evidence_attributes", "recipients"):
            for k, v in (inner.get(key) or {}).items():
                merged[key].setdefault(k, v)
        for ex_name, ex in (inner.get("exceptions") or {}).items():
            merged["exceptions"][f"{name}.{ex_name}"] = ex
        for rule in inner.get("rules") or []:
            merged["rules"].append(
                {
                    **rule,
                    "id": f"{name}.{rule['id']}",
                    "unless": [f"{name}.{u}" for u in rule.get("unless", [])],
                }
            )
        for cat, act in (inner.get("actions") or {}).items():
            actions.setdefault(cat, []).append(Action(act))
        for flag in ("agency_required", "registry_recipients"):
            merged[flag] = bool(merged.get(flag)) or bool(inner.get(flag))
        ob = inner.get("obligations") or {}
        if ob.get("log", "all_requests") == "all_requests":
            log = "all_requests"
        notify = notify or ob.get("notify_subject")
        certification = certification or ob.get("certification")
        r = ob.get("report")
        if r:
            if report is None:
                report = dict(r)
            else:
                if _CADENCE[r.get("every", "quarter")] < _CADENCE[report.get("every", "quarter")]:
                    report["every"] = r.get("every", "quarter")
                report["attest"] = bool(report.get("attest")) or bool(r.get("attest"))
                tos = [t for t in (report.get("to"), r.get("to")) if t]
                report["to"] = "; ".join(dict.fromkeys(tos)) or None
    merged["actions"] = {c: strictest(a).value for c, a in actions.items()}
    merged["obligations"] = {
        "log": log,
        **({"report": report} if report else {}),
        **({"notify_subject": notify} if notify else {}),
        **({"certification": certification} if certification else {}),
    }
    for key, value in merged.items():
        if key in data and key not in ("notes",):
            raise ConfigError(
                f"Policy pack {source} at {key}: a pack that includes others takes this from them"
            )
        data[key] = value
    return data, b"".join(raws)


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
        data = safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Policy pack {source} is not UTF-8 text") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"Policy pack {source} is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Policy pack {source} must be a YAML mapping")
    digest_of = raw
    if "include" in data:
        data, included = _merge_included(data, source, (str(data.get("id")),))
        digest_of = raw + included
    try:
        pack = Pack.model_validate(data)
    except ValidationError as e:
        raise _format_validation(e, source) from None
    return LoadedPack(pack=pack, sha256=hashlib.sha256(digest_of).hexdigest(), source=source)


def load_pack(name_or_path: str | None = None) -> LoadedPack:
    """Load a built-in pack by id, or a pack file by path.

    With no argument: ``$REDACTOR_POLICY`` if set, else the default pack.
    """
    from redactor.settings import current

    name = name_or_path or current().policy or DEFAULT_PACK
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
    hint = did_you_mean(name, ids) or f"built-in packs: {', '.join(ids)}"
    raise ConfigError(f"Unknown policy pack {name!r}", hint=hint)
