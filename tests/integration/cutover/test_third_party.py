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


def test_no_consumer_secret_reaches_a_file_the_cutover_writes(
    two_httpbins: tuple[str, str], tmp_path: Path
) -> None:
    # httpbin echoes every header back, and the two instances differ (the host they were
    # reached at), so the mirrors store each request with its differences: the worst case
    import duckdb

    legacy, candidate = two_httpbins
    token, cookie = "tok-cutover-7d1e90b4", "ck-cutover-3a5f28c6"
    plan = write_plan(tmp_path, [{"name": "httpbin", "move": {"operations": ["*"]}}])
    stop = threading.Event()
    answered: list[int] = []

    def consume() -> None:
        headers = {"Authorization": f"Bearer {token}", "Cookie": f"session={cookie}"}
        with requests.Session() as session:
            while not stop.is_set():
                answered.append(session.get(f"{url}/anything", headers=headers).status_code)
                stop.wait(0.01)

    out = tmp_path / "run"
    with rehearsal(plan, legacy, candidate, out) as (url, session):
        worker = threading.Thread(target=consume, daemon=True)
        worker.start()
        try:
            wait_finished(session)
        finally:
            stop.set()
            worker.join(timeout=60)
    assert answered and set(answered) == {200}
    stored = sorted(out.rglob("*.parquet"))
    assert stored  # the differences were kept, requests included
    rows = duckdb.sql(
        f"select * from read_parquet({[str(p) for p in stored]!r}, union_by_name=true)"
    ).fetchall()
    assert rows
    texts = [repr(rows)] + [p.read_text("latin-1") for p in out.rglob("*") if p.is_file()]
    assert not [text for text in texts for secret in (token, cookie) if secret in text]
