"""Reliability from the directory: the one source of the retry count, interval and persist
duration, read from the SDS MHS record of each interaction (never configured twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from harness.simulator.durations import parse_duration
from harness.simulator.sds.directory import Directory, MessageHandler

SPINE_ODS = "YES"


@dataclass(frozen=True, slots=True)
class Reliability:
    retries: int  # resends after the first attempt
    retry_interval: timedelta
    persist_duration: timedelta  # how long a message id is remembered for duplicates
    ack_requested: bool
    duplicate_elimination: bool
    sync_reply_mode: str


def spine_handler(directory: Directory, interaction_id: str) -> MessageHandler:
    """The Spine's MHS record for an interaction (KeyError when the directory has none)."""
    handlers = directory.find_handlers(SPINE_ODS, interaction_id)
    if not handlers:
        raise KeyError(f"the directory has no Spine MHS record for {interaction_id}")
    return handlers[0]


def reliability_of(handler: MessageHandler) -> Reliability:
    settings = handler.reliability
    if settings is None:
        return Reliability(0, timedelta(0), timedelta(0), False, False, "None")
    return Reliability(
        retries=settings.retries or 0,
        retry_interval=parse_duration(settings.retry_interval or "PT0S"),
        persist_duration=parse_duration(settings.persist_duration or "PT0S"),
        ack_requested=settings.ack_requested.lower() == "always",
        duplicate_elimination=settings.duplicate_elimination.lower() == "always",
        sync_reply_mode=settings.sync_reply_mode,
    )


def retry_schedule(reliability: Reliability, first: datetime) -> list[datetime]:
    """When each attempt is due: the first, then one per retry, a retry interval apart.

    A retry that would fall after the persist duration is dropped: the receiver would no longer
    recognise it as a duplicate.
    """
    attempts = [first]
    for number in range(1, reliability.retries + 1):
        due = first + reliability.retry_interval * number
        if reliability.persist_duration and due - first > reliability.persist_duration:
            break
        attempts.append(due)
    return attempts
