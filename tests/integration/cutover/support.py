"""A cutover rehearsal served for real on loopback, two small upstreams that say who answered,
consumers in threads, and a webhook receiver."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.cutover.planfile import load_plan
from harness.cutover.session import CutoverConfig, CutoverSession
from harness.serving import ThreadServer, serve_in_thread

PLAN_DEFAULTS: dict[str, Any] = {
    "observe_s": 1,
    "soak_s": 2.5,
    "gate": {"window_s": 2, "policy": {"thresholds": {"*": 100}, "availability": {"*": 99.9}}},
    "budget": {"switch_s": 5, "rollback_s": 5},
}


@dataclass
class Side:
    """An upstream that answers with its name and counts the request ids it was sent."""

    name: str
    differs: bool = False  # answer something the other side does not (a failing gate)
    write_wait: float = 0.0  # seconds this side takes over each POST (a slow mirror target)
    seen: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def answer(request: Request) -> Response:
            body = await request.body()
            wait = float(request.query_params.get("wait", "0"))
            if request.method == "POST":
                wait += self.write_wait
            if wait:
                await asyncio.sleep(wait)
            ident = request.headers.get("x-request-id", "")
            with self.lock:
                self.seen[ident] += 1
            said = {"path": request.url.path, "length": len(body)}
            if self.differs:
                said["build"] = "new"
            return JSONResponse(said, headers={"x-side": self.name})

        return Starlette(routes=[Route("/{rest:path}", answer, methods=["GET", "POST"])])


def write_plan(tmp_path: Path, phases: list[dict[str, Any]], **top: Any) -> Path:
    document = {
        "format_version": 1,
        "name": "test",
        "defaults": PLAN_DEFAULTS,
        "settle_s": 0.5,
        "phases": phases,
        **top,
    }
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@contextlib.contextmanager
def upstreams(*sides: Side) -> Iterator[list[ThreadServer]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(serve_in_thread(side.app())) for side in sides]


@contextlib.contextmanager
def rehearsal(
    plan: Path,
    legacy: str,
    candidate: str,
    out: Path,
    document: Mapping[str, Any] | None = None,
    **config: Any,
) -> Iterator[tuple[str, CutoverSession]]:
    """(the facade's URL, its session) while it runs; on exit the server has stopped and the
    outputs are written."""
    session = CutoverSession(
        CutoverConfig(load_plan(plan), legacy, candidate, out, document, warmup_s=10, **config)
    )
    with serve_in_thread(session.app, lifespan="on") as facade:
        session.url = facade.url
        yield facade.url, session


@dataclass
class Consumers:
    """Threads sending requests to the facade until stopped; every answer kept by request id."""

    url: str
    paths: tuple[tuple[str, str], ...]  # (method, path)
    threads: int = 6
    name: str = "consumer"  # consumers are {name}-{n}, their request ids {name[0]}{n}-{count}
    answers: dict[str, tuple[int, str]] = field(default_factory=dict)  # id -> (status, side)
    began: dict[str, float] = field(default_factory=dict)  # id -> when it was sent (epoch)
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, number: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            count = 0
            while not self._stop.is_set():
                method, path = self.paths[count % len(self.paths)]
                ident = f"{self.name[0]}{number}-{count}"
                count += 1
                with self._lock:
                    self.sent += 1
                    self.began[ident] = time.time()
                try:
                    got = client.request(
                        method,
                        path,
                        headers={
                            "x-request-id": ident,
                            "x-harness-consumer": f"{self.name}-{number}",
                        },
                        content=b"{}" if method == "POST" else None,
                    )
                except httpx.HTTPError as error:
                    self.failures.append(f"{ident}: {error}")
                    continue
                with self._lock:
                    if ident in self.answers:
                        self.failures.append(f"{ident}: answered twice")
                    self.answers[ident] = (got.status_code, got.headers.get("x-side", ""))
                time.sleep(0.005)

    @contextlib.contextmanager
    def running(self) -> Iterator[Consumers]:
        workers = [
            threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(self.threads)
        ]
        for worker in workers:
            worker.start()
        try:
            yield self
        finally:
            self._stop.set()
            for worker in workers:
                worker.join(timeout=60)


def wait_finished(session: CutoverSession, timeout_s: float = 120.0) -> None:
    assert session.finished.wait(timeout_s), "the rehearsal did not finish"
    assert session.failure is None, session.failure


class Webhook:
    """A real HTTP receiver of the notifications."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

        async def hook(request: Request) -> Response:
            self.received.append(await request.json())
            return Response(status_code=204)

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
