"""Plain spine2 runs the MHS with the same meaning as legacy: answers and what it delivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.core.mime import parse_multipart
from harness.simulator.mhs import requests as build
from harness.simulator.mhs.interactions import GP_SUMMARY_UPLOAD, PSIS_DOCUMENT_LIST
from harness.simulator.population.sandbox import JANE_SMITH, NOT_FOUND
from tests.integration.messaging_meaning import Ids, body_meaning, headers_meaning, meaning
from tests.integration.mhs.conftest import Consumer, Received, Spine, serve_spine

pytestmark = pytest.mark.integration
RELIABLE = "/reliablemessaging/reliablerequest"
QUERY = "/reliablemessaging/queryrequest"


def trace(spine: Spine) -> tuple[list[httpx.Response], list[Received]]:
    """One scripted session of every pattern, with its errors; then what was delivered."""
    answers = []
    _, asid = spine.practice()
    for number in (JANE_SMITH, NOT_FOUND):
        headers, body = build.pds_retrieval_request(
            number, asid, spine.spine_asid(), f"SYNC-{number}"
        )
        answers.append(spine.post("/sync-service", headers, body))
    _, headers, body = spine.prescription(message_id="6F1D3B4A-0000-4000-8000-000000000001")
    answers.append(spine.post(RELIABLE, headers, body))
    answers.append(spine.post(RELIABLE, headers, body))  # a duplicate
    _, headers, body = spine.prescription(
        "B2222C-A99968-00000Q", message_id="6F1D3B4A-0000-4000-8000-000000000002", sync_reply=False
    )
    answers.append(spine.post(RELIABLE, headers, body))

    def summary(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.gp_summary(JANE_SMITH, "DOC-P", asid, spine_asid, message_id)

    def query(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.document_list_query(JANE_SMITH, asid, spine_asid, message_id)

    _, headers, body = spine.message(
        GP_SUMMARY_UPLOAD, summary, "6F1D3B4A-0000-4000-8000-000000000003"
    )
    answers.append(spine.post(RELIABLE, headers, body))
    spine.consumer.wait_for(4)  # the two MCCI answers, the asynchronous ack, the summary's MCCI
    _, headers, body = spine.message(
        PSIS_DOCUMENT_LIST, query, "6F1D3B4A-0000-4000-8000-000000000004"
    )
    answers.append(spine.post(QUERY, headers, body))
    _, headers, body = spine.prescription(cpa_id="S99999A999999")
    answers.append(spine.post(RELIABLE, headers, body))
    answers.append(spine.post(RELIABLE, {"Content-Type": "text/plain"}, b"nonsense"))
    delivered = spine.consumer.wait_for(5)
    return answers, sorted(delivered, key=lambda d: (d.header().ref_to_message_id or "", d.kind))


def session(flavour: str) -> tuple[list[httpx.Response], list[Received]]:
    for spine in serve_spine(Consumer(), flavour=flavour):
        return trace(spine)
    raise AssertionError("no simulator")


def delivery_meaning(received: Received, ids: Ids) -> Any:
    return (
        headers_meaning(received.headers, ids),
        body_meaning(received.headers["content-type"], received.body, ids),
    )


def test_every_pattern_means_the_same_on_both() -> None:
    old_answers, old_delivered = session("legacy")
    new_answers, new_delivered = session("spine2")
    legacy_ids, spine2_ids = Ids(), Ids()
    for number, (old, new) in enumerate(zip(old_answers, new_answers, strict=True)):
        assert meaning(old, legacy_ids) == meaning(new, spine2_ids), number
    assert len(old_delivered) == len(new_delivered) == 5
    for old, new in zip(old_delivered, new_delivered, strict=True):
        assert delivery_meaning(old, legacy_ids) == delivery_meaning(new, spine2_ids)
    # the noise a re-implementation may have: another boundary and part header names
    multipart = [
        (a, b) for a, b in zip(old_delivered, new_delivered, strict=True) if a.kind == "message"
    ]
    for old, new in multipart:
        before = parse_multipart(old.headers["content-type"], old.body)
        after = parse_multipart(new.headers["content-type"], new.body)
        assert before.parameter("boundary") != after.parameter("boundary")
        assert [k for k, _ in before.parts[0].headers] != [k for k, _ in after.parts[0].headers]
        assert old.body != new.body


def test_the_comparison_sees_the_messaging_drift() -> None:
    profile = Path(__file__).resolve().parents[3] / "fixtures" / "drift" / "messaging.yaml"
    old_answers, _ = session("legacy")
    for spine in serve_spine(Consumer(), flavour="spine2", drift_file=profile):
        answers = []
        _, headers, body = spine.prescription(message_id="6F1D3B4A-0000-4000-8000-000000000001")
        answers.append(spine.post(RELIABLE, headers, body))
    legacy_ids, drifted_ids = Ids(), Ids()
    # the legacy trace's third answer is the same request's acknowledgement
    assert meaning(old_answers[2], legacy_ids) != meaning(answers[0], drifted_ids)
