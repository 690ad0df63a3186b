"""Correlation of recorded traffic: the pure analysis, the units it plans, the reviewable file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from harness.core.exchange import Exchange, Request, Response
from harness.correlation import (
    CORRELATIONS_FILE,
    analyse,
    learn_correlations,
    learned_entries,
    plan_conversations,
    read_correlations,
)
from harness.errors import HarnessError
from harness.scenario import render

JSON = (("content-type", "application/json"),)


def exchange(number: int, operation: str, request: Request, response: Response) -> Exchange:
    return Exchange(f"proxy-{number:06d}", "mesh", operation, request, response, source="proxy")


def answer(body: object, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, JSON + headers, orjson.dumps(body))


def traffic() -> list[Exchange]:
    """Send a message (the server allocates its id), an unrelated read, list the inbox, download
    and acknowledge the message; a second client reads its own known record."""
    return [
        exchange(
            1,
            "send",
            Request("POST", "/outbox", body=b'{"to":"X26HC005"}', headers=JSON),
            answer({"message_id": "20260101120000123456_ABC123"}, 202),
        ),
        exchange(2, "read", Request("GET", "/records/R1234567"), answer({"id": "R1234567"})),
        exchange(
            3,
            "inbox",
            Request("GET", "/inbox"),
            answer({"messages": ["20260101120000123456_ABC123"]}),
        ),
        exchange(
            4,
            "download",
            Request("GET", "/inbox/20260101120000123456_ABC123"),
            Response(200, (("etag", 'W/"1"'),), b"hello"),
        ),
        exchange(
            5,
            "acknowledge",
            Request(
                "PUT",
                "/inbox/20260101120000123456_ABC123/status/acknowledged",
                headers=(("If-Match", 'W/"1"'),),
            ),
            answer({"messageId": "20260101120000123456_ABC123"}),
        ),
        exchange(6, "read", Request("GET", "/records/R1234567"), answer({"id": "R1234567"})),
    ]


def test_values_a_later_request_carried_join_one_conversation() -> None:
    exchanges = traffic()
    correlation = analyse(exchanges)
    assert correlation.conversations == ((0, 2, 3, 4),)
    (message,) = [p for p in correlation.produced if p.expression == "/message_id"]
    assert (message.exchange, message.allocated) == (0, True)
    used = {(use.exchange, use.location) for use in correlation.uses_of(message)}
    # The inbox echoes it (so it must run after the send); download and acknowledge carry it.
    assert used == {(2, "answer"), (3, "path"), (4, "path")}
    (etag,) = [p for p in correlation.produced if p.weak]
    assert [(u.exchange, u.location) for u in correlation.uses_of(etag)] == [
        (4, "headers.If-Match")
    ]
    # The record read twice was known to the client before any answer gave it: not followed.
    assert not any(p.value == "R1234567" for p in correlation.produced)


def test_a_conversation_replays_with_each_targets_own_values() -> None:
    exchanges = traffic()
    planned, held = plan_conversations(exchanges, analyse(exchanges))
    assert held == {0, 2, 3, 4}
    (conversation,) = planned
    send, inbox, download, ack = conversation.steps
    assert send.captures == {"send.message_id": "/message_id"}
    assert conversation.shapes == {"send.message_id": "token", "download.etag": "text"}
    assert download.captures == {"download.etag": "header:etag"}
    assert download.template is not None and download.template.path == "/inbox/{{send.message_id}}"
    assert ack.template is not None
    sent = render(ack.template, {"send.message_id": "NEW_1", "download.etag": 'W/"7"'})
    assert sent.path == "/inbox/NEW_1/status/acknowledged"
    assert sent.header("if-match") == 'W/"7"'
    assert inbox.template is None  # it carries nothing: sent as recorded


def test_an_etag_is_followed_only_to_the_same_resource() -> None:
    first = exchange(1, "read", Request("GET", "/a/A1000001"), Response(200, (("etag", 'W/"1"'),)))
    other = Request("PUT", "/b/B2000002", headers=(("If-Match", 'W/"1"'),))
    second = exchange(2, "update", other, Response(200))
    assert analyse([first, second]).uses == ()


def test_learned_entries_and_a_reviewers_edits_survive_relearning(tmp_path: Path) -> None:
    exchanges = traffic()
    entries = learned_entries(exchanges, analyse(exchanges))
    keys = [entry.key for entry in entries]
    assert keys == [("download", "header:etag"), ("send", "/message_id")]
    learn_correlations({"mesh": tmp_path}, exchanges)
    path = tmp_path / CORRELATIONS_FILE
    text = path.read_text()
    text = text.replace(
        "  - source: {operation: download, from: 'header:etag'}",
        "  # the sandbox answers a constant ETag\n"
        "  - source: {operation: download, from: 'header:etag'}\n    enabled: false",
    )
    path.write_text(text)
    learn_correlations({"mesh": tmp_path}, exchanges)
    again = read_correlations(path)
    assert [(e.key, e.enabled, e.learned) for e in again.entries] == [
        (("download", "header:etag"), False, True),
        (("send", "/message_id"), True, True),
    ]
    assert "# the sandbox answers a constant ETag" in path.read_text()


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("format_version: 9\n", 1, "format_version"),
        ("correlations:\n  - source: {operation: send}\n", 2, "correlations.0.source.from"),
        (
            "correlations:\n  - source: {operation: a, from: /id}\n    shape: isbn\n",
            3,
            "correlations.0.shape",
        ),
        (
            "correlations:\n  - source: {operation: a, from: /id}\n    uses: [{in: path}]\n",
            3,
            "correlations.0.uses.0.operation",
        ),
        ("correlations:\n  - {source: {operation: a, from: /id}, colour: red}\n", 2, None),
    ],
)
def test_a_malformed_file_names_its_line_and_field(
    tmp_path: Path, text: str, line: int, field: str | None
) -> None:
    path = tmp_path / CORRELATIONS_FILE
    path.write_text(text)
    with pytest.raises(HarnessError) as raised:
        read_correlations(path)
    assert raised.value.file == str(path)
    assert raised.value.line == line
    if field is not None:
        assert raised.value.field == field


def test_an_exchange_on_a_resource_above_or_below_a_conversations_joins_it_in_order() -> None:
    """A client's handshake with its mailbox, before it sends from it, stays before the send at
    replay (a server may not take a send and a handshake at once); an unrelated read does not."""
    handshake = exchange(0, "handshake", Request("POST", "/mailbox/X26ABC1"), answer({}))
    status = exchange(
        7, "status", Request("GET", "/inbox/20260101120000123456_ABC123/status"), answer({})
    )
    elsewhere = exchange(8, "ping", Request("GET", "/records"), answer({}))
    sent = traffic()
    sent[0] = exchange(
        1,
        "send",
        Request("POST", "/mailbox/X26ABC1/outbox", body=b'{"to":"X26HC005"}', headers=JSON),
        answer({"message_id": "20260101120000123456_ABC123"}, 202),
    )
    correlation = analyse([handshake, *sent, status, elsewhere])
    assert correlation.conversations == ((0, 1, 3, 4, 5, 7),)
