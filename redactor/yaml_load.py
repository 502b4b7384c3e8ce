"""One safe YAML loader for every file redactor reads (packs, the recipient registry, field
maps, the detection vocabulary).

libyaml's ``CSafeLoader`` (when PyYAML was built with it) parses about ten times faster than
PyYAML's pure-Python ``SafeLoader``: the shipped packs take 20 ms instead of 200 ms at
start-up. The two are not the same parser, though: on unusual text they disagree (a tab inside
a plain scalar, a byte-order mark or a Unicode line separator inside the document, an empty
``!`` tag, a block scalar header followed by ``#``; their error messages are worded
differently too). Redactor's results must not depend on which one is installed, so:

* text holding none of the characters those differences need (:data:`_PURE_ONLY`) goes to
  libyaml;
* anything else, and any text libyaml rejects, goes to the pure-Python loader, so the result
  or the error (with its line, column and wording) is exactly what ``yaml.safe_load`` gives.

``tests/test_startup.py`` checks that every YAML file in the repository loads to equal
objects of the same types both ways, and compares the two on generated text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

#: The fast loader (libyaml's when present, else the pure-Python one).
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Tabs, byte-order marks, NEL and the Unicode line/paragraph separators, tags (``!``), a block
# scalar header run into a comment (``>#``): where libyaml and PyYAML are known to read the
# same text differently.
_PURE_ONLY = re.compile("[\t\ufeff\x85\u2028\u2029!]|[|>][-+0-9]*#")


def _load(text: str, loader: type[yaml.SafeLoader]) -> Any:
    parser = loader(text)
    try:
        return parser.get_single_data()
    finally:
        parser.dispose()


def safe_load(text: str) -> Any:
    """The single YAML document in ``text``, exactly as ``yaml.safe_load`` reads it (no Python
    tags); raises ``yaml.YAMLError`` (with ``problem_mark``) on invalid YAML, as it does."""
    if LOADER is not yaml.SafeLoader and _PURE_ONLY.search(text) is None:
        try:
            return _load(text, LOADER)
        except yaml.YAMLError:
            pass  # the pure-Python loader's verdict and message, below
    return _load(text, yaml.SafeLoader)


__all__ = ["LOADER", "safe_load"]
