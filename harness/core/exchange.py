"""Requests, responses and exchanges: the values every layer passes around."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from harness.core.template import Pairs, Template

Headers = Pairs
Query = Pairs


def make_headers(items: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Headers as an ordered tuple of (name, value); names keep their case."""
    if items is None:
        return ()
    pairs = items.items() if isinstance(items, Mapping) else items
    return tuple((str(k), str(v)) for k, v in pairs)


def header(headers: Iterable[tuple[str, str]], name: str, default: str | None = None) -> str | None:
    """The first value of a header, matched case-insensitively."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return default


def media_type(headers: Headers) -> str:
    """The bare media type of Content-Type, lower-cased ('' when absent)."""
    return bare_media_type(header(headers, "content-type"))


def bare_media_type(content_type: str | None) -> str:
    """A Content-Type value without its parameters, lower-cased ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request relative to a target's base URL.

    `path` starts with '/' and excludes the query string; `query` keeps order and repeats.
    """

    method: str
    path: str
    query: Query = ()
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        return header(self.headers, name, default)

    @property
    def target(self) -> str:
        """Path plus query string, as sent on the wire."""
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response with the time it took (milliseconds, wall clock)."""

    status: int
    headers: Headers = ()
    body: bytes = b""
    elapsed_ms: float = 0.0

    def header(self, name: str, default: str | None = None) -> str | None:
        return header(self.headers, name, default)

    @property
    def media_type(self) -> str:
        return media_type(self.headers)


@dataclass(frozen=True, slots=True)
class Correlation:
    """The field of a later message that names its exchange, and its value."""

    name: str  # e.g. RefToMessageId, Mex-LinkedMsgID
    value: str


@dataclass(frozen=True, slots=True)
class LaterMessage:
    """A message an exchange caused that arrived later on another channel (an acknowledgement
    delivered to the sender's endpoint, an entry in a polled inbox); see `harness.core.later`."""

    channel: str  # the endpoint or inbox it came through
    kind: str  # acknowledgement, message, negative, report, entry... (the domain's words)
    correlation: Correlation | None = None
    code: str | None = None  # an acknowledgement or status code, when the kind has one
    message_id: str | None = None
    conversation: str | None = None
    after_ms: float = 0.0  # from the exchange's request being sent
    after_step: int = 0  # how many later steps of its conversation had been sent when it came
    attempt: int = 1  # the n-th delivery of its message id
    duplicate: bool = False  # delivered again after the receiver had accepted it
    headers: Headers = ()
    body: bytes = b""

    @property
    def content(self) -> Response:
        """Its headers and body as an answer, for the comparators (the status means nothing)."""
        return Response(200, self.headers, self.body, self.after_ms)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response, identified within a contract.

    `source` is one of: recorded, scenario, generated, stateful, proxy, har, regression.
    `step` and `scenario` place the exchange inside a scripted sequence (None when alone).
    `template` is what is sent (placeholders rendered per target) when the stored request alone
    is not: a scenario step, a generated case. `captures` names the values a step takes from
    its answer for later steps (None: the exchange captures nothing and says so on disk).
    `recorded` is False for traffic generated during a run: there is no recorded answer to
    consult, `response` is a placeholder. `later` holds the messages it caused that arrived
    later, as recorded (`harness.core.later`). `meta` keeps what the harness does not interpret
    (a script step's label, a regression's provenance).
    """

    id: str
    service: str
    operation: str
    request: Request
    response: Response
    source: str = "recorded"
    scenario: str | None = None
    step: int | None = None
    template: Template | None = None
    captures: Mapping[str, str] | None = None
    recorded: bool = True
    meta: Mapping[str, object] = field(default_factory=dict)
    later: tuple[LaterMessage, ...] = ()

    @property
    def label(self) -> str:
        """How a script step calls itself (its `label`), else the exchange id."""
        return str(self.meta.get("label", self.id))
