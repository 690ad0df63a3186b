"""The PDS FHIR R4 face: HTTP in, domain calls, FHIR JSON out (under BASE_PATH)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from harness.simulator.fhir import (
    RequestLedger,
    StoredResponse,
    check_request_id,
    echo_headers,
    operation_outcome,
)
from harness.simulator.pds import domain
from harness.simulator.pds.create import create_patient
from harness.simulator.pds.model import Access, PdsError, retrieval_view
from harness.simulator.pds.patch import expected_version, update_patient
from harness.simulator.pds.query import criteria_from_query
from harness.simulator.population import PatientRecord, Population
from harness.simulator.render import FHIR_JSON, LEGACY_SERVER

BASE_PATH = "/personal-demographics/FHIR/R4"
PUBLIC_BASE = "https://api.service.nhs.uk/personal-demographics/FHIR/R4"
PATCH_MEDIA_TYPE = "application/json-patch+json"
log = logging.getLogger(__name__)


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _timestamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _searchset(total: int) -> dict[str, Any]:
    """A searchset Bundle of `total` matches, before its entries are added."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": _timestamp(),
        "total": total,
    }


def _outcome(error: PdsError) -> Answer:
    body = operation_outcome(error.code, error.display, error.diagnostics)
    return Answer(error.status, orjson.dumps(body))


class FhirResponse(Response):
    """A Response with its raw headers built directly: this is the simulator's hot path.

    Same wire result as `render.json_response` (Server header, application/fhir+json).
    """

    media_type = FHIR_JSON

    def __init__(self, answer: Answer, echoed: dict[str, str]) -> None:
        self.status_code = answer.status
        self.body = answer.body
        self.background = None
        self.raw_headers = [
            (b"server", _SERVER),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"content-type", _MEDIA_TYPE),
            *(
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in answer.headers.items()
            ),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in echoed.items()),
        ]


_SERVER = LEGACY_SERVER.encode("latin-1")
_MEDIA_TYPE = FHIR_JSON.encode("latin-1")


def _response(answer: Answer, echoed: dict[str, str]) -> Response:
    return FhirResponse(answer, echoed)


Operation = Callable[[Request, Access], Awaitable[Answer]]


class Endpoint:
    """One operation as a raw ASGI app (no per-request wrapper layers: this is the hot path),
    with the platform's header rules, de-duplication and error mapping around it."""

    def __init__(self, ledger: RequestLedger, operation: Operation) -> None:
        self.ledger = ledger
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handle(Request(scope, receive))
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        scope = request.scope
        # One pass over the raw headers (ASGI names are lower-case) instead of a scan per lookup.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        echoed = echo_headers(headers)
        problem = check_request_id(headers)
        if problem is not None:
            error = PdsError(problem.code, problem.status, diagnostics=problem.diagnostics)
            return _response(_outcome(error), echoed)
        target = scope["path"] + "?" + scope["query_string"].decode("latin-1")
        key = (headers["x-request-id"], scope["method"], target)
        stored = self.ledger.recall(key)
        if stored is not None:
            return _response(Answer(stored.status, stored.body, dict(stored.headers)), echoed)
        try:
            answer = await self.operation(request, Access.from_headers(headers))
        except PdsError as error:
            answer = _outcome(error)
        except Exception as error:  # malformed input must never become a 5xx
            log.debug("bad request mapped to 400", exc_info=True)
            answer = _outcome(
                PdsError("VALIDATION_ERROR", 400, diagnostics=f"Invalid request - {error!r}"[:300])
            )
        if 200 <= answer.status < 300:
            stored = StoredResponse(
                answer.status, answer.body, tuple(answer.headers.items()), FHIR_JSON
            )
            self.ledger.remember(key, stored)
        return _response(answer, echoed)


