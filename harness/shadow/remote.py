"""The mirror in a process of its own: the request path only hands the exchange over.

Sending a copy to the shadow, judging the pair and storing the result cost the proxy's event
loop a few hundred microseconds of CPU per request, and on a busy machine they compete with the
forwarding itself (the tail of the consumers' latency). `RemoteMirror` runs the very same
`Mirror` in a child process (spawned, at a lower scheduling priority: `nice`), and the proxy's
offer becomes one write on a local socket: the exchange as a tuple of plain values, pickled
(about a microsecond), framed by its length. When the socket's buffer holds more than
`buffer_bytes` (the child is behind), the exchange is **shed** and counted, as when the
in-process queue is full: the offer never waits.

Messages, each a length-prefixed pickle of a tuple:

    parent -> child   ("offer", exchange) | ("settle", token, timeout_s, flush, writes_only)
                      | ("stop",)
    child -> parent   ("settled", token, ok) | ("stats", counts)

`settled()` and `stop()` are the in-process mirror's: a gate waits until everything offered
before it is judged and stored; a stop drains the child's queue into its store and brings its
counts back. The child is told nothing it could not be told on the command line: its mirror is
built from a picklable `MirrorConfig`, interface document, noise models, policy and redactor.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import pickle
import socket
import struct
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from harness.core.exchange import Request
from harness.core.policy import Policy
from harness.core.rules import NoiseModel
from harness.engine import Consumer
from harness.record.redact import Redactor
from harness.shadow.mirror import Mirror, MirrorConfig, MirrorSide
from harness.shadow.source import Mirrored
from harness.transport.forwarding import Forwarded

HEADER = struct.Struct(">I")
BUFFER_BYTES = 16 * 2**20  # handed over but not yet read by the child, at most
NICE = 5  # the child's scheduling priority below the proxy's


def encoded(item: Mirrored) -> bytes:
    request, primary = item.request, item.primary
    values = (
        item.at.timestamp(),
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body,
        primary.status,
        primary.headers,
        primary.payload,
        primary.elapsed_ms,
        item.partition,
        item.write,
    )
    return _frame(("offer", values))


def decoded(values: tuple[Any, ...]) -> Mirrored:
    at, method, path, query, headers, body, status, answer, payload, elapsed, partition, write = (
        values
    )
    return Mirrored(
        datetime.fromtimestamp(at, UTC),
        Request(method, path, query, headers, body),
        Forwarded(status, answer, payload, elapsed),
        partition,
        write,
    )


def _frame(message: tuple[Any, ...]) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


async def _read(reader: asyncio.StreamReader) -> tuple[Any, ...] | None:
    try:
        head = await reader.readexactly(HEADER.size)
        message: tuple[Any, ...] = pickle.loads(await reader.readexactly(HEADER.unpack(head)[0]))
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return message


class RemoteMirror:
    """A `Mirror` in a child process, offered to from this one (see the module)."""

    def __init__(
        self,
        config: MirrorConfig,
        *,
        document: Mapping[str, Any] | None = None,
        noise: Mapping[str, NoiseModel] | None = None,
        policy: Policy | None = None,
        redactor: Redactor | None = None,
        buffer_bytes: int = BUFFER_BYTES,
        nice: int = NICE,
    ) -> None:
        self.config = config
        self._build = (config, dict(document or {}) or None, dict(noise or {}), policy, redactor)
        self.buffer_bytes = buffer_bytes
        self.nice = nice
        self.offered = 0
        self.shed = 0
        self.child_stats: dict[str, object] = {}
        self.started = datetime.now(UTC)
        self._process: Any = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader: asyncio.StreamReader | None = None
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._tokens = itertools.count(1)
        self._listener: asyncio.Future[None] | None = None
        self._stopped: asyncio.Future[dict[str, object]] | None = None

    async def start(self) -> None:
        self.started = datetime.now(UTC)
        ours, theirs = socket.socketpair()
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(
            target=_child, args=(theirs, self._build, self.nice), daemon=True
        )
        self._process.start()
        theirs.close()
        self._reader, self._writer = await asyncio.open_unix_connection(sock=ours)
        self._stopped = asyncio.get_running_loop().create_future()
        self._listener = asyncio.ensure_future(self._listen())

    def offer(self, item: Mirrored) -> bool:
        """Hand one exchange to the child, never waiting; False (shed) when it is behind."""
        self.offered += 1
        writer = self._writer
        if writer is None or writer.is_closing():
            self.shed += 1
            return False
        if writer.transport.get_write_buffer_size() > self.buffer_bytes:
            self.shed += 1
            return False
        writer.write(encoded(item))
        return True

    async def settled(
        self, timeout_s: float = 60.0, flush: bool = True, writes_only: bool = False
    ) -> bool:
        """Everything handed over so far judged (only the dual writes: `writes_only`; and,
        with `flush`, stored) by the child."""
        if self._writer is None:
            return True
        token = next(self._tokens)
        waiting = asyncio.get_running_loop().create_future()
        self._waiting[token] = waiting
        self._writer.write(_frame(("settle", token, timeout_s, flush, writes_only)))
        try:
            return await asyncio.wait_for(waiting, timeout_s + 5)
        except TimeoutError:
            return False
        finally:
            self._waiting.pop(token, None)

    async def stop(self) -> None:
        """The child drains its queue into its store, says its counts, and ends."""
        if self._writer is None:
            return
        self._writer.write(_frame(("stop",)))
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()
        if self._stopped is not None:
            with contextlib.suppress(TimeoutError):
                self.child_stats = await asyncio.wait_for(
                    asyncio.shield(self._stopped), self.config.drain_timeout_s + 30
                )
        self._writer.close()
        self._writer = None
        if self._process is not None:
            await asyncio.to_thread(self._process.join, 30)
            if self._process.is_alive():
                self._process.kill()
        if self._listener is not None:
            self._listener.cancel()

    def stats(self) -> dict[str, object]:
        counts = dict(self.child_stats)
        counts["offered"] = self.offered
        counts["shed"] = self.shed + int(str(counts.get("shed", 0)))
        return counts

    async def _listen(self) -> None:
        assert self._reader is not None
        while True:
            message = await _read(self._reader)
            if message is None:
                break
            if message[0] == "settled":
                waiting = self._waiting.get(message[1])
                if waiting is not None and not waiting.done():
                    waiting.set_result(bool(message[2]))
            elif message[0] == "stats" and self._stopped is not None and not self._stopped.done():
                self._stopped.set_result(dict(message[1]))
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result({})


def open_mirror(
    config: MirrorConfig,
    *,
    process: bool,
    document: Mapping[str, Any] | None = None,
    noise: Mapping[str, NoiseModel] | None = None,
    policy: Policy | None = None,
    redactor: Redactor | None = None,
    consumers: tuple[Consumer, ...] = (),
    today: date | None = None,
) -> MirrorSide:
    """The mirror in this process's event loop, or (`process`) in a child process of its own
    (then nothing but its store consumes its results)."""
    if process:
        if consumers:
            raise ValueError("a mirror in its own process has no consumers but its store")
        return RemoteMirror(
            config, document=document, noise=noise, policy=policy, redactor=redactor
        )
    return Mirror(
        config,
        document=document,
        noise=noise,
        policy=policy,
        redactor=redactor,
        consumers=consumers,
        today=today,
    )


def _child(sock: socket.socket, build: tuple[Any, ...], nice: int) -> None:
    with contextlib.suppress(OSError):
        os.nice(nice)
    asyncio.run(_serve(sock, build))


async def _serve(sock: socket.socket, build: tuple[Any, ...]) -> None:
    config, document, noise, policy, redactor = build
    mirror = Mirror(config, document=document, noise=noise, policy=policy, redactor=redactor)
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    await mirror.start()
    pending: set[asyncio.Task[None]] = set()

    async def settle(token: int, timeout_s: float, flush: bool, writes_only: bool) -> None:
        ok = await mirror.settled(timeout_s, flush, writes_only)
        writer.write(_frame(("settled", token, ok)))

    while True:
        message = await _read(reader)
        if message is None or message[0] == "stop":
            break
        if message[0] == "offer":
            mirror.offer(decoded(message[1]))
        elif message[0] == "settle":
            task = asyncio.ensure_future(settle(*message[1:]))
            pending.add(task)
            task.add_done_callback(pending.discard)
    await mirror.stop()
    with contextlib.suppress(ConnectionError):
        writer.write(_frame(("stats", mirror.stats())))
        await writer.drain()
        writer.close()
