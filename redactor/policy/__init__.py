"""Policy packs (law as data) and the decisions they make."""

from redactor.policy.decide import CategoryDecision, Decision, decide
from redactor.policy.loader import DEFAULT_PACK, LoadedPack, builtin_pack_ids, load_pack, parse_pack
from redactor.policy.model import Pack

__all__ = [
    "DEFAULT_PACK",
    "CategoryDecision",
    "Decision",
    "LoadedPack",
    "Pack",
    "builtin_pack_ids",
    "decide",
    "load_pack",
    "parse_pack",
]
