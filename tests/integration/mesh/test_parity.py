"""Plain spine2 runs MESH with the same meaning as legacy, in different bytes."""

from __future__ import annotations

import gzip
from datetime import timedelta

import httpx
import pytest

from harness.simulator.context import SimulatorConfig
from harness.simulator.flavour import SPINE2_SERVER
from tests.integration.mesh.conftest import Simulator, serve
from tests.integration.messaging_meaning import Ids, meaning

pytestmark = pytest.mark.integration


def trace(simulator: Simulator) -> list[httpx.Response]:
    """One scripted MESH session: every operation, errors, chunks, gzip and a REPORT."""
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=simulator.url, timeout=30) as http:

        def call(
            method: str,
            path: str,
            mailbox: str,
            version: int = 2,
            body: bytes = b"",
            **headers: str,
        ) -> httpx.Response:
            response = http.request(
                method, path, content=body, headers=simulator.headers(mailbox, version, **headers)
            )
            answers.append(response)
            return response

        box = "/messageexchange"
        call("POST", f"{box}/X26ABC1", "X26ABC1")
        call("POST", f"{box}/X26ABC1", "X26ABC1", 1)
        plain = {"Mex-To": "X26ABC2", "Mex-WorkflowID": "TEST_WORKFLOW", "Mex-LocalID": "L1"}
        sent = call("POST", f"{box}/X26ABC1/outbox", "X26ABC1", body=b"plain", **plain)
        first = gzip.compress(b"first half, ")
        gzipped = {"Mex-To": "X26ABC2", "Mex-Chunk-Range": "1:2", "Content-Encoding": "gzip"}
        chunked = call("POST", f"{box}/X26ABC1/outbox", "X26ABC1", body=first, **gzipped)
        chunked_id = chunked.json()["message_id"]
        second = {"Mex-Chunk-Range": "2:2", "Content-Encoding": "gzip"}
        call(
            "POST",
            f"{box}/X26ABC1/outbox/{chunked_id}/2",
            "X26ABC1",
            body=gzip.compress(b"second half"),
            **second,
        )
        restricted = {"Mex-To": "X26ABC1", "Mex-WorkflowID": "TEST_WORKFLOW"}
        for refused in ({"Mex-To": "NOBODY"}, restricted, {}):
            call("POST", f"{box}/X26ABC1/outbox", "X26ABC1", 1, b"x", **refused)
        call("POST", f"{box}/X26ABC1/outbox", "X26ABC1", body=b"x", **{"Mex-To": "X26ABC9"})
        call("GET", f"{box}/X26ABC2/inbox", "X26ABC2")
        call("GET", f"{box}/X26ABC2/inbox", "X26ABC2", 1)
        call("GET", f"{box}/X26ABC2/count", "X26ABC2", 1)
        message_id = sent.json()["message_id"]
        call("HEAD", f"{box}/X26ABC2/inbox/{message_id}", "X26ABC2")
        call("GET", f"{box}/X26ABC2/inbox/{message_id}", "X26ABC2")
        gzip_ok = {"Accept-Encoding": "gzip"}
        call("GET", f"{box}/X26ABC2/inbox/{chunked_id}", "X26ABC2", **gzip_ok)
        call("GET", f"{box}/X26ABC2/inbox/{chunked_id}/2", "X26ABC2")
        call("PUT", f"{box}/X26ABC2/inbox/{message_id}/status/acknowledged", "X26ABC2")
        call("GET", f"{box}/X26ABC2/inbox/{message_id}", "X26ABC2")
        call("GET", f"{box}/X26ABC1/outbox/tracking?messageID={message_id}", "X26ABC1")
        call("GET", f"{box}/X26ABC1/outbox/tracking?messageID={chunked_id}", "X26ABC1", 1)
        v2 = {"Accept": "application/vnd.mesh.v2+json"}
        answers.append(http.get(f"{box}/endpointlookup/X26/TEST_WORKFLOW", headers=v2))
        answers.append(http.get(f"{box}/workflowsearch/TEST_WORKFLOW2"))
        answers.append(
            http.get(f"{box}/X26ABC1/inbox", headers={"Authorization": "NHSMESH nonsense"})
        )
        call("GET", f"{box}/X26ABC1/inbox", "X26ABC1")  # the REPORT about X26ABC9
        simulator.clock.advance(timedelta(days=5))
        reports = call("GET", f"{box}/X26ABC1/inbox", "X26ABC1").json()["messages"]
        for report_id in reports:
            call("GET", f"{box}/X26ABC1/inbox/{report_id}", "X26ABC1")
        call("GET", f"{box}/X26ABC1/outbox/tracking?messageID={chunked_id}", "X26ABC1")
    return answers


def test_a_whole_mesh_session_means_the_same_on_both() -> None:
    legacy_ids, spine2_ids = Ids(), Ids()
    for legacy in serve(SimulatorConfig(seed=0, population=100, flavour="legacy")):
        old = trace(legacy)
    for spine2 in serve(SimulatorConfig(seed=0, population=100, flavour="spine2")):
        new = trace(spine2)
    assert len(old) == len(new) > 20
    for number, (before, after) in enumerate(zip(old, new, strict=True)):
        assert meaning(before, legacy_ids) == meaning(after, spine2_ids), number
    # and the bytes differ where a re-implementation's may
    assert any(SPINE2_SERVER in a.headers.get("server", "") for a in new)
    json_pairs = [(a, b) for a, b in zip(old, new, strict=True) if a.content.startswith(b"{")]
    assert json_pairs and all(a.content != b.content for a, b in json_pairs)


def test_the_comparison_sees_the_messaging_drift() -> None:
    """The same trace against the drifted candidate: its missing REPORT is a difference."""
    from tests.integration.mesh.test_drift import PROFILE

    legacy_ids, drifted_ids = Ids(), Ids()
    for legacy in serve(SimulatorConfig(seed=0, population=100)):
        old = [meaning(answer, legacy_ids) for answer in trace(legacy)]
    config = SimulatorConfig(seed=0, population=100, flavour="spine2", drift_file=PROFILE)
    for drifted in serve(config):
        new = [meaning(answer, drifted_ids) for answer in trace(drifted)]
    assert old != new
    differing = [n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
    assert differing  # the inbox of X26ABC1 lacks the REPORT about X26ABC9


def test_spine2_delivers_message_content_byte_for_byte() -> None:
    """The presentation of answers never touches what a message carries, whatever its type."""
    content = b'{"b": 1, "a": [2, 1]}'
    for spine2 in serve(SimulatorConfig(seed=0, population=0, flavour="spine2")):
        with spine2.client("X26ABC1") as sender:
            message_id = sender.send_message(
                "X26ABC2", content, workflow_id="ANY", content_type="application/json"
            )
        with httpx.Client(base_url=spine2.url) as http:
            got = http.get(
                f"/messageexchange/X26ABC2/inbox/{message_id}", headers=spine2.headers("X26ABC2")
            )
        assert got.headers["content-type"].startswith("application/json")
        assert got.content == content
