"""The lean HTTP/1.1 client behind `LiveTransport`, against scripted servers on real sockets.

Each scripted server answers the requests of each connection with the next canned answers and
keeps what it received, so the tests see the exact bytes on the wire in both directions.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.core.exchange import Request, Response
from harness.errors import HarnessError
from harness.serving import serve_in_thread
from harness.transport import TransportError
from harness.transport.live import LiveTransport
from tests.integration.rehearsal_support import things_app
from tests.integration.scripted import OK, ScriptedServer, send_all

pytestmark = pytest.mark.integration


def answer(status: str, headers: list[str], body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\n{''.join(h + chr(13) + chr(10) for h in headers)}\r\n".encode()
        + (body)
    )


def test_the_request_goes_out_exactly_as_given(scripted: Callable[..., ScriptedServer]) -> None:
    server = scripted(lambda index, request: OK)
    transport = LiveTransport(server.url + "/base/", name="candidate", headers={"X-Default": "d"})
    requests = [
        Request(
            "GET",
            "/Patient/9000000009",
            query=(("a", "1 2"), ("b", "é")),
            headers=(
                ("Accept", "application/fhir+json"),
                ("Host", "recorded.example"),
                ("Content-Length", "99"),
                ("Connection", "close"),
            ),
        ),
        Request(
            "POST", "/things", headers=(("Content-Type", "application/json"),), body=b'{"name":"x"}'
        ),
        Request("POST", "/empty"),
    ]
    responses = send_all(transport, requests)
    assert [r.status for r in responses if isinstance(r, Response)] == [200, 200, 200]
    port = server.url.rsplit(":", 1)[1]
    assert (
        server.requests[0]
        == (
            "GET /base/Patient/9000000009?a=1%202&b=%C3%A9 HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nX-Default: d\r\nAccept: application/fhir+json\r\n\r\n"
        ).encode()
    )
    assert server.requests[1].endswith(
        b'Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"x"}'
    )
    assert server.requests[2].endswith(b"Content-Length: 0\r\n\r\n")
    assert server.connections == 1, "keep-alive: one connection serves all three"


def test_answers_are_framed_and_decoded(scripted: Callable[..., ScriptedServer]) -> None:
    document = b'{"resourceType":"Patient","id":"9000000009"}'
    answers = [
        answer(
            "200 OK",
            ["Transfer-Encoding: chunked"],
            b"5\r\n"
            + document[:5]
            + b"\r\n"
            + f"{len(document) - 5:x}".encode()
            + b"\r\n"
            + document[5:]
            + b"\r\n0\r\n\r\n",
        ),
        answer(
            "200 OK",
            ["Content-Encoding: gzip", f"Content-Length: {len(gzip.compress(document))}"],
            gzip.compress(document),
        ),
        answer(
            "200 OK",
            ["Content-Encoding: deflate", f"Content-Length: {len(zlib.compress(document))}"],
            zlib.compress(document),
        ),
        b"HTTP/1.1 100 Continue\r\n\r\n" + answer("201 Created", ["Content-Length: 2"], b"{}"),
        answer("204 No Content", ['ETag: W/"3"'], b""),
    ]
    server = scripted(lambda index, request: answers[index])
    responses = send_all(LiveTransport(server.url, name="legacy"), [Request("GET", "/")] * 5)
    assert all(isinstance(r, Response) for r in responses), responses
    bodies = [(r.status, r.body) for r in responses if isinstance(r, Response)]
    assert bodies == [(200, document)] * 3 + [(201, b"{}"), (204, b"")]
    assert responses[1].header("content-encoding") == "gzip"  # type: ignore[union-attr]
    assert server.connections == 1


def test_an_answer_delimited_by_closing_the_connection(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(
        lambda index, request: b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it",
        close_after_answer=True,
    )
    responses = send_all(LiveTransport(server.url, name="legacy"), [Request("GET", "/")] * 2)
    assert [(r.status, r.body) for r in responses if isinstance(r, Response)] == [
        (200, b"all of it")
    ] * 2
    assert server.connections == 2


def test_head_answers_have_no_body_even_with_a_length(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(lambda index, request: b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
    responses = send_all(
        LiveTransport(server.url, name="legacy", timeout_s=2), [Request("HEAD", "/")] * 2
    )
    assert [(r.status, r.body, r.header("content-length")) for r in responses] == [  # type: ignore[union-attr]
        (200, b"", "1234")
    ] * 2


def test_a_kept_alive_connection_closed_by_the_server_is_not_reused(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """Closed while idle: noticed before reuse. Closed as the request went out: GET is retried
    on a new connection, POST is not (it is reported, never sent twice)."""
    idle_closed = scripted(lambda index, request: OK, close_after_answer=True)
    responses = send_all(
        LiveTransport(idle_closed.url, name="legacy"), [Request("POST", "/")] * 2, pause_s=0.05
    )
    assert [r.status for r in responses if isinstance(r, Response)] == [200, 200]

    first_only = scripted(lambda index, request: OK if index == 0 else None)
    gets = send_all(LiveTransport(first_only.url, name="legacy"), [Request("GET", "/")] * 3)
    assert [r.status for r in gets if isinstance(r, Response)] == [200, 200, 200]
    posts = send_all(LiveTransport(first_only.url, name="legacy"), [Request("POST", "/")] * 2)
    assert isinstance(posts[0], Response) and isinstance(posts[1], TransportError)
    assert posts[1].kind == "protocol"
    assert "closed the connection (a kept-alive one) without answering" in str(posts[1])


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", "cut short"),
        (b"not http at all\r\n\r\n", "malformed HTTP answer"),
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", "decode"),
    ],
)
def test_broken_answers_are_protocol_errors(
    scripted: Callable[..., ScriptedServer], wire: bytes, message: str
) -> None:
    server = scripted(lambda index, request: wire, close_after_answer=True)
    (error,) = send_all(LiveTransport(server.url, name="candidate"), [Request("GET", "/")])
    assert isinstance(error, TransportError) and error.kind == "protocol"
    assert str(error).startswith("candidate: ") and message in str(error)


def test_a_header_that_would_split_the_request_is_refused(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(lambda index, request: OK)
    bad = Request("GET", "/", headers=(("X-Evil", "a\r\nX-Injected: 1"),))
    (error,) = send_all(LiveTransport(server.url, name="candidate"), [bad])
    assert isinstance(error, TransportError) and "single lines" in str(error)
    assert server.requests == []


def test_the_pool_bounds_connections_and_survives_timeouts() -> None:
    async def go(transport: LiveTransport) -> list[Response | TransportError]:
        async def one(path: str) -> Response | TransportError:
            try:
                return await transport.send(Request("GET", path))
            except TransportError as error:
                return error

        try:
            timed_out = await one("/slow")  # its connection must be given back as closed
            rest = await asyncio.gather(*(one(f"/things/{n}") for n in range(40)))
            return [timed_out, *rest]
        finally:
            await transport.aclose()

    with serve_in_thread(things_app()) as server:
        # /slow answers after 1.5 s; 1 s is generous for 40 reads queued on two connections.
        transport = LiveTransport(server.url, name="candidate", timeout_s=1.0, max_connections=2)
        results = asyncio.run(go(transport))
    assert isinstance(results[0], TransportError) and results[0].kind == "timeout"
    assert [r.status for r in results[1:] if isinstance(r, Response)] == [200] * 40


def test_a_target_url_must_be_http_with_a_host() -> None:
    with pytest.raises(HarnessError, match="must be http:// or https://"):
        LiveTransport("ftp://example.org", name="candidate")
    with pytest.raises(HarnessError, match="must be http:// or https://"):
        LiveTransport("localhost:8000", name="candidate")


def test_concurrent_requests_share_at_most_the_pool_limit_of_connections(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(lambda index, request: OK)
    transport = LiveTransport(server.url, name="candidate", max_connections=3)

    async def go() -> list[Response]:
        try:
            return await asyncio.gather(*(transport.send(Request("GET", "/")) for _ in range(30)))
        finally:
            await transport.aclose()

    assert [r.status for r in asyncio.run(go())] == [200] * 30
    assert 1 <= server.connections <= 3 and len(server.requests) == 30


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: cannot make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def test_https_targets_are_verified_against_the_trusted_certificates(
    scripted: Callable[..., ScriptedServer],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default trust store refuses a private CA; SSL_CERT_FILE (read by OpenSSL) admits it."""
    key, cert = certificate
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = scripted(lambda index, request: OK, tls=tls)
    (refused,) = send_all(LiveTransport(server.url, name="candidate"), [Request("GET", "/")])
    assert isinstance(refused, TransportError) and refused.kind == "connection"
    assert "certificate verify failed" in str(refused)

    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    answers = send_all(LiveTransport(server.url, name="candidate"), [Request("GET", "/x")] * 2)
    assert [(a.status, a.body) for a in answers if isinstance(a, Response)] == [(200, b"ok")] * 2
    assert server.requests[-1].startswith(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1:")


def test_a_post_after_the_loop_sat_idle_goes_out_on_a_live_connection(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """Between pytest items no event loop runs: a keep-alive close by the server in that time is
    noticed before the connection is reused, so a POST is neither lost nor sent twice."""
    server = scripted(lambda index, request: (OK, 0.2))  # answer, close 0.2 s later
    transport = LiveTransport(server.url, name="candidate")
    with asyncio.Runner() as runner:
        first = runner.run(transport.send(Request("POST", "/things", body=b"{}")))
        time.sleep(0.5)  # the loop is not running while the server closes
        second = runner.run(transport.send(Request("POST", "/things", body=b"{}")))
        runner.run(transport.aclose())
    assert (first.status, second.status) == (200, 200)
    assert len(server.requests) == 2 and server.connections == 2


def test_a_request_whose_answer_had_begun_is_never_sent_again(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """The server processes the DELETE, starts answering and dies: that is an error, not a
    stale connection to retry (a retry would meet 404 and report a false mismatch)."""
    partial = b"HTTP/1.1 204 No Content\r\nX-Deleted-I"
    server = scripted(lambda index, request: OK if index == 0 else (partial, "reset"))
    transport = LiveTransport(server.url, name="candidate")
    outcomes = send_all(transport, [Request("GET", "/"), Request("DELETE", "/things/1")])
    assert isinstance(outcomes[0], Response) and isinstance(outcomes[1], TransportError)
    assert "cut short" in str(outcomes[1])
    assert [r.split(b" ", 1)[0] for r in server.requests] == [b"GET", b"DELETE"]


def test_an_answer_delimited_by_close_but_ended_by_a_reset_is_cut_short(
    scripted: Callable[..., ScriptedServer],
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    server = scripted(lambda index, request: (head + b'{"items":[1,2,', "reset"))
    (outcome,) = send_all(LiveTransport(server.url, name="candidate"), [Request("GET", "/")])
    assert isinstance(outcome, TransportError) and "cut short" in str(outcome)


def test_every_gzip_member_is_decoded_and_trailing_bytes_are_refused(
    scripted: Callable[..., ScriptedServer],
) -> None:
    members = gzip.compress(b'{"items":[1,2,', mtime=0) + gzip.compress(b"3]}", mtime=0)
    trailing = zlib.compress(b'{"ok":true}') + b"garbage"
    bodies = [
        (["Content-Encoding: gzip"], members),
        (["Content-Encoding: deflate"], trailing),
    ]
    server = scripted(
        lambda index, request: answer(
            "200 OK",
            [*bodies[index][0], f"Content-Length: {len(bodies[index][1])}"],
            bodies[index][1],
        )
    )
    first, second = send_all(LiveTransport(server.url, name="legacy"), [Request("GET", "/")] * 2)
    assert isinstance(first, Response) and first.body == b'{"items":[1,2,3]}'
    assert isinstance(second, TransportError) and "cannot decode the body" in str(second)


def test_chunked_trailers_are_not_headers(scripted: Callable[..., ScriptedServer]) -> None:
    chunked = b"2\r\nok\r\n0\r\nX-Checksum: abc\r\n\r\n"
    server = scripted(
        lambda index, request: answer("200 OK", ["Transfer-Encoding: chunked"], chunked)
    )
    (outcome,) = send_all(LiveTransport(server.url, name="legacy"), [Request("GET", "/")])
    assert isinstance(outcome, Response) and outcome.body == b"ok"
    assert outcome.header("x-checksum") is None
