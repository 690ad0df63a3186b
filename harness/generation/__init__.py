"""Generated traffic for rehearsals: schemathesis cases from each contract's interface, the
domain packs' strategies, stateful workflows, and the shrinking of divergences into regression
contracts.

`GeneratedTraffic` (in `traffic`) is the engine's `TrafficSource`; `GenerationOptions` what the
command line fills in. See docs/architecture/generation.md for the modules.
"""

from __future__ import annotations

from harness.generation.options import GenerationOptions
from harness.generation.traffic import GENERATION_FILE, GeneratedTraffic

__all__ = ["GENERATION_FILE", "GeneratedTraffic", "GenerationOptions"]
