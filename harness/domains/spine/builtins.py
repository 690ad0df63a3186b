"""The Spine pack's built-in placeholders.

- `{{$prescription_id}}`: a fresh EPS short-form prescription id (`XXXXXX-A83008-XXXXXC`) with a
  valid MOD 37-2 check character, issued by the prescribing organisation A83008.
"""

from __future__ import annotations

import secrets
from random import Random

from harness.core.template import Builtin
from harness.domains.spine.prescription_id import SHORT_FORM, short_form_id

PRESCRIBER_ODS = "A83008"  # the prescribing organisation in generated short-form ids


def new_prescription_id() -> str:
    """A fresh short-form prescription id: 11 random hex digits around the prescriber's ODS."""
    digits = secrets.token_hex(6).upper()
    return short_form_id(digits[:6], PRESCRIBER_ODS, digits[6:11])


def seeded_prescription_id(rng: Random) -> str:
    digits = f"{rng.getrandbits(44):011X}"
    return short_form_id(digits[:6], PRESCRIBER_ODS, digits[6:11])


PRESCRIPTION_ID = Builtin(
    "$prescription_id",
    fresh=new_prescription_id,
    seeded=seeded_prescription_id,
    shape=SHORT_FORM.pattern,
    description="a fresh EPS short-form prescription id with a valid MOD 37-2 check character",
)
