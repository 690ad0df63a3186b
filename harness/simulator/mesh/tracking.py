"""`GET /outbox/tracking`: what the sender may know about a message, in version 1 or 2 shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harness.simulator.mesh.headers import STATUS_TIMESTAMP
from harness.simulator.mesh.mailboxes import Mailbox
from harness.simulator.mesh.messages import Status, StoredMessage


def _stamp(moment: datetime | None) -> str | None:
    return moment.strftime(STATUS_TIMESTAMP) if moment is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment is not None else None


def tracking(
    message: StoredMessage, sender: Mailbox | None, recipient: Mailbox | None, version: int
) -> dict[str, Any]:
    failure = message.failure
    envelope = message.envelope
    succeeded = failure is None
    status_event = failure.event if failure else ("TRANSFER" if message.accepted_at else None)
    status_code = failure.code if failure else ("00" if message.accepted_at else None)
    description = failure.description if failure else None
    if version >= 2:
        return {
            "message_id": message.message_id,
            "local_id": envelope.local_id or None,
            "workflow_id": envelope.workflow_id,
            "filename": envelope.filename or f"{message.message_id}.dat",
            "expiry_time": _iso(message.expires_at),
            "upload_timestamp": _iso(message.uploaded_at),
            "recipient": envelope.recipient,
            "recipient_name": recipient.mailbox_name if recipient else None,
            "recipient_ods_code": recipient.ods_code if recipient else None,
            "recipient_org_code": recipient.org_code if recipient else None,
            "recipient_org_name": recipient.org_name if recipient else None,
            "status_success": succeeded,
            "status": message.status.value,
            "status_event": status_event,
            "status_timestamp": _iso(message.status_at),
            "status_description": description,
            "status_code": status_code,
        }
    return {
        "addressType": "ALL",
        "checksum": envelope.checksum or None,
        "chunkCount": message.chunks.total,
        "compressFlag": "Y" if envelope.compressed else None,
        "contentEncoding": envelope.content_encoding or None,
        "downloadTimestamp": _stamp(message.acknowledged_at),
        "dtsId": message.message_id,
        "encryptedFlag": "Y" if envelope.encrypted else None,
        "expiryTime": _stamp(message.expires_at),
        "failureDate": _stamp(message.status_at) if failure else None,
        "failureDiagnostic": description,
        "fileName": envelope.filename or f"{message.message_id}.dat",
        "fileSize": message.chunks.size,
        "isCompressed": "Y" if envelope.content_encoding == "gzip" else None,
        "localId": envelope.local_id or None,
        "meshRecipientOdsCode": recipient.ods_code if recipient else None,
        "messageId": message.message_id,
        "messageType": message.message_type.value,
        "partnerId": envelope.partner_id or None,
        "recipient": envelope.recipient,
        "recipientBillingEntity": recipient.billing_entity if recipient else None,
        "recipientName": recipient.mailbox_name if recipient else None,
        "recipientOrgCode": recipient.org_code if recipient else None,
        "recipientOrgName": recipient.org_name if recipient else None,
        "sender": envelope.sender,
        "senderBillingEntity": sender.billing_entity if sender else None,
        "senderName": sender.mailbox_name if sender else None,
        "senderOdsCode": sender.ods_code if sender else None,
        "senderOrgCode": sender.org_code if sender else None,
        "senderOrgName": sender.org_name if sender else None,
        "status": message.status.value.title(),
        "statusCode": status_code,
        "statusDescription": description,
        "statusEvent": status_event,
        "statusSuccess": ("SUCCESS" if succeeded else "ERROR")
        if message.status != Status.UPLOADING
        else None,
        "statusTimestamp": _stamp(message.status_at),
        "subject": envelope.subject or None,
        "uploadTimestamp": _stamp(message.uploaded_at),
        "version": "1.0",
        "workflowId": envelope.workflow_id,
    }
