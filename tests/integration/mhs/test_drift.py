"""Each MHS drift of fixtures/drift/messaging.yaml is observable against a faithful candidate."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from harness.simulator.mhs import requests as build
from harness.simulator.mhs.delivery import State
from harness.simulator.mhs.ebxml import read_signal
from harness.simulator.mhs.interactions import GP_SUMMARY_UPLOAD, PSIS_DOCUMENT_LIST
from harness.simulator.population.sandbox import JANE_SMITH
from tests.integration.mhs.conftest import Consumer, serve_spine

pytestmark = pytest.mark.integration
PROFILE = Path(__file__).resolve().parents[3] / "fixtures" / "drift" / "messaging.yaml"
RELIABLE = "/reliablemessaging/reliablerequest"


def candidates() -> list[tuple[str, Path | None]]:
    return [("faithful", None), ("drifted", PROFILE)]


@pytest.mark.parametrize(("kind", "drift"), candidates())
def test_a_lost_acknowledgement(kind: str, drift: Path | None) -> None:
    consumer = Consumer()
    for spine in serve_spine(consumer, flavour="spine2", drift_file=drift):

        def summary(asid: str, spine_asid: str, message_id: str) -> bytes:
            return build.gp_summary(JANE_SMITH, "DOC-9", asid, spine_asid, message_id)

        message_id, headers, body = spine.message(GP_SUMMARY_UPLOAD, summary)
        answer = spine.post(RELIABLE, headers, body)
        assert answer.status_code == 202
        consumer.wait_for(1)  # the application's answer arrives either way
        acknowledged = bool(answer.content) and read_signal(etree.fromstring(answer.content))
        if kind == "drifted":
            assert answer.content == b""
            assert [d.outbound.kind for d in spine.dispatcher.deliveries] == ["message"]
        else:
            assert acknowledged and acknowledged.acknowledges == message_id


@pytest.mark.parametrize(("kind", "drift"), candidates())
def test_an_acknowledgement_later_than_the_retry_interval(kind: str, drift: Path | None) -> None:
    consumer = Consumer()
    for spine in serve_spine(consumer, flavour="spine2", drift_file=drift):
        message_id, headers, body = spine.prescription()
        received_at = spine.clock.now()
        answer = spine.post(RELIABLE, headers, body)
        if kind == "faithful":
            assert read_signal(etree.fromstring(answer.content)).acknowledges == message_id
            return
        assert answer.status_code == 202 and answer.content == b""
        consumer.wait_for(1)  # the MCCI answer only
        [ack] = [d for d in spine.dispatcher.deliveries if d.outbound.kind == "acknowledgement"]
        assert ack.outbound.ref_to_message_id == message_id
        assert ack.due[0] - received_at >= timedelta(minutes=1, seconds=30)  # PT1M + 30 s
        spine.clock.advance(timedelta(minutes=1))  # the retry interval: still no acknowledgement
        assert ack.state == State.PENDING and not ack.attempts
        spine.clock.advance(timedelta(seconds=31))
        delivered = consumer.wait_for(2)
        assert read_signal(etree.fromstring(delivered[1].body)).acknowledges == message_id
        assert delivered[1].at - received_at > timedelta(minutes=1, seconds=30)


@pytest.mark.parametrize(("kind", "drift"), candidates())
def test_a_duplicate_answer_is_delivered(kind: str, drift: Path | None) -> None:
    consumer = Consumer()
    for spine in serve_spine(consumer, flavour="spine2", drift_file=drift):

        def query(asid: str, spine_asid: str, message_id: str) -> bytes:
            return build.document_list_query(JANE_SMITH, asid, spine_asid, message_id)

        message_id, headers, body = spine.message(PSIS_DOCUMENT_LIST, query)
        spine.post("/reliablemessaging/queryrequest", headers, body)
        copies = 2 if kind == "drifted" else 1
        delivered = consumer.wait_for(copies)
        assert len(spine.dispatcher.deliveries) == copies
        assert {d.header().ref_to_message_id for d in delivered} == {message_id}
        assert len({d.header().message_id for d in delivered}) == 1  # the same message, twice
