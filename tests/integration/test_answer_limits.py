"""Answers past a limit, from misbehaving servers on real sockets: each is a TransportError of
the right kind naming the limit, the client holds no more than the limit while reading, and the
connection is closed, never reused.

Memory is measured as what Python allocated at the peak of the send (tracemalloc: the client's
buffers, and the server thread's pieces as it makes them), never as time: the answers are many
times the limits, so an unbounded client could not stay under the bounds asserted here.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from harness.core.exchange import Request, Response
from harness.transport import AnswerLimits, TransportError
from harness.transport.http1 import Pool, origin_of, request_head
from harness.transport.limits import MiB
from harness.transport.live import LiveTransport
from tests.integration import faults
from tests.integration.scripted import OK, Answer, ScriptedServer, send_all

pytestmark = pytest.mark.integration

Fault = Callable[[], Answer | tuple[bytes, str]]
SMALL = AnswerLimits(max_body_bytes=1 * MiB, max_decoded_bytes=1 * MiB)


def fault_server(scripted: Callable[..., ScriptedServer], fault: Fault) -> ScriptedServer:
    """Answers GET /fault with the fault (on whichever connection) and anything else with OK."""
    return scripted(lambda index, request: fault() if request.startswith(b"GET /fault ") else OK)


def fault_then_ok(
    server: ScriptedServer, limits: AnswerLimits
) -> tuple[TransportError, Response, int]:
    """The fault, then a plain request on the same transport; and Python's peak allocation."""
    transport = LiveTransport(server.url, name="candidate", limits=limits)
    tracemalloc.start()
    try:
        failed, after = send_all(transport, [Request("GET", "/fault"), Request("GET", "/ok")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(failed, TransportError), failed
    assert isinstance(after, Response) and after.status == 200, after
    return failed, after, peak


def assert_closed_not_reused(server: ScriptedServer) -> None:
    assert server.connections == 2, "the connection of the refused answer was not reused"
    assert server.wait_for_cuts(1) == 1, "the client closed the connection mid-answer"


@pytest.mark.parametrize(
    ("fault", "limit"),
    [
        (lambda: faults.huge_answer(64 * MiB), "max_body_bytes = 1 MiB"),
        (faults.endless_chunked, "max_body_bytes = 1 MiB"),
    ],
    ids=["64 MiB answer", "endless chunked answer"],
)
def test_a_body_past_max_body_bytes_is_too_large(
    scripted: Callable[..., ScriptedServer], fault: Fault, limit: str
) -> None:
    server = fault_server(scripted, fault)
    failed, _, peak = fault_then_ok(server, SMALL)
    assert failed.kind == "too_large"
    assert str(failed).startswith("candidate: GET /fault: answer too large: its body passed ")
    assert limit in str(failed)
    assert peak < 4 * MiB, f"{peak:,} bytes allocated at the peak (limit 1 MiB)"
    assert_closed_not_reused(server)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_a_compressed_body_stops_decoding_at_max_decoded_bytes(
    scripted: Callable[..., ScriptedServer], encoding: str
) -> None:
    wire = faults.bomb(
        faults.compressed(64 * MiB, encoding), encoding
    )  # a bomb: ~64 KB on the wire
    assert len(wire) < 100_000
    server = fault_server(scripted, lambda: iter([wire]))
    failed, _, peak = fault_then_ok(server, SMALL)
    assert failed.kind == "too_large"
    name = "deflate" if encoding == "raw-deflate" else encoding
    assert f"its {name}-decoded body passed max_decoded_bytes = 1 MiB" in str(failed)
    assert peak < 4 * MiB, f"{peak:,} bytes allocated at the peak (limit 1 MiB)"
    assert server.connections == 2


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_a_compressed_body_exactly_at_max_decoded_bytes_is_decoded(
    scripted: Callable[..., ScriptedServer], encoding: str
) -> None:
    limits = AnswerLimits(max_decoded_bytes=256 * 1024)
    at, past = (
        faults.bomb(faults.compressed(size, encoding), encoding)
        for size in (256 * 1024, 256 * 1024 + 1)
    )
    server = scripted(lambda index, request: at if b"/at " in request else past)
    transport = LiveTransport(server.url, name="legacy", limits=limits)
    decoded, refused = send_all(transport, [Request("GET", "/at"), Request("GET", "/past")])
    assert isinstance(decoded, Response) and decoded.body == bytes(256 * 1024)
    assert isinstance(refused, TransportError) and refused.kind == "too_large"
    assert "max_decoded_bytes = 256 KiB" in str(refused)


def test_passing_compressed_bodies_through_applies_only_the_wire_limit(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """The proxy's case (decode=False): the bomb's few bytes are within max_body_bytes."""
    wire = faults.bomb(faults.compressed(8 * MiB, "gzip"), "gzip")
    server = scripted(lambda index, request: wire)

    async def go() -> bytes:
        origin, _ = origin_of(server.url)
        pool = Pool(origin, 1, None)
        try:
            head = request_head("GET", "/", origin, [], b"")
            _, _, body = await pool.send("GET", head, decode=False, limits=SMALL)
        finally:
            await pool.aclose()
        return body

    body = asyncio.run(go())
    assert wire.endswith(body) and len(body) < 100_000


@pytest.mark.parametrize(
    ("fault", "limits", "limit"),
    [
        (
            faults.endless_headers,
            AnswerLimits(max_header_count=50),
            "more than max_header_count = 50",
        ),
        (
            faults.endless_headers,
            AnswerLimits(max_header_count=100_000, max_header_bytes=8 * 1024),
            "its head passed max_header_bytes = 8 KiB",
        ),
        (
            lambda: faults.endless_headers(one_line=True),
            AnswerLimits(),
            "its head passed max_header_bytes = 64 KiB",
        ),
    ],
    ids=["many fields", "many fields, small head", "one endless field"],
)
def test_endless_headers_are_too_large(
    scripted: Callable[..., ScriptedServer], fault: Fault, limits: AnswerLimits, limit: str
) -> None:
    server = fault_server(scripted, fault)
    failed, _, peak = fault_then_ok(server, limits)
    assert failed.kind == "too_large" and limit in str(failed)
    assert peak < 2 * MiB, f"{peak:,} bytes allocated at the peak"
    assert_closed_not_reused(server)


def test_endless_chunked_trailers_count_against_the_head(
    scripted: Callable[..., ScriptedServer],
) -> None:
    def trailers() -> Iterator[bytes]:
        yield b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: "
        while True:
            yield b"t" * 65536

    server = fault_server(scripted, trailers)
    failed, _, _ = fault_then_ok(server, AnswerLimits())
    assert failed.kind == "too_large" and "max_header_bytes = 64 KiB" in str(failed)
    assert_closed_not_reused(server)


def test_a_silent_target_times_out_at_the_first_byte(
    scripted: Callable[..., ScriptedServer],
) -> None:
    """The server reads the request and never answers: whatever the machine's speed, the only
    possible end is the first-byte limit (the total one is a minute away)."""
    server = fault_server(scripted, lambda: (b"", "hold"))
    limits = AnswerLimits(first_byte_timeout_s=0.5, total_timeout_s=60)
    failed, _, _ = fault_then_ok(server, limits)
    assert failed.kind == "timeout"
    assert str(failed) == "candidate: GET /fault: no answer within 0.5s (first_byte_timeout_s)"
    assert_closed_not_reused(server)


def test_a_slow_drip_is_too_slow(scripted: Callable[..., ScriptedServer]) -> None:
    """The head comes at once, then a byte every 50 ms of a megabyte: it can never finish
    within the total time, however fast or slow the machine."""
    server = fault_server(scripted, faults.slow_drip)
    limits = AnswerLimits(first_byte_timeout_s=60, total_timeout_s=2)
    failed, _, _ = fault_then_ok(server, limits)
    assert failed.kind == "too_slow"
    assert "answer too slow: still arriving after total_timeout_s = 2s" in str(failed)
    assert_closed_not_reused(server)


def test_the_single_timeout_setting_still_means_the_whole_answer(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = fault_server(scripted, faults.slow_drip)
    transport = LiveTransport(server.url, name="candidate", timeout_s=1.5, limits=SMALL)
    assert transport.limits == AnswerLimits(
        max_body_bytes=MiB, max_decoded_bytes=MiB, first_byte_timeout_s=1.5, total_timeout_s=1.5
    )
    (failed,) = send_all(transport, [Request("GET", "/fault")])
    assert isinstance(failed, TransportError) and failed.kind == "too_slow"
    assert "total_timeout_s = 1.5s" in str(failed)
    assert LiveTransport(server.url, name="legacy").limits == AnswerLimits()


def test_answers_within_the_limits_are_untouched(scripted: Callable[..., ScriptedServer]) -> None:
    """At the limits exactly: a body of max_body_bytes, a head of max_header_count fields."""
    body = b"b" * 4096
    fields = "".join(f"X-F{n}: v\r\n" for n in range(9))
    wire = f"HTTP/1.1 200 OK\r\n{fields}Content-Length: {len(body)}\r\n\r\n".encode() + body
    server = scripted(lambda index, request: wire)
    limits = AnswerLimits(max_body_bytes=4096, max_header_count=10)
    answers = send_all(
        LiveTransport(server.url, name="legacy", limits=limits), [Request("GET", "/")] * 3
    )
    assert [(a.status, a.body) for a in answers if isinstance(a, Response)] == [(200, body)] * 3
    assert server.connections == 1, "kept alive as before"
