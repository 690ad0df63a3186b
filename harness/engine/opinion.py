"""A second legacy answer, asked for only where legacy and candidate disagree.

Two ways to get one, behind one small seam (`SecondOpinion`):

- `AskAgain`: the same legacy target once more, for requests that cannot change its state (GET,
  HEAD, OPTIONS), with fresh request ids (a target that replays answers by request id would
  otherwise only say the same thing twice);
- `LegacyTwin`: a second legacy instance (`--legacy-twin URL`) for any method. So that it sees
  the same history as legacy, it is sent every state-changing request as it happens
  (`mirrors`), and safe requests only when asked.

The runner asks after the judge has found differences the noise model does not cover: the hot
path (both sides agree) sends nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Protocol

from harness.core.exchange import Request, Response
from harness.core.http import SAFE_METHODS, with_fresh_request_ids
from harness.transport.base import Transport, TransportError

Outcome = Response | TransportError


class SecondOpinion(Protocol):
    name: str
    transport: Transport

    def can_ask(self, request: Request) -> bool:
        """Whether a second answer to this request may be had without harm."""
        ...

    def mirrors(self, request: Request) -> bool:
        """Whether the request must be sent as it happens (to keep a twin in step)."""
        ...

    def again(self, request: Request) -> Request:
        """The request as sent a second time."""
        ...


class AskAgain:
    """Legacy itself, asked once more: safe methods only, with fresh request ids."""

    name = "legacy asked again"

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def can_ask(self, request: Request) -> bool:
        return request.method in SAFE_METHODS

    def mirrors(self, request: Request) -> bool:
        return False

    def again(self, request: Request) -> Request:
        return replace(request, headers=with_fresh_request_ids(request.headers, _fresh_id))


class LegacyTwin:
    """A second legacy instance: any method; state changes are mirrored to it as they happen."""

    name = "legacy twin"

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def can_ask(self, request: Request) -> bool:
        return True

    def mirrors(self, request: Request) -> bool:
        return request.method not in SAFE_METHODS

    def again(self, request: Request) -> Request:
        return request


async def ask(opinion: SecondOpinion, request: Request) -> Outcome:
    try:
        return await opinion.transport.send(request)
    except TransportError as error:
        return error


def _fresh_id() -> str:
    return str(uuid.uuid4())
