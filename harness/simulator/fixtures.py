"""Reading the simulator's JSON fixtures: one rule for a missing file, bad JSON and the version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def read_fixture(path: Path, what: str, format_version: int) -> dict[str, Any]:
    """The fixture's top-level object; HarnessError naming the file (and line or field)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarnessError(f"{what} not found", file=str(path)) from None
    except json.JSONDecodeError as error:
        raise HarnessError(
            f"invalid JSON: {error.msg}", file=str(path), line=error.lineno
        ) from None
    if not isinstance(document, dict) or document.get("format_version") != format_version:
        raise HarnessError(
            f"unsupported format_version (expected {format_version})",
            file=str(path),
            field="format_version",
        )
    return document
