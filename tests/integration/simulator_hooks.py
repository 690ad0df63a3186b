"""schemathesis hooks for the simulator's document (`SCHEMATHESIS_HOOKS`): the `nhs-number`
string format its NHS-number parameters declare (ten digits with a Modulus 11 check digit, a
rule no regular expression of reasonable size states), drawn as valid synthetic numbers."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from harness.domains.spine.nhs_number import complete

NHS_NUMBERS = (
    st.integers(min_value=900_000_000, max_value=999_999_999)
    .map(lambda prefix: complete(str(prefix)))
    .filter(lambda number: number is not None)
)
schemathesis.openapi.format("nhs-number", NHS_NUMBERS)
