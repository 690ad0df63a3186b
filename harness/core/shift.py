"""The Hodges-Lehmann shift between two samples and its distribution-free confidence interval.

Both come from the m * n pairwise differences `candidate[j] - legacy[i]`: the estimate is their
median; the interval runs from the k-th smallest to the k-th largest, k being the Mann-Whitney
critical value at the chosen confidence (normal approximation with the tie correction). That is
the interval R's `wilcox.test(conf.int = TRUE)` and Kayenta's MannWhitney reach by root-finding on
the same standardised statistic; here it is read off directly as two order statistics.

The differences are never materialised. `kth_difference` selects one order statistic by
randomised selection over the implicit sorted difference matrix (as Monahan 1984 does for the
one-sample estimator): a pivot is drawn uniformly from the differences still in play, counted
exactly with one binary search per candidate value, and the side that cannot hold the answer is
dropped. Each round costs O(n log m), about log(m n) rounds are expected, memory stays O(m + n);
once at most `DIRECT_LIMIT` differences remain (or the samples are that small to begin with)
they are materialised and partitioned. The samples
are integers (the caller's unit, e.g. microseconds), so every count and difference is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

DIRECT_LIMIT = 1 << 16
Integers = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Shift:
    """How much later the candidate answers than legacy (negative: sooner), in sample units."""

    estimate: float
    low: float
    high: float


def hodges_lehmann(legacy: Integers, candidate: Integers, confidence: float = 0.95) -> Shift:
    """The median pairwise difference candidate - legacy and its `confidence` interval."""
    x = np.sort(np.asarray(legacy, dtype=np.int64))
    y = np.sort(np.asarray(candidate, dtype=np.int64))
    total = len(x) * len(y)
    if total == 0:
        raise ValueError("both samples need at least one value")
    half = total // 2
    middle = (half + 1,) if total % 2 else (half, half + 1)
    k = critical_rank(x, y, confidence)
    low, high, *centre = order_statistics(x, y, (k, total + 1 - k, *middle))
    return Shift(sum(centre) / len(centre), float(low), float(high))


def order_statistics(x: Integers, y: Integers, ranks: tuple[int, ...]) -> list[int]:
    """The differences y[j] - x[i] of the given ranks (1-based); x and y sorted ascending.

    Up to `DIRECT_LIMIT` pairs they are all computed and partitioned once; beyond, each rank is
    selected without materialising them (`kth_difference`).
    """
    if len(x) * len(y) <= DIRECT_LIMIT:
        differences = np.subtract.outer(y, x).ravel()
        ordered = np.partition(differences, sorted({rank - 1 for rank in ranks}))
        return [int(ordered[rank - 1]) for rank in ranks]
    rng = np.random.default_rng(0)  # only the pivots are random: the result is exact
    return [kth_difference(x, y, rank, rng) for rank in ranks]


def critical_rank(x: Integers, y: Integers, confidence: float) -> int:
    """The rank k of the interval's lower end among the m * n sorted differences (1-based)."""
    m, n = len(x), len(y)
    everything = m + n
    _, ties = np.unique(np.concatenate((x, y)), return_counts=True)
    tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties)) / max(
        1, everything * (everything - 1)
    )
    variance = m * n / 12 * ((everything + 1) - tie_term)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    k = math.floor(m * n / 2 - z * math.sqrt(max(variance, 0.0)))
    return min(max(k, 1), (m * n + 1) // 2)


def kth_difference(x: Integers, y: Integers, k: int, rng: np.random.Generator) -> int:
    """The k-th smallest (1-based) of y[j] - x[i] over all pairs; x and y sorted ascending.

    In row j the differences fall as i rises, so the pairs in play are i in [start[j], stop[j]):
    every pair right of `stop` is known to be smaller than the answer, left of `start` larger.
    """
    m, n = len(x), len(y)
    if not 1 <= k <= m * n:
        raise ValueError(f"rank {k} outside 1..{m * n}")
    start = np.zeros(n, dtype=np.int64)
    stop = np.full(n, m, dtype=np.int64)
    while True:
        widths = stop - start
        in_play = int(widths.sum())
        below = int(np.sum(m - stop))
        if in_play <= DIRECT_LIMIT:
            rows = np.repeat(np.arange(n), widths)
            firsts = np.repeat(start, widths)
            offsets = np.arange(in_play) - np.repeat(np.cumsum(widths) - widths, widths)
            values = y[rows] - x[firsts + offsets]
            return int(np.partition(values, k - below - 1)[k - below - 1])
        ends = np.cumsum(widths)
        draw = int(rng.integers(in_play))
        row = int(np.searchsorted(ends, draw, side="right"))
        column = int(start[row] + draw - (ends[row] - widths[row]))
        pivot = int(y[row] - x[column])
        thresholds = y - pivot
        larger_end = np.searchsorted(x, thresholds, side="left")  # i < this: difference > pivot
        smaller_start = np.searchsorted(x, thresholds, side="right")  # i >= this: < pivot
        at_most = int(np.sum(m - larger_end))
        less = int(np.sum(m - smaller_start))
        if less < k <= at_most:
            return pivot
        if at_most < k:
            stop = larger_end
        else:
            start = smaller_start
