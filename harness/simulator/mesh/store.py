"""The MESH message store: outboxes, inboxes, chunk uploads, acknowledgement, expiry, REPORTs.

Pure apart from its own state: every operation is told the time (the simulator's messaging
clock), so expiry is decided by `expire_due(now)`, which the service calls before each
request. Messages are delivered to the recipient's inbox when their last chunk arrives;
a message for a deactivated mailbox is undeliverable at once, and one left unacknowledged
for 5 days expires; either way the sender gets a REPORT (error 14) in its own inbox, unless
the request's behaviour (drift) says the REPORT goes missing.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from harness.simulator.behaviour import FAITHFUL, MessagingBehaviour, merged
from harness.simulator.mesh.chunks import ChunkSet
from harness.simulator.mesh.mailboxes import MailboxDirectory
from harness.simulator.mesh.messages import (
    INBOX_EXPIRY,
    Envelope,
    Failure,
    MessageType,
    Status,
    StoredMessage,
    new_message_id,
)

EXPIRED = Failure("14", "SEND", "Message not collected by recipient after 5 days")
DEACTIVATED = Failure("14", "SEND", "Message was not collected as the mailbox is deactivated")

NewId = Callable[[datetime], str]


class MeshStore:
    def __init__(self, mailboxes: MailboxDirectory, new_id: NewId = new_message_id) -> None:
        self.mailboxes = mailboxes
        self.new_id = new_id
        self.messages: dict[str, StoredMessage] = {}
        self._inboxes: dict[str, dict[str, None]] = {}  # mailbox -> message ids, oldest first
        self._expiring: list[tuple[datetime, str]] = []

    # --- sending ------------------------------------------------------------------------------

    def create(
        self,
        envelope: Envelope,
        total_chunks: int,
        first_chunk: bytes,
        now: datetime,
        behaviour: MessagingBehaviour = FAITHFUL,
    ) -> StoredMessage:
        """A new message from its first chunk; delivered now if that was its only chunk."""
        chunks = ChunkSet(total_chunks)
        chunks.put(1, first_chunk)
        message = StoredMessage(
            self.new_id(now), envelope, chunks, uploaded_at=now, status_at=now, behaviour=behaviour
        )
        self.messages[message.message_id] = message
        if chunks.complete:
            self._deliver(message, now)
        return message

    def add_chunk(
        self,
        message: StoredMessage,
        number: int,
        data: bytes,
        now: datetime,
        behaviour: MessagingBehaviour = FAITHFUL,
    ) -> None:
        """Hold chunk `number`; the message is delivered when it was the last one missing."""
        message.behaviour = merged(message.behaviour, behaviour)
        message.chunks.put(number, data)
        if message.chunks.complete:
            self._deliver(message, now)

    def _deliver(self, message: StoredMessage, now: datetime) -> None:
        message.delivery_order = message.chunks.assemble(message.behaviour.chunk_order)
        if not message.behaviour.delivered:
            return  # lost on its way: never in an inbox, never reported
        recipient = self.mailboxes.get(message.envelope.recipient)
        if recipient is None or not recipient.active:
            self._fail(message, DEACTIVATED, now)
            return
        self._accept(message, now)
        for _ in range(message.behaviour.deliveries - 1):
            copy = replace(message, message_id=self.new_id(now), behaviour=FAITHFUL)
            self.messages[copy.message_id] = copy
            self._accept(copy, now)

    def _accept(self, message: StoredMessage, now: datetime) -> None:
        message.status = Status.ACCEPTED
        message.accepted_at = message.status_at = now
        self._inboxes.setdefault(message.envelope.recipient, {})[message.message_id] = None
        heapq.heappush(self._expiring, (now + INBOX_EXPIRY, message.message_id))

    # --- receiving ----------------------------------------------------------------------------

    def inbox(self, mailbox_id: str) -> list[StoredMessage]:
        """Messages ready to download, oldest first."""
        ids = self._inboxes.get(mailbox_id, {})
        return [self.messages[message_id] for message_id in ids]

    def inbox_count(self, mailbox_id: str) -> int:
        return len(self._inboxes.get(mailbox_id, {}))

    def acknowledge(
        self, message: StoredMessage, now: datetime, behaviour: MessagingBehaviour = FAITHFUL
    ) -> None:
        """Remove from the inbox (a lost acknowledgement is answered but not recorded)."""
        if message.status != Status.ACCEPTED or not behaviour.acknowledge:
            return
        message.status = Status.ACKNOWLEDGED
        message.acknowledged_at = message.status_at = now
        self._inboxes.get(message.envelope.recipient, {}).pop(message.message_id, None)

    # --- time ---------------------------------------------------------------------------------

    def expire_due(self, now: datetime) -> list[StoredMessage]:
        """Expire every message left in an inbox 5 days or more; the expired messages."""
        expired = []
        while self._expiring and self._expiring[0][0] <= now:
            _, message_id = heapq.heappop(self._expiring)
            message = self.messages[message_id]
            if message.status == Status.ACCEPTED:
                self._inboxes.get(message.envelope.recipient, {}).pop(message_id, None)
                self._fail(message, EXPIRED, now)
                expired.append(message)
        return expired

    def _fail(self, message: StoredMessage, failure: Failure, now: datetime) -> None:
        message.status = Status.UNDELIVERABLE
        message.status_at = now
        message.failure = failure
        if message.message_type == MessageType.REPORT or not message.behaviour.report:
            return
        self._report(message, failure, now)

    def _report(self, message: StoredMessage, failure: Failure, now: datetime) -> None:
        """A REPORT in the sender's inbox: empty, linked to the message it reports on."""
        original = message.envelope
        envelope = Envelope(
            sender=original.sender,
            recipient=original.sender,
            workflow_id=original.workflow_id,
            local_id=original.local_id,
            subject=original.subject,
        )
        chunks = ChunkSet(1)
        chunks.put(1, b"")
        report = StoredMessage(
            self.new_id(now),
            envelope,
            chunks,
            uploaded_at=now,
            message_type=MessageType.REPORT,
            linked_message_id=message.message_id,
            intended_recipient=original.recipient,
            failure=failure,
            delivery_order=[b""],
        )
        self.messages[report.message_id] = report
        self._accept(report, now)
