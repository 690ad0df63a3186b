"""The `Mex-*` headers MESH sends with a downloaded message, and the sender's headers it reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from harness.simulator.mesh.messages import Envelope, MessageType, StoredMessage

STATUS_TIMESTAMP = "%Y%m%d%H%M%S"
TRANSFERRED = "Transferred to recipient mailbox"


def _flag(value: str | None) -> bool:
    return (value or "").strip().upper() in ("Y", "YES", "TRUE", "1")


def envelope_from(headers: Mapping[str, str], sender: str, content_encoding: str) -> Envelope:
    """The sender's envelope from the first chunk's headers (names are case-insensitive)."""

    def get(name: str) -> str:
        return (headers.get(name) or "").strip()

    content_type = get("mex-content-type") or get("content-type")
    return Envelope(
        sender=sender,
        recipient=get("mex-to").upper(),
        workflow_id=get("mex-workflowid"),
        local_id=get("mex-localid"),
        subject=get("mex-subject"),
        filename=get("mex-filename"),
        partner_id=get("mex-partnerid"),
        checksum=get("mex-content-checksum"),
        content_type=content_type,
        content_encoding=content_encoding,
        encrypted=_flag(headers.get("mex-content-encrypted")),
        compressed=_flag(headers.get("mex-content-compressed")),
    )


def _stamp(moment: datetime | None) -> str:
    return moment.strftime(STATUS_TIMESTAMP) if moment is not None else ""


def download_headers(message: StoredMessage, chunk_number: int) -> dict[str, str]:
    """Headers of a download (or HEAD) of chunk `chunk_number`; empty values are left out."""
    envelope = message.envelope
    headers = {
        "Mex-From": envelope.sender,
        "Mex-To": message.intended_recipient or envelope.recipient,
        "Mex-WorkflowID": envelope.workflow_id,
        "Mex-Chunk-Range": f"{chunk_number}:{message.chunks.total}",
        "Mex-AddressType": "ALL",
        "Mex-LocalID": envelope.local_id,
        "Mex-PartnerID": envelope.partner_id,
        "Mex-FileName": envelope.filename or f"{message.message_id}.dat",
        "Mex-Subject": envelope.subject,
        "Mex-Version": "1.0",
        "Mex-MessageType": message.message_type.value,
        "Mex-MessageID": message.message_id,
        "Mex-Content-Compressed": "Y" if envelope.compressed else "",
        "Mex-Content-Encrypted": "Y" if envelope.encrypted else "",
        "Mex-Content-Checksum": envelope.checksum,
        "Mex-Content-Type": envelope.content_type,
    }
    failure = message.failure
    if message.message_type == MessageType.REPORT and failure is not None:
        headers.update(
            {
                "Mex-LinkedMsgID": message.linked_message_id,
                "Mex-StatusCode": failure.code,
                "Mex-StatusEvent": failure.event,
                "Mex-StatusDescription": failure.description,
                "Mex-StatusSuccess": "ERROR",
                "Mex-StatusTimestamp": _stamp(message.accepted_at),
            }
        )
    else:
        headers.update(
            {
                "Mex-StatusCode": "00",
                "Mex-StatusEvent": "TRANSFER",
                "Mex-StatusDescription": TRANSFERRED,
                "Mex-StatusSuccess": "SUCCESS",
                "Mex-StatusTimestamp": _stamp(message.accepted_at),
            }
        )
    return {name: value for name, value in headers.items() if value}
