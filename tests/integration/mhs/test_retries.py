"""Deliveries to the consumer retry on retriable SOAP faults, as the directory says: PT1M, twice."""

from __future__ import annotations

import time
from datetime import timedelta
from itertools import pairwise

import pytest

from harness.simulator.mhs import faults
from harness.simulator.mhs.delivery import State
from harness.simulator.mhs.interactions import EPS_PRESCRIPTION
from harness.simulator.mhs.reliability import reliability_of, spine_handler
from harness.simulator.sds import directory_of
from tests.integration.mhs.conftest import Consumer, Spine, serve_spine

pytestmark = pytest.mark.integration
RELIABLE = "/reliablemessaging/reliablerequest"


def settle(spine: Spine) -> None:
    """Wait until the dispatcher has nothing due now (generous; only a stuck one times out)."""
    deadline = time.monotonic() + 20
    while not spine.dispatcher.idle():
        assert time.monotonic() < deadline, "the dispatcher did not settle"
        time.sleep(0.01)


def retriable_consumer(failures: int, code: int = faults.SYSTEM_FAILURE) -> Consumer:
    def answer(attempt: int) -> tuple[int, bytes]:
        if attempt <= failures:
            return 500, faults.fault(code, "System failure to process message - default")
        return 202, b""

    return Consumer(answer=answer)


def test_retries_follow_the_directorys_interval_and_count() -> None:
    consumer = retriable_consumer(failures=10)  # always failing: every attempt is spent
    for spine in serve_spine(consumer):
        settings = reliability_of(
            spine_handler(directory_of(spine.context), EPS_PRESCRIPTION.interaction_id)
        )
        assert (settings.retries, settings.retry_interval) == (2, timedelta(minutes=1))
        message_id, headers, body = spine.prescription()
        spine.post(RELIABLE, headers, body)
        consumer.wait_for(1)
        settle(spine)
        spine.clock.advance(timedelta(seconds=59))
        settle(spine)
        assert len(consumer.received) == 1  # not before the interval
        spine.clock.advance(timedelta(seconds=1))
        consumer.wait_for(2)
        spine.clock.advance(timedelta(minutes=1))
        consumer.wait_for(3)
        spine.clock.advance(timedelta(minutes=10))
        settle(spine)
        assert len(consumer.received) == 1 + settings.retries  # then it gives up
        [delivery] = spine.dispatcher.deliveries
        assert delivery.state == State.FAILED
        assert [a.outcome for a in delivery.attempts] == ["retriable"] * 3
        times = [a.at for a in delivery.attempts]
        assert all(later - earlier >= settings.retry_interval for earlier, later in pairwise(times))
        # every attempt is the same message: the consumer can recognise the duplicates
        assert len({r.header().message_id for r in consumer.received}) == 1
        assert {r.header().ref_to_message_id for r in consumer.received} == {message_id}


def test_a_retry_that_succeeds_delivers() -> None:
    consumer = retriable_consumer(failures=1, code=faults.ROUTING_FAILURE)
    for spine in serve_spine(consumer):
        _, headers, body = spine.prescription()
        spine.post(RELIABLE, headers, body)
        consumer.wait_for(1)
        spine.clock.advance(timedelta(minutes=1))
        consumer.wait_for(2)
        settle(spine)
        [delivery] = spine.dispatcher.deliveries
        assert delivery.state == State.DELIVERED
        assert [a.outcome for a in delivery.attempts] == ["retriable", "accepted"]


def test_a_final_fault_is_not_retried() -> None:
    consumer = retriable_consumer(failures=10, code=300)
    for spine in serve_spine(consumer):
        _, headers, body = spine.prescription()
        spine.post(RELIABLE, headers, body)
        consumer.wait_for(1)
        settle(spine)
        spine.clock.advance(timedelta(minutes=5))
        settle(spine)
        assert len(consumer.received) == 1
        assert spine.dispatcher.deliveries[0].state == State.FAILED


def test_an_unreachable_consumer_is_retried_then_given_up() -> None:
    for spine in serve_spine(Consumer(), mhs_consumer_url="http://127.0.0.1:9/inbound"):
        _, headers, body = spine.prescription()
        spine.post(RELIABLE, headers, body)
        for _ in range(3):
            settle(spine)
            spine.clock.advance(timedelta(minutes=1))
        settle(spine)
        [delivery] = spine.dispatcher.deliveries
        assert [a.outcome for a in delivery.attempts] == ["unreachable"] * 3
        assert delivery.state == State.FAILED


def test_without_a_consumer_deliveries_are_held() -> None:
    for spine in serve_spine(Consumer(), mhs_consumer_url=None):
        if spine.dispatcher.consumer_url is not None:
            pytest.skip("HARNESS_MHS_CONSUMER_URL is set in this environment")
        _, headers, body = spine.prescription()
        assert spine.post(RELIABLE, headers, body).status_code == 202
        [delivery] = spine.dispatcher.deliveries
        assert delivery.state == State.HELD and delivery.attempts == []
