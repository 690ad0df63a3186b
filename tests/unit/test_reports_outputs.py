"""summary.json, junit.xml and report.html written from rehearsal directories on disk."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from harness.cli import main
from harness.errors import HarnessError
from harness.reports import write_one, write_reports
from harness.reports.trend import previous_rehearsal, trend
from tests.reports_factory import (
    INJECTION,
    demo_results,
    gate,
    result,
    write_demo_reports,
    write_rehearsal,
)

SNAPSHOT = Path(__file__).parent / "snapshots" / "reports_summary.json"
VOLATILE_KEYS = {"started_at", "finished_at", "evaluated_at"}


def mask(value: Any, key: str = "") -> Any:
    """Mask timestamps and latency figures (not their counts or verdicts) so the snapshot shows
    structure."""
    if key in VOLATILE_KEYS and value is not None:
        return "<time>"
    if isinstance(value, dict):
        if key in ("legacy", "candidate") and "count" in value:
            return {k: (v if k in ("count", "approximate") else "<ms>") for k, v in value.items()}
        if key == "latency" and "verdict" in value:
            return {
                k: (v if k == "verdict" or k.startswith(("n_", "sampled_")) else "<stat>")
                for k, v in value.items()
            }
        return {k: mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    directories = write_demo_reports(tmp_path_factory.mktemp("reports"))
    for directory in directories:
        write_reports(directory)
    return directories


def test_summary_json_matches_the_snapshot(demo: list[Path]) -> None:
    summary = json.loads((demo[-1] / "summary.json").read_text())
    masked = mask(summary)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(masked, indent=1, ensure_ascii=False) + "\n")
    assert masked == json.loads(SNAPSHOT.read_text())


def test_summary_json_figures(demo: list[Path]) -> None:
    summary = json.loads((demo[-1] / "summary.json").read_text())
    assert summary["format_version"] == 1
    assert summary["verdict"] == "failed"
    assert summary["gate"]["evaluated"] is True
    assert summary["gate"]["reasons"][0].startswith("pds/getPatient parity")
    assert summary["totals"]["exchanges"] == 200
    assert summary["results"] == {"read": 200, "torn_last_line": False}
    get_patient = next(o for o in summary["operations"] if o["operation"] == "getPatient")
    assert get_patient["latency_ms"]["legacy"]["count"] == 40
    assert (
        get_patient["latency_ms"]["legacy"]["p50"] > get_patient["latency_ms"]["candidate"]["p50"]
    )
    paths = {(d["operation"], d["path"]) for d in summary["divergences"]}
    assert ("getPatient", "/name/*/given/*") in paths
    assert ("searchPatients", "/entry/*/resource/gender") in paths


def test_junit_has_one_case_per_operation_with_the_differences(demo: list[Path]) -> None:
    root = ET.parse(demo[-1] / "junit.xml").getroot()
    assert root.tag == "testsuites"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert set(cases) == {
        ("pds", "getPatient"),
        ("pds", "searchPatients"),
        ("pds", "getPatientDetailsByNHSNumber"),
        ("sds", "searchDevices"),
        ("eps", "releasePrescription"),
        ("harness.gate", "gate"),
    }
    failure = cases[("pds", "searchPatients")].find("failure")
    assert failure is not None and failure.text is not None
    assert "/entry/*/resource/gender [changed]" in failure.text
    assert INJECTION in failure.text  # escaped by the XML writer, read back verbatim
    assert "--only pds-searchPatients-00005" in failure.text
    assert cases[("sds", "searchDevices")].find("failure") is None
    assert cases[("eps", "releasePrescription")].find("error") is not None
    # waived-only operations pass
    assert len(cases[("pds", "getPatientDetailsByNHSNumber")]) == 1  # just system-out
    assert cases[("harness.gate", "gate")].find("failure") is not None
    assert root.get("tests") == "6"
    assert root.get("failures") == str(len(list(root.iter("failure"))))
    assert root.get("errors") == "1"


def test_html_escapes_values_from_responses(demo: list[Path]) -> None:
    text = (demo[-1] / "report.html").read_text()
    assert INJECTION not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    page = lxml.html.fromstring(text)
    assert len(page.xpath("//script")) == 1  # only the page's own copy-button script
    assert page.xpath("//img") == []
    assert page.xpath("//*[@onerror]") == []
    assert INJECTION in page.text_content()  # shown to the reader as text
    # nothing is loaded from anywhere
    assert page.xpath("//*[@src] | //link[@href]") == []
    assert "default-src 'none'" in text


def test_html_sections(demo: list[Path]) -> None:
    page = lxml.html.fromstring((demo[-1] / "report.html").read_text())
    verdict = page.get_element_by_id("verdict").text_content()
    assert "FAILED" in verdict and "below the required 100%" in verdict
    rows = [r.text_content() for r in page.xpath('//table[@id="operations"]//tr')]
    assert any("getPatient" in r and "90%" in r for r in rows)
    gate_text = page.get_element_by_id("gate").text_content()
    assert "expiredno longer applies" in gate_text and "W-12 eTag format" in gate_text
    changes = page.get_element_by_id("changes").text_content()
    assert "r2-tuesday" in changes and "New (2)" in changes and "Fixed (0)" in changes
    assert len(page.xpath('//svg[contains(@class, "trend")]//circle')) == 9  # 3 services x 3 runs
    assert len(page.xpath('//svg[contains(@class, "latency")]')) == 5
    reproducers = page.xpath('//div[@class="repro"]/code/text()')
    assert "harness rehearse --candidate http://127.0.0.1:9001 --only pds-getPatient-00003" in (
        reproducers
    )


def test_html_latency_cards_show_the_verdict_and_its_evidence(demo: list[Path]) -> None:
    page = lxml.html.fromstring((demo[-1] / "report.html").read_text())
    cards = {
        card.xpath("string(h3)").split()[0]: card
        for card in page.xpath('//div[contains(@class, "latency-card")]')
    }
    release = cards["releasePrescription"]
    [badge] = release.xpath('.//span[contains(@class, "latency-verdict")]')
    assert "bad" in badge.get("class").split() and badge.text_content().startswith("slower +4")
    evidence = release.xpath('string(.//p[contains(@class, "evidence")])')
    assert evidence.startswith("shift +4") and "(95% CI +" in evidence
    assert " · p " in evidence and " · q " in evidence and "n 40 / 39" in evidence
    assert "floor ±5.0 ms" in evidence
    same = cards["searchDevices"].xpath('string(.//span[contains(@class, "latency-verdict")])')
    assert same == "same"
    # getPatient's timings all fell in the rehearsal's first 32 results: the warm-up
    warmup = cards["getPatient"].xpath('string(.//p[contains(@class, "evidence")])')
    assert warmup == "fewer than 10 timings on a side (n 8 / 8): no verdict"
    # the old badge compared medians only ("median 25% slower" on one sample)
    assert re.search(r"median [+-]?\d+%", page.get_element_by_id("latency").text_content()) is None


def test_changes_since_previous_and_trend(demo: list[Path]) -> None:
    previous = previous_rehearsal(demo[-1], "2026-11-24T03:00:00Z")
    assert previous is not None and previous.name == "r2-tuesday"
    assert previous_rehearsal(demo[0], "2026-11-23T03:00:00Z") is None
    summary = json.loads((demo[1] / "summary.json").read_text())
    points = trend(demo[1], summary)
    assert [p.name for p in points] == ["r1-monday", "r2-tuesday"]  # not the later one
    assert points[-1].parity["sds"] == 100.0
    first = lxml.html.fromstring((demo[0] / "report.html").read_text())
    assert "No earlier rehearsal" in first.get_element_by_id("changes").text_content()
    second = lxml.html.fromstring((demo[1] / "report.html").read_text())
    changes = second.get_element_by_id("changes").text_content()
    assert "Fixed (2)" in changes and "header:etag" in changes


def test_without_gate_the_report_says_not_evaluated(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "solo", "2026-11-24T03:00:00Z", demo_results(2, 5))
    write_reports(directory)
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["verdict"] == "not evaluated"
    assert summary["gate"] == {"evaluated": False}
    html = (directory / "report.html").read_text()
    assert "NOT EVALUATED" in html and "The gate was not evaluated" in html
    gate_case = ET.parse(directory / "junit.xml").getroot().find(".//testcase[@name='gate']")
    assert gate_case is not None and gate_case.find("skipped") is not None


def test_a_torn_last_line_is_skipped_and_reported(tmp_path: Path) -> None:
    results = [result(n, "pds", "getPatient") for n in range(3)]
    directory = write_rehearsal(
        tmp_path / "torn",
        "2026-11-24T03:00:00Z",
        results,
        gate(True),
        torn_tail=b'{"format_version": 1, "id": "pds-get',
        interrupted=True,
    )
    write_reports(directory)
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["results"] == {"read": 3, "torn_last_line": True}
    assert summary["rehearsal"]["interrupted"] is True
    html = (directory / "report.html").read_text()
    assert "Interrupted:" in html and "was incomplete" in html


def test_a_bad_line_in_the_middle_names_file_and_line(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "bad", "2026-11-24T03:00:00Z", [result(1, "a", "b")])
    with (directory / "results.jsonl").open("ab") as stream:
        stream.write(b"{not json\n")
        stream.write(json.dumps(result(2, "a", "b")).encode() + b"\n")
    with pytest.raises(HarnessError) as raised:
        write_reports(directory)
    assert raised.value.line == 2 and raised.value.file is not None
    assert raised.value.file.endswith("results.jsonl")


def test_an_unknown_format_version_is_refused(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "v2", "2026-11-24T03:00:00Z", [])
    (directory / "rehearsal.json").write_text(json.dumps({"format_version": 2}))
    with pytest.raises(HarnessError, match="format_version 2"):
        write_reports(directory)


def test_cli_rewrites_one_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_rehearsal(tmp_path / "cli", "2026-11-24T03:00:00Z", demo_results(0, 4))
    main(["report", "junit", str(directory)])  # standalone_mode=False: returns on success
    assert capsys.readouterr().out.strip() == str(directory / "junit.xml")
    assert (directory / "junit.xml").exists() and not (directory / "report.html").exists()
    assert write_one(directory, "html") == directory / "report.html"


def test_cli_reports_a_missing_directory_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", "html", str(tmp_path / "nope")])
    assert exited.value.code == 2
    assert "not a rehearsal report directory" in capsys.readouterr().err


def test_a_rehearsal_with_no_results_yet_still_reports(tmp_path: Path) -> None:
    directory = write_rehearsal(tmp_path / "empty", "2026-11-24T03:00:00Z", [], interrupted=True)
    (directory / "results.jsonl").unlink()
    write_reports(directory)
    summary = json.loads((directory / "summary.json").read_text())
    assert summary["totals"]["exchanges"] == 0 and summary["totals"]["parity"] is None
    page = lxml.html.fromstring((directory / "report.html").read_text())
    assert "No parity figures yet" in page.get_element_by_id("parity").text_content()
    assert ET.parse(directory / "junit.xml").getroot().get("tests") == "1"


def test_rehearsals_started_in_the_same_second_are_ordered_by_file_time(tmp_path: Path) -> None:
    same = "2026-11-24T03:00:00Z"
    first = write_rehearsal(tmp_path / "b-first", same, [result(1, "pds", "getPatient")])
    second = write_rehearsal(tmp_path / "a-second", same, [result(1, "pds", "getPatient")])
    os.utime(first / "rehearsal.json", ns=(1_000_000_000, 1_000_000_000))
    os.utime(second / "rehearsal.json", ns=(2_000_000_000, 2_000_000_000))
    previous = previous_rehearsal(second, same)
    assert previous is not None and previous.name == "b-first"
    assert previous_rehearsal(first, same) is None
