"""The polling channel against a real HTTP server (aiohttp on loopback) that keeps entries for
its consumer to ask for: the watch gets the entry that names its exchange, each entry is fetched
once with a request that changes nothing, polling ends when the entry came or the watch ends,
and a server that fails for a while is polled again, never a crash."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from time import perf_counter

import pytest
from aiohttp import web

from harness.core.exchange import Correlation, Request, Response
from harness.domains.messaging import BaseProfile, Delivery, Observed
from harness.messaging import Channels, PollPolicy, WaitPolicy
from harness.transport.live import LiveTransport
from tests.integration.messaging.aiohttp_site import serve

pytestmark = pytest.mark.integration


class InboxProfile(BaseProfile):
    """A made-up service: `POST /send` answers `{"id": ...}`; the entry later appears in
    `GET /inbox` (a list of ids), each read with `HEAD /inbox/{id}` (header `x-refers`)."""

    channel = "inbox"
    delivered = False

    def keys(self, request: Request, response: Response | None) -> frozenset[str]:
        if request.path != "/send" or response is None or response.status != 202:
            return frozenset()
        return frozenset({json.loads(response.body)["id"]})

    def polls(self, request: Request, response: Response) -> Sequence[Request]:
        return (Request("GET", "/inbox"),)

    def entries(self, listing: Request, answer: Response) -> Sequence[tuple[str, Request]]:
        return tuple((e, Request("HEAD", f"/inbox/{e}")) for e in json.loads(answer.body))

    def read(self, delivery: Delivery) -> Observed | None:
        refers = delivery.header("x-refers")
        if refers is None:
            return None
        return Observed("entry", (Correlation("x-refers", refers),), code="ok", message_id=refers)


class Inbox:
    """The server: an entry shows after `after` listings; the first `failing` listings fail."""

    def __init__(self, after: int = 2, failing: int = 0) -> None:
        self.after, self.failing = after, failing
        self.calls: Counter[str] = Counter()
        self.sent: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/send", self.send)
        app.router.add_get("/inbox", self.inbox)
        app.router.add_route("HEAD", "/inbox/{id}", self.head)
        return app

    async def send(self, request: web.Request) -> web.Response:
        self.calls["send"] += 1
        self.sent.append(f"m{len(self.sent) + 1}")
        return web.json_response({"id": self.sent[-1]}, status=202)

    async def inbox(self, request: web.Request) -> web.Response:
        self.calls["list"] += 1
        if self.calls["list"] <= self.failing:
            return web.Response(status=503)
        shown = self.sent if self.calls["list"] > self.after else []
        return web.json_response(shown)

    async def head(self, request: web.Request) -> web.Response:
        self.calls[f"head {request.match_info['id']}"] += 1
        return web.Response(headers={"x-refers": request.match_info["id"]})


def rehearse_sends(inbox: Inbox, sends: int, timeout_s: float = 10.0) -> tuple[list, Channels]:
    async def main() -> tuple[list, Channels]:
        runner, url = await serve(inbox.app())
        channels = Channels(
            ["candidate"],
            profiles=[InboxProfile()],
            policy=WaitPolicy(timeout_s=timeout_s),
            poll=PollPolicy(first_s=0.01, max_s=0.05),
        )
        transport = LiveTransport(url, name="inbox")
        channels.connect("candidate", transport.send)
        await channels.start()
        try:
            watches = []
            for _ in range(sends):
                request = Request("POST", "/send")
                sent_at = perf_counter()
                answer = await transport.send(request)
                watch = channels.observer.watch("candidate", request, answer, sent_at)
                assert watch is not None
                watches.append((watch, sent_at))
            await channels.observer.wait([w for w, _ in watches], None)
            return [channels.observer.collect(w, [at]) for w, at in watches], channels
        finally:
            await channels.aclose()
            await transport.aclose()
            await runner.cleanup()

    return asyncio.run(main())


def test_the_watch_gets_the_entry_its_exchange_caused_once_it_is_listed() -> None:
    inbox = Inbox(after=3)
    [[later]], channels = rehearse_sends(inbox, 1)
    assert (later.channel, later.kind, later.code) == ("inbox", "entry", "ok")
    assert later.correlation == Correlation("x-refers", "m1")
    assert inbox.calls["list"] == 4  # polled until it showed, then no more
    assert inbox.calls["head m1"] == 1
    assert channels.urls("candidate") == {}  # only polled: no delivery URL
    assert channels.polling_note() is None  # nothing failed: nothing to say


def test_each_entry_is_fetched_once_however_many_watches_list_it() -> None:
    inbox = Inbox(after=1)
    collected, channels = rehearse_sends(inbox, 3)
    assert [[m.correlation.value for m in later] for later in collected] == [["m1"], ["m2"], ["m3"]]
    assert [inbox.calls[f"head m{n}"] for n in (1, 2, 3)] == [1, 1, 1]
    assert channels.poller.fetches == 3


def test_a_server_failing_for_a_while_is_polled_again() -> None:
    inbox = Inbox(after=0, failing=3)
    [[later]], channels = rehearse_sends(inbox, 1)
    assert later.correlation == Correlation("x-refers", "m1")
    assert channels.poller.failures == 3
    note = channels.polling_note()
    assert note is not None and "3 of those got no usable answer" in note


def test_polling_ends_with_the_timeout_when_nothing_comes() -> None:
    inbox = Inbox(after=10**9)
    [later], channels = rehearse_sends(inbox, 1, timeout_s=0.5)
    assert later == ()
    listed = inbox.calls["list"]
    assert listed >= 2 and channels.poller.polls == listed
