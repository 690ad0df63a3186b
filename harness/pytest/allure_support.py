"""Allure for contract items: labels and links as markers (read by allure-pytest), and the
request, both responses and the differences as attachments.

Imported only when allure-pytest is active (`--alluredir`); `allure` itself only in
`attach_steps`. Labels: epic = service, feature = operation (every operation of a scenario),
story = scenario name or exchange source, severity from the policy's `severity` mapping (default:
critical for patient retrieval). Item node ids are distinct per exchange, so Allure's history ids
are too; the exchange id is also a parameter, so generated items never merge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest

from harness.contracts import request_to_dict, response_to_dict
from harness.reports.allure import SEVERITIES, severity_label

if TYPE_CHECKING:
    from harness.pytest.items import ContractItem

REPORT_LINK_NAME = "Rehearsal report"


def severity_of(item: ContractItem) -> str:
    """The most severe of the item's operations, from the policy or the defaults."""
    policy = item.harness.policy
    found = [severity_label(step.service, step.operation, policy) for step in item.unit.steps]
    return min(found, key=SEVERITIES.index)


def add_allure_marks(item: ContractItem) -> None:
    first = item.unit.steps[0]
    labels = [("epic", item.service)]
    operations = dict.fromkeys(step.operation for step in item.unit.steps)
    labels += [("feature", operation) for operation in operations]
    labels.append(("story", item.unit.scenario or first.source))
    labels.append(("severity", severity_of(item)))
    labels.append(("parentSuite", "spine-harness contracts"))
    labels.append(("suite", item.service))
    labels.append(("subSuite", item.operation))
    for label_type, value in labels:
        item.add_marker(pytest.mark.allure_label(value, label_type=label_type))
    if item.harness.report_url:
        item.add_marker(
            pytest.mark.allure_link(
                item.harness.report_url, link_type="link", name=REPORT_LINK_NAME
            )
        )


def attach_steps(item: ContractItem) -> None:
    import allure

    unit = item.unit
    allure.dynamic.parameter("exchange", unit.scenario or unit.steps[0].id)
    json_type = allure.attachment_type.JSON
    several = len(item.steps) > 1
    for step in item.steps:
        record = step.record
        prefix = f"step {record.step} {record.operation} " if several else ""
        allure.attach(_json(request_to_dict(record.request)), f"{prefix}request", json_type)
        if step.legacy is not None:
            allure.attach(
                _json(response_to_dict(step.legacy)), f"{prefix}legacy response", json_type
            )
        if step.candidate is not None:
            allure.attach(
                _json(response_to_dict(step.candidate)), f"{prefix}candidate response", json_type
            )
        if record.differences:
            differences = [difference.to_dict() for difference in record.differences]
            allure.attach(_json(differences), f"{prefix}differences", json_type)
        if record.error:
            allure.attach(record.error, f"{prefix}error", allure.attachment_type.TEXT)
    reproducers = [s.record.reproducer for s in item.steps if s.record.reproducer]
    if reproducers:
        allure.dynamic.description(  # type: ignore[no-untyped-call]
            "Reproduce with:\n\n" + "\n".join(dict.fromkeys(reproducers))
        )


def _json(data: object) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