class PdsFhir:
    """The five operations, over one population."""

    def __init__(self, population: Population) -> None:
        self.population = population
        # Pre-serialised retrievals: NHS number -> (record they were made from, answer).
        self._rendered: dict[str, tuple[PatientRecord, Answer]] = {}

    def _patient_answer(self, record: PatientRecord, status: int = 200) -> Answer:
        cached = self._rendered.get(record.nhs_number)
        if cached is not None and cached[0] is record and status == 200:
            return cached[1]
        answer = Answer(
            status,
            orjson.dumps(retrieval_view(record)),
            {"ETag": f'W/"{record.version}"'},
        )
        if status == 200:
            self._rendered[record.nhs_number] = (record, answer)
        return answer

    async def get_patient(self, request: Request, access: Access) -> Answer:
        record = domain.read_record(self.population, request.path_params["id"])
        return self._patient_answer(record)

    async def missing_id(self, request: Request, access: Access) -> Answer:
        raise PdsError("UNSUPPORTED_SERVICE", 400)

    async def search(self, request: Request, access: Access) -> Answer:
        criteria = criteria_from_query(request.query_params.multi_items())
        try:
            matches = domain.search_patients(self.population, criteria, access)
        except PdsError as error:
            if error.code != "TOO_MANY_MATCHES":
                raise
            return _outcome(error)
        bundle = _searchset(len(matches))
        if matches:
            bundle["entry"] = [
                {
                    "fullUrl": f"{PUBLIC_BASE}/Patient/{patient['id']}",
                    "search": {"score": 1 if score == 1.0 else score},
                    "resource": patient,
                }
                for patient, score in matches
            ]
        return Answer(200, orjson.dumps(bundle))

    async def update(self, request: Request, access: Access) -> Answer:
        nhs_number = request.path_params["id"]
        domain.validate_nhs_number(nhs_number)
        expected = expected_version(request.headers.get("if-match"))
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != PATCH_MEDIA_TYPE:
            raise PdsError(
                "INVALID_VALUE",
                400,
                diagnostics=f"Invalid value - '{media_type}' in header 'Content-Type': "
                f"expected '{PATCH_MEDIA_TYPE}'",
            )
        raw = await request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise PdsError(
                "INVALID_UPDATE", 400, diagnostics="Invalid update with error - body is not JSON"
            ) from None
        record = update_patient(self.population, nhs_number, expected, body, access)
        return self._patient_answer(record)

    async def create(self, request: Request, access: Access) -> Answer:
        raw = await request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise PdsError(
                "INVALID_CREATE", 400, diagnostics="Invalid create with error - body is not JSON"
            ) from None
        try:
            record = create_patient(self.population, body, access)
        except PdsError as error:
            if error.status != 200:
                raise
            return _outcome(error)
        return Answer(201, orjson.dumps(record.resource), {"ETag": f'W/"{record.version}"'})

    async def related(self, request: Request, access: Access) -> Answer:
        nhs_number = request.path_params["id"]
        people = domain.related_people(self.population, nhs_number)
        bundle = _searchset(len(people))
        if people:
            record = domain.read_record(self.population, nhs_number)
            bundle["entry"] = [
                {
                    "fullUrl": f"{PUBLIC_BASE}/Patient/{record.nhs_number}/RelatedPerson/"
                    f"{person['id']}",
                    "resource": person,
                }
                for person in people
            ]
        return Answer(200, orjson.dumps(bundle))


def routes(population: Population) -> list[BaseRoute]:
    service = PdsFhir(population)
    ledger = RequestLedger()

    def route(path: str, operation: Operation, method: str) -> Route:
        return Route(BASE_PATH + path, Endpoint(ledger, operation), methods=[method])

    return [  # the hot path first: routes are matched in order
        route("/Patient/{id}", service.get_patient, "GET"),
        route("/Patient", service.search, "GET"),
        route("/Patient", service.create, "POST"),
        route("/Patient/", service.missing_id, "GET"),
        route("/Patient/{id}", service.update, "PATCH"),
        route("/Patient/{id}/RelatedPerson", service.related, "GET"),
    ]
