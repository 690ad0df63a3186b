"""Later messages: their stored form, the contract format that holds them, and their parity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness.contracts import iter_exchanges, read_contract, write_contract
from harness.core.difference import DiffKind
from harness.core.exchange import Correlation, Exchange, LaterMessage, Request, Response
from harness.core.later import kinds_of, later_from_dict, later_summary, later_to_dict
from harness.core.later_parity import LaterComparator
from harness.core.rules import Rule
from harness.errors import HarnessError

pytestmark = pytest.mark.unit

ACK = (
    b'<Envelope xmlns="urn:s"><Header><Ack ref="M1" at="2026-01-01T10:00:00Z"/></Header></Envelope>'
)


def ack(**changes: object) -> LaterMessage:
    message = LaterMessage(
        channel="inbound",
        kind="acknowledgement",
        correlation=Correlation("RefToMessageId", "M1"),
        code="Acknowledgment",
        message_id="A1",
        conversation="C1",
        after_ms=4.2,
        headers=(("Content-Type", "text/xml"),),
        body=ACK,
    )
    return replace(message, **changes)  # type: ignore[arg-type]


def answer(**changes: object) -> LaterMessage:
    return ack(**{"kind": "message", "code": "AA", "message_id": "R1", **changes})


def paths(differences: list) -> list[tuple[str, DiffKind]]:  # type: ignore[type-arg]
    return [(d.path, d.kind) for d in differences]


def test_a_later_message_survives_its_stored_form() -> None:
    message = ack(after_step=1, attempt=2, body=b"\xff\x00binary")
    assert later_from_dict(later_to_dict(message), "x.jsonl:3") == replace(message, after_ms=4.2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": ""}, "later.kind"),
        ({"after_ms": -1}, "later.after_ms"),
        ({"attempt": 0}, "later.attempt"),
        ({"correlation": {"name": "x"}}, "later.correlation.value"),
        ({"headers": [["only"]]}, "later.headers[0]"),
    ],
)
def test_a_bad_stored_later_message_names_its_field(change: dict, field: str) -> None:  # type: ignore[type-arg]
    data = {**later_to_dict(ack()), **change}
    with pytest.raises(HarnessError) as caught:
        later_from_dict(data, "contracts/mhs/exchanges.jsonl:7")
    assert caught.value.field == field
    assert caught.value.line == 7


def test_a_contract_with_later_messages_is_version_2_and_reads_back(tmp_path: Path) -> None:
    exchange = Exchange(
        "x/0", "mhs", "send", Request("POST", "/send"), Response(202), later=(ack(), answer())
    )
    plain = Exchange("y/0", "mhs", "read", Request("GET", "/read"), Response(200))
    write_contract(
        tmp_path / "mhs",
        service="mhs",
        openapi={},
        exchanges=[exchange, plain],
        noise=[],
        provenance={},
    )
    assert "format_version: 2" in (tmp_path / "mhs" / "contract.yaml").read_text()
    read = list(iter_exchanges(read_contract(tmp_path / "mhs")))
    assert read[0].later == (ack(), answer())
    assert read[1].later == ()
    write_contract(
        tmp_path / "pds", service="pds", openapi={}, exchanges=[plain], noise=[], provenance={}
    )
    assert "format_version: 1" in (tmp_path / "pds" / "contract.yaml").read_text()


def test_the_same_later_messages_are_no_difference() -> None:
    other_ids = [ack(message_id="A9", after_ms=40.0), answer(message_id="R9")]
    assert LaterComparator().compare([ack(), answer()], other_ids[::-1]) == []


def test_a_lost_acknowledgement_is_missing_and_an_extra_one_is_extra() -> None:
    compare = LaterComparator().compare
    assert paths(compare([ack(), answer()], [answer()])) == [
        ("later:acknowledgement", DiffKind.MISSING)
    ]
    assert paths(compare([answer()], [ack(), answer()])) == [
        ("later:acknowledgement", DiffKind.EXTRA)
    ]


def test_a_duplicate_delivery_is_its_own_difference() -> None:
    twice = [answer(), answer(attempt=2, duplicate=True)]
    differences = LaterComparator().compare([answer()], twice)
    assert paths(differences) == [("later:message:duplicates", DiffKind.EXTRA)]
    assert (differences[0].legacy, differences[0].candidate) == (0, 1)


def test_retries_are_counted_not_taken_for_new_messages() -> None:
    retried = [answer(), answer(attempt=2)]
    assert paths(LaterComparator().compare([answer()], retried)) == [
        ("later:message:attempts", DiffKind.CHANGED)
    ]


def test_codes_order_and_content() -> None:
    compare = LaterComparator().compare
    assert paths(compare([answer()], [answer(code="AE")])) == [
        ("later:message:code", DiffKind.CHANGED)
    ]
    assert paths(compare([ack()], [ack(after_step=1)])) == [
        ("later:acknowledgement:order", DiffKind.ORDER)
    ]
    changed = ack(body=ACK.replace(b'ref="M1"', b'ref="M2"'))
    assert paths(compare([ack()], [changed])) == [
        ("later:acknowledgement:/Envelope/Header/Ack/@ref", DiffKind.CHANGED)
    ]


def test_rules_reach_later_messages_by_kind() -> None:
    later = ack(body=ACK.replace(b"10:00:00", b"10:00:07"), headers=(("content-type", "text/xml"),))
    assert paths(LaterComparator().compare([ack()], [later])) == [
        ("later:acknowledgement:/Envelope/Header/Ack/@at", DiffKind.CHANGED)
    ]
    rules = [Rule("later:acknowledgement:/Envelope/Header/Ack/@at", "timestamp")]
    assert LaterComparator(rules).compare([ack()], [later]) == []
    assert LaterComparator([Rule("later:acknowledgement")]).compare([ack()], []) == []
    twice = [answer(), answer(duplicate=True)]
    assert LaterComparator([Rule("later:message:duplicates")]).compare([answer()], twice) == []


def test_results_keep_a_summary_and_latency_reads_first_deliveries() -> None:
    summary = later_summary([ack(), answer(), answer(attempt=2, duplicate=True)])
    assert [item["kind"] for item in summary] == ["acknowledgement", "message", "message"]
    assert "body" not in summary[0]
    assert kinds_of(summary) == [("acknowledgement", 4.2), ("message", 4.2)]
