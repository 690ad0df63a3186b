"""Built-in placeholder generators: `{{$name}}` in a template makes a fresh value per send.

- `{{$uuid}}`: a random UUID (e.g. `X-Request-ID`, a prescription's long-form id);
- `{{$prescription_id}}`: a fresh EPS short-form prescription id (`XXXXXX-A83008-XXXXXC`)
  with a valid MOD 37-2 check character.

`{{$name as var}}` binds the value to `var`: later placeholders `{{var}}` of the same request
and of the later steps of the same scenario run get the same value, and in a rehearsal both
targets get that one value (`bind_generated`), so their answers are compared on meaning.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable, Mapping

from harness.core.prescription_id import short_form_id
from harness.errors import HarnessError

PRESCRIBER_ODS = "A83008"  # the prescribing organisation in generated short-form ids


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_prescription_id() -> str:
    """A fresh short-form prescription id: 11 random hex digits around the prescriber's ODS."""
    digits = secrets.token_hex(6).upper()
    return short_form_id(digits[:6], PRESCRIBER_ODS, digits[6:11])


BUILTINS: Mapping[str, Callable[[], str]] = {
    "$uuid": new_uuid,
    "$prescription_id": new_prescription_id,
}


def seeded_value(name: str, label: str) -> str:
    """The value built-in `name` gives for `label`, always the same: recording a fresh,
    seeded simulator binds the same values every time, so re-recording changes nothing."""
    rng = random.Random(label)
    if name == "$prescription_id":
        digits = f"{rng.getrandbits(44):011X}"
        return short_form_id(digits[:6], PRESCRIBER_ODS, digits[6:11])
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generator(
    name: str, field: str, overrides: Mapping[str, Callable[[], str]]
) -> Callable[[], str]:
    """The generator of built-in `name` (`$uuid`...); HarnessError naming the field if unknown."""
    found = overrides.get(name) or BUILTINS.get(name)
    if found is None:
        known = ", ".join("{{" + key + "}}" for key in BUILTINS)
        raise HarnessError(
            f"unknown built-in placeholder {{{{{name}}}}} (known: {known})", field=field
        )
    return found
