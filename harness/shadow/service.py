"""One shadow run, wired: the proxy, the mirror's engine and the store, in one event loop.

`ShadowService(...).app` is the ASGI app to serve (with the lifespan on): at startup the mirror
(`harness.shadow.mirror`) starts pulling mirrored units (`ShadowSource.arrivals`) with
`concurrency` workers, and the store's clock ticks; at shutdown the intake closes, every unit
already queued is sent, judged and stored (within `drain_timeout_s`), the store is flushed, the
connections are closed, and the run's counts (offered, shed, judged, stored...) are written
beside the days as `shadow-run-<start>.json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from harness.core.policy import Policy
from harness.core.rules import NoiseModel
from harness.engine import Consumer
from harness.record.redact import Redactor
from harness.shadow.mirror import DEFAULT_RULES, MirrorConfig, MirrorSide
from harness.shadow.proxy import ShadowProxy
from harness.shadow.remote import open_mirror
from harness.shadow.source import QUEUE_CAPACITY, MirrorRules
from harness.shadow.store import FLUSH_ROWS, FLUSH_SECONDS, RETAIN_DAYS
from harness.transport.forwarding import Forwarder
from harness.transport.http1 import ClientTls
from harness.transport.limits import DEFAULT_LIMITS, AnswerLimits
from harness.transport.signed import TargetAccess


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
    mirror_process: bool = False  # send, judge and store in a child process (`shadow.remote`)

    def mirror(self) -> MirrorConfig:
        return MirrorConfig(
            self.primary,
            self.shadow,
            self.store,
            self.rules,
            self.limits,
            self.shadow_limits,
            self.shadow_access,
            capacity=self.capacity,
            concurrency=self.concurrency,
            retain_days=self.retain_days,
            flush_rows=self.flush_rows,
            flush_seconds=self.flush_seconds,
            drain_timeout_s=self.drain_timeout_s,
        )


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
        self.mirror: MirrorSide = open_mirror(
            config.mirror(),
            process=config.mirror_process,
            document=document,
            noise=noise,
            policy=policy,
            redactor=redactor,
            consumers=tuple(consumers),
            today=today,
        )
        self.primary = Forwarder(config.primary, config.limits, tls=config.primary_tls)
        self.app = ShadowProxy(
            self.primary,
            self.mirror,
            clock_header=config.clock_header,
            on_start=self.start,
            on_stop=self.stop,
        )

    async def start(self) -> None:
        await self.mirror.start()

    async def stop(self) -> None:
        """Close the intake, drain what was received, flush, close the connections."""
        await self.mirror.stop()
        await self.primary.aclose()
        if self.config.store is not None:
            self.config.store.mkdir(parents=True, exist_ok=True)
            path = self.config.store / f"shadow-run-{self.mirror.started:%Y%m%d-%H%M%S}.json"
            path.write_bytes(orjson.dumps(self.stats(), option=orjson.OPT_INDENT_2))

    def stats(self) -> dict[str, object]:
        mirrored = self.mirror.stats()
        return {
            **{k: v for k, v in mirrored.items() if k not in ("judged", "stored")},
            "answered": self.app.answered,
            "primary_failed": self.app.primary_failed,
            "judged": mirrored.get("judged", 0),
            "stored": mirrored.get("stored", 0),
        }
