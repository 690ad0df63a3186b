"""The endpoint targets deliver to: one HTTP server, a path per side and channel.

A target delivers what it sends later (an answer, an acknowledgement) to a URL it is given, as
a consumer's system would receive it. The harness runs that consumer: one server on one port,
in the run's own event loop (aiohttp; no thread, no signal handling of its own), at
`/<side>/<channel>` (`/legacy/mhs`, `/candidate/mhs`). Its socket is bound when the endpoint is
made, before anything runs, so the URLs can be given to the targets (the command line starts
the simulator with them) before the first request.

Each delivery is read by its channel's profile (`harness.domains.messaging`), kept in its side's
`Arrivals` with its attempt number (the n-th delivery of its message id) and whether it is a
duplicate (the endpoint had accepted that message id already), and answered as the profile
says. Told to `refuse_first` N deliveries of each message, the endpoint answers those with the
profile's refusal (a receiver that is down for a moment), so a target's retries show.
"""

from __future__ import annotations

import socket
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from time import perf_counter

from aiohttp import web

from harness.domains.messaging import Answer, Delivery, MessagingProfile, Observed
from harness.messaging.arrivals import Arrival, Arrivals, read_delivery

MAX_DELIVERY_BYTES = 16 * 1024 * 1024
REMEMBERED_MESSAGES = 100_000  # message ids whose deliveries are counted (oldest forgotten)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (0: any free port), ready to serve on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(512)
    sock.setblocking(False)
    return sock


class InboundEndpoint:
    def __init__(
        self,
        profiles: Sequence[MessagingProfile],
        sides: Iterable[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        refuse_first: int = 0,
    ) -> None:
        self.profiles = {profile.channel: profile for profile in profiles}
        self.books = {side: Arrivals() for side in sides}
        self.refuse_first = refuse_first
        self.socket = bind(host, port)
        self.host = host
        self.port: int = self.socket.getsockname()[1]
        self.refused = 0
        self._seen: OrderedDict[tuple[str, str, str], tuple[int, bool]] = OrderedDict()
        self._runner: web.AppRunner | None = None

    def url(self, side: str, channel: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/{side}/{channel}"

    async def start(self) -> None:
        """Serve on the bound socket, in the running event loop."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=MAX_DELIVERY_BYTES)
        app.router.add_route("*", "/{side}/{channel}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.SockSite(runner, self.socket).start()
        self._runner = runner

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.socket.close()

    async def _handle(self, request: web.Request) -> web.Response:
        side, channel = request.match_info["side"], request.match_info["channel"]
        book, profile = self.books.get(side), self.profiles.get(channel)
        if book is None or profile is None:
            return web.Response(status=404, text=f"no channel /{side}/{channel} here\n")
        delivery = Delivery(
            channel,
            request.method,
            request.path,
            tuple((name, value) for name, value in request.headers.items()),
            await request.read(),
        )
        observed = read_delivery(profile, delivery)
        if observed is None:
            book.unreadable += 1
            return _response(profile.reply(delivery, None))
        return _response(self._accept(book, side, profile, delivery, observed))

    def _accept(
        self,
        book: Arrivals,
        side: str,
        profile: MessagingProfile,
        delivery: Delivery,
        observed: Observed,
    ) -> Answer:
        key = (side, delivery.channel, observed.message_id or "")
        count, accepted = self._seen.get(key, (0, False)) if observed.message_id else (0, False)
        attempt = count + 1
        refusal = None
        if not accepted and attempt <= self.refuse_first:
            refusal = profile.refusal(delivery, observed)
        book.add(Arrival(delivery.channel, observed, perf_counter(), attempt, accepted))
        if observed.message_id:
            self._seen[key] = (attempt, accepted or refusal is None)
            self._seen.move_to_end(key)
            if len(self._seen) > REMEMBERED_MESSAGES:
                self._seen.popitem(last=False)
        if refusal is not None:
            self.refused += 1
            return refusal
        return profile.reply(delivery, observed)


def _response(answer: Answer) -> web.Response:
    status, headers, body = answer
    return web.Response(status=status, headers=dict(headers), body=body)
