"""Compressed time end to end: 14 simulated days of consumer traffic through the shadow proxy,
legacy answering and a spine2 candidate mirrored whose drift starts on day 12; then the monitor:
the drift found on the right day, the alert's exit code, webhook and log line, the dashboard."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.cli import main
from harness.cli.shadow_demo import drift_from
from harness.monitor.queries import clusters, windows
from harness.monitor.reading import open_store
from harness.monitor.traffic import CLOCK_HEADER, SimulatedWindow, TrafficReport, send_window
from harness.monitor.workload import load_workload
from harness.serving import serve_in_thread
from harness.shadow.source import MirrorRules
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from harness.transport.live import LiveTransport
from tests.integration.scripted import OK, ScriptedServer
from tests.integration.shadow.support import running_shadow

ROOT = Path(__file__).resolve().parents[3]
START = dt.datetime(2031, 3, 3, tzinfo=dt.UTC)  # a Monday; the simulated clock is ahead of now
DAYS, DRIFT_DAY = 14, 12
WORKLOAD = """format_version: 1
scenarios: {scenarios}
requests_per_day: 24
curve: [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 3, 3, 4, 4, 3, 2, 2, 1, 1, 1, 1, 1]
mix:
  pds-read-patient: 3
  pds-read-minimal-and-compound: 2
  smsp-patient-details-by-nhs-number: 1
  sds-devices: 1
