"""Issue 17: the house a newcomer can read — the library has no import circles, does not depend
on its command line, and points nowhere outside the project."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "redactor"


def _modules() -> dict[str, Path]:
    mods = {}
    for p in PACKAGE.rglob("*.py"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = p
    return mods


def _top_level_imports(path: Path, mods: dict[str, Path]) -> set[str]:
    """Modules of the package imported when ``path`` is imported (function-level imports are
    lazy on purpose; ``if TYPE_CHECKING:`` blocks never run)."""
    out: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module in mods:
            out.add(node.module)
            out.update(
                f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in mods
            )
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in mods)
    return out


def test_no_import_circles():
    mods = _modules()
    graph = {m: _top_level_imports(p, mods) - {m} for m, p in mods.items()}
    cycles: list[list[str]] = []

    def visit(m: str, path: list[str], seen: set[str]) -> None:
        for n in sorted(graph[m]):
            if n in path:
                cycles.append([*path[path.index(n) :], n])
            elif n not in seen:
                seen.add(n)
                visit(n, [*path, n], seen)

    done: set[str] = set()
    for m in sorted(graph):
        if m not in done:
            done.add(m)
            visit(m, [m], done)
    assert cycles == []


def test_the_library_does_not_import_its_command_line():
    """Only redactor/cli/ and the entry points (``python -m redactor``, the spark-submit script)
    may import click or redactor.cli: a notebook user of the API never loads the command line."""
    entry_points = {"redactor.__main__", "redactor.spark.submit"}
    offenders = []
    for name, path in _modules().items():
        if name.startswith("redactor.cli") or name in entry_points:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(
            r"^\s*(import click|from click|from redactor\.cli\b|import redactor\.cli\b)", text, re.M
        ):
            offenders.append(name)
    assert offenders == []


def test_nothing_points_outside_the_project():
    pattern = re.compile(r"DESIGN\.md|\.\./shared|shared/research|research/legal-review")
    hits = []
    for path in [
        *PACKAGE.rglob("*.py"),
        *PACKAGE.rglob("*.yaml"),
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "field_maps").glob("*.yaml"),
        ROOT / "README.md",
    ]:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{i}")
    assert hits == []
