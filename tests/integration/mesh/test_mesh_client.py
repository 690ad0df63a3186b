"""NHS England's mesh-client, configured as for the MESH sandbox, against the simulator."""

from __future__ import annotations

import pytest
from mesh_client import MeshClient

from tests.integration.mesh.conftest import Simulator

pytestmark = pytest.mark.integration


def receive_all(client: MeshClient) -> dict[str, tuple[bytes, object]]:
    received = {}
    for message_id in client.list_messages():
        message = client.retrieve_message(message_id)
        received[message_id] = (message.read(), message)
        message.acknowledge()
    return received


def test_a_full_send_inbox_download_acknowledge_cycle(simulator: Simulator) -> None:
    plain = b"".join(f"line {n}\n".encode() for n in range(300))  # about 2.7 KB
    with simulator.client("X26ABC1", max_chunk_size=1000) as sender:
        assert sender.handshake() == b"hello"
        single = sender.send_message("X26ABC2", b"short", workflow_id="TEST_WORKFLOW", subject="s")
        chunked = sender.send_message(
            "X26ABC2", plain, workflow_id="TEST_WORKFLOW", local_id="chunked-1", filename="a.txt"
        )
        compressed = sender.send_message(
            "X26ABC2", plain, workflow_id="TEST_WORKFLOW", compress=True, max_chunk_size=700
        )
        assert sender.track_message(chunked)["status"] == "accepted"
    with simulator.client("X26ABC2") as recipient:
        assert recipient.list_messages() == [single, chunked, compressed]
        received = receive_all(recipient)
        assert recipient.list_messages() == []
    assert received[single][0] == b"short"
    assert received[chunked][0] == plain and received[compressed][0] == plain
    chunked_message = received[chunked][1]
    assert chunked_message.local_id == "chunked-1"  # type: ignore[attr-defined]
    assert chunked_message.filename == "a.txt"  # type: ignore[attr-defined]
    assert chunked_message.mex_header("chunk-range") == "1:3"  # type: ignore[attr-defined]
    assert received[single][1].subject == "s"  # type: ignore[attr-defined]
    assert received[single][1].sender == "X26ABC1"  # type: ignore[attr-defined]
    with simulator.client("X26ABC1") as sender:
        tracked = sender.track_message(chunked)
        assert tracked["status"] == "acknowledged" and tracked["recipient"] == "X26ABC2"


def test_chunks_of_a_compressed_message_are_stored_as_sent(simulator: Simulator) -> None:
    """Each chunk is gzipped on its own by the client and comes back the same way."""
    payload = bytes(range(256)) * 40
    with simulator.client("X26ABC1", transparent_compress=True) as sender:
        message_id = sender.send_message("X26ABC2", payload, workflow_id="ANY", max_chunk_size=3000)
    with simulator.client("X26ABC2") as recipient:
        response = recipient.retrieve_message_chunk(message_id, 2)
        assert response.status_code == 206 and response.headers["Mex-Chunk-Range"] == "2:4"
        assert response.headers["Content-Encoding"] == "gzip"
        response.close()
        message = recipient.retrieve_message(message_id)
        assert message.read() == payload
        message.acknowledge()


def test_lookups_and_the_deprecated_count(simulator: Simulator) -> None:
    with simulator.client("X26ABC2") as client:
        assert client.lookup_endpoint("X26", "TEST_WORKFLOW")["results"] == [
            {"mailbox_id": "X26ABC2", "mailbox_name": "TESTMB2"}
        ]
        assert client.lookup_endpoint("X27", "TEST_WORKFLOW")["results"] == []
        with pytest.warns(DeprecationWarning):
            assert client.count_messages() == 0
        assert client.ping() == {"status": "ok"}


def test_iterating_a_large_inbox_pages_through_500_at_a_time(
    simulator: Simulator, send: object
) -> None:
    post = send  # the raw sender: 510 one-chunk messages
    sent = [post("X26ABC1", "X26ABC3").json()["message_id"] for _ in range(510)]  # type: ignore[operator]
    with simulator.client("X26ABC3") as recipient:
        first_page = recipient.list_messages()
        assert len(first_page) == 500 and first_page == sent[:500]
        assert list(recipient.iterate_message_ids()) == sent


def test_a_report_reaches_the_sender_through_mesh_client(simulator: Simulator) -> None:
    with simulator.client("X26ABC1") as sender:
        message_id = sender.send_message("X26ABC9", b"to nobody", workflow_id="ANY", local_id="L9")
        [report_id] = sender.list_messages()
        report = sender.retrieve_message(report_id)
        assert report.message_type == "REPORT"  # type: ignore[attr-defined]
        assert report.mex_header("linkedmsgid") == message_id
        assert report.mex_header("statuscode") == "14"
        assert report.local_id == "L9"  # type: ignore[attr-defined]
        assert report.read() == b""
        report.acknowledge()
        assert sender.track_message(message_id)["status"] == "undeliverable"
