"""The core is pure: it must not import sockets, files-as-I/O, processes or HTTP clients."""

from __future__ import annotations

import ast
from pathlib import Path

import harness

FORBIDDEN = {
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
    "harness.transport",
    "harness.simulator",
    "harness.cli",
    "harness.serving",
}

CORE = Path(harness.__file__).parent / "core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_io_module() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
                offenders.append(f"{path.relative_to(CORE.parent)} imports {name}")
    assert offenders == []


def test_core_does_not_open_files() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                offenders.append(str(path))
    assert offenders == []
