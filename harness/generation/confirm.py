"""Confirm before you save: a divergence is sent again, and only a real one is kept.

The failing case (a generated request, or a stateful script up to its last failing step) is run
`CONFIRM_RUNS` more times on both targets through the shrinking probe (symmetric sends: both
targets see the same history, so even a state-changing case may be sent again). Then:

- legacy's answers in the runs are compared with each other, step by step (what each run was
  sent where the runs differ - fresh ids, each run's own allocated ids in later paths - is read
  as the same meaning): a divergence path where legacy disagrees with itself is noise, and goes;
- the candidate reproduces the divergence in a run when that run diverges at a remaining path.

Only a divergence that legacy agrees with itself on and the candidate reproduced in every run
becomes a regression contract; one reproduced in some runs is `intermittent`, in none `not
reproduced`; both are reported with their counts and nothing is written.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.core.canonical.sides import CompareContext
from harness.core.difference import Difference, request_swaps
from harness.core.exchange import Response
from harness.core.result import ResultRecord
from harness.engine import Judge
from harness.engine.judge import same_meaning_removed_for
from harness.engine.live_noise import covered_by
from harness.engine.unit import ReplayedStep
from harness.generation.shrink import signature

CONFIRM_RUNS = 3


class Status(enum.StrEnum):
    CONFIRMED = "confirmed"  # legacy stable, the candidate reproduced it in every run
    NOISE = "noise"  # legacy disagreed with itself at every divergence path
    INTERMITTENT = "intermittent"  # reproduced in some runs only
    NOT_REPRODUCED = "not reproduced"  # in none


@dataclass(frozen=True, slots=True)
class SelfDisagreement:
    """Legacy's own differences at one failing step between two runs (for the live counts)."""

    record: str  # the failing record's id
    service: str
    operation: str
    raw: tuple[Difference, ...]
    own: tuple[Difference, ...]
    answers: tuple[Response, Response]


@dataclass(frozen=True, slots=True)
class Confirmation:
    runs: int
    reproduced: int  # runs in which the candidate diverged at a remaining path
    noise: Mapping[str, frozenset[str]]  # failing record id -> its paths that are legacy's noise
    remaining: frozenset[str]  # the signature once noise is gone
    evidence: tuple[SelfDisagreement, ...] = field(default_factory=tuple)

    @property
    def status(self) -> Status:
        if not self.remaining:
            return Status.NOISE
        if self.reproduced == self.runs:
            return Status.CONFIRMED
        return Status.INTERMITTENT if self.reproduced else Status.NOT_REPRODUCED

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "runs": self.runs,
            "reproduced": self.reproduced,
            "legacy_noise": sorted({p for paths in self.noise.values() for p in paths}),
        }


def confirm(
    judge: Judge,
    noise: int,
    failing: Sequence[ResultRecord],
    runs: Sequence[Sequence[ReplayedStep]],
    position: Mapping[str, int],
) -> Confirmation:
    """Weigh confirmation runs of a failing case. `position` maps each failing record's id to
    the index of its step in a run."""
    noisy: dict[str, set[str]] = {record.id: set() for record in failing}
    evidence: list[SelfDisagreement] = []
    reference = runs[0] if runs else ()
    for other in runs[1:]:
        swaps = _run_swaps(reference, other)
        for record in failing:
            index = position.get(record.id)
            if index is None or index >= len(reference) or index >= len(other):
                continue
            first, second = reference[index], other[index]
            if not isinstance(first.legacy, Response) or not isinstance(second.legacy, Response):
                continue
            comparator = judge.comparator(noise, record.operation, record.service)
            context = CompareContext(
                first.legacy_request, second.legacy_request, swaps[0], swaps[1]
            )
            own = comparator.compare(first.legacy, second.legacy, context)
            own = same_meaning_removed_for(own, context) if own else own
            raw = tuple(
                Difference(d.path, d.kind, d.legacy, d.candidate)
                for d in record.differences
                if d.waiver is None
            )
            unstable = {d.path: d for d in own}
            answers = (first.legacy, second.legacy)
            noisy[record.id].update(d.path for d in raw if covered_by(d, unstable, answers))
            evidence.append(
                SelfDisagreement(
                    record.id,
                    record.service,
                    record.operation,
                    raw,
                    tuple(own),
                    (first.legacy, second.legacy),
                )
            )
    remaining = signature(_without(record, noisy[record.id]) for record in failing)
    reproduced = sum(1 for run in runs if signature(step.record for step in run) & remaining)
    return Confirmation(
        len(runs),
        reproduced if remaining else 0,
        {key: frozenset(paths) for key, paths in noisy.items()},
        remaining,
        tuple(evidence),
    )


def _without(record: ResultRecord, paths: set[str]) -> ResultRecord:
    from dataclasses import replace

    return replace(record, differences=tuple(d for d in record.differences if d.path not in paths))


def _run_swaps(
    first: Sequence[ReplayedStep], second: Sequence[ReplayedStep]
) -> tuple[dict[str, str], dict[str, str]]:
    """What two runs sent legacy differently, step after step (fresh values, each run's own
    allocated ids carried into later requests), as one pair of maps."""
    ours: dict[str, str] = {}
    theirs: dict[str, str] = {}
    for number, (a, b) in enumerate(zip(first, second, strict=False)):
        if a.legacy_request is None or b.legacy_request is None:
            continue
        left, right = request_swaps(a.legacy_request, b.legacy_request)
        for where, value in left.items():
            ours[f"{number}:{where}"] = value
            theirs[f"{number}:{where}"] = right[where]
    return ours, theirs
