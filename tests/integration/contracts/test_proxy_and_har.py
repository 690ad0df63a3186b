"""The recording proxy with a real client over loopback, and HAR round trips."""

from __future__ import annotations

import gzip
import json
import socket
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.cli import main
from harness.contracts import discover, iter_exchanges, load_noise
from harness.record.proxy import ProxyRecorder, RecordingProxy
from harness.record.redact import Redactor
from harness.serving import serve_in_thread
from harness.transport import AnswerLimits
from harness.transport.limits import MiB
from tests.books_app import OPENAPI, TOKEN, build_books_app
from tests.integration import faults
from tests.integration.scripted import OK, Answer, ScriptedServer

pytestmark = pytest.mark.integration


def test_proxy_forwards_unchanged_and_records(tmp_path: Path) -> None:
    out = tmp_path / "recorded"
    with serve_in_thread(build_books_app()) as upstream:
        recorder = ProxyRecorder(out, upstream.url, OPENAPI, Redactor(), {"target": upstream.url})
        app = RecordingProxy(upstream.url, recorder, gap_s=0.05)
        with serve_in_thread(app) as proxy:
            auth = {"Authorization": f"Bearer {TOKEN}", "X-Custom": "kept"}
            with httpx.Client(base_url=proxy.url) as client:
                direct = httpx.get(f"{upstream.url}/books/b1", headers=auth)
                through = client.get("/books/b1", headers=auth)
                created = client.post(
                    "/books", json={"title": "Emma", "author": "Jane Austen"}, headers=auth
                )
                listed = client.get("/books", params={"author": "Jane Austen"}, headers=auth)
                missing = client.get("/books/nope", headers=auth)
                refused = client.get("/books")
            app.shutdown()
        recorder.finish()
    assert through.status_code == direct.status_code == 200
    assert through.json()["title"] == direct.json()["title"] == "Middlemarch"
    assert created.status_code == 201 and created.headers["location"] == "/books/n1"
    assert listed.json()["total"] == 1
    assert (missing.status_code, refused.status_code) == (404, 401)
    (contract,) = discover(out)
    exchanges = list(iter_exchanges(contract))
    assert [e.operation for e in exchanges] == [
        "getBook",
        "createBook",
        "listBooks",
        "getBook",
        "listBooks",
    ]
    assert [e.id for e in exchanges] == [f"proxy-{n:06d}" for n in range(1, 6)]
    assert all(e.source == "proxy" for e in exchanges)
    assert exchanges[2].request.query == (("author", "Jane Austen"),)
    assert exchanges[0].request.header("x-custom") == "kept"
    assert exchanges[0].request.header("authorization") == "Bearer ${HARNESS_AUTH_TOKEN}"
    assert exchanges[1].response.body == created.content
    for path in out.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()
    assert "summary:\n  exchanges: 5" in (out / "books" / "contract.yaml").read_text()
    # Safe requests were sent twice: their volatile fields became noise rules.
    noise = load_noise(contract)
    assert ("/served_at", "timestamp") in {(r.path, r.kind) for r in noise.rules_for("getBook")}
    assert ("/books/*/fetched", "uuid") in {(r.path, r.kind) for r in noise.rules_for("listBooks")}
    assert not noise.rules_for("createBook")  # a POST is never repeated


def test_har_export_then_import_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "recorded"
    with serve_in_thread(build_books_app()) as upstream:
        recorder = ProxyRecorder(
            source, upstream.url, OPENAPI, Redactor(), {"target": upstream.url}
        )
        app = RecordingProxy(upstream.url, recorder)
        with serve_in_thread(app) as proxy:
            with httpx.Client(base_url=proxy.url) as client:
                client.get("/books", headers={"Authorization": f"Bearer {TOKEN}"})
                client.post(
                    "/books",
                    content=b"\xff\xfe not utf-8",
                    headers={
                        "Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/octet-stream",
                    },
                )
            app.shutdown()
        recorder.finish()
    har_file = tmp_path / "out.har"
    main(["har", "export", str(source), "--out", str(har_file)])
    document = json.loads(har_file.read_text())
    assert document["log"]["version"] == "1.2"
    assert len(document["log"]["entries"]) == 2
    back = tmp_path / "back"
    main(["har", "import", str(har_file), "--out", str(back)])
    original = list(iter_exchanges(discover(source)[0]))
    imported = list(iter_exchanges(discover(back)[0]))
    assert imported == original


