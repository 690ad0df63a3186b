"""Later messages: what an exchange caused that arrived afterwards, somewhere else.

An asynchronous service answers a request with little (an HTTP 202) and does the rest later:
it delivers an acknowledgement or an answer to the sender's own endpoint, or puts an entry into
a mailbox the sender polls. Each of those is a `LaterMessage`: the channel it came through, its
kind and code in the domain's words (a domain pack reads them), its correlation (the field and
value that tie it to the exchange: a RefToMessageId, a linked message id), its own message id
and conversation, when it came (`after_ms`, from the request's being sent; `after_step`, how
many of the conversation's later steps had been sent by then), which delivery of its message
id it was (`attempt`; a delivery after one the receiver accepted is a `duplicate`, one after a
refusal is a retry), and its content (headers and body), compared like any answer.

Contracts store an exchange's later messages with it (`later` in `exchanges.jsonl`, written by
`later_to_dict`); results keep what each side's were, without content (`later_summary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.core.encoding import decode_body, encode_body
from harness.core.exchange import Correlation, LaterMessage
from harness.core.fields import error_at, mapping_at, pairs_at, string_at

PREFIX = "later:"
ASPECTS = ("duplicates", "attempts", "order", "code")


def later_path(kind: str, rest: str = "") -> str:
    return f"{PREFIX}{kind}:{rest}" if rest else f"{PREFIX}{kind}"


def split_later_path(path: str) -> tuple[str, str] | None:
    """(kind, the rest) of a `later:` path (`later:message:/a` -> ("message", "/a")), else None."""
    if not path.startswith(PREFIX):
        return None
    kind, _, rest = path[len(PREFIX) :].partition(":")
    return kind, rest


def later_rule_problem(path: str) -> str | None:
    """What is wrong with a `later:` rule path, or None."""
    split = split_later_path(path)
    assert split is not None
    kind, rest = split
    if not kind:
        return f"path {path!r}: name the kind of later message (later:<kind>[:<path>])"
    if rest and rest not in ASPECTS and not rest.startswith(("/", "header:")):
        return (
            f"path {path!r}: after `later:{kind}:` comes {', '.join(ASPECTS)}, "
            "'header:<name>' or a body path starting with '/'"
        )
    return None


def later_to_dict(message: LaterMessage) -> dict[str, Any]:
    """The stored form of a later message (in a contract line's `later` list)."""
    body, encoding = encode_body(message.body)
    data: dict[str, Any] = {
        "channel": message.channel,
        "kind": message.kind,
        "correlation": None
        if message.correlation is None
        else {"name": message.correlation.name, "value": message.correlation.value},
        "code": message.code,
        "message_id": message.message_id,
        "conversation": message.conversation,
        "after_ms": round(message.after_ms, 1),
        "headers": [[name, value] for name, value in message.headers],
        "body": body,
        "body_encoding": encoding,
    }
    if message.after_step:
        data["after_step"] = message.after_step
    if message.attempt != 1:
        data["attempt"] = message.attempt
    if message.duplicate:
        data["duplicate"] = True
    return data


def later_from_dict(data: object, where: str, field: str = "later") -> LaterMessage:
    """A stored later message; errors name `where` (`file:line`) and the field."""
    obj = mapping_at(data, where, field)
    correlation = obj.get("correlation")
    if correlation is not None:
        linked = mapping_at(correlation, where, f"{field}.correlation")
        correlation = Correlation(
            string_at(linked, "name", where, f"{field}.correlation"),
            string_at(linked, "value", where, f"{field}.correlation"),
        )
    after_ms = obj.get("after_ms", 0.0)
    if not isinstance(after_ms, int | float) or isinstance(after_ms, bool) or after_ms < 0:
        raise error_at("must be a number of milliseconds", where, f"{field}.after_ms")
    counts = {}
    for name, least in (("after_step", 0), ("attempt", 1)):
        value = obj.get(name, least)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise error_at(f"must be an integer of at least {least}", where, f"{field}.{name}")
        counts[name] = value
    duplicate = obj.get("duplicate", False)
    if not isinstance(duplicate, bool):
        raise error_at("must be true or false", where, f"{field}.duplicate")
    return LaterMessage(
        channel=string_at(obj, "channel", where, field),
        kind=string_at(obj, "kind", where, field),
        correlation=correlation,
        code=_optional_text(obj, "code", where, field),
        message_id=_optional_text(obj, "message_id", where, field),
        conversation=_optional_text(obj, "conversation", where, field),
        after_ms=float(after_ms),
        after_step=counts["after_step"],
        attempt=counts["attempt"],
        duplicate=duplicate,
        headers=pairs_at(obj.get("headers", []), where, f"{field}.headers"),
        body=decode_body(obj.get("body"), obj.get("body_encoding"), where, f"{field}.body"),
    )


def later_list_from(value: object, where: str) -> tuple[LaterMessage, ...]:
    """A contract line's `later` list (absent: none)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise error_at("must be a list of later messages", where, "later")
    return tuple(later_from_dict(item, where, f"later[{i}]") for i, item in enumerate(value))


def later_summary(messages: Iterable[LaterMessage]) -> list[dict[str, Any]]:
    """What a result line keeps of one side's later messages: no content, only what the report
    and the latency statistics read."""
    return [
        {
            "kind": message.kind,
            "code": message.code,
            "after_ms": round(message.after_ms, 3),
            **({"after_step": message.after_step} if message.after_step else {}),
            **({"attempt": message.attempt} if message.attempt != 1 else {}),
            **({"duplicate": True} if message.duplicate else {}),
        }
        for message in messages
    ]


def kinds_of(summary: object) -> list[tuple[str, float]]:
    """(kind, after_ms) of each first delivery in a result line's later summary (what the
    latency statistics take: retries and duplicates are not new messages)."""
    found = []
    if isinstance(summary, Sequence):
        for item in summary:
            if (
                not isinstance(item, Mapping)
                or item.get("duplicate")
                or item.get("attempt", 1) != 1
            ):
                continue
            kind, after = item.get("kind"), item.get("after_ms")
            if isinstance(kind, str) and isinstance(after, int | float):
                found.append((kind, float(after)))
    return found


def _optional_text(obj: Mapping[str, Any], key: str, where: str, parent: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise error_at("must be a string or null", where, f"{parent}.{key}")
    return value
