"""Latency parity: the statistics (seeded property tests), the shift's exactness, the reservoir."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from harness.core import shift as shift_module
from harness.core.latency_parity import (
    LatencyCriteria,
    LatencyParity,
    LatencyVerdict,
    judge_latency,
)
from harness.core.reservoir import OperationTimings, Reservoir
from harness.core.shift import hodges_lehmann, kth_difference, order_statistics
from tests.reports_factory import LATENCY_FIELDS

Sampler = Callable[[np.random.Generator, int], np.ndarray]
NO_FLOOR = LatencyCriteria(min_shift_ms=0.0, min_shift_relative=0.0, warmup_results=0)
TRIALS = 1_000


def lognormal(median_ms: float, sigma: float) -> Sampler:
    return lambda rng, n: rng.lognormal(math.log(median_ms), sigma, n)


def slow_tail(rng: np.random.Generator, n: int) -> np.ndarray:
    """Latency as services show it: a lognormal body and 5% of calls 3 to 6 times slower."""
    body = rng.lognormal(math.log(40.0), 0.25, n)
    return np.where(rng.random(n) < 0.05, body * rng.uniform(3, 6, n), body)


def judge(
    legacy: np.ndarray, candidate: np.ndarray, criteria: LatencyCriteria | None = None
) -> LatencyParity:
    timings = OperationTimings.of("svc", "op")
    for value in legacy:
        timings.legacy.add(float(value))
    for value in candidate:
        timings.candidate.add(float(value))
    return judge_latency({("svc", "op"): timings}, criteria)[("svc", "op")]


def verdict_rate(
    verdict: LatencyVerdict,
    legacy: Sampler,
    candidate: Sampler,
    *,
    n: int = 200,
    trials: int = TRIALS,
    criteria: LatencyCriteria | None = None,
    seed: int = 12,
    rounding: Callable[[np.ndarray], np.ndarray] = lambda values: np.round(values, 3),
) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        a, b = rounding(legacy(rng, n)), rounding(candidate(rng, n))
        hits += judge(a, b, criteria).verdict is verdict
    return hits / trials


def shifted(sampler: Sampler, *, add_ms: float = 0.0, times: float = 1.0) -> Sampler:
    return lambda rng, n: sampler(rng, n) * times + add_ms


# -- the statistics --------------------------------------------------------------------------


@pytest.mark.parametrize("criteria", [None, NO_FLOOR], ids=["default floor", "no floor"])
def test_one_distribution_is_called_slower_in_at_most_5_percent_of_1000_trials(
    criteria: LatencyCriteria | None,
) -> None:
    same = lognormal(40.0, 0.5)
    rate = verdict_rate(LatencyVerdict.SLOWER, same, same, criteria=criteria)
    # without the floor only the test stands between noise and "slower": about alpha / 2
    assert rate <= 0.05


@pytest.mark.parametrize(
    "sampler", [lognormal(8.0, 1.0), slow_tail], ids=["wide lognormal", "lognormal + slow tail"]
)
def test_latency_shapes_from_one_distribution_are_rarely_slower(sampler: Sampler) -> None:
    assert verdict_rate(LatencyVerdict.SLOWER, sampler, sampler, criteria=NO_FLOOR) <= 0.05
    assert verdict_rate(LatencyVerdict.FASTER, sampler, sampler, criteria=NO_FLOOR) <= 0.05


@pytest.mark.parametrize(
    "candidate",
    [
        shifted(lognormal(100.0, 0.2), add_ms=20.0),
        shifted(lognormal(100.0, 0.2), times=1.2),
    ],
    ids=["+20% of the median", "every call x1.2"],
)
def test_a_20_percent_shift_with_200_samples_is_found_in_95_percent_of_1000_trials(
    candidate: Sampler,
) -> None:
    assert verdict_rate(LatencyVerdict.SLOWER, lognormal(100.0, 0.2), candidate) >= 0.95


def test_a_slow_tail_shape_shifted_by_a_quarter_is_found() -> None:
    rate = verdict_rate(LatencyVerdict.SLOWER, slow_tail, shifted(slow_tail, add_ms=10.0))
    assert rate >= 0.95


def test_faster_is_the_mirror_of_slower() -> None:
    legacy = lognormal(100.0, 0.2)
    assert verdict_rate(LatencyVerdict.FASTER, legacy, shifted(legacy, add_ms=-20.0)) >= 0.95


def test_ties_from_whole_millisecond_timings() -> None:
    whole = np.round
    same = lognormal(12.0, 0.4)
    rate = verdict_rate(LatencyVerdict.SLOWER, same, same, criteria=NO_FLOOR, rounding=whole)
    assert rate <= 0.05
    # 12 ms +- 40% in whole ms: about 30 distinct values shared by 400 timings
    found = verdict_rate(
        LatencyVerdict.SLOWER, same, shifted(same, add_ms=8.0), rounding=whole, trials=300
    )
    assert found >= 0.95


def test_the_interval_covers_the_true_shift_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(TRIALS):
        legacy = np.round(rng.lognormal(math.log(50.0), 0.4, 120), 3)
        candidate = np.round(rng.lognormal(math.log(50.0), 0.4, 150) + 7.0, 3)
        low, high = judge(legacy, candidate, NO_FLOOR).ci_ms or (math.inf, -math.inf)
        covered += low <= 7.0 <= high
    assert 0.93 <= covered / TRIALS <= 0.97


def test_tiny_samples_are_insufficient_however_large_the_shift() -> None:
    rng = np.random.default_rng(5)
    legacy, candidate = rng.lognormal(2.0, 0.2, 9), rng.lognormal(2.0, 0.2, 9) + 500.0
    tiny = judge(legacy, candidate)
    assert tiny.verdict is LatencyVerdict.INSUFFICIENT
    assert (tiny.n_legacy, tiny.n_candidate, tiny.shift_ms, tiny.p) == (9, 9, None, None)
    enough = judge(np.append(legacy, 7.0), np.append(candidate, 507.0))
    assert enough.verdict is LatencyVerdict.SLOWER and (enough.n_legacy, enough.n_candidate) == (
        10,
        10,
    )


def test_a_huge_sample_proves_a_sub_floor_shift_but_calls_it_the_same() -> None:
    """200,000 timings a side stream through the reservoirs; 3 ms on 100 ms is below the floor."""
    rng = np.random.default_rng(8)
    legacy = rng.lognormal(math.log(100.0), 0.2, 200_000)
    candidate = rng.lognormal(math.log(100.0), 0.2, 200_000) + 3.0
    result = judge(legacy, candidate)
    assert result.verdict is LatencyVerdict.SAME
    assert result.q is not None and result.q < 1e-6  # the shift is real...
    assert result.ci_ms is not None and 2.0 < result.ci_ms[0] < result.ci_ms[1] < 5.0
    assert result.floor_ms == pytest.approx(10.0, rel=0.02)  # ...but under 10% of ~100 ms
    assert (result.n_legacy, result.sampled_legacy) == (200_000, 4_096)
    assert judge(legacy, legacy + 15.0).verdict is LatencyVerdict.SLOWER


def test_the_floor_needs_both_the_absolute_and_the_relative_shift() -> None:
    rng = np.random.default_rng(9)
    fast = rng.lognormal(math.log(2.0), 0.1, 400)  # +4 ms is +200% but under 5 ms
    assert judge(fast, fast + 4.0).verdict is LatencyVerdict.SAME
    assert judge(fast, fast + 7.0).verdict is LatencyVerdict.SLOWER
    slow = rng.lognormal(math.log(300.0), 0.05, 400)  # +20 ms is over 5 ms but under 10%
    assert judge(slow, slow + 20.0).verdict is LatencyVerdict.SAME
    assert judge(slow, slow + 45.0).verdict is LatencyVerdict.SLOWER


def test_identical_values_on_both_sides_are_the_same() -> None:
    result = judge(np.full(50, 7.0), np.full(50, 7.0))
    assert (result.verdict, result.shift_ms, result.p) == (LatencyVerdict.SAME, 0.0, 1.0)


def test_benjamini_hochberg_adjusts_across_operations() -> None:
    rng = np.random.default_rng(11)
    timings = {}
    for index in range(20):
        sides = OperationTimings.of("svc", f"op{index}")
        for value in rng.lognormal(3.0, 0.3, 60):
            sides.legacy.add(float(value))
        for value in rng.lognormal(3.0, 0.3, 60) + (4.0 if index < 3 else 0.0):
            sides.candidate.add(float(value))
        timings[("svc", f"op{index}")] = sides
    judged = judge_latency(timings, NO_FLOOR)
    ps = np.array([judged[key].p for key in timings], dtype=float)
    order = np.argsort(ps)
    expected = np.minimum.accumulate((ps[order] * len(ps) / np.arange(1, len(ps) + 1))[::-1])
    bh = np.empty_like(ps)
    bh[order] = np.minimum(expected[::-1], 1.0)
    assert [judged[key].q for key in timings] == pytest.approx(bh.tolist())
    # a p-value below alpha on its own is not enough once twenty operations are judged
    lonely = [key for key in timings if (judged[key].p or 1) < 0.05 <= (judged[key].q or 0)]
    assert all(judged[key].verdict is LatencyVerdict.SAME for key in lonely)


def test_summary_fields() -> None:
    rng = np.random.default_rng(2)
    as_dict = judge(rng.lognormal(3, 0.2, 30), rng.lognormal(3, 0.2, 30) + 30).to_dict()
    assert set(as_dict) == LATENCY_FIELDS
    assert as_dict["verdict"] == "slower" and isinstance(as_dict["ci_ms"], list)


# -- the shift is exact ----------------------------------------------------------------------


def brute_force(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sort(np.subtract.outer(y, x).ravel())


def test_selection_matches_brute_force_with_ties(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    for _ in range(300):
        m, n = (int(v) for v in rng.integers(1, 60, 2))
        x = np.sort(rng.integers(0, int(rng.integers(1, 40)), m)).astype(np.int64)
        y = np.sort(rng.integers(0, 40, n)).astype(np.int64)
        expected = brute_force(x, y)
        monkeypatch.setattr(shift_module, "DIRECT_LIMIT", int(rng.integers(1, 30)))
        for k in {1, m * n, (m * n + 1) // 2, int(rng.integers(1, m * n + 1))}:
            assert kth_difference(x, y, k, np.random.default_rng(k)) == expected[k - 1]
        ranks = (1, m * n, (m * n + 1) // 2)
        assert order_statistics(x, y, ranks) == [expected[r - 1] for r in ranks]


def test_hodges_lehmann_on_thousands_of_values_without_materialising_them() -> None:
    rng = np.random.default_rng(6)
    x = rng.integers(0, 200_000, 3_000).astype(np.int64)
    y = rng.integers(1_000, 201_000, 2_001).astype(np.int64)  # odd m * n: one middle value
    result = hodges_lehmann(x, y)
    expected = brute_force(np.sort(x), np.sort(y))
    assert len(expected) > shift_module.DIRECT_LIMIT
    assert result.estimate == float(np.median(expected))
    assert expected[0] < result.low < result.estimate < result.high < expected[-1]
    assert result.low == expected[len(expected) - int(np.sum(expected > result.low)) - 1]


def test_hodges_lehmann_is_the_median_of_the_differences_for_an_even_count() -> None:
    x, y = np.array([1, 2, 3, 10], dtype=np.int64), np.array([4, 6, 8, 9], dtype=np.int64)
    assert hodges_lehmann(x, y).estimate == float(np.median(brute_force(x, y)))


# -- the reservoir ---------------------------------------------------------------------------


def test_the_reservoir_keeps_a_uniform_sample_of_a_long_stream() -> None:
    reservoir = Reservoir("latency:svc.op:legacy", capacity=2_000)
    for value in range(200_000):
        reservoir.add(float(value))
    assert (reservoir.count, reservoir.sampled) == (200_000, 2_000)
    counts, _ = np.histogram(np.frombuffer(reservoir.values), bins=10, range=(0, 200_000))
    assert counts.min() > 150 and counts.max() < 250  # 200 expected per tenth of the stream
    assert len(set(reservoir.values)) == 2_000


def test_the_reservoir_is_the_same_for_the_same_seed_and_stream() -> None:
    def sample(seed: str) -> list[float]:
        reservoir = Reservoir(seed, capacity=64)
        for value in range(10_000):
            reservoir.add(float(value))
        return list(reservoir.values)

    assert sample("a") == sample("a") != sample("b")


def test_timings_skip_sides_without_a_number() -> None:
    timings = OperationTimings.of("svc", "op")
    timings.add(12.5, None)
    timings.add(True, 3.0)
    timings.add(float("nan"), "7")
    assert (timings.legacy.count, timings.candidate.count) == (1, 1)
