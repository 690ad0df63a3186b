"""A modified copy of NHS England's MESH sandbox, for rehearsals that must find its changes: the
sandbox's own ASGI app wrapped in a small middleware that
- moves a tracked message's inbox expiry from five days after its upload to three,
- renames the tracking answer's `recipient_name` to `recipientName`,
- answers an acknowledgement with 202 instead of 200.

Served with `uvicorn tests.integration.mesh_drifted:app` (`mesh_sandbox(app=...)`)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from mesh_sandbox.api import app as sandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


def changed(path: str, status: int, body: bytes) -> tuple[int, bytes]:
    if path.endswith("/status/acknowledged") and status == 200:
        return 202, body
    if "/outbox/tracking" in path and body.startswith(b"{"):
        document = json.loads(body)
        expiry = document.get("expiry_time")
        if isinstance(expiry, str):
            moved = datetime.fromisoformat(expiry) - timedelta(days=2)
            document["expiry_time"] = moved.isoformat()
        if "recipient_name" in document:
            document["recipientName"] = document.pop("recipient_name")
        return status, json.dumps(document).encode()
    return status, body


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        await sandbox(scope, receive, send)
        return
    started: Message = {}
    body = bytearray()

    async def held(message: Message) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body"):
            return
        status, payload = changed(scope["path"], started["status"], bytes(body))
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    await sandbox(scope, receive, held)
