"""The house holds to ARCHITECTURE.md: every row of its layer table, no circles, no Spine words
in the generic layers, and a pure core.

The table is read from ARCHITECTURE.md itself, so the picture and the code cannot drift apart:
changing who may import whom means changing the document.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness

PACKAGE = Path(harness.__file__).parent
ROOT = PACKAGE.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

# The core is pure: it imports no I/O module (sockets, processes, HTTP clients, threads).
FORBIDDEN_IN_CORE = {
    "socket",
    "subprocess",
    "asyncio",
    "aiohttp",
    "httpx",
    "uvicorn",
    "starlette",
    "requests",
    "urllib.request",
    "http.client",
    "threading",
    "multiprocessing",
}
# Words that belong to the Spine domain: outside the simulator, the domain packs and the command
# line, nothing is named so and no string (docstrings aside) says so.
SPINE_WORDS = {"nhs", "pds", "eps", "sds", "smsp", "prescription", "prescriptions"}
SPINE_ALLOWED = ("harness/simulator/", "harness/domains/", "harness/cli/")
EVERY_LAYER = frozenset({"harness.errors", "harness.version"})  # the foundation


@dataclass(frozen=True, slots=True)
class Row:
    path: str  # as written: harness/core/ or harness/errors.py
    allowed: frozenset[str] | None  # dotted modules it may import (None: everything)

    @property
    def module(self) -> str:
        path = self.path.removesuffix("/__init__.py").removesuffix("/").removesuffix(".py")
        return path.replace("/", ".")

    def holds(self, module: str) -> bool:
        return module == self.module or module.startswith(self.module + ".")


def layer_table() -> list[Row]:
    rows = []
    in_table = False
    for line in ARCHITECTURE.read_text().splitlines():
        if line.startswith("| package |"):
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            break
        if not in_table or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        path = cells[0].strip("`")
        allowed_text = cells[-1]
        if allowed_text == "everything":
            rows.append(Row(path, None))
            continue
        names = re.findall(r"`([^`]+)`", allowed_text)
        rows.append(Row(path, frozenset("harness." + n.replace("/", ".") for n in names)))
    return rows


def row_of(module: str, rows: list[Row]) -> Row | None:
    exact = [row for row in rows if row.module == module]
    if exact:
        return exact[0]
    found = [row for row in rows if row.holds(module) and row.module != "harness"]
    return max(found, key=lambda row: len(row.module)) if found else None


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every harness module this file imports (at any level, typing-only imports included).

    `from package import name` imports the module `package.name` when there is one, else the
    package itself (a name its `__init__` defines or hands on)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(existing(alias.name, known) or "" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else existing(base, known) or "")
    return {name for name in found if name and name.startswith("harness")}


def existing(name: str, known: set[str]) -> str | None:
    """The module an imported dotted name stands for (the longest known prefix)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    found = dict(modules())
    known = set(found)
    return {module: imports_of(module, path, known) - {module} for module, path in found.items()}


def test_the_table_covers_every_module() -> None:
    rows = layer_table()
    assert len(rows) >= 20, "the layer table was not found in ARCHITECTURE.md"
    orphans = [module for module, _ in modules() if row_of(module, rows) is None]
    assert orphans == [], "add a row to ARCHITECTURE.md's table for these"


def test_every_row_of_the_table_holds() -> None:
    rows = layer_table()
    offenders = []
    for module, targets in sorted(graph().items()):
        row = row_of(module, rows)
        assert row is not None
        if row.allowed is None:
            continue
        for target in sorted(targets):
            target_row = row_of(target, rows)
            if target_row is row or target_row is None:
                continue
            allowed = row.allowed | EVERY_LAYER
            if not any(target == a or target.startswith(a + ".") for a in allowed):
                offenders.append(f"{module} ({row.path}) imports {target} ({target_row.path})")
    assert offenders == []


def test_no_files_import_each_other_in_a_circle() -> None:
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert circles == []


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {word.lower() for word in re.split(r"[^A-Za-z]+", spaced) if word}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def test_no_spine_words_in_the_generic_layers() -> None:
    offenders = []
    for _, path in modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(SPINE_ALLOWED):
            continue
        tree = ast.parse(path.read_text())
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            texts: list[str] = []
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in docs:
                    texts.append(node.value)
            elif isinstance(node, ast.Name):
                texts.append(node.id)
            elif isinstance(node, ast.Attribute):
                texts.append(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                texts.append(node.name)
            elif isinstance(node, ast.arg):
                texts.append(node.arg)
            elif isinstance(node, ast.alias):
                texts.append(node.asname or node.name)
            for text in texts:
                if _words(text) & SPINE_WORDS:
                    offenders.append(f"{relative}:{getattr(node, 'lineno', '?')}: {text[:60]!r}")
    assert offenders == []


@pytest.mark.parametrize("text", ["nhsNumber", "pds_base", "EpsWorkflow", "PRESCRIPTION_ID"])
def test_the_spine_word_check_sees_identifiers_in_every_style(text: str) -> None:
    assert _words(text) & SPINE_WORDS


def test_the_spine_word_check_leaves_other_words_alone() -> None:
    assert not _words("steps_data") & SPINE_WORDS
    assert not _words("keepsDelta epsilon") & SPINE_WORDS


def test_core_imports_no_io_module() -> None:
    offenders = []
    for module, path in modules():
        if not module.startswith("harness.core"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_CORE):
                    offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_core_does_not_open_files() -> None:
    offenders = []
    for module, path in modules():
        if not module.startswith("harness.core"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                offenders.append(module)
    assert offenders == []


def test_a_broken_row_would_be_found(tmp_path: Path) -> None:
    """The check can fail: a lower layer importing a higher one is reported."""
    rows = layer_table()
    core = row_of("harness.core.exchange", rows)
    assert core is not None and core.allowed is not None
    assert not any("harness.engine".startswith(a) for a in core.allowed)
    assert row_of("harness.domains.spine.builtins", rows) is not row_of("harness.domains", rows)
