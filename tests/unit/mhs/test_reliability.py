"""Reliability comes from the directory; retries follow its interval and count; faults classify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from harness.simulator.mhs import faults
from harness.simulator.mhs.dedup import DuplicateEliminator
from harness.simulator.mhs.delivery import classify
from harness.simulator.mhs.ebxml import acknowledgement, message_error
from harness.simulator.mhs.interactions import EPS_PRESCRIPTION, INTERACTIONS, PSIS_DOCUMENT_LIST
from harness.simulator.mhs.reliability import (
    Reliability,
    reliability_of,
    retry_schedule,
    spine_handler,
)
from harness.simulator.sds.fixture import build_directory
from tests.unit.mhs.test_ebxml import HEADER

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_settings_are_read_from_the_spines_sds_record() -> None:
    directory = build_directory(0, [])
    eps = reliability_of(spine_handler(directory, EPS_PRESCRIPTION.interaction_id))
    assert eps == Reliability(
        retries=2,
        retry_interval=timedelta(minutes=1),
        persist_duration=timedelta(minutes=5),
        ack_requested=True,
        duplicate_elimination=True,
        sync_reply_mode="MSHSignalsOnly",
    )
    express = reliability_of(spine_handler(directory, PSIS_DOCUMENT_LIST.interaction_id))
    assert express.retries == 0 and not express.ack_requested
    for interaction in INTERACTIONS:  # every served interaction has a Spine record
        spine_handler(directory, interaction.interaction_id)
    with pytest.raises(KeyError, match="no Spine MHS record"):
        spine_handler(directory, "urn:nhs:names:services:nope:NOPE")


def test_the_retry_schedule_is_one_attempt_plus_one_per_retry_an_interval_apart() -> None:
    directory = build_directory(0, [])
    eps = reliability_of(spine_handler(directory, EPS_PRESCRIPTION.interaction_id))
    assert retry_schedule(eps, T0) == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    tight = Reliability(5, timedelta(minutes=2), timedelta(minutes=5), True, True, "None")
    assert len(retry_schedule(tight, T0)) == 3  # retries past the persist duration are dropped
    none = Reliability(0, timedelta(0), timedelta(0), False, False, "None")
    assert retry_schedule(none, T0) == [T0]


def test_a_message_id_is_a_duplicate_within_the_persist_duration_only() -> None:
    dedup = DuplicateEliminator()
    persist = timedelta(minutes=5)
    assert not dedup.is_duplicate("m-1", T0)
    dedup.remember("m-1", T0, persist)
    assert dedup.is_duplicate("M-1", T0 + timedelta(minutes=4, seconds=59))  # ids without case
    dedup.remember("M-1", T0 + timedelta(minutes=4), persist)  # a resend does not extend it
    assert not dedup.is_duplicate("M-1", T0 + persist)
    assert not dedup.is_duplicate("m-2", T0)


@pytest.mark.parametrize(
    ("codes", "retriable"),
    [
        ([200], True),
        ([206], True),
        ([208], True),
        ([200, 206], True),
        ([200, 300], False),
        ([300], False),
        ([], False),
    ],
)
def test_only_faults_whose_every_code_is_transient_are_retried(
    codes: list[int], retriable: bool
) -> None:
    envelope = etree.fromstring(faults.fault(codes[0] if codes else 0, "x"))
    if len(codes) != 1:  # build the list the fault carries
        error_list = envelope.find(f".//{{{faults.NASP}}}errorList")
        assert error_list is not None
        for child in list(error_list):
            error_list.remove(child)
        for code in codes:
            error = etree.SubElement(error_list, f"{{{faults.NASP}}}error")
            etree.SubElement(error, f"{{{faults.NASP}}}errorCode").text = str(code)
    assert faults.fault_codes(envelope) == codes
    assert faults.is_retriable(faults.fault_codes(envelope)) is retriable
    assert (classify(500, etree.tostring(envelope), "M-1") == "retriable") is retriable


def test_consumer_answers_are_classified() -> None:
    assert classify(200, acknowledgement(HEADER, "A", T0), "M-1") == "acknowledged"
    assert classify(200, acknowledgement(HEADER, "A", T0), "OTHER") == "accepted"
    assert classify(202, b"", "M-1") == "accepted"
    assert classify(200, message_error(HEADER, "E", "Inconsistent", "no"), "M-1") == "negative"
    assert classify(500, b"not xml", "M-1") == "refused"
    assert classify(404, b"", "M-1") == "refused"
