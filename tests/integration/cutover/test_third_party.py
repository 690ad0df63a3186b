"""The facade in front of a service this project did not write: two httpbins (Flask, from
PyPI) on loopback, consumers on `requests` (a client this project did not write either). The
phase moves httpbin's traffic to the second instance, legacy shadows it, the gate passes, and
consumers are answered by httpbin itself throughout."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from harness.core.operations import Classifier
from harness.core.rules import NoiseModel
from tests.integration.cutover.support import rehearsal, wait_finished, write_plan


def test_httpbin_moves_behind_the_facade_with_requests_as_consumers(
    two_httpbins: tuple[str, str], tmp_path: Path
) -> None:
    legacy, candidate = two_httpbins
    service = Classifier(None, legacy).default_service
    # what differs between two httpbins for one request: the host and URL they were reached at
    noise = NoiseModel.from_dict(
        {"*": [{"path": "/headers/Host", "kind": "ignore"}, {"path": "/url", "kind": "ignore"}]}
    )
    plan = write_plan(tmp_path, [{"name": "httpbin", "move": {"services": [service]}}])
    answered: list[tuple[int, str, float]] = []  # (status, port that answered, when)
    stop = threading.Event()

    def consume() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                got = session.get(f"{url}/get", params={"n": "1"}, timeout=30)
                port = str(urlsplit(got.json()["url"]).port)
                answered.append((got.status_code, port, time.time()))
                session.get(f"{url}/bytes/64", params={"seed": "3"}, timeout=30)
                stop.wait(0.01)

    with rehearsal(plan, legacy, candidate, tmp_path / "run", noise={service: noise}) as (
        url,
        session,
    ):
        workers = [threading.Thread(target=consume, daemon=True) for _ in range(3)]
        for worker in workers:
            worker.start()
        try:
            wait_finished(session)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
    document = json.loads((tmp_path / "run" / "cutover.json").read_text())
    (phase,) = document["phases"]
    assert phase["outcome"] == "completed", phase["reason"]
    assert phase["gate"]["compared"] > 0
    assert phase["parity"]["after_switch"][service]["parity"] == 100.0
    assert all(status == 200 for status, _, _ in answered)
    legacy_port, candidate_port = legacy.rsplit(":", 1)[1], candidate.rsplit(":", 1)[1]
    switch = phase["switch"]
    switched = switch["started"] + switch["elapsed_s"]
    before = {port for _, port, at in answered if at < switch["started"]}
    after = {port for _, port, at in answered if at > switched + 0.5}
    assert before == {legacy_port} and after == {candidate_port}
    assert document["served"]["failed"] == 0
