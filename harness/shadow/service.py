"""One shadow run, wired: the proxy, the mirror's engine and the store, in one event loop.

`ShadowService(...).app` is the ASGI app to serve (with the lifespan on): at startup the engine
starts pulling mirrored units (`ShadowSource.arrivals`) with `concurrency` workers, and the
store's clock ticks; at shutdown the intake closes, every unit already queued is sent, judged
and stored (within `drain_timeout_s`), the store is flushed, the connections are closed, and
the run's counts (offered, shed, judged, stored...) are written beside the days as
`shadow-run-<start>.json`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from harness.core.exchange import Exchange, Request, Response
from harness.core.operations import Classifier
from harness.core.origins import Origins
from harness.core.policy import Policy, WaiverBook
from harness.core.result import ResultDifference, ResultRecord
from harness.core.rules import NoiseModel
from harness.engine import Consumer, Judge, RehearsalStarted, Runner, phases_of
from harness.engine.reproducer import curl_command
from harness.record.redact import Redactor
from harness.shadow.correlation import Correlation
from harness.shadow.proxy import ShadowProxy
from harness.shadow.source import QUEUE_CAPACITY, CorrelatingTransport, MirrorRules, ShadowSource
from harness.shadow.store import FLUSH_ROWS, FLUSH_SECONDS, RETAIN_DAYS, StoreWriter
from harness.transport.forwarding import Forwarder
from harness.transport.http1 import ClientTls
from harness.transport.limits import DEFAULT_LIMITS, AnswerLimits
from harness.transport.signed import TargetAccess, connect

DEFAULT_RULES = MirrorRules()
_NO_ANSWER = Response(0)


@dataclass(frozen=True, slots=True)
class ShadowConfig:
    primary: str
    shadow: str
    store: Path | None = None
    rules: MirrorRules = DEFAULT_RULES
    limits: AnswerLimits = DEFAULT_LIMITS  # the primary's answers ([targets.<primary>])
    shadow_limits: AnswerLimits | None = None  # the shadow's (default: `limits`)
    primary_tls: ClientTls | None = None  # a client certificate for the primary
    shadow_access: TargetAccess | None = None  # the shadow's credentials provider and certificate
    capacity: int = QUEUE_CAPACITY  # mirrored requests waiting for the shadow, at most
    concurrency: int = 8  # mirrored requests in flight to the shadow, at most
    clock_header: str | None = None
    retain_days: int = RETAIN_DAYS
    flush_rows: int = FLUSH_ROWS
    flush_seconds: float = FLUSH_SECONDS
    drain_timeout_s: float = 60.0


class ShadowService:
    def __init__(
        self,
        config: ShadowConfig,
        *,
        document: Mapping[str, Any] | None = None,
        noise: Mapping[str, NoiseModel] | None = None,
        policy: Policy | None = None,
        redactor: Redactor | None = None,
        consumers: Sequence[Consumer] = (),
        today: date | None = None,
    ) -> None:
        self.config = config
        self.redactor = redactor or Redactor()
        self.source = ShadowSource(
            Classifier(document, config.primary),
            noise or {},
            config.limits,
            config.rules,
            capacity=config.capacity,
            correlation=Correlation(),
        )
        self.primary = Forwarder(config.primary, config.limits, tls=config.primary_tls)
        # the mirrored copy carries the consumer's own credentials unless the shadow has a
        # provider, which signs each copy itself (harness.auth)
        self.shadow = connect(
            config.shadow,
            "shadow",
            access=config.shadow_access,
            limits=config.shadow_limits or config.limits,
        )
        policy = policy or Policy()
        waivers = WaiverBook(policy.waivers, today or date.today())
        origins = Origins(candidate=config.shadow, legacy=config.primary)
        judge = Judge(self.source.noise(), waivers, self._reproducer, origins=origins)
        self.writer: StoreWriter | None = None
        if config.store is not None:
            self.writer = StoreWriter(
                config.store,
                self.source.stamp,
                flush_rows=config.flush_rows,
                flush_seconds=config.flush_seconds,
                retain_days=config.retain_days,
                redact=self._redacted,
            )
        self.runner = Runner(
            judge,
            CorrelatingTransport(self.shadow, self.source),
            None,
            [*([self.writer] if self.writer else []), *consumers],
            concurrency=config.concurrency,
        )
        self.app = ShadowProxy(
            self.primary,
            self.source,
            clock_header=config.clock_header,
            on_start=self.start,
            on_stop=self.stop,
        )
        self._engine: asyncio.Future[bool] | None = None
        self._started = datetime.now(UTC)
        self._ticker: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self._started = datetime.now(UTC)
        _, phases = phases_of([self.source])
        targets = {"candidate": self.config.shadow, "legacy": self.config.primary}
        started = RehearsalStarted("shadow", self.config.store, targets)
        self._engine = asyncio.ensure_future(self.runner.run(phases, started))
        if self.writer is not None:
            self._ticker = asyncio.ensure_future(self._tick(self.writer))

    async def stop(self) -> None:
        """Close the intake, drain what was received, flush, close the connections."""
        self.source.close()
        if self._engine is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._engine), self.config.drain_timeout_s)
            except TimeoutError:
                self._engine.cancel()  # the runner still finishes its consumers (flush)
                with contextlib.suppress(asyncio.CancelledError):
                    await self._engine
        if self._ticker is not None:
            self._ticker.cancel()
        await self.primary.aclose()
        await self.shadow.aclose()
        if self.config.store is not None:
            self.config.store.mkdir(parents=True, exist_ok=True)
            path = self.config.store / f"shadow-run-{self._started:%Y%m%d-%H%M%S}.json"
            path.write_bytes(orjson.dumps(self.stats(), option=orjson.OPT_INDENT_2))

    def stats(self) -> dict[str, object]:
        return {
            **self.source.stats.to_dict(),
            "answered": self.app.answered,
            "primary_failed": self.app.primary_failed,
            "judged": self.runner.compared,
            "stored": self.writer.written if self.writer else 0,
        }

    async def _tick(self, writer: StoreWriter) -> None:
        while True:
            await asyncio.sleep(1.0)
            writer.tick()

    def _reproducer(self, exchange: Exchange, sent: Request) -> str:
        """The request as the shadow got it (the primary's ids replaced by its own)."""
        shown = self.source.correlation.rewrite(sent)
        return curl_command(self.shadow.url_for(shown), shown)

    def _redacted(self, record: ResultRecord) -> ResultRecord:
        """What the store keeps: the request redacted as a recording is, values swept."""
        redactor = self.redactor
        request = redactor.request(record.request)
        differences = tuple(
            ResultDifference(
                d.path, d.kind, _swept(redactor, d.legacy), _swept(redactor, d.candidate), d.waiver
            )
            for d in record.differences
        )
        reproducer = record.reproducer
        if request != record.request:
            reproducer = self._reproducer(Exchange("", "", "", request, _NO_ANSWER), request)
        return replace(record, request=request, differences=differences, reproducer=reproducer)


def _swept(redactor: Redactor, value: object) -> object:
    return redactor.sweep_text(value) if isinstance(value, str) else value
