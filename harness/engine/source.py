"""The engine's seam: a `TrafficSource` says what to send, and the engine sends it.

Contract replay (`harness.replay`) and generated traffic (`harness.generation`) implement it;
mirrored live traffic, cutover load and messaging are further sources. A source brings:

- its units, phase by phase (`phases`): a phase starts once every unit of the one before it has
  finished (so state-changing traffic never overlaps the reads before it); units stream lazily,
  or arrive as they happen (`harness.shadow`: units as consumers send them);
- the noise models its units index (`Unit.noise`);
- optionally, a refinement of a unit's results after it ran (`refinement()` gives it, or None:
  e.g. shrinking a divergence into a minimal regression contract);
- optionally, an observer of the later messages its units cause (`observer()`, or None: see
  `harness.engine.later`), and how many units of a phase may run at once (`concurrency()`,
  or None: the runner's; units that mostly wait for later messages afford more);
- `close`, called once the run is over (interrupted or not), to write what it kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from harness.core.rules import NoiseModel
from harness.engine.later import LaterObserver
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


def observer_of(source: TrafficSource) -> LaterObserver | None:
    """A source's observer of later messages (None when it has none, or no such method)."""
    method = getattr(source, "observer", None)
    found: LaterObserver | None = method() if callable(method) else None
    return found


def concurrency_of(source: TrafficSource) -> int | None:
    """How many of a source's units may run at once (None: the runner's)."""
    method = getattr(source, "concurrency", None)
    found = method() if callable(method) else None
    return found if isinstance(found, int) and not isinstance(found, bool) else None


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
        observer, concurrency = observer_of(source), concurrency_of(source)
        phases.extend(
            Phase(units, offset, refine, observer, concurrency) for units in source.phases(done)
        )
    return noise, phases
