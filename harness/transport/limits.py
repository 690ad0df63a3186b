"""How big and how slow one answer may be before the client gives up on it.

One frozen value per target, enforced by `harness.transport.http1` while it reads: the client
never holds more than a limit (plus one read of the socket, at most 256 KiB), stops reading and
closes the connection the moment an answer passes one, and never reuses that connection. A
limit passed is a finding, not a crash: `TransportError(kind="too_large" | "too_slow")` (or
`"timeout"` when nothing arrived at all), which the rehearsal records as verdict `error` for
that exchange before going on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from harness.errors import HarnessError

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AnswerLimits:
    """Limits on one answer (its head, its body, its time), each positive.

    - `max_body_bytes` (16 MiB): the body as it arrives, after chunked framing is removed and
      before any `Content-Encoding` is decoded;
    - `max_decoded_bytes` (64 MiB): a gzip/deflate body once decoded; decoding is incremental and
      stops at this size, so a small "gzip bomb" never unfolds in memory;
    - `max_header_count` (200): header fields in the head (chunked trailers count as well);
    - `max_header_bytes` (64 KiB): the head's size: its fields, and any bytes that arrive while
      it is incomplete (one endless header line) or after it without carrying body (chunk
      framing, trailers);
    - `first_byte_timeout_s` (10 s): from writing the request to the first byte of the answer;
      passed, the target is reported as not answering (kind `timeout`);
    - `total_timeout_s` (30 s): from the start of the send (a connection included) to the last
      byte; passed once bytes have arrived, the answer is too slow (kind `too_slow`: a slow
      drip), before any byte it is a `timeout`.
    """

    max_body_bytes: int = 16 * MiB
    max_decoded_bytes: int = 64 * MiB
    max_header_count: int = 200
    max_header_bytes: int = 64 * 1024
    first_byte_timeout_s: float = 10.0
    total_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name.endswith("_s"):
                valid = isinstance(value, (int, float)) and not isinstance(value, bool)
                valid = valid and math.isfinite(value) and value > 0
                wanted = "a positive number of seconds"
            else:
                valid = isinstance(value, int) and not isinstance(value, bool) and value > 0
                wanted = "a positive whole number"
            if not valid:
                raise HarnessError(f"must be {wanted}, not {value!r}", field=spec.name)

    def within(self, timeout_s: float) -> AnswerLimits:
        """These limits with the whole answer due within `timeout_s` (both timeouts): what the
        single `timeout_s` setting of the transports has always meant."""
        return replace(self, first_byte_timeout_s=timeout_s, total_timeout_s=timeout_s)


DEFAULT_LIMITS = AnswerLimits()


def limits_for(limits: AnswerLimits | None, timeout_s: float | None) -> AnswerLimits:
    """The limits a client applies: `limits` (default `AnswerLimits()`), with the whole answer
    due within `timeout_s` when that older single setting is given."""
    chosen = DEFAULT_LIMITS if limits is None else limits
    return chosen if timeout_s is None else chosen.within(timeout_s)


def size(count: int) -> str:
    """A byte count as people read a limit: '16 MiB', '64 KiB', else '1,000,000 bytes'."""
    for unit, name in ((MiB, "MiB"), (1024, "KiB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit:,} {name}"
    return f"{count:,} bytes"
