"""MESH's part of the simulator's OpenAPI document (tag `mesh`), after NHS England's MESH API.

Each answer lists both versions: `application/vnd.mesh.v2+json` (asked for with that `Accept`)
and `application/json` (version 1, the default). Operation ids are the simulator's own.
"""

from __future__ import annotations

from typing import Any

TAG = "mesh"
REF = "#/components/schemas/"
V2 = "application/vnd.mesh.v2+json"
V1 = "application/json"
OCTET = "application/octet-stream"
BASE = "/messageexchange"

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": REF + name}


def _path(name: str, description: str, schema: Json | None = None) -> Json:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1},
    }


MAILBOX = _path("mailbox_id", "mailbox identifier", {"type": "string", "pattern": "^[A-Za-z0-9]+$"})
MESSAGE = _path("message_id", "message identifier")
CHUNK = _path("chunk_number", "the chunk's number, from 1", {"type": "integer", "minimum": 1})
AUTHORIZATION: Json = {
    "in": "header",
    "name": "Authorization",
    "required": True,
    "description": (
        "`NHSMESH <mailbox>:<nonce>:<nonce_count>:<yyyyMMddHHmm>:<HMAC-SHA256>`, "
        "each token good for one request, its timestamp within 2 hours of UTC"
    ),
    "schema": {"type": "string"},
}
ACCEPT: Json = {
    "in": "header",
    "name": "Accept",
    "required": False,
    "description": "`application/vnd.mesh.v2+json` for version 2, else version 1",
    "schema": {"type": "string", "default": V1},
}


def _header(name: str, description: str, required: bool = False) -> Json:
    return {
        "in": "header",
        "name": name,
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def _json(v2: str, v1: str) -> Json:
    return {V2: {"schema": _ref(v2)}, V1: {"schema": _ref(v1)}}


ERRORS = _json("MeshErrorV2", "MeshErrorV1")
FORBIDDEN: Json = {"description": "Authentication failed", "content": ERRORS}
BAD_REQUEST: Json = {"description": "Validation error", "content": ERRORS}


def _operation(operation_id: str, summary: str, parameters: list[Json], **parts: Any) -> Json:
    responses = parts.pop("responses")
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [TAG],
        "parameters": parameters,
        "responses": responses,
        **parts,
    }


def _mailbox_operation(operation_id: str, summary: str, *extra: Json, **parts: Any) -> Json:
    parts["responses"] = {**parts["responses"], "400": BAD_REQUEST, "403": FORBIDDEN}
    return _operation(operation_id, summary, [MAILBOX, *extra, AUTHORIZATION, ACCEPT], **parts)


BINARY = {OCTET: {"schema": {"type": "string", "format": "binary"}}}
DOWNLOAD_RESPONSES: Json = {
    "200": {"description": "the message, or its last chunk", "content": BINARY},
    "206": {"description": "a chunk, more to come (Mex-Chunk-Range k:n)", "content": BINARY},
    "404": {"description": "no such message or chunk", "content": ERRORS},
    "410": {"description": "acknowledged, expired or undeliverable", "content": ERRORS},
}
SEND_HEADERS = [
    _header("Mex-To", "recipient mailbox", required=True),
    _header("Mex-WorkflowID", "the workflow of the message"),
    _header("Mex-From", "the sending mailbox (must be the authenticated one)"),
    _header("Mex-Chunk-Range", "`1:n` for the first of n chunks"),
    _header("Mex-LocalID", "the sender's reference"),
    _header("Mex-Subject", "subject"),
    _header("Mex-FileName", "file name"),
    _header("Mex-Content-Checksum", "checksum of the content"),
    _header("Mex-Content-Encrypted", "Y when the content is encrypted"),
    _header("Mex-Content-Compressed", "Y when the content itself is compressed"),
    _header("Mex-Content-Type", "content type of the decoded content"),
    _header("Mex-PartnerID", "partner identifier"),
    _header("Content-Encoding", "`gzip` when this chunk is gzip-compressed"),
]
BODY: Json = {
    "required": True,
    "content": {
        OCTET: {"schema": {"type": "string", "format": "binary"}},
        "*/*": {"schema": {"type": "string", "format": "binary"}},
    },
}
SENT: Json = {"description": "accepted", "content": _json("SendMessageV2", "SendMessageV1")}
REFUSED: Json = {"description": "refused (MESH error code in the body)", "content": ERRORS}


