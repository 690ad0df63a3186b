"""What the Spine's applications do with each interaction's payload, and what they answer.

- PDS retrieval (QUPA_IN040000UK32): the patient as the PDS domain reads it (the same records
  and rules as the FHIR and SOAP faces), in QUPA_IN050000UK32.
- GP summary upload (REPC_IN150016UK05): kept against the patient; MCCI_IN010000UK13 AA.
- PSIS document list (QUPC_IN160101UK05): the summaries kept for the patient, in
  QUPC_IN160102UK05 (`NF` when there are none).
- EPS parent prescription (PORX_IN020101UK31): accepted once per short-form prescription id
  (a second is DUPLICATE_PRESCRIPTION_ID, as the EPS FHIR face says); MCCI_IN010000UK13.

Unknown or invalid patients are refused (AE) with the PDS domain's code. Only what the answer
needs is read from a payload: the full HL7 v3 prescription model stays EPS's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from harness.simulator.context import SimulatorContext
from harness.simulator.eps.errors import duplicate_prescription
from harness.simulator.eps.hl7v3_parts import add
from harness.simulator.mhs import hl7
from harness.simulator.mhs.hl7 import PayloadError, Refusal
from harness.simulator.mhs.interactions import (
    EPS_PRESCRIPTION,
    GP_SUMMARY_UPLOAD,
    PDS_RETRIEVAL,
    PSIS_DOCUMENT_LIST,
    Interaction,
)

RECORD_TARGET = f".//hl7:recordTarget//hl7:id[@root='{hl7.NHS_NUMBER_ROOT}']/@extension"


@dataclass(frozen=True, slots=True)
class Answer:
    root: etree._Element
    refused: bool


@dataclass(frozen=True, slots=True)
class Received:
    """What an application is told about a message besides its payload."""

    message_id: str  # of the message answered
    answer_id: str  # of the answer
    created: str  # HL7 TS of the answer


Application = Callable[[etree._Element, Received], Answer]


class Applications:
    """The Spine's side of each interaction, over the simulator's population."""

    def __init__(self, ctx: SimulatorContext, spine_asid: str) -> None:
        self.ctx = ctx
        self.spine_asid = spine_asid
        self.summaries: dict[str, list[tuple[str, str, str]]] = {}  # NHS number -> documents
        self.prescriptions: set[str] = set()  # short-form ids received
        self._by_action: dict[str, Application] = {
            PDS_RETRIEVAL.action: self._pds_retrieval,
            GP_SUMMARY_UPLOAD.action: self._gp_summary,
            PSIS_DOCUMENT_LIST.action: self._document_list,
            EPS_PRESCRIPTION.action: self._prescription,
        }

    def answer(self, interaction: Interaction, payload: bytes, received: Received) -> Answer:
        """The application's answer; PayloadError when the payload is not its message."""
        root = hl7.read_payload(payload, interaction.action)
        return self._by_action[interaction.action](root, received)

    # --- the patient, as PDS knows them --------------------------------------------------------

    def _patient_refusal(self, nhs_number: str) -> Refusal | None:
        from harness.simulator.pds.domain import PdsError, read_record
        from harness.simulator.population import population_of

        try:
            read_record(population_of(self.ctx), nhs_number)
        except PdsError as error:
            return Refusal(error.code, error.display)
        return None

    def _root(
        self, name: str, request: etree._Element, received: Received, refusal: Refusal | None
    ) -> tuple[etree._Element, etree._Element]:
        return hl7.answer_root(
            name,
            received.answer_id,
            received.created,
            received.message_id,
            refusal,
            receiver=hl7.sender_asid(request),
            sender=self.spine_asid,
        )

    def _acknowledgement(
        self, request: etree._Element, received: Received, refusal: Refusal | None, success: str
    ) -> Answer:
        """MCCI_IN010000UK13: the application's acceptance (AA) or refusal (AE)."""
        root, act = self._root("MCCI_IN010000UK13", request, received, refusal)
        if refusal is None:
            add(add(act, "requestSuccessDetail"), "detail", success)
        return Answer(root, refusal is not None)

    # --- the interactions ---------------------------------------------------------------------

    def _pds_retrieval(self, request: etree._Element, received: Received) -> Answer:
        from harness.simulator.pds.domain import Access, PdsError, read_patient
        from harness.simulator.population import population_of
        from harness.simulator.smsp.hl7 import patient_details

        number = hl7.nhs_number_in(request, ".//hl7:person.id/hl7:value/@extension")
        try:
            patient = read_patient(population_of(self.ctx), number, Access.HEALTHCARE_WORKER)
        except PdsError as error:
            root, act = self._root(
                PDS_RETRIEVAL.response_action, request, received, Refusal(error.code, error.display)
            )
            hl7.query_ack(act, "NF" if error.status == 404 else "AE")
            return Answer(root, True)
        root, act = self._root(PDS_RETRIEVAL.response_action, request, received, None)
        retrieval = add(
            add(act, "subject", typeCode="SUBJ"),
            "PdsSuccessfulRetrieval",
            classCode="OBS",
            moodCode="EVN",
        )
        patient_details(retrieval, patient)
        hl7.query_ack(act, "OK")
        return Answer(root, False)

    def _gp_summary(self, request: etree._Element, received: Received) -> Answer:
        number = hl7.nhs_number_in(request, RECORD_TARGET)
        document_id = hl7.attribute(request, ".//hl7:GPSummary/hl7:id/@root")
        if not document_id:
            raise PayloadError("the GP summary has no id")
        refusal = self._patient_refusal(number)
        if refusal is None:
            effective = hl7.attribute(request, ".//hl7:GPSummary/hl7:effectiveTime/@value")
            title = hl7.attribute(request, ".//hl7:GPSummary/hl7:code/@displayName")
            documents = self.summaries.setdefault(number, [])
            documents[:] = [d for d in documents if d[0] != document_id.upper()]
            documents.append((document_id.upper(), effective, title or "GP Summary"))
        return self._acknowledgement(request, received, refusal, "GP Summary upload successful")

    def _document_list(self, request: etree._Element, received: Received) -> Answer:
        number = hl7.nhs_number_in(request, ".//hl7:nHSNumber/hl7:value/@extension")
        refusal = self._patient_refusal(number)
        root, act = self._root(PSIS_DOCUMENT_LIST.response_action, request, received, refusal)
        if refusal is None:
            hl7.document_list(act, self.summaries.get(number, []))
        else:
            hl7.query_ack(act, "AE")
        return Answer(root, refusal is not None)

    def _prescription(self, request: etree._Element, received: Received) -> Answer:
        number = hl7.nhs_number_in(request, RECORD_TARGET)
        short_id = hl7.attribute(request, ".//hl7:pertinentPrescription/hl7:id[2]/@extension")
        if not short_id:
            raise PayloadError("the prescription has no short-form prescription id")
        refusal = self._patient_refusal(number)
        if refusal is None and short_id.upper() in self.prescriptions:
            duplicate = duplicate_prescription(short_id)
            refusal = Refusal(duplicate.code or "DUPLICATE_PRESCRIPTION_ID", str(duplicate))
        if refusal is None:
            self.prescriptions.add(short_id.upper())
        return self._acknowledgement(request, received, refusal, "Prescription received")
