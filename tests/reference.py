"""Where the public NHS reference material (`shared/reference/`) is, when it is on this machine.

It sits beside the repository in CI and on the developers' machines (`../shared`), never on a
user's machine: tests that need it skip and say so. `HARNESS_SHARED_DIR` overrides the place.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    chosen = os.environ.get("HARNESS_SHARED_DIR")
    if chosen:
        return Path(chosen)
    for candidate in (_REPO.parent / "shared", Path("/work/shared")):
        if (candidate / "reference").is_dir():
            return candidate
    return _REPO.parent / "shared"


REFERENCE = _shared() / "reference"
