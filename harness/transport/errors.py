"""The HTTP/1.1 client's failure, with a kind the transports pass on as `TransportError.kind`."""

from __future__ import annotations


class Http1Error(Exception):
    """`kind`: `connection` (could not connect), `protocol` (a malformed, truncated or closed
    answer), `timeout` (no answer in time), `too_large` or `too_slow` (an answer past one of
    its `AnswerLimits`; the message names the limit and the figure). `sent`: the request had
    been written when it failed (the target may have acted on it)."""

    def __init__(self, message: str, kind: str, *, sent: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.sent = sent
