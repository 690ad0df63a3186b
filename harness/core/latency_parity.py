"""Latency parity by statistics: is the candidate slower than legacy, per operation?

Per operation, from each side's timings (a seeded reservoir sample, `harness.core.reservoir`):

- **test**: Mann-Whitney U, two-sided (`scipy.stats.mannwhitneyu`, normal approximation with the
  tie and continuity corrections): do the two samples come from one distribution?
- **false discovery rate**: the p-values of all operations judged together are adjusted with
  Benjamini-Hochberg (`scipy.stats.false_discovery_control`): `q`. Twenty operations tested at
  5% would otherwise give one "slower" per run from noise alone.
- **size of the shift**: the Hodges-Lehmann estimate (median of the pairwise differences candidate
  - legacy) and its distribution-free 95% interval (`harness.core.shift`).
- **effect-size floor**: a shift counts only beyond both `min_shift_ms` and `min_shift_relative`
  of legacy's median (5 ms and 10% by default): a 2 ms change on a 300 ms call is not a
  regression however many samples prove it.

Verdict, as Kayenta's Mann-Whitney classifier decides "High": `slower` when q <= `alpha` and the
whole interval lies beyond the floor (its lower end above it); `faster` the mirror image; `same`
otherwise; `insufficient` when either side has fewer than `min_samples` timings. Requiring the
interval (not only the estimate) beyond the floor is what keeps timings taken in bursts, which
are not independent draws, from being read as a regression: the interval has to clear the floor.

**warm-up**: the timings of a rehearsal's first `warmup_results` results (32: one batch at the
default concurrency) are left out. They measure cold servers: first-touch initialisation and
connection set-up, during which a whole batch of requests waits on one target (a demo run had
16 candidate timings of one operation all within 0.3 ms of 24.8 ms, legacy's at 6 to 7 ms).

`min_samples` is 10 per side: below that the normal approximation of U (which gives both p and
the interval's ranks) drifts from the exact distribution, and below 6 per side even two fully
separated samples (exact p = 2 / C(2n, n)) cannot pass Benjamini-Hochberg over 20 operations.
Larger minimums (say 20) would leave most operations of a small rehearsal without a verdict.

Timings are compared in whole microseconds (results.jsonl holds them at that resolution), so the
pairwise differences are exact integers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from harness.core.reservoir import OperationTimings, Reservoir
from harness.core.shift import Shift, hodges_lehmann


class LatencyVerdict(enum.StrEnum):
    SAME = "same"
    SLOWER = "slower"
    FASTER = "faster"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
class LatencyCriteria:
    alpha: float = 0.05  # the false discovery rate across operations
    confidence: float = 0.95  # of the shift's interval
    min_samples: int = 10  # per side
    min_shift_ms: float = 5.0
    min_shift_relative: float = 0.10  # of legacy's median
    warmup_results: int = 32  # a rehearsal's first results carry no timing into the verdict

    def floor_ms(self, legacy_median_ms: float) -> float:
        """The smallest shift that counts: beyond both the absolute and the relative floor."""
        return max(self.min_shift_ms, self.min_shift_relative * legacy_median_ms)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "alpha": self.alpha,
            "confidence": self.confidence,
            "min_samples": self.min_samples,
            "min_shift_ms": self.min_shift_ms,
            "min_shift_relative": self.min_shift_relative,
            "warmup_results": self.warmup_results,
        }


@dataclass(frozen=True, slots=True)
class LatencyParity:
    """One operation's latency verdict and its evidence (milliseconds)."""

    verdict: LatencyVerdict
    n_legacy: int  # every timing after the warm-up
    n_candidate: int
    sampled_legacy: int  # the timings the statistics used (a uniform sample past the reservoir)
    sampled_candidate: int
    shift_ms: float | None = None  # Hodges-Lehmann: candidate - legacy, positive is slower
    ci_ms: tuple[float, float] | None = None
    p: float | None = None
    q: float | None = None  # Benjamini-Hochberg adjusted across the operations judged
    floor_ms: float | None = None  # the shift that counts, from legacy's median

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict.value,
            "shift_ms": _ms(self.shift_ms),
            "ci_ms": None if self.ci_ms is None else [_ms(self.ci_ms[0]), _ms(self.ci_ms[1])],
            "p": _significant(self.p),
            "q": _significant(self.q),
            "floor_ms": _ms(self.floor_ms),
            "n_legacy": self.n_legacy,
            "n_candidate": self.n_candidate,
            "sampled_legacy": self.sampled_legacy,
            "sampled_candidate": self.sampled_candidate,
        }