def openapi_paths() -> dict[str, Any]:
    mailbox = f"{BASE}/{{mailbox_id}}"
    inbox_parameters = [
        {
            "in": "query",
            "name": "max_results",
            "required": False,
            "description": "page size (at most 500 ids come back whatever is asked)",
            "schema": {"type": "integer", "minimum": 10, "maximum": 5000, "default": 500},
        },
        {
            "in": "query",
            "name": "continue_from",
            "required": False,
            "description": "from `links.next` (version 2), or the last id seen (version 1)",
            "schema": {"type": "string", "minLength": 1},
        },
        {
            "in": "query",
            "name": "workflow_filter",
            "required": False,
            "description": "`WF`, `!WF`, `WF*`, `!WF*`, `*WF*` or `!*WF*`",
            "schema": {"type": "string", "minLength": 2, "maxLength": 255},
        },
    ]
    lookup = {
        "200": {"description": "matching mailboxes", "content": _json("LookupV2", "LookupV1")}
    }
    return {
        f"{BASE}/_ping": {
            "get": _operation(
                "meshPing",
                "Is MESH up",
                [],
                responses={
                    "200": {"description": "up", "content": {V1: {"schema": {"type": "object"}}}}
                },
            )
        },
        f"{BASE}/endpointlookup/{{ods_code}}/{{workflow_id}}": {
            "get": _operation(
                "meshLookupEndpoint",
                "Mailboxes of an organisation receiving a workflow",
                [_path("ods_code", "ODS code"), _path("workflow_id", "workflow id"), ACCEPT],
                responses=lookup,
            )
        },
        f"{BASE}/workflowsearch/{{workflow_id}}": {
            "get": _operation(
                "meshSearchWorkflow",
                "Mailboxes receiving a workflow",
                [_path("workflow_id", "workflow id"), ACCEPT],
                responses={
                    "200": {
                        "description": "matching mailboxes",
                        "content": _json("LookupV2", "LookupV2"),
                    }
                },
            )
        },
        mailbox: {
            "post": _mailbox_operation(
                "meshHandshake",
                "Validate a mailbox (handshake)",
                _header("Mex-ClientVersion", "client version"),
                _header("Mex-OSName", "operating system"),
                _header("Mex-OSVersion", "operating system version"),
                responses={
                    "200": {
                        "description": "valid (version 1 names the mailbox; version 2 is empty)",
                        "content": {V1: {"schema": _ref("HandshakeV1")}},
                    }
                },
            )
        },
        f"{mailbox}/count": {
            "get": _mailbox_operation(
                "meshCountInbox",
                "Count the inbox (deprecated)",
                deprecated=True,
                responses={"200": {"description": "count", "content": _json("CountV2", "CountV1")}},
            )
        },
        f"{mailbox}/inbox": {
            "get": _mailbox_operation(
                "meshListInbox",
                "Message ids ready to download, oldest first, at most 500",
                *inbox_parameters,
                responses={
                    "200": {"description": "a page", "content": _json("InboxV2", "InboxV1")}
                },
            )
        },
        f"{mailbox}/inbox/{{message_id}}": {
            "get": _mailbox_operation(
                "meshDownloadMessage",
                "Download a message (its first chunk)",
                MESSAGE,
                _header("Accept-Encoding", "`gzip` to receive gzip chunks as sent"),
                responses=DOWNLOAD_RESPONSES,
            ),
            "head": _mailbox_operation(
                "meshHeadMessage",
                "A message's headers",
                MESSAGE,
                responses={
                    "200": {"description": "the Mex-* headers"},
                    "404": {"description": "no such message"},
                    "410": {"description": "acknowledged, expired or undeliverable"},
                },
            ),
        },
        f"{mailbox}/inbox/{{message_id}}/{{chunk_number}}": {
            "get": _mailbox_operation(
                "meshDownloadChunk",
                "Download chunk n of a message",
                MESSAGE,
                CHUNK,
                _header("Accept-Encoding", "`gzip` to receive gzip chunks as sent"),
                responses=DOWNLOAD_RESPONSES,
            )
        },
        f"{mailbox}/inbox/{{message_id}}/status/acknowledged": {
            "put": _mailbox_operation(
                "meshAcknowledgeMessage",
                "Acknowledge a downloaded message (removes it from the inbox)",
                MESSAGE,
                responses={
                    "200": {
                        "description": "acknowledged (version 2 answers no body)",
                        "content": {V1: {"schema": _ref("AcknowledgeV1")}},
                    },
                    "404": {"description": "no such message", "content": ERRORS},
                },
            )
        },
        f"{mailbox}/outbox": {
            "post": _mailbox_operation(
                "meshSendMessage",
                "Send a message, or the first chunk of one",
                *SEND_HEADERS,
                requestBody=BODY,
                responses={"202": SENT, "417": REFUSED},
            )
        },
        f"{mailbox}/outbox/{{message_id}}/{{chunk_number}}": {
            "post": _mailbox_operation(
                "meshSendChunk",
                "Send chunk n (2 or more) of a message",
                MESSAGE,
                CHUNK,
                _header("Mex-Chunk-Range", "`n:total`", required=True),
                _header("Content-Encoding", "as the first chunk's"),
                requestBody=BODY,
                responses={
                    "202": SENT,
                    "404": {"description": "no such message of this sender", "content": ERRORS},
                    "417": REFUSED,
                    "423": {"description": "the message is complete already", "content": ERRORS},
                },
            )
        },
        f"{mailbox}/outbox/tracking": {
            "get": _mailbox_operation(
                "meshTrackMessage",
                "Track a sent message",
                {
                    "in": "query",
                    "name": "messageID",
                    "required": True,
                    "description": "the id the send answered",
                    "schema": {"type": "string", "minLength": 1},
                },
                responses={
                    "200": {
                        "description": "tracking",
                        "content": _json("TrackingV2", "TrackingV1"),
                    },
                    "404": {"description": "no such message of this sender", "content": ERRORS},
                },
            )
        },
    }


