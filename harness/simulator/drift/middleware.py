"""The ASGI middleware applying a drift profile to the answers of matching operations.

It sits outside the spine2 flavour, so drift applies to the candidate's own presentation.
Requests are matched to operations with the app's OpenAPI document (SOAP by SOAPAction).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.core.exchange import Request
from harness.core.operations import OperationIndex
from harness.simulator.behaviour import behaviour_of, set_behaviour
from harness.simulator.buffering import BufferedResponse, call_buffered, send_whole
from harness.simulator.clock import moment_of
from harness.simulator.context import SimulatorContext
from harness.simulator.drift.draft import ResponseDraft
from harness.simulator.drift.effects import EffectEnv
from harness.simulator.drift.messaging import BehaviourEffect
from harness.simulator.drift.profile import DriftEntry, DriftProfile


def request_of(scope: Scope, body: bytes = b"") -> Request:
    query = scope.get("query_string", b"").decode("latin-1")
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=tuple(parse_qsl(query, keep_blank_values=True)),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
        body=body,
    )


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that hands the app the body already read, then the real channel."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


class DriftMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        profile: DriftProfile,
        openapi: Mapping[str, Any],
        context: SimulatorContext,
    ) -> None:
        self.app = app
        self.profile = profile
        self.context = context
        self.index = OperationIndex.from_openapi(openapi)
        self.by_operation: dict[str, list[DriftEntry]] = {}
        seed = profile.seed if profile.seed is not None else context.config.seed
        self.envs: dict[str, EffectEnv] = {}
        for entry in profile.entries:
            self.by_operation.setdefault(entry.operation, []).append(entry)
            self.envs[entry.id] = EffectEnv(
                entry.id, random.Random(f"drift:{seed}:{entry.id}"), self._restricted_master
            )

    def _restricted_master(self, nhs_number: str) -> dict[str, Any] | None:
        from harness.simulator.population import population_of

        record = population_of(self.context).get(nhs_number)
        return record.resource if record is not None and record.restricted else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = request_of(scope)
        operation = self.index.match(request)
        entries = self.by_operation.get(operation.id, []) if operation else []
        if entries and any(entry.since is not None for entry in entries):
            now = moment_of(request.headers, self.context.clock)
            entries = [entry for entry in entries if entry.active_at(now)]
        if not entries:
            await self.app(scope, receive, send)
            return
        if any(entry.when is not None and entry.when.needs_body for entry in entries):
            body = await read_body(receive)
            receive = replay(body, receive)
            request = request_of(scope, body)
        active = [e for e in entries if e.when is None or e.when.matches(request)]
        behaviour, responding = behaviour_of(scope), []
        for entry in active:
            if isinstance(entry.effect, BehaviourEffect):  # what happens next, not the answer
                behaviour = entry.effect.shape(behaviour)
            else:
                responding.append(entry)
        if len(responding) < len(active):
            set_behaviour(scope, behaviour)
        active = responding
        if not active:
            await self.app(scope, receive, send)
            return

        async def send_drifted(response: BufferedResponse) -> None:
            await self._send_drifted(response, active, send, scope["method"] == "HEAD")

        await call_buffered(self.app, scope, receive, send, send_drifted)

    async def _send_drifted(
        self, response: BufferedResponse, entries: list[DriftEntry], send: Send, head: bool
    ) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
        draft = ResponseDraft(response.status, headers, response.body)
        for entry in entries:
            if not isinstance(entry.effect, BehaviourEffect):
                entry.effect.apply(draft, self.envs[entry.id])
        if draft.delay_ms:
            await asyncio.sleep(draft.delay_ms / 1000)
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in draft.headers]
        await send_whole(send, draft.status, raw, draft.body(), head)
