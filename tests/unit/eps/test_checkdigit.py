"""The EPS short-form prescription id check character (ISO/IEC 7064 MOD 37-2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.simulator.eps.checkdigit import (
    CHECK_CHARACTERS,
    check_character,
    has_valid_check_character,
    short_form_id,
)

# Short-form ids printed in the public EPS examples (all valid) ...
PUBLISHED = [
    "24F5DA-A83008-7EFE6Z",
    "58E241-A83008-4E2F8R",
    "CDF34E-A99968-4FF3BQ",
    "819851-A83008-2EFE34",
    "FB6EC1-A83008-DC0346",
    "0A446C-A99968-4CC380",
    "76787C-C81007-00001G",
    "A96909-A99968-11EBAL",
]
# ... and the one the INVALID_CHECKSUM example sends.
PUBLISHED_BAD = "269CA9-A99968-4577BP"

HEX = "0123456789ABCDEF"


@pytest.mark.parametrize("short_id", PUBLISHED)
def test_published_ids_are_valid(short_id: str) -> None:
    assert has_valid_check_character(short_id)
    assert check_character(short_id[:-1]) == short_id[-1]


def test_the_invalid_checksum_example_is_refused() -> None:
    assert not has_valid_check_character(PUBLISHED_BAD)
    assert check_character(PUBLISHED_BAD[:-1]) == "F"


@pytest.mark.parametrize(
    "malformed",
    ["", "24F5DA-A83008-7EFE6", "24F5DA-A83008-7EFE6ZZ", "24f5da-a83008-7efe6z", "X" * 20],
)
def test_malformed_ids_are_refused(malformed: str) -> None:
    assert not has_valid_check_character(malformed)


def test_short_ods_codes_are_zero_padded() -> None:
    assert short_form_id("76787c", "C81007", "00001") == "76787C-C81007-00001G"
    assert short_form_id("ABCDEF", "Y123", "12345").startswith("ABCDEF-00Y123-12345")


ids = st.builds(
    short_form_id,
    st.text(HEX, min_size=6, max_size=6),
    st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=3, max_size=6),
    st.text(HEX, min_size=5, max_size=5),
)


@settings(max_examples=200, deadline=None)
@given(ids, st.integers(min_value=0, max_value=19), st.sampled_from(CHECK_CHARACTERS[:36]))
def test_every_single_substitution_is_detected(short_id: str, position: int, new: str) -> None:
    assert has_valid_check_character(short_id)
    if short_id[position] in ("-", new):
        return
    mutated = short_id[:position] + new + short_id[position + 1 :]
    assert not has_valid_check_character(mutated)
