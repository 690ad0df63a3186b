"""Assemble the simulator: every registered service on one port, plus `/openapi.json`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.core.operations import OperationIndex
from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.control import clock_routes
from harness.simulator.flavour import Spine2Flavour
from harness.simulator.records import records_routes
from harness.simulator.service import Service

# Each entry: "module:function" taking a SimulatorContext and returning a Service.
# Order matters: later services may use state set up by earlier ones (e.g. the PDS population).
SERVICE_BUILDERS: list[str] = [
    "harness.simulator.pds:build",
    "harness.simulator.smsp:build",
    "harness.simulator.sds:build",
    "harness.simulator.eps:build",
    "harness.simulator.mesh:build",
    "harness.simulator.mhs:build",
]

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
        "tags": _tags(services),
        "paths": paths,
        "components": components,
    }


def _tags(services: list[Service]) -> list[dict[str, str]]:
    """One tag per service name (PDS has two faces, FHIR and SOAP, under one tag)."""
    descriptions: dict[str, list[str]] = {}
    for service in services:
        descriptions.setdefault(service.name, []).append(service.description)
    return [
        {"name": name, "description": " ".join(d for d in texts if d)}
        for name, texts in descriptions.items()
    ]


def build_app(config: SimulatorConfig | None = None) -> Starlette:
    config = config or SimulatorConfig()
    context = SimulatorContext(config)
    services = [build(context) for build in load_builders()]
    spec = openapi_document(services, config)
    document = orjson.dumps(spec)

    async def openapi(_: Request) -> Response:
        return Response(document, media_type="application/json")

    routes: list[BaseRoute] = [Route("/openapi.json", openapi, methods=["GET"])]
    routes.extend(clock_routes(context.clock))  # a test control: not in the OpenAPI document
    routes.extend(records_routes(context))  # the services' written state, for migrations
    for service in services:
        routes.extend(service.routes)
    # The spine2 flavour and drift, when configured, rewrite answers on their way out.
    app = Starlette(routes=routes, middleware=candidate_middleware(context, spec))
    app.state.context = context
    app.state.services = services
    return app


def candidate_middleware(context: SimulatorContext, openapi: Mapping[str, Any]) -> list[Middleware]:
    """What `build_app` installs: drift (outermost, when a file is given), then the flavour."""
    middleware: list[Middleware] = []
    if context.config.drift_file is not None:
        from harness.simulator.drift import DriftMiddleware, load_profile

        operations = {operation.id for operation in OperationIndex.from_openapi(openapi).operations}
        profile = load_profile(context.config.drift_file, operations)
        middleware.append(
            Middleware(DriftMiddleware, profile=profile, openapi=openapi, context=context)
        )
    if context.flavour == "spine2":
        middleware.append(Middleware(Spine2Flavour))
    return middleware