def _object(properties: Json, required: list[str] | None = None) -> Json:
    schema: Json = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _list_of(properties: Json, required: list[str]) -> Json:
    return {"type": "array", "items": _object(properties, required)}


STRING: Json = {"type": "string"}
NULLABLE: Json = {"type": "string", "nullable": True}


def openapi_components() -> dict[str, Any]:
    ids = {"type": "array", "items": STRING}
    nullable_fields = (
        "local_id", "workflow_id", "filename", "expiry_time", "upload_timestamp",
        "recipient", "recipient_name", "recipient_ods_code", "recipient_org_code",
        "recipient_org_name", "status", "status_event", "status_timestamp",
        "status_description", "status_code",
    )  # fmt: skip
    tracking_v2 = dict.fromkeys(nullable_fields, NULLABLE)
    return {
        "schemas": {
            "MeshErrorV1": _object(
                {
                    "messageID": STRING,
                    "errorEvent": STRING,
                    "errorCode": STRING,
                    "errorDescription": STRING,
                },
                ["errorEvent", "errorCode", "errorDescription"],
            ),
            "MeshErrorV2": _object(
                {
                    "message_id": STRING,
                    "internal_id": STRING,
                    "detail": _list_of(
                        {"event": STRING, "code": STRING, "msg": STRING}, ["event", "code", "msg"]
                    ),
                },
                ["internal_id", "detail"],
            ),
            "HandshakeV1": _object({"mailboxId": STRING}, ["mailboxId"]),
            "AcknowledgeV1": _object({"messageId": STRING}, ["messageId"]),
            "SendMessageV1": _object(
                {"messageID": STRING, "blockId": {"type": "integer"}}, ["messageID"]
            ),
            "SendMessageV2": _object({"message_id": STRING}, ["message_id"]),
            "InboxV1": _object({"messages": ids}, ["messages"]),
            "InboxV2": _object(
                {
                    "messages": ids,
                    "links": {"type": "object", "additionalProperties": STRING},
                    "approx_inbox_count": {"type": "integer"},
                },
                ["messages", "links"],
            ),
            "CountV1": _object(
                {
                    "count": {"type": "integer"},
                    "internalID": STRING,
                    "allResultsIncluded": {"type": "boolean"},
                },
                ["count", "internalID", "allResultsIncluded"],
            ),
            "CountV2": _object({"count": {"type": "integer"}}, ["count"]),
            "TrackingV1": _object(
                {
                    "messageId": STRING,
                    "dtsId": STRING,
                    "status": STRING,
                    "fileSize": {"type": "integer"},
                },
                ["messageId", "status"],
            ),
            "TrackingV2": _object(
                {"message_id": STRING, "status_success": {"type": "boolean"}, **tracking_v2},
                ["message_id"],
            ),
            "LookupV1": _object(
                {
                    "query_id": STRING,
                    "results": _list_of(
                        {"address": STRING, "description": STRING, "endpoint_type": STRING},
                        ["address", "description", "endpoint_type"],
                    ),
                },
                ["query_id", "results"],
            ),
            "LookupV2": _object(
                {
                    "results": _list_of(
                        {"mailbox_id": STRING, "mailbox_name": STRING},
                        ["mailbox_id", "mailbox_name"],
                    )
                },
                ["results"],
            ),
        }
    }
