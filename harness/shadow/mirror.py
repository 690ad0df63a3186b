"""The mirror: what happens to a consumer's exchange after the primary has answered it.

`Mirror.offer` takes one answered exchange (never waiting: queued, or shed when full); the
engine's runner sends it to the shadow (with the ids the shadow allocated mapped), the judge
compares the two answers (the contracts' noise models, the policy's waivers), and the store
writer keeps the result. The shadow proxy has one mirror; a cutover's facade has two, one per
direction (the candidate shadowing legacy, and legacy shadowing the candidate).

`settled()` waits until everything offered so far is judged and on disk: a gate reads the
store after it, so it sees every exchange of its window that was not shed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

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
from harness.shadow.source import (
    QUEUE_CAPACITY,
    CorrelatingTransport,
    Mirrored,
    MirrorRules,
    ShadowSource,
)
from harness.shadow.store import FLUSH_ROWS, FLUSH_SECONDS, RETAIN_DAYS, StoreWriter
from harness.transport.limits import DEFAULT_LIMITS, AnswerLimits
from harness.transport.signed import TargetAccess, connect

DEFAULT_RULES = MirrorRules()
_NO_ANSWER = Response(0)


@dataclass(frozen=True, slots=True)
class MirrorConfig:
    """One mirror: where copies go (`shadow`), whose answers they are compared with
    (`primary`, for naming operations), and where results are kept."""

    primary: str
    shadow: str
    store: Path | None = None
    rules: MirrorRules = DEFAULT_RULES
    limits: AnswerLimits = DEFAULT_LIMITS  # the primary's answers, as kept for comparison
    shadow_limits: AnswerLimits | None = None  # the shadow's (default: `limits`)
    shadow_access: TargetAccess | None = None  # the shadow's credentials provider and certificate
    shadow_name: str = "shadow"
    capacity: int = QUEUE_CAPACITY  # mirrored requests waiting for the shadow, at most
    concurrency: int = 8  # mirrored requests in flight to the shadow, at most
    retain_days: int = RETAIN_DAYS
    flush_rows: int = FLUSH_ROWS
    flush_seconds: float = FLUSH_SECONDS
    drain_timeout_s: float = 60.0


class MirrorSide(Protocol):
    """What the proxy and a cutover's executor need of a mirror, in this process or another."""

    started: datetime

    def offer(self, item: Mirrored) -> bool: ...

    async def start(self) -> None: ...

    async def settled(
        self, timeout_s: float = 60.0, flush: bool = True, writes_only: bool = False
    ) -> bool: ...

    async def stop(self) -> None: ...

    def stats(self) -> dict[str, object]: ...


class Mirror:
    def __init__(
        self,
        config: MirrorConfig,
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
            run=config.shadow_name,
        )
        # the mirrored copy carries the consumer's own credentials unless the shadow has a
        # provider, which signs each copy itself (harness.auth)
        self.shadow = connect(
            config.shadow,
            config.shadow_name,
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
        self._engine: asyncio.Future[bool] | None = None
        self._ticker: asyncio.Future[None] | None = None
        self.started = datetime.now(UTC)

    def offer(self, item: Mirrored) -> bool:
        return self.source.offer(item)

    async def start(self) -> None:
        self.started = datetime.now(UTC)
        _, phases = phases_of([self.source])
        targets = {"candidate": self.config.shadow, "legacy": self.config.primary}
        started = RehearsalStarted(self.config.shadow_name, self.config.store, targets)
        self._engine = asyncio.ensure_future(self.runner.run(phases, started))
        if self.writer is not None:
            self._ticker = asyncio.ensure_future(self._tick(self.writer))

    async def settled(
        self, timeout_s: float = 60.0, flush: bool = True, writes_only: bool = False
    ) -> bool:
        """Wait until every exchange offered so far is sent and judged (with `writes_only`, the
        dual writes among them), and (`flush`) stored; False on timeout."""
        mark = self.source.sequence
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not self.source.finished_through(mark, writes_only):
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.005)
        if flush and self.writer is not None:
            await asyncio.to_thread(self.writer.flush, True)
        return True

    async def stop(self) -> None:
        """Close the intake, drain what was received, flush, close the connection."""
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
        await self.shadow.aclose()

    def stats(self) -> dict[str, object]:
        return {
            **self.source.stats.to_dict(),
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
