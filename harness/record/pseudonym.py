"""Deterministic pseudonyms: HMAC-SHA256 with a key from the environment, format-preserving.

Equal values get equal pseudonyms (so recordings still match across requests and responses);
digits stay digits, letters keep their case, other characters are kept; a valid NHS number
(Modulus 11) becomes another valid NHS number in the never-issued 9xxxxxxxxx range.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import string
from collections.abc import Iterator, Mapping

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


def is_nhs_number(value: str) -> bool:
    if len(value) != 10 or not value.isdigit():
        return False
    check = _check_digit(value[:9])
    return check is not None and check == int(value[9])


def _check_digit(first_nine: str) -> int | None:
    total = sum(int(digit) * (10 - position) for position, digit in enumerate(first_nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def _stream(key: bytes, value: str) -> Iterator[int]:
    counter = 0
    while True:
        block = hmac.new(key, f"{counter}:{value}".encode(), hashlib.sha256).digest()
        yield from block
        counter += 1


def pseudonymise(value: str, key: bytes) -> str:
    """The pseudonym of one value (deterministic for a key)."""
    stream = _stream(key, value)
    if is_nhs_number(value):
        while True:
            body = "9" + "".join(str(next(stream) % 10) for _ in range(8))
            check = _check_digit(body)
            if check is not None:
                return f"{body}{check}"
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
