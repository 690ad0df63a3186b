"""Where values sit in recorded traffic: the values an answer gives, the texts a request carries.

An answer gives values a later step can capture: each header's whole value (`header:<name>`)
and each string or integer leaf of a JSON body (a JSON pointer such as `/id` or
`/messages/0`). A request carries texts: its path, each query value, each header value and its
body. A value is found in a text as a whole token (not inside a longer run of letters and
digits), so `9000000009` is found in `/Patient/9000000009` but not in `19000000009`.

Only distinctive values are followed (ids, not words): long enough, with a digit, not a date or
a time; or of a known shape (a UUID, a domain pack's identifier). An ETag is followed by its
header wherever `If-Match` or `If-None-Match` carries it back, however short.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from harness.core.exchange import Request, Response
from harness.core.http import CONNECTION_HEADERS, is_credential

MIN_LENGTH = 6  # shorter values are too likely to be a coincidence
MAX_BODY = 1 << 20  # larger bodies are not searched (a bulk download carries no ids to follow)
MAX_LEAVES = 5_000  # leaves of one JSON answer considered
# Headers that never carry a value a client took from an answer.
IGNORED_HEADERS = CONNECTION_HEADERS | {
    "date",
    "content-type",
    "accept",
    "accept-encoding",
    "user-agent",
    "server",
    "vary",
    "cache-control",
    "expires",
    "last-modified",
    "age",
}
ETAG = "header:etag"
PRECONDITIONS = ("if-match", "if-none-match")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:~+-]*[A-Za-z0-9]|[A-Za-z0-9]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}\d{2}\d{2}T|\d{1,2}:\d{2}")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s")


def distinctive(value: str) -> bool:
    """Whether a value is id-like enough to follow from an answer to a later request."""
    return (
        MIN_LENGTH <= len(value) <= 200
        and _DIGIT.search(value) is not None
        and _DATE.match(value) is None
        and not _SPACE.search(value)
        and not value.startswith(("http://", "https://"))
    )


def answer_values(response: Response) -> Iterator[tuple[str, str]]:
    """(capture expression, value) of everything an answer gives that a step can capture."""
    for name, value in response.headers:
        lowered = name.lower()
        if lowered in IGNORED_HEADERS or is_credential(lowered) or not value:
            continue
        yield f"header:{lowered}", value
    document = _json(response.body, response.media_type)
    if document is not None:
        yield from _leaves(document)


def request_texts(request: Request) -> Iterator[tuple[str, str]]:
    """(location, text) of everything a request carries: `path`, `query.<name>`,
    `headers.<name>` (not credentials or connection headers) and `body`."""
    yield "path", request.path
    for name, value in request.query:
        yield f"query.{name}", value
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in IGNORED_HEADERS or is_credential(lowered):
            continue
        yield f"headers.{name}", value
    if request.body and len(request.body) <= MAX_BODY:
        try:
            yield "body", request.body.decode("utf-8")
        except UnicodeDecodeError:
            return


def tokens(text: str) -> set[str]:
    """The whole text and every token in it (runs of letters, digits and `_ . : ~ + -`)."""
    found = set(_TOKEN.findall(text))
    found.add(text)
    return found


def carried_tokens(location: str, text: str) -> set[str]:
    """The tokens a request carries at `location`; a JSON body's leaves count whole too."""
    found = tokens(text)
    if location == "body" and text[:1] in ("{", "["):
        try:
            document = orjson.loads(text)
        except orjson.JSONDecodeError:
            return found
        found.update(value for _, value in _leaves(document))
    return found


def answer_tokens(response: Response) -> set[str]:
    """Every token of an answer's header values and JSON leaves (to find echoes in it)."""
    found: set[str] = set()
    for _, value in answer_values(response):
        found |= tokens(value)
    return found


def replaced(text: str, value: str, placeholder: str) -> str:
    """`text` with every whole-token occurrence of `value` replaced (`text` itself if equal)."""
    if text == value:
        return placeholder
    pattern = r"(?<![A-Za-z0-9])" + re.escape(value) + r"(?![A-Za-z0-9])"
    return re.sub(pattern, lambda _: placeholder, text)


def _json(body: bytes, media_type: str) -> Any:
    if not body or len(body) > MAX_BODY:
        return None
    if not (media_type.endswith("json") or body[:1] in (b"{", b"[")):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _leaves(document: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, text) of string and integer leaves, breadth first (shortest paths first,
    so `/id` comes before `/identifier/0/value`), at most MAX_LEAVES."""
    pending: list[tuple[str, Any]] = [("", document)]
    given = 0
    while pending and given < MAX_LEAVES:
        later: list[tuple[str, Any]] = []
        for pointer, node in pending:
            if isinstance(node, dict):
                for key, value in node.items():
                    later.append((f"{pointer}/{_escape(str(key))}", value))
            elif isinstance(node, list):
                later.extend((f"{pointer}/{index}", value) for index, value in enumerate(node))
            elif isinstance(node, str) or (isinstance(node, int) and not isinstance(node, bool)):
                given += 1
                yield pointer, str(node)
        pending = later


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
