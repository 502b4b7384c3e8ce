"""Free text in the report, scrubbed: a report travels further than the log.

The log's error messages never hold a data value by contract, but they may name a file (and a
file name is user data: ``maria_garcia_078-05-1121.csv``) or quote a column name. Before such
text reaches a report, paths, file names, URLs and quoted spans are replaced by a placeholder,
then the free-text scrubber (:mod:`redactor.detect.scrub`: identifiers, dates, person names,
status terms) runs over what is left. The full text stays in the log (``redactor log show``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# a token holding a path separator or a scheme (paths, URLs), then bare file names
_PATH = re.compile(r"(?:[A-Za-z][\w+.-]*://\S*|[^\s:;,'\"`()\[\]]*[/\\][^\s:;,'\"`()\[\]]*)")
_FILE = re.compile(r"[^\s:;,'\"`()\[\]]+\.[A-Za-z][A-Za-z0-9]{0,7}\b")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|‘[^’]*’|“[^”]*”")
PATH_TOKEN, FILE_TOKEN, QUOTED_TOKEN = "[path]", "[file]", "[quoted]"


def _mask(text: str) -> str:
    text = " ".join(text.split())
    text = _QUOTED.sub(QUOTED_TOKEN, text)
    text = _PATH.sub(PATH_TOKEN, text)
    return _FILE.sub(FILE_TOKEN, text)


def scrub_notes(texts: Iterable[str]) -> dict[str, str]:
    """Each distinct text mapped to its scrubbed form (one scrubber pass for all of them)."""
    distinct = list(dict.fromkeys(t for t in texts if t))
    if not distinct:
        return {}
    from redactor.detect.scrub import Scrubber

    masked = [_mask(t) for t in distinct]
    scrubbed = Scrubber(spacy_model=None, names=True).scrub_texts(masked)
    return {t: s or "" for t, s in zip(distinct, scrubbed, strict=True)}
