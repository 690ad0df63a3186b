"""The EPS short-form prescription id check character, as the simulator uses it.

One implementation, in the Spine domain pack (`harness.domains.spine.prescription_id`): its
`{{$prescription_id}}` built-in makes fresh valid ids with the same algorithm.
"""

from __future__ import annotations

from harness.domains.spine.prescription_id import (
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
