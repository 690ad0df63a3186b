"""The MESH API over raw HTTP: versions, tokens, the specification's error codes, chunk rules."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from harness.simulator.mesh.auth import SANDBOX_SHARED_KEY, make_token
from tests.integration.mesh.conftest import V2, Send, Simulator

pytestmark = pytest.mark.integration


def test_a_replayed_token_is_refused(simulator: Simulator, http: httpx.Client) -> None:
    headers = simulator.headers("X26ABC1")
    assert http.post("/messageexchange/X26ABC1", headers=headers).status_code == 200
    again = http.post("/messageexchange/X26ABC1", headers=headers)
    assert again.status_code == 403
    assert again.json()["detail"][0]["msg"] == "Error Duplicated Authentication Token"


def test_a_stale_token_and_a_wrong_key_are_refused(http: httpx.Client) -> None:
    stale = datetime.now(UTC) - timedelta(hours=3)
    for token in (
        make_token(SANDBOX_SHARED_KEY, "X26ABC1", "password", str(uuid.uuid4()), 0, stale),
        make_token("BackBone", "X26ABC1", "password", str(uuid.uuid4())),
        make_token(SANDBOX_SHARED_KEY, "X26ABC2", "password", str(uuid.uuid4())),
    ):
        answer = http.get("/messageexchange/X26ABC1/inbox", headers={"Authorization": token})
        assert answer.status_code == 403
        assert answer.json()["errorEvent"] == "AUTH"  # version 1 by default
    assert http.get("/messageexchange/X26ABC1/inbox").status_code == 403


def test_the_shared_key_is_configurable() -> None:
    from harness.simulator.context import SimulatorConfig
    from tests.integration.mesh.conftest import serve

    for running in serve(SimulatorConfig(population=0, mesh_shared_key="BackBone")):
        token = make_token("BackBone", "X26ABC1", "password", "n")
        answer = httpx.post(
            f"{running.url}/messageexchange/X26ABC1", headers={"Authorization": token}
        )
        assert answer.status_code == 200 and answer.json() == {"mailboxId": "X26ABC1"}


def test_versions_shape_the_answers(simulator: Simulator, http: httpx.Client, send: Send) -> None:
    v2 = send("X26ABC1", "X26ABC2")
    assert v2.status_code == 202 and v2.headers["content-type"] == V2
    message_id = v2.json()["message_id"]
    v1 = http.post(
        "/messageexchange/X26ABC1/outbox",
        content=b"x",
        headers=simulator.headers("X26ABC1", 1, **{"Mex-To": "X26ABC2"}),
    )
    assert set(v1.json()) == {"messageID"}
    listing = http.get("/messageexchange/X26ABC2/inbox", headers=simulator.headers("X26ABC2"))
    assert listing.json()["messages"] == [message_id, v1.json()["messageID"]]
    assert listing.json()["links"] == {"self": "/messageexchange/X26ABC2/inbox"}
    assert listing.json()["approx_inbox_count"] == 2
    old = http.get("/messageexchange/X26ABC2/inbox", headers=simulator.headers("X26ABC2", 1))
    assert old.json() == {"messages": [message_id, v1.json()["messageID"]]}
    ack_v1 = http.put(
        f"/messageexchange/X26ABC2/inbox/{message_id}/status/acknowledged",
        headers=simulator.headers("X26ABC2", 1),
    )
    assert ack_v1.json() == {"messageId": message_id}
    count = http.get("/messageexchange/X26ABC2/count", headers=simulator.headers("X26ABC2"))
    assert count.json() == {"count": 1}
    bad = http.get(
        "/messageexchange/X26ABC2/inbox",
        headers=simulator.headers("X26ABC2", Accept="application/vnd.mesh.vX+json"),
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("recipient", "headers", "code"),
    [
        ("NOBODY01", {}, "12"),
        ("", {}, "08"),
        ("X26ABC2", {"Mex-From": "X26ABC3"}, "07"),
        ("X26ABC1", {"Mex-WorkflowID": "TEST_WORKFLOW"}, "17"),  # X26ABC1 does not receive it
        ("X26ABC2", {"Mex-Chunk-Range": "2:3"}, "06"),
        ("X26ABC2", {"Content-Encoding": "br"}, "06"),
    ],
)
def test_refused_sends_answer_417_with_the_specifications_code(
    send: Send, recipient: str, headers: dict[str, str], code: str
) -> None:
    answer = send("X26ABC1", recipient, **headers)
    assert answer.status_code == 417
    assert answer.json()["detail"][0]["code"] == code


def test_an_empty_body_is_missing_data(send: Send) -> None:
    answer = send("X26ABC1", "X26ABC2", b"")
    assert answer.status_code == 417 and answer.json()["detail"][0]["code"] == "02"


def test_chunk_uploads_follow_the_rules(
    simulator: Simulator, http: httpx.Client, send: Send
) -> None:
    first = send("X26ABC1", "X26ABC2", gzip.compress(b"one "), **{
        "Mex-Chunk-Range": "1:2", "Content-Encoding": "gzip"
    })  # fmt: skip
    message_id = first.json()["message_id"]
    url = f"/messageexchange/X26ABC1/outbox/{message_id}/2"

    def chunk(body: bytes, **headers: str) -> httpx.Response:
        return http.post(url, content=body, headers=simulator.headers("X26ABC1", **headers))

    assert chunk(b"plain", **{"Mex-Chunk-Range": "2:2"}).status_code == 417  # encoding changed
    assert chunk(gzip.compress(b"two"), **{"Mex-Chunk-Range": "2:3"}).status_code == 417
    # before the last chunk the message is not in the inbox
    listing = http.get("/messageexchange/X26ABC2/inbox", headers=simulator.headers("X26ABC2"))
    assert listing.json()["messages"] == []
    done = chunk(gzip.compress(b"two"), **{"Mex-Chunk-Range": "2:2", "Content-Encoding": "gzip"})
    assert done.status_code == 202 and done.json() == {"message_id": message_id}
    late = chunk(gzip.compress(b"!"), **{"Mex-Chunk-Range": "2:2", "Content-Encoding": "gzip"})
    assert late.status_code == 423
    other = http.post(
        f"/messageexchange/X26ABC2/outbox/{message_id}/2",
        content=b"x",
        headers=simulator.headers("X26ABC2", **{"Mex-Chunk-Range": "2:2"}),
    )
    assert other.status_code == 404  # not the sender's message
    # a client that does not accept gzip gets the chunks decoded
    plain = http.get(
        f"/messageexchange/X26ABC2/inbox/{message_id}",
        headers=simulator.headers("X26ABC2", **{"Accept-Encoding": "identity"}),
    )
    assert plain.status_code == 206 and plain.content == b"one "
    assert "content-encoding" not in plain.headers


def test_download_head_and_gone(simulator: Simulator, http: httpx.Client, send: Send) -> None:
    message_id = send("X26ABC1", "X26ABC2", b"payload", **{"Mex-LocalID": "L"}).json()["message_id"]
    url = f"/messageexchange/X26ABC2/inbox/{message_id}"
    head = http.head(url, headers=simulator.headers("X26ABC2"))
    assert head.status_code == 200 and head.headers["mex-localid"] == "L" and not head.content
    got = http.get(url, headers=simulator.headers("X26ABC2"))
    assert got.status_code == 200 and got.content == b"payload"
    for name, value in (
        ("mex-messagetype", "DATA"),
        ("mex-from", "X26ABC1"),
        ("mex-to", "X26ABC2"),
        ("mex-chunk-range", "1:1"),
        ("mex-statuscode", "00"),
        ("mex-statussuccess", "SUCCESS"),
    ):
        assert got.headers[name] == value
    assert http.get(url, headers=simulator.headers("X26ABC1")).status_code == 403
    assert http.get(url + "/2", headers=simulator.headers("X26ABC2")).status_code == 404
    unknown = http.get(url.replace(message_id, "NOPE"), headers=simulator.headers("X26ABC2"))
    assert unknown.status_code == 404 and unknown.json()["detail"][0]["code"] == "20"
    http.put(url + "/status/acknowledged", headers=simulator.headers("X26ABC2"))
    assert http.get(url, headers=simulator.headers("X26ABC2")).status_code == 410


def test_workflow_filter_and_search(simulator: Simulator, http: httpx.Client, send: Send) -> None:
    keep = send("X26ABC1", "X26ABC2", **{"Mex-WorkflowID": "PATH_ACK"}).json()["message_id"]
    send("X26ABC1", "X26ABC2", **{"Mex-WorkflowID": "PATH"})
    listing = http.get(
        "/messageexchange/X26ABC2/inbox",
        params={"workflow_filter": "*_ACK*"},
        headers=simulator.headers("X26ABC2"),
    )
    assert listing.json()["messages"] == [keep]
    search = http.get("/messageexchange/workflowsearch/TEST_WORKFLOW_ACK", headers={"Accept": V2})
    assert [r["mailbox_id"] for r in search.json()["results"]] == ["X26ABC1", "X26ABC3"]
    v1 = http.get("/messageexchange/endpointlookup/X26/TEST_WORKFLOW")
    assert v1.json()["results"] == [
        {"address": "X26ABC2", "description": "TESTMB2", "endpoint_type": "MESH"}
    ]
