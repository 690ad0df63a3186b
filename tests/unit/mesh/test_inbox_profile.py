"""The Spine pack's MESH inbox profile: which sends cause inbox entries, what is polled, how an
entry's HEAD is read."""

from __future__ import annotations

import json

from harness.core.exchange import Correlation, Request, Response
from harness.domains.messaging import Delivery
from harness.domains.spine.messaging import MeshInboxProfile

PROFILE = MeshInboxProfile()
ACCEPT = ("Accept", "application/vnd.mesh.v2+json")


def send(path: str = "/messageexchange/X26ABC1/outbox", **headers: str) -> Request:
    sent = {"Mex-To": "x26abc2", "Mex-WorkflowID": "TEST_WORKFLOW2", **headers}
    return Request("POST", path, (), (ACCEPT, *sent.items()), b"hello")


def accepted(body: object) -> Response:
    return Response(202, (("Content-Type", "application/json"),), json.dumps(body).encode())


def test_a_send_is_keyed_by_the_message_id_its_answer_gave() -> None:
    assert PROFILE.keys(send(), accepted({"message_id": "20261202_ab"})) == {"20261202_AB"}
    assert PROFILE.keys(send(), accepted({"messageID": "v1_id"})) == {"V1_ID"}  # version 1


def test_only_a_complete_send_causes_an_entry() -> None:
    first = send(**{"Mex-Chunk-Range": "1:2"})
    assert PROFILE.keys(first, accepted({"message_id": "M1"})) == frozenset()
    last = send("/messageexchange/X26ABC1/outbox/m1/2", **{"Mex-Chunk-Range": "2:2"})
    assert PROFILE.keys(last, accepted({})) == {"M1"}
    middle = send("/messageexchange/X26ABC1/outbox/m1/2", **{"Mex-Chunk-Range": "2:3"})
    assert PROFILE.keys(middle, accepted({})) == frozenset()
    refused = Response(417, (), b'{"errorCode": "06"}')
    assert PROFILE.keys(send(), refused) == frozenset()
    listing = Request("GET", "/messageexchange/X26ABC2/inbox")
    assert PROFILE.keys(listing, Response(200, (), b'{"messages": []}')) == frozenset()


def test_the_recipients_and_the_senders_inboxes_are_polled_by_workflow() -> None:
    polls = PROFILE.polls(send(), accepted({"message_id": "M1"}))
    assert [(p.method, p.path, p.query) for p in polls] == [
        ("GET", "/messageexchange/X26ABC2/inbox", (("workflow_filter", "TEST_WORKFLOW2"),)),
        ("GET", "/messageexchange/X26ABC1/inbox", (("workflow_filter", "TEST_WORKFLOW2"),)),
    ]
    assert all(p.header("accept") == ACCEPT[1] for p in polls)
    to_itself = send(**{"Mex-To": "X26ABC1", "Mex-WorkflowID": ""})
    assert [(p.path, p.query) for p in PROFILE.polls(to_itself, accepted({}))] == [
        ("/messageexchange/X26ABC1/inbox", ())
    ]


def test_each_listed_entry_is_fetched_with_a_head_that_changes_nothing() -> None:
    listing = Request("GET", "/messageexchange/X26ABC2/inbox", (), (ACCEPT,))
    answer = Response(200, (), json.dumps({"messages": ["A", "B"], "links": {}}).encode())
    entries = PROFILE.entries(listing, answer)
    assert [(entry, r.method, r.path) for entry, r in entries] == [
        ("A", "HEAD", "/messageexchange/X26ABC2/inbox/A"),
        ("B", "HEAD", "/messageexchange/X26ABC2/inbox/B"),
    ]
    assert PROFILE.entries(listing, Response(200, (), b"not json")) == ()
    assert PROFILE.entries(listing, Response(200, (), b'{"messages": "A"}')) == ()


def head(message_id: str, **headers: str) -> Delivery:
    path = f"/messageexchange/X26ABC2/inbox/{message_id}"
    return Delivery("mesh", "HEAD", path, tuple(headers.items()), b"")


def test_a_data_entry_names_its_send_and_a_report_names_what_it_reports_on() -> None:
    data = PROFILE.read(
        head(
            "m1",
            **{
                "Mex-MessageID": "m1",
                "Mex-MessageType": "DATA",
                "Mex-StatusCode": "00",
                "Mex-FileName": "m1.dat",
                "Mex-WorkflowID": "W",
            },
        )
    )
    assert data is not None and (data.kind, data.code) == ("inbox", "00")
    assert data.references == (Correlation("Mex-MessageID", "M1"),)
    assert ("mex-workflowid", "W") in data.headers
    assert all(name != "mex-filename" for name, _ in data.headers)  # side's own: not compared
    report = PROFILE.read(
        head(
            "r1",
            **{"Mex-MessageType": "REPORT", "Mex-LinkedMsgID": "m1", "Mex-StatusCode": "14"},
        )
    )
    assert report is not None and (report.kind, report.code) == ("report", "14")
    assert report.references == (Correlation("Mex-LinkedMsgID", "M1"),)


def test_what_is_not_an_entrys_head_is_not_read() -> None:
    assert PROFILE.read(Delivery("mesh", "GET", "/messageexchange/X/inbox/m1", (), b"")) is None
    assert PROFILE.read(Delivery("mesh", "HEAD", "/elsewhere", (), b"")) is None
    assert PROFILE.delivered is False  # only polled: the endpoint offers it no URL
