"""Drawing examples from hypothesis strategies, reproducibly from a seed (outside pytest).

Hypothesis biases generation with string and number constants it finds in the *local* Python
modules loaded so far (`hypothesis.internal.conjecture.providers._get_local_constants`): the
same seed would then draw different examples depending on what happened to be imported (a test
run, a CLI run). Recordings must not depend on that, so local constants are switched off while
drawing (hypothesis's built-in global constants still apply).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

T = TypeVar("T")


class _Enough(Exception):
    pass


def draw_examples(strategy: st.SearchStrategy[T], count: int, seed: int) -> list[T]:
    """Up to `count` examples; the same seed gives the same examples, in the same order."""
    if count <= 0:
        return []
    found: list[T] = []
    # A strategy that rejects most of what it draws (schemathesis negative mode for an input
    # that cannot be invalid) would keep hypothesis busy for seconds: stop after a budget of
    # attempts, counted on every draw, valid or not.
    attempts = 0
    budget = max(count * 20, 40)

    def tick(value: None) -> None:
        nonlocal attempts
        attempts += 1
        if attempts > budget:
            raise _Enough
        return value

    counted = st.just(None).map(tick).flatmap(lambda _: strategy)

    @hypothesis_seed(seed)
    @settings(
        max_examples=count + 3,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
        derandomize=False,
        report_multiple_bugs=False,
    )
    @given(counted)
    def collect(example: Any) -> None:
        found.append(example)
        if len(found) >= count:
            raise _Enough

    with _without_local_constants():
        try:
            collect()
        except _Enough:
            pass
        except HypothesisException:  # unsatisfiable or flaky generation: keep what was drawn
            pass
    return found[:count]


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without the internal module
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    constants = getattr(providers, "Constants", None)
    if original is None or cache is None or constants is None:  # pragma: no cover
        yield
        return
    empty = constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()
