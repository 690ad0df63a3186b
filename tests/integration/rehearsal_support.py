"""Tiny legacy/candidate apps and a small contracts directory in the pinned format, for rehearsals.

The "things" service: GET /things/{id} (a read with a volatile `stamp`), POST /things (allocates
an id: legacy from 1000, candidate from 5000), GET /things/{id} of an allocated one, and /slow.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from harness.contracts import exchange_to_dict
from harness.core.exchange import Exchange, Request, Response
from harness.core.template import Template

THINGS = 40


def things_app(
    *, first_id: int = 1000, drift_name_of: int | None = None, delay_s: float = 0.0
) -> Starlette:
    allocated: dict[str, str] = {}
    counter = itertools.count(first_id)

    async def read(request: StarletteRequest) -> StarletteResponse:
        if delay_s:
            await asyncio.sleep(delay_s)
        key = request.path_params["key"]
        if key in allocated:
            return JSONResponse({"id": key, "name": allocated[key], "created": True})
        number = int(key) if key.isdigit() else -1
        if not 0 <= number < THINGS:
            return JSONResponse({"error": "not found", "id": key}, status_code=404)
        name = f"thing-{number}"
        if drift_name_of == number:
            name = name.upper()
        body = {"id": key, "name": name, "stamp": str(uuid.uuid4())}
        headers = {"X-Request-ID": request.headers.get("x-request-id", "")}
        return JSONResponse(body, headers=headers)

    async def create(request: StarletteRequest) -> StarletteResponse:
        payload = json.loads(await request.body())
        key = str(next(counter))
        allocated[key] = str(payload["name"])
        return JSONResponse(
            {"id": key, "name": allocated[key]},
            status_code=201,
            headers={"Location": f"/things/{key}"},
        )

    async def slow(request: StarletteRequest) -> StarletteResponse:
        await asyncio.sleep(1.5)
        return JSONResponse({"slow": True})

    return Starlette(
        routes=[
            Route("/things/{key}", read, methods=["GET"]),
            Route("/things", create, methods=["POST"]),
            Route("/slow", slow, methods=["GET"]),
        ]
    )


def _json(status: int, body: dict[str, Any], headers: Iterable[tuple[str, str]] = ()) -> Response:
    return Response(
        status, (("content-type", "application/json"), *headers), json.dumps(body).encode()
    )


def thing_exchanges(count: int = THINGS, *, with_scenario: bool = True) -> list[Exchange]:
    """What the legacy app answered (recorded), with ids r-0000.. and a create/read scenario."""
    out = []
    for number in range(count):
        key = str(number % THINGS)
        out.append(
            Exchange(
                id=f"r-{number:04d}",
                service="things",
                operation="getThing",
                request=Request("GET", f"/things/{key}", headers=(("Accept", "application/json"),)),
                response=_json(
                    200, {"id": key, "name": f"thing-{key}", "stamp": str(uuid.uuid4())}
                ),
            )
        )
    out.append(
        Exchange(
            id="r-missing",
            service="things",
            operation="getThing",
            request=Request("GET", "/things/999"),
            response=_json(404, {"error": "not found", "id": "999"}),
        )
    )
    if with_scenario:
        out.extend(scenario_exchanges("create-then-read", first_id=1000))
    return out


def scenario_exchanges(name: str, *, first_id: int) -> list[Exchange]:
    create_body = json.dumps({"name": "widget"})
    created = str(first_id)
    return [
        Exchange(
            id=f"{name}-0",
            service="things",
            operation="createThing",
            source="scenario",
            scenario=name,
            step=0,
            request=Request(
                "POST",
                "/things",
                headers=(("Content-Type", "application/json"),),
                body=create_body.encode(),
            ),
            response=_json(
                201, {"id": created, "name": "widget"}, (("location", f"/things/{created}"),)
            ),
            template=Template(
                "POST", "/things", headers=(("Content-Type", "application/json"),), body=create_body
            ),
            captures={"thing": "/id"},
        ),
        Exchange(
            id=f"{name}-1",
            service="things",
            operation="getThing",
            source="scenario",
            scenario=name,
            step=1,
            request=Request("GET", f"/things/{created}"),
            response=_json(200, {"id": created, "name": "widget", "created": True}),
            template=Template("GET", "/things/{{thing}}"),
            captures={},
        ),
    ]


NOISE = {
    "format_version": 1,
    "service": "things",
    "operations": {
        "getThing": [{"path": "/stamp", "kind": "uuid", "comment": "fresh per call"}],
        "*": [{"path": "header:x-request-id", "kind": "ignore"}],
    },
}


def write_contracts(
    root: Path, exchanges: Iterable[Exchange], *, noise: dict[str, Any] | None = None
) -> Path:
    """A contracts directory with one `things` contract, in the pinned on-disk format."""
    directory = root / "things"
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format_version": 1,
        "service": "things",
        "provenance": {
            "target": "http://legacy.test",
            "recorded_at": "2026-01-01T00:00:00Z",
            "harness_version": "test",
            "seed": 0,
            "command": "tests",
        },
    }
    (directory / "contract.yaml").write_text(yaml.safe_dump(manifest))
    (directory / "openapi.json").write_text(json.dumps({"openapi": "3.0.3", "paths": {}}))
    (directory / "noise.yaml").write_text(yaml.safe_dump(NOISE if noise is None else noise))
    with (directory / "exchanges.jsonl").open("w") as handle:
        for exchange in exchanges:
            handle.write(json.dumps(exchange_to_dict(exchange), sort_keys=True) + "\n")
    return root
