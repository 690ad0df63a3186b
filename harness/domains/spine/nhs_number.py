"""NHS numbers: the Modulus 11 check digit, from the `nhs-number` library (called only here).

An NHS number is ten digits whose last is the Modulus 11 check digit of the first nine; a
prefix whose check digit would be 10 has no valid number. Synthetic numbers lie in
9000000000-9999999999, a range the NHS never issues to people. The simulator's population, the
pack's strategies and its pseudonymiser all use these functions.
"""

from __future__ import annotations

import re

from nhs_number.validate import calculate_checksum
from nhs_number.validate import is_valid as _library_is_valid

SYNTHETIC = re.compile(r"(?<![0-9])9[0-9]{9}(?![0-9])")  # a synthetic number inside text


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no digit makes them valid."""
    digit = calculate_checksum(first_nine)
    return None if digit is None or digit == 10 else digit


def complete(first_nine: str) -> str | None:
    """The ten-digit NHS number starting with `first_nine`, or None if that prefix has none."""
    digit = check_digit(first_nine)
    return None if digit is None else f"{first_nine}{digit}"


def is_valid(candidate: str) -> bool:
    """Ten ASCII digits with a correct Modulus 11 check digit."""
    return (
        len(candidate) == 10
        and candidate.isascii()
        and candidate.isdigit()
        and bool(_library_is_valid(candidate))
    )
