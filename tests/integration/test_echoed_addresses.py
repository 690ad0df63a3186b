"""A real service that writes its own address into answers (httpbin 0.10.4 echoes the `Host`
it was sent and the URL it was asked for, as FHIR servers write their base URL into links):
recorded through the proxy from a `requests` session, then rehearsed against a second instance
on another port, live to live and against the recording, with no false alarm. What only one
side's address changes means the same; what else changes is still found."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread
from tests.cli_support import run
from tests.integration.httpbin_support import httpbin_servers

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, ...]]:
    with httpbin_servers(2) as urls:
        yield urls


def session(base: str) -> None:
    with requests.Session() as client:
        for n in range(2):
            client.get(f"{base}/get", params={"q": n}, headers={"X-Request-ID": str(uuid.uuid4())})
            client.post(f"{base}/post", json={"n": n})
            client.put(f"{base}/put", data=b"abc")
            client.get(f"{base}/headers")
            client.get(f"{base}/anything/x", params={"a": "b"})
            client.get(f"{base}/json")
            client.get(f"{base}/status/418")


@pytest.fixture(scope="module")
def recorded(servers: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory) -> Path:
    legacy, _ = servers
    out = tmp_path_factory.mktemp("httpbin") / "contracts"
    recorder = ProxyRecorder(out, legacy, None, Redactor(), {"target": legacy})
    proxy = RecordingProxy(legacy, recorder, gap_s=0.05)
    with serve_in_thread(proxy) as served:
        session(served.url)
        proxy.shutdown()
    recorder.finish()
    return out


def rehearse(
    contracts: Path, out: Path, candidate: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, list[dict[str, object]]]:
    code, _ = run(
        [
            *("rehearse", "--candidate", candidate, "--contracts", str(contracts)),
            *("--out", str(out), "--name", "r", "--no-progress", *extra),
        ],
        capsys,
    )
    return code, [json.loads(line) for line in (out / "r" / "results.jsonl").open()]


@pytest.mark.parametrize("live", [True, False], ids=["live legacy", "against the recording"])
def test_each_sides_own_address_in_its_answers_is_no_difference(
    servers: tuple[str, ...],
    recorded: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    live: bool,
) -> None:
    legacy, candidate = servers
    extra = ("--legacy", legacy) if live else ()
    code, results = rehearse(recorded, tmp_path, candidate, capsys, *extra)
    assert len(results) == 14
    bad = [(r["id"], r["differences"]) for r in results if r["verdict"] != "match"]
    assert bad == [] and code == 0


def test_what_else_changes_beside_the_address_is_still_found(
    servers: tuple[str, ...], recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = tmp_path / "contracts"
    edited.mkdir()
    (service,) = [p for p in recorded.iterdir() if p.is_dir()]
    target = edited / service.name
    target.mkdir()
    for file in service.iterdir():
        text = file.read_text()
        if file.name == "exchanges.jsonl":  # the recording asked for /get?q=0 at another path
            text = text.replace("/get?q=0", "/got?q=0")
        (target / file.name).write_text(text)
    _, results = rehearse(edited, tmp_path / "reports", servers[1], capsys)
    found = {d["path"] for r in results for d in r["differences"]}  # type: ignore[attr-defined]
    assert "/url" in found
