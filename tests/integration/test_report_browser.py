"""report.html opened from disk in headless Chromium: what a person sees, not just the file."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from harness.reports import write_reports
from tests.integration.chromium import chromium_or_skip, console_messages, png_facts, run
from tests.reports_factory import write_demo_reports

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directories = write_demo_reports(tmp_path_factory.mktemp("reports"))
    for directory in directories:
        write_reports(directory)
    return directories[-1] / "report.html"


def test_report_renders_offline_in_chromium(report: Path, tmp_path: Path) -> None:
    browser = chromium_or_skip()
    done = run(browser, tmp_path / "profile", report.as_uri(), "--dump-dom")
    page = lxml.html.fromstring(done.stdout)
    # the inline script ran under the page's Content-Security-Policy, and nothing was refused
    assert page.get("data-script") == "ready"
    assert console_messages(done.stderr) == []
    assert "FAILED" in page.get_element_by_id("verdict").text_content()
    rows = page.xpath('//table[@id="operations"]/tbody/tr')
    operations = {r.xpath("./td[2]")[0].text_content() for r in rows}
    assert {"getPatient", "searchPatients", "searchDevices", "releasePrescription"} <= operations
    trend = page.xpath('//div[@id="trend"]/svg')
    assert trend, "the trend chart is missing"
    lines = trend[0].xpath('.//*[local-name()="polyline"]')
    assert len(lines) == 3 and all(len(line.get("points").split()) == 3 for line in lines)
    boxes = page.xpath('//svg[contains(@class, "latency")]//*[local-name()="rect"]')
    assert len(boxes) == 10  # 5 operations x 2 sides
    assert all(float(box.get("width")) > 0 for box in boxes)
    verdicts = {
        card.xpath("string(h3)").split()[0]: card.xpath(
            'string(.//span[contains(@class, "latency-verdict")])'
        )
        for card in page.xpath('//div[contains(@class, "latency-card")]')
    }
    assert verdicts["releasePrescription"].startswith("slower +")
    assert verdicts["searchDevices"] == "same" and verdicts["getPatient"] == "insufficient"
    divergences = page.get_element_by_id("divergences").text_content()
    assert "/name/0/given/1" in divergences and "/entry/0/resource/gender" in divergences
    assert '<script>alert("x")</script>' in divergences  # shown as text, never run
    assert page.xpath("//img") == []


def test_report_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    browser = chromium_or_skip()
    shot = tmp_path / "report.png"
    run(
        browser,
        tmp_path / "profile",
        report.as_uri(),
        f"--screenshot={shot}",
        "--window-size=1400,2000",
    )
    width, height, distinct = png_facts(shot)
    assert (width, height) == (1400, 2000)
    assert shot.stat().st_size > 50_000
    assert distinct > 64  # text, charts and colours, not an empty page
