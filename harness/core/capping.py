"""Values stored in results are capped, so that no line carries a whole huge answer.

A value whose JSON takes more than `limit` bytes (default 64 KiB) is stored as a marker in its
place, itself within the limit:

    {"$capped": {"length": 209715200, "sha256": "9f86d0...", "head": "the first bytes..."}}

`length` and `sha256` are those of the whole value's bytes (a string's UTF-8; a request body's
own bytes; any other value's compact JSON with sorted keys), so two different huge values stay
distinguishable and one can be checked against a file (`sha256sum`); `head` is the start of its
text. A marker fits within the limit, so capping is idempotent: a line read back and written
again is the same line. Text meant for people (an error, a reproducer) stays text instead: cut,
with the length and SHA-256 said at its end (`cap_text`). Pure: values in, values out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

DEFAULT_CAP_BYTES = 64 * 1024
CAPPED_KEY = "$capped"
_MARKER_ROOM = 256  # the marker's own keys, the length and the digest
_JSON_ESCAPE = 6  # the most bytes one character can take in JSON (\u001f)


@dataclass(frozen=True, slots=True)
class Capped:
    """What is kept of a value too big to store: its length and SHA-256, and its start."""

    length: int
    sha256: str
    head: str

    def to_json(self) -> dict[str, object]:
        """The marker stored in the value's place."""
        return {CAPPED_KEY: {"length": self.length, "sha256": self.sha256, "head": self.head}}

    @classmethod
    def from_json(cls, value: object) -> Capped | None:
        """The Capped a stored value is the marker of, or None when it is a value itself."""
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        inner = value.get(CAPPED_KEY)
        if not isinstance(inner, Mapping):
            return None
        length, digest, head = inner.get("length"), inner.get("sha256"), inner.get("head")
        if not isinstance(length, int) or not isinstance(digest, str) or not isinstance(head, str):
            return None
        return cls(length, digest, head)


def fits(text: str, limit: int = DEFAULT_CAP_BYTES) -> bool:
    """Whether a string takes at most `limit` bytes in JSON (quick for short strings)."""
    return len(text) * _JSON_ESCAPE + 2 <= limit or len(orjson.dumps(text)) <= limit


def capped(whole: bytes, text: str, limit: int = DEFAULT_CAP_BYTES) -> Capped:
    """The Capped of `whole` (the value's bytes), keeping as much of `text` (the value as
    text: its start is the head) as fits in `limit` with the marker around it."""
    room = max(0, limit - _MARKER_ROOM)
    head = text[:room]
    excess = len(orjson.dumps(head)) - room
    if excess > 0:  # escapes or multi-byte characters: each one cut frees a byte at least
        head = head[: max(0, len(head) - excess)]
    return Capped(len(whole), hashlib.sha256(whole).hexdigest(), head)


def cap_value(value: object, limit: int = DEFAULT_CAP_BYTES) -> object:
    """`value` itself when its JSON takes at most `limit` bytes, else its marker (JSON)."""
    if type(value) is str and len(value) * _JSON_ESCAPE + 2 <= limit:  # the common case
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if fits(value, limit):
            return value
        return capped(value.encode("utf-8", "surrogatepass"), value, limit).to_json()
    if len(orjson.dumps(value)) <= limit:
        return value
    whole = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return capped(whole, whole.decode("utf-8"), limit).to_json()


def cap_text(text: str, limit: int = DEFAULT_CAP_BYTES) -> str:
    """`text` itself when it fits in `limit` bytes of JSON, else its start followed by
    ' …[capped: <length> bytes, sha256 <hex>]' (the whole text's UTF-8), within the limit."""
    if len(text) * _JSON_ESCAPE + 2 <= limit or fits(text, limit):
        return text
    whole = text.encode("utf-8", "surrogatepass")
    kept = capped(whole, text, limit)
    return f"{kept.head} …[capped: {kept.length:,} bytes, sha256 {kept.sha256}]"
