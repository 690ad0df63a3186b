"""Expiry after 5 days on the messaging clock, moved in-process or over the socket."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.integration.mesh.conftest import Send, Simulator

pytestmark = pytest.mark.integration


def inbox(simulator: Simulator, http: httpx.Client, mailbox: str) -> list[str]:
    answer = http.get(f"/messageexchange/{mailbox}/inbox", headers=simulator.headers(mailbox))
    ids: list[str] = answer.json()["messages"]
    return ids


def test_the_clock_moves_over_the_socket_and_never_back(http: httpx.Client) -> None:
    before = http.get("/_simulator/clock").json()
    assert before["offset_seconds"] == 0
    moved = http.post("/_simulator/clock", json={"advance": "P1DT2H"}).json()
    assert moved["offset_seconds"] == 26 * 3600 and moved["now"] > before["now"]
    assert http.post("/_simulator/clock", json={"advance_seconds": 30}).status_code == 200
    for bad in ({"advance": "-PT1M"}, {"advance_seconds": -1}, {"advance": 5}, {"when": "now"}):
        assert http.post("/_simulator/clock", json=bad).status_code == 400
    assert "/_simulator/clock" not in http.get("/openapi.json").json()["paths"]


def test_an_unread_message_expires_after_five_days_and_the_sender_gets_a_report(
    simulator: Simulator, http: httpx.Client, send: Send
) -> None:
    sent = send("X26ABC1", "X26ABC2", **{"Mex-LocalID": "L1", "Mex-Subject": "S"})
    message_id = sent.json()["message_id"]
    http.post("/_simulator/clock", json={"advance": "P4DT23H59M"})
    assert inbox(simulator, http, "X26ABC2") == [message_id]
    assert inbox(simulator, http, "X26ABC1") == []
    simulator.clock.advance(timedelta(minutes=1))  # in-process, the same clock
    assert inbox(simulator, http, "X26ABC2") == []
    [report_id] = inbox(simulator, http, "X26ABC1")
    report = http.get(
        f"/messageexchange/X26ABC1/inbox/{report_id}", headers=simulator.headers("X26ABC1")
    )
    assert report.status_code == 200 and report.content == b""
    expected = {
        "mex-messagetype": "REPORT",
        "mex-linkedmsgid": message_id,
        "mex-statuscode": "14",
        "mex-statussuccess": "ERROR",
        "mex-to": "X26ABC2",
        "mex-localid": "L1",
        "mex-subject": "S",
        "mex-workflowid": "RAW_TEST",
        "mex-messageid": report_id,
    }
    assert {name: report.headers.get(name) for name in expected} == expected
    tracking = http.get(
        "/messageexchange/X26ABC1/outbox/tracking",
        params={"messageID": message_id},
        headers=simulator.headers("X26ABC1"),
    ).json()
    assert tracking["status"] == "undeliverable" and tracking["status_code"] == "14"
    assert tracking["status_success"] is False
    gone = http.get(
        f"/messageexchange/X26ABC2/inbox/{message_id}", headers=simulator.headers("X26ABC2")
    )
    assert gone.status_code == 410


def test_the_token_window_is_real_time_so_clients_keep_working(
    simulator: Simulator, send: Send
) -> None:
    simulator.clock.advance(timedelta(days=30))
    assert send("X26ABC1", "X26ABC2").status_code == 202
