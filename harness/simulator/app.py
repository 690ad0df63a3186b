"""Assemble the simulator: every registered service on one port, plus `/openapi.json`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.service import Service

# Each entry: "module:function" taking a SimulatorContext and returning a Service.
# Order matters: later services may use state set up by earlier ones (e.g. the PDS population).
SERVICE_BUILDERS: list[str] = []

ServiceBuilder = Callable[[SimulatorContext], Service]


def load_builders() -> list[ServiceBuilder]:
    builders = []
    for entry in SERVICE_BUILDERS:
        module_name, attribute = entry.split(":")
        builders.append(getattr(importlib.import_module(module_name), attribute))
    return builders


def openapi_document(services: list[Service], config: SimulatorConfig) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    for service in services:
        paths.update(service.openapi_paths)
        for section, entries in service.openapi_components.items():
            components.setdefault(section, {}).update(entries)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Spine simulator",
            "version": "1.0.0",
            "description": f"Simulated Spine services, flavour `{config.flavour}`.",
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": s.name, "description": s.description} for s in services],
        "paths": paths,
        "components": components,
    }


def build_app(config: SimulatorConfig | None = None) -> Starlette:
    config = config or SimulatorConfig()
    context = SimulatorContext(config)
    services = [build(context) for build in load_builders()]
    document = orjson.dumps(openapi_document(services, config))

    async def openapi(_: Request) -> Response:
        return Response(document, media_type="application/json")

    routes: list[BaseRoute] = [Route("/openapi.json", openapi, methods=["GET"])]
    for service in services:
        routes.extend(service.routes)
    app = Starlette(routes=routes)
    app.state.context = context
    app.state.services = services
    return app
