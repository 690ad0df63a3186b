"""Each MESH drift of fixtures/drift/messaging.yaml is observable against a faithful candidate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.simulator.context import SimulatorConfig
from harness.simulator.mesh import mailboxes_of
from harness.simulator.population import population_of
from tests.integration.mesh.conftest import Simulator, serve

pytestmark = pytest.mark.integration
PROFILE = Path(__file__).resolve().parents[3] / "fixtures" / "drift" / "messaging.yaml"


@pytest.fixture(params=["faithful", "drifted"])
def candidate(request: pytest.FixtureRequest) -> Iterator[tuple[str, Simulator]]:
    drift = PROFILE if request.param == "drifted" else None
    config = SimulatorConfig(seed=0, population=100, flavour="spine2", drift_file=drift)
    for simulator in serve(config):
        yield request.param, simulator


def test_a_lost_acknowledgement_leaves_the_message_in_the_inbox(
    candidate: tuple[str, Simulator],
) -> None:
    kind, simulator = candidate
    with simulator.client("X26ABC1") as sender:
        message_id = sender.send_message("X26ABC3", b"for X26ABC3", workflow_id="ANY")
    with simulator.client("X26ABC3") as recipient:
        message = recipient.retrieve_message(message_id)
        assert message.read() == b"for X26ABC3"
        message.acknowledge()  # answered 200 either way
        remaining = recipient.list_messages()
    assert remaining == ([message_id] if kind == "drifted" else [])


def test_a_duplicate_is_delivered(candidate: tuple[str, Simulator]) -> None:
    kind, simulator = candidate
    with simulator.client("X26ABC1") as sender:
        sender.send_message("X26ABC2", b"once", workflow_id="TEST_WORKFLOW2")
    with simulator.client("X26ABC2") as recipient:
        ids = recipient.list_messages()
        contents = {recipient.retrieve_message(i).read() for i in ids}
    assert len(ids) == (2 if kind == "drifted" else 1) and contents == {b"once"}


def test_a_report_goes_missing(candidate: tuple[str, Simulator]) -> None:
    kind, simulator = candidate
    with simulator.client("X26ABC1") as sender:
        message_id = sender.send_message("X26ABC9", b"to a deactivated mailbox", workflow_id="ANY")
        reports = sender.list_messages()
        assert sender.track_message(message_id)["status"] == "undeliverable"  # both know
    assert len(reports) == (0 if kind == "drifted" else 1)


def test_a_message_is_lost_on_its_way(candidate: tuple[str, Simulator]) -> None:
    kind, simulator = candidate
    with simulator.client("X26ABC1") as sender:
        message_id = sender.send_message("X26ABC3", b"lost?", workflow_id="HARNESS_ACKNOWLEDGE")
    with simulator.client("X26ABC3") as recipient:
        listed = recipient.list_messages()
        for entry in listed:
            recipient.acknowledge_message(entry)
    assert listed == ([] if kind == "drifted" else [message_id])


def test_chunks_are_reassembled_in_another_order(candidate: tuple[str, Simulator]) -> None:
    kind, simulator = candidate
    context = simulator.app.state.context
    practice = population_of(context).practices()[0]
    mailbox = mailboxes_of(context).get(f"{practice}OT001")
    assert mailbox is not None
    content = b"".join(f"result line {n:03d}\n".encode() for n in range(90))
    with simulator.client("X26ABC1", max_chunk_size=600) as sender:
        message_id = sender.send_message(mailbox.mailbox_id, content, workflow_id="PATH_MEDRPT_V3")
    with simulator.client(mailbox.mailbox_id, mailbox.password) as recipient:  # seeded password
        received = recipient.retrieve_message(message_id).read()
    chunks = [content[i : i + 600] for i in range(0, len(content), 600)]
    assert len(chunks) == 3
    assert received == (b"".join(reversed(chunks)) if kind == "drifted" else content)
