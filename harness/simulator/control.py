"""`/_simulator/clock`: moving the messaging clock over a socket (not in `/openapi.json`).

    GET  /_simulator/clock                           -> {"now": "...Z", "offset_seconds": 0.0}
    POST /_simulator/clock  {"advance": "P5D"}        -> the same, after moving it
    POST /_simulator/clock  {"advance_seconds": 60}

The clock never moves back (400). This is a test control of the simulator, not part of any
simulated service, so no service publishes it and drift never matches it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator.clock import SimulatorClock
from harness.simulator.durations import parse_duration

CLOCK_PATH = "/_simulator/clock"


def _answer(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _state(clock: SimulatorClock) -> dict[str, Any]:
    return {
        "now": clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "offset_seconds": clock.offset.total_seconds(),
    }


def advance_of(body: Any) -> timedelta:
    """The amount a POST body asks the clock to move; ValueError naming what is wrong."""
    if not isinstance(body, dict) or len(body) != 1:
        raise ValueError('send {"advance": "<ISO 8601 duration>"} or {"advance_seconds": <n>}')
    if "advance" in body:
        if not isinstance(body["advance"], str):
            raise ValueError("advance must be an ISO 8601 duration such as PT5M or P5D")
        amount = parse_duration(body["advance"])
    elif "advance_seconds" in body:
        seconds = body["advance_seconds"]
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise ValueError("advance_seconds must be a number")
        amount = timedelta(seconds=seconds)
    else:
        raise ValueError(f"unknown field {next(iter(body))!r}; use advance or advance_seconds")
    if amount < timedelta(0):
        raise ValueError("the simulator clock only moves forward")
    return amount


def clock_routes(clock: SimulatorClock) -> list[BaseRoute]:
    async def read(request: Request) -> Response:
        return _answer(_state(clock))

    async def move(request: Request) -> Response:
        try:
            amount = advance_of(orjson.loads(await request.body() or b"null"))
        except (ValueError, orjson.JSONDecodeError) as error:
            return _answer({"error": str(error)}, status=400)
        clock.advance(amount)
        return _answer(_state(clock))

    return [
        Route(CLOCK_PATH, read, methods=["GET"]),
        Route(CLOCK_PATH, move, methods=["POST"]),
    ]