def test_foreign_har_is_classified_with_the_interface(tmp_path: Path) -> None:
    har_file = tmp_path / "browser.har"
    entry = {
        "startedDateTime": "2026-01-01T00:00:00.000Z",
        "time": 12.5,
        "request": {
            "method": "GET",
            "url": "https://library.example/books/b2?x=1",
            "headers": [
                {"name": ":authority", "value": "library.example"},
                {"name": "Cookie", "value": "sid=very-secret-cookie"},
            ],
        },
        "response": {
            "status": 200,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"mimeType": "application/json", "text": '{"id":"b2"}'},
        },
    }
    har_file.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(OPENAPI))
    main(["har", "import", str(har_file), "--out", str(tmp_path / "c"), "--openapi", str(spec)])
    (exchange,) = iter_exchanges(discover(tmp_path / "c")[0])
    assert (exchange.service, exchange.operation, exchange.id) == ("books", "getBook", "har-000001")
    assert exchange.request.headers == (("Cookie", "${HARNESS_COOKIE}"),)
    assert exchange.request.query == (("x", "1"),)
    bad = tmp_path / "bad.har"
    bad.write_text(
        json.dumps({"log": {"entries": [{"request": {"url": "ftp://x"}, "response": {}}]}})
    )
    with pytest.raises(SystemExit) as failed:
        main(["har", "import", str(bad), "--out", str(tmp_path / "d")])
    assert failed.value.code == 2


