"""Allure for contract items: labels and links as markers (read by allure-pytest), and the
request, both responses and the differences as attachments.

Imported only when allure-pytest is active (`--alluredir`); `allure` itself only in
`attach_steps`. Labels: epic = service, feature = operation (every operation of a scenario),
story = scenario name or exchange source, severity from the policy's `severity` mapping (default:
critical for patient retrieval). Item node ids are distinct per exchange, so Allure's history ids
are too; the exchange id is also a parameter, so generated items never merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest

from harness.core.encoding import request_to_dict, response_to_dict
from harness.core.policy import Policy
from harness.engine import ReplayedStep, Unit
from harness.reports.allure import SEVERITIES
from harness.reports.severity import severity_label

REPORT_LINK_NAME = "Rehearsal report"


def severity_of(unit: Unit, policy: Policy | None) -> str:
    """The most severe of the unit's operations, from the policy or the defaults."""
    found = [severity_label(step.service, step.operation, policy) for step in unit.steps]
    return min(found, key=SEVERITIES.index)


def add_allure_marks(
    item: pytest.Item,
    unit: Unit,
    operation: str,
    policy: Policy | None,
    report_url: str | None,
) -> None:
    """Labels and links on a contract item (`operation` is "scenario" for a scenario)."""
    first = unit.steps[0]
    labels = [("epic", first.service)]
    operations = dict.fromkeys(step.operation for step in unit.steps)
    labels += [("feature", name) for name in operations]
    labels.append(("story", unit.scenario or first.source))
    labels.append(("severity", severity_of(unit, policy)))
    labels.append(("parentSuite", "spine-harness contracts"))
    labels.append(("suite", first.service))
    labels.append(("subSuite", operation))
    for label_type, value in labels:
        item.add_marker(pytest.mark.allure_label(value, label_type=label_type))
    if report_url:
        item.add_marker(
            pytest.mark.allure_link(report_url, link_type="link", name=REPORT_LINK_NAME)
        )


def attach_steps(unit: Unit, steps: Sequence[ReplayedStep]) -> None:
    import allure

    allure.dynamic.parameter("exchange", unit.scenario or unit.steps[0].id)
    json_type = allure.attachment_type.JSON
    several = len(steps) > 1
    for step in steps:
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
    reproducers = [s.record.reproducer for s in steps if s.record.reproducer]
    if reproducers:
        allure.dynamic.description(  # type: ignore[no-untyped-call]
            "Reproduce with:\n\n" + "\n".join(dict.fromkeys(reproducers))
        )


def _json(data: object) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
