"""What MESH holds about a message: the sender's envelope and the message's life so far."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from harness.simulator.behaviour import FAITHFUL, MessagingBehaviour
from harness.simulator.mesh.chunks import ChunkSet

INBOX_EXPIRY = timedelta(days=5)  # not acknowledged within 5 days of delivery: a REPORT


class Status(StrEnum):
    UPLOADING = "uploading"  # chunks still to come
    ACCEPTED = "accepted"  # in the recipient's inbox
    ACKNOWLEDGED = "acknowledged"  # downloaded and acknowledged by the recipient
    UNDELIVERABLE = "undeliverable"  # expired, or its recipient is deactivated


class MessageType(StrEnum):
    DATA = "DATA"
    REPORT = "REPORT"


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the sender said about the message (the `Mex-*` headers of the first chunk)."""

    sender: str
    recipient: str
    workflow_id: str
    local_id: str = ""
    subject: str = ""
    filename: str = ""
    partner_id: str = ""
    checksum: str = ""
    content_type: str = ""
    content_encoding: str = ""  # "gzip" or ""
    encrypted: bool = False
    compressed: bool = False  # Mex-Content-Compressed: the content itself is compressed


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a message was not delivered, as its REPORT says it."""

    code: str  # MESH error code, e.g. "14"
    event: str  # the step of MESH's process, e.g. "SEND"
    description: str


@dataclass(slots=True)
class StoredMessage:
    message_id: str
    envelope: Envelope
    chunks: ChunkSet
    uploaded_at: datetime
    message_type: MessageType = MessageType.DATA
    status: Status = Status.UPLOADING
    status_at: datetime | None = None
    accepted_at: datetime | None = None
    acknowledged_at: datetime | None = None
    behaviour: MessagingBehaviour = FAITHFUL
    delivery_order: list[bytes] = field(default_factory=list)
    linked_message_id: str = ""  # a REPORT: the message it reports on
    intended_recipient: str = ""  # a REPORT: the recipient the message was not delivered to
    failure: Failure | None = None

    @property
    def expires_at(self) -> datetime | None:
        return self.accepted_at + INBOX_EXPIRY if self.accepted_at is not None else None

    @property
    def in_inbox(self) -> bool:
        return self.status == Status.ACCEPTED

    def chunk(self, number: int) -> bytes | None:
        """Chunk `number` (from 1) as delivered, None when there is no such chunk."""
        if 1 <= number <= len(self.delivery_order):
            return self.delivery_order[number - 1]
        return None


def new_message_id(now: datetime) -> str:
    """MESH's shape: the acceptance time to the microsecond, then six hex digits."""
    return f"{now:%Y%m%d%H%M%S%f}_{secrets.token_hex(3).upper()}"
