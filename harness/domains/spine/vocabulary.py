"""The UK vocabulary of generated requests: surnames, given names and postcodes.

Drawn once from faker `en_GB` with a fixed seed, so that strategies sampling from these lists are
fast and reproducible.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(20140101)
    surnames = tuple(sorted({fake.last_name() for _ in range(400)}))
    given = tuple(sorted({fake.first_name() for _ in range(400)}))
    postcodes = tuple(sorted({fake.postcode() for _ in range(300)}))
    return surnames, given, postcodes
