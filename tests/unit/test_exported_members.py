"""The public API is what `__all__` lists, both ways (as httpx's tests/test_exported_members.py
checks): every listed name exists, and every public name a package's `__init__` defines or
hands on is listed. For the top-level package and each seam other code builds on."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import pytest

import harness

PUBLIC_PACKAGES = [
    "harness",
    "harness.contracts",
    "harness.domains",
    "harness.engine",
    "harness.generation",
    "harness.rundir",
    "harness.scenario",
    "harness.transport",
]


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    listed = set(module.__all__)
    assert sorted(listed - set(vars(module))) == [], "listed but missing"
    assert sorted(_public_names(module) - listed) == [], "public but not listed in __all__"


def _public_names(module: types.ModuleType) -> set[str]:
    """What the package defines at top level, and what it imports from its own modules to hand
    on (names imported from elsewhere are its own helpers, not API)."""
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text())
    own = module.__name__ + "."
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(own):
            names.update(alias.asname or alias.name for alias in node.names)
    return {n for n in names if not n.startswith("_") and n not in {"T", "annotations"}}


def test_all_is_sorted_and_unique() -> None:
    names = [n for n in harness.__all__ if n != "__version__"]
    assert names == sorted(set(names))
