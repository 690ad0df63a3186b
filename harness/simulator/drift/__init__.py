"""Drift: declared divergences a candidate injects (`harness simulate --drift FILE`).

A profile (YAML, see `profile.py`) lists entries scoped to an operation and optionally to a
request predicate, each with one effect (`effects.py`). `DriftMiddleware` applies them.
"""

from __future__ import annotations

from harness.simulator.drift.middleware import DriftMiddleware
from harness.simulator.drift.profile import (
    FORMAT_VERSION,
    DriftEntry,
    DriftProfile,
    Predicate,
    load_profile,
)
from harness.simulator.drift.spec import PARSERS as EFFECT_KINDS

__all__ = [
    "EFFECT_KINDS",
    "FORMAT_VERSION",
    "DriftEntry",
    "DriftMiddleware",
    "DriftProfile",
    "Predicate",
    "load_profile",
]
