"""NHS numbers: the allocators of never-issued test numbers (the check digit is the Spine pack's).

All synthetic numbers lie in 9000000000-9999999999, a range the NHS never issues to people.
"""

from __future__ import annotations

import random

from harness.domains.spine.nhs_number import check_digit, complete, is_valid

LOWEST = 9_000_000_000
HIGHEST = 9_999_999_999

__all__ = ["HIGHEST", "LOWEST", "NhsNumberAllocator", "check_digit", "complete", "is_valid"]


def random_numbers(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` distinct valid numbers in the synthetic range, none of them in `taken`."""
    numbers: list[str] = []
    while len(numbers) < count:
        prefix = str(rng.randrange(LOWEST // 10 + 1_000, HIGHEST // 10 + 1))
        number = complete(prefix)
        if number is not None and number not in taken:
            taken.add(number)
            numbers.append(number)
    return numbers


class NhsNumberAllocator:
    """Hands out new numbers for created patients, skipping any already in use.

    The sequence depends on the flavour: the legacy platform and its replacement allocate
    different numbers for the same request (a legitimate difference), while the same flavour
    and seed always allocate the same sequence.
    """

    def __init__(self, seed: int, flavour: str, in_use: set[str]) -> None:
        offset = 0 if flavour == "legacy" else 15_000_000
        self._next_prefix = 970_000_000 + offset + (seed % 1_000) * 10_000
        self._in_use = in_use

    def allocate(self) -> str:
        while True:
            prefix = str(self._next_prefix)
            self._next_prefix += 1
            if self._next_prefix > HIGHEST // 10:
                self._next_prefix = LOWEST // 10 + 1
            number = complete(prefix)
            if number is not None and number not in self._in_use:
                self._in_use.add(number)
                return number
