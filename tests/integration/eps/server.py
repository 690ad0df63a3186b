"""An EPS-only simulator on a loopback port, for the EPS integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.serving import serve_in_thread
from harness.simulator import eps
from harness.simulator.app import openapi_document
from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.population import Population, population_of


@dataclass
class EpsServer:
    url: str
    client: httpx.Client
    population: Population
    context: SimulatorContext

    def patients(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (record.nhs_number, record.resource)
            for record in self.population
            if record.status == "active"
            and not record.restricted
            and "deceasedDateTime" not in record.resource
        ]


def eps_app(config: SimulatorConfig) -> tuple[Starlette, SimulatorContext]:
    context = SimulatorContext(config)
    service = eps.build(context)
    document = orjson.dumps(openapi_document([service], config))

    async def openapi(_: Request) -> Response:
        return Response(document, media_type="application/json")

    return Starlette(routes=[Route("/openapi.json", openapi), *service.routes]), context


@contextmanager
def running_eps(population: int = 500, seed: int = 0) -> Iterator[EpsServer]:
    app, context = eps_app(SimulatorConfig(seed=seed, population=population))
    with serve_in_thread(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield EpsServer(server.url, client, population_of(context), context)
