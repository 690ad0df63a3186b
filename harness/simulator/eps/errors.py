"""EPS error answers: the issue code, the Spine or EPS code and the HTTP status of each."""

from __future__ import annotations

SPINE_ERROR_SYSTEM = "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode"
EPS_ISSUE_SYSTEM = "https://fhir.nhs.uk/CodeSystem/EPS-IssueCode"
STATUS_HISTORY_SYSTEM = "https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history"


class EpsError(Exception):
    """A refusal, rendered as an OperationOutcome (EPS answers 400 for every business error)."""

    def __init__(
        self,
        issue_code: str,
        code: str | None = None,
        display: str | None = None,
        *,
        system: str = SPINE_ERROR_SYSTEM,
        diagnostics: str | None = None,
        status: int = 400,
        holder: str | None = None,
    ) -> None:
        super().__init__(display or diagnostics or code or issue_code)
        self.issue_code = issue_code  # FHIR issue type: value, invalid, business-rule, ...
        self.code = code  # Spine/EPS code, e.g. PRESCRIPTION_WITH_ANOTHER_DISPENSER
        self.display = display
        self.system = system
        self.diagnostics = diagnostics
        self.status = status
        self.holder = holder  # ODS code of the dispenser holding the prescription, if any


def invalid_value(diagnostics: str) -> EpsError:
    """A verification error from the FHIR facade (code `value`, no Spine code)."""
    return EpsError("value", diagnostics=diagnostics)


def not_found(code: str = "PRESCRIPTION_NOT_FOUND") -> EpsError:
    if code == "RESOURCE_NOT_FOUND":
        return EpsError("not-found", code, "Resource not found")
    return EpsError("not-found", code, "Prescription not found", system=EPS_ISSUE_SYSTEM)


def with_another_dispenser(holder: str | None) -> EpsError:
    return EpsError(
        "business-rule",
        "PRESCRIPTION_WITH_ANOTHER_DISPENSER",
        "Prescription is with another dispenser",
        system=EPS_ISSUE_SYSTEM,
        holder=holder,
    )


def invalid_state_transition(state: str, action: str) -> EpsError:
    return EpsError(
        "business-rule",
        "PRESCRIPTION_INVALID_STATE_TRANSITION",
        "The requested operation is not valid for the current state of the prescription.",
        system=EPS_ISSUE_SYSTEM,
        diagnostics=f"Cannot {action} a prescription in state {state}.",
    )


def invalid_line_state_transition(item_id: str, state: str) -> EpsError:
    return EpsError(
        "business-rule",
        "PRESCRIPTION_INVALID_LINE_STATE_TRANSITION",
        "The requested operation is not valid for the current state of the prescription.",
        system=EPS_ISSUE_SYSTEM,
        diagnostics=f"Item {item_id} is in state {state}.",
    )


def item_not_found(item_id: str) -> EpsError:
    return EpsError(
        "not-found",
        "ITEM_NOT_FOUND",
        "The requested item could not be found.",
        system=EPS_ISSUE_SYSTEM,
        diagnostics=f"No item {item_id} on this prescription.",
    )


def failure_to_process(reason: str) -> EpsError:
    """Spine's FAILURE_TO_PROCESS_MESSAGE (a bad check character, an unknown NHS number, ...)."""
    return EpsError(
        "processing",
        "FAILURE_TO_PROCESS_MESSAGE",
        f"Unable to process message. Information missing or invalid - {reason}",
    )


def duplicate_prescription(short_form_id: str) -> EpsError:
    return EpsError(
        "duplicate",
        "DUPLICATE_PRESCRIPTION_ID",
        "Duplicate prescription ID exists.",
        diagnostics=f"Prescription {short_form_id} already exists.",
    )


def cancellation_error(code: str, issue_code: str, display: str) -> EpsError:
    """Cancellation refusals answered with an OperationOutcome (R-0008, R-5000, R-5888)."""
    return EpsError(issue_code, code, display, system=STATUS_HISTORY_SYSTEM)
