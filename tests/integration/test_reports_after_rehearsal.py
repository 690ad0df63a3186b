"""The writers on a real rehearsal: the runner over real sockets, then the reports it leaves."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest

from harness.cli import main
from harness.reports.allure import export_allure
from harness.serving import serve_in_thread
from tests.integration.rehearsal_support import thing_exchanges, things_app, write_contracts

pytestmark = pytest.mark.integration


def rehearse(contracts: Path, out: Path, name: str, candidate: str) -> None:
    args = ["rehearse", "--candidate", candidate, "--contracts", str(contracts)]
    try:
        main([*args, "--out", str(out), "--name", name, "--no-progress"])
    except SystemExit as exited:
        assert exited.code in (0, 1)


def test_two_rehearsals_then_every_output(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts", thing_exchanges())
    out = tmp_path / "reports"
    with (
        serve_in_thread(things_app(first_id=5000)) as faithful,
        serve_in_thread(things_app(first_id=7000, drift_name_of=7)) as drifted,
    ):
        rehearse(contracts, out, "first", faithful.url)
        rehearse(contracts, out, "second", drifted.url)
    report = out / "second"
    summary = json.loads((report / "summary.json").read_text())
    assert summary["verdict"] == "failed"
    assert [(d["operation"], d["path"]) for d in summary["divergences"]] == [("getThing", "/name")]
    assert summary["divergences"][0]["example"]["reproducer"].startswith("curl ")
    junit = ET.parse(report / "junit.xml").getroot()
    failure = junit.find(".//testcase[@name='getThing']/failure")
    assert failure is not None and "THING-7" in (failure.text or "")
    page = lxml.html.fromstring((report / "report.html").read_text())
    changes = page.get_element_by_id("changes").text_content()
    assert "first" in changes and "New (1)" in changes
    assert len(page.xpath('//div[@id="trend"]//*[local-name()="circle"]')) == 2
    results = export_allure(report)
    statuses = sorted(json.loads(p.read_text())["status"] for p in results.glob("*-result.json"))
    assert statuses.count("failed") == 1 and len(statuses) == len(thing_exchanges())
