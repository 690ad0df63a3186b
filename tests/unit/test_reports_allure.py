"""`harness report allure`: allure-results with labels, attachments and distinct history ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.reports.allure import AllureOptions, export_allure
from tests.reports_factory import demo_results, result, write_rehearsal


def read_results(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(out.glob("*-result.json"))]


def labels_of(item: dict[str, Any]) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    for label in item["labels"]:
        labels.setdefault(label["name"], []).append(label["value"])
    return labels


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("allure")
    results = demo_results(1, per_operation=6)
    with_responses = result(99, "pds", "getPatient", "mismatch", [{"path": "/id"}])
    with_responses["responses"] = {
        "legacy": {"status": 200, "headers": [], "body": '{"id": "1"}'},
        "candidate": {"status": 200, "headers": [], "body": '{"id": "2"}'},
    }
    scenario_step = result(98, "pds", "updatePatient", scenario="update-address")
    failed = result(97, "eps", "releasePrescription", "error", error="candidate: timed out")
    directory = write_rehearsal(
        root / "run", "2026-11-24T03:00:00Z", [*results, with_responses, scenario_step, failed]
    )
    out = export_allure(directory)
    return out, read_results(out)


def test_one_result_per_exchange_with_distinct_history_ids(
    exported: tuple[Path, list[dict[str, Any]]],
) -> None:
    _, items = exported
    assert len(items) == 5 * 6 + 3
    assert len({i["historyId"] for i in items}) == len(items)
    assert len({i["uuid"] for i in items}) == len(items)
    for item in items:
        for key in ("name", "fullName", "status", "stage", "start", "stop", "labels", "links"):
            assert key in item, key
        assert item["fullName"].count("::") == 2


def test_labels_statuses_and_severity(exported: tuple[Path, list[dict[str, Any]]]) -> None:
    _, items = exported
    by_name = {i["fullName"]: i for i in items}
    get_patient = by_name["pds::getPatient::pds-getPatient-00003"]
    labels = labels_of(get_patient)
    assert labels["epic"] == ["pds"]
    assert labels["feature"] == ["getPatient"]
    assert labels["story"] == ["recorded"]
    assert labels["severity"] == ["critical"]
    assert get_patient["status"] == "failed"
    assert "/name/0/given/1 [missing]" in get_patient["statusDetails"]["message"]
    assert "--only pds-getPatient-00003" in get_patient["statusDetails"]["trace"]
    assert labels_of(by_name["sds::searchDevices::sds-searchDevices-00000"])["severity"] == [
        "normal"
    ]
    statuses = {i["status"] for i in items}
    assert statuses == {"passed", "failed", "skipped", "broken"}
    waived = by_name["pds::getPatientDetailsByNHSNumber::pds-getPatientDetailsByNHSNumber-00002"]
    assert waived["status"] == "skipped"
    assert "waived by W-12" in waived["statusDetails"]["message"]
    step = by_name["pds::updatePatient::pds-updatePatient-00098"]
    assert labels_of(step)["story"] == ["update-address"]


def test_attachments_exist_and_link_to_the_report(
    exported: tuple[Path, list[dict[str, Any]]],
) -> None:
    out, items = exported
    by_name = {i["fullName"]: i for i in items}
    full = by_name["pds::getPatient::pds-getPatient-00099"]
    names = [a["name"] for a in full["attachments"]]
    assert names == ["request", "legacy response", "candidate response", "differences"]
    for attachment in full["attachments"]:
        assert (out / attachment["source"]).is_file()
        assert attachment["source"].endswith("-attachment.json")
        assert attachment["type"] == "application/json"
    differences = json.loads((out / full["attachments"][-1]["source"]).read_text())
    assert differences[0]["path"] == "/id"
    broken = by_name["eps::releasePrescription::eps-releasePrescription-00097"]
    assert broken["status"] == "broken"
    assert broken["statusDetails"]["message"] == "candidate: timed out"
    assert [a["name"] for a in broken["attachments"]] == ["request", "error"]
    assert (out / broken["attachments"][1]["source"]).read_text() == "candidate: timed out"
    matched = by_name["sds::searchDevices::sds-searchDevices-00000"]
    assert [a["name"] for a in matched["attachments"]] == ["request"]
    link = matched["links"][0]
    assert link["url"].startswith("file://") and link["url"].endswith("/run/report.html")
    assert (out / "environment.properties").read_text().startswith("rehearsal=run\n")


def test_exporting_twice_rewrites_the_same_files(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "twice", "2026-11-24T03:00:00Z", demo_results(0, 2))
    out = export_allure(directory, tmp_path / "out", AllureOptions(report_url="https://ci/r.html"))
    first = sorted(p.name for p in out.iterdir())
    export_allure(directory, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == first
    assert read_results(out)[0]["links"][0]["url"].startswith("file://")


def test_cli_allure_with_severity_override(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "cli", "2026-11-24T03:00:00Z", demo_results(0, 1))
    out = tmp_path / "results"
    main(
        ["report", "allure", str(directory), "--out", str(out), "--severity", "searchDevices=minor"]
    )
    severities = {
        labels_of(i)["feature"][0]: labels_of(i)["severity"][0] for i in read_results(out)
    }
    assert severities["searchDevices"] == "minor"
    assert severities["getPatient"] == "critical"


def test_cli_allure_labels_by_the_policy_severity_mapping(tmp_path: Path) -> None:
    """--severity beats the policy's mapping (most specific scope first), which beats defaults."""
    directory = write_rehearsal(tmp_path / "sev", "2026-11-24T03:00:00Z", demo_results(0, 1))
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "format_version: 1\nseverity:\n  '*': trivial\n  pds: minor\n  sds.searchDevices: blocker\n"
    )
    out = tmp_path / "results"
    main(["report", "allure", str(directory), "--out", str(out), "--policy", str(policy)])
    by_policy = {labels_of(i)["feature"][0]: labels_of(i)["severity"][0] for i in read_results(out)}
    assert by_policy["getPatient"] == "minor"  # the policy's pds scope, over the default
    assert by_policy["searchDevices"] == "blocker"
    assert set(by_policy.values()) == {"minor", "blocker", "trivial"}
    command = ["report", "allure", str(directory), "--out", str(out), "--policy", str(policy)]
    main([*command, "--severity", "searchDevices=normal"])
    overridden = {
        labels_of(i)["feature"][0]: labels_of(i)["severity"][0] for i in read_results(out)
    }
    assert overridden["searchDevices"] == "normal" and overridden["getPatient"] == "minor"


def test_cli_allure_without_the_rehearsals_policy_file_uses_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = write_rehearsal(tmp_path / "moved", "2026-11-24T03:00:00Z", demo_results(0, 1))
    monkeypatch.chdir(tmp_path)  # the recorded relative policy path no longer resolves
    main(["report", "allure", str(directory), "--out", str(tmp_path / "results")])
    assert "default severities" in capsys.readouterr().err
    severities = {
        labels_of(i)["feature"][0]: labels_of(i)["severity"][0]
        for i in read_results(tmp_path / "results")
    }
    assert severities["getPatient"] == "critical" and severities["searchDevices"] == "normal"
