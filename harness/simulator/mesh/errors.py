"""MESH errors: the specification's codes, and their version 1 and version 2 bodies.

v1: {"messageID": ..., "errorEvent": "SEND", "errorCode": "12", "errorDescription": ...}
v2: {"message_id": ..., "internal_id": ..., "detail": [{"event", "code", "msg"}]}
"""

from __future__ import annotations

from typing import Any

# The codes of the specification's error table.
MISSING_DATA = "02"
MALFORMED_HEADERS = "06"
INVALID_FROM = "07"
MISSING_TO = "08"
UNREGISTERED_RECIPIENT = "12"
UNDELIVERED = "14"
WORKFLOW_NOT_REGISTERED = "17"
MESSAGE_DOES_NOT_EXIST = "20"


class MeshError(Exception):
    """An answer other than success: the HTTP status and the MESH error it carries."""

    def __init__(
        self, status: int, event: str, code: str, description: str, message_id: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.event = event  # SEND, RECEIVE, AUTH, ...
        self.code = code
        self.description = description
        self.message_id = message_id

    def body(self, version: int, internal_id: str) -> dict[str, Any]:
        if version >= 2:
            body: dict[str, Any] = {"internal_id": internal_id}
            if self.message_id:
                body["message_id"] = self.message_id
            body["detail"] = [{"event": self.event, "code": self.code, "msg": self.description}]
            return body
        legacy: dict[str, Any] = {"messageID": self.message_id} if self.message_id else {}
        legacy.update(errorEvent=self.event, errorCode=self.code, errorDescription=self.description)
        return legacy


def send_error(code: str, description: str, message_id: str | None = None) -> MeshError:
    """A refused send: 417 Expectation Failed, as the specification answers them."""
    return MeshError(417, "SEND", code, description, message_id)


def forbidden(reason: str) -> MeshError:
    return MeshError(403, "AUTH", "403", reason)


def not_found(message_id: str | None = None) -> MeshError:
    return MeshError(404, "RECEIVE", MESSAGE_DOES_NOT_EXIST, "Message does not exist", message_id)


def gone(message_id: str) -> MeshError:
    return MeshError(410, "RECEIVE", "410", "Message no longer available for download", message_id)


def bad_request(description: str) -> MeshError:
    return MeshError(400, "VALIDATION", "400", description)
