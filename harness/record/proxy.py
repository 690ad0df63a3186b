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

Admin endpoints (`[operations] admin_paths`: `/admin`, a reset, `/_internal`...) are forwarded
but never recorded: replayed later, concurrently with the rest, they would reset the target
under the other exchanges' feet.

Noise: a request that cannot change state (GET, HEAD, OPTIONS) is sent a second time, `GAP_S`
later and with a fresh X-Request-ID when it carried one, and the two answers are compared; the
learned rules are merged into each `noise.yaml` when the proxy stops. Other requests are sent
once: repeating them would change the upstream's state. A pair with a write between its two
answers (`WriteWatch`: a consumer's PATCH of the record just read) is not learned from: what
the write changed is not noise. The read is asked again instead, up to `MAX_ASKS` times, for two
answers with no write between; how many reads found none is said when the proxy stops.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from harness.contracts.appender import AppendingContract
from harness.contracts.noisefile import merge_learned, read_noise_file, render_noise_file
from harness.contracts.store import EXCHANGES_FILE, NOISE_FILE, iter_exchange_file, iter_jsonl
from harness.core.exchange import Exchange, Request, Response
from harness.core.http import SAFE_METHODS, with_fresh_request_ids
from harness.core.operations import Classifier, server_base_path
from harness.core.selection import AdminPaths
from harness.correlation import SEQUENCE, learn_correlations
from harness.record.interface import split_by_service
from harness.record.noise import GAP_S, Pair, learn_noise
from harness.record.redact import Redactor
from harness.record.writes import WriteWatch
from harness.transport.errors import Http1Error
from harness.transport.forwarding import (
    Forwarder,
    Incoming,
    Receive,
    Scope,
    Send,
    answer,
    lifespan,
    passed_back,
    read_incoming,
    stored_answer,
)
from harness.transport.http1 import ClientTls
from harness.transport.limits import AnswerLimits, limits_for

PAST_A_LIMIT = frozenset({"too_large", "too_slow"})
MAX_ASKS = 3  # a read asked again at most so often, for a pair with no write between


class ProxyRecorder:
    """Where proxied exchanges go: one appending contract per service."""

    def __init__(
        self,
        out: Path,
        upstream: str,
        document: dict[str, Any] | None,
        redactor: Redactor,
        provenance: dict[str, Any],
        admin: AdminPaths | None = None,
    ) -> None:
        self.out = out
        self.admin = admin if admin is not None else AdminPaths()
        self.base_path = server_base_path(document) if document else ""
        self.redactor = redactor
        self.provenance = provenance
        self.classifier = Classifier(document, upstream)
        self.interfaces = split_by_service(document) if document else {}
        self.contracts: dict[str, AppendingContract] = {}
        self.pairs: dict[str, list[Pair]] = {}
        self.warnings: list[str] = []
        self.straddled = 0  # repeated reads left out of the noise model (a write between)
        self.sequence = _last_sequence(out)  # a restarted proxy goes on counting

    def classify(self, request: Request) -> tuple[str, str]:
        return self.classifier.classify(request)

    def learn(self, request: Request, first: Response, second: Response) -> None:
        """Two answers to the same safe request: material for the service's noise model."""
        service, operation = self.classify(request)
        label = f"{request.method} {request.path}"
        self.pairs.setdefault(service, []).append(Pair(operation, first, second, label=label))

    def record(self, request: Request, response: Response) -> None:
        if self.admin.matches(request.path, self.base_path):
            self.not_recorded(request.method, request.path, "an admin endpoint")
            return
        service, operation = self.classify(request)
        contract = self.contracts.get(service)
        if contract is None:
            contract = self.contracts[service] = AppendingContract(
                self.out / service, service, self.interfaces.get(service, {}), self.provenance
            )
        self.sequence += 1
        exchange = Exchange(
            # Numbered across services (as the sequence is): ids are unique in a contracts
            # directory, which results, --only and --resume rely on.
            id=f"proxy-{self.sequence:06d}",
            service=service,
            operation=operation,
            request=request,
            response=response,
            source="proxy",
            meta={SEQUENCE: self.sequence},  # its place in the recording, across services
        )
        contract.append(self.redactor.exchange(exchange))

    def not_learned(self) -> None:
        """A repeated read left out of the noise model: a write came between its answers."""
        self.straddled += 1

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
        if self.straddled:
            self.warnings.append(
                f"{self.straddled} repeated read(s) not used for the noise model: a write reached "
                "the upstream between the two answers"
            )
            self.straddled = 0
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
    """The ASGI app: forward (`harness.transport.forwarding`, bytes passed through), answer the
    client, then record."""

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
        # mutual TLS with the upstream, when configured
        self._forwarder = Forwarder(self.upstream, self.limits, tls=tls)
        self._pending: set[asyncio.Task[None]] = set()
        self._writes = WriteWatch()

    async def close(self) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=self.limits.total_timeout_s)
        await self._forwarder.aclose()

    async def _stop(self) -> None:
        """Close the upstream session (after the pending noise requests), then write."""
        await self.close()
        self.recorder.finish()

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Close upstream connections from another thread (the server's loop still running)."""
        loop = self._forwarder.loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(timeout_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, None, self._stop)
            return
        if scope["type"] != "http":
            return
        incoming = await read_incoming(scope, receive)
        method, target = incoming.method, incoming.target
        safe = method in SAFE_METHODS
        mark = self._writes.mark() if safe else None
        if not safe:
            self._writes.began()
        try:
            got = await self._forwarder.forward(method, target, incoming.forwarded, incoming.body)
        except Http1Error as error:
            if error.kind in PAST_A_LIMIT:
                self.recorder.not_recorded(method, target, f"upstream {error}")
                text = f"harness proxy: upstream {error}; not passed on, not recorded\n"
            else:
                text = f"harness proxy: upstream failed: {error}\n"
            await answer(send, 502, [("content-type", "text/plain")], text.encode())
            return
        finally:
            if not safe:
                self._writes.ended()  # answered (or failed): its effect, if any, has landed
        await answer(send, got.status, passed_back(method, got.headers, got.payload), got.payload)
        request = incoming.request()
        try:
            first = stored_answer(got, self.limits)
        except Http1Error as error:  # decodes past max_decoded_bytes: passed on, never stored
            self.recorder.not_recorded(method, target, f"upstream {error}")
            return
        self.recorder.record(request, first)
        if self.learn and safe:
            task = asyncio.ensure_future(self._again(request, incoming, first, mark))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _again(
        self, request: Request, incoming: Incoming, first: Response, mark: int | None
    ) -> None:
        """The same safe request once more, later, with a fresh request id: noise material.
        When a write reached the upstream between the two answers, the later answer is paired
        with one more, asked `gap_s` after it (at most `MAX_ASKS` in all): two answers with no
        write between them."""
        previous = first
        for _ in range(MAX_ASKS):
            await asyncio.sleep(self.gap_s)
            sent_mark = self._writes.mark()
            again = list(
                with_fresh_request_ids(tuple(incoming.forwarded), lambda: str(uuid.uuid4()))
            )
            try:
                got = await self._forwarder.forward(
                    request.method, incoming.target, again, request.body
                )
                answer = stored_answer(got, self.limits)
            except Http1Error:
                return  # no answer (or one past a limit), nothing learned
            if self._writes.clean_since(mark):
                self.recorder.learn(request, previous, answer)
                return
            previous, mark = answer, sent_mark
        self.recorder.not_learned()