def test_proxy_command_serves_records_and_learns_on_stop(tmp_path: Path) -> None:
    from harness.serving import spawn_harness_server

    out = tmp_path / "recorded"
    with serve_in_thread(build_books_app()) as upstream:
        args = ["proxy", "--upstream", upstream.url, "--record", str(out)]
        with spawn_harness_server(args) as proxy:
            answer = httpx.get(
                f"{proxy.url}/books/b2", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert answer.status_code == 200 and answer.json()["title"] == "Bleak House"
        # Stopping the proxy waited for the noise request and merged what it learned.
    (contract,) = discover(out)
    assert [e.operation for e in iter_exchanges(contract)] == ["getBook"]
    rules = {(r.path, r.kind) for r in load_noise(contract).rules_for("getBook")}
    assert ("/trace", "uuid") in rules
    assert contract.provenance["command"].startswith("harness proxy --upstream")


def test_proxy_passes_compressed_answers_through_and_records_them_decoded(
    tmp_path: Path,
) -> None:
    document = json.dumps({"id": "b1", "title": "Middlemarch " * 40}).encode()
    packed = gzip.compress(document, mtime=0)

    async def gzipping(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-encoding", b"gzip"),
                    (b"content-length", str(len(packed)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": packed})

    out = tmp_path / "recorded"
    with serve_in_thread(gzipping) as upstream:
        recorder = ProxyRecorder(out, upstream.url, None, Redactor(), {"target": upstream.url})
        app = RecordingProxy(upstream.url, recorder, learn=False)
        with serve_in_thread(app) as proxy, httpx.Client(base_url=proxy.url) as client:
            with client.stream("GET", "/books/b1", headers={"Accept-Encoding": "gzip"}) as answer:
                raw = b"".join(answer.iter_raw())
                encoding = answer.headers["content-encoding"]
            app.shutdown()
        recorder.finish()
    assert (raw, encoding) == (packed, "gzip"), "the client gets the upstream's bytes"
    (contract,) = discover(out)
    (exchange,) = iter_exchanges(contract)
    assert exchange.response.body == document
    assert exchange.response.header("content-encoding") is None


def test_proxy_keeps_header_bytes_and_the_length_of_a_head_answer(tmp_path: Path) -> None:
    """UTF-8 header values go up and come back byte for byte (and are recorded as text); a HEAD
    answer keeps the upstream's Content-Length."""
    head = b"HTTP/1.1 200 OK\r\nX-File: \xe2\x82\xacuro.pdf\r\nContent-Length: 1234\r\n\r\n"
    upstream = ScriptedServer(lambda index, request: head if request.startswith(b"HEAD") else OK)
    out = tmp_path / "recorded"
    try:
        recorder = ProxyRecorder(out, upstream.url, None, Redactor(), {"target": upstream.url})
        app = RecordingProxy(upstream.url, recorder, learn=False)
        with serve_in_thread(app) as proxy:
            answers = [
                _raw_exchange(proxy.url, b"GET /x HTTP/1.1\r\nX-Name: r\xc3\xa9sum\xc3\xa9\r\n"),
                _raw_exchange(proxy.url, b"HEAD /x HTTP/1.1\r\n"),
            ]
            app.shutdown()
        recorder.finish()
    finally:
        upstream.close()
    assert b"x-name: r\xc3\xa9sum\xc3\xa9\r\n" in upstream.requests[0].lower()
    assert answers[0].startswith(b"HTTP/1.1 200") and answers[0].endswith(b"ok")
    assert b"x-file: \xe2\x82\xacuro.pdf\r\n" in answers[1].lower()
    assert b"content-length: 1234\r\n" in answers[1].lower()
    (contract,) = discover(out)
    recorded = list(iter_exchanges(contract))
    assert recorded[0].request.header("x-name") == "résumé"
    assert recorded[1].response.header("x-file") == "€uro.pdf"


def _misbehaving(request: bytes) -> Answer:
    path = request.split(b" ", 2)[1]
    by_path = {
        b"/big": lambda: faults.huge_answer(64 * MiB),
        b"/chunked": faults.endless_chunked,
        b"/headers": faults.endless_headers,
        b"/drip": faults.slow_drip,
        b"/bomb": lambda: faults.bomb(faults.compressed(8 * MiB, "gzip"), "gzip"),
    }
    return by_path[path]() if path in by_path else OK


def test_proxy_refuses_answers_past_its_limits_and_never_records_them(tmp_path: Path) -> None:
    """Past a wire limit: a 502 naming the limit. A bomb within the wire limits: passed on as
    received (the proxy never decodes for its client), but not recorded, as it decodes past
    max_decoded_bytes. None reaches the record dir; each leaves a warning."""
    upstream = ScriptedServer(lambda index, request: _misbehaving(request))
    out = tmp_path / "recorded"
    limits = AnswerLimits(
        max_body_bytes=MiB, max_decoded_bytes=MiB, first_byte_timeout_s=60, total_timeout_s=2
    )
    paths = ["/big", "/chunked", "/headers", "/drip", "/bomb", "/ok"]
    tracemalloc.start()
    try:
        recorder = ProxyRecorder(out, upstream.url, None, Redactor(), {"target": upstream.url})
        app = RecordingProxy(upstream.url, recorder, learn=False, limits=limits)
        with serve_in_thread(app) as proxy:
            answers = {
                path: _raw_exchange(proxy.url, f"GET {path} HTTP/1.1\r\n".encode())
                for path in paths
            }
            app.shutdown()
        recorder.finish()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        upstream.close()
    refused = {
        "/big": "answer too large: its body passed max_body_bytes = 1 MiB",
        "/chunked": "answer too large: its body passed max_body_bytes = 1 MiB",
        "/headers": "answer too large: more than max_header_count = 200 header fields",
        "/drip": "answer too slow: still arriving after total_timeout_s = 2s",
    }
    for path, reason in refused.items():
        status, _, text = answers[path].partition(b"\r\n")
        assert status == b"HTTP/1.1 502 Bad Gateway", (path, answers[path][:200])
        assert f"harness proxy: upstream {reason}".encode() in text, (path, text[-300:])
    assert answers["/bomb"].startswith(b"HTTP/1.1 200 OK")
    assert answers["/bomb"].endswith(faults.compressed(8 * MiB, "gzip")), "passed on as received"
    assert answers["/ok"].startswith(b"HTTP/1.1 200 OK") and answers["/ok"].endswith(b"ok")
    assert peak < 16 * MiB, f"{peak:,} bytes allocated at the peak (answers of 64 MiB and more)"

    (contract,) = discover(out)
    assert [e.request.path for e in iter_exchanges(contract)] == ["/ok"]
    stored = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    assert stored < 64 * 1024, f"{stored:,} bytes written under the record dir"
    assert len(recorder.warnings) == 5
    for path, reason in [*refused.items(), ("/bomb", "max_decoded_bytes = 1 MiB")]:
        (warning,) = [w for w in recorder.warnings if w.startswith(f"GET {path}: not recorded: ")]
        assert reason in warning


def _raw_exchange(url: str, head: bytes) -> bytes:
    """One request over a raw socket (exact bytes), the whole answer until the server closes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(head + b"Host: proxy\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received