"""


@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, TrafficReport]]:
    folder = tmp_path_factory.mktemp("window")
    workload_file = folder / "workload.yaml"
    workload_file.write_text(WORKLOAD.format(scenarios=ROOT / "fixtures/scenarios"))
    since = START + dt.timedelta(days=DRIFT_DAY - 1)
    profile = drift_from(ROOT / "fixtures/drift/shadow.yaml", since, folder / "drift.yaml")
    store = folder / "store"
    rules = MirrorRules(unsafe=("pds.getPatientDetailsByNHSNumber",))
    with (
        serve_in_thread(build_app(SimulatorConfig(population=300))) as legacy,
        serve_in_thread(
            build_app(SimulatorConfig(population=300, flavour="spine2", drift_file=profile))
        ) as candidate,
        running_shadow(
            legacy.url, candidate.url, store=store, spine_noise=True, rules=rules,
            clock_header=CLOCK_HEADER, flush_seconds=1.0,
        ) as (url, _),
    ):  # fmt: skip

        async def play() -> TrafficReport:
            consumer = LiveTransport(url, name="consumer", timeout_s=30)
            try:
                return await send_window(
                    consumer,
                    load_workload(workload_file),
                    SimulatedWindow(START, DAYS, seconds_per_day=0.4),
                    seed=3,
                    concurrency=4,
                )
            finally:
                await consumer.aclose()

        report = asyncio.run(play())
    yield store, report


def test_the_store_is_partitioned_by_simulated_day(window: tuple[Path, TrafficReport]) -> None:
    store, report = window
    assert report.failures == 0 and report.scenarios == 24 * DAYS
    days = sorted(p.name for p in store.glob("day=*"))
    expected = [f"day={(START + dt.timedelta(days=d)).date().isoformat()}" for d in range(DAYS)]
    assert days == expected
    counted = {
        w.start.date(): w.total for w in windows(open_store(store), "day", by_operation=False)
    }
    assert sum(counted.values()) == report.requests  # every request the consumer sent, once
    # past days were compacted into one file each; the last day still has its batches
    assert all(len(list((store / d).glob("*.parquet"))) == 1 for d in days[:-1])


def test_the_drift_is_found_on_the_day_it_started(window: tuple[Path, TrafficReport]) -> None:
    store, _ = window
    connection = open_store(store)
    found = clusters(connection)
    drift_day = (START + dt.timedelta(days=DRIFT_DAY - 1)).date()
    assert found, "the drift was not seen"
    assert {c.first_seen.date() for c in found} == {drift_day}
    operations = {c.operation for c in found}
    assert {"getPatient", "getPatientDetailsByNHSNumber", "searchDevices"} <= operations
    by_day = {w.start.date(): w for w in windows(connection, "day", by_operation=False)}
    assert all(w.parity == 100.0 for day, w in by_day.items() if day < drift_day)
    assert all(
        w.parity is not None and w.parity < 100.0 for day, w in by_day.items() if day >= drift_day
    )


def test_check_exits_one_on_a_breach_and_posts_it(
    window: tuple[Path, TrafficReport], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = window
    policy = ROOT / "fixtures/policies/shadow.yaml"
    before = (START + dt.timedelta(days=DRIFT_DAY - 2)).date().isoformat()
    args = ["monitor", "check", "--store", str(store), "--policy", str(policy)]
    with pytest.raises(SystemExit) as passed:
        main([*args, "--day", before, "--days", str(DRIFT_DAY - 1)])
    assert passed.value.code == 0
    hook = ScriptedServer(lambda number, request: OK)
    log = tmp_path / "breaches.jsonl"
    try:
        with pytest.raises(SystemExit) as failed:
            main([*args, "--days", "3", "--webhook", f"{hook.url}/hooks/shadow", "--log", str(log)])
    finally:
        hook.close()
    assert failed.value.code == 1
    lines = [orjson.loads(line) for line in log.read_text().splitlines()]
    assert lines and {line["event"] for line in lines} == {"harness.monitor.breach"}
    assert {line["day"] for line in lines} == {
        (START + dt.timedelta(days=d)).date().isoformat()
        for d in (DRIFT_DAY - 1, DRIFT_DAY, DRIFT_DAY + 1)
    }
    assert any("parity" in line["reason"] for line in lines)
    posted = [orjson.loads(raw.split(b"\r\n\r\n", 1)[1]) for raw in hook.requests]
    assert all(raw.startswith(b"POST /hooks/shadow HTTP/1.1") for raw in hook.requests)
    assert posted == lines
    assert "FAILED" in capsys.readouterr().out


def _check_dashboard(page: object, drift_day: dt.date) -> None:
    import lxml.html

    assert isinstance(page, lxml.html.HtmlElement)
    assert page.xpath("string(//h1)") == "Shadow monitor"
    markers = [
        m.text_content() for m in page.xpath('//*[local-name()="text"][@class="marker-label"]')
    ]
    assert markers == [
        f"{drift_day:%m-%d}: {len(markers[0].split()[1]) and markers[0].split()[1]} new divergences"
    ]
    parity = page.xpath('//section[@id="parity"]//*[local-name()="polyline"]')
    assert parity and all(len(line.get("points").split()) == DAYS for line in parity[:1])
    # the days each cluster was seen: nothing before the drift day, every day from it on
    grid = page.xpath('//section[@id="cluster-days"]//*[local-name()="svg"]')[0]
    cells = grid.xpath('.//*[local-name()="rect"]')
    per_row = [cells[i : i + DAYS] for i in range(0, len(cells), DAYS)]
    assert per_row and all(
        [cell.get("class") == "seen" for cell in row][: DRIFT_DAY - 1] == [False] * (DRIFT_DAY - 1)
        and row[DRIFT_DAY - 1].get("class") == "seen"
        for row in per_row
    )
    worst = page.xpath('//table[@id="worst"]/tbody/tr')
    assert worst and all(
        row.xpath('string(.//pre[@class="reproducer"])').startswith("curl ") for row in worst
    )
    assert drift_day.isoformat() in page.xpath("string(//table[@id='worst'])")


def test_the_dashboard_shows_when_the_drift_started(
    window: tuple[Path, TrafficReport], tmp_path: Path
) -> None:
    import lxml.html

    from tests.integration.chromium import chromium_or_skip, console_messages, png_facts, run

    store, _ = window
    browser = chromium_or_skip()
    html = tmp_path / "dashboard.html"
    main(["monitor", "report", "--store", str(store), "--out", str(html)])
    done = run(browser, tmp_path / "profile", html.as_uri(), "--dump-dom")
    assert console_messages(done.stderr) == []  # nothing refused by the page's CSP
    drift_day = (START + dt.timedelta(days=DRIFT_DAY - 1)).date()
    _check_dashboard(lxml.html.fromstring(done.stdout), drift_day)
    shot = tmp_path / "dashboard.png"
    run(
        browser, tmp_path / "shot", html.as_uri(), f"--screenshot={shot}", "--window-size=1300,2200"
    )
    width, height, distinct = png_facts(shot)
    assert (width, height) == (1300, 2200) and distinct > 50  # drawn, not a blank page


def test_monitor_serve_serves_it_live(window: tuple[Path, TrafficReport], tmp_path: Path) -> None:
    import lxml.html

    from harness.monitor.live import dashboard_app
    from tests.integration.chromium import chromium_or_skip, run

    store, _ = window
    browser = chromium_or_skip()
    with serve_in_thread(dashboard_app(store, refresh_s=7)) as server:
        done = run(browser, tmp_path / "profile", server.url + "/", "--dump-dom")
    page = lxml.html.fromstring(done.stdout)
    assert page.xpath('//meta[@http-equiv="refresh"]/@content') == ["7"]
    _check_dashboard(page, (START + dt.timedelta(days=DRIFT_DAY - 1)).date())
