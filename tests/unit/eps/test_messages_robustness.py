"""Valid EPS bodies with one field replaced by a value of the wrong type: refused, never crashed.

Every leaf and branch of each example body is swapped in turn for None, [], 0 and "x";
parsing must then either succeed or raise EpsError, and whatever parses must still render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from harness.simulator.eps import dispensing, hl7v3, messages, responses
from harness.simulator.eps.errors import EpsError
from harness.simulator.eps.machine import CANCELLATION_REASONS, Item, Prescription
from harness.simulator.eps.store import Record
from tests.integration.eps import messages as rq

PATIENT = {
    "name": [{"use": "usual", "family": "Smith", "given": ["Jo"], "prefix": ["Ms"]}],
    "gender": "female",
    "birthDate": "1970-01-01",
    "address": [{"line": ["1 High Street"], "postalCode": "LS1 1AA"}],
    "generalPractitioner": [{"identifier": {"value": "A83008"}}],
}
WRONG = [None, [], 0, "x"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*path, index))


def _replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    copied = orjson.loads(orjson.dumps(body))
    holder = copied
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return copied


def _render(parsed: Any) -> None:
    if isinstance(parsed, messages.PrescriptionOrder):
        hl7v3.to_bytes(hl7v3.parent_prescription(parsed.bundle, "20260101000000"))
        responses.prepare(parsed, "now")
        items = tuple(Item(item_id, "0008") for item_id in parsed.item_ids)
        prescription = Prescription(
            parsed.short_id, parsed.long_id, parsed.nhs_number, "A83008", "FA565", items
        )
        record = Record(prescription, "task", parsed.bundle, "now", parsed.message_id)
        responses.release([record], "now", lambda: "id", "http://x")
    elif isinstance(parsed, messages.Cancellation):
        reason = CANCELLATION_REASONS[parsed.reason]
        hl7v3.to_bytes(hl7v3.cancellation_request(parsed.bundle, "20260101000000", reason))
        responses.cancellation(None, parsed, "R-0001", "now", lambda: "id")


ORDER = rq.order("9449304130", PATIENT, items=1)
BODIES: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "order": (ORDER, messages.parse_message),
    "prepare": (rq.order("9449304130", PATIENT, items=1, signed=False), messages.parse_prepare),
    "cancellation": (rq.cancellation(ORDER), messages.parse_message),
    "dispense": (
        rq.dispense_notification(rq.short_id_of(ORDER), "FA565", {rq.item_ids(ORDER)[0]: "0001"}),
        messages.parse_message,
    ),
    "release": (rq.release("FA565", rq.short_id_of(ORDER)), dispensing.parse_release),
    "return": (rq.return_task(rq.short_id_of(ORDER), "FA565"), dispensing.parse_task),
    "withdraw": (rq.withdraw_task(rq.short_id_of(ORDER), "FA565"), dispensing.parse_task),
    "claim": (rq.claim(rq.short_id_of(ORDER), "FA565"), dispensing.parse_claim),
}


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_wrong_types_are_refused_not_crashed(kind: str) -> None:
    body, parse = BODIES[kind]
    _render(parse(body))  # the unmodified body is valid
    for path in _paths(body):
        for wrong in WRONG:
            try:
                parsed = parse(_replaced(body, path, wrong))
            except EpsError:
                continue
            _render(parsed)
