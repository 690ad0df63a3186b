"""The pytest path into the Allure dashboard: plugin items -> allure-results -> Allure's HTML
(grouped by epic = service), opened in headless Chromium. Skipped, saying why, without an `allure`
executable (see tests/integration/test_allure_browser.py) or Chromium."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.chromium import chromium_or_skip, rendered_text
from tests.integration.test_allure_browser import allure_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_plugin_items_are_grouped_by_service_in_the_allure_html(
    harness_project: pytest.Pytester, candidate_url: str
) -> None:
    pytest.importorskip("allure_pytest")
    allure = allure_or_skip()
    browser = chromium_or_skip()
    results = harness_project.path / "allure-results"
    outcome = harness_project.runpytest(
        "-p", "no:cacheprovider", "--harness-candidate", candidate_url, "--alluredir", str(results)
    )
    outcome.assert_outcomes(passed=9, failed=1)
    version = subprocess.run([allure, "--version"], capture_output=True, text=True, check=True)
    if version.stdout.startswith("2."):
        pytest.skip("Allure 2 has no groupBy option; this test needs Allure 3 (npm `allure`)")
    report = harness_project.path / "allure-report"
    config = harness_project.path / "allurerc.json"
    options = {"singleFile": True, "groupBy": ["epic"]}
    config.write_text(
        json.dumps({"output": str(report), "plugins": {"awesome": {"options": options}}})
    )
    subprocess.run(
        [allure, "generate", "--config", str(config), str(results)],
        capture_output=True,
        timeout=180,
        check=True,
        cwd=harness_project.path,
    )
    text = rendered_text(
        browser, harness_project.path / "profile", (report / "index.html").as_uri(), "widgets"
    )
    compact = text.replace(" ", "")
    assert "Total10Failed1Passed9" in compact
    # Groups are the epics (services) with their counts; the group with a failure is expanded.
    assert "things17" in compact and "widgets2" in compact
    assert "things::getThing::r-0003" in text
    assert "things::scenario::create-then-read" in text
