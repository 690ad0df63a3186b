"""The fields of EPS answers that legitimately differ between implementations.

Service-allocated identifiers (Task ids, message and bundle ids) and timestamps differ between
legacy and spine2 but not between two legacy recordings with the same seed, so recording twice
cannot learn them: contracts for EPS should carry these rules in their noise model.
"""

from __future__ import annotations

from harness.core.rules import NoiseModel, Rule

_HL7_TIME = r"\d{14}"

_COMMON = (
    Rule("/id", "uuid", comment="response resource id"),
    Rule("/identifier/value", "uuid", comment="response bundle identifier"),
    Rule("/meta/lastUpdated", "timestamp"),
    Rule("/contained/*/id", "uuid", comment="holder Organization in an OperationOutcome"),
    Rule("/extension/*/valueReference/reference", "pattern", pattern=r"#[0-9a-f-]{36}"),
)

_BY_OPERATION: dict[str, tuple[Rule, ...]] = {
    "prepare": (Rule("/parameter/1/valueString", "timestamp", comment="timestamp parameter"),),
    "processMessage": (
        Rule("/timestamp", "timestamp"),
        Rule("/entry/0/fullUrl", "pattern", pattern=r"urn:uuid:[0-9a-f-]{36}"),
        Rule("/entry/0/resource/id", "uuid", comment="response MessageHeader"),
        Rule("/entry/0/resource/extension/0/valueIdentifier/value", "uuid"),
        Rule("/entry/*/resource/extension/0/extension/1/valueDateTime", "timestamp"),
    ),
    "releasePrescription": (
        Rule("/parameter/*/resource/id", "uuid"),
        Rule("/parameter/*/resource/identifier/value", "uuid"),
        Rule("/parameter/*/resource/meta/lastUpdated", "timestamp"),
        Rule("/parameter/*/resource/entry/*/resource/timestamp", "timestamp", comment="bundles"),
    ),
    "searchTasks": (
        Rule("/entry/*/fullUrl", "pattern", pattern=r"urn:uuid:[0-9a-f-]{36}"),
        Rule("/entry/*/resource/id", "uuid", comment="Task ids are allocated by the service"),
        Rule("/entry/*/resource/identifier/*/value", "uuid"),
        Rule("/entry/*/resource/authoredOn", "timestamp", comment="when each target received it"),
    ),
    "convert": (
        Rule("/*/creationTime/@value", "pattern", pattern=_HL7_TIME),
        Rule(
            "/*/ControlActEvent/subject/CancellationRequest/effectiveTime/@value",
            "pattern",
            pattern=_HL7_TIME,
        ),
    ),
}


def noise_model() -> NoiseModel:
    """Per operationId; every operation also gets the common response-id rules."""
    operations = ("returnOrWithdraw", "claim", *_BY_OPERATION)
    return NoiseModel(
        {operation: _COMMON + _BY_OPERATION.get(operation, ()) for operation in operations}
    )
