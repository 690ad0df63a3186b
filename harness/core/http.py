"""HTTP facts every layer shares, listed once: credential headers, connection headers, safe methods.

- `CREDENTIAL_HEADERS` carry secrets: redacted before anything is written, never generated as
  data, shown as a placeholder in results.
- `CONNECTION_HEADERS` belong to one connection (RFC 9110 section 7.6.1 hop-by-hop headers, plus
  `Host` and `Content-Length`, which whoever sends computes for the bytes it sends): never
  forwarded by a proxy, never replayed as recorded, never written into a reproducer.
- `SAFE_METHODS` cannot change a target's state (RFC 9110 section 9.2.1): they may be sent again,
  concurrently, or twice to learn noise.
"""

from __future__ import annotations

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
