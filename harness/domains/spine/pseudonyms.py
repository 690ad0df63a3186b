"""Pseudonyms of Spine identifiers: a valid NHS number becomes another valid NHS number in the
never-issued 9xxxxxxxxx range, so pseudonymised recordings still pass the services' checks."""

from __future__ import annotations

from collections.abc import Iterator

from harness.domains import Pseudonymiser
from harness.domains.spine.nhs_number import complete, is_valid


def nhs_number_pseudonym(stream: Iterator[int]) -> str:
    while True:
        number = complete("9" + "".join(str(next(stream) % 10) for _ in range(8)))
        if number is not None:
            return number


NHS_NUMBER = Pseudonymiser("nhs-number", is_valid, nhs_number_pseudonym)
