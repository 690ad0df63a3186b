"""NHS numbers: the Modulus 11 check digit and the allocators of never-issued test numbers.

All synthetic numbers lie in 9000000000-9999999999, a range the NHS never issues to people.
"""

from __future__ import annotations

import random

from nhs_number.validate import is_valid as _check_digit_is_valid

LOWEST = 9_000_000_000
HIGHEST = 9_999_999_999
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no digit makes them valid."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def complete(first_nine: str) -> str | None:
    """The ten-digit NHS number starting with `first_nine`, or None if that prefix has none."""
    digit = check_digit(first_nine)
    return None if digit is None else f"{first_nine}{digit}"


def is_valid(candidate: str) -> bool:
    """Ten digits with a correct Modulus 11 check digit (checked by the `nhs-number` package)."""
    return (
        len(candidate) == 10
        and candidate.isascii()
        and candidate.isdigit()
        and bool(_check_digit_is_valid(candidate))
    )


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
