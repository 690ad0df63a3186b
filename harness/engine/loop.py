"""Running the engine on an event loop: uvloop when available, Ctrl-C cancelling cleanly.

`HARNESS_LOOP=asyncio` chooses the standard loop (uvloop is the default: it comes with
uvicorn[standard] and costs the harness less CPU per exchange).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop to run on: uvloop unless `HARNESS_LOOP=asyncio`."""
    if os.environ.get("HARNESS_LOOP", "uvloop") == "uvloop":
        try:
            import uvloop
        except ImportError:  # pragma: no cover - uvloop is a dependency via uvicorn[standard]
            return None
        return uvloop.new_event_loop
    return None


def run_cancellable(
    work: Callable[[], Coroutine[Any, Any, T]],
    *,
    cleanup: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """Run `work()` to its end; the first SIGINT or SIGTERM cancels it (the coroutine sees
    CancelledError and ends cleanly), a second one kills. `cleanup` runs in the loop after."""

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, _cancel_once, loop, task)
            loop.add_signal_handler(signal.SIGTERM, _cancel_once, loop, task)
        try:
            return await work()
        finally:
            if cleanup is not None:
                await cleanup()

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main())


def _cancel_once(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    loop.remove_signal_handler(signal.SIGINT)
    loop.remove_signal_handler(signal.SIGTERM)
    task.cancel()
