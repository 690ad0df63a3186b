"""MESH's later messages, for the harness: what a send puts in an inbox.

MESH delivers nothing to a consumer's endpoint: a message sent (`POST
/messageexchange/{mailbox}/outbox`, or the last chunk of a chunked one, `POST
.../outbox/{message_id}/{n}` with `Mex-Chunk-Range: n:n`) appears, asynchronously, in its
recipient's inbox; one that cannot be delivered makes a REPORT appear in its sender's inbox,
linked to it by `Mex-LinkedMsgID`. So the harness polls (`harness.messaging.poller`):

- an exchange's key is the message id the send's answer gave (`message_id` in version 2,
  `messageID` in version 1), or the one in the last chunk's path;
- its polls list the recipient's inbox (`Mex-To`) and the sender's, filtered by the send's
  workflow (`workflow_filter`) when it names one; each is signed as the mailbox it addresses
  (the `mesh` provider signs as the mailbox in the path);
- each entry is fetched with a HEAD (`/inbox/{id}`: its envelope headers, nothing
  downloaded, nothing acknowledged) and read: a DATA message is kind `inbox`, naming the send
  by `Mex-MessageID`; a REPORT is kind `report`, naming it by `Mex-LinkedMsgID`; the code is
  `Mex-StatusCode` (`00` transferred; a REPORT's error code, `14` undeliverable).

Only the envelope headers that mean the same on every MESH are kept for comparison (not the
message ids, file names or timestamps each side makes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from harness.core.exchange import Correlation, Request, Response
from harness.domains.messaging import BaseProfile, Delivery, Observed

CHANNEL = "mesh"
_SEND = re.compile(r"^/messageexchange/([^/]+)/outbox/?$")
_CHUNK = re.compile(r"^/messageexchange/([^/]+)/outbox/([^/]+)/(\d+)/?$")
_ENTRY = re.compile(r"^/messageexchange/([^/]+)/inbox/([^/]+)/?$")
_LISTING = re.compile(r"^/messageexchange/([^/]+)/inbox/?$")
KEPT_HEADERS = frozenset(
    {
        "mex-from",
        "mex-to",
        "mex-workflowid",
        "mex-chunk-range",
        "mex-localid",
        "mex-subject",
        "mex-messagetype",
        "mex-statuscode",
        "mex-statussuccess",
        "mex-statusevent",
        "mex-content-compressed",
        "mex-content-encrypted",
        "mex-content-checksum",
    }
)


class MeshInboxProfile(BaseProfile):
    channel = CHANNEL
    delivered = False  # only polled: MESH keeps messages for their recipients to ask for

    def keys(self, request: Request, response: Response | None) -> frozenset[str]:
        if request.method != "POST" or response is None or response.status != 202:
            return frozenset()
        if _SEND.match(request.path):
            if not _last_chunk(request.header("mex-chunk-range"), 1):
                return frozenset()
            sent = _message_id(response.body)
            return frozenset({sent.upper()}) if sent else frozenset()
        chunk = _CHUNK.match(request.path)
        if chunk and _last_chunk(request.header("mex-chunk-range"), int(chunk.group(3))):
            return frozenset({chunk.group(2).upper()})
        return frozenset()

    def polls(self, request: Request, response: Response) -> Sequence[Request]:
        path = _SEND.match(request.path) or _CHUNK.match(request.path)
        if path is None:
            return ()
        sender = path.group(1).upper()
        recipient = (request.header("mex-to") or "").strip().upper()
        workflow = (request.header("mex-workflowid") or "").strip()
        query = (("workflow_filter", workflow),) if workflow else ()
        accept = request.header("accept") or "application/vnd.mesh.v2+json"
        mailboxes = dict.fromkeys(m for m in (recipient, sender) if m)
        return tuple(
            Request("GET", f"/messageexchange/{mailbox}/inbox", query, (("Accept", accept),))
            for mailbox in mailboxes
        )

    def entries(self, listing: Request, answer: Response) -> Sequence[tuple[str, Request]]:
        found = _LISTING.match(listing.path)
        if found is None:
            return ()
        try:
            listed = json.loads(answer.body)
        except ValueError:
            return ()
        ids = listed.get("messages") if isinstance(listed, dict) else None
        if not isinstance(ids, list):
            return ()
        mailbox = found.group(1)
        headers = tuple((k, v) for k, v in listing.headers if k.lower() == "accept")
        return tuple(
            (entry, Request("HEAD", f"/messageexchange/{mailbox}/inbox/{entry}", (), headers))
            for entry in ids
            if isinstance(entry, str) and entry
        )

    def read(self, delivery: Delivery) -> Observed | None:
        entry = _ENTRY.match(delivery.path)
        if delivery.method != "HEAD" or entry is None:
            return None
        message_id = (delivery.header("mex-messageid") or entry.group(2)).strip().upper()
        message_type = (delivery.header("mex-messagetype") or "DATA").strip().upper()
        if message_type == "REPORT":
            linked = (delivery.header("mex-linkedmsgid") or "").strip().upper()
            kind = "report"
            references = (Correlation("Mex-LinkedMsgID", linked),) if linked else ()
        else:
            kind = "inbox"
            references = (Correlation("Mex-MessageID", message_id),)
        code = (delivery.header("mex-statuscode") or "").strip() or None
        return Observed(
            kind=kind,
            references=references,
            code=code,
            message_id=message_id,
            headers=tuple((k.lower(), v) for k, v in delivery.headers if k.lower() in KEPT_HEADERS),
        )


def _last_chunk(chunk_range: str | None, number: int) -> bool:
    """Whether a send's `Mex-Chunk-Range` (`n:N`; none: a message in one piece) ends it."""
    if not chunk_range or ":" not in chunk_range:
        return number == 1
    this, _, total = chunk_range.partition(":")
    try:
        return int(this) == int(total)
    except ValueError:
        return False


def _message_id(body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    found = answer.get("message_id") or answer.get("messageID")
    return found if isinstance(found, str) and found else None
