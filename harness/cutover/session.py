"""One cutover rehearsal, wired: the facade, its two mirrors and their stores, the executor,
the consumers' load, and the outputs.

`CutoverSession(config).app` is the ASGI app to serve with the lifespan on. At startup both
mirrors start (the candidate shadowing legacy, legacy shadowing the candidate, each with its
store under the run directory), the consumers' load starts against `url` when there is one,
and once the facade has served its first requests (or after `warmup_s`) the executor runs the
plan. When it has finished and the consumers have stopped, `finished` is set (the command line
then stops the server). At shutdown the mirrors drain into their stores, and `cutover.json` and
`report.html` are written into the run directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.core.operations import Classifier
from harness.core.policy import Policy
from harness.core.rules import NoiseModel
from harness.cutover.document import cutover_document, exit_code_of
from harness.cutover.executor import Executor, Sides
from harness.cutover.facade import CutoverFacade
from harness.cutover.feed import StatusFeed
from harness.cutover.plan import Plan
from harness.cutover.report import write_report
from harness.cutover.routing import Side
from harness.load.process import ConsumerLoad, LoadConfig
from harness.record.redact import Redactor
from harness.shadow.mirror import MirrorConfig, MirrorSide
from harness.shadow.remote import open_mirror
from harness.transport.forwarding import Forwarder
from harness.transport.limits import DEFAULT_LIMITS, AnswerLimits

STORES: dict[Side, str] = {"candidate": "mirror-candidate", "legacy": "mirror-legacy"}


@dataclass(frozen=True, slots=True)
class CutoverConfig:
    plan: Plan
    legacy: str
    candidate: str
    out: Path  # the run directory
    document: Mapping[str, Any] | None = None  # the interface that names operations
    noise: Mapping[str, NoiseModel] = field(default_factory=dict)
    limits: AnswerLimits = DEFAULT_LIMITS
    load: LoadConfig | None = None
    webhooks: tuple[str, ...] = ()  # beside the plan's
    concurrency: int = 16  # mirrored requests in flight to each shadowing side
    capacity: int = 2_000  # mirrored requests waiting, per side
    warmup_s: float = 5.0
    flush_seconds: float = 1.0
    drain_timeout_s: float = 60.0  # what the mirrors may still send once the rehearsal ends
    mirror_process: bool = False  # each mirror in a child process (`harness.shadow.remote`)
    redactor: Redactor | None = None  # what the mirrors' stores never keep (default: defaults)


class CutoverSession:
    def __init__(self, config: CutoverConfig) -> None:
        self.config = config
        plan = config.plan
        self.url = ""  # the facade's own URL, for the consumers (set before serving)
        waivers = tuple(w for phase in plan.phases for w in phase.gate.policy.waivers)
        self.stores: dict[Side, Path] = {side: config.out / name for side, name in STORES.items()}
        self.mirrors: dict[Side, MirrorSide] = {
            shadow: open_mirror(
                MirrorConfig(
                    primary=config.candidate if shadow == "legacy" else config.legacy,
                    shadow=_url(config, shadow),
                    store=self.stores[shadow],
                    limits=config.limits,
                    shadow_name=shadow,
                    capacity=config.capacity,
                    concurrency=config.concurrency,
                    flush_seconds=config.flush_seconds,
                    drain_timeout_s=config.drain_timeout_s,
                ),
                process=config.mirror_process,
                document=config.document,
                noise=config.noise,
                policy=Policy(waivers=_unique(waivers)),
                redactor=config.redactor,
            )
            for shadow in ("candidate", "legacy")
        }
        hooks = (*plan.notifications.webhooks, *config.webhooks)
        self.feed = StatusFeed(plan.name, hooks, plan.notifications.events)
        checks = [phase.state.check for phase in plan.phases if phase.state.check is not None]
        self.facade = CutoverFacade(
            Forwarder(config.legacy, config.limits),
            Forwarder(config.candidate, config.limits),
            dict(self.mirrors),
            Classifier(config.document, config.legacy),
            self.feed,
            consumer_header=plan.consumer_header,
            remember=lambda service, operation: any(
                c.remembers(service, operation) for c in checks
            ),
        )
        self.facade.on_start = self._start
        self.facade.on_stop = self._stop
        self.app = self.facade
        self.executor = Executor(
            plan,
            self.facade,
            Sides(
                config.legacy,
                config.candidate,
                self.stores,
                {side: mirror.settled for side, mirror in self.mirrors.items()},
            ),
        )
        self.load = ConsumerLoad(config.load) if config.load is not None else None
        self.consumers: dict[str, Any] | None = None
        self.document: dict[str, Any] | None = None
        self.finished = threading.Event()
        self.on_finished: Callable[[], None] | None = None
        self.failure: BaseException | None = None
        self._task: asyncio.Future[None] | None = None

    @property
    def exit_code(self) -> int:
        return exit_code_of(self.executor.runs)

    async def _start(self) -> None:
        self.config.out.mkdir(parents=True, exist_ok=True)
        self.executor.prepare()  # before the facade's first request
        for mirror in self.mirrors.values():
            await mirror.start()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            if self.load is not None:
                await self.load.start(self.url)
            deadline = time.monotonic() + self.config.warmup_s
            while self.facade.log.total == 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await self.executor.run()
            if self.load is not None:
                self.consumers = await self.load.finished()
        except Exception as error:  # recorded, reported, and the server still stops
            self.failure = error
            raise
        finally:
            self.finished.set()
            if self.on_finished is not None:
                self.on_finished()

    async def _stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.load is not None:
            self.load.stop_now()
        for mirror in self.mirrors.values():
            await mirror.stop()
        for forwarder in self.facade.forwarders.values():
            await forwarder.aclose()
        self.document = await asyncio.to_thread(
            cutover_document,
            self.config.plan,
            (self.config.legacy, self.config.candidate),
            self.executor,
            self.facade,
            self.stores,
            {side: mirror.stats() for side, mirror in self.mirrors.items()},
            self.consumers,
        )
        out = self.config.out
        (out / "cutover.json").write_bytes(orjson.dumps(self.document, option=orjson.OPT_INDENT_2))
        (out / "status-feed.json").write_bytes(
            orjson.dumps(self.feed.document(), option=orjson.OPT_INDENT_2)
        )
        write_report(self.document, out / "report.html")


def _url(config: CutoverConfig, side: Side) -> str:
    return config.legacy if side == "legacy" else config.candidate


def _unique(waivers: tuple[Any, ...]) -> tuple[Any, ...]:
    seen: dict[str, Any] = {}
    for waiver in waivers:
        seen.setdefault(waiver.id, waiver)
    return tuple(seen.values())
