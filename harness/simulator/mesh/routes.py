"""The MESH API's HTTP endpoints under `/messageexchange`: one handler per operation.

Every mailbox request is authenticated (`auth.py`), then expires what the messaging clock
says is due (`MeshStore.expire_due`), then runs. Errors are `MeshError`s answered in the
version the `Accept` header asked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator.behaviour import behaviour_of
from harness.simulator.buffering import keep_body
from harness.simulator.context import SimulatorContext
from harness.simulator.mesh import errors, listing
from harness.simulator.mesh.auth import AuthError, TokenVerifier
from harness.simulator.mesh.chunks import ChunkRangeError, gunzip, is_gzip, parse_chunk_range
from harness.simulator.mesh.errors import MeshError
from harness.simulator.mesh.headers import download_headers, envelope_from
from harness.simulator.mesh.mailboxes import Mailbox, MailboxDirectory
from harness.simulator.mesh.messages import Status, StoredMessage, new_message_id
from harness.simulator.mesh.store import MeshStore
from harness.simulator.mesh.tracking import tracking
from harness.simulator.mesh.versions import BadAccept, accepted_version, json_media_type
from harness.simulator.render import LEGACY_SERVER, json_response

BASE = "/messageexchange"
OCTET_STREAM = "application/octet-stream"
Handler = Callable[[Request, Mailbox, int], Awaitable[Response]]


def _empty(status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status_code=status, headers={"Server": LEGACY_SERVER, **(headers or {})})


class MeshApi:
    def __init__(
        self, ctx: SimulatorContext, mailboxes: MailboxDirectory, verifier: TokenVerifier
    ) -> None:
        self.ctx = ctx
        self.mailboxes = mailboxes
        self.store = MeshStore(mailboxes)
        self.verifier = verifier

    # --- plumbing -----------------------------------------------------------------------------

    def _error(self, error: MeshError, version: int) -> Response:
        internal_id = new_message_id(self.ctx.clock.now())
        return json_response(
            error.body(version, internal_id), error.status, media_type=json_media_type(version)
        )

    def _mailbox_endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            version = 1
            try:
                version = accepted_version(request.headers.get("accept"))
                mailbox_id = request.path_params["mailbox_id"].upper()
                try:
                    self.verifier.verify(request.headers.get("authorization"), mailbox_id)
                except AuthError as refused:
                    raise errors.forbidden(str(refused)) from None
                mailbox = self.mailboxes.get(mailbox_id)
                if mailbox is None:
                    raise errors.forbidden("No mailbox matched")
                self.store.expire_due(self.ctx.clock.now())
                return await handler(request, mailbox, version)
            except BadAccept as bad:
                return self._error(errors.bad_request(str(bad)), version)
            except listing.ListingError as bad:
                return self._error(errors.bad_request(str(bad)), version)
            except MeshError as error:
                return self._error(error, version)

        return endpoint

    def _json(self, body: Any, version: int, status: int = 200) -> Response:
        return json_response(body, status, media_type=json_media_type(version))

    def _received(self, mailbox: Mailbox, message_id: str) -> StoredMessage:
        """A message addressed to `mailbox` that may still be downloaded."""
        message = self.store.messages.get(message_id.upper())
        if message is None or message.status == Status.UPLOADING:
            raise errors.not_found(message_id)
        if message.envelope.recipient != mailbox.mailbox_id:
            raise errors.forbidden("the message is not addressed to this mailbox")
        if message.status != Status.ACCEPTED:
            raise errors.gone(message.message_id)
        return message

    # --- handshake and inbox ------------------------------------------------------------------

    async def handshake(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        if version >= 2:
            return _empty()
        return self._json({"mailboxId": mailbox.mailbox_id}, version)

    async def inbox(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        query = request.query_params
        max_results = listing.max_results_of(query.get("max_results"))
        matches = listing.workflow_matcher(query.get("workflow_filter"))
        after = listing.continuation_of(query.get("continue_from"), version)
        messages = self.store.inbox(mailbox.mailbox_id)
        ids = [m.message_id for m in messages if matches(m.envelope.workflow_id)]
        chosen = listing.page(ids, max_results, after)
        if version < 2:
            return self._json({"messages": chosen.ids}, version)
        arguments = {
            key: value
            for key, value in (
                ("max_results", query.get("max_results")),
                ("workflow_filter", query.get("workflow_filter")),
            )
            if value
        }
        links = {"self": _link(mailbox.mailbox_id, arguments)}
        if chosen.next_after is not None:
            after_token = listing.continuation_token(chosen.next_after)
            links["next"] = _link(mailbox.mailbox_id, {**arguments, "continue_from": after_token})
        body = {"messages": chosen.ids, "links": links, "approx_inbox_count": len(messages)}
        return self._json(body, version)

    async def count(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        count = self.store.inbox_count(mailbox.mailbox_id)
        if version >= 2:
            return self._json({"count": count}, version)
        internal_id = new_message_id(self.ctx.clock.now())
        body = {"count": count, "internalID": internal_id, "allResultsIncluded": True}
        return self._json(body, version)

    # --- download and acknowledge -------------------------------------------------------------

    async def download(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        message = self._received(mailbox, request.path_params["message_id"])
        number = int(request.path_params.get("chunk_number", 1))
        chunk = message.chunk(number)
        if chunk is None:
            raise errors.not_found(message.message_id)
        headers = download_headers(message, number)
        if message.envelope.content_encoding == "gzip":
            if "gzip" in (request.headers.get("accept-encoding") or "").lower():
                headers["Content-Encoding"] = "gzip"
            else:
                chunk = gunzip(chunk)
        single = message.chunks.total == 1
        media_type = message.envelope.content_type if version >= 2 and single else ""
        status = 206 if number < message.chunks.total else 200
        keep_body(request.scope)  # the sender's bytes, whatever their type: never re-presented
        return Response(
            chunk,
            status_code=status,
            headers={"Server": LEGACY_SERVER, **headers},
            media_type=media_type or OCTET_STREAM,
        )

    async def head(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        message = self._received(mailbox, request.path_params["message_id"])
        return _empty(headers=download_headers(message, 1))

    async def acknowledge(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        message_id = request.path_params["message_id"].upper()
        message = self.store.messages.get(message_id)
        if message is None or message.status == Status.UPLOADING:
            raise errors.not_found(message_id)
        if message.envelope.recipient != mailbox.mailbox_id:
            raise errors.forbidden("the message is not addressed to this mailbox")
        self.store.acknowledge(message, self.ctx.clock.now(), behaviour_of(request.scope))
        if version >= 2:
            return _empty()
        return self._json({"messageId": message.message_id}, version)

    # --- send ---------------------------------------------------------------------------------

    async def send(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        headers = request.headers
        encoding = _content_encoding(headers.get("content-encoding"))
        try:
            first = parse_chunk_range(headers.get("mex-chunk-range"), 1)
        except ChunkRangeError as bad:
            raise errors.send_error(errors.MALFORMED_HEADERS, str(bad)) from None
        declared_from = (headers.get("mex-from") or "").strip().upper()
        if declared_from and declared_from != mailbox.mailbox_id:
            raise errors.send_error(errors.INVALID_FROM, "Invalid From Address")
        envelope = envelope_from(headers, mailbox.mailbox_id, encoding)
        if not envelope.recipient:
            raise errors.send_error(errors.MISSING_TO, "TO_DTS missing")
        if self.mailboxes.get(envelope.recipient) is None:
            raise errors.send_error(errors.UNREGISTERED_RECIPIENT, "Unregistered to address")
        if not self.mailboxes.may_send(
            envelope.workflow_id, mailbox.mailbox_id, envelope.recipient
        ):
            raise errors.send_error(
                errors.WORKFLOW_NOT_REGISTERED, "Workflow ID not registered for mailbox"
            )
        body = _checked_body(await request.body(), encoding)
        message = self.store.create(
            envelope, first.total, body, self.ctx.clock.now(), behaviour_of(request.scope)
        )
        key = "message_id" if version >= 2 else "messageID"
        return self._json({key: message.message_id}, version, status=202)

    async def send_chunk(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        message_id = request.path_params["message_id"].upper()
        number = int(request.path_params["chunk_number"])
        message = self.store.messages.get(message_id)
        if message is None or message.envelope.sender != mailbox.mailbox_id:
            raise errors.not_found(message_id)
        try:
            sent = parse_chunk_range(request.headers.get("mex-chunk-range"), number)
        except ChunkRangeError as bad:
            raise errors.send_error(errors.MALFORMED_HEADERS, str(bad), message_id) from None
        if sent.total != message.chunks.total:
            raise errors.send_error(
                errors.MALFORMED_HEADERS,
                f"the message has {message.chunks.total} chunks, not {sent.total}",
                message_id,
            )
        if message.status != Status.UPLOADING:
            raise MeshError(423, "SEND", "423", "the message is already complete", message_id)
        encoding = _content_encoding(request.headers.get("content-encoding"))
        if encoding != message.envelope.content_encoding:
            raise errors.send_error(
                errors.MALFORMED_HEADERS, "cannot change content encoding", message_id
            )
        body = _checked_body(await request.body(), encoding)
        self.store.add_chunk(
            message, number, body, self.ctx.clock.now(), behaviour_of(request.scope)
        )
        if version >= 2:
            return self._json({"message_id": message.message_id}, version, status=202)
        return self._json({"messageID": message.message_id, "blockId": number}, version, 202)

    async def track(self, request: Request, mailbox: Mailbox, version: int) -> Response:
        message_id = (request.query_params.get("messageID") or "").upper()
        if not message_id:
            raise errors.bad_request("the messageID query parameter is required")
        message = self.store.messages.get(message_id)
        if message is None or message.envelope.sender != mailbox.mailbox_id:
            raise errors.not_found(message_id)
        recipient = self.mailboxes.get(message.envelope.recipient)
        return self._json(tracking(message, mailbox, recipient, version), version)

    # --- look-ups (no mailbox, no token) ------------------------------------------------------

    async def lookup(self, request: Request) -> Response:
        return self._lookup(
            request, request.path_params["workflow_id"], request.path_params["ods_code"]
        )

    async def workflow_search(self, request: Request) -> Response:
        return self._lookup(request, request.path_params["workflow_id"], None)

    def _lookup(self, request: Request, workflow_id: str, ods_code: str | None) -> Response:
        try:
            version = accepted_version(request.headers.get("accept"))
        except BadAccept as bad:
            return self._error(errors.bad_request(str(bad)), 1)
        found = self.mailboxes.receivers(workflow_id, ods_code)
        if version >= 2 or ods_code is None:
            results = [{"mailbox_id": m.mailbox_id, "mailbox_name": m.mailbox_name} for m in found]
            return self._json({"results": results}, version)
        items = [
            {"address": m.mailbox_id, "description": m.mailbox_name, "endpoint_type": "MESH"}
            for m in found
        ]
        query_id = new_message_id(self.ctx.clock.now())
        return self._json({"query_id": query_id, "results": items}, version)

    async def ping(self, request: Request) -> Response:
        return json_response({"status": "ok"}, media_type="application/json")

    def routes(self) -> list[BaseRoute]:
        mailbox = f"{BASE}/{{mailbox_id}}"
        endpoint = self._mailbox_endpoint
        return [
            Route(f"{BASE}/_ping", self.ping, methods=["GET"]),
            Route(
                f"{BASE}/endpointlookup/{{ods_code}}/{{workflow_id}}", self.lookup, methods=["GET"]
            ),
            Route(f"{BASE}/workflowsearch/{{workflow_id}}", self.workflow_search, methods=["GET"]),
            Route(mailbox, endpoint(self.handshake), methods=["POST"]),
            Route(f"{mailbox}/count", endpoint(self.count), methods=["GET"]),
            Route(f"{mailbox}/inbox", endpoint(self.inbox), methods=["GET"]),
            Route(f"{mailbox}/inbox/{{message_id}}", endpoint(self.download), methods=["GET"]),
            Route(f"{mailbox}/inbox/{{message_id}}", endpoint(self.head), methods=["HEAD"]),
            Route(
                f"{mailbox}/inbox/{{message_id}}/status/acknowledged",
                endpoint(self.acknowledge),
                methods=["PUT"],
            ),
            Route(
                f"{mailbox}/inbox/{{message_id}}/{{chunk_number:int}}",
                endpoint(self.download),
                methods=["GET"],
            ),
            Route(f"{mailbox}/outbox", endpoint(self.send), methods=["POST"]),
            Route(f"{mailbox}/outbox/tracking", endpoint(self.track), methods=["GET"]),
            Route(
                f"{mailbox}/outbox/{{message_id}}/{{chunk_number:int}}",
                endpoint(self.send_chunk),
                methods=["POST"],
            ),
        ]


def _link(mailbox_id: str, arguments: dict[str, str]) -> str:
    query = f"?{urlencode(arguments)}" if arguments else ""
    return f"{BASE}/{mailbox_id}/inbox{query}"


def _content_encoding(value: str | None) -> str:
    encoding = (value or "").strip().lower()
    if encoding in ("", "identity"):
        return ""
    if encoding != "gzip":
        raise errors.send_error(errors.MALFORMED_HEADERS, f"Unsupported content encoding {value!r}")
    return encoding


def _checked_body(body: bytes, encoding: str) -> bytes:
    if not body:
        raise errors.send_error(errors.MISSING_DATA, "Data file is missing or inaccessible")
    if encoding == "gzip" and not is_gzip(body):
        raise errors.send_error(
            errors.MALFORMED_HEADERS, "Content-Encoding is gzip, the body is not"
        )
    return body
