"""The recording proxy: a reverse proxy that forwards every request unchanged and records it.

Real consumer traffic goes to the legacy upstream exactly as sent (method, path, query, headers
except hop-by-hop ones, body) and the upstream's answer comes back exactly as received. Each
exchange is classified with the upstream's OpenAPI document, redacted, and appended to
`<record-dir>/<service>/exchanges.jsonl` at once (source `proxy`). A compressed answer is stored
decoded (without its Content-Encoding) so that the contract stays readable.

Limits: the upstream's answers are read under the same `AnswerLimits` as a rehearsal's. An
answer past one (too large a head or body, too slow) is not passed on: the client gets a 502
whose text names the limit, because the proxy holds an answer whole before it answers (it must
record it) and has nothing honest to send for the part it refused to read. An answer within the
wire limits whose body decodes past `max_decoded_bytes` is passed to the client as received (the
proxy never decodes for the client). Neither is ever written into a contract: each leaves a
warning, shown when the proxy stops.

Correlation: when the proxy stops, each contract's exchanges (earlier sessions' included) are
analysed for values that answers gave and later requests carried (`harness.correlation`), and
`correlations.yaml` is merged, so that a replay sends each target its own values.

Noise: a request that cannot change state (GET, HEAD, OPTIONS) is sent a second time, `GAP_S`
later and with a fresh X-Request-ID when it carried one, and the two answers are compared; the
learned rules are merged into each `noise.yaml` when the proxy stops. Other requests are sent
once: repeating them would change the upstream's state.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.contracts.appender import AppendingContract
from harness.contracts.noisefile import merge_learned, read_noise_file, render_noise_file
from harness.contracts.store import EXCHANGES_FILE, NOISE_FILE, iter_exchange_file, iter_jsonl
from harness.core.canonical.values import is_uuid
from harness.core.exchange import Exchange, Request, Response, header
from harness.core.http import CONNECTION_HEADERS, SAFE_METHODS
from harness.core.operations import OperationIndex, slug
from harness.correlation import SEQUENCE, learn_correlations
from harness.record.interface import split_by_service
from harness.record.noise import GAP_S, Pair, learn_noise
from harness.record.redact import Redactor
from harness.transport.decoding import decode_body
from harness.transport.errors import Http1Error
from harness.transport.http1 import (
    ClientTls,
    Pool,
    header_text,
    origin_of,
    request_head,
    tls_for,
)
from harness.transport.limits import AnswerLimits, limits_for

PAST_A_LIMIT = frozenset({"too_large", "too_slow"})
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ProxyRecorder:
    """Where proxied exchanges go: one appending contract per service."""

    def __init__(
        self,
        out: Path,
        upstream: str,
        document: dict[str, Any] | None,
        redactor: Redactor,
        provenance: dict[str, Any],
    ) -> None:
        self.out = out
        self.redactor = redactor
        self.provenance = provenance
        self.index = OperationIndex.from_openapi(document) if document else None
        self.interfaces = split_by_service(document) if document else {}
        self.default_service = slug(urlsplit(upstream).hostname or "upstream")
        self.contracts: dict[str, AppendingContract] = {}
        self.pairs: dict[str, list[Pair]] = {}
        self.warnings: list[str] = []
        self.sequence = _last_sequence(out)  # a restarted proxy goes on counting

    def classify(self, request: Request) -> tuple[str, str]:
        operation = self.index.match(request) if self.index is not None else None
        if operation is None:
            return self.default_service, "unmatched"
        return operation.service, operation.id

    def learn(self, request: Request, first: Response, second: Response) -> None:
        """Two answers to the same safe request: material for the service's noise model."""
        service, operation = self.classify(request)
        label = f"{request.method} {request.path}"
        self.pairs.setdefault(service, []).append(Pair(operation, first, second, label=label))

    def record(self, request: Request, response: Response) -> None:
        service, operation = self.classify(request)
        contract = self.contracts.get(service)
        if contract is None:
            contract = self.contracts[service] = AppendingContract(
                self.out / service, service, self.interfaces.get(service, {}), self.provenance
            )
        self.sequence += 1
        exchange = Exchange(
            id=f"proxy-{contract.next_number():06d}",
            service=service,
            operation=operation,
            request=request,
            response=response,
            source="proxy",
            meta={SEQUENCE: self.sequence},  # its place in the recording, across services
        )
        contract.append(self.redactor.exchange(exchange))

    def not_recorded(self, method: str, target: str, reason: str) -> None:
        """An exchange left out of the contracts (an answer past a limit), said as a warning."""
        self.warnings.append(f"{method} {target}: not recorded: {reason}")

    def finish(self) -> None:
        """Close the files, merge the noise learned from repeated safe requests (once) and the
        correlations of each contract's exchanges (all of them: earlier sessions' too)."""
        for contract in self.contracts.values():
            contract.finish()
        if self.contracts:
            directories = _recorded(self.out)
            exchanges = [
                exchange
                for directory in directories.values()
                for exchange in iter_exchange_file(directory / EXCHANGES_FILE)
            ]
            learn_correlations(directories, exchanges)
        self.contracts = {}
        pending, self.pairs = self.pairs, {}
        for service, pairs in sorted(pending.items()):
            learned = learn_noise(pairs)
            self.warnings.extend(learned.warnings)
            path = self.out / service / NOISE_FILE
            if not path.parent.is_dir():
                continue
            entries = merge_learned(read_noise_file(path, service), learned.entries)
            path.write_text(render_noise_file(service, entries), encoding="utf-8")


def _recorded(out: Path) -> dict[str, Path]:
    """The contract directories under `out` that hold exchanges (service -> directory)."""
    if not out.is_dir():
        return {}
    return {path.parent.name: path.parent for path in sorted(out.glob(f"*/{EXCHANGES_FILE}"))}


