"""The EPS short-form prescription id check character, as the simulator uses it.

One implementation, in `harness.core.prescription_id` (pure): the scenario engine's
`{{$prescription_id}}` built-in makes fresh valid ids with the same algorithm.
"""

from __future__ import annotations

from harness.core.prescription_id import (
    CHECK_CHARACTERS,
    SHORT_FORM,
    check_character,
    has_valid_check_character,
    short_form_id,
)

__all__ = [
    "CHECK_CHARACTERS",
    "SHORT_FORM",
    "check_character",
    "has_valid_check_character",
    "short_form_id",
]
