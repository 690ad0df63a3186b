"""The MESH store on a controlled clock: delivery, acknowledgement, 5-day expiry and REPORTs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harness.simulator.behaviour import FAITHFUL, MessagingBehaviour
from harness.simulator.mesh.mailboxes import MailboxDirectory, build_mailboxes
from harness.simulator.mesh.messages import Envelope, MessageType, Status
from harness.simulator.mesh.store import DEACTIVATED, EXPIRED, MeshStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIVE_DAYS = timedelta(days=5)


@pytest.fixture
def mailboxes() -> MailboxDirectory:
    return build_mailboxes(0, ["A20047"])


def envelope(recipient: str = "X26ABC2") -> Envelope:
    return Envelope(sender="X26ABC1", recipient=recipient, workflow_id="WF", local_id="L1")


def test_a_single_chunk_message_is_in_the_inbox_at_once(mailboxes: MailboxDirectory) -> None:
    store = MeshStore(mailboxes)
    message = store.create(envelope(), 1, b"hello", T0)
    assert message.status == Status.ACCEPTED and message.expires_at == T0 + FIVE_DAYS
    assert store.inbox("X26ABC2") == [message]
    store.acknowledge(message, T0 + timedelta(hours=1))
    assert message.status == Status.ACKNOWLEDGED and store.inbox("X26ABC2") == []
    assert store.expire_due(T0 + FIVE_DAYS * 2) == []  # acknowledged messages never expire


def test_a_chunked_message_waits_for_its_last_chunk(mailboxes: MailboxDirectory) -> None:
    store = MeshStore(mailboxes)
    message = store.create(envelope(), 3, b"a", T0)
    store.add_chunk(message, 3, b"c", T0)
    assert message.status == Status.UPLOADING and store.inbox("X26ABC2") == []
    store.add_chunk(message, 2, b"b", T0 + timedelta(minutes=1))
    assert message.status == Status.ACCEPTED
    assert [message.chunk(n) for n in (1, 2, 3, 4)] == [b"a", b"b", b"c", None]


def test_an_unacknowledged_message_expires_after_five_days_with_a_report(
    mailboxes: MailboxDirectory,
) -> None:
    store = MeshStore(mailboxes)
    message = store.create(envelope(), 1, b"hello", T0)
    assert store.expire_due(T0 + FIVE_DAYS - timedelta(seconds=1)) == []
    assert store.expire_due(T0 + FIVE_DAYS) == [message]
    assert message.status == Status.UNDELIVERABLE and message.failure == EXPIRED
    assert store.inbox("X26ABC2") == []
    [report] = store.inbox("X26ABC1")
    assert report.message_type == MessageType.REPORT
    assert report.linked_message_id == message.message_id
    assert report.intended_recipient == "X26ABC2"
    assert report.envelope.local_id == "L1" and report.chunk(1) == b""
    # a REPORT left unread expires too, silently
    assert store.expire_due(T0 + FIVE_DAYS * 2) == [report]
    assert store.inbox("X26ABC1") == []


def test_a_message_for_a_deactivated_mailbox_is_reported_at_once(
    mailboxes: MailboxDirectory,
) -> None:
    store = MeshStore(mailboxes)
    message = store.create(envelope("X26ABC9"), 1, b"hello", T0)
    assert message.status == Status.UNDELIVERABLE and message.failure == DEACTIVATED
    [report] = store.inbox("X26ABC1")
    assert report.failure == DEACTIVATED


def test_drifted_behaviour_loses_the_report_the_ack_and_duplicates(
    mailboxes: MailboxDirectory,
) -> None:
    store = MeshStore(mailboxes)
    no_report = MessagingBehaviour(report=False)
    store.create(envelope("X26ABC9"), 1, b"x", T0, no_report)
    assert store.inbox("X26ABC1") == []
    twice = store.create(envelope(), 1, b"y", T0, MessagingBehaviour(deliveries=2))
    copies = store.inbox("X26ABC2")
    assert len(copies) == 2 and copies[0] is twice and copies[1].message_id != twice.message_id
    assert copies[1].chunk(1) == b"y"
    store.acknowledge(twice, T0, MessagingBehaviour(acknowledge=False))
    assert twice.status == Status.ACCEPTED and twice in store.inbox("X26ABC2")
    store.acknowledge(twice, T0, FAITHFUL)
    assert twice not in store.inbox("X26ABC2")


def test_chunk_order_drift_set_on_a_later_chunk_applies(mailboxes: MailboxDirectory) -> None:
    store = MeshStore(mailboxes)
    message = store.create(envelope(), 2, b"first ", T0)
    store.add_chunk(message, 2, b"second", T0, MessagingBehaviour(chunk_order="reverse"))
    assert [message.chunk(1), message.chunk(2)] == [b"second", b"first "]
