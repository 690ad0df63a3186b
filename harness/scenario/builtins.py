"""Built-in placeholders: `{{$name}}` in a template makes a fresh value per send.

`{{$uuid}}` (a random UUID: an `X-Request-ID`, a resource's id) is the harness's own; domain
packs add theirs (`harness.domains`: the Spine pack's `{{$prescription_id}}`). A name two packs
define is refused, naming both.

`{{$name as var}}` binds the value to `var`: later placeholders `{{var}}` of the same request
and of the later steps of the same run get the same value, and in a rehearsal both targets get
that one value (`harness.scenario.render.bind_fresh`), so their answers are compared on meaning.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Mapping

from harness.core.template import Builtin
from harness.errors import HarnessError

UUID_SHAPE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID = Builtin(
    "$uuid",
    fresh=lambda: str(uuid.uuid4()),
    seeded=lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    shape=UUID_SHAPE,
    description="a random UUID",
)


@functools.cache
def builtins() -> Mapping[str, Builtin]:
    """Every built-in by name (`$uuid`...): the harness's own, then each domain pack's."""
    from harness.domains import distinct

    found = distinct(lambda pack: pack.builtins(), lambda b: b.name, "built-in placeholder", [UUID])
    return {item.name: item for item in found}


def builtin(name: str, field: str) -> Builtin:
    """The built-in `name` (`$uuid`...); HarnessError naming the field when it is unknown."""
    found = builtins().get(name)
    if found is None:
        known = ", ".join("{{" + key + "}}" for key in builtins())
        raise HarnessError(
            f"unknown built-in placeholder {{{{{name}}}}} (known: {known})", field=field
        )
    return found


def seeded_value(name: str, label: str) -> str:
    """The value built-in `name` gives for `label`, always the same: recording a fresh,
    seeded simulator binds the same values every time, so re-recording changes nothing."""
    return builtin(name, "template").seeded(random.Random(label))
