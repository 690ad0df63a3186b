"""HTTP facts every layer shares, listed once: credential headers, connection headers, safe methods.

- `CREDENTIAL_HEADERS` carry secrets: redacted before anything is written, never generated as
  data, shown as a placeholder in results.
- `CONNECTION_HEADERS` belong to one connection (RFC 9110 section 7.6.1 hop-by-hop headers, plus
  `Host` and `Content-Length`, which whoever sends computes for the bytes it sends): never
  forwarded by a proxy, never replayed as recorded, never written into a reproducer.
- `SAFE_METHODS` cannot change a target's state (RFC 9110 section 9.2.1): they may be sent again,
  concurrently, or twice to learn noise.
- `REQUEST_ID_HEADERS` name one send, not the request: a request sent again gets fresh ones
  (`with_fresh_request_ids`), or a target that replays answers by request id would only say
  the same thing twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from harness.core.template import Pairs

CREDENTIAL_HEADERS: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "apikey",
    "x-api-key",
    "cookie",
    "set-cookie",
)
HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
FRAMING_HEADERS = frozenset({"host", "content-length"})
CONNECTION_HEADERS = HOP_BY_HOP_HEADERS | FRAMING_HEADERS
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_credential(name: str) -> bool:
    return name.lower() in _CREDENTIALS


_CREDENTIALS = frozenset(CREDENTIAL_HEADERS)


REQUEST_ID_HEADERS = frozenset({"x-request-id", "x-correlation-id"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def with_fresh_request_ids(headers: Pairs, fresh: Callable[[], str]) -> Pairs:
    """The headers with each UUID-valued request id header given a value from `fresh`."""
    return tuple(
        (name, fresh() if name.lower() in REQUEST_ID_HEADERS and _UUID.fullmatch(value) else value)
        for name, value in headers
    )
