"""The interactions the simulated Spine MHS serves, one per messaging pattern and more.

Patterns as NHS England's integration adaptors name them (their `interactions.json`):

- sync: the answer comes back on the same HTTP exchange (SOAP with WS-Addressing);
- async express: an HTTP 202 now, the answer later to the sender's endpoint, no
  acknowledgement, no retries;
- async reliable: ebXML with acknowledgements, duplicate elimination and retries; the
  business answer later to the sender's endpoint.

Where each is served, and with which reliability, is the directory's business: routes and
settings come from the SDS records of the Spine (`YES`) for each interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Pattern(StrEnum):
    SYNC = "sync"
    ASYNC_EXPRESS = "async-express"
    ASYNC_RELIABLE = "async-reliable"


@dataclass(frozen=True, slots=True)
class Interaction:
    service: str  # urn:nhs:names:services:mm
    action: str  # PORX_IN020101UK31
    pattern: Pattern
    response_action: str  # the interaction of the answer
    operation_id: str
    summary: str

    @property
    def soap_action(self) -> str:
        return f"{self.service}/{self.action}"

    @property
    def interaction_id(self) -> str:
        """As SDS names it: `urn:nhs:names:services:mm:PORX_IN020101UK31`."""
        return f"{self.service}:{self.action}"

    @property
    def response_soap_action(self) -> str:
        return f"{self.service}/{self.response_action}"


PDS_RETRIEVAL = Interaction(
    "urn:nhs:names:services:pdsquery",
    "QUPA_IN040000UK32",
    Pattern.SYNC,
    "QUPA_IN050000UK32",
    "mhsPdsRetrievalQuery",
    "PDS retrieval query (sync): a patient's demographics by NHS number",
)
PSIS_DOCUMENT_LIST = Interaction(
    "urn:nhs:names:services:psisquery",
    "QUPC_IN160101UK05",
    Pattern.ASYNC_EXPRESS,
    "QUPC_IN160102UK05",
    "mhsPsisDocumentListQuery",
    "PSIS document list query (async express): the GP summaries held for a patient",
)
GP_SUMMARY_UPLOAD = Interaction(
    "urn:nhs:names:services:psis",
    "REPC_IN150016UK05",
    Pattern.ASYNC_RELIABLE,
    "MCCI_IN010000UK13",
    "mhsGpSummaryUpload",
    "GP summary upload (async reliable), answered by an application acknowledgement",
)
EPS_PRESCRIPTION = Interaction(
    "urn:nhs:names:services:mm",
    "PORX_IN020101UK31",
    Pattern.ASYNC_RELIABLE,
    "MCCI_IN010000UK13",
    "mhsEpsParentPrescription",
    "EPS parent prescription (async reliable), answered by an application acknowledgement",
)
INTERACTIONS = (PDS_RETRIEVAL, PSIS_DOCUMENT_LIST, GP_SUMMARY_UPLOAD, EPS_PRESCRIPTION)
