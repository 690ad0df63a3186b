"""Service notifications: the status feed the facade serves, and the webhooks told the same.

Each event of the rehearsal (its start and end, the start and end of each phase, each switch,
state check, gate decision and rollback) is one **entry**: a sequence number, the time, the
event, the phase and what there is to say. The feed (`GET /_cutover/status` on the facade)
lists every entry so far, as connected systems and service desks were told in 2014; each entry
whose event the plan's `notifications.events` names is also POSTed to every webhook
(`harness.monitor.webhook`, as a monitor's breach is), as `{"event": "harness.cutover.<event>",
...}`. A webhook that fails is noted on the entry (`delivery`), never fatal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from harness.monitor.webhook import post_document

FEED_FORMAT_VERSION = 1
Poster = Callable[[str, dict[str, object]], Awaitable[str | None]]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StatusFeed:
    def __init__(
        self,
        plan: str,
        webhooks: Sequence[str] = (),
        events: Sequence[str] = (),
        poster: Poster | None = None,
    ) -> None:
        self.plan = plan
        self.webhooks = tuple(webhooks)
        self.events = frozenset(events)
        self.entries: list[dict[str, Any]] = []
        self.state = "waiting"
        self._poster = poster or post_document
        self._deliveries: set[asyncio.Task[None]] = set()

    def publish(self, event: str, phase: str | None = None, **detail: object) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "seq": len(self.entries) + 1,
            "at": _now(),
            "event": event,
            "phase": phase,
            **detail,
        }
        self.entries.append(entry)
        if self.webhooks and event in self.events:
            task = asyncio.ensure_future(self._deliver(entry))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        return entry

    async def _deliver(self, entry: dict[str, Any]) -> None:
        document = {**entry, "event": f"harness.cutover.{entry['event']}", "plan": self.plan}
        problems = [
            problem
            for problem in await asyncio.gather(
                *(self._poster(url, document) for url in self.webhooks)
            )
            if problem is not None
        ]
        entry["delivery"] = problems or "delivered"

    async def delivered(self, timeout_s: float = 30.0) -> None:
        """Wait for the webhooks still being told (at the end of a rehearsal)."""
        if self._deliveries:
            await asyncio.wait(list(self._deliveries), timeout=timeout_s)

    def document(self, since: int = 0) -> dict[str, Any]:
        return {
            "format_version": FEED_FORMAT_VERSION,
            "plan": self.plan,
            "state": self.state,
            "entries": [entry for entry in self.entries if entry["seq"] > since],
        }
