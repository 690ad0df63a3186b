"""The MESH authentication scheme, a per-request signing scheme of the Spine pack.

    Authorization: NHSMESH <mailbox>:<nonce>:<nonce_count>:<timestamp>:<HMAC-SHA256 hex>

where the HMAC is keyed by the environment's shared key over
`<mailbox>:<nonce>:<nonce_count>:<password>:<timestamp>` and the timestamp is UTC
`YYYYMMDDHHMM` (as NHS England's client `mesh-client` writes it). A fresh nonce per request,
count 0, so a server that refuses a nonce it has seen never sees one twice. The mailbox is the
`mailbox` option, else the one the request addresses (`/messageexchange/<mailbox>/...`), so one
target serves a conversation between two mailboxes; its password is `password.<MAILBOX>`, else
`password`. A request that addresses no mailbox (another service on the same target, as the
simulator serves PDS beside MESH) is sent as it is: only MESH's mailbox requests are signed.

    [targets.candidate.auth]
    provider = "mesh"
    shared_key = "${MESH_SHARED_KEY}"
    password = "${MESH_PASSWORD}"
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from harness.core.exchange import Request
from harness.errors import HarnessError

SCHEME = "NHSMESH"
_MAILBOX = re.compile(r"/messageexchange/([^/?]+)")


def mesh_token(
    shared_key: str, mailbox: str, password: str, nonce: str, nonce_count: int, timestamp: str
) -> str:
    private = f"{mailbox}:{nonce}:{nonce_count}:{password}:{timestamp}"
    digest = hmac.new(shared_key.encode("utf-8"), private.encode("ascii"), hashlib.sha256)
    return f"{SCHEME} {mailbox}:{nonce}:{nonce_count}:{timestamp}:{digest.hexdigest()}"


class MeshSigner:
    provides = frozenset({"authorization"})

    def __init__(self, options: Any) -> None:
        """`options`: a `harness.auth.Options` (the pack sits below the auth layer, so it is
        given one rather than importing it)."""
        self.shared_key = options.require("shared_key")
        self.mailbox = options.get("mailbox")
        self.password = options.get("password")
        self.passwords = {
            key.split(".", 1)[1].upper(): options.require(key)
            for key in list(options.raw)
            if key.startswith("password.")
        }
        if self.password is None and not self.passwords:
            raise HarnessError(
                "the mesh provider needs `password` (or `password.<MAILBOX>`)",
                field=f"{options.where}.password",
            )
        self.where = options.where
        self.signed = 0

    async def sign(self, request: Request) -> Request:
        mailbox = self.mailbox or _mailbox_of(request.path)
        if mailbox is None:
            return request  # not a MESH mailbox request: nothing to sign
        password = self.passwords.get(mailbox.upper(), self.password)
        if password is None:
            raise HarnessError(f"no password for mailbox {mailbox}", field=f"{self.where}.password")
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M")
        token = mesh_token(self.shared_key, mailbox, password, str(uuid.uuid4()), 0, stamp)
        self.signed += 1
        headers = (*request.headers, ("Authorization", token))
        return Request(request.method, request.path, request.query, headers, request.body)

    async def aclose(self) -> None:
        return None


def _mailbox_of(path: str) -> str | None:
    found = _MAILBOX.search(path)
    return found.group(1) if found else None
