"""Live noise cancellation through the engine, against real servers on loopback: legacy asked
again for a safe request, a legacy twin for any method (mirrored state changes), and a real
divergence that survives it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.core.exchange import Exchange, Request, Response
from harness.core.policy import WaiverBook
from harness.core.rules import NoiseModel
from harness.engine import CollectResults, Judge, Phase, RehearsalStarted, Runner, Unit
from harness.engine.live_noise import LiveNoise
from harness.engine.opinion import AskAgain, LegacyTwin
from harness.serving import serve_in_thread
from harness.transport.live import LiveTransport

pytestmark = pytest.mark.integration


def app(name: str = "widget") -> Starlette:
    orders: list[str] = []

    async def clock(request: StarletteRequest) -> JSONResponse:
        return JSONResponse({"now": str(uuid.uuid4()), "name": name})

    async def order(request: StarletteRequest) -> JSONResponse:
        orders.append(str(uuid.uuid4()))
        return JSONResponse({"order": orders[-1], "count": len(orders)}, status_code=201)

    return Starlette(routes=[Route("/clock", clock), Route("/orders", order, methods=["POST"])])


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    with (
        serve_in_thread(app()) as legacy,
        serve_in_thread(app()) as candidate,
        serve_in_thread(app("WIDGET")) as drifted,
        serve_in_thread(app()) as twin,
    ):
        yield {"legacy": legacy.url, "candidate": candidate.url, "drifted": drifted.url,
               "twin": twin.url}  # fmt: skip


def exchange(identifier: str, method: str, path: str) -> Exchange:
    return Exchange(
        identifier, "shop", path.strip("/"), Request(method, path), Response(0), recorded=False
    )


def run(
    servers: dict[str, str], candidate: str, exchanges: list[Exchange], *, twin: bool
) -> tuple[list[dict[str, object]], LiveNoise]:
    async def main() -> tuple[list[dict[str, object]], LiveNoise]:
        legacy = LiveTransport(servers["legacy"], name="legacy")
        sent_to = LiveTransport(servers[candidate], name="candidate")
        second = LiveTransport(servers["twin"], name="legacy twin")
        live = LiveNoise()
        judge = Judge([NoiseModel({})], WaiverBook((), dt.date(2026, 1, 1)), lambda e, s: "",
                      live=live)  # fmt: skip
        collect = CollectResults()
        opinion = LegacyTwin(second) if twin else AskAgain(legacy)
        runner = Runner(judge, sent_to, legacy, [collect], concurrency=1, opinion=opinion)
        units = [Unit(0, (e,)) for e in exchanges]
        await runner.run([Phase(units)], RehearsalStarted("t", None, {}))
        for transport in (legacy, sent_to, second):
            await transport.aclose()
        return [record.to_dict() for record in collect.records], live

    return asyncio.run(main())


def test_legacy_asked_again_cancels_a_safe_requests_noise_not_a_posts(
    servers: dict[str, str],
) -> None:
    exchanges = [exchange(f"c{n}", "GET", "/clock") for n in range(3)]
    exchanges.append(exchange("o1", "POST", "/orders"))
    results, live = run(servers, "candidate", exchanges, twin=False)
    by_id = {r["id"]: r for r in results}
    assert [by_id[f"c{n}"]["verdict"] for n in range(3)] == ["match"] * 3
    assert by_id["c0"]["cancelled"] == ["/now"]
    # Asked twice, legacy disagreed both times: /now became a rule, never asked about again.
    assert live.asked == 2 and live.is_noise("shop", "clock", "/now")
    assert "cancelled" not in by_id["c2"]
    assert by_id["o1"]["verdict"] == "mismatch"  # a POST is not sent to legacy twice


def test_a_legacy_twin_answers_for_any_method_and_keeps_its_history(
    servers: dict[str, str],
) -> None:
    exchanges = [exchange("o2", "POST", "/orders"), exchange("o3", "POST", "/orders")]
    results, live = run(servers, "candidate", exchanges, twin=True)
    assert [r["verdict"] for r in results] == ["match", "match"]
    assert results[0]["cancelled"] == ["/order"]
    assert live.asked == 2


def test_a_real_divergence_survives_cancellation(servers: dict[str, str]) -> None:
    results, _ = run(servers, "drifted", [exchange("d1", "GET", "/clock")], twin=False)
    (result,) = results
    assert result["verdict"] == "mismatch" and result["cancelled"] == ["/now"]
    assert [d["path"] for d in result["differences"]] == ["/name"]  # type: ignore[attr-defined]
