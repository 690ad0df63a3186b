"""legacy and plain spine2 walk the same prescriptions through the same life cycle and answer
every step with the same meaning (the harness's comparator with `eps.noise.noise_model()`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.core.compare import Comparators
from harness.core.exchange import Response
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from harness.simulator.eps.noise import noise_model
from tests.integration.eps import messages as rq

pytestmark = [pytest.mark.integration, pytest.mark.eps]
OPERATION = {
    ("POST", "/$prepare"): "prepare",
    ("POST", "/$process-message"): "processMessage",
    ("POST", "/$convert"): "convert",
    ("POST", "/Task/$release"): "releasePrescription",
    ("POST", "/Task"): "returnOrWithdraw",
    ("GET", "/Task"): "searchTasks",
    ("POST", "/Claim"): "claim",
}


@pytest.fixture(scope="module")
def targets() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    legacy_app = build_app(SimulatorConfig(population=500, flavour="legacy"))
    spine2_app = build_app(SimulatorConfig(population=500, flavour="spine2"))
    with (
        serve_in_thread(legacy_app) as legacy,
        serve_in_thread(spine2_app) as spine2,
        httpx.Client(base_url=legacy.url + rq.BASE, timeout=30) as legacy_client,
        httpx.Client(base_url=spine2.url + rq.BASE, timeout=30) as spine2_client,
    ):
        yield legacy_client, spine2_client


def _response(answer: httpx.Response) -> Response:
    return Response(answer.status_code, tuple(answer.headers.items()), answer.content)


class Both:
    def __init__(self, targets: tuple[httpx.Client, httpx.Client]) -> None:
        self.legacy, self.spine2 = targets
        self.comparators = Comparators(noise_model())
        self.statuses: list[int] = []

    def same(self, method: str, path: str, body: Any = None, **params: str) -> httpx.Response:
        headers = {"X-Request-ID": str(uuid.uuid4()), "Content-Type": "application/fhir+json"}
        content = None if body is None else json.dumps(body)
        answers = [
            client.request(method, path, content=content, headers=headers, params=params)
            for client in (self.legacy, self.spine2)
        ]
        comparator = self.comparators.for_operation(OPERATION[method, path])
        differences = comparator.compare(_response(answers[0]), _response(answers[1]))
        assert differences == [], f"{method} {path}: {differences[:5]}"
        self.statuses.append(answers[0].status_code)
        return answers[0]


def test_the_life_cycle_means_the_same_on_legacy_and_spine2(
    targets: tuple[httpx.Client, httpx.Client],
) -> None:
    both = Both(targets)
    seeded = both.same("GET", "/Task", **{"business-status": "0002"})
    held = seeded.json()["entry"][0]["resource"]
    held_id = held["focus"]["identifier"]["value"]
    owner = held["owner"]["identifier"]["value"]
    both.same(
        "POST", "/Task/$release", rq.release("FX123" if owner != "FX123" else "FQ909", held_id)
    )

    nhs = held["for"]["identifier"]["value"]
    patient = {"name": [{"family": "Parity", "given": ["Pat"]}], "birthDate": "1980-02-02"}
    order = rq.order(nhs, patient, performer="FA565")
    short_id, items = rq.short_id_of(order), rq.item_ids(order)
    unsigned = rq.order(nhs, patient, short_id=short_id, signed=False)
    both.same("POST", "/$prepare", unsigned)
    both.same("POST", "/$process-message", order)
    both.same("POST", "/$process-message", order)  # duplicate
    both.same("POST", "/$convert", order)
    both.same("POST", "/Task/$release", rq.release("FA565", short_id))
    both.same("POST", "/Task/$release", rq.release("VNE51", short_id))
    both.same(
        "POST",
        "/$process-message",
        rq.dispense_notification(short_id, "FA565", {items[0]: "0001"}, "0003"),
    )
    both.same("POST", "/Task", rq.withdraw_task(short_id, "FA565"))
    both.same(
        "POST",
        "/$process-message",
        rq.dispense_notification(short_id, "FA565", dict.fromkeys(items, "0001")),
    )
    both.same("POST", "/$process-message", rq.cancellation(order))
    both.same("POST", "/Claim", rq.claim(short_id, "FA565"))
    claimed = both.same("GET", "/Task", **{"focus:identifier": short_id})
    # The noise model hides ids and times, not meaning: two different Tasks still differ.
    search = both.comparators.for_operation("searchTasks")
    assert search.compare(_response(seeded), _response(claimed))

    second = rq.order(nhs, patient, performer="FQ909", items=1)
    both.same("POST", "/$process-message", second)
    both.same("POST", "/$convert", rq.cancellation(second))
    both.same("POST", "/$process-message", rq.cancellation(second))
    both.same("POST", "/Task/$release", rq.release("FA565"))  # nominated download
    bad = rq.order(nhs, patient, short_id=short_id[:-1] + ("A" if short_id[-1] != "A" else "B"))
    both.same("POST", "/$process-message", bad)
    assert {200, 400} <= set(both.statuses)
