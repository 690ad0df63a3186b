"""The EPS HTTP face: Starlette handlers that parse, run the state machine and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from harness.simulator import fhir
from harness.simulator.context import SimulatorContext
from harness.simulator.eps import dispensing, errors, hl7v3, machine, messages, responses
from harness.simulator.eps.errors import EpsError
from harness.simulator.eps.machine import CANCELLATION_REASONS, Item, Prescription, Status
from harness.simulator.eps.store import Identifiers, PrescriptionStore, Record
from harness.simulator.population import Population, is_valid
from harness.simulator.render import FHIR_JSON, LEGACY_SERVER, json_response, xml_response

BASE_PATH = "/electronic-prescriptions/FHIR/R4"
# The searchset's self link names the public endpoint, never this server's host and port
# (a legacy and a candidate simulator listen on different ports).
PUBLIC_RELEASE_URL = f"https://api.service.nhs.uk{BASE_PATH}/Task/$release"
TASK_QUERY = ("identifier", "focus:identifier", "business-status")
Json = dict[str, Any]
Outcome = tuple[int, Json]


class EpsHandlers:
    """One per server: the store, the population and the identifier generator."""

    def __init__(self, ctx: SimulatorContext, population: Population, store: PrescriptionStore):
        self.ctx = ctx
        self.population = population
        self.store = store
        self.ledger = fhir.RequestLedger()

    # -- plumbing ---------------------------------------------------------------------------

    def now(self) -> str:
        return self.ctx.now().replace(microsecond=0).isoformat()

    @property
    def ids(self) -> Identifiers:
        return self.store.identifiers

    def _error(self, error: EpsError, headers: dict[str, str]) -> Response:
        body = responses.operation_outcome(error, self.now(), self.ids.uuid)
        return json_response(body, status=error.status, headers=headers)

    async def _post(self, request: Request, action: Callable[[Any], Outcome]) -> Response:
        headers = fhir.echo_headers(request.headers)
        problem = fhir.check_request_id(request.headers)
        if problem is not None:
            body = fhir.operation_outcome(problem.code, diagnostics=problem.diagnostics)
            return json_response(body, status=problem.status, headers=headers)
        key = ("POST", request.url.path, request.headers["x-request-id"])
        stored = self.ledger.recall(key)
        if stored is not None:
            replay = {"Server": LEGACY_SERVER, **dict(stored.headers)}
            return Response(stored.body, stored.status, replay, stored.media_type)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return self._error(errors.invalid_value("Request body must be valid JSON."), headers)
        try:
            status, answer = action(body)
        except EpsError as error:
            return self._error(error, headers)
        response = json_response(answer, status=status, headers=headers)
        if status == 200:
            self.ledger.remember(
                key,
                fhir.StoredResponse(
                    status, bytes(response.body), tuple(headers.items()), FHIR_JSON
                ),
            )
        return response

    def _record(self, short_id: str, missing: str = "PRESCRIPTION_NOT_FOUND") -> Record:
        record = self.store.get(short_id)
        if record is None:
            raise errors.not_found(missing)
        return record

    def _existing(self, short_id: str) -> Prescription | None:
        record = self.store.get(short_id)
        return record.prescription if record else None

    def _check_patient(self, nhs_number: str) -> None:
        if not is_valid(nhs_number):
            raise errors.failure_to_process("invalid NHS number")
        patient = self.population.get(nhs_number)
        if patient is None or patient.status == "invalidated":
            raise errors.failure_to_process("NHS number not found")

    # -- prescribing ------------------------------------------------------------------------

    def _prepare(self, body: Any) -> Outcome:
        order = messages.parse_prepare(body)
        self._check_patient(order.nhs_number)
        machine.create(self._existing(order.short_id), _prescription(order))
        return 200, responses.prepare(order, self.now())

    def _process_message(self, body: Any) -> Outcome:
        message = messages.parse_message(body)
        if isinstance(message, messages.PrescriptionOrder):
            return self._create(message)
        if isinstance(message, messages.Cancellation):
            return self._cancel(message)
        return self._dispense(message)

    def _create(self, order: messages.PrescriptionOrder) -> Outcome:
        self._check_patient(order.nhs_number)
        prescription = machine.create(self._existing(order.short_id), _prescription(order))
        now = self.now()
        record = Record(prescription, self.ids.uuid(), order.bundle, now, order.message_id)
        self.store.add(record)
        return 200, responses.success(now)

    def _cancel(self, cancellation: messages.Cancellation) -> Outcome:
        record = self.store.get(cancellation.short_id)
        if record is None:
            raise errors.cancellation_error(
                "R-0008", "not-found", machine.CANCELLATION_RESPONSES["R-0008"]
            )
        if record.prescription.nhs_number != cancellation.nhs_number:
            raise errors.cancellation_error(
                "R-5000",
                "processing",
                "Unable to process message. Information missing or invalid - Mismatch between "
                "prescription and cancellation NHSNumber",
            )
        prescription, code = machine.cancel(
            record.prescription, cancellation.item_id, cancellation.canceller, cancellation.reason
        )
        self.store.update(prescription)
        body = responses.cancellation(record, cancellation, code, self.now(), self.ids.uuid)
        return (200 if code == "R-0001" else 400), body

    def _dispense(self, notification: messages.DispenseNotification) -> Outcome:
        record = self._record(notification.short_id)
        self.store.update(
            machine.dispense(
                record.prescription,
                notification.dispenser,
                notification.status,
                notification.item_states,
            )
        )
        return 200, responses.success(self.now())

    # -- dispensing -------------------------------------------------------------------------

    def _release(self, body: Any, self_url: str) -> Outcome:
        release = dispensing.parse_release(body)
        if release.short_id is None:
            records = self.store.waiting_for(release.dispenser)
        else:
            records = [self._record(release.short_id, "RESOURCE_NOT_FOUND")]
        released = [
            self.store.update(machine.release(r.prescription, release.dispenser)) for r in records
        ]
        return 200, responses.release(released, self.now(), self.ids.uuid, self_url)

    def _task(self, body: Any) -> Outcome:
        task = dispensing.parse_task(body)
        record = self._record(task.short_id)
        step = machine.return_ if task.kind == "return" else machine.withdraw
        self.store.update(step(record.prescription, task.dispenser))
        return 200, responses.success(self.now())

    def _claim(self, body: Any) -> Outcome:
        claim = dispensing.parse_claim(body)
        record = self._record(claim.short_id)
        self.store.update(machine.claim(record.prescription, claim.dispenser))
        return 200, responses.success(self.now())

    # -- endpoints --------------------------------------------------------------------------

    async def prepare(self, request: Request) -> Response:
        return await self._post(request, self._prepare)

    async def process_message(self, request: Request) -> Response:
        return await self._post(request, self._process_message)

    async def release(self, request: Request) -> Response:
        return await self._post(request, lambda body: self._release(body, PUBLIC_RELEASE_URL))

    async def task(self, request: Request) -> Response:
        return await self._post(request, self._task)

    async def claim(self, request: Request) -> Response:
        return await self._post(request, self._claim)

    async def convert(self, request: Request) -> Response:
        """The HL7 v3 translation of a prescription order or cancellation (no state change)."""
        headers = fhir.echo_headers(request.headers)
        problem = fhir.check_request_id(request.headers)
        if problem is not None:
            body = fhir.operation_outcome(problem.code, diagnostics=problem.diagnostics)
            return json_response(body, status=problem.status, headers=headers)
        try:
            body = orjson.loads(await request.body())
            message = messages.parse_message(body, require_signature=False)
        except orjson.JSONDecodeError:
            return self._error(errors.invalid_value("Request body must be valid JSON."), headers)
        except EpsError as error:
            return self._error(error, headers)
        created = self.ctx.now().strftime("%Y%m%d%H%M%S")
        urid = request.headers.get("nhsd-session-urid")
        session = hl7v3.Session(urid) if urid else None
        if isinstance(message, messages.PrescriptionOrder):
            root = hl7v3.parent_prescription(message.bundle, created, session)
        elif isinstance(message, messages.Cancellation):
            reason = CANCELLATION_REASONS[message.reason]
            root = hl7v3.cancellation_request(message.bundle, created, reason, session)
        else:
            unsupported = errors.invalid_value(
                "$convert supports prescription-order and prescription-order-update messages."
            )
            return self._error(unsupported, headers)
        return xml_response(hl7v3.to_bytes(root), headers=headers, media_type="application/xml")

    async def search_tasks(self, request: Request) -> Response:
        headers = fhir.echo_headers(request.headers)
        params = request.query_params
        unknown = [key for key in params if key not in TASK_QUERY]
        if unknown or not params:
            error = EpsError(
                "invalid",
                diagnostics="Query parameter must be one of: " + ", ".join(TASK_QUERY) + ".",
            )
            return self._error(error, headers)
        found = list(self.store)
        if "identifier" in params:
            wanted = params["identifier"].split("|")[-1].lower()
            found = [r for r in found if r.task_id.lower() == wanted]
        if "focus:identifier" in params:
            wanted = params["focus:identifier"].split("|")[-1].upper()
            found = [r for r in found if r.prescription.short_id == wanted]
        if "business-status" in params:
            wanted = params["business-status"].split("|")[-1]
            found = [r for r in found if r.prescription.status.value == wanted]
        body = responses.task_search(found, self.now(), self.ids.uuid)
        return json_response(body, headers=headers)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{BASE_PATH}/$prepare", self.prepare, methods=["POST"]),
            Route(f"{BASE_PATH}/$process-message", self.process_message, methods=["POST"]),
            Route(f"{BASE_PATH}/$convert", self.convert, methods=["POST"]),
            Route(f"{BASE_PATH}/Task/$release", self.release, methods=["POST"]),
            Route(f"{BASE_PATH}/Task", self.task, methods=["POST"]),
            Route(f"{BASE_PATH}/Task", self.search_tasks, methods=["GET"]),
            Route(f"{BASE_PATH}/Claim", self.claim, methods=["POST"]),
        ]


def _prescription(order: messages.PrescriptionOrder) -> Prescription:
    return Prescription(
        short_id=order.short_id,
        long_id=order.long_id,
        nhs_number=order.nhs_number,
        prescriber=order.prescriber,
        nominated=order.performer,
        items=tuple(Item(item_id) for item_id in order.item_ids),
        status=Status.TO_BE_DISPENSED,
    )