def _last_sequence(out: Path) -> int:
    """The highest `meta.sequence` already recorded under `out` (0 when none)."""
    last = 0
    for directory in _recorded(out).values():
        for _, data in iter_jsonl(directory / EXCHANGES_FILE):
            meta = data.get("meta") if isinstance(data, dict) else None
            value = meta.get(SEQUENCE) if isinstance(meta, dict) else None
            if isinstance(value, int) and value > last:
                last = value
    return last


class RecordingProxy:
    """The ASGI app: forward (the live transport's HTTP/1.1 client, bytes passed through), answer
    the client, then record."""

    def __init__(
        self,
        upstream: str,
        recorder: ProxyRecorder,
        timeout_s: float | None = None,
        learn: bool = True,
        gap_s: float = GAP_S,
        limits: AnswerLimits | None = None,
        tls: ClientTls | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.recorder = recorder
        self.limits = limits_for(limits, timeout_s)
        self.learn = learn
        self.gap_s = gap_s
        self._origin, self._base_path = origin_of(self.upstream)
        self._tls = tls_for(self._origin, tls)  # mutual TLS with the upstream, when configured
        self._pending: set[asyncio.Task[None]] = set()
        self._pool: Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open(self) -> Pool:
        self._loop = asyncio.get_running_loop()
        self._pool = Pool(self._origin, 64, self._tls)
        return self._pool

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=self.limits.total_timeout_s)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Close the upstream session (after the pending noise requests) when the server stops."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                # Here, not after the server returns: on SIGTERM uvicorn re-raises the signal
                # once it has shut down, and the process ends before any `finally` runs.
                self.recorder.finish()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Close upstream connections from another thread (the server's loop still running)."""
        loop = self._loop
        if self._pool is not None and loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        raw_query: bytes = scope.get("query_string", b"")
        # Text the way the live transport reads and writes it (UTF-8, else latin-1), so bytes
        # come back out as they came in and the recording replays the same bytes.
        target = header_text(raw_path) + (f"?{header_text(raw_query)}" if raw_query else "")
        client_headers = [(header_text(k), header_text(v)) for k, v in scope["headers"]]
        forwarded = [(k, v) for k, v in client_headers if k.lower() not in CONNECTION_HEADERS]
        try:
            status, upstream_headers, payload, elapsed = await self._forward(
                scope["method"], target, forwarded, bytes(body)
            )
        except Http1Error as error:
            if error.kind in PAST_A_LIMIT:
                self.recorder.not_recorded(scope["method"], target, f"upstream {error}")
                text = f"harness proxy: upstream {error}; not passed on, not recorded\n"
            else:
                text = f"harness proxy: upstream failed: {error}\n"
            await _answer(send, 502, [("content-type", "text/plain")], text.encode())
            return
        back = [(k, v) for k, v in upstream_headers if k.lower() not in CONNECTION_HEADERS]
        length = str(len(payload))
        if scope["method"] == "HEAD":  # no body: the length is the one a GET would have
            length = header(upstream_headers, "content-length") or "0"
        back.append(("content-length", length))
        await _answer(send, status, back, payload)
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=tuple(parse_qsl(header_text(raw_query), keep_blank_values=True)),
            headers=tuple((k, v) for k, v in client_headers if k.lower() not in CONNECTION_HEADERS),
            body=bytes(body),
        )
        try:
            first = self._stored(status, upstream_headers, payload, elapsed)
        except Http1Error as error:  # decodes past max_decoded_bytes: passed on, never stored
            self.recorder.not_recorded(request.method, target, f"upstream {error}")
            return
        self.recorder.record(request, first)
        if self.learn and request.method in SAFE_METHODS:
            task = asyncio.ensure_future(self._again(request, target, forwarded, first))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes, float]:
        """The upstream's answer exactly as received (compressed bodies stay compressed)."""
        pool = self._pool or self._open()
        started = perf_counter()
        wire = request_head(method, self._base_path + target, self._origin, headers, body) + body
        status, raw, payload = await pool.send(
            method, wire, method == "HEAD", decode=False, limits=self.limits
        )
        return status, list(raw), payload, (perf_counter() - started) * 1000.0

    async def _again(
        self, request: Request, target: str, headers: list[tuple[str, str]], first: Response
    ) -> None:
        """The same safe request once more, later, with a fresh request id: noise material."""
        await asyncio.sleep(self.gap_s)
        fresh = ("x-request-id", "x-correlation-id")
        again = [
            (k, str(uuid.uuid4()) if k.lower() in fresh and is_uuid(v) else v) for k, v in headers
        ]
        try:
            status, raw, payload, elapsed = await self._forward(
                request.method, target, again, request.body
            )
            second = self._stored(status, raw, payload, elapsed)
        except Http1Error:
            return  # no second answer (or one past a limit), nothing learned
        self.recorder.learn(request, first, second)

    def _stored(
        self, status: int, headers: list[tuple[str, str]], payload: bytes, elapsed: float
    ) -> Response:
        """The answer as a contract stores it: decoded (a corrupt encoding is kept as it came);
        raises Http1Error (too_large) when it decodes past `max_decoded_bytes`."""
        try:
            decoded = decode_body(headers, payload, self.limits.max_decoded_bytes)
        except Http1Error as error:
            if error.kind != "protocol":
                raise
            decoded = payload
        if decoded is not payload:  # stored as content: the encoding was the wire's business
            payload = decoded
            headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
        kept = tuple((k, v) for k, v in headers if k.lower() not in CONNECTION_HEADERS)
        return Response(status, kept, payload, elapsed)


async def _answer(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": body})
