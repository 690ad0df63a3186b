"""Where each side is served from: an answer that names its own server means the same on both.

Servers write their own address into answers: links and `fullUrl`s under their base URL, an
echoed `Host`, a `Location`. Legacy and candidate are served from different places (two hosts,
two ports on loopback, the host a recording was made from), so such values always differ and
never mean anything. `Origins` gives each side's base URL, origin (`scheme://host:port`) and
authority (`host:port`) as same-meaning variables (`harness.core.difference.same_meaning_removed`):
a legacy value that becomes the candidate's once legacy's address is swapped for the
candidate's is no difference. An address that is not an http(s) URL (a HAR file, a simulator
name) swaps nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_NAMES = ("$base", "$origin", "$authority")


@dataclass(frozen=True, slots=True)
class Origins:
    candidate: str | None = None
    legacy: str | None = None  # the live legacy target
    recorded: Mapping[str, str] = field(default_factory=dict)  # service -> recorded from

    def swaps(self, service: str, live_legacy: bool) -> tuple[dict[str, str], dict[str, str]]:
        """(legacy's, the candidate's) address variables for one exchange of `service`."""
        legacy = self.legacy if live_legacy else self.recorded.get(service)
        return address_swaps(legacy, self.candidate)


def address_swaps(first: str | None, second: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Each side's base URL, origin and authority by name, where the two differ (else none)."""
    a, b = _addresses(first), _addresses(second)
    if a is None or b is None:
        return {}, {}
    ours = {n: x for n, x, y in zip(_NAMES, a, b, strict=True) if x != y}
    theirs = {n: y for n, x, y in zip(_NAMES, a, b, strict=True) if x != y}
    return ours, theirs


def _addresses(url: str | None) -> tuple[str, str, str] | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin + parts.path.rstrip("/"), origin, parts.netloc
