"""`harness demo --cutover` as a user runs it: three phases under Locust's consumer load against
a spine2 candidate whose PDS drift fails phase 2's gate. Phase 2 rolls back by itself, the other
two complete, consumers see at least 99.9% availability, and the report (checked in headless
Chromium) has the timeline, per-phase availability, the rollback and the notifications."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

ROOT = Path(__file__).resolve().parents[3]

# never imported here: Locust patches the standard library for gevent when it is imported
if importlib.util.find_spec("locust") is None:
    pytest.skip("the load extra (Locust) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo as shipped, with its plan's observe and soak times shortened (the phases, gates,
    rollback and state are the shipped plan's), so that the suite stays short."""
    out = tmp_path_factory.mktemp("demo")
    shipped = (ROOT / "fixtures" / "cutover" / "spine-weekend.yaml").read_text()
    assert "observe_s: 8 " in shipped and "soak_s: 20 " in shipped and "window_s: 15" in shipped
    plan = out / "spine-weekend-quick.yaml"
    plan.write_text(
        shipped.replace("observe_s: 8 ", "observe_s: 4 ")
        .replace("soak_s: 20 ", "soak_s: 10 ")
        .replace("window_s: 15", "window_s: 8")
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "demo",
            "--cutover",
            "--out",
            str(out),
            "--plan",
            str(plan),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (run_dir,) = out.glob("demo-cutover-*")
    return run_dir, done.stdout


def test_phase_two_rolls_back_and_consumers_stay_answered(demo: tuple[Path, str]) -> None:
    run_dir, said = demo
    document = json.loads((run_dir / "cutover.json").read_text())
    outcomes = [(p["name"], p["outcome"]) for p in document["phases"]]
    assert outcomes == [
        ("directory", "completed"),
        ("demographics", "rolled_back"),
        ("prescriptions", "completed"),
    ], [(p["name"], p["reason"], p["switch"]) for p in document["phases"]]
    assert document["exit_code"] == 1 and document["outcome"] == "rolled_back"
    demographics = document["phases"][1]
    assert demographics["reason"].startswith("gate failed: *: parity")
    assert demographics["gate"]["passed"] is False
    assert demographics["rollback"]["moved"] and demographics["rollback"]["in_flight"]["lost"] == 0
    assert all(check["passed"] for p in document["phases"] for check in p["state"]["checks"])
    consumers = document["consumers"]["totals"]
    assert consumers["requests"] > 1000
    assert consumers["availability"] >= 99.9
    assert document["served"]["availability"] >= 99.9
    assert "99.9%: met" in said
    events = [entry["event"] for entry in document["notifications"]]
    assert events.count("phase_started") == 3 and events.count("rolled_back") == 1
    assert events[-1] == "rehearsal_finished"


def test_the_report_shows_it_in_a_browser(demo: tuple[Path, str], tmp_path: Path) -> None:
    from tests.integration.chromium import chromium_or_skip, console_messages, png_facts, run

    run_dir, _ = demo
    browser = chromium_or_skip()
    report = run_dir / "report.html"
    done = run(browser, tmp_path / "profile", report.as_uri(), "--dump-dom")
    assert console_messages(done.stderr) == []  # nothing refused by the page's CSP
    page = lxml.html.fromstring(done.stdout)
    bands = page.xpath("//section[@id='timeline']//rect[@class='band']/@data-band")
    assert {"1. directory", "2. demographics", "3. prescriptions"} <= set(bands)
    assert len(page.xpath("//section[@id='timeline']//svg")) == 3  # errors, latency, parity
    rows = page.xpath("//table[@id='phase-table']//tr[contains(@class, 'phase')]")
    assert len(rows) == 3
    assert "rolled back" in rows[1].text_content() and "%" in rows[1].text_content()
    assert "NO-GO" in page.xpath("string(//div[@id='gate-demographics'])")
    assert "GO" in page.xpath("string(//div[@id='gate-directory'])")
    assert "parity" in page.xpath("string(//div[@id='rollback-demographics'])")
    feed = page.xpath("//table[@id='feed-entries']//tr[contains(@class, 'entry')]")
    assert len(feed) >= 15
    shot = tmp_path / "report.png"
    run(
        browser,
        tmp_path / "shot",
        report.as_uri(),
        f"--screenshot={shot}",
        "--window-size=1300,2600",
    )
    width, height, distinct = png_facts(shot)
    assert (width, height) == (1300, 2600) and distinct > 50  # drawn, not a blank page
