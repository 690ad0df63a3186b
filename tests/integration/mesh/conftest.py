"""A fresh simulator per test (MESH state is per server), served for real on loopback."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mesh_client import MeshClient

from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.clock import SimulatorClock, clock_of
from harness.simulator.context import SimulatorConfig
from harness.simulator.mesh.auth import SANDBOX_SHARED_KEY, make_token

PASSWORD = "password"  # the sandbox test mailboxes' password
SHARED_KEY = SANDBOX_SHARED_KEY.encode()
V2 = "application/vnd.mesh.v2+json"


@dataclass
class Simulator:
    url: str
    app: Any

    @property
    def clock(self) -> SimulatorClock:
        return clock_of(self.app)

    def client(self, mailbox: str, password: str = PASSWORD, **options: Any) -> MeshClient:
        """NHS England's mesh-client, configured exactly as for the MESH sandbox."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return MeshClient(self.url, mailbox, password, shared_key=SHARED_KEY, **options)

    def headers(self, mailbox: str, version: int = 2, **extra: str) -> dict[str, str]:
        """A fresh NHSMESH token (and the Accept of `version`) for a raw request."""
        token = make_token(SANDBOX_SHARED_KEY, mailbox, PASSWORD, str(uuid.uuid4()))
        accept = V2 if version >= 2 else "application/json"
        return {"Authorization": token, "Accept": accept, **extra}


def serve(config: SimulatorConfig) -> Iterator[Simulator]:
    app = build_app(config)
    with serve_in_thread(app) as server:
        yield Simulator(server.url, app)


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    yield from serve(SimulatorConfig(seed=0, population=100))


@pytest.fixture
def http(simulator: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.url, timeout=30) as client:
        yield client


Send = Callable[..., httpx.Response]


@pytest.fixture
def send(simulator: Simulator, http: httpx.Client) -> Send:
    """POST a one-chunk message from `sender` to `recipient` over raw HTTP."""

    def post(sender: str, recipient: str, body: bytes = b"data", **headers: str) -> httpx.Response:
        mex = {"Mex-To": recipient, "Mex-WorkflowID": "RAW_TEST", **headers}
        mex = {k.replace("_", "-"): v for k, v in mex.items()}
        return http.post(
            f"/messageexchange/{sender}/outbox",
            content=body,
            headers=simulator.headers(sender, **mex),
        )

    return post
