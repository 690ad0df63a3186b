"""spine-harness: contract testing and cutover rehearsals for the NHS Spine.

What users may import is listed in `__all__`; everything else may change.
"""

from __future__ import annotations

from harness.core.compare import Comparator, CompareOptions, compare
from harness.core.difference import Difference, DiffKind, Verdict
from harness.core.exchange import Exchange, Request, Response
from harness.core.rules import NoiseModel, Rule
from harness.errors import HarnessError
from harness.version import __version__

__all__ = [
    "Comparator",
    "CompareOptions",
    "DiffKind",
    "Difference",
    "Exchange",
    "HarnessError",
    "NoiseModel",
    "Request",
    "Response",
    "Rule",
    "Verdict",
    "__version__",
    "compare",
]
