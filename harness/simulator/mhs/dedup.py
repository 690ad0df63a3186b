"""Duplicate elimination: a message id seen within the persist duration is not processed again.

The receiving MSH remembers each reliable message id for the directory's persist duration,
measured on the messaging clock from when it first arrived. A resend inside that window is
acknowledged again and nothing else happens; after it, the id is forgotten and the message is
new. Pure apart from its own memory.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta


class DuplicateEliminator:
    def __init__(self) -> None:
        self._first_seen: dict[str, datetime] = {}
        self._forget: list[tuple[datetime, str]] = []

    def is_duplicate(self, message_id: str, now: datetime) -> bool:
        self._prune(now)
        return message_id.upper() in self._first_seen

    def remember(self, message_id: str, now: datetime, persist: timedelta) -> None:
        key = message_id.upper()
        if key not in self._first_seen:
            self._first_seen[key] = now
            heapq.heappush(self._forget, (now + persist, key))

    def _prune(self, now: datetime) -> None:
        while self._forget and self._forget[0][0] <= now:
            _, key = heapq.heappop(self._forget)
            self._first_seen.pop(key, None)
