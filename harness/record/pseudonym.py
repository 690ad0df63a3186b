"""Deterministic pseudonyms: HMAC-SHA256 with a key from the environment, format-preserving.

Equal values get equal pseudonyms (so recordings still match across requests and responses);
digits stay digits, letters keep their case, other characters are kept. A value a domain pack
recognises (`harness.domains.Pseudonymiser`: the Spine pack's NHS numbers) gets that pack's
pseudonym instead, of the same kind (another valid NHS number).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import string
from collections.abc import Iterator, Mapping

from harness.domains import Pseudonymiser, packs
from harness.errors import HarnessError

KEY_VARIABLE = "HARNESS_PSEUDONYM_KEY"


def key_from_environment(environ: Mapping[str, str] | None = None) -> bytes:
    env = os.environ if environ is None else environ
    key = env.get(KEY_VARIABLE, "")
    if len(key) < 16:
        raise HarnessError(
            f"pseudonymisation needs a secret key of at least 16 characters in {KEY_VARIABLE}",
            field="redact.pseudonymise",
        )
    return key.encode("utf-8")


def _stream(key: bytes, value: str) -> Iterator[int]:
    counter = 0
    while True:
        block = hmac.new(key, f"{counter}:{value}".encode(), hashlib.sha256).digest()
        yield from block
        counter += 1


def pseudonymise(value: str, key: bytes) -> str:
    """The pseudonym of one value (deterministic for a key)."""
    stream = _stream(key, value)
    for kind in _pseudonymisers():
        if kind.matches(value):
            return kind.pseudonym(stream)
    out = []
    for char in value:
        if char.isdigit():
            out.append(str(next(stream) % 10))
        elif char in string.ascii_uppercase:
            out.append(string.ascii_uppercase[next(stream) % 26])
        elif char in string.ascii_lowercase:
            out.append(string.ascii_lowercase[next(stream) % 26])
        else:
            out.append(char)
    return "".join(out)


@functools.cache
def _pseudonymisers() -> tuple[Pseudonymiser, ...]:
    return tuple(kind for pack in packs() for kind in pack.pseudonymisers())
