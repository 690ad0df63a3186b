"""allure-pytest output for contract items: labels, severity, link, attachments, history ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.plugin.support import write_policy

pytestmark = pytest.mark.integration
REPORT_URL = "http://reports.example/nightly/report.html"


def allure_results(directory: Path) -> dict[str, dict[str, Any]]:
    results = [json.loads(path.read_text()) for path in directory.glob("*-result.json")]
    return {result["name"]: result for result in results}


def labels(result: dict[str, Any], name: str) -> list[str]:
    return [label["value"] for label in result["labels"] if label["name"] == name]


def test_items_carry_labels_severity_link_attachments_and_distinct_history_ids(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    pytest.importorskip("allure_pytest")
    policy = write_policy(harness_project.path / "policy.yaml", expires="2020-01-31")
    out = harness_project.path / "allure-results"
    result = harness_project.runpytest(
        "-p",
        "no:cacheprovider",
        "--harness-candidate",
        candidate_url,
        "--harness-policy",
        str(policy),
        "--harness-report-url",
        REPORT_URL,
        "--alluredir",
        str(out),
    )
    result.assert_outcomes(passed=9, failed=1)
    found = allure_results(out)
    assert len(found) == 10
    assert len({r["historyId"] for r in found.values()}) == 10
    assert len({r["testCaseId"] for r in found.values()}) == 10

    drifted = found["things::getThing::r-0003"]
    assert drifted["status"] == "failed"
    assert labels(drifted, "epic") == ["things"]
    assert labels(drifted, "feature") == ["getThing"]
    assert labels(drifted, "story") == ["recorded"]
    assert labels(drifted, "severity") == ["critical"]  # policy: things.getThing
    assert {"url": REPORT_URL, "type": "link", "name": "Rehearsal report"} in drifted["links"]
    assert {"name": "exchange", "value": "'r-0003'"} in drifted["parameters"]
    names = [attachment["name"] for attachment in drifted["attachments"]]
    assert names == ["request", "legacy response", "candidate response", "differences"]
    by_name = {a["name"]: out / a["source"] for a in drifted["attachments"]}
    differences = json.loads(by_name["differences"].read_text())
    assert differences == [
        {
            "path": "/name",
            "kind": "changed",
            "legacy": "thing-3",
            "candidate": "THING-3",
            "waiver": None,
        }
    ]
    candidate_body = json.loads(json.loads(by_name["candidate response"].read_text())["body"])
    assert candidate_body["name"] == "THING-3"
    assert "/name [changed]" in drifted["statusDetails"]["message"]
    assert "curl" in drifted["description"]

    scenario = found["things::scenario::create-then-read"]
    assert scenario["status"] == "passed"
    assert labels(scenario, "story") == ["create-then-read"]
    assert sorted(labels(scenario, "feature")) == ["createThing", "getThing"]  # a set
    assert [a["name"] for a in scenario["attachments"]][:3] == [
        "step 0 createThing request",
        "step 0 createThing legacy response",
        "step 0 createThing candidate response",
    ]
    widget = found["widgets::getWidget::w-0000"]
    assert labels(widget, "severity") == ["minor"]  # policy "*"
    assert labels(widget, "epic") == ["widgets"]
