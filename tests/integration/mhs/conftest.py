"""A consumer endpoint and a simulator delivering to it, both served for real on loopback."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.clock import SimulatorClock, clock_of
from harness.simulator.context import SimulatorConfig
from harness.simulator.mhs import dispatcher_of
from harness.simulator.mhs import requests as build
from harness.simulator.mhs.delivery import Dispatcher
from harness.simulator.mhs.ebxml import MessageHeader, read_header
from harness.simulator.mhs.interactions import EPS_PRESCRIPTION, Interaction
from harness.simulator.mhs.reliability import spine_handler
from harness.simulator.mhs.wire import decompose
from harness.simulator.population import population_of
from harness.simulator.population.sandbox import JANE_SMITH
from harness.simulator.sds import directory_of

WAIT_S = 20.0  # generous: a shared machine may be slow; nothing here waits on purpose
Answer = Callable[[int], tuple[int, bytes]]  # attempt number (from 1) -> status, body


@dataclass
class Received:
    at: datetime  # on the simulator's clock
    headers: dict[str, str]
    body: bytes

    @property
    def kind(self) -> str:
        return "message" if self.headers["content-type"].startswith("multipart/") else "signal"

    def header(self) -> MessageHeader:
        """The ebXML header of a message, or of a signal (an acknowledgement)."""
        if self.kind == "signal":
            return read_header(etree.fromstring(self.body))
        return decompose(self.headers["content-type"], self.body).header

    def payload(self) -> bytes:
        payload = decompose(self.headers["content-type"], self.body).payload
        assert payload is not None
        return payload


@dataclass
class Consumer:
    """Records what the Spine delivers; answers as `answer` says (default 202, no body)."""

    clock: SimulatorClock | None = None
    answer: Answer = lambda attempt: (202, b"")
    received: list[Received] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        with self.condition:
            at = self.clock.now() if self.clock else datetime.now()
            self.received.append(Received(at, dict(request.headers), body))
            status, reply = self.answer(len(self.received))
            self.condition.notify_all()
        return Response(reply, status_code=status, media_type="text/xml")

    def wait_for(self, count: int) -> list[Received]:
        deadline = time.monotonic() + WAIT_S
        with self.condition:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, (
                    f"waited {WAIT_S}s for {count} deliveries, got {len(self.received)}"
                )
                self.condition.wait(left)
            return list(self.received)


@dataclass
class Spine:
    url: str
    app: Any
    consumer: Consumer
    http: httpx.Client

    @property
    def context(self) -> Any:
        return self.app.state.context

    @property
    def clock(self) -> SimulatorClock:
        return clock_of(self.app)

    @property
    def dispatcher(self) -> Dispatcher:
        return dispatcher_of(self.context)

    def practice(self) -> tuple[str, str]:
        """(party key, ASID) of a GP practice system the directory knows."""
        directory = directory_of(self.context)
        ods = population_of(self.context).practices()[0]
        system = directory.find_systems(ods, EPS_PRESCRIPTION.interaction_id)[0]
        return system.party_key, system.asid

    def spine_asid(self) -> str:
        return next(s.asid for s in directory_of(self.context).systems if s.ods_code == "YES")

    def cpa_id(self, interaction: Interaction) -> str:
        return spine_handler(directory_of(self.context), interaction.interaction_id).cpa_id

    def message(
        self,
        interaction: Interaction,
        payload_of: Callable[[str, str, str], bytes],
        message_id: str | None = None,
        **options: Any,
    ) -> tuple[str, dict[str, str], bytes]:
        """(message id, headers, body) of a message from the practice; `payload_of(asid,
        spine asid, message id)` writes its HL7."""
        party, asid = self.practice()
        message_id = message_id or str(uuid.uuid4()).upper()
        payload = payload_of(asid, self.spine_asid(), message_id)
        headers, body = build.ebxml_request(
            interaction,
            payload,
            from_party=options.pop("from_party", party),
            cpa_id=options.pop("cpa_id", self.cpa_id(interaction)),
            message_id=message_id,
            conversation_id=options.pop("conversation_id", message_id),
            **options,
        )
        return message_id, headers, body

    def prescription(
        self, short_id: str = "A0548B-A99968-451485", **options: Any
    ) -> tuple[str, dict[str, str], bytes]:
        def payload(asid: str, spine: str, message_id: str) -> bytes:
            return build.eps_prescription(JANE_SMITH, short_id, asid, spine, message_id)

        return self.message(EPS_PRESCRIPTION, payload, **options)

    def post(self, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        return self.http.post(path, content=body, headers=headers)


def serve_spine(consumer: Consumer, **config: Any) -> Iterator[Spine]:
    consumer_app = Starlette(routes=[Route("/inbound", consumer.endpoint, methods=["POST"])])
    with serve_in_thread(consumer_app) as endpoint:
        settings = {"seed": 0, "population": 100, "mhs_consumer_url": f"{endpoint.url}/inbound"}
        app = build_app(SimulatorConfig(**{**settings, **config}))
        consumer.clock = clock_of(app)
        with serve_in_thread(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
            yield Spine(server.url, app, consumer, http)


@pytest.fixture
def consumer() -> Consumer:
    return Consumer()


@pytest.fixture
def spine(consumer: Consumer) -> Iterator[Spine]:
    yield from serve_spine(consumer)
