"""SMSP response codes and SOAP faults, and how PDS domain errors map onto them.

Business outcomes (success, no match, multiple matches, invalidated record) are answered in a
normal response whose `value/@code` carries the code, as SMSP did. Requests the service cannot
act on (bad envelope, unknown SOAPAction, missing or invalid data) are SOAP faults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Code systems of the ITK/SMSP payloads.
RESPONSE_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.17.285"
ITK_ERROR_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.17.268"
SMSP_ERROR_CODE_SYSTEM = "2.16.840.1.113883.2.1.3.2.4.17.286"


@dataclass(frozen=True, slots=True)
class ResponseCode:
    code: str
    display: str


SUCCESS = ResponseCode("SMSP-0000", "Success")
NO_MATCH = ResponseCode("DEMOG-0001", "No match to a Service User record")
MULTIPLE_MATCHES = ResponseCode("DEMOG-0007", "Multiple matches found")
INVALIDATED = ResponseCode("DEMOG-0017", "The NHS number has been invalidated")

RESPONSE_CODES = (SUCCESS, NO_MATCH, MULTIPLE_MATCHES, INVALIDATED)


@dataclass(frozen=True, slots=True)
class FaultCode:
    code: str
    text: str
    code_system: str
    faultcode: Literal["Client", "Server"] = "Client"

    @property
    def http_status(self) -> int:
        # SOAP 1.1 sends every fault with 500; we follow the SOAP 1.2 HTTP binding instead
        # (env:Sender -> 400) so that a client mistake is never mistaken for a server failure.
        return 400 if self.faultcode == "Client" else 500


INVALID_MESSAGE = FaultCode("1000", "Invalid message", ITK_ERROR_CODE_SYSTEM)
UNSUPPORTED_ACTION = FaultCode("1001", "Service not supported", ITK_ERROR_CODE_SYSTEM)
PAYLOAD_MISMATCH = FaultCode("1002", "Payload does not match the service", ITK_ERROR_CODE_SYSTEM)
INVALID_NHS_NUMBER = FaultCode("DEMOG-0042", "Invalid NHS number", SMSP_ERROR_CODE_SYSTEM)
INVALID_QUERY = FaultCode("DEMOG-0043", "Invalid or missing query data", SMSP_ERROR_CODE_SYSTEM)
SERVER_ERROR = FaultCode("2200", "Processing error", ITK_ERROR_CODE_SYSTEM, "Server")

FAULT_CODES = (
    INVALID_MESSAGE,
    UNSUPPORTED_ACTION,
    PAYLOAD_MISMATCH,
    INVALID_NHS_NUMBER,
    INVALID_QUERY,
    SERVER_ERROR,
)

CLIENT_FAULTSTRING = (
    "A client related error has occurred, see detail element for further information"
)
SERVER_FAULTSTRING = (
    "A server related error has occurred, see detail element for further information"
)


class SmspFault(Exception):
    """Raised by the operations; rendered as a SOAP fault by the endpoint."""

    def __init__(self, fault: FaultCode, diagnostics: str) -> None:
        super().__init__(f"{fault.code} {fault.text}: {diagnostics}")
        self.fault = fault
        self.diagnostics = diagnostics


class SmspOutcome(Exception):
    """A business outcome other than success (no match, ...), answered in a normal response."""

    def __init__(self, code: ResponseCode, diagnostics: str = "") -> None:
        super().__init__(f"{code.code} {code.display}")
        self.code = code
        self.diagnostics = diagnostics


# PDS domain error code (as on the FHIR face) -> what the SOAP face answers.
PDS_ERROR_OUTCOMES: dict[str, ResponseCode] = {
    "RESOURCE_NOT_FOUND": NO_MATCH,
    "INVALIDATED_RESOURCE": INVALIDATED,
    "TOO_MANY_MATCHES": MULTIPLE_MATCHES,
}
PDS_ERROR_FAULTS: dict[str, FaultCode] = {
    "INVALID_RESOURCE_ID": INVALID_NHS_NUMBER,
    "INVALID_SEARCH_DATA": INVALID_QUERY,
    "INVALID_VALUE": INVALID_QUERY,
    "MISSING_VALUE": INVALID_QUERY,
    "UNSUPPORTED_SERVICE": INVALID_QUERY,
}


def translate_pds_error(code: str, status: int, diagnostics: str) -> SmspOutcome | SmspFault:
    """The SOAP face's answer to a PDS domain error (FHIR code and HTTP status)."""
    if code in PDS_ERROR_OUTCOMES:
        return SmspOutcome(PDS_ERROR_OUTCOMES[code], diagnostics)
    if code in PDS_ERROR_FAULTS:
        return SmspFault(PDS_ERROR_FAULTS[code], diagnostics)
    if status >= 500:
        return SmspFault(SERVER_ERROR, f"{code}: {diagnostics}")
    return SmspFault(INVALID_QUERY, f"{code}: {diagnostics}")
