"""`/_simulator/records`: the state a simulator's services wrote, out and in (not in
`/openapi.json`), so that a cutover rehearsal can migrate it from one simulator to another.

    GET  /_simulator/records   -> {"format_version": 1, "patients": [PatientRecord.to_dict()...]}
    POST /_simulator/records   the same document: each record stored (created or replaced)
                               -> {"imported": N}

Only what was written since the simulator started is exported (created and updated PDS
records, and those migrated in): the seeded population is the same on both sides already.
`python -m harness.simulator.migrate FROM TO` moves it. A test control, like the clock.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator.context import SimulatorContext
from harness.simulator.population import PatientRecord, population_of

RECORDS_PATH = "/_simulator/records"
FORMAT_VERSION = 1


def _answer(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def records_routes(ctx: SimulatorContext) -> list[BaseRoute]:
    async def export(request: Request) -> Response:
        population = population_of(ctx)
        patients = [population.records[number].to_dict() for number in population.written]
        return _answer({"format_version": FORMAT_VERSION, "patients": patients})

    async def import_(request: Request) -> Response:
        try:
            document = orjson.loads(await request.body())
            if document.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format_version must be {FORMAT_VERSION}")
            records = [PatientRecord.from_dict(item) for item in document.get("patients", [])]
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            return _answer({"error": f"not a records document: {error}"}, status=400)
        population = population_of(ctx)
        for record in records:
            population.store(record)
        return _answer({"imported": len(records)})

    return [
        Route(RECORDS_PATH, export, methods=["GET"]),
        Route(RECORDS_PATH, import_, methods=["POST"]),
    ]
