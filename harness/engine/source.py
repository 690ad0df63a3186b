"""The engine's seam: a `TrafficSource` says what to send, and the engine sends it.

Contract replay (`harness.replay`) and generated traffic (`harness.generation`) implement it;
mirrored live traffic, cutover load and messaging are further sources. A source brings:

- its units, phase by phase (`phases`): a phase starts once every unit of the one before it has
  finished (so state-changing traffic never overlaps the reads before it); units stream lazily,
  or arrive as they happen (`harness.shadow`: units as consumers send them);
- the noise models its units index (`Unit.noise`);
- optionally, a refinement of a unit's results after it ran (`refinement()` gives it, or None:
  e.g. shrinking a divergence into a minimal regression contract);
- `close`, called once the run is over (interrupted or not), to write what it kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from harness.core.rules import NoiseModel
from harness.engine.plan import Unit
from harness.engine.runner import Phase, Refine


@runtime_checkable
class TrafficSource(Protocol):
    name: str

    def noise(self) -> Sequence[NoiseModel]:
        """The noise models its units index with `Unit.noise`."""
        ...

    def phases(self, done: Collection[str]) -> Sequence[Iterable[Unit] | AsyncIterator[Unit]]:
        """The units still to run (ids in `done` already have results), phase by phase; a
        phase whose units arrive while the run goes on (mirrored live traffic) is an async
        iterator that several workers may await at once (see `Phase`)."""
        ...

    def refinement(self) -> Refine | None:
        """What improves a unit's results after it ran (a shrunk reproducer), or None."""
        return None

    def close(self, report_dir: Path | None) -> None:
        """The run is over: write what the source kept beside the report (if any)."""
        return None


def phases_of(
    sources: Sequence[TrafficSource], done: Collection[str] = ()
) -> tuple[list[NoiseModel], list[Phase]]:
    """Every source's noise models as one list (a source's start where the one before ends),
    and every source's phases in order, each knowing where its noise models start."""
    noise: list[NoiseModel] = []
    phases: list[Phase] = []
    for source in sources:
        offset = len(noise)
        noise.extend(source.noise())
        refine = source.refinement()
        phases.extend(Phase(units, offset, refine) for units in source.phases(done))
    return noise, phases
