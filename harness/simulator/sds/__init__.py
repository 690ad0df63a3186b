"""SDS, the Spine Directory Service FHIR API, under `/spine-directory/FHIR/R4`.

`GET /Device` finds accredited systems (ASIDs) and `GET /Endpoint` message handlers (addresses
and reliability settings), by organisation, service interaction and party key. The directory
is the fixture in `fixtures/sds/` plus records generated for each GP practice of the population.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator.context import SimulatorContext
from harness.simulator.render import json_response, xml_response
from harness.simulator.sds import resources
from harness.simulator.sds.directory import Directory
from harness.simulator.sds.fhirxml import to_fhir_xml
from harness.simulator.sds.fixture import build_directory
from harness.simulator.sds.openapi import openapi_components, openapi_paths
from harness.simulator.sds.query import (
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    XML_TYPE,
    SdsError,
    accepted_media_type,
    correlation_id,
    parse_device_query,
    parse_endpoint_query,
)
from harness.simulator.service import Service

BASE_PATH = "/spine-directory/FHIR/R4"
# Links and fullUrls name the public service, not the host a test happens to bind, so that
# two deployments (legacy, candidate) answer with the same URLs.
PUBLIC_BASE = "https://int.api.service.nhs.uk/spine-directory/FHIR/R4"

# Routes take every method so that others get the service's own 405 / 404 OperationOutcome.
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

__all__ = ["BASE_PATH", "build", "directory_of"]


def directory_of(context: SimulatorContext) -> Directory:
    """The directory for this server: built once, from the population's GP practices."""
    state = context.state.setdefault("sds", {})
    if "directory" not in state:
        from harness.simulator.population import population_of

        practices = population_of(context).practices()
        state["directory"] = build_directory(context.config.seed, practices)
    directory: Directory = state["directory"]
    return directory


Search = Callable[[Directory, Sequence[tuple[str, str]]], list[dict[str, Any]]]


def _search_devices(directory: Directory, query: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    criteria = parse_device_query(query)
    systems = directory.find_systems(
        criteria.ods_code, criteria.interaction, criteria.party_key, criteria.manufacturer
    )
    return [resources.device(system) for system in systems]


def _search_endpoints(
    directory: Directory, query: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    criteria = parse_endpoint_query(query)
    handlers = directory.find_handlers(criteria.ods_code, criteria.interaction, criteria.party_key)
    return [endpoint for handler in handlers for endpoint in resources.endpoints(handler)]


def _tracking_headers(request: Request, correlation: str) -> dict[str, str]:
    headers = {"X-Correlation-ID": correlation}
    request_id = request.headers.get("x-request-id")
    if request_id:
        headers["X-Request-ID"] = request_id
    return headers


def _error(context: SimulatorContext, request: Request, error: SdsError) -> Response:
    try:
        correlation = correlation_id(request.headers.get("x-correlation-id")) or context.new_id()
    except SdsError:
        correlation = context.new_id()
    return json_response(
        error.outcome(correlation),
        status=error.status,
        headers={**_tracking_headers(request, correlation), **error.headers},
    )


def _search_handler(
    context: SimulatorContext, resource_type: str, search: Search
) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        try:
            if request.method not in ("GET", "HEAD"):
                raise METHOD_NOT_ALLOWED
            correlation = correlation_id(request.headers.get("x-correlation-id"))
            query = parse_qsl(request.url.query, keep_blank_values=True)
            found = search(directory_of(context), query)
            media_type = accepted_media_type(request.headers.get("accept"))
        except SdsError as error:
            return _error(context, request, error)
        correlation = correlation or context.new_id()
        target = f"{PUBLIC_BASE}/{resource_type}"
        self_url = f"{target}?{unquote(request.url.query)}" if request.url.query else target
        bundle = resources.searchset(context.new_id(), self_url, target, found)
        headers = _tracking_headers(request, correlation)
        if media_type == XML_TYPE:
            return xml_response(to_fhir_xml(bundle), headers=headers, media_type=XML_TYPE)
        return json_response(bundle, headers=headers, media_type=media_type)

    return handle


def build(context: SimulatorContext) -> Service:
    directory_of(context)  # build at startup, not on the first request

    async def not_found(request: Request) -> Response:
        return _error(context, request, NOT_FOUND)

    routes: list[BaseRoute] = [
        Route(
            f"{BASE_PATH}/Device",
            _search_handler(context, "Device", _search_devices),
            methods=ALL_METHODS,
        ),
        Route(
            f"{BASE_PATH}/Endpoint",
            _search_handler(context, "Endpoint", _search_endpoints),
            methods=ALL_METHODS,
        ),
        Route(BASE_PATH + "/{rest:path}", not_found, methods=ALL_METHODS),
    ]
    return Service(
        name="sds",
        base_path=BASE_PATH,
        routes=routes,
        openapi_paths=openapi_paths(BASE_PATH),
        openapi_components=openapi_components(),
        description="Spine Directory Service: accredited systems and MHS endpoints (FHIR R4).",
    )
