"""Pools of UK-looking values drawn once from a seeded faker `en_GB`, then combined cheaply.

faker costs ~14 us a call; drawing a few thousand values and combining them with
`random.Random` keeps a 10,000-patient build well under a second. faker is pinned exactly in
pyproject.toml because its data tables decide the population's bytes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from faker import Faker


@dataclass(frozen=True, slots=True)
class Pools:
    female_names: tuple[str, ...]
    male_names: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[str, ...]
    counties: tuple[str, ...]
    postcodes: tuple[str, ...]


def _distinct(draw: object, count: int, attempts: int = 20) -> tuple[str, ...]:
    """Up to `count` distinct values from a zero-argument faker method, in draw order."""
    assert callable(draw)
    seen: dict[str, None] = {}
    for _ in range(count * attempts):
        value = str(draw())
        if _is_plain(value):
            seen.setdefault(value, None)
        if len(seen) >= count:
            break
    return tuple(seen)


def _is_plain(value: str) -> bool:
    """Names PDS accepts: letters, spaces, hyphens, apostrophes (faker en_GB stays in that set)."""
    return bool(value) and all(ch.isalpha() or ch in " -'" for ch in value)


@functools.lru_cache(maxsize=4)
def draw_pools(seed: int) -> Pools:
    """The pools for a seed (immutable, so memoised: servers and tests share them)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    return Pools(
        female_names=_distinct(fake.first_name_female, 250),
        male_names=_distinct(fake.first_name_male, 250),
        surnames=_distinct(fake.last_name, 400),
        streets=_distinct(fake.street_name, 600),
        towns=_distinct(fake.city, 200),
        counties=_distinct(fake.county, 40),
        postcodes=tuple(dict.fromkeys(fake.postcode() for _ in range(4_000))),
    )