@dataclass(frozen=True, slots=True)
class _Tested:
    p: float
    shift: Shift  # microseconds
    legacy_median_us: float


def judge_latency(
    timings: Mapping[tuple[str, str], OperationTimings],
    criteria: LatencyCriteria | None = None,
) -> dict[tuple[str, str], LatencyParity]:
    """A verdict per (service, operation); the false discovery rate is controlled over all."""
    criteria = criteria or LatencyCriteria()
    tested: dict[tuple[str, str], _Tested] = {}
    for key, sides in timings.items():
        if min(sides.legacy.sampled, sides.candidate.sampled) >= criteria.min_samples:
            tested[key] = _test(
                _microseconds(sides.legacy), _microseconds(sides.candidate), criteria.confidence
            )
    adjusted = _benjamini_hochberg([t.p for t in tested.values()])
    q_of = dict(zip(tested, adjusted, strict=True))
    out = {}
    for key, sides in timings.items():
        counts = (
            sides.legacy.count,
            sides.candidate.count,
            sides.legacy.sampled,
            sides.candidate.sampled,
        )
        result = tested.get(key)
        if result is None:
            out[key] = LatencyParity(LatencyVerdict.INSUFFICIENT, *counts)
            continue
        shift = Shift(
            result.shift.estimate / 1000, result.shift.low / 1000, result.shift.high / 1000
        )
        floor = criteria.floor_ms(result.legacy_median_us / 1000)
        q = q_of[key]
        out[key] = LatencyParity(
            _verdict(shift, q, floor, criteria.alpha),
            *counts,
            shift_ms=shift.estimate,
            ci_ms=(shift.low, shift.high),
            p=result.p,
            q=q,
            floor_ms=floor,
        )
    return out


def _verdict(shift: Shift, q: float, floor: float, alpha: float) -> LatencyVerdict:
    if q <= alpha and shift.low > floor:
        return LatencyVerdict.SLOWER
    if q <= alpha and shift.high < -floor:
        return LatencyVerdict.FASTER
    return LatencyVerdict.SAME


def _test(legacy_us: np.ndarray, candidate_us: np.ndarray, confidence: float) -> _Tested:
    median = float(np.median(legacy_us))
    if np.all(legacy_us == legacy_us[0]) and np.all(candidate_us == legacy_us[0]):
        # One value on both sides: nothing to rank (scipy would divide by a zero variance).
        return _Tested(1.0, Shift(0.0, 0.0, 0.0), median)
    from scipy.stats import mannwhitneyu  # imported when first needed: it takes ~0.5 s

    test = mannwhitneyu(candidate_us, legacy_us, alternative="two-sided", method="asymptotic")
    return _Tested(float(test.pvalue), hodges_lehmann(legacy_us, candidate_us, confidence), median)


def _benjamini_hochberg(p_values: list[float]) -> list[float]:
    if not p_values:
        return []
    from scipy.stats import false_discovery_control

    return [float(q) for q in false_discovery_control(p_values, method="bh")]


def _microseconds(reservoir: Reservoir) -> np.ndarray:
    return np.rint(np.frombuffer(reservoir.values, dtype=np.float64) * 1000).astype(np.int64)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _significant(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")
